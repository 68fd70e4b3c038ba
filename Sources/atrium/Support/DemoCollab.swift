import AtriumCore
import AtriumStore

/// The demo project's board and plan document, written straight into storage with the same
/// events, snapshots and contribution counters the server writes, so the project room opens
/// onto real work with a history and authors.
enum DemoCollab {
    static let room: RoomID = "project-greenhouse"

    /// (who, operation) in order; positions come from PositionKey so they are what clients make.
    static func boardOps() -> [(login: String, op: BoardOp)] {
        let cols = PositionKey.spread(count: 3)
        let cards = PositionKey.spread(count: 3)
        return [
            ("sokolov", .columnCreate(id: "ideas", title: "Идеи", pos: cols[0], wip: nil)),
            ("sokolov", .columnCreate(id: "doing", title: "В работе", pos: cols[1], wip: 3)),
            ("sokolov", .columnCreate(id: "done", title: "Готово", pos: cols[2], wip: nil)),
            ("dima", .cardCreate(id: "sensor", column: "done", pos: cards[0], title: "Подключить датчик влажности")),
            ("alisa", .cardCreate(id: "watering", column: "doing", pos: cards[0], title: "Раздел про полив")),
            ("alisa", .cardSet(id: "watering", field: .checklist([
                Board.ChecklistItem(id: "w1", text: "Нормы полива для томатов", done: true),
                Board.ChecklistItem(id: "w2", text: "Схема клапана", done: false),
            ]))),
            ("masha", .cardCreate(id: "log", column: "ideas", pos: cards[0], title: "Журнал измерений")),
            ("masha", .cardSet(id: "log", field: .due("2026-12-18"))),
            ("sokolov", .cardComment(id: "log", comment: "c1", text: "Пригодится на защите — ведите каждый день.")),
            ("dima", .cardCreate(id: "slides", column: "ideas", pos: cards[1], title: "Слайды для защиты")),
        ]
    }

    static let docID = "plan"

    /// The plan, typed by three people in turns (appended paragraphs).
    static let paragraphs: [(login: String, text: String)] = [
        ("sokolov", "# Умная теплица — план проекта\n\n"),
        ("dima", "## Датчики\nДатчик влажности почвы подключён, данные каждые 10 секунд.\n\n"),
        ("alisa", "## Полив\nКлапан открывается, когда влажность ниже 40 %. *Проверить на томатах.*\n\n"),
        ("masha", "## Журнал\n- дата и время\n- влажность и температура\n- что сделали\n"),
    ]

    static func create(in store: StoreConnection, people: [String: UserProfile], nowMillis: Int64) throws {
        var board = Board()
        var at = nowMillis - 3_600_000
        for (i, step) in boardOps().enumerated() {
            guard let actor = people[step.login] else { continue }
            let before = board
            try board.apply(step.op, actor: actor.id, atMillis: at)
            let rev = Int64(i + 1)
            let nonce = "demo-board-\(rev)"
            _ = try store.appendCollabOp(room: room, actor: actor.id, CollabOpWrite(
                kind: .board, object: boardObjectID, rev: rev, eventKind: "board.op",
                payload: CollabEvents.boardOp(rev: rev, op: step.op, nonce: nonce), nonce: nonce,
                summary: CollabEvents.boardSummary(step.op, before: before, after: board),
                snapshot: nil, contributions: CollabEvents.boardContributions(step.op, before: before, after: board)),
                nowMillis: at)
            at += 60_000
        }
        guard let owner = people["sokolov"] else { return }
        _ = try store.createDoc(room: room, id: docID, title: "План проекта", actor: owner.id, nowMillis: at)
        var doc = CollabDocument()
        for (i, part) in paragraphs.enumerated() {
            guard let actor = people[part.login] else { continue }
            var op = TextOperation()
            op.retain(doc.text.count)
            op.insert(part.text)
            let nonce = "demo-doc-\(i)"
            guard case .success(.accepted(let committed, let rev)) = doc.accept(op, baseRev: doc.rev, nonce: nonce, author: actor.id,
                                                                                 maxChars: .max) else { continue }
            at += 60_000
            _ = try store.appendCollabOp(room: room, actor: actor.id, CollabOpWrite(
                kind: .doc, object: docID, rev: rev, eventKind: "doc.op",
                payload: CollabEvents.docOp(doc: docID, rev: rev, op: committed, nonce: nonce), nonce: nonce,
                summary: CollabEvents.docSummary(committed), snapshot: nil, contributions: CollabEvents.docContributions(committed)),
                nowMillis: at)
        }
    }
}
