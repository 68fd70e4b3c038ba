"""Browser tests of the SFU path of calls (docs/calls.md "Large events: the SFU path"): run.sh
starts a private Janus and a second server with rtc.sfu=janus and rtc.sfu_after=1
(tests/browser/sfu-server.sh), so a call's second participant moves it to a Janus VideoRoom room.
Two Chromium sessions with fake media then publish to Janus and receive each other's video from
it (getStats: framesDecoded grows on the subscriber connections); a moderator removes one of
them, whose client is told to ignore `rtc.removed` and the kick (test flags `ignoreRemoved`,
`ignoreKick`), and Janus itself kicks them (the publisher handle gets `reason: kicked`, no more
video reaches them, the others stop receiving theirs).

Skipped when janus is not installed (run.sh leaves CALLS_SFU_URL empty)."""

import os
import time
import unittest

from test_calls import CallPage, BOB

SFU_URL = os.environ.get("CALLS_SFU_URL", "")
ROOM = "call-sfu"

SFU_JS = """
const s = window.__atriumCall;
if (!s || !s.sfu) return null;
return {room: s.sfu.info.janus_room, id: s.sfu.info.id, publisher: s.sfu.pc ? s.sfu.pc.connectionState : null,
        kicked: s.sfu.kicked, ended: s.sfu.endedByJanus, events: s.sfu.events, closed: s.sfu.closed, feeds: [...s.sfu.feeds.keys()]};
"""


def console(page):
    try:
        return [e["message"][:300] for e in page.d.get_log("browser")][-15:]
    except Exception:  # noqa: the log is a diagnostic only
        return []


@unittest.skipUnless(SFU_URL, "janus is not installed (apt-get install janus): no SFU server was started")
class CallSFUTests(unittest.TestCase):
    def test_two_people_through_janus_and_a_removed_one_is_kicked(self):
        a, b = CallPage(self, base=SFU_URL), CallPage(self, base=SFU_URL)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.join(ROOM)
        self.assertIsNone(a.js(SFU_JS), "one participant is a mesh call: no SFU yet")
        b.join(ROOM, ignoreRemoved=True, ignoreKick=True)
        # The second participant moved the call to Janus: both publish there and subscribe to the other.
        for page in (a, b):
            page.wait(lambda: (page.js(SFU_JS) or {}).get("publisher") == "connected", 40,
                      f"never published to Janus: {page.js(SFU_JS)} {console(page)}")
        self.assertEqual(a.js(SFU_JS)["room"], b.js(SFU_JS)["room"])
        a.wait_peers(1, timeout=40)
        b.wait_peers(1, timeout=40)
        self.assertEqual(a.peer_conns(), [b.self_conn()])   # the feed shows under bob's conn
        a.wait_frames(timeout=40)
        b.wait_frames(timeout=40)
        a.wait_video_playing()
        names = a.js("return [...document.querySelectorAll('.call-tile:not(.self) .call-tile-name')].map(e => e.textContent)")
        self.assertEqual(names, [BOB])
        a.shot("call-sfu.png")

        # Carol (the room's owner) removes bob. His client ignores rtc.removed (test flag); Janus
        # kicks him because the hub revoked his token and asked it to.
        c = CallPage(self, base=SFU_URL)
        c.sign_in_ok("carol")
        c.flags()
        c.d.refresh()   # the store reads the `expose` flag when the page loads
        c.wait_connected()
        c.open_call(ROOM)
        bob_id = b.user_id()
        self.assertIn("ok", c.request({"type": "rtc.remove", "room": ROOM, "user": int(bob_id)}))
        # The hub ends bob's Janus session through the Admin API (then kicks, as a fallback): his
        # publisher is hung up, and though his client keeps its subscriber connections open
        # (ignoreKick), no more video reaches him.

        def frames():
            return {s["conn"]: s["frames"] for s in b.stats()}

        def stalled():
            before = frames()
            time.sleep(1.5)
            return frames() == before
        b.wait(stalled, 20, f"bob still receives video after his removal: {frames()} {b.js(SFU_JS)}")
        # Alice no longer receives bob's video.
        a.wait(lambda: a.peers() == [], 20, f"alice still has bob's feed: {a.peers()}")
        self.assertEqual(a.js(SFU_JS)["publisher"], "connected")


if __name__ == "__main__":
    unittest.main()
