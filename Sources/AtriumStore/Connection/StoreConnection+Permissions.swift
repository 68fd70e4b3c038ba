// Per-room permission overrides: a room's owner adjusts what a role may do there; roles not
// overridden keep their kind's defaults (docs/permissions.md).

import AtriumCore

extension StoreConnection {
    /// The room's overrides: role → its full permission set.
    public func permissionOverrides(room: RoomID) throws -> [RoomRole: Set<RoomPermission>] {
        guard let text = try db.queryOne("SELECT permissions FROM rooms WHERE id = ?", [.text(room)], { $0.isNull(0) ? nil : $0.text(0) }) ?? nil,
              let object = (try? JSON.parse(text))?.objectValue else { return [:] }
        var result: [RoomRole: Set<RoomPermission>] = [:]
        for field in object.fields {
            guard let role = RoomRole(rawValue: field.key), let list = field.value.arrayValue else { continue }
            result[role] = Set(list.compactMap { $0.stringValue.flatMap(RoomPermission.init(rawValue:)) })
        }
        return result
    }

    public func allPermissionOverrides() throws -> [RoomID: [RoomRole: Set<RoomPermission>]] {
        var result: [RoomID: [RoomRole: Set<RoomPermission>]] = [:]
        for id in try db.query("SELECT id FROM rooms WHERE permissions IS NOT NULL", [], { $0.text(0) }) {
            result[id] = try permissionOverrides(room: id)
        }
        return result
    }

    /// Sets what `role` may do in the room (nil: back to the kind's default). Owners always keep
    /// every permission, so a room can never be locked away from its owners.
    public func setRolePermissions(room: RoomID, role: RoomRole, permissions: Set<RoomPermission>?, by actor: UserID?,
                                   nowMillis: Int64) throws -> [RoomRole: Set<RoomPermission>] {
        try transaction {
            guard role != .owner else { throw StoreError(.badRequest, "Owners always have every permission.") }
            guard try self.room(id: room) != nil else { throw StoreError(.notFound, "There is no room '\(room)'.") }
            var overrides = try permissionOverrides(room: room)
            overrides[role] = permissions
            let object = JSONObject(overrides.sorted { $0.key.rawValue < $1.key.rawValue }.map { role, set in
                (role.rawValue, JSON.array(set.sorted().map { .string($0.rawValue) }))
            })
            _ = try db.execute("UPDATE rooms SET permissions = ? WHERE id = ?",
                               [overrides.isEmpty ? .null : .text(String(decoding: object.encoded(), as: UTF8.self)), .text(room)])
            try appendAudit(actor: actor, action: "room.permissions", room: room, subject: nil,
                            detail: [("role", .string(role.rawValue)),
                                     ("permissions", permissions.map { .array($0.sorted().map { .string($0.rawValue) }) } ?? .null)],
                            nowMillis: nowMillis)
            return overrides
        }
    }
}
