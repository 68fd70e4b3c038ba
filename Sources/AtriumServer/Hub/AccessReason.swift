import AtriumCore

/// Why a person's access to a room changed, for the `room.access` frame: a stable code and its
/// parameters (so clients word it in their own language) plus an English sentence.
struct AccessReason {
    let code: String
    let text: String
    var detail: String? = nil
    var untilMillis: Int64? = nil

    static func lost(_ name: String) -> AccessReason {
        AccessReason(code: "access_lost", text: "You no longer have access to “\(name)”.")
    }
    static func roleChanged(_ name: String, _ role: RoomRole?) -> AccessReason {
        AccessReason(code: "role_changed", text: "Your role in “\(name)” is now \(role?.rawValue ?? "none").")
    }
    static func settingsChanged(_ name: String) -> AccessReason {
        AccessReason(code: "settings_changed", text: "The settings of “\(name)” changed.")
    }
    static func knockRefused(_ name: String, _ reason: String?) -> AccessReason {
        AccessReason(code: "knock_refused", text: "Your request to enter “\(name)” was declined" + (reason.map { ": \($0)" } ?? "."), detail: reason)
    }
    static func backToLobby(_ name: String) -> AccessReason {
        AccessReason(code: "back_to_lobby", text: "A moderator sent you back to the lobby of “\(name)”; you are waiting again.")
    }
    static func restricted(_ name: String, ban: Bool, until: Int64?, reason: String?) -> AccessReason {
        let span = until.map { " until \(Timestamp.iso8601(millis: $0))" } ?? ""
        let head = ban ? "You are banned from “\(name)”" : "You are muted in “\(name)”"
        return AccessReason(code: ban ? "banned" : "muted", text: head + span + (reason.map { ": \($0)" } ?? "."),
                            detail: reason, untilMillis: until)
    }
    static func lifted(_ name: String, ban: Bool) -> AccessReason {
        AccessReason(code: ban ? "unbanned" : "unmuted",
                     text: ban ? "Your ban from “\(name)” was lifted." : "You can write in “\(name)” again.")
    }
    static func removed(_ name: String, _ reason: String?) -> AccessReason {
        AccessReason(code: "removed", text: "You were removed from “\(name)”" + (reason.map { ": \($0)" } ?? "."), detail: reason)
    }
}
