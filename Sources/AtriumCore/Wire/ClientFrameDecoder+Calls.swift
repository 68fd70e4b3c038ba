// Decoding of `rtc.*` (docs/protocol.md "Calls (rtc.*)").

extension Fields {
    func call(_ type: String) throws(WireError) -> CallMessage {
        switch type {
        case "rtc.join":
            return .join(mic: try optionalBool("mic") ?? false, camera: try optionalBool("camera") ?? false)
        case "rtc.leave": return .leave
        case "rtc.signal":
            guard let toText = try optionalString("to") else { throw fail("The field 'to' is required: the connection to send to, e.g. \"c17\".") }
            guard let to = CallMessage.connNumber(toText) else { throw fail("The field 'to' must be a connection id such as \"c17\".") }
            guard let kindText = try optionalString("kind"), let kind = SignalKind(rawValue: kindText) else {
                throw fail("The field 'kind' must be \"offer\", \"answer\" or \"ice\".")
            }
            guard let data = object["data"], !data.isNull else { throw fail("The field 'data' is required.") }
            return .signal(to: to, kind: kind, data: data)
        case "rtc.media":
            let mic = try optionalBool("mic")
            let camera = try optionalBool("camera")
            if mic == nil && camera == nil { throw fail("Give 'mic' or 'camera' (true or false).") }
            return .media(mic: mic, camera: camera)
        case "rtc.hand":
            guard let raised = try optionalBool("raised") else { throw fail("The field 'raised' must be true or false.") }
            return .hand(raised: raised)
        case "rtc.present":
            guard let on = try optionalBool("on") else { throw fail("The field 'on' must be true or false.") }
            return .present(on: on)
        case "rtc.state": return .state
        case "rtc.ice": return .ice
        case "rtc.mute": return .mute(user: try requiredInt("user", min: 1))
        case "rtc.lower_hand": return .lowerHand(user: try requiredInt("user", min: 1))
        case "rtc.remove": return .remove(user: try requiredInt("user", min: 1))
        case "rtc.end": return .end
        case "rtc.breakout":
            switch object["groups"] {
            case nil: throw fail("The field 'groups' is required: an array of arrays of user ids, or null.")
            case .null?: return .breakout(groups: nil)
            case .array(let raw)?:
                guard (1...CallMessage.maxGroups).contains(raw.count) else {
                    throw fail("The field 'groups' must hold 1 to \(CallMessage.maxGroups) groups.")
                }
                var seen = Set<UserID>()
                var groups: [[UserID]] = []
                for g in raw {
                    guard let members = g.arrayValue, (1...CallMessage.maxGroupSize).contains(members.count) else {
                        throw fail("Each group must be an array of 1 to \(CallMessage.maxGroupSize) user ids.")
                    }
                    var ids: [UserID] = []
                    for m in members {
                        guard let id = m.intValue, id >= 1 else { throw fail("Each group must hold user ids (integers of at least 1).") }
                        guard seen.insert(id).inserted else { throw fail("User \(id) is in more than one group.") }
                        ids.append(id)
                    }
                    groups.append(ids)
                }
                return .breakout(groups: groups)
            case _?: throw fail("The field 'groups' must be an array of arrays of user ids, or null.")
            }
        case "rtc.poll":
            guard let question = try shortText("question", required: true) else { throw fail("The field 'question' is required.") }
            guard case .array(let raw)? = object["options"], CallMessage.pollOptions.contains(raw.count) else {
                throw fail("The field 'options' must be an array of \(CallMessage.pollOptions.lowerBound) to \(CallMessage.pollOptions.upperBound) texts.")
            }
            var options: [String] = []
            for o in raw {
                guard let s = o.stringValue, !s.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
                    throw fail("Every option must be a text that is not empty.")
                }
                guard s.unicodeScalars.count <= CallMessage.maxOptionChars else {
                    throw fail(.tooLarge, "An option is longer than \(CallMessage.maxOptionChars) characters.")
                }
                options.append(s)
            }
            return .poll(question: question, options: options)
        case "rtc.vote":
            let poll = try requiredInt("poll", min: 1)
            let option = try requiredInt("option", min: 0)
            guard option < Int64(CallMessage.pollOptions.upperBound) else { throw fail("The field 'option' is not an option of the poll.") }
            return .vote(poll: poll, option: Int(option))
        case "rtc.poll_close": return .pollClose(poll: try requiredInt("poll", min: 1))
        default:
            throw fail("Unknown message type '\(Fields.abbreviated(type))'.")
        }
    }

    func optionalBool(_ name: String) throws(WireError) -> Bool? {
        switch object[name] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case _?: throw fail("The field '\(name)' must be true or false.")
        }
    }
}
