// Contact rules: who may open a direct conversation with whom (issue "Spaces, roles and
// safety", item 7). Decided by the pair of roles, with a table from the config
// (`[contact]`), whose defaults keep children safe: a minor talks privately with other
// students, with their own teachers and their own parents; never directly with partners,
// administrators, guests or unrelated parents — those meet them in rooms where a teacher is.

/// One entry of the contact table.
public enum ContactRule: String, Sendable, CaseIterable {
    /// Always allowed.
    case yes
    /// Never directly.
    case no
    /// Only between related people: a parent and their own child, a teacher and a student they
    /// teach (they lead a class, course or project the student is in), others who share a
    /// class, course or project.
    case own
}

/// The school's contact table (config section `contact`).
public struct ContactTable: Sendable, Equatable {
    public var studentStudent: ContactRule = .yes
    public var minorTeacher: ContactRule = .own
    public var minorParent: ContactRule = .own
    public var minorPartner: ContactRule = .no
    public var minorAdmin: ContactRule = .no
    public var adults: ContactRule = .yes

    public init() {}
}

/// What the server knows about how two people are related (read from storage).
public struct ContactFacts: Sendable, Equatable {
    public var aIsMinor: Bool
    public var bIsMinor: Bool
    /// One is the other's linked parent.
    public var parentLink: Bool
    /// One leads (owner or moderator) a class, course or project the other is listed in.
    public var leadsRoomOfOther: Bool
    /// Both are listed in the same class, course or project.
    public var shareRoom: Bool

    public init(aIsMinor: Bool, bIsMinor: Bool, parentLink: Bool, leadsRoomOfOther: Bool, shareRoom: Bool) {
        self.aIsMinor = aIsMinor
        self.bIsMinor = bIsMinor
        self.parentLink = parentLink
        self.leadsRoomOfOther = leadsRoomOfOther
        self.shareRoom = shareRoom
    }
}

public enum ContactPolicy {
    /// May `a` open a direct conversation with `b`? The rule is symmetric.
    public static func decide(_ a: UserProfile, _ b: UserProfile, facts: ContactFacts, table: ContactTable) -> Decision {
        if a.id == b.id { return .deny("You cannot start a conversation with yourself.") }
        // A guest sees only the room they were invited to: no private conversations at all.
        if a.role == .guest || b.role == .guest {
            return .deny("Guests talk only in the room they were invited to.")
        }
        let aMinor = a.role == .student && facts.aIsMinor
        let bMinor = b.role == .student && facts.bIsMinor
        let rule: ContactRule
        let related: Bool
        let refusal: String
        if a.role == .student && b.role == .student {
            (rule, related) = (table.studentStudent, facts.shareRoom)
            refusal = "Students here talk privately only with classmates and project teammates."
        } else if aMinor || bMinor {
            let other = aMinor ? b : a
            switch other.role {
            case .teacher:
                (rule, related) = (table.minorTeacher, facts.leadsRoomOfOther)
                refusal = "Students talk privately only with their own teachers."
            case .parent:
                (rule, related) = (table.minorParent, facts.parentLink)
                refusal = "Students talk privately only with their own parents; other parents meet them in rooms where a teacher is present."
            case .partner:
                (rule, related) = (table.minorPartner, facts.shareRoom)
                refusal = "Students and partners talk only in rooms where a teacher is present."
            case .admin:
                (rule, related) = (table.minorAdmin, facts.shareRoom)
                refusal = "Students and administrators talk only in rooms where a teacher is present."
            case .guest:
                // Guests never talk privately with a minor, whatever the table says.
                return .deny("Guests talk with students only in the room they were invited to.")
            case .student:
                (rule, related) = (table.studentStudent, facts.shareRoom)
                refusal = "Students here talk privately only with classmates and project teammates."
            }
        } else {
            (rule, related) = (table.adults, facts.shareRoom)
            refusal = "Direct conversations between these people are not allowed at this school."
        }
        switch rule {
        case .yes: return .allow
        case .no: return .deny(refusal)
        case .own: return related ? .allow : .deny(refusal)
        }
    }

    /// The id of the direct conversation of two people (the same whoever opens it).
    public static func directRoomID(_ a: UserID, _ b: UserID) -> RoomID {
        "dm-\(min(a, b))-\(max(a, b))"
    }
}
