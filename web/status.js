// Shows whether the server's storage is up (GET /healthz); proves that scripts are served
// from our own origin under the strict Content-Security-Policy.
const target = document.getElementById("status");
fetch("/healthz")
  .then((r) => r.json())
  .then((body) => { target.textContent = body.status === "ok" ? "работает / ok" : "?"; })
  .catch(() => { target.textContent = "недоступен / unavailable"; });
