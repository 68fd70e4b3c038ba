// Personal data (issue "Spaces, roles and safety", item 9): a student's full name is shown
// only to the school's staff, to the student and their own parents, and to the school's members
// who share a class, course or project with them. Everyone else — guests, partners, other
// students and parents — sees a display name: the first name and the initial of the last
// ("Маша И.").

public enum NamePolicy {
    /// Whether `viewer` may see the full name of `subject` (whose organisation role is
    /// `subjectRole`); `sharesCircle` says whether the viewer is in the subject's circle (shares
    /// a class, course or project, or is their parent).
    public static func seesFullName(viewer: UserProfile, subject: UserID, subjectRole: OrgRole?, sharesCircle: () -> Bool) -> Bool {
        if viewer.id == subject { return true }
        // Only students' names are protected; an unknown role is treated as a student's.
        if let subjectRole, subjectRole != .student { return true }
        switch viewer.role {
        case .teacher, .admin: return true
        case .guest, .partner: return false
        case .student, .parent: return sharesCircle()
        }
    }

    /// "Маша Иванова" → "Маша И."; a single word stays as it is.
    public static func displayName(_ full: String) -> String {
        let words = full.split(whereSeparator: \.isWhitespace)
        guard words.count > 1, let first = words.first, let initial = words.last?.first else { return full }
        return "\(first) \(initial)."
    }
}
