import AtriumCore
import AtriumStore
import Logging

/// Everything the hub needs before its thread starts, prepared on the starting thread:
/// storage opened and migrated, the room list loaded, the web client read into memory and the
/// store threads started. The service thread then never touches a file.
struct HubBootstrap: Sendable {
    let rooms: [StoredRoom]
    let members: [RoomID: [UserID: RoomRole]]
    let directPeople: [RoomID: [UserProfile]]
    let restrictions: [RoomID: RoomRestrictions]
    let parentLinks: [(parent: UserID, child: UserID)]
    let userRoles: [UserID: OrgRole]
    let permissionOverrides: [RoomID: [RoomRole: Set<RoomPermission>]]
    let latestChangeID: Int64
    let staticFiles: StaticFiles
    let commits: CommitQueue
    let reader: StoreWorker
    let auth: StoreWorker

    static func load(config: AtriumConfig, storeOptions: StoreOptions, logger: Logger) throws -> HubBootstrap {
        let store = try StoreConnection(dataDir: config.dataDir, options: storeOptions)
        let rooms = try store.rooms()
        let members = try store.allMembers()
        let directPeople = try store.directPeople()
        let restrictions = try store.allRestrictions()
        let parentLinks = try store.allParentLinks()
        let userRoles = try store.allUserRoles()
        let permissionOverrides = try store.allPermissionOverrides()
        let latestChange = try store.latestChangeID()
        let files = StaticFiles.load(root: config.webDir, logger: logger)
        return HubBootstrap(
            rooms: rooms, members: members, directPeople: directPeople, restrictions: restrictions, parentLinks: parentLinks, userRoles: userRoles, permissionOverrides: permissionOverrides, latestChangeID: latestChange, staticFiles: files,
            commits: try CommitQueue(dataDir: config.dataDir, options: storeOptions, batchMax: config.commitBatchMax),
            reader: try StoreWorker(name: "atrium-reader", dataDir: config.dataDir, options: storeOptions),
            auth: try StoreWorker(name: "atrium-auth", dataDir: config.dataDir, options: storeOptions))
    }
}
