// docs/protocol.md "Boards and documents": decoding of doc.*, board.*, collab.* and room.follow.

import AtriumCore
import Testing

@Suite("Co-editing frames")
struct CollabDecoderTests {
    func decode(_ text: String, limits: ProtocolLimits = ProtocolLimits()) -> Result<ClientFrame, WireError> {
        ClientFrameDecoder.decode(Array(text.utf8), limits: limits)
    }

    func message(_ text: String) -> CollabMessage? {
        if case .success(let f) = decode(text), case .collab(_, let m) = f.message { return m }
        return nil
    }

    func error(_ text: String, limits: ProtocolLimits = ProtocolLimits()) -> WireError? {
        if case .failure(let e) = decode(text, limits: limits) { return e }
        return nil
    }

    @Test func documentOperationsAreParsedInCodePoints() throws {
        let m = message(#"{"type":"doc.op","room":"r","doc":"d1","rev":3,"op":[2,"ё😀",-1,4],"nonce":"n"}"#)
        guard case .docOp(let doc, let rev, let op, let nonce)? = m else { Issue.record("not a doc.op: \(String(describing: m))"); return }
        #expect(doc == "d1" && rev == 3 && nonce == "n")
        #expect(op.baseLength == 7 && op.targetLength == 8 && op.insertedCount == 2)
    }

    @Test func documentRequestsNeedTheirFields() {
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":["x"]}"#)?.message.contains("'nonce' is required") == true)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":[0],"nonce":"n"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":-1,"op":["x"],"nonce":"n"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"a b","rev":0,"op":["x"],"nonce":"n"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":"x","nonce":"n"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.create","room":"r","title":"  "}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.lock","room":"r","doc":"d","locked":"yes"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"doc.open","room":"r"}"#)?.message == "The field 'doc' is required.")
    }

    @Test func operationSizeLimitsAnswerTooLargeAtTheirEdge() {
        var limits = ProtocolLimits()
        limits.textOperation = TextOperationLimits(maxComponents: 3, maxInsertChars: 4)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":[1,"abcd",1],"nonce":"n"}"#, limits: limits) == nil)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":[1,"abcde",1],"nonce":"n"}"#, limits: limits)?.code == .tooLarge)
        #expect(error(#"{"type":"doc.op","room":"r","doc":"d","rev":0,"op":[1,"a",-1,1],"nonce":"n"}"#, limits: limits)?.code == .tooLarge)
    }

    @Test func boardOperationsAreValidatedByTheSchema() {
        let ok = message(#"{"type":"board.op","room":"r","op":{"op":"card.move","id":"c","column":"k","pos":"V"},"nonce":"n"}"#)
        #expect(ok == .boardOp(op: .cardMove(id: "c", column: "k", pos: "V"), nonce: "n"))
        let bad = error(#"{"type":"board.op","room":"r","op":{"op":"card.set","id":"c","field":"due","value":"2026-13-01"},"nonce":"n","ref":"x"}"#)
        #expect(bad?.code == .badRequest && bad?.ref == "x")
        #expect(error(#"{"type":"board.op","room":"r","op":{"op":"card.move","id":"c","column":"k","pos":"V"}}"#)?.code == .badRequest)
    }

    @Test func followViews() {
        #expect(message(#"{"type":"room.follow","room":"r","view":{"kind":"board"}}"#) == .follow(.board))
        #expect(message(#"{"type":"room.follow","room":"r","view":{"kind":"doc","doc":"d"}}"#) == .follow(.doc("d")))
        #expect(message(#"{"type":"room.follow","room":"r","view":null}"#) == .follow(nil))
        #expect(error(#"{"type":"room.follow","room":"r"}"#)?.code == .badRequest)
        #expect(error(#"{"type":"room.follow","room":"r","view":{"kind":"chat"}}"#)?.code == .badRequest)
    }

    @Test func pagesAreClamped() {
        #expect(message(#"{"type":"doc.ops","room":"r","doc":"d","after":0,"limit":100000}"#) == .docOps(doc: "d", after: 0, limit: CollabMessage.opsPageMax))
        #expect(message(#"{"type":"doc.history","room":"r","doc":"d"}"#) == .docHistory(doc: "d", before: nil, limit: 50))
        #expect(message(#"{"type":"board.history","room":"r","limit":1000}"#) == .boardHistory(before: nil, limit: CollabMessage.historyPageMax))
    }
}
