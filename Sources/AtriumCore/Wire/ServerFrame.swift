// Builders for the server's own frames (events have `RoomEvent.encodedFrame()`). Each returns
// compact UTF-8 JSON with no newline, so queued frames can be joined with "\n" (JSON Lines).
// Field order is fixed ("type" first, then "ref"), which keeps frames stable for tests.

public enum ServerFrame {
    /// `{"type":"ok","ref":ref-or-null, …fields}`: the success reply to a frame with a ref.
    public static func ok(ref: String?, _ fields: [(String, JSON)] = []) -> [UInt8] {
        var o = JSONObject([("type", "ok"), ("ref", ref.map(JSON.string) ?? .null)])
        for (k, v) in fields where k != "type" && k != "ref" { o[k] = v }
        return JSON.object(o).encoded()
    }

    /// `{"type":"error","ref":ref-or-null,"code":…,"message":…}`.
    public static func error(_ e: WireError) -> [UInt8] {
        JSON.object([
            ("type", "error"), ("ref", e.ref.map(JSON.string) ?? .null),
            ("code", .string(e.code.rawValue)), ("message", .string(e.message)),
        ]).encoded()
    }

    /// `{"type":"presence","room":R,"joined":[{"user","name","role"}],"left":[USER_ID]}`.
    public static func presence(room: RoomID, joined: [PresenceEntry], left: [UserID]) -> [UInt8] {
        JSON.object([
            ("type", "presence"), ("room", .string(room)),
            ("joined", .array(joined.map(\.json))), ("left", .array(left.map(JSON.int))),
        ]).encoded()
    }

    /// `{"type":"typing","room":R,"user":U}`: relayed to the other members of the room.
    public static func typing(room: RoomID, user: UserID) -> [UInt8] {
        JSON.object([("type", "typing"), ("room", .string(room)), ("user", .int(user))]).encoded()
    }
}
