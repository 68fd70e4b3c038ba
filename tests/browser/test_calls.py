"""Browser tests of calls (docs/calls.md): two headless Chromium sessions with fake media join a
room's call through our signalling, their peer connections reach `connected` and video frames
arrive; hands, a moderator's requests and a poll travel; then a call forced to relay-only
(`iceTransportPolicy: "relay"`) goes through the local coturn that run.sh starts (the selected
candidate pair is of type relay and frames arrive), a tampered TURN credential gets no relay
at all, and a browser that refuses the camera and microphone says so clearly. Then: a teacher
splits a four-person call into breakout groups (connections only within a group, the hub relays
nothing across) and calls everyone back; a participant whose link to the server is cut (the
cuttable proxy) rejoins and media flows again; a `knock` room's call is reached only after a
moderator admits the person; and a TURN credential the test computes itself from the shared
secret gets no relay once expired, while a fresh one connects through coturn.

The client takes test-only flags from localStorage "atrium.test.rtc" (web/js/store/call.js):
`expose` puts the call store on window.__atriumCall (to read getStats), `relay` forces
relay-only ICE, `badCredential` tampers with the TURN credential the server gave, `iceServers`
replaces the server's ICE servers (a credential computed here, with CALLS_TURN_SECRET from run.sh).

Run through tests/browser/run.sh (its own rooms call-*: carol owns them, alice and bob are
members with `start_call`; gleb too in call-breakout; call-knock is a meeting room, knock only)."""

import base64
import hashlib
import hmac
import json
import os
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from proxy import CuttableProxy
from test_client import URL, WAIT, Page
from test_collab import at_once

TURN_URL = os.environ.get("CALLS_TURN_URL", "")
TURN_SECRET = os.environ.get("CALLS_TURN_SECRET", "")
ALICE, BOB, CAROL, GLEB = "Алиса Кузнецова", "Борис Петров", "Елена Петрова", "Глеб Соколов"


def call_driver(fake_ui=True, block_devices=False, width=1366, height=860):
    """Chromium with fake camera and microphone (a test pattern and a beep), allowed to connect
    peers over loopback; `fake_ui` answers the permission prompts with yes, `block_devices`
    (without `fake_ui`) refuses them the way a person's "Block" does."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", f"--window-size={width},{height}",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    if fake_ui:
        options.add_argument("--use-fake-ui-for-media-stream")
        options.add_argument("--auto-select-desktop-capture-source=Entire screen")
    if block_devices:
        options.add_experimental_option("prefs", {
            "profile.default_content_setting_values.media_stream_camera": 2,
            "profile.default_content_setting_values.media_stream_mic": 2,
        })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


# The call's peer connections as the test sees them (window.__atriumCall, the `expose` flag).
PEERS_JS = """
const s = window.__atriumCall;
if (!s) return null;
return [...s.peers.values()].map(p => ({conn: p.conn, state: p.pc.connectionState, ice: p.pc.iceConnectionState}));
"""

# Inbound video of every peer, and the local and remote candidate types of the selected pair.
STATS_JS = """
const done = arguments[arguments.length - 1];
const s = window.__atriumCall;
if (!s) { done(null); return; }
Promise.all([...s.peers.values()].map(async (p) => {
  const stats = await p.pc.getStats();
  let frames = 0, bytes = 0, pair = null;
  const byId = new Map();
  stats.forEach((r) => byId.set(r.id, r));
  stats.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') { frames += r.framesDecoded || 0; bytes += r.bytesReceived || 0; }
    if (r.type === 'transport' && r.selectedCandidatePairId) pair = byId.get(r.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
  const local = pair ? byId.get(pair.localCandidateId) : null;
  const remote = pair ? byId.get(pair.remoteCandidateId) : null;
  const relays = [];
  stats.forEach((r) => { if (r.type === 'local-candidate' && r.candidateType === 'relay') relays.push(r.address); });
  return {conn: p.conn, frames, bytes, local: local ? local.candidateType : null, remote: remote ? remote.candidateType : null,
          relays: relays.length, gathering: p.pc.iceGatheringState, state: p.pc.connectionState};
})).then(done, (e) => done({error: String(e)}));
"""


class CallPage(Page):
    """A browser in a room's call."""

    def __init__(self, test, fake_ui=True, block_devices=False, width=1366, height=860, base=URL):   # noqa: super: own driver
        self.test = test
        self.base = base
        self.d = call_driver(fake_ui, block_devices, width, height)
        test.addCleanup(self.quit)

    def flags(self, **flags):
        self.js("localStorage.setItem('atrium.test.rtc', arguments[0])", json.dumps({"expose": True, **flags}))

    def open_call(self, room):
        self.d.get(f"{self.base}/#/room/{room}/call")
        self.wait(lambda: self.js("const b = document.getElementById('call-join'); return !!b && !b.hidden && !b.disabled"),
                  message="the call page never offered to join")

    def join(self, room, **flags):
        self.flags(**flags)
        self.open_call(room)
        self.d.find_element(By.ID, "call-join").click()
        self.wait(lambda: self.js("return document.querySelector('.call-page')?.dataset.phase") == "in",
                  WAIT, f"never got into the call: {self.visible_text('#call-error')}")

    def peers(self):
        return self.js(PEERS_JS) or []

    def stats(self):
        return self.d.execute_async_script(STATS_JS) or []

    def wait_peers(self, count=1, timeout=30):
        self.wait(lambda: len(self.peers()) == count and all(p["state"] == "connected" for p in self.peers()),
                  timeout, f"peer connections never connected: {self.peers()}")

    def wait_frames(self, timeout=30):
        """Frames are decoded from every peer, and keep coming."""
        self.wait(lambda: all(s["frames"] > 0 for s in self.stats()) and self.stats(), timeout, f"no video frames: {self.stats()}")
        first = {s["conn"]: s["frames"] for s in self.stats()}
        self.wait(lambda: all(s["frames"] > first.get(s["conn"], 0) + 5 for s in self.stats()), timeout,
                  f"video frames stopped: {first} → {self.stats()}")

    def wait_video_playing(self, timeout=20):
        """The other person's <video> has a picture and its time advances."""
        js = "return [...document.querySelectorAll('.call-tile:not(.self) video')].map(v => [v.videoWidth, v.currentTime])"
        self.wait(lambda: self.js(js) and all(w > 0 for w, _ in self.js(js)), timeout, "no picture in the remote video")
        before = [c for _, c in self.js(js)]
        self.wait(lambda: all(c > b + 0.3 for (_, c), b in zip(self.js(js), before)), timeout, "the remote video does not play")

    def participants(self):
        return self.js("return [...document.querySelectorAll('#call-participants .call-person')].map(li => "
                       "[li.querySelector('.call-person-name').firstChild.textContent, li.querySelector('.call-states').textContent])")

    def phase(self):
        return self.js("return document.querySelector('.call-page')?.dataset.phase")

    def self_conn(self):
        """This tab's connection in the call (the store's `self`), or None."""
        return self.js("return window.__atriumCall?.self ?? null")

    def peer_conns(self, connected=True):
        return sorted(p["conn"] for p in self.peers() if p["state"] == "connected" or not connected)

    def call_state(self, room):
        return self.js("const s = window.__atriumCall?.state(arguments[0]);"
                       "return s ? {groups: s.groups, participants: s.participants.map(p => ({conn: p.conn, user: String(p.user), group: p.group}))} : null", room)

    def user_id(self):
        """The signed-in person's id (the session API)."""
        return str(self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/api/session', {credentials: 'same-origin'}).then(r => r.json()).then(d => done(d.user.id), e => done(null));"))

    def request(self, message):
        """A request on the page's own connection (through the call store); → the ok or the error."""
        return self.d.execute_async_script(
            "const [message, done] = arguments;"
            "window.__atriumCall.send(message).then(ok => done({ok}), err => done({error: err?.code || String(err)}));", message)

    def conn_state(self):
        return self.js("const e = document.getElementById('conn-state'); return e && e.dataset.state")

    def reconnect(self, timeout=30):
        """Waits for the link to come back, pressing "retry now" instead of waiting out the backoff."""
        def back():
            state = self.conn_state()
            if state in ("reconnecting", "offline"):
                self.js("document.querySelector('#conn-banner button')?.click()")
            return state == "connected"
        self.wait(back, timeout, "never reconnected")


def turn_server(user_id, expiry):
    """A TURN server entry with a TURN REST API credential the test computes itself from the
    secret run.sh gives coturn and the server: username `<expiry>:<user id>`,
    credential base64(HMAC-SHA1(secret, username))."""
    username = f"{int(expiry)}:{user_id}"
    credential = base64.b64encode(hmac.new(TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return {"urls": [TURN_URL], "username": username, "credential": credential}


class CallTests(unittest.TestCase):
    def test_two_people_connect_see_each_other_raise_hands_and_leave(self):
        a, b = CallPage(self), CallPage(self)
        at_once(lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"))
        a.join("call-live")
        # Bob sees Alice in the call before joining it (rtc.state reaches everyone in the room).
        b.flags()
        b.open_call("call-live")
        b.wait(lambda: "Алиса" in b.visible_text("#call-prejoin-status"), message="the call's participants were not shown before joining")
        b.d.find_element(By.ID, "call-join").click()
        at_once(lambda: a.wait_peers(1), lambda: b.wait_peers(1))
        at_once(lambda: a.wait_frames(), lambda: b.wait_frames())
        a.wait_video_playing()
        b.wait_video_playing()
        # The tiles carry the names; the own preview is muted.
        names = a.js("return [...document.querySelectorAll('.call-tile:not(.self) .call-tile-name')].map(e => e.textContent)")
        self.assertEqual(names, [BOB])
        self.assertTrue(a.js("return document.querySelector('.call-tile.self video').muted"))
        # Members have no moderator controls.
        self.assertEqual(a.js("return document.querySelectorAll('.call-ask-mute, .call-remove, #call-end').length"), 0)
        self.assertTrue(a.d.find_element(By.ID, "call-moderation").get_attribute("hidden") is not None)

        # Hands: Bob, then Alice — the queue order shows for both.
        b.d.find_element(By.ID, "call-hand").click()
        a.wait(lambda: a.visible_text("#call-hands") == f"Поднятые руки: 1. {BOB}", message="Bob's hand did not show")
        a.d.find_element(By.ID, "call-hand").click()
        b.wait(lambda: b.visible_text("#call-hands") == f"Поднятые руки: 1. {BOB}, 2. {ALICE}", message="the hand queue is wrong")
        self.assertEqual(a.d.find_element(By.ID, "call-hand").get_attribute("aria-pressed"), "true")
        # Microphone off: the others see it in the list.
        b.d.find_element(By.ID, "call-mic").click()
        a.wait(lambda: any(n == BOB and "микрофон выключен" in s for n, s in a.participants()), message="Bob's muted microphone did not show")
        # The room's chat beside the call.
        a.d.find_element(By.ID, "call-chat-input").send_keys("Слышно меня?\n")
        b.wait(lambda: "Слышно меня?" in b.visible_text("#call-chat-log"), message="the chat beside the call did not update")
        a.js("document.activeElement.blur(); document.querySelector('.call-side').scrollTop = 0")
        a.shot("call.png")
        # Screen sharing (Chromium's fake capture picks the screen): replaceTrack, no renegotiation.
        a.d.find_element(By.ID, "call-screen").click()
        a.wait(lambda: a.d.find_element(By.ID, "call-screen").get_attribute("aria-pressed") == "true" or a.visible_text("#call-error"),
               message="screen sharing neither started nor failed")
        if a.d.find_element(By.ID, "call-screen").get_attribute("aria-pressed") == "true":
            b.wait(lambda: any(n == ALICE and "показывает экран" in s for n, s in b.participants()), message="the presenter did not show")
            b.wait_frames()
            a.d.find_element(By.ID, "call-screen").click()
            b.wait(lambda: not any("показывает экран" in s for _, s in b.participants()), message="presenting did not stop")
        else:
            print(f"note: screen capture is not available in this headless Chromium: {a.visible_text('#call-error')}")
            a.js("document.getElementById('call-error').textContent = ''")
        # Leaving: the other side closes the connection.
        b.d.find_element(By.ID, "call-leave").click()
        a.wait(lambda: a.peers() == [], message="the peer connection stayed after Bob left")
        a.wait(lambda: [n for n, _ in a.participants()] == [ALICE], message="Bob stayed in the list")

    def test_moderator_asks_to_mute_lowers_a_hand_runs_a_poll_and_ends_the_call(self):
        c, b = CallPage(self), CallPage(self)
        at_once(lambda: c.sign_in_ok("carol"), lambda: b.sign_in_ok("bob"))
        at_once(lambda: c.join("call-live"), lambda: b.join("call-live"))
        at_once(lambda: c.wait_peers(1), lambda: b.wait_peers(1))
        b.d.find_element(By.ID, "call-hand").click()
        c.wait(lambda: c.d.find_elements(By.CSS_SELECTOR, "#call-participants .call-lower-hand"), message="no 'lower hand' for the teacher")
        c.d.find_element(By.CSS_SELECTOR, "#call-participants .call-lower-hand").click()
        b.wait(lambda: b.d.find_element(By.ID, "call-hand").get_attribute("aria-pressed") == "false", message="the hand stayed up")
        # Asked to mute: Bob's microphone goes off and he is told who asked.
        self.assertEqual(b.d.find_element(By.ID, "call-mic").get_attribute("aria-pressed"), "true")
        c.d.find_element(By.CSS_SELECTOR, "#call-participants .call-ask-mute").click()
        b.wait(lambda: b.d.find_element(By.ID, "call-mic").get_attribute("aria-pressed") == "false", message="the microphone stayed on")
        self.assertIn(CAROL, b.visible_text("#call-notice"))
        c.wait(lambda: any(n == BOB and "микрофон выключен" in s for n, s in c.participants()))
        # A poll in the call.
        c.d.find_element(By.ID, "call-poll-question").send_keys("Продолжаем после перемены?")
        c.d.find_element(By.ID, "call-poll-options").send_keys("Да\nНет")
        c.d.find_element(By.ID, "call-poll-start").click()
        b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#call-poll .call-vote"), message="the poll did not reach Bob")
        b.d.find_element(By.CSS_SELECTOR, "#call-poll .call-vote[data-option='0']").click()
        c.wait(lambda: "1 · 100%" in c.visible_text("#call-poll"), message="the vote was not counted")
        c.d.find_element(By.ID, "call-poll-close").click()
        b.wait(lambda: "Опрос закрыт" in b.visible_text("#call-poll"), message="the poll did not close")
        # End for everyone.
        c.d.find_element(By.ID, "call-end").click()
        c.wait(lambda: c.d.find_element(By.CSS_SELECTOR, "dialog .button.danger")).click()
        b.wait(lambda: b.js("return document.querySelector('.call-page').dataset.phase") == "idle", message="Bob stayed in the ended call")
        self.assertIn("завершает звонок", b.visible_text("#call-notice"))
        b.wait(lambda: b.peers() == [])

    def test_denied_devices_are_explained_and_one_can_listen_without_them(self):
        p = CallPage(self, fake_ui=False, block_devices=True)
        p.sign_in_ok("alice")
        p.flags()
        p.open_call("call-denied")
        p.d.find_element(By.ID, "call-join").click()
        p.wait(lambda: p.visible_text("#call-error"), message="no error for refused devices")
        self.assertIn("Браузеру не разрешено использовать камеру или микрофон", p.visible_text("#call-error"))
        p.d.find_element(By.ID, "call-join-anyway").click()
        p.wait(lambda: p.js("return document.querySelector('.call-page').dataset.phase") == "in", message="could not join without devices")
        p.wait(lambda: [n for n, _ in p.participants()] == [ALICE])
        self.assertEqual(p.d.find_element(By.ID, "call-mic").get_attribute("aria-pressed"), "false")


@unittest.skipUnless(TURN_URL, "no local TURN server (run.sh starts coturn when turnserver is installed)")
class RelayTests(unittest.TestCase):
    def test_relay_only_call_goes_through_turn(self):
        a, b = CallPage(self), CallPage(self)
        at_once(lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"))
        at_once(lambda: a.join("call-relay", relay=True), lambda: b.join("call-relay", relay=True))
        # The server handed out TURN with ephemeral credentials "<expiry>:<user id>".
        ice = a.js("return window.__atriumCall.iceServers")
        turn = [s for s in ice if any(str(u).startswith("turn:") for u in (s["urls"] if isinstance(s["urls"], list) else [s["urls"]]))]
        self.assertTrue(turn, f"no TURN server in {ice}")
        self.assertRegex(turn[0]["username"], r"^\d+:\S+$")
        self.assertEqual(a.js("return window.__atriumCall.config.iceTransportPolicy"), "relay")
        at_once(lambda: a.wait_peers(1, 40), lambda: b.wait_peers(1, 40))
        at_once(lambda: a.wait_frames(), lambda: b.wait_frames())
        for page in (a, b):
            for s in page.stats():
                self.assertEqual(s["local"], "relay", f"the selected pair is not relayed: {s}")
        a.wait_video_playing()

    def test_tampered_turn_credential_gets_no_relay(self):
        a, b = CallPage(self), CallPage(self)
        at_once(lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"))
        # Alice's client tampers with the credential: coturn refuses her allocation (401), so
        # relay-only ICE has no candidate at all and the call cannot connect.
        b.join("call-badcred", relay=True)
        a.join("call-badcred", relay=True, badCredential=True)
        a.wait(lambda: a.stats() and all(s["gathering"] == "complete" for s in a.stats()), 30,
               f"ICE gathering never finished: {a.stats()}")
        self.assertTrue(all(s["relays"] == 0 for s in a.stats()), f"a relay candidate with a bad credential: {a.stats()}")
        time.sleep(5)
        self.assertTrue(all(p["state"] != "connected" for p in a.peers() + b.peers()), f"connected without a relay: {a.peers()} {b.peers()}")
        self.assertTrue(all(s["frames"] == 0 for s in b.stats()), "frames arrived without a relay")
        # The good side did get its relay candidate: the TURN server itself works.
        b.wait(lambda: any(s["relays"] > 0 for s in b.stats()), 20, f"Bob has no relay candidate either: {b.stats()}")


class BreakoutTests(unittest.TestCase):
    def test_teacher_splits_the_call_into_groups_and_calls_everyone_back(self):
        room = "call-breakout"
        # Four browsers (the machine is small): the teacher and three pupils, smaller windows.
        c, a, b, g = (CallPage(self, width=1024, height=720) for _ in range(4))
        at_once(lambda: c.sign_in_ok("carol"), lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"), lambda: g.sign_in_ok("gleb"))
        # In this order: the split below takes the pupils in the order they joined.
        for page in (c, a, b, g):
            page.join(room)
        everyone = (c, a, b, g)
        at_once(*(lambda p=p: p.wait_peers(3, 40) for p in everyone))
        conn = {p: p.self_conn() for p in everyone}
        self.assertEqual(len(set(conn.values())), 4, conn)
        user = {p: p.user_id() for p in everyone}

        # The teacher splits the pupils into two groups (round robin): alice and gleb, then bob.
        # The teacher (not in a group) stays in the main call, alone now.
        c.wait(lambda: c.d.find_element(By.ID, "call-breakout").is_displayed(), message="no breakout control for the teacher")
        c.d.find_element(By.ID, "call-breakout").click()
        c.wait(lambda: c.call_state(room)["groups"], message="the groups never showed in the call state")
        groups = [sorted(str(u) for u in gr) for gr in c.call_state(room)["groups"]]
        self.assertEqual(groups, [sorted([user[a], user[g]]), [user[b]]])
        # Same group: connected, frames flowing. Other groups (and the main call): no connection.
        a.wait(lambda: a.peer_conns(connected=False) == [conn[g]] and a.peer_conns() == [conn[g]], 20,
               f"alice's peers in group 1: {a.peers()}")
        g.wait(lambda: g.peer_conns(connected=False) == [conn[a]] and g.peer_conns() == [conn[a]], 20,
               f"gleb's peers in group 1: {g.peers()}")
        b.wait(lambda: b.peers() == [], 20, f"bob (alone in group 2) kept peer connections: {b.peers()}")
        c.wait(lambda: c.peers() == [], 20, f"the teacher (main call) kept peer connections: {c.peers()}")
        at_once(lambda: a.wait_frames(), lambda: g.wait_frames())
        # Everyone is told their group; the list shows the groups.
        a.wait(lambda: "Теперь вы в группе 1" in a.visible_text("#call-notice"), message=f"alice's notice: {a.visible_text('#call-notice')!r}")
        b.wait(lambda: "Теперь вы в группе 2" in b.visible_text("#call-notice"), message=f"bob's notice: {b.visible_text('#call-notice')!r}")
        c.wait(lambda: sorted(s for _, s in c.participants() if "группа" in s) and
               {n: ("группа 1" in s, "группа 2" in s) for n, s in c.participants()} ==
               {CAROL: (False, False), ALICE: (True, False), GLEB: (True, False), BOB: (False, True)},
               message=f"the groups in the list: {c.participants()}")
        # The hub relays nothing across groups: bob's signal to alice is refused.
        self.assertEqual(b.request({"type": "rtc.signal", "room": room, "to": conn[a], "kind": "ice", "data": {"candidate": ""}}),
                         {"error": "forbidden"})
        # A few seconds on, still no connection across groups.
        time.sleep(1)
        self.assertEqual((b.peers(), c.peers(), a.peer_conns(False), g.peer_conns(False)), ([], [], [conn[g]], [conn[a]]))

        # Regrouped (the request the button sends, now with the teacher in a group): the teacher
        # and bob talk, alice and gleb stay together; nothing crosses the two pairs.
        reply = c.request({"type": "rtc.breakout", "room": room, "groups": [[int(user[c]), int(user[b])], [int(user[a]), int(user[g])]]})
        self.assertIn("ok", reply, reply)
        pairs = ((c, b), (b, c), (a, g), (g, a))
        at_once(*(lambda p=p, q=q: p.wait(lambda: p.peer_conns(connected=False) == [conn[q]] and p.peer_conns() == [conn[q]], 30,
                                          f"not connected to the own group only: {p.peers()}") for p, q in pairs))
        at_once(lambda: c.wait_frames(), lambda: b.wait_frames())

        # Called back: one call again, everyone connected to everyone with frames.
        c.wait(lambda: c.d.find_element(By.ID, "call-callback").is_displayed(), message="no 'call back' for the teacher")
        c.d.find_element(By.ID, "call-callback").click()
        c.wait(lambda: c.call_state(room)["groups"] is None, message="the groups stayed")
        at_once(*(lambda p=p: p.wait(lambda: p.peer_conns() == sorted(conn[q] for q in everyone if q is not p), 40,
                                     f"not reconnected to everyone: {p.peers()}") for p in everyone))
        at_once(*(lambda p=p: p.wait_frames(40) for p in everyone))
        b.wait(lambda: "Все снова в общем звонке" in b.visible_text("#call-notice"), message="no notice of the call back")
        c.wait(lambda: not [s for _, s in c.participants() if "группа" in s], message="the list still shows groups")


class ReconnectTests(unittest.TestCase):
    def test_a_cut_connection_rejoins_the_call_and_media_flows_again(self):
        room = "call-reconnect"
        host, port = URL.split("//")[1].split(":")
        proxy = CuttableProxy(host, int(port))
        self.addCleanup(proxy.close)
        a, b = CallPage(self, base=proxy.url), CallPage(self)
        at_once(lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"))
        at_once(lambda: a.join(room), lambda: b.join(room))
        at_once(lambda: a.wait_peers(1), lambda: b.wait_peers(1))
        at_once(lambda: a.wait_frames(), lambda: b.wait_frames())
        old = a.self_conn()

        # Alice's link to the server goes for a few seconds (the media path between the
        # browsers stays): the hub takes her out of the call at once, her page waits to rejoin.
        proxy.cut(4)
        a.wait(lambda: a.conn_state() != "connected", 10, "the drop was not noticed")
        a.wait(lambda: a.phase() == "rejoining", 10, f"the call page did not wait to rejoin: {a.phase()}")
        self.assertEqual(a.peers(), [], "alice kept peer connections while out of the call")
        b.wait(lambda: b.peers() == [], 10, f"bob kept the connection to alice's dropped link: {b.peers()}")
        b.wait(lambda: [p["conn"] for p in b.call_state(room)["participants"]] == [b.self_conn()], 10,
               "alice stayed in the call's state")

        # Back: alice rejoins on her new connection with the same camera and microphone, calls bob.
        a.reconnect()
        a.wait(lambda: a.phase() == "in" and a.self_conn() not in (None, old), 20,
               f"alice did not rejoin the call: {a.phase()} {a.self_conn()}")
        new = a.self_conn()
        at_once(lambda: a.wait_peers(1, 30), lambda: b.wait_peers(1, 30))
        self.assertEqual((a.peer_conns(), b.peer_conns()), ([b.self_conn()], [new]))
        at_once(lambda: a.wait_frames(), lambda: b.wait_frames())
        b.wait_video_playing()
        self.assertEqual(a.d.find_element(By.ID, "call-mic").get_attribute("aria-pressed"), "true")
        b.wait(lambda: sorted(n for n, _ in b.participants()) == sorted([ALICE, BOB]), message=f"the list after the rejoin: {b.participants()}")


class KnockCallTests(unittest.TestCase):
    def test_knock_rooms_call_needs_admission_then_connects(self):
        room = "call-knock"
        c, a = CallPage(self), CallPage(self)
        at_once(lambda: c.sign_in_ok("carol"), lambda: a.sign_in_ok("alice"))
        c.join(room)
        # Alice is not admitted: the call page sends her to the room's knock form.
        a.flags()
        a.d.get(f"{a.base}/#/room/{room}/call")
        box = a.wait(lambda: a.d.find_element(By.ID, "knock-message"), message="the call page did not lead to the knock form")
        self.assertEqual(a.js("return location.hash"), f"#/room/{room}")
        self.assertEqual(a.d.find_elements(By.ID, "call-join"), [], "a join button for a room one may not enter")
        # The hub refuses her too: the room, and so its call.
        replies = a.d.execute_async_script("""
            const [room, done] = arguments;
            const ws = new WebSocket(`ws://${location.host}/ws`, 'atrium.v1');
            const got = {};
            ws.onopen = () => {
              ws.send(JSON.stringify({type: 'hello', ref: 'h'}));
              ws.send(JSON.stringify({type: 'join', room, ref: 'j'}));
              ws.send(JSON.stringify({type: 'rtc.join', room, ref: 'r'}));
            };
            ws.onmessage = (e) => { for (const l of e.data.split('\\n')) { const m = JSON.parse(l);
              if (m.ref === 'j' || m.ref === 'r') got[m.ref] = m.type === 'error' ? m.code : m.type;
              if (got.j && got.r) { ws.close(); done(got); } } };
            setTimeout(() => done(got), 8000);
        """, room)
        self.assertEqual(replies, {"j": "forbidden", "r": "forbidden"})
        box.send_keys("Можно к вам на созвон?")
        a.d.find_element(By.ID, "knock-send").click()
        a.wait(lambda: "Ожидание решения модератора" in a.visible_text("#knock-waiting"), message="no waiting state")

        # The teacher, in the call, looks at the room's chat (the call goes on) and admits her.
        c.js("location.hash = arguments[0]", f"#/room/{room}")
        item = c.wait(lambda: [e for e in c.d.find_elements(By.CSS_SELECTOR, "#knocks-panel .knock-item") if ALICE in e.text],
                      message="the teacher never saw the knock")[0]
        self.assertEqual(c.js("return window.__atriumCall.phase"), "in", "the teacher left the call by looking at the chat")
        item.find_element(By.CSS_SELECTOR, ".knock-admit").click()
        a.wait(lambda: a.d.find_element(By.ID, "composer-input"), message="alice did not enter after being admitted")

        # Now she joins the call and they connect.
        a.join(room)
        at_once(lambda: a.wait_peers(1), lambda: c.wait_peers(1))
        self.assertEqual((a.peer_conns(), c.peer_conns()), ([c.self_conn()], [a.self_conn()]))
        at_once(lambda: a.wait_frames(), lambda: c.wait_frames())
        a.wait(lambda: sorted(n for n, _ in a.participants()) == sorted([ALICE, CAROL]), message=f"the list: {a.participants()}")


@unittest.skipUnless(TURN_URL and TURN_SECRET, "no local TURN server or its secret (run.sh starts coturn and sets CALLS_TURN_SECRET)")
class ExpiredTurnTests(unittest.TestCase):
    def test_expired_turn_credential_gets_no_relay_a_fresh_one_does(self):
        room = "call-expired"
        a, b = CallPage(self), CallPage(self)
        at_once(lambda: a.sign_in_ok("alice"), lambda: b.sign_in_ok("bob"))
        alice, bob = a.user_id(), b.user_id()
        now = time.time()
        # Both credentials are computed here the same way; only alice's expiry is in the past.
        b.join(room, relay=True, iceServers=[turn_server(bob, now + 3600)])
        a.join(room, relay=True, iceServers=[turn_server(alice, now - 60)])
        self.assertEqual(a.js("return window.__atriumCall.config.iceServers[0].username"), f"{int(now - 60)}:{alice}")
        a.wait(lambda: a.stats() and all(s["gathering"] == "complete" for s in a.stats()), 30,
               f"ICE gathering never finished: {a.stats()}")
        self.assertTrue(all(s["relays"] == 0 for s in a.stats()), f"a relay candidate with an expired credential: {a.stats()}")
        # Bob's fresh one (same computation, same secret) gets its relay candidate.
        b.wait(lambda: any(s["relays"] > 0 for s in b.stats()), 20, f"no relay candidate with a fresh credential: {b.stats()}")
        time.sleep(2)
        self.assertTrue(all(p["state"] != "connected" for p in a.peers() + b.peers()), f"connected without a relay: {a.peers()} {b.peers()}")
        self.assertTrue(all(s["frames"] == 0 for s in b.stats()), "frames arrived without a relay")

        # Alice again with a fresh credential: the relay-only call connects through TURN.
        a.d.find_element(By.ID, "call-leave").click()
        a.wait(lambda: a.phase() == "idle", message="alice did not leave")
        b.wait(lambda: b.peers() == [], message="bob kept the failed connection")
        a.join(room, relay=True, iceServers=[turn_server(alice, time.time() + 3600)])
        at_once(lambda: a.wait_peers(1, 40), lambda: b.wait_peers(1, 40))
        at_once(lambda: a.wait_frames(), lambda: b.wait_frames())
        for page in (a, b):
            for s in page.stats():
                self.assertEqual(s["local"], "relay", f"the selected pair is not relayed: {s}")


if __name__ == "__main__":
    unittest.main()
