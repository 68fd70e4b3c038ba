// Requests about a room's call (docs/protocol.md "Calls (rtc.*)"). The room is carried by
// `ClientMessage.rtc(room:_:)`; every field has been validated by the decoder.

/// What an `rtc.signal` carries: WebRTC's three kinds of signalling messages.
public enum SignalKind: String, Sendable, CaseIterable {
    case offer, answer, ice
}

public enum CallMessage: Sendable, Equatable {
    case join(mic: Bool, camera: Bool)
    case leave
    /// `to`: the target connection's number (the wire's "c17" is 17); `data` is opaque.
    case signal(to: UInt64, kind: SignalKind, data: JSON)
    case media(mic: Bool?, camera: Bool?)
    case hand(raised: Bool)
    case present(on: Bool)
    case state
    case ice
    // Moderators (`mute`).
    case mute(user: UserID)
    case lowerHand(user: UserID)
    case remove(user: UserID)
    case end
    /// nil: everyone back in one call.
    case breakout(groups: [[UserID]]?)
    // Polls.
    case poll(question: String, options: [String])
    case vote(poll: Int64, option: Int)
    case pollClose(poll: Int64)

    public var typeName: String {
        switch self {
        case .join: return "rtc.join"
        case .leave: return "rtc.leave"
        case .signal: return "rtc.signal"
        case .media: return "rtc.media"
        case .hand: return "rtc.hand"
        case .present: return "rtc.present"
        case .state: return "rtc.state"
        case .ice: return "rtc.ice"
        case .mute: return "rtc.mute"
        case .lowerHand: return "rtc.lower_hand"
        case .remove: return "rtc.remove"
        case .end: return "rtc.end"
        case .breakout: return "rtc.breakout"
        case .poll: return "rtc.poll"
        case .vote: return "rtc.vote"
        case .pollClose: return "rtc.poll_close"
        }
    }

    public static let typeNames = [
        "rtc.join", "rtc.leave", "rtc.signal", "rtc.media", "rtc.hand", "rtc.present", "rtc.state", "rtc.ice",
        "rtc.mute", "rtc.lower_hand", "rtc.remove", "rtc.end", "rtc.breakout", "rtc.poll", "rtc.vote", "rtc.poll_close",
    ]

    /// Limits of breakout groups and polls (docs/protocol.md).
    public static let maxGroups = 20
    public static let maxGroupSize = 50
    public static let pollOptions = 2...10
    public static let maxQuestionChars = 500
    public static let maxOptionChars = 200

    /// "c17" → 17 (the connection ids of `welcome`).
    public static func connNumber(_ s: String) -> UInt64? {
        guard s.first == "c", s.count <= 21 else { return nil }
        return UInt64(s.dropFirst())
    }

    public static func connString(_ id: UInt64) -> String { "c\(id)" }
}
