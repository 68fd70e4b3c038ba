// The WebSocket link to the hub: one socket at a time, JSON Lines frames, requests matched by
// `ref` with timeouts, hello with the session cookie, jittered exponential reconnect, and a
// resume of every joined room from its last seen seq (`since`) after each reconnect.
//
// Events: "state" {state, retryAt}, "message" (every server message without a pending ref:
// event, presence, typing, and errors with ref null), "welcome" {user}, "signedout".

export class RequestError extends Error {
  constructor(code, message) { super(message || code); this.code = code; }
}

const REQUEST_TIMEOUT_MS = 10000;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

export class Connection extends EventTarget {
  constructor({ url } = {}) {
    super();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = url || `${scheme}//${location.host}/ws`;
    this.ws = null;
    this.state = "idle";          // idle | connecting | connected | reconnecting | offline | signedout
    this.retryAt = 0;
    this.attempt = 0;
    this.pending = new Map();     // ref → {resolve, reject, timer}
    this.nextRef = 1;
    this.joined = new Map();      // room → () => since (null for "no since")
    this.resumeHooks = [];        // async (conn) => void, run after hello on every connect
    this.retryTimer = null;
    this.pingTimer = null;
    this.heartbeatMs = 20000;
    this.stopped = true;
    this.user = null;
    addEventListener("online", () => { if (!this.stopped && this.state !== "connected") this.connectNow(); });
    addEventListener("offline", () => { if (!this.stopped && this.state !== "connected") this.setState("offline"); });
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) { try { ws.close(1000); } catch { /* already closed */ } }
    this.failPending("offline");
    this.setState("idle");
  }

  setState(state, extra = {}) {
    this.state = state;
    this.retryAt = extra.retryAt || 0;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, retryAt: this.retryAt } }));
  }

  /** Skip the wait and try at once (the "retry now" button, the browser coming online). */
  connectNow() {
    if (this.stopped || this.state === "connected" || this.state === "connecting") return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  open() {
    clearTimeout(this.retryTimer);
    this.setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url, "atrium.v1");
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => { if (this.ws === ws) this.handshake(ws); };
    ws.onmessage = (e) => { if (this.ws === ws) this.receive(e.data); };
    ws.onclose = (e) => { if (this.ws === ws) this.closed(e.code); };
    ws.onerror = () => { /* onclose follows */ };
  }

  async handshake(ws) {
    try {
      const welcome = await this.request({ type: "hello" });
      if (this.ws !== ws) return;
      this.user = welcome.user;
      this.heartbeatMs = Math.max(5, Number(welcome.heartbeat_s) || 20) * 1000;
      this.startPing(ws);
      this.setState("connected");
      this.dispatchEvent(new CustomEvent("welcome", { detail: { user: welcome.user } }));
      // The attempt counter is reset only once the link proved itself (see startPing).
      for (const hook of this.resumeHooks) {
        try { await hook(this); } catch (err) { console.warn("resume hook failed", err); }
      }
    } catch (err) {
      if (err.code === "unauthenticated") this.signedOut();
      else if (this.ws === ws) { try { ws.close(); } catch { /* ignore */ } }
    }
  }

  startPing(ws) {
    clearInterval(this.pingTimer);
    let healthyTicks = 0;
    this.pingTimer = setInterval(async () => {
      if (this.ws !== ws) return;
      try {
        await this.request({ type: "ping" }, { timeout: Math.min(10000, this.heartbeatMs) });
        if (++healthyTicks >= 1) this.attempt = 0;
      } catch (err) {
        if (this.ws === ws && err.code === "timeout") { try { ws.close(); } catch { /* ignore */ } this.closed(1006); }
      }
    }, Math.min(this.heartbeatMs, 15000));
    // A link that stays up for a few seconds resets the backoff.
    setTimeout(() => { if (this.ws === ws && this.state === "connected") this.attempt = 0; }, 5000);
  }

  closed(code) {
    this.ws = null;
    clearInterval(this.pingTimer);
    this.failPending("offline");
    if (this.stopped) return;
    if (code === 4401) { this.signedOut(); return; }
    this.scheduleReconnect(code === 4429 ? 4 : 0);
  }

  signedOut() {
    this.stop();
    this.setState("signedout");
    this.dispatchEvent(new CustomEvent("signedout"));
  }

  scheduleReconnect(extraSteps = 0) {
    clearTimeout(this.retryTimer);
    const step = Math.min(this.attempt + extraSteps, 10);
    this.attempt += 1;
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** step);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);   // "equal jitter"
    const retryAt = Date.now() + delay;
    this.setState(navigator.onLine === false ? "offline" : "reconnecting", { retryAt });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  failPending(code) {
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new RequestError(code)); }
    this.pending.clear();
  }

  /** Sends a message with a fresh ref; resolves with the ok (or welcome), rejects on error. */
  /** `onReply(ok)` runs synchronously, before any later line of the same frame is handled
   *  (a join's replay follows its ok: the caller can prepare the store first). */
  request(message, { timeout = REQUEST_TIMEOUT_MS, onReply = null } = {}) {
    return new Promise((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new RequestError("offline")); return; }
      const ref = `r${this.nextRef++}`;
      const timer = setTimeout(() => {
        if (this.pending.delete(ref)) reject(new RequestError("timeout"));
      }, timeout);
      this.pending.set(ref, { resolve, reject, timer, onReply });
      try {
        ws.send(JSON.stringify({ ...message, ref }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(ref);
        reject(new RequestError("offline"));
      }
    });
  }

  /** Fire and forget (typing); dropped silently when not connected. */
  send(message) {
    if (this.state !== "connected" || !this.ws) return false;
    try { this.ws.send(JSON.stringify(message)); return true; } catch { return false; }
  }

  receive(data) {
    if (typeof data !== "string") return;
    for (const line of data.split("\n")) {
      if (!line.trim()) continue;
      let msg;
      try { msg = JSON.parse(line); } catch { continue; }
      if (!msg || typeof msg !== "object") continue;
      const ref = typeof msg.ref === "string" ? msg.ref : null;
      const waiter = ref !== null ? this.pending.get(ref) : undefined;
      if (waiter) {
        this.pending.delete(ref);
        clearTimeout(waiter.timer);
        if (msg.type === "error") waiter.reject(new RequestError(msg.code, msg.message));
        else {
          if (waiter.onReply) { try { waiter.onReply(msg); } catch (err) { console.warn(err); } }
          waiter.resolve(msg);
        }
        continue;
      }
      if (msg.type === "error" && msg.code === "unauthenticated") { this.signedOut(); continue; }
      this.dispatchEvent(new CustomEvent("message", { detail: msg }));
    }
  }
}
