import AtriumStore
import Testing

@Suite struct PasswordTests {
    @Test func hashAndVerify() {
        let encoded = Passwords.hash("correct horse", logN: 10)
        #expect(encoded.hasPrefix("scrypt$ln=10,r=8,p=1$"))
        #expect(encoded.split(separator: "$").count == 4)
        #expect(Passwords.verify("correct horse", encoded: encoded))
        #expect(!Passwords.verify("correct horsE", encoded: encoded))
        #expect(!Passwords.verify("", encoded: encoded))
        // A fresh salt every time.
        #expect(Passwords.hash("correct horse", logN: 10) != encoded)
    }

    @Test func defaultCostAndDummyHash() {
        let encoded = Passwords.hash("пароль-123")
        #expect(encoded.hasPrefix("scrypt$ln=15,r=8,p=1$"))
        #expect(Passwords.verify("пароль-123", encoded: encoded))
        #expect(Passwords.dummyHash.hasPrefix("scrypt$ln=15,"))
        #expect(!Passwords.verify("anything", encoded: Passwords.dummyHash))
    }

    @Test func malformedHashesAreFalse() {
        let good = Passwords.hash("secret", logN: 10)
        let parts = good.split(separator: "$").map(String.init)
        let bad = [
            "", "scrypt", "bcrypt$ln=10,r=8,p=1$\(parts[2])$\(parts[3])",
            "scrypt$ln=10,r=8$\(parts[2])$\(parts[3])",
            "scrypt$ln=10,r=8,p=1,p=1$\(parts[2])$\(parts[3])",
            "scrypt$ln=x,r=8,p=1$\(parts[2])$\(parts[3])",
            "scrypt$ln=40,r=8,p=1$\(parts[2])$\(parts[3])",    // absurd cost: refused, not attempted
            "scrypt$ln=10,r=99999,p=1$\(parts[2])$\(parts[3])",
            "scrypt$ln=10,r=8,p=1$!!!$\(parts[3])",
            "scrypt$ln=10,r=8,p=1$\(parts[2])$",
            "scrypt$ln=10,r=8,p=1$\(parts[2])$AAAA",            // key too short
            "scrypt$ln=10,r=8,p=1$\(parts[2])$\(parts[3])$extra",
            "scrypt$ln=10,r=8,p=1$$\(parts[3])",
        ]
        for b in bad { #expect(!Passwords.verify("secret", encoded: b), "\(b)") }
        #expect(Passwords.verify("secret", encoded: good))
    }

    @Test func oneTimePasswords() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let p = Passwords.generateOneTime()
            #expect(p.count == 14)
            let groups = p.split(separator: "-")
            #expect(groups.count == 3 && groups.allSatisfy { $0.count == 4 })
            #expect(p.allSatisfy { $0 == "-" || "abcdefghjkmnpqrstuvwxyz23456789".contains($0) })
            #expect(!p.contains { "0O1lIio".contains($0) })
            #expect(Passwords.validateNew(p) == nil)
            seen.insert(p)
        }
        #expect(seen.count == 200)
    }

    @Test func newPasswordRules() {
        #expect(Passwords.validateNew("1234567") != nil)
        #expect(Passwords.validateNew("12345678") == nil)
        #expect(Passwords.validateNew(String(repeating: "ä", count: 256)) == nil)
        #expect(Passwords.validateNew(String(repeating: "a", count: 257)) != nil)
        #expect(Passwords.validateNew("") != nil)
    }
}

@Suite struct TokenTests {
    @Test func tokensAreLongUniqueAndURLSafe() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let t = Tokens.generate()
            #expect(t.count == 43)
            #expect(t.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            seen.insert(t)
        }
        #expect(seen.count == 1000)
    }

    @Test func hashIsSHA256() {
        let h = Tokens.hash("abc")
        #expect(h.count == 32)
        let hex = h.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Tokens.hash("abc") == h)
        #expect(Tokens.hash("abd") != h)
    }

    @Test func randomBytes() {
        #expect(Tokens.randomBytes(0).isEmpty)
        #expect(Tokens.randomBytes(16).count == 16)
        #expect(Tokens.randomBytes(16) != Tokens.randomBytes(16))
    }
}
