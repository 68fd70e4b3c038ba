import AtriumCore
import AtriumStore

/// What runs store work on its own thread and calls back: the commit queue (grouped writes)
/// or a store worker (reads, sign-in, slow administration).
protocol StoreJobRunner {
    func submit<T: Sendable>(_ work: @escaping @Sendable (StoreConnection) throws -> T,
                             completion: @escaping @Sendable (Result<T, StoreError>) -> Void)
}

extension CommitQueue: StoreJobRunner {}
extension StoreWorker: StoreJobRunner {}

extension Hub {
    /// Runs `work` on `runner`, then — back on the service thread — `then` applies the result
    /// and returns the fields of the ok; a failure answers with its error. The continuation is
    /// not Sendable, so it waits here under an id and only the id crosses threads. `write`:
    /// counted as an in-flight write, which a graceful shutdown waits for. `answers: false`:
    /// `then` answers the request itself (a failure is still answered here).
    func runJob<T: Sendable>(_ c: Connection, ref: String?, on runner: any StoreJobRunner, write: Bool, answers: Bool = true,
                             _ work: @escaping @Sendable (StoreConnection) throws -> T,
                             then: @escaping (Hub, T) -> [(String, JSON)]) {
        let cid = c.id
        let id = nextWorkID()
        if write { inFlightWrites += 1 }
        pendingWork[id] = { hub, result in
            guard let result = result as? Result<T, StoreError> else { return }
            switch result {
            case .success(let value):
                let fields = then(hub, value)
                if answers, let c = hub.connections[cid] { hub.reply(c, ref: ref, fields) }
            case .failure(let error):
                if let c = hub.connections[cid] { hub.fail(c, WireError(error.code, error.message, ref: ref)) }
            }
        }
        runner.submit(work) { [inbox] result in
            inbox.post { hub in
                if write { hub.inFlightWrites -= 1 }
                hub.pendingWork.removeValue(forKey: id)?(hub, result)
            }
        }
    }

    /// The room, or `not_found` answered.
    func existingRoom(_ c: Connection, ref: String?, _ roomID: RoomID) -> RoomState? {
        guard let room = rooms[roomID] else {
            fail(c, WireError(.notFound, "There is no room '\(roomID)'.", ref: ref))
            return nil
        }
        return room
    }
}
