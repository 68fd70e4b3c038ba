// The room's call (#/room/ID/call, docs/calls.md): before joining, the microphone and camera
// switches and device choice; in the call, a grid of videos (the others with their names, one's
// own preview muted), controls (microphone, camera, screen sharing, raise hand, devices, leave),
// the participants with their states (microphone, camera, hand and place in the queue,
// presenting, breakout group), the moderators' controls (ask to mute, lower a hand, remove, end
// the call for all, breakout groups and calling them back, a poll) shown only with the right
// permissions, and the room's chat beside the call. The media and the peer connections live in
// the call store (web/js/store/call.js), so the call goes on while one looks at the room's chat
// or board; leaving the room leaves the call. A refusal (or a `knock` room one is not admitted
// to) sends the person to the room's chat page, which says why or shows the knock form and lobby.
import { h, icon, avatar, toast, reconcile, linkify } from "./dom.js";
import { t, language, formatTime } from "../i18n/i18n.js";
import { confirmDialog, errorText } from "./dialogs.js";
import { displayName } from "../store/rooms.js";
import { roomTabs, roomHref } from "./room-tabs.js";
import { handPlace, splitIntoGroups } from "../store/call.js";

const SVG = "http://www.w3.org/2000/svg";
const PATHS = {
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5.3-3a5.3 5.3 0 0 1-10.6 0H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.49 6-3.31 6-6.72z",
  micOff: "M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23A6.9 6.9 0 0 0 19 11zm-4.02.17L9 5.18V5a3 3 0 0 1 6 0v6zM4.27 3 3 4.27l6.01 6.01V11a3 3 0 0 0 3 3c.22 0 .44-.03.65-.08l1.66 1.66A5.5 5.5 0 0 1 12 16.1c-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28a7.1 7.1 0 0 0 2.54-.9L19.73 21 21 19.73z",
  cam: "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z",
  camOff: "M21 6.5l-4 4V7a1 1 0 0 0-1-1H9.82L21 17.18zM3.27 2 2 3.27 4.73 6H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73z",
  screen: "M20 18a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2H0v2h24v-2zM4 6h16v10H4z",
  hand: "M21 7a1.5 1.5 0 0 0-3 0v5h-1V3.5a1.5 1.5 0 0 0-3 0V11h-1V2.5a1.5 1.5 0 0 0-3 0V11H9V5.5a1.5 1.5 0 0 0-3 0v9.24l-2.2-1.6a1.5 1.5 0 0 0-2 2.2l4.6 5.2A5 5 0 0 0 10.2 22H16a5 5 0 0 0 5-5z",
  phone: "M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85a1 1 0 0 1-1.41-.01L.29 13.08a1 1 0 0 1 0-1.41A16.9 16.9 0 0 1 12 7c4.57 0 8.72 1.82 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41.01 11.3 11.3 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1A14.9 14.9 0 0 0 12 9z",
  tune: "M3 17v2h6v-2zM3 5v2h10V5zm10 16v-2h8v-2h-8v-2h-2v6zM7 9v2H3v2h4v2h2V9zm14 4v-2H11v2zm-6-4h2V7h4V5h-4V3h-2z",
  poll: "M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zM9 17H7v-7h2zm4 0h-2V7h2zm4 0h-2v-4h2z",
  groups: "M12 12.75c1.63 0 3.07.39 4.24.9A3 3 0 0 1 18 16.4V18H6v-1.59c0-1.18.68-2.26 1.76-2.74A10.4 10.4 0 0 1 12 12.75zM4 13a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm1.13 1.1A7 7 0 0 0 4 14c-.99 0-1.93.21-2.78.58A2 2 0 0 0 0 16.43V18h4.5v-1.61c0-.83.23-1.61.63-2.29zM20 13a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm4 3.43a2 2 0 0 0-1.22-1.85A6.9 6.9 0 0 0 20 14c-.39 0-.76.04-1.13.1.4.68.63 1.46.63 2.29V18H24zM12 6a3 3 0 1 1 0 6 3 3 0 0 1 0-6z",
};

/** icon(name) from dom.js, or one of the call's own (same drawing rules). */
function cicon(name, cls = "icon") {
  if (!PATHS[name]) return icon(name, cls);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", cls);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", PATHS[name]);
  svg.append(path);
  return svg;
}

/** An error of a call request in the current language. */
function callErrorText(err) {
  if (err?.key) return t(err.key);
  if (err?.code === "conflict" && err.message && /full/i.test(err.message)) return t("call.error.full");
  if (err?.code === "conflict" && err.message && err.message !== err.code) return err.message;
  return errorText(err);
}

export function callView(client, roomId) {
  const store = client.call;
  const me = client.user.id;
  const room = () => client.rooms.get(roomId) ?? client.timeline(roomId).roomInfo;
  const roomName = () => displayName(room()) || roomId;
  // Controls follow the permissions once the join answered (the server checks anyway).
  const may = (p) => { const a = client.access.get(roomId); return a.known && !a.denied && a.can.has(p); };
  const inThisCall = () => store.inCall(roomId);
  let stopped = false;
  let busy = false;
  let error = "";
  let joinAnyway = false;         // the devices failed: offer to join without them
  let wantMic = true;
  let wantCamera = true;
  let devicesOpen = false;
  let deviceLists = { audio: [], video: [] };

  // ---- chrome ----
  const title = h("h1", { id: "call-title", class: "room-title", tabindex: "-1" });
  const sub = h("p", { class: "room-sub", id: "call-sub" });
  const header = h("header", { class: "room-header" },
    h("a", { class: "icon-button back", href: roomHref(roomId), title: t("call.backToChat") }, icon("back"), h("span", { class: "visually-hidden" }, t("call.backToChat"))),
    h("div", { class: "room-heading" }, title, sub));
  const tabs = roomTabs(client, roomId, "call");
  const noticeText = h("span", { class: "room-notice-text" });
  const noticeClose = h("button", { type: "button", class: "icon-button small", title: t("notice.dismiss") },
    icon("close"), h("span", { class: "visually-hidden" }, t("notice.dismiss")));
  const notice = h("div", { id: "call-notice", class: "room-notice call-notice", role: "status", "aria-live": "polite" });
  noticeClose.addEventListener("click", () => { notice.classList.remove("shown"); notice.replaceChildren(); });
  const errorBox = h("div", { id: "call-error", class: "call-error", role: "alert" });

  // ---- before joining ----
  const preview = h("video", { id: "call-preview", class: "call-video mirrored", autoplay: true, muted: true, playsinline: true });
  preview.muted = true;
  const micBox = h("input", { type: "checkbox", id: "call-want-mic", checked: true });
  const camBox = h("input", { type: "checkbox", id: "call-want-camera", checked: true });
  micBox.addEventListener("change", () => { wantMic = micBox.checked; });
  camBox.addEventListener("change", () => { wantCamera = camBox.checked; });
  const joinButton = h("button", { type: "button", id: "call-join", class: "button primary" }, cicon("phone"), h("span", {}, t("call.join")));
  joinButton.addEventListener("click", () => join(false));
  const joinAnywayButton = h("button", { type: "button", id: "call-join-anyway", class: "button", hidden: true }, t("call.joinWithout"));
  joinAnywayButton.addEventListener("click", () => join(true));
  const prejoinStatus = h("p", { id: "call-prejoin-status", class: "call-prejoin-status" });
  const noPermission = h("p", { id: "call-no-permission", class: "call-no-permission", hidden: true }, icon("lock", "icon"), h("span", {}, t("call.noPermission")));
  const prejoin = h("section", { id: "call-prejoin", class: "call-prejoin", "aria-labelledby": "call-prejoin-title" },
    h("div", { class: "call-prejoin-preview" }, preview, h("p", { class: "call-prejoin-hint muted" }, t("call.previewHint"))),
    h("div", { class: "call-prejoin-form" },
      h("h2", { id: "call-prejoin-title" }, t("call.prejoinTitle")),
      prejoinStatus,
      noPermission,
      h("div", { class: "call-switches" },
        h("label", { class: "call-switch", for: "call-want-mic" }, micBox, cicon("mic", "icon"), h("span", {}, t("call.wantMic"))),
        h("label", { class: "call-switch", for: "call-want-camera" }, camBox, cicon("cam", "icon"), h("span", {}, t("call.wantCamera")))),
      h("div", { class: "call-join-actions" }, joinButton, joinAnywayButton)));

  // ---- in the call ----
  const grid = h("ul", { id: "call-grid", class: "call-grid", role: "list", "aria-label": t("call.videos") });
  const micButton = h("button", { type: "button", id: "call-mic", class: "call-control", "aria-pressed": "false" });
  const camButton = h("button", { type: "button", id: "call-camera", class: "call-control", "aria-pressed": "false" });
  const screenButton = h("button", { type: "button", id: "call-screen", class: "call-control", "aria-pressed": "false" });
  const handButton = h("button", { type: "button", id: "call-hand", class: "call-control", "aria-pressed": "false" });
  const devicesButton = h("button", { type: "button", id: "call-devices-toggle", class: "call-control", "aria-expanded": "false", "aria-controls": "call-devices" },
    cicon("tune"), h("span", { class: "call-control-label" }, t("call.devices")));
  const leaveButton = h("button", { type: "button", id: "call-leave", class: "call-control leave" }, cicon("phone"), h("span", { class: "call-control-label" }, t("call.leave")));
  const controls = h("div", { id: "call-controls", class: "call-controls", role: "toolbar", "aria-label": t("call.controls") },
    micButton, camButton, screenButton, handButton, devicesButton, leaveButton);
  micButton.addEventListener("click", () => act(() => store.setMic(!store.local.micOn)));
  camButton.addEventListener("click", () => act(() => store.setCamera(!store.local.cameraOn)));
  screenButton.addEventListener("click", () => act(() => (store.local.presenting ? store.stopScreen() : store.startScreen())));
  handButton.addEventListener("click", () => act(() => store.raiseHand(!myHandUp())));
  devicesButton.addEventListener("click", () => { devicesOpen = !devicesOpen; if (devicesOpen) refreshDevices(); render(); });
  leaveButton.addEventListener("click", () => act(() => store.leave()));

  // Devices: microphone and camera (names once the browser allowed them).
  const micSelect = h("select", { id: "call-mic-select" });
  const camSelect = h("select", { id: "call-camera-select" });
  micSelect.addEventListener("change", () => act(() => store.chooseDevice("audio", micSelect.value)));
  camSelect.addEventListener("change", () => act(() => store.chooseDevice("video", camSelect.value)));
  const devices = h("div", { id: "call-devices", class: "call-devices" },
    h("div", { class: "field" }, h("label", { for: "call-mic-select" }, t("call.microphone")), micSelect),
    h("div", { class: "field" }, h("label", { for: "call-camera-select" }, t("call.camera")), camSelect));

  const stage = h("section", { class: "call-stage", "aria-labelledby": "call-title" }, errorBox, prejoin, grid, devices, controls);

  // ---- beside: people, moderation, poll, chat ----
  const peopleTitle = h("h2", { id: "call-people-title" }, t("call.participants"));
  const peopleList = h("ul", { id: "call-participants", class: "call-participants", role: "list", "aria-labelledby": "call-people-title" });
  const handsLine = h("p", { id: "call-hands", class: "call-hands" });
  const people = h("section", { class: "call-panel" }, peopleTitle, handsLine, peopleList);

  const moderation = h("section", { id: "call-moderation", class: "call-panel", "aria-labelledby": "call-mod-title", hidden: true });
  const pollPanel = h("section", { id: "call-poll", class: "call-panel", "aria-labelledby": "call-poll-title", hidden: true });

  const chatList = h("ol", { id: "call-chat-log", class: "call-chat-log", role: "log", "aria-live": "polite", "aria-label": t("call.chat") });
  const chatInput = h("input", { type: "text", id: "call-chat-input", maxlength: "4000", autocomplete: "off" });
  const chatForm = h("form", { class: "call-chat-form" },
    h("label", { for: "call-chat-input", class: "visually-hidden" }, t("composer.label")), chatInput,
    h("button", { type: "submit", class: "button small" }, t("composer.send")));
  chatForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = chatInput.value;
    if (!text.trim()) return;
    client.send(roomId, text);
    chatInput.value = "";
  });
  const chatPanel = h("section", { id: "call-chat", class: "call-panel call-chat", "aria-labelledby": "call-chat-title" },
    h("div", { class: "call-panel-head" }, h("h2", { id: "call-chat-title" }, t("call.chat")),
      h("a", { href: roomHref(roomId), class: "link-button", id: "call-chat-open" }, t("call.chatOpen"))),
    chatList, chatForm);
  const side = h("aside", { class: "call-side", "aria-label": t("call.side") }, people, moderation, pollPanel, chatPanel);

  const el = h("div", { class: "call-page" },
    h("section", { class: "board-main call-main", "aria-labelledby": "call-title" }, header, tabs.el, notice,
      h("div", { class: "call-body" }, stage, side)));

  // ---- behaviour ----
  async function act(fn) {
    try { await fn(); setError(""); } catch (err) { setError(callErrorText(err)); }
    render();
  }

  function setError(text) {
    error = text;
    if (errorBox.textContent !== text) errorBox.textContent = text;
  }

  function showNotice(text) {
    noticeText.textContent = text;
    notice.replaceChildren(icon("info"), noticeText, noticeClose);
    notice.classList.add("shown");
  }

  async function join(withoutDevices) {
    if (busy) return;
    busy = true;
    setError("");
    render();
    try {
      if (!withoutDevices && (wantMic || wantCamera)) {
        try {
          const stream = await store.openMedia({ audio: wantMic, video: wantCamera });
          store.setLocalTracks(stream);
          joinAnyway = false;
        } catch (err) {
          // The devices failed (refused, missing, busy): say why, and offer to join without them.
          joinAnyway = true;
          setError(`${t(err.key || "call.error.media")} ${t("call.error.joinWithout")}`);
          return;
        }
      } else {
        store.setLocalTracks(null);
      }
      await store.join(roomId);
      joinAnyway = false;
      setError("");
      refreshDevices();
    } catch (err) {
      store.stopLocal();
      setError(callErrorText(err));
    } finally {
      busy = false;
      if (!stopped) render();
    }
  }

  async function refreshDevices() {
    try { deviceLists = await store.listDevices(); } catch { deviceLists = { audio: [], video: [] }; }
    if (!stopped) renderDevices();
  }

  function renderDevices() {
    const fill = (select, list, chosen, fallback) => {
      const current = chosen || (list[0]?.deviceId ?? "");
      const options = list.length ? list.map((d, i) => h("option", { value: d.deviceId, selected: d.deviceId === current }, d.label || t(fallback, { n: i + 1 })))
        : [h("option", { value: "" }, t("call.noDevices"))];
      select.replaceChildren(...options);
      select.disabled = !list.length;
    };
    fill(micSelect, deviceLists.audio, store.devices.audio, "call.micN");
    fill(camSelect, deviceLists.video, store.devices.video, "call.cameraN");
  }

  function myHandUp() { return handPlace(store.state(roomId), me) > 0; }

  function participantName(p) { return p.name || store.names.get(p.conn)?.name || "…"; }

  function control(button, on, iconOn, iconOff, labelOn, labelOff) {
    const label = on ? labelOn : labelOff;
    const key = `${on}|${label}`;
    if (button.dataset.key === key) return;
    button.dataset.key = key;
    button.setAttribute("aria-pressed", String(on));
    button.classList.toggle("off", !on);
    button.replaceChildren(cicon(on ? iconOn : iconOff), h("span", { class: "call-control-label" }, label));
  }

  // Video tiles: conn → {node, video, label, version}
  const tiles = new Map();
  function tile(key, { stream, name, self, p, state }) {
    let entry = tiles.get(key);
    if (!entry) {
      const video = h("video", { class: "call-video", autoplay: true, playsinline: true, muted: true });
      video.muted = true;   // sound plays through the call store's own audio elements
      const label = h("span", { class: "call-tile-name" });
      const badges = h("span", { class: "call-tile-badges" });
      const placeholder = h("span", { class: "call-tile-avatar" });
      const node = h("li", { class: "call-tile", dataset: { conn: key } }, video, placeholder, h("span", { class: "call-tile-bar" }, label, badges));
      entry = { node, video, label, badges, placeholder, version: "" };
      tiles.set(key, entry);
    }
    if (entry.video.srcObject !== stream) { entry.video.srcObject = stream || null; if (stream) entry.video.play?.().catch(() => {}); }
    const hasVideo = !!stream && stream.getVideoTracks().some((tr) => tr.readyState === "live");
    const cameraOn = self ? store.local.cameraOn || store.local.presenting : (p ? p.camera || p.presenting : hasVideo);
    entry.node.dataset.state = state || "";
    entry.node.classList.toggle("self", !!self);
    entry.video.classList.toggle("mirrored", !!self && !store.local.presenting);
    const version = [name, self, cameraOn, p?.mic, p?.presenting, p ? handPlace(store.state(roomId), p.user) : 0, state, language()].join("|");
    if (entry.version !== version) {
      entry.version = version;
      entry.label.textContent = self ? `${name} (${t("room.you")})` : name;
      entry.node.classList.toggle("camera-off", !cameraOn);
      entry.placeholder.replaceChildren(avatar(name, p?.user ?? key, "avatar call-avatar"));
      const badges = [];
      if (p && !p.mic) badges.push(h("span", { class: "call-badge", title: t("call.state.micOff") }, cicon("micOff", "icon tiny"), h("span", { class: "visually-hidden" }, t("call.state.micOff"))));
      const place = p ? handPlace(store.state(roomId), p.user) : 0;
      if (place) badges.push(h("span", { class: "call-badge hand", title: t("call.state.hand", { place }) }, cicon("hand", "icon tiny"), h("span", {}, String(place))));
      if (p?.presenting) badges.push(h("span", { class: "call-badge", title: t("call.state.presenting") }, cicon("screen", "icon tiny")));
      if (!self && state && state !== "connected") badges.push(h("span", { class: "call-badge link" }, t(`call.link.${state}`) !== `call.link.${state}` ? t(`call.link.${state}`) : state));
      entry.badges.replaceChildren(...badges);
      entry.node.setAttribute("aria-label", self ? t("call.tileSelf") : t("call.tileOf", { name }));
    }
    return entry.node;
  }

  function renderGrid() {
    const state = store.state(roomId);
    const byConn = new Map(state.participants.map((p) => [p.conn, p]));
    const wanted = [];
    const mine = byConn.get(store.self) || { conn: store.self, user: me, name: client.user.name, mic: store.local.micOn, camera: store.local.cameraOn, presenting: store.local.presenting };
    wanted.push(tile("self", { stream: store.local.stream, name: mine.name || client.user.name, self: true, p: { ...mine, mic: store.local.micOn }, state: "connected" }));
    for (const [conn, peer] of store.peers) {
      const p = byConn.get(conn) || null;
      const name = p ? participantName(p) : store.names.get(conn)?.name || "…";
      wanted.push(tile(conn, { stream: peer.stream, name, self: false, p, state: peer.pc.connectionState }));
    }
    reconcile(grid, wanted);
    for (const [key, v] of tiles) if (!wanted.includes(v.node)) { v.video.srcObject = null; tiles.delete(key); }
    grid.dataset.count = String(wanted.length);
    // Presenting: the presenter's tile first and large.
    for (const v of tiles.values()) v.node.classList.remove("presenting");
    const presenterConn = state.participants.find((p) => p.presenting)?.conn;
    if (presenterConn) tiles.get(presenterConn === store.self ? "self" : presenterConn)?.node.classList.add("presenting");
  }

  function renderPeople() {
    const state = store.state(roomId);
    const moderator = may("mute") && inThisCall();
    const items = state.participants.map((p) => {
      const self = p.conn === store.self || (String(p.user) === String(me) && !inThisCall());
      const place = handPlace(state, p.user);
      const states = [
        h("span", { class: `call-state${p.mic ? "" : " off"}`, title: t(p.mic ? "call.state.micOn" : "call.state.micOff") }, cicon(p.mic ? "mic" : "micOff", "icon tiny"), h("span", { class: "visually-hidden" }, t(p.mic ? "call.state.micOn" : "call.state.micOff"))),
        h("span", { class: `call-state${p.camera ? "" : " off"}`, title: t(p.camera ? "call.state.cameraOn" : "call.state.cameraOff") }, cicon(p.camera ? "cam" : "camOff", "icon tiny"), h("span", { class: "visually-hidden" }, t(p.camera ? "call.state.cameraOn" : "call.state.cameraOff"))),
        place ? h("span", { class: "call-state hand", title: t("call.state.hand", { place }) }, cicon("hand", "icon tiny"), h("span", { class: "call-hand-place" }, t("call.state.handShort", { place }))) : null,
        p.presenting ? h("span", { class: "call-state presenting" }, cicon("screen", "icon tiny"), h("span", {}, t("call.state.presenting"))) : null,
        p.group ? h("span", { class: "call-state group" }, t("call.group", { n: p.group })) : null,
      ];
      const actions = moderator && !self ? h("div", { class: "call-person-actions", role: "group", "aria-label": t("call.mod.actionsFor", { name: p.name }) },
        p.mic ? h("button", { type: "button", class: "link-button call-ask-mute", onclick: () => act(() => store.askToMute(roomId, p.user).then(() => toast(t("call.mod.askedToMute", { name: p.name })))) }, t("call.mod.askMute")) : null,
        place ? h("button", { type: "button", class: "link-button call-lower-hand", onclick: () => act(() => store.lowerHand(roomId, p.user)) }, t("call.mod.lowerHand")) : null,
        h("button", { type: "button", class: "link-button call-remove", onclick: () => confirmDialog(t("call.mod.removeTitle", { name: p.name }), t("call.mod.removeLead"), t("call.mod.remove"), () => store.remove(roomId, p.user)) }, t("call.mod.remove"))) : null;
      return h("li", { class: "call-person", dataset: { conn: p.conn, user: String(p.user) } },
        avatar(p.name, p.user, "avatar small"),
        h("span", { class: "call-person-text" },
          h("span", { class: "call-person-name" }, p.name || "…", self ? h("span", { class: "you" }, ` (${t("room.you")})`) : null),
          h("span", { class: "call-states" }, states)),
        actions);
    });
    peopleTitle.textContent = `${t("call.participants")} · ${state.participants.length}`;
    peopleList.replaceChildren(...(items.length ? items : [h("li", { class: "muted call-empty" }, t("call.nobody"))]));
    const names = state.hands.map((u) => state.participants.find((p) => String(p.user) === String(u))?.name).filter(Boolean);
    handsLine.textContent = names.length ? t("call.handsQueue", { list: names.map((n, i) => `${i + 1}. ${n}`).join(", ") }) : "";
    handsLine.hidden = !names.length;
  }

  let modKey = "";
  function renderModeration() {
    const state = store.state(roomId);
    const show = may("mute") && state.active;
    const key = [show, !!state.groups, language(), inThisCall()].join("|");
    moderation.hidden = !show;
    if (key === modKey) return;
    modKey = key;
    if (!show) { moderation.replaceChildren(); return; }
    const endButton = h("button", { type: "button", id: "call-end", class: "button small danger" }, t("call.mod.end"));
    endButton.addEventListener("click", () => confirmDialog(t("call.mod.endTitle"), t("call.mod.endLead"), t("call.mod.end"), () => store.endForAll(roomId)));
    const count = h("input", { type: "number", id: "call-groups-count", min: "2", max: "20", value: "2", class: "call-groups-count" });
    const split = h("button", { type: "button", id: "call-breakout", class: "button small" }, cicon("groups", "icon tiny"), h("span", {}, t("call.mod.split")));
    split.addEventListener("click", () => act(async () => {
      const users = [...new Set(store.state(roomId).participants.map((p) => p.user).filter((u) => String(u) !== String(me)))];
      if (users.length < 2) throw Object.assign(new Error("few"), { key: "call.mod.tooFew" });
      await store.breakout(roomId, splitIntoGroups(users, Number(count.value) || 2));
      toast(t("call.mod.splitDone"));
    }));
    const back = h("button", { type: "button", id: "call-callback", class: "button small" }, t("call.mod.callBack"));
    back.addEventListener("click", () => act(async () => { await store.breakout(roomId, null); toast(t("call.mod.calledBack")); }));
    moderation.replaceChildren(
      h("h2", { id: "call-mod-title" }, t("call.mod.title")),
      h("div", { class: "call-mod-row" },
        h("label", { for: "call-groups-count" }, t("call.mod.groups")), count, split),
      state.groups ? h("div", { class: "call-mod-row" }, back) : null,
      h("div", { class: "call-mod-row" }, endButton));
  }

  let pollKey = "";
  function renderPoll() {
    const state = store.state(roomId);
    const poll = state.poll;
    const canOpen = may("create_polls") && state.active && (!poll || poll.closed);
    pollPanel.hidden = !poll && !canOpen;
    const key = JSON.stringify([poll, canOpen, store.votes.get(poll?.id) ?? null, inThisCall(), language()]);
    if (key === pollKey) return;
    pollKey = key;
    const parts = [h("h2", { id: "call-poll-title" }, cicon("poll", "icon tiny"), h("span", {}, t("call.poll.title")))];
    if (poll) {
      const total = poll.counts.reduce((a, b) => a + b, 0);
      const mine = store.votes.get(poll.id);
      parts.push(h("p", { class: "call-poll-question", dir: "auto" }, poll.question));
      parts.push(h("ol", { class: "call-poll-options", role: "list" }, poll.options.map((text, i) => {
        const n = poll.counts[i] || 0;
        const pct = total ? Math.round((n / total) * 100) : 0;
        const bar = h("progress", { class: "call-poll-bar", max: String(Math.max(total, 1)), value: String(n), "aria-hidden": "true" });
        const button = !poll.closed && inThisCall()
          ? h("button", { type: "button", class: `button small call-vote${mine === i ? " chosen" : ""}`, "aria-pressed": String(mine === i), dataset: { option: String(i) },
            onclick: () => act(() => store.vote(roomId, poll.id, i)) }, text)
          : h("span", { class: "call-poll-text", dir: "auto" }, text);
        return h("li", { class: "call-poll-option" }, button, h("span", { class: "call-poll-count" }, t("call.poll.count", { count: n, pct })), bar);
      })));
      parts.push(h("p", { class: "muted call-poll-voters" }, poll.closed ? t("call.poll.closed", { count: poll.voters }) : t("call.poll.voters", { count: poll.voters })));
      if (!poll.closed && may("create_polls")) {
        parts.push(h("button", { type: "button", id: "call-poll-close", class: "button small", onclick: () => act(() => store.closePoll(roomId, poll.id)) }, t("call.poll.close")));
      }
    }
    if (canOpen) {
      const q = h("input", { type: "text", id: "call-poll-question", maxlength: "500", autocomplete: "off" });
      const opts = h("textarea", { id: "call-poll-options", rows: "3", "aria-describedby": "call-poll-hint" });
      const form = h("form", { class: "call-poll-form", id: "call-poll-form" },
        h("div", { class: "field" }, h("label", { for: "call-poll-question" }, t("call.poll.question")), q),
        h("div", { class: "field" }, h("label", { for: "call-poll-options" }, t("call.poll.options")), opts,
          h("p", { id: "call-poll-hint", class: "field-hint muted" }, t("call.poll.optionsHint"))),
        h("button", { type: "submit", id: "call-poll-start", class: "button small primary" }, t("call.poll.start")));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const options = opts.value.split("\n").map((s) => s.trim()).filter(Boolean);
        act(async () => {
          if (!q.value.trim() || options.length < 2) throw Object.assign(new Error("poll"), { key: "call.poll.invalid" });
          await store.openPoll(roomId, q.value.trim(), options);
          pollKey = "";
        });
      });
      parts.push(form);
    }
    pollPanel.replaceChildren(...parts);
  }

  const chatNodes = new Map();
  function renderChat() {
    const tl = client.timeline(roomId);
    const msgs = tl.sorted().filter((m) => !m.deleted).slice(-40);
    const wanted = msgs.map((m) => {
      const version = `${m.text}|${m.edited}|${language()}`;
      const cached = chatNodes.get(m.seq);
      if (cached && cached.version === version) return cached.node;
      const node = h("li", { class: `call-chat-msg${m.actor === me ? " own" : ""}` },
        h("span", { class: "call-chat-author" }, m.actorName), " ",
        h("time", { class: "call-chat-time", datetime: m.at.toISOString() }, formatTime(m.at)),
        h("span", { class: "call-chat-text", dir: "auto" }, linkify(m.text)));
      chatNodes.set(m.seq, { node, version });
      return node;
    });
    for (const item of client.outbox.forRoom(roomId)) {
      if (item.seq && tl.messages.has(item.seq)) continue;
      wanted.push(h("li", { class: "call-chat-msg own pending" }, h("span", { class: "call-chat-author" }, client.user.name), " ",
        h("span", { class: "call-chat-text", dir: "auto" }, item.text)));
    }
    const stick = chatList.scrollHeight - chatList.scrollTop - chatList.clientHeight < 40;
    reconcile(chatList, wanted.length ? wanted : [h("li", { class: "muted call-empty" }, t("call.chatEmpty"))]);
    if (stick) chatList.scrollTop = chatList.scrollHeight;
    const canPost = may("post") || !client.access.get(roomId).known;
    chatForm.hidden = !canPost;
  }

  let frame = false;
  function render() {
    if (frame || stopped) return;
    frame = true;
    Promise.resolve().then(() => { frame = false; if (!stopped) renderNow(); });
  }

  function renderNow() {
    const state = store.state(roomId);
    const here = inThisCall();
    const other = store.inCall() && !here;
    title.textContent = t("call.title", { name: roomName() });
    document.title = `${t("call.title", { name: roomName() })} — ${t("app.name")}`;
    sub.textContent = state.active ? t("call.inCall", { count: state.participants.length }) : t("call.noCall");
    el.dataset.phase = here ? store.phase : "idle";
    const allowed = may("start_call") || !client.access.get(roomId).known;
    // Before joining
    prejoin.hidden = here;
    noPermission.hidden = allowed;
    joinButton.disabled = busy || !allowed || !client.access.get(roomId).known;
    joinButton.hidden = !allowed;
    joinAnywayButton.hidden = !joinAnyway || !allowed;
    joinAnywayButton.disabled = busy;
    micBox.disabled = camBox.disabled = busy || !allowed;
    prejoinStatus.textContent = other ? t("call.inOtherRoom") : state.active
      ? t("call.activeWith", { names: state.participants.map((p) => p.name).join(", ") }) : t("call.startHint");
    if (busy) prejoinStatus.textContent = t("call.joining");
    // Preview of one's own camera before joining (after a failed join the devices are released).
    const previewStream = !here ? store.local.stream : null;
    if (preview.srcObject !== previewStream) preview.srcObject = previewStream;
    // In the call
    grid.hidden = !here;
    controls.hidden = !here;
    devices.hidden = !here || !devicesOpen;
    devicesButton.setAttribute("aria-expanded", String(devicesOpen && here));
    if (here) {
      control(micButton, store.local.micOn, "mic", "micOff", t("call.micOn"), t("call.micOff"));
      control(camButton, store.local.cameraOn, "cam", "camOff", t("call.cameraOn"), t("call.cameraOff"));
      control(screenButton, store.local.presenting, "screen", "screen", t("call.screenStop"), t("call.screenStart"));
      screenButton.hidden = !may("present") || !navigator.mediaDevices?.getDisplayMedia;
      const place = handPlace(state, me);
      control(handButton, place > 0, "hand", "hand", t("call.handLower", { place }), t("call.handRaise"));
      renderGrid();
    } else {
      for (const v of tiles.values()) v.video.srcObject = null;
      tiles.clear();
      grid.replaceChildren();
    }
    renderPeople();
    renderModeration();
    renderPoll();
  }

  // Refused (or a `knock` room one was not admitted to): the chat page says why or offers to knock.
  function onAccess(r) {
    if (r !== roomId) return;
    if (client.access.get(roomId).denied) { location.hash = roomHref(roomId); return; }
    render();
  }

  const subs = [
    store.subscribe((e) => {
      if (e.type === "notice" && e.room === roomId) { const text = t(e.key, e.params); showNotice(text); }
      if (e.room === roomId || e.type === "change") render();
    }),
    client.access.subscribe(onAccess),
    client.rooms.subscribe(render),
    client.timeline(roomId).subscribe(renderChat),
    client.outbox.subscribe(renderChat),
    client.subscribe((e) => { if (e.type === "state") render(); }),
  ];
  // A state request once the room is joined, so the page shows who is already in the call.
  client.open(roomId).then(async () => {
    if (stopped || !client.ready.has(roomId)) return;
    try { const ok = await client.request({ type: "rtc.state", room: roomId }); if (ok.call) store.applyState(roomId, { call: ok.call }); } catch { /* pushed later */ }
  }).catch(() => {});
  if (client.access.get(roomId).denied) queueMicrotask(() => onAccess(roomId));
  renderDevices();
  renderChat();
  renderNow();

  return {
    el,
    title: () => t("call.title", { name: roomName() }),
    focus() { (here() ? micButton : joinButton.hidden ? title : joinButton).focus(); },
    destroy({ keepJoined = false } = {}) {
      stopped = true;
      subs.forEach((u) => u());
      tabs.destroy();
      preview.srcObject = null;
      for (const v of tiles.values()) v.video.srcObject = null;
      // Not in the call (only a preview): let the devices go.
      if (!inThisCall() && store.phase === "idle") store.stopLocal();
      if (!keepJoined) client.close(roomId);   // leaving the room leaves its call (client.close)
    },
  };

  function here() { return inThisCall(); }
}
