import AtriumCore

/// The personal-data rule applied to what each connection receives (service thread). Names of
/// students are masked per viewer (`NamePolicy`): a frame that names someone is encoded once
/// per distinct masking, never once per recipient.
extension Hub {
    func seesFullName(_ viewer: UserProfile, of subject: UserID) -> Bool {
        NamePolicy.seesFullName(viewer: viewer, subject: subject, subjectRole: userRoles[subject]) {
            circle(of: subject).contains(viewer.id)
        }
    }

    /// The name of `subject` as `viewer` may see it.
    func name(_ full: String, of subject: UserID, for viewer: UserProfile) -> String {
        seesFullName(viewer, of: subject) ? full : NamePolicy.displayName(full)
    }

    /// People who share a class, course or project with the student, and their parents.
    func circle(of student: UserID) -> Set<UserID> {
        if let cached = circleCache[student] { return cached }
        var circle = parentsOf[student] ?? []
        for room in rooms.values where [.class, .course, .project].contains(room.record.kind) && room.listed[student] != nil {
            circle.formUnion(room.listed.keys)
        }
        circleCache[student] = circle
        return circle
    }

    /// Room roles or parent links changed: circles are recomputed on demand.
    func invalidateCircles() { circleCache.removeAll() }

    /// A room event as `viewer` may see it: the actor's name masked when needed.
    func frame(of event: RoomEvent, encoded full: [UInt8], for viewer: UserProfile, masked: inout [UInt8]?) -> [UInt8] {
        guard let actorName = event.payload["actor_name"]?.stringValue, !seesFullName(viewer, of: nameSubject(event)) else { return full }
        if masked == nil {
            var copy = event
            copy.payload["actor_name"] = .string(NamePolicy.displayName(actorName))
            masked = copy.encodedFrame()
        }
        return masked!
    }

    /// Whether anyone might get this event with a masked name: it names a student.
    func namesMaskable(_ event: RoomEvent) -> Bool {
        event.payload["actor_name"] != nil && (userRoles[nameSubject(event)] ?? .student) == .student
    }

    /// Whose name `actor_name` is: the author for `chat.approved`, else the actor.
    private func nameSubject(_ event: RoomEvent) -> UserID {
        event.payload["author"]?.intValue ?? event.actor
    }

    /// Pre-moderation: a waiting post (and its edits) is seen only by its author and by those
    /// who moderate the room (delete_any).
    func mayView(_ event: RoomEvent, viewer: UserProfile, in room: RoomState) -> Bool {
        guard event.isPending else { return true }
        return event.actor == viewer.id || room.decide(.permission(.deleteAny), for: viewer).isAllowed
    }

    /// The event as `viewer` may see it, for replies built per connection (history, replay).
    func visible(_ event: RoomEvent, for viewer: UserProfile) -> RoomEvent {
        guard let actorName = event.payload["actor_name"]?.stringValue, !seesFullName(viewer, of: nameSubject(event)) else { return event }
        var copy = event
        copy.payload["actor_name"] = .string(NamePolicy.displayName(actorName))
        return copy
    }

    /// A room object for `viewer` (a direct conversation's peer named as they may see it).
    func roomJSON(_ room: RoomState, for viewer: UserProfile) -> JSON {
        room.json(for: viewer) { peer in self.name(peer.name, of: peer.id, for: viewer) }
    }

    func visible(_ entry: PresenceEntry, for viewer: UserProfile) -> PresenceEntry {
        var e = entry
        e.name = name(entry.name, of: entry.user, for: viewer)
        return e
    }
}
