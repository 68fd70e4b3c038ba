// "Follow me": a teacher (`facilitate`) asks everyone in the room to look at what they look at
// (`room.follow` with the board or a document). Everyone else gets a banner — "Petrova asks
// everyone to follow: [Go there] [Not now]" — when a `follow` frame arrives or when `doc.list`
// reports a current one; once they accept, later moves are followed automatically for the rest
// of the session (the choice is remembered in sessionStorage).
//
// followControls(client, roomId, view) → a node for any room view: `view` is {kind:"board"},
// {kind:"doc", doc} or null (chat, the work page: nothing to lead from, only the banner).
import { h, icon, toast } from "./dom.js";
import { t } from "../i18n/i18n.js";
import { Emitter } from "../store/emitter.js";
import { errorText } from "./dialogs.js";
import { hasCollab, roomHref } from "./room-tabs.js";

const states = new WeakMap();

/** Who leads where, per room: {user, name, view} from `follow` frames and `doc.list`. */
class FollowState extends Emitter {
  constructor(client) {
    super();
    this.client = client;
    this.current = new Map();       // room → {user, name, view} | null
    this.asked = new Set();         // rooms whose doc.list was asked on this connection
    this.dismissed = new Map();     // room → the view key "Not now" was said to
    client.subscribe((e) => {
      if (e.type === "follow") this.set(e.room, e.msg);
      if (e.type === "state" && e.state !== "connected") this.asked.clear();
    });
  }

  set(room, msg) {
    const view = normalView(msg?.view);
    if (!view) this.current.set(room, null);
    else this.current.set(room, { user: msg.user ?? null, name: msg.name || "", view });
    if (!view && msg?.user === this.client.user.id) sessionSet(room, "lead", null);
    this.emit(room);
  }

  /** `doc.list`'s `follow`: {user, name, view} (or the bare view), or null. */
  fromList(room, follow) {
    if (follow === undefined) return;
    const known = this.current.get(room);
    const view = normalView(follow && typeof follow === "object" && "view" in follow ? follow.view : follow);
    if (!view) { if (known !== null) { this.current.set(room, null); this.emit(room); } return; }
    const user = follow.user ?? known?.user ?? null;
    const name = follow.name || (known && viewKey(known.view) === viewKey(view) ? known.name : "");
    this.current.set(room, { user, name, view });
    this.emit(room);
  }

  /** Learns the current one from doc.list once per connection (the room must be joined). */
  ask(room) {
    if (this.asked.has(room) || !this.client.connected || !this.client.ready.has(room) || !hasCollab(this.client, room)) return;
    this.asked.add(room);
    // A failure is not retried until the next connection (errors in a row count as flooding).
    this.client.conn.request({ type: "doc.list", room }).then((ok) => this.fromList(room, ok.follow ?? null), () => {});
  }
}

export function followState(client) {
  if (!states.has(client)) states.set(client, new FollowState(client));
  return states.get(client);
}

/** Tells the follow state what `doc.list` said (the work page and the doc list call it). */
export function noteFollowFromList(client, roomId, follow) { followState(client).fromList(roomId, follow); }

function normalView(v) {
  if (!v || typeof v !== "object") return null;
  if (v.kind === "board") return { kind: "board" };
  if (v.kind === "doc" && typeof v.doc === "string" && v.doc) return { kind: "doc", doc: v.doc };
  return null;
}

function viewKey(v) { return !v ? "" : v.kind === "doc" ? `doc:${v.doc}` : v.kind; }

export function viewHref(roomId, v) { return v.kind === "doc" ? roomHref(roomId, "doc", v.doc) : roomHref(roomId, "board"); }

function sessionGet(room, what) {
  try { return sessionStorage.getItem(`atrium.follow.${what}.${room}`); } catch { return null; }
}
function sessionSet(room, what, value) {
  try {
    if (value === null) sessionStorage.removeItem(`atrium.follow.${what}.${room}`);
    else sessionStorage.setItem(`atrium.follow.${what}.${room}`, value);
  } catch { /* private mode */ }
}

/** The "follow me" button (teachers) and the "… asks everyone to follow" banner (everyone
 *  else). The node unsubscribes itself once it has left the page; `node.destroy()` does it at once. */
export function followControls(client, roomId, view) {
  const state = followState(client);
  const here = normalView(view);
  const me = client.user.id;
  const node = h("div", { class: "follow-controls", "aria-live": "polite" });
  let busy = false;
  let wasConnected = false;

  const leading = () => { const c = state.current.get(roomId); return !!c && c.user === me; };

  async function lead(v) {
    busy = true; render();
    try {
      await client.conn.request({ type: "room.follow", room: roomId, view: v });
      sessionSet(roomId, "lead", v ? "1" : null);
      state.set(roomId, { user: me, name: client.user.name, view: v });
      if (v) toast(t("follow.started"));
    } catch (err) { toast(errorText(err), "error"); }
    finally { busy = false; render(); }
  }

  function go(v, { auto = false } = {}) {
    sessionSet(roomId, "accepted", "1");
    sessionSet(roomId, "last", viewKey(v));
    const href = viewHref(roomId, v);
    if (location.hash !== href) location.hash = href;
    if (auto) toast(t("follow.moved"));
  }

  function render() {
    if (wasConnected && !node.isConnected) { destroy(); return; }
    if (node.isConnected) wasConnected = true;
    const cur = state.current.get(roomId) ?? null;
    const teacher = client.access.may(roomId, "facilitate") && client.access.get(roomId).known;
    const parts = [];
    const theirs = cur && cur.user !== me ? cur : null;
    if (theirs) {
      const key = viewKey(theirs.view);
      const onIt = here && viewKey(here) === key;
      const name = theirs.name || t("follow.someone");
      const accepted = sessionGet(roomId, "accepted") === "1";
      if (accepted && !onIt && sessionGet(roomId, "last") !== key) {
        // Accepted earlier in this session: follow the move once (going elsewhere by hand stays allowed).
        queueMicrotask(() => go(theirs.view, { auto: true }));
      } else if (onIt && accepted) {
        parts.push(h("p", { class: "follow-note" }, icon("eye", "icon tiny"), h("span", {}, t("follow.following", { name })),
          h("button", { type: "button", class: "link-button follow-stop", onclick: () => { sessionSet(roomId, "accepted", null); render(); } }, t("follow.unfollow"))));
      } else if (!onIt && state.dismissed.get(roomId) !== key) {
        parts.push(h("div", { class: "follow-banner", role: "region", "aria-label": t("follow.region") },
          icon("eye"), h("span", { class: "follow-text" }, t("follow.asks", { name })),
          h("span", { class: "follow-actions" },
            h("button", { type: "button", class: "button small primary follow-go", onclick: () => go(theirs.view) }, t("follow.go")),
            h("button", { type: "button", class: "button small follow-later", onclick: () => { state.dismissed.set(roomId, key); render(); } }, t("follow.later")))));
      }
    }
    if (teacher && here) {
      if (leading()) {
        const same = viewKey(state.current.get(roomId).view) === viewKey(here);
        if (!same && sessionGet(roomId, "lead") === "1" && !busy) {
          // Leading and moved on: take everyone along.
          queueMicrotask(() => lead(here));
        }
        parts.push(h("p", { class: "follow-note leading" }, icon("people", "icon tiny"), h("span", {}, t("follow.leading")),
          h("button", { type: "button", class: "button small follow-end", disabled: busy, onclick: () => lead(null) }, t("follow.stop"))));
      } else {
        parts.push(h("button", { type: "button", class: "button small follow-start", disabled: busy, onclick: () => lead(here) },
          icon("people", "icon tiny"), h("span", {}, t("follow.start"))));
      }
    }
    node.replaceChildren(...parts);
    node.hidden = parts.length === 0;
  }

  const subs = [
    state.subscribe((room) => { if (room === roomId) render(); }),
    client.access.subscribe((room) => { if (room === roomId) render(); }),
    client.timeline(roomId).subscribe(() => { state.ask(roomId); }),
    client.subscribe((e) => { if (e.type === "state" && e.state === "connected") state.ask(roomId); }),
  ];
  function destroy() { subs.forEach((u) => u()); subs.length = 0; }
  node.destroy = destroy;
  state.ask(roomId);
  render();
  // The first render happens before the node is placed; render again once it is.
  queueMicrotask(render);
  return node;
}
