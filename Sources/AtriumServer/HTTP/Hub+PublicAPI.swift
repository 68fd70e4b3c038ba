import AtriumCore
import AtriumStore

/// The school's openness (MISSION "Openness"; issue item 2, `public` rooms): what a `public`
/// room holds is readable without signing in, read-only. Visitors see display names of
/// students, never full names, and no waiting (pre-moderated) posts. Service thread; reads on
/// the reader. Limited per address like sign-in, so the public view cannot be scraped flat out.
extension Hub {
    func publicRooms(_ ex: HTTPExchange) {
        guard publicAllowed(ex) else { return }
        let list = rooms.values.filter { $0.record.joinRule == .public }
            .sorted { ($0.record.zone.rawValue, $0.record.name) < ($1.record.zone.rawValue, $1.record.name) }
            .map { room -> JSON in
                .object([("id", .string(room.record.id)), ("name", .string(room.record.name)),
                         ("kind", .string(room.record.kind.rawValue)), ("zone", .string(room.record.zone.rawValue)),
                         ("latest", .int(room.record.history == .all ? room.lastSeq : 0))])
            }
        respond(ex, .json(200, .object([("rooms", .array(list))]), headers: [("cache-control", "no-cache")]))
    }

    /// `GET /api/public/rooms/ID?before=N&limit=L`: a page of the room's events, oldest first.
    func publicRoomEvents(_ ex: HTTPExchange, roomID: RoomID, query: [String: String]) {
        guard publicAllowed(ex) else { return }
        guard let room = rooms[roomID], room.record.joinRule == .public else {
            respond(ex, .error(404, "There is no public room '\(roomID)'."))
            return
        }
        let before = query["before"].flatMap { Int64($0) }.map { max(1, $0) } ?? (room.lastSeq + 1)
        let limit = min(max(1, query["limit"].flatMap { Int($0) } ?? 50), limits.historyMax)
        let record = room.record
        guard record.history == .all else {
            // History "from joining": a visitor never joined, so there is nothing to show.
            respond(ex, .json(200, .object([("room", publicRoomJSON(record)), ("events", .array([]))])))
            return
        }
        ex.pending = true
        let id = ex.id
        reader.submit({ store in try store.events(room: roomID, before: before, limit: limit) }) { [inbox] result in
            inbox.post { hub in
                guard let ex = hub.exchange(id) else { return }
                switch result {
                case .success(let events):
                    let shown = events.filter { !$0.isPending }.map { hub.forVisitor($0).json }
                    hub.respond(ex, .json(200, .object([("room", hub.publicRoomJSON(record)), ("events", .array(shown))]),
                                          headers: [("cache-control", "no-cache")]))
                case .failure(let error):
                    hub.respond(ex, .error(503, error.message))
                }
            }
        }
    }

    private func publicRoomJSON(_ record: RoomRecord) -> JSON {
        .object([("id", .string(record.id)), ("name", .string(record.name)), ("kind", .string(record.kind.rawValue)),
                 ("zone", .string(record.zone.rawValue))])
    }

    /// A visitor is nobody's classmate: students appear by display name only.
    private func forVisitor(_ event: RoomEvent) -> RoomEvent {
        let subject = event.payload["author"]?.intValue ?? event.actor
        guard let name = event.payload["actor_name"]?.stringValue, userRoles[subject] ?? .student == .student else { return event }
        var copy = event
        copy.payload["actor_name"] = .string(NamePolicy.displayName(name))
        return copy
    }

    private func publicAllowed(_ ex: HTTPExchange) -> Bool {
        guard let wait = publicByAddress.take(ex.peer, now: monotonicSeconds()) else { return true }
        let seconds = Int(wait.rounded(.up))
        respond(ex, .json(429, .object([("error", .string("Too many requests. Try again in \(seconds) s.")),
                                        ("retry_after", .int(Int64(seconds)))]), headers: [("retry-after", String(seconds))]))
        return false
    }
}
