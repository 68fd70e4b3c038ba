// Chat: send (idempotent by nonce), edit and delete. Each is one atomic unit: the new event and
// any rewrite of older events commit together or not at all.
//
// What a delete means (PROTOCOL.md "Chat"): the text is gone from history for everyone. The
// original message keeps its seq but loses "text" and gains "deleted": true, and so does every
// chat.edited event that carried a newer text for it.

import AtriumCore

extension StoreConnection {
    /// Payload fields in order: "text", "nonce" (if any), "actor_name". The same (room, actor,
    /// nonce) again returns `.duplicate` with the first seq and writes nothing.
    /// `pending`: a post in a pre-moderated room, waiting for a moderator's approval.
    public func appendChat(room: RoomID, actor: UserID, actorName: String, text: String, nonce: String?,
                           nowMillis: Int64, pending: Bool = false) throws -> AppendOutcome {
        try transaction {
            if let nonce, let first = try db.queryOne(
                "SELECT seq FROM events WHERE room = ? AND actor = ? AND nonce = ?",
                [.text(room), .int(actor), .text(nonce)], { $0.int64(0) }) {
                return .duplicate(seq: first)
            }
            var payload = JSONObject()
            payload["text"] = .string(text)
            if let nonce { payload["nonce"] = .string(nonce) }
            payload["actor_name"] = .string(actorName)
            if pending { payload["pending"] = .bool(true) }
            return .appended(try insertEvent(room: room, kind: ChatEventKind.message, actor: actor, nonce: nonce,
                                             payload: payload, nowMillis: nowMillis))
        }
    }

    /// Stores `chat.edited` {"target", "text"} and rewrites the original's text, marking it
    /// "edited": true.
    @discardableResult
    public func editChat(room: RoomID, seq: Int64, actor: UserID, text: String, mayEditOthers: Bool,
                         nowMillis: Int64) throws -> RoomEvent {
        try transaction {
            var original = try editableMessage(room: room, seq: seq, actor: actor, mayActOnOthers: mayEditOthers,
                                               forbidden: "You can only edit your own messages.")
            original.payload["text"] = .string(text)
            original.payload["edited"] = .bool(true)
            try replacePayload(room: room, seq: seq, payload: original.payload)
            var payload: JSONObject = [("target", .int(seq)), ("text", .string(text))]
            // An edit of a waiting post waits with it (it would show the text to everyone).
            if original.isPending { payload["pending"] = .bool(true) }
            return try insertEvent(room: room, kind: ChatEventKind.edited, actor: actor, nonce: nil,
                                   payload: payload, nowMillis: nowMillis)
        }
    }

    /// Stores `chat.deleted` {"target"} and strips the text from the original and its edits.
    @discardableResult
    /// `reason`: a moderator's reason, kept on the `chat.deleted` event and in the oversight log.
    public func deleteChat(room: RoomID, seq: Int64, actor: UserID, mayDeleteOthers: Bool,
                           nowMillis: Int64, reason: String? = nil) throws -> RoomEvent {
        try transaction {
            var original = try editableMessage(room: room, seq: seq, actor: actor, mayActOnOthers: mayDeleteOthers,
                                               forbidden: "You can only delete your own messages.")
            original.payload["text"] = nil
            original.payload["deleted"] = .bool(true)
            try replacePayload(room: room, seq: seq, payload: original.payload)
            let edits = try db.query(
                "SELECT seq, at, kind, actor, payload FROM events WHERE room = ? AND target = ? AND kind = ?",
                [.text(room), .int(seq), .text(ChatEventKind.edited)]) { try Self.event(room: room, $0) }
            for var edit in edits {
                edit.payload["text"] = nil
                edit.payload["deleted"] = .bool(true)
                try replacePayload(room: room, seq: edit.seq, payload: edit.payload)
            }
            if original.actor != actor {
                // A moderator removed someone else's words: the oversight log keeps the fact.
                var detail: JSONObject = [("seq", .int(seq))]
                if let reason { detail["reason"] = .string(reason) }
                try appendAudit(actor: actor, action: AuditAction.deleteOthersMessage, room: room,
                                subject: original.actor, detail: detail, nowMillis: nowMillis)
            }
            var payload: JSONObject = [("target", .int(seq))]
            if let reason { payload["reason"] = .string(reason) }
            if original.isPending { payload["pending"] = .bool(true) }
            return try insertEvent(room: room, kind: ChatEventKind.deleted, actor: actor, nonce: nil,
                                   payload: payload, nowMillis: nowMillis)
        }
    }

    /// The chat.message an edit or delete acts on, after the shared checks: it exists and is a
    /// chat.message (else `.notFound`), is not deleted (else `.conflict`), and is the actor's
    /// own unless they may act on others' (else `.forbidden`).
    private func editableMessage(room: RoomID, seq: Int64, actor: UserID, mayActOnOthers: Bool,
                                 forbidden: String) throws -> RoomEvent {
        guard let event = try event(room: room, seq: seq), event.kind == ChatEventKind.message else {
            throw StoreError(.notFound, "There is no message \(seq) in room '\(room)'.")
        }
        if event.payload["deleted"]?.boolValue == true {
            throw StoreError(.conflict, "Message \(seq) has been deleted.")
        }
        if event.actor != actor && !mayActOnOthers {
            throw StoreError(.forbidden, forbidden)
        }
        return event
    }
}

extension StoreConnection {
    /// A moderator approves a waiting post: it is no longer pending, and a `chat.approved`
    /// event brings its (current) text to everyone who could not see it.
    public func approveChat(room: RoomID, seq: Int64, moderator: UserID, nowMillis: Int64) throws -> RoomEvent {
        try transaction {
            guard var original = try event(room: room, seq: seq), original.kind == ChatEventKind.message else {
                throw StoreError(.notFound, "There is no message \(seq) in room '\(room)'.")
            }
            guard original.isPending else { throw StoreError(.conflict, "Message \(seq) is not waiting for approval.") }
            original.payload["pending"] = nil
            try replacePayload(room: room, seq: seq, payload: original.payload)
            try appendAudit(actor: moderator, action: "mod.approve", room: room, subject: original.actor,
                            detail: [("seq", .int(seq))], nowMillis: nowMillis)
            var payload: JSONObject = [("target", .int(seq)), ("author", .int(original.actor))]
            for key in ["text", "actor_name", "edited"] { if let v = original.payload[key] { payload[key] = v } }
            payload["at_original"] = .string(Timestamp.iso8601(millis: original.atMillis))
            return try insertEvent(room: room, kind: ChatEventKind.approved, actor: moderator, nonce: nil,
                                   payload: payload, nowMillis: nowMillis)
        }
    }
}
