// The HTTP session API: sign in (sets the HttpOnly cookie), who am I, sign out, change password.
async function call(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch { /* 204 or not JSON */ }
  return { status: res.status, data, headers: res.headers };
}

export async function currentUser() {
  const r = await call("GET", "/api/session");
  if (r.status === 200 && r.data && r.data.user) return r.data.user;
  if (r.status === 401) return null;
  throw new Error(`session check failed: ${r.status}`);
}

/** → {ok, user, mustChange} | {ok:false, reason:"wrong"|"limited"|"failed", retryAfter} */
export async function signIn(login, password) {
  let r;
  try { r = await call("POST", "/api/session", { login, password }); } catch { return { ok: false, reason: "failed" }; }
  if (r.status === 200) return { ok: true, user: r.data.user, mustChange: !!r.data.must_change_password };
  if (r.status === 401) return { ok: false, reason: "wrong" };
  if (r.status === 429) {
    const retryAfter = Number(r.data?.retry_after ?? r.headers.get("Retry-After")) || 60;
    return { ok: false, reason: "limited", retryAfter };
  }
  return { ok: false, reason: "failed" };
}

export async function signOut() {
  try { await call("DELETE", "/api/session"); } catch { /* the socket is closed anyway */ }
}

export async function changePassword(oldPassword, newPassword) {
  const r = await call("POST", "/api/password", { old: oldPassword, new: newPassword });
  return r.status === 204;
}

/** The invitation page: → {status, data} (200 with room, sponsor, expires_at, regulations; 404; 410). */
export async function getInvitation(token) {
  try { return await call("GET", `/api/invite/${encodeURIComponent(token)}`); } catch { return { status: 0, data: null }; }
}

/** Accepts an invitation: → {status, data} (200 with token, user, room; the cookie is set). */
export async function acceptInvitation(token, name) {
  try { return await call("POST", `/api/invite/${encodeURIComponent(token)}`, { name, accept: true }); } catch { return { status: 0, data: null }; }
}
