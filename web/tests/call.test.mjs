// The call store's pure parts (web/js/store/call.js): the RTCConfiguration from the join
// reply's ice_servers (with the tests' relay / tampered-credential flags), the words for a
// refused device, the call state as rtc.state describes it, the hand queue, breakout groups;
// and every call.* string the call's modules use exists in both dictionaries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { rtcConfiguration, mediaErrorKey, normalizeState, handPlace, splitIntoGroups, testFlags, TEST_FLAGS_KEY } from "../js/store/call.js";
import en from "../js/i18n/en.js";
import ru from "../js/i18n/ru.js";

const ICE = [{ urls: ["stun:stun.example:3478"] }, { urls: ["turn:127.0.0.1:3478?transport=udp"], username: "1764428400:42", credential: "c2VjcmV0" }];

test("ice_servers become the RTCConfiguration as they are", () => {
  const config = rtcConfiguration(ICE);
  assert.deepEqual(config.iceServers, ICE);
  assert.equal(config.iceTransportPolicy, undefined);
  assert.deepEqual(rtcConfiguration(undefined).iceServers, []);
  assert.deepEqual(rtcConfiguration([null, { nope: 1 }, { urls: "stun:x" }]).iceServers, [{ urls: "stun:x" }]);
});

test("the tests' flags: relay only, a tampered credential", () => {
  const config = rtcConfiguration(ICE, { relay: true, badCredential: true });
  assert.equal(config.iceTransportPolicy, "relay");
  assert.notEqual(config.iceServers[1].credential, ICE[1].credential);
  assert.equal(config.iceServers[1].username, ICE[1].username);
  assert.equal(config.iceServers[0].credential, undefined);
  // A test's own ICE servers replace the join reply's (and nothing else changes).
  const own = [{ urls: "turn:127.0.0.1:9?transport=udp", username: "1:7", credential: "b3du" }];
  assert.deepEqual(rtcConfiguration(ICE, { iceServers: own }).iceServers, own);
  assert.deepEqual(rtcConfiguration(ICE, { iceServers: "nope" }).iceServers, ICE);
});

test("test flags come from localStorage only when set, and bad JSON is ignored", () => {
  const mem = new Map();
  globalThis.localStorage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, String(v)) };
  assert.deepEqual(testFlags(), {});
  mem.set(TEST_FLAGS_KEY, '{"relay":true}');
  assert.deepEqual(testFlags(), { relay: true });
  mem.set(TEST_FLAGS_KEY, "{nope");
  assert.deepEqual(testFlags(), {});
  delete globalThis.localStorage;
});

test("device errors map to clear sentences", () => {
  assert.equal(mediaErrorKey({ name: "NotAllowedError" }), "call.error.denied");
  assert.equal(mediaErrorKey({ name: "NotFoundError" }), "call.error.notFound");
  assert.equal(mediaErrorKey({ name: "NotReadableError" }), "call.error.busy");
  assert.equal(mediaErrorKey({ name: "OverconstrainedError" }), "call.error.overconstrained");
  assert.equal(mediaErrorKey({ name: "unsupported" }), "call.error.unsupported");
  assert.equal(mediaErrorKey(new Error("x")), "call.error.media");
  assert.equal(mediaErrorKey({ name: "NotAllowedError" }, "screen"), "call.error.screenDenied");
  assert.equal(mediaErrorKey({ name: "Weird" }, "screen"), "call.error.screenFailed");
});

test("rtc.state: participants, hands in order, groups, poll", () => {
  const state = normalizeState({ type: "rtc.state", room: "r", call: {
    active: true, rev: 7, participants: [
      { conn: "c1", user: 1, name: "Alice", mic: true, camera: false, presenting: false, hand_at: "2026-01-01T10:00:02Z", group: 1 },
      { conn: "c2", user: 2, name: "Bob", mic: false, camera: true, presenting: true, hand_at: "2026-01-01T10:00:01Z", group: null },
      { user: 3, name: "no conn" },
    ],
    hands: [2, 1], presenter: 2, groups: [[1], [3]],
    poll: { id: 4, question: "Q?", options: ["a", "b"], counts: [1, 0], voters: 1, closed: false, by: 9 },
  } });
  assert.equal(state.active, true);
  assert.equal(state.rev, 7);
  assert.deepEqual(state.participants.map((p) => p.conn), ["c1", "c2"]);
  assert.equal(state.participants[1].presenting, true);
  assert.equal(state.participants[0].group, 1);
  assert.equal(handPlace(state, 2), 1);
  assert.equal(handPlace(state, "1"), 2);
  assert.equal(handPlace(state, 3), 0);
  assert.deepEqual(state.groups, [[1], [3]]);
  assert.equal(state.poll.id, 4);   // kept a number: rtc.vote echoes it
  assert.deepEqual(state.poll.counts, [1, 0]);
  const ended = normalizeState({ call: { active: false, participants: [], hands: [], groups: null, poll: null } });
  assert.equal(ended.active, false);
  assert.equal(ended.poll, null);
  assert.equal(ended.groups, null);
  assert.equal(normalizeState(null).active, false);
});

test("breakout groups: round robin, never empty, at most 20", () => {
  assert.deepEqual(splitIntoGroups([1, 2, 3, 4, 5], 2), [[1, 3, 5], [2, 4]]);
  assert.deepEqual(splitIntoGroups([1, 2], 5), [[1], [2]]);
  assert.equal(splitIntoGroups(Array.from({ length: 50 }, (_, i) => i), 99).length, 20);
  assert.deepEqual(splitIntoGroups([1, 2, 3], 0), [[1, 2, 3]]);
});

test("every call.* key the call uses exists in English and Russian", () => {
  const sources = ["../js/views/call.js", "../js/store/call.js", "../js/views/room-tabs.js", "../js/app.js"]
    .map((p) => readFileSync(new URL(p, import.meta.url), "utf8")).join("\n");
  const used = new Set(sources.match(/"call\.[A-Za-z_.]+"/g).map((s) => s.slice(1, -1)));
  for (const code of ["removed", "moved", "access_lost"]) used.add(`call.notice.${code}`);
  for (const state of ["new", "connecting", "disconnected", "failed", "closed"]) used.add(`call.link.${state}`);
  for (const key of used) {
    assert.ok(key in en, `en lacks ${key}`);
    assert.ok(key in ru, `ru lacks ${key}`);
  }
  const enKeys = Object.keys(en).filter((k) => k.startsWith("call."));
  const ruKeys = Object.keys(ru).filter((k) => k.startsWith("call."));
  assert.deepEqual(enKeys, ruKeys);
});
