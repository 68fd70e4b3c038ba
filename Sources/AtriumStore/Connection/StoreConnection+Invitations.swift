// Invitations for external residents: a sponsor (teacher or moderator) invites guests to one
// room with an expiry and a use limit. Accepting creates a guest account listed as `guest` in
// that room only, with a session that ends when the invitation does. Revoking ends every
// guest's access. Everything goes to the oversight log.

import AtriumCore

public struct Invitation: Sendable, Equatable {
    public var id: Int64
    public var room: RoomID
    public var roomName: String
    public var sponsor: UserID
    public var sponsorName: String
    public var expiresAtMillis: Int64
    public var maxUses: Int
    public var uses: Int
    public var revoked: Bool

    public func usable(nowMillis: Int64) -> Bool { !revoked && expiresAtMillis > nowMillis && uses < maxUses }

    public var json: JSON {
        .object([
            ("id", .int(id)), ("room", .string(room)), ("room_name", .string(roomName)), ("sponsor", .int(sponsor)),
            ("sponsor_name", .string(sponsorName)), ("expires_at", .string(Timestamp.iso8601(millis: expiresAtMillis))),
            ("max_uses", .int(Int64(maxUses))), ("uses", .int(Int64(uses))), ("revoked", .bool(revoked)),
        ])
    }
}

extension StoreConnection {
    private static let invitationColumns = """
        SELECT i.id, i.room, r.name, i.sponsor, u.name, i.expires_at, i.max_uses, i.uses, i.revoked_at IS NOT NULL
        FROM invitations i JOIN rooms r ON r.id = i.room JOIN users u ON u.id = i.sponsor
        """

    /// Creates an invitation; returns it with the link token (shown once; only its hash is kept).
    public func createInvitation(room: RoomID, sponsor: UserID, expiresAtMillis: Int64, maxUses: Int,
                                 nowMillis: Int64) throws -> (Invitation, token: String) {
        try transaction {
            guard try self.room(id: room) != nil else { throw StoreError(.notFound, "There is no room '\(room)'.") }
            let token = Tokens.generate()
            _ = try db.execute("""
                INSERT INTO invitations(token_hash, room, sponsor, expires_at, max_uses, created_at) VALUES(?,?,?,?,?,?)
                """, [.blob(Tokens.hash(token)), .text(room), .int(sponsor), .int(expiresAtMillis), .int(Int64(maxUses)), .int(nowMillis)])
            let id = db.lastInsertRowID
            try appendAudit(actor: sponsor, action: "invite.create", room: room, subject: nil,
                            detail: [("invitation", .int(id)), ("max_uses", .int(Int64(maxUses))),
                                     ("expires_at", .string(Timestamp.iso8601(millis: expiresAtMillis)))], nowMillis: nowMillis)
            return (try invitation(id: id)!, token)
        }
    }

    public func invitation(id: Int64) throws -> Invitation? {
        try db.queryOne(Self.invitationColumns + " WHERE i.id = ?", [.int(id)], Self.invitationRow)
    }

    public func invitation(token: String) throws -> Invitation? {
        try db.queryOne(Self.invitationColumns + " WHERE i.token_hash = ?", [.blob(Tokens.hash(token))], Self.invitationRow)
    }

    public func invitations(room: RoomID) throws -> [Invitation] {
        try db.query(Self.invitationColumns + " WHERE i.room = ? ORDER BY i.id DESC", [.text(room)], Self.invitationRow)
    }

    /// Accepts an invitation: a guest account with `displayName`, listed as guest in the room,
    /// signed in with a session (hash given) that ends when the invitation expires.
    public func acceptInvitation(token: String, displayName: String, sessionTokenHash: [UInt8],
                                 nowMillis: Int64) throws -> (guest: UserProfile, invitation: Invitation) {
        try transaction {
            guard let invitation = try invitation(token: token) else {
                throw StoreError(.notFound, "This invitation link is not valid.")
            }
            guard invitation.usable(nowMillis: nowMillis) else {
                throw StoreError(.forbidden, invitation.revoked ? "This invitation was withdrawn."
                                 : invitation.uses >= invitation.maxUses ? "This invitation has been used up."
                                 : "This invitation has expired.")
            }
            let login = "guest-" + Tokens.generate().prefix(10).lowercased().filter { $0.isLetter || $0.isNumber }
            let guest = try addUser(login: login, name: displayName, role: .guest, group: nil, passwordHash: "!",
                                    mustChangePassword: false, nowMillis: nowMillis)
            _ = try db.execute("INSERT INTO guests(user_id, invitation) VALUES(?, ?)", [.int(guest.id), .int(invitation.id)])
            _ = try db.execute("UPDATE invitations SET uses = uses + 1 WHERE id = ?", [.int(invitation.id)])
            try setMember(room: invitation.room, userID: guest.id, role: .guest, nowMillis: nowMillis, actor: invitation.sponsor)
            try createSession(userID: guest.id, tokenHash: sessionTokenHash, nowMillis: nowMillis,
                              expiresAtMillis: invitation.expiresAtMillis)
            try appendAudit(actor: guest.id, action: "invite.accept", room: invitation.room, subject: guest.id,
                            detail: [("invitation", .int(invitation.id)), ("sponsor", .int(invitation.sponsor))], nowMillis: nowMillis)
            return (guest, try self.invitation(id: invitation.id)!)
        }
    }

    /// Withdraws an invitation: its guests are no longer listed and their sessions end.
    /// Returns the guests whose access ended and the room's listed roles after.
    public func revokeInvitation(id: Int64, by actor: UserID, nowMillis: Int64) throws -> (guests: [UserID], listed: [UserID: RoomRole]) {
        try transaction {
            guard let invitation = try invitation(id: id) else { throw StoreError(.notFound, "There is no invitation \(id).") }
            guard !invitation.revoked else { throw StoreError(.conflict, "Invitation \(id) is already withdrawn.") }
            _ = try db.execute("UPDATE invitations SET revoked_at = ? WHERE id = ?", [.int(nowMillis), .int(id)])
            let guests = try db.query("SELECT user_id FROM guests WHERE invitation = ?", [.int(id)]) { $0.int64(0) }
            for guest in guests {
                try setMember(room: invitation.room, userID: guest, role: nil, nowMillis: nowMillis, actor: actor)
                _ = try revokeSessions(userID: guest, nowMillis: nowMillis)
            }
            try appendAudit(actor: actor, action: "invite.revoke", room: invitation.room, subject: nil,
                            detail: [("invitation", .int(id)), ("guests", .int(Int64(guests.count)))], nowMillis: nowMillis)
            return (guests, try members(room: invitation.room))
        }
    }

    /// When a guest's access ends (their invitation's expiry), or nil for non-guests.
    public func guestAccessEnd(userID: UserID) throws -> Int64? {
        try db.queryOne("""
            SELECT CASE WHEN i.revoked_at IS NOT NULL THEN i.revoked_at ELSE i.expires_at END
            FROM guests g JOIN invitations i ON i.id = g.invitation WHERE g.user_id = ?
            """, [.int(userID)]) { $0.int64(0) }
    }

    private static func invitationRow(_ s: Statement) throws -> Invitation {
        Invitation(id: s.int64(0), room: s.text(1), roomName: s.text(2), sponsor: s.int64(3), sponsorName: s.text(4),
                   expiresAtMillis: s.int64(5), maxUses: Int(s.int64(6)), uses: Int(s.int64(7)), revoked: s.int64(8) != 0)
    }
}
