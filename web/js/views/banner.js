// The connection's state, always visible: a small pill in the top bar, and a banner with a
// countdown and "retry now" while the link is down.
import { h } from "./dom.js";
import { t, formatWait } from "../i18n/i18n.js";

export function connectionBanner(client) {
  const pill = h("span", { id: "conn-state", class: "conn-pill", role: "status" });
  const text = h("span", { class: "banner-text" });
  const retry = h("button", { type: "button", class: "button small ghost-light" }, t("conn.retry"));
  retry.addEventListener("click", () => client.conn.connectNow());
  const banner = h("div", { id: "conn-banner", class: "conn-banner", role: "status", "aria-live": "polite", hidden: true }, text, retry);
  let timer = null;
  let last = { state: client.conn.state, retryAt: client.conn.retryAt };

  function render() {
    const { state, retryAt } = last;
    pill.dataset.state = state;
    banner.dataset.state = state;
    const online = state === "connected";
    pill.textContent = t(online ? "conn.connected" : state === "offline" ? "conn.offline" : state === "reconnecting" ? "conn.reconnectingNow" : "conn.connecting");
    pill.hidden = !online && state !== "connecting" && state !== "idle";
    banner.hidden = !(state === "reconnecting" || state === "offline");
    retry.textContent = t("conn.retry");
    if (state === "reconnecting") {
      const left = Math.ceil((retryAt - Date.now()) / 1000);
      text.textContent = left > 0 ? t("conn.reconnecting", { wait: t("wait.short", { count: left }) }) : t("conn.reconnectingNow");
    } else if (state === "offline") {
      const left = Math.ceil((retryAt - Date.now()) / 1000);
      text.textContent = left > 0 ? t("conn.offlineRetry", { wait: t("wait.short", { count: left }) }) : t("conn.offline");
    }
  }

  function onState(detail) {
    if (detail.type !== "state") return;
    last = detail;
    clearInterval(timer);
    if (detail.state === "reconnecting" || detail.state === "offline") timer = setInterval(render, 500);
    render();
  }
  const unsubscribe = client.subscribe(onState);
  render();
  return { pill, banner, render, destroy() { unsubscribe(); clearInterval(timer); } };
}

export { formatWait };
