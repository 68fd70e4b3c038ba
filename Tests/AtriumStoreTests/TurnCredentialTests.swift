import AtriumStore
import Testing

@Suite struct TurnCredentialTests {
    /// Known vector: python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'secret',b'1700000000:42',hashlib.sha1).digest()).decode())"
    @Test func matchesTheTurnRestAPI() {
        #expect(TurnCredentials.credential(secret: "secret", username: "1700000000:42") == "ZzfPuPkrzUOsnm5YISnTiKDnXWo=")
        let c = TurnCredentials.make(secret: "secret", user: 42, nowSeconds: 1_699_913_600, ttlSeconds: 86_400)
        #expect(c.username == "1700000000:42")
        #expect(c.credential == "ZzfPuPkrzUOsnm5YISnTiKDnXWo=")
        #expect(c.expiresAt == 1_700_000_000)
        // An empty key is still a valid HMAC key.
        #expect(TurnCredentials.credential(secret: "", username: "1:1") == "ZSGRo3WfApN35FsxsMvonxi2TWQ=")
    }
}
