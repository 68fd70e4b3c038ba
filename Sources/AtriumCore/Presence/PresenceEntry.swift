// One person as presence shows them: the `{"user","name","role"}` object of PROTOCOL.md.

public struct PresenceEntry: Sendable, Equatable {
    public var user: UserID
    public var name: String
    /// The organisation role (not the room role): how others see who this person is.
    public var role: OrgRole

    public init(user: UserID, name: String, role: OrgRole) {
        self.user = user
        self.name = name
        self.role = role
    }

    public init(_ profile: UserProfile) {
        self.init(user: profile.id, name: profile.name, role: profile.role)
    }

    public var json: JSON {
        .object([("user", .int(user)), ("name", .string(name)), ("role", .string(role.rawValue))])
    }
}
