import Testing
@testable import AtriumCore

/// Every pair of roles against the default contact table (issue item 7), and the table's keys.
@Suite("Contact rules for minors")
struct ContactPolicyTests {
    let student = UserProfile(id: 1, login: "s", name: "S", role: .student)
    let student2 = UserProfile(id: 2, login: "s2", name: "S2", role: .student)
    let teacher = UserProfile(id: 3, login: "t", name: "T", role: .teacher)
    let parent = UserProfile(id: 4, login: "p", name: "P", role: .parent)
    let partner = UserProfile(id: 5, login: "x", name: "X", role: .partner)
    let admin = UserProfile(id: 6, login: "a", name: "A", role: .admin)

    func facts(minorA: Bool = true, minorB: Bool = false, link: Bool = false, leads: Bool = false, share: Bool = false) -> ContactFacts {
        ContactFacts(aIsMinor: minorA, bIsMinor: minorB, parentLink: link, leadsRoomOfOther: leads, shareRoom: share)
    }

    func allowed(_ a: UserProfile, _ b: UserProfile, _ f: ContactFacts, _ table: ContactTable = ContactTable()) -> Bool {
        ContactPolicy.decide(a, b, facts: f, table: table).isAllowed
    }

    @Test func defaultTable() {
        // student ↔ student of the same school: yes
        #expect(allowed(student, student2, facts(minorB: true)))
        // student ↔ their teachers: yes; other teachers: no
        #expect(allowed(student, teacher, facts(leads: true)))
        #expect(!allowed(student, teacher, facts(leads: false)))
        // student ↔ their own parents: yes; unrelated parents: never
        #expect(allowed(student, parent, facts(link: true)))
        #expect(ContactPolicy.decide(student, parent, facts: facts(), table: ContactTable())
            == .deny("Students talk privately only with their own parents; other parents meet them in rooms where a teacher is present."))
        // student ↔ partner: never directly, even sharing a project
        #expect(!allowed(student, partner, facts(share: true)))
        #expect(ContactPolicy.decide(partner, student, facts: facts(minorA: false, minorB: true), table: ContactTable())
            == .deny("Students and partners talk only in rooms where a teacher is present."))
        #expect(!allowed(student, admin, facts()))
        // adults among themselves: yes
        for (a, b) in [(teacher, parent), (parent, partner), (partner, admin), (teacher, admin)] {
            #expect(allowed(a, b, facts(minorA: false)))
        }
    }

    @Test func rulesAreSymmetric() {
        let people = [student, student2, teacher, parent, partner, admin]
        for a in people {
            for b in people where a.id != b.id {
                for f in [facts(), facts(link: true), facts(leads: true), facts(share: true)] {
                    let swapped = ContactFacts(aIsMinor: f.bIsMinor, bIsMinor: f.aIsMinor, parentLink: f.parentLink,
                                               leadsRoomOfOther: f.leadsRoomOfOther, shareRoom: f.shareRoom)
                    #expect(allowed(a, b, f) == allowed(b, a, swapped), "\(a.role) \(b.role)")
                }
            }
        }
    }

    @Test func anAdultStudentIsNotProtectedAsAMinor() {
        // An 18-year-old student (not a minor) and a partner are two adults.
        #expect(allowed(student, partner, facts(minorA: false)))
    }

    @Test func theTableComesFromTheConfig() throws {
        var config = AtriumConfig()
        #expect(config.contactTable == ContactTable())
        try config.set("contact.minor_partner", to: "own")
        try config.set("contact.student_student", to: "own")
        #expect(allowed(student, partner, facts(share: true), config.contactTable))
        #expect(!allowed(student, student2, facts(minorB: true), config.contactTable))
        #expect(allowed(student, student2, facts(minorB: true, share: true), config.contactTable))
        #expect(throws: ConfigError.self) { try config.set("contact.adults", to: "maybe") }
        #expect(!ContactPolicy.decide(student, student, facts: facts(), table: ContactTable()).isAllowed)
        #expect(ContactPolicy.directRoomID(7, 3) == "dm-3-7")
    }
}
