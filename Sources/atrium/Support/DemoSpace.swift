import AtriumCore
import AtriumStore

/// The demo school that `atrium demo` creates on first start: a room for every zone of
/// MISSION.md, people of every role, a personal cabinet each, and some conversation, so a
/// newcomer opens the browser onto a living space. Russian first, like the school.
enum DemoSpace {
    struct Account { let login: String; let password: String; let role: OrgRole; let name: String }

    static let people: [(login: String, name: String, role: OrgRole, group: String?)] = [
        ("admin", "Ирина Админова", .admin, nil),
        ("petrova", "Елена Петрова", .teacher, nil),
        ("sokolov", "Андрей Соколов", .teacher, nil),
        ("masha", "Маша Иванова", .student, "7А"),
        ("dima", "Дима Смирнов", .student, "7А"),
        ("alisa", "Алиса Кузнецова", .student, "10Б"),
        ("ivanova", "Ольга Иванова", .parent, nil),
        ("partner", "Сергей Орлов (ТехноПарк)", .partner, nil),
    ]

    static let rooms: [RoomRecord] = [
        RoomRecord(id: "lounge", name: "Лаунж", kind: .lounge),
        RoomRecord(id: "library", name: "Библиотека", kind: .library),
        RoomRecord(id: "exhibition", name: "Выставка проектов", kind: .exhibition),
        RoomRecord(id: "conference", name: "Конференц-зал", kind: .conference),
        RoomRecord(id: "open-day", name: "День открытых дверей", kind: .event),
        RoomRecord(id: "class-7a", name: "7А класс", kind: .class),
        RoomRecord(id: "course-projects", name: "Курс для учителей: проектное обучение", kind: .course),
        RoomRecord(id: "project-greenhouse", name: "Проект «Умная теплица»", kind: .project),
        RoomRecord(id: "meeting", name: "Переговорная", kind: .meeting),
        RoomRecord(id: "council-coworking", name: "Совет коворкинга", kind: .council),
        RoomRecord(id: "council-parents", name: "Родительский совет", kind: .council),
        RoomRecord(id: "council-students", name: "Совет учащихся", kind: .council),
        RoomRecord(id: "partner-technopark", name: "Партнёры: ТехноПарк", kind: .partner),
    ]

    static let chat: [(room: RoomID, login: String, text: String)] = [
        ("lounge", "petrova", "Доброе утро! Лаунж открыт — заходите поболтать между уроками."),
        ("lounge", "masha", "Привет всем! Кто идёт на день открытых дверей?"),
        ("lounge", "dima", "Я! Покажем нашу теплицу 🌱"),
        ("class-7a", "petrova", "7А, напоминаю: в пятницу защита мини-проектов."),
        ("class-7a", "masha", "Елена Викторовна, можно выступить первыми?"),
        ("class-7a", "petrova", "Можно. Подготовьте 5 минут и 3 слайда."),
        ("project-greenhouse", "dima", "Датчик влажности подключил, данные идут каждые 10 секунд."),
        ("project-greenhouse", "alisa", "Отлично! Я допишу раздел про полив в документ."),
        ("project-greenhouse", "sokolov", "Не забудьте про журнал измерений — он пригодится на защите."),
        ("council-coworking", "admin", "Повестка заседания совета коворкинга опубликована в библиотеке."),
        ("council-parents", "ivanova", "Предлагаю обсудить график работы коворкинга в каникулы."),
        ("partner-technopark", "partner", "Здравствуйте! ТехноПарк готов провести мастер-класс по робототехнике."),
        ("open-day", "sokolov", "День открытых дверей — в субботу в 11:00. Регистрация открыта."),
    ]

    /// Who is listed where, and as what (rooms not listed here are open or public to all).
    static let roles: [(room: RoomID, login: String, role: RoomRole)] = [
        ("class-7a", "petrova", .owner), ("class-7a", "masha", .member), ("class-7a", "dima", .member),
        ("course-projects", "admin", .owner), ("course-projects", "petrova", .member), ("course-projects", "sokolov", .member),
        ("project-greenhouse", "sokolov", .owner), ("project-greenhouse", "dima", .member),
        ("project-greenhouse", "alisa", .member), ("project-greenhouse", "masha", .member),
        ("meeting", "admin", .owner), ("meeting", "petrova", .moderator),
        ("council-coworking", "admin", .owner), ("council-coworking", "petrova", .member),
        ("council-coworking", "ivanova", .member), ("council-coworking", "alisa", .member),
        ("council-parents", "admin", .owner), ("council-parents", "ivanova", .member),
        ("council-students", "petrova", .owner), ("council-students", "masha", .member), ("council-students", "alisa", .member),
        ("partner-technopark", "sokolov", .owner), ("partner-technopark", "partner", .member),
        ("exhibition", "sokolov", .owner), ("open-day", "sokolov", .owner),
        ("library", "admin", .owner), ("lounge", "admin", .owner), ("conference", "admin", .owner),
    ]

    static func create(in store: StoreConnection, scryptLogN: Int) throws -> [Account] {
        let now = Int64(nowMillis())
        var accounts: [Account] = []
        var profiles: [String: UserProfile] = [:]
        // Hash outside the transaction: scrypt is deliberately slow.
        let prepared = people.map { p -> (login: String, name: String, role: OrgRole, group: String?, password: String, hash: String) in
            let password = Passwords.generateOneTime()
            return (p.login, p.name, p.role, p.group, password, Passwords.hash(password, logN: scryptLogN))
        }
        try store.transaction {
            for p in prepared {
                let profile = try store.addUser(login: p.login, name: p.name, role: p.role, group: p.group,
                                                passwordHash: p.hash, mustChangePassword: false, nowMillis: now)
                profiles[p.login] = profile
                accounts.append(Account(login: p.login, password: p.password, role: p.role, name: p.name))
            }
            for room in rooms { try store.addRoom(room, nowMillis: now) }
            for p in people {
                let cabinet = RoomRecord(id: "cabinet-\(p.login)", name: "Кабинет: \(p.name)", kind: .cabinet)
                try store.addRoom(cabinet, nowMillis: now)
                try store.setMember(room: cabinet.id, userID: profiles[p.login]!.id, role: .owner, nowMillis: now)
            }
            for r in roles {
                try store.setMember(room: r.room, userID: profiles[r.login]!.id, role: r.role, nowMillis: now)
            }
            try store.linkParent(parentID: profiles["ivanova"]!.id, childID: profiles["masha"]!.id, nowMillis: now)
            for (i, line) in chat.enumerated() {
                guard let author = profiles[line.login] else { continue }
                _ = try store.appendChat(room: line.room, actor: author.id, actorName: author.name, text: line.text,
                                         nonce: "demo-\(i)", nowMillis: now - Int64(chat.count - i) * 300_000)
            }
            try DemoCollab.create(in: store, people: profiles, nowMillis: now)
        }
        return accounts
    }
}
