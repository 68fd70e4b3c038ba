// The values the store returns besides AtriumCore's models. Pure values; any thread.

import AtriumCore

/// A user row: the profile the hub uses plus what only sign-in and administration need.
public struct StoredUser: Sendable, Equatable {
    public var profile: UserProfile
    public var passwordHash: String
    public var mustChangePassword: Bool
    public var group: String?

    public init(profile: UserProfile, passwordHash: String, mustChangePassword: Bool, group: String?) {
        self.profile = profile
        self.passwordHash = passwordHash
        self.mustChangePassword = mustChangePassword
        self.group = group
    }
}

/// A room row with the last assigned event `seq` (0 when the room has no events yet).
public struct StoredRoom: Sendable, Equatable {
    public var record: RoomRecord
    public var lastSeq: Int64

    public init(record: RoomRecord, lastSeq: Int64) {
        self.record = record
        self.lastSeq = lastSeq
    }
}

/// One entry of the change log the CLI writes and a running server polls.
public struct ChangeRecord: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var subject: String

    public init(id: Int64, kind: String, subject: String) {
        self.id = id
        self.kind = kind
        self.subject = subject
    }
}

/// What `appendChat` did: stored a new event, or recognised a resend by its nonce.
public enum AppendOutcome: Sendable, Equatable {
    case appended(RoomEvent)
    case duplicate(seq: Int64)
}
