import AtriumCore
import AtriumStore

/// `audit.mine`: the oversight-log entries that concern the signed-in person ("who did what
/// concerning me"), newest first, with names (read on the reader thread).
extension Hub {
    func auditMine(_ c: Connection, ref: String?) {
        guard let me = c.user else { return }
        let cid = c.id
        reader.submit({ store -> [JSON] in
            let entries = try store.audit(concerning: me.id)
            var names: [UserID: String] = [:]
            for id in Set(entries.flatMap { [$0.actor, $0.subject].compactMap { $0 } }) {
                names[id] = try store.user(id: id)?.profile.name
            }
            return entries.map { e in
                guard case .object(var o) = e.json else { return .null }
                // Whoever reported a message stays anonymous to the person reported.
                if e.action == "mod.report" && e.actor != me.id {
                    o["actor"] = .null
                    o["actor_name"] = .null
                    return .object(o)
                }
                o["actor_name"] = e.actor.flatMap { names[$0] }.map { .string($0) } ?? .null
                o["subject_name"] = e.subject.flatMap { names[$0] }.map { .string($0) } ?? .null
                return .object(o)
            }
        }) { [inbox] result in
            inbox.post { hub in
                guard let c = hub.connections[cid] else { return }
                switch result {
                case .success(let list): hub.reply(c, ref: ref, [("entries", .array(list))])
                case .failure(let error): hub.fail(c, WireError(error.code, error.message, ref: ref))
                }
            }
        }
    }
}
