// Password hashing with scrypt (OpenSSL EVP_PBE_scrypt). Deliberately slow (~0.1 s at logN 15):
// never call it on the service thread — sign-in runs on a StoreWorker, the CLI on its own thread.
//
// Stored form: "scrypt$ln=15,r=8,p=1$<salt base64>$<key base64>" — the parameters travel with
// the hash, so raising the cost later does not invalidate existing passwords.

import COpenSSL
import Foundation

public enum Passwords {
    static let r: UInt64 = 8
    static let p: UInt64 = 1
    static let saltLength = 16
    static let keyLength = 32
    /// The highest cost we accept, from our own hashes or a stored string (a forged "ln=40" must
    /// not make verification allocate terabytes). 2^20 · 128 · 8 bytes = 1 GiB.
    static let maxLogN = 20

    /// A new hash with a fresh salt. `logN` must be within 1...20 (a configuration value, checked
    /// at startup); each step doubles time and memory (15: 32 MiB).
    public static func hash(_ password: String, logN: Int = 15) -> String {
        let salt = Tokens.randomBytes(saltLength)
        let key = derive(password, salt: salt, logN: logN, r: r, p: p, keyLength: keyLength) ?? []
        // derive fails only for parameters outside our bounds: a programming error.
        precondition(!key.isEmpty, "scrypt failed for logN \(logN)")
        return "scrypt$ln=\(logN),r=\(r),p=\(p)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Checks a password against a stored hash; the parameters come from the string. Malformed or
    /// out-of-bounds strings give false. The comparison takes the same time wherever it differs.
    public static func verify(_ password: String, encoded: String) -> Bool {
        guard let parsed = Parsed(encoded),
              let key = derive(password, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p,
                               keyLength: parsed.key.count)
        else { return false }
        return key.withUnsafeBytes { a in
            parsed.key.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// Verified against when a login does not exist, so a wrong login costs as long as a wrong
    /// password and timing does not reveal which logins exist. Computed on first use.
    public static let dummyHash: String = {
        let random = Tokens.randomBytes(24).map { String($0, radix: 16) }.joined()
        return hash(random, logN: 15)
    }()

    /// The unambiguous alphabet of one-time passwords: no 0/o, 1/l/i.
    static let oneTimeAlphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// A one-time password for roster import and resets: 12 characters in groups of four,
    /// like "abcd-efgh-jkmn" (about 59 bits).
    public static func generateOneTime() -> String {
        let n = oneTimeAlphabet.count
        let limit = 256 - 256 % n  // rejection sampling: bytes ≥ limit would bias the result
        var chars: [Character] = []
        while chars.count < 12 {
            for b in Tokens.randomBytes(16) where Int(b) < limit && chars.count < 12 {
                chars.append(oneTimeAlphabet[Int(b) % n])
            }
        }
        return "\(String(chars[0..<4]))-\(String(chars[4..<8]))-\(String(chars[8..<12]))"
    }

    /// nil if the password is acceptable as a new password, else the reason as a sentence.
    /// Lengths count characters as people see them.
    public static func validateNew(_ password: String) -> String? {
        let count = password.count
        if count < 8 { return "The password must be at least 8 characters long." }
        if count > 256 { return "The password must be at most 256 characters long." }
        return nil
    }

    // MARK: - Internals

    /// The memory scrypt needs (V plus B, as OpenSSL counts it) with a little headroom.
    static func memoryNeeded(logN: Int, r: UInt64, p: UInt64) -> UInt64 {
        128 * r * ((UInt64(1) << UInt64(logN)) + 2 + p) + (1 << 20)
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: UInt64, p: UInt64, keyLength: Int) -> [UInt8]? {
        guard (1...maxLogN).contains(logN), (1...32).contains(r), (1...16).contains(p),
              memoryNeeded(logN: logN, r: r, p: p) <= memoryNeeded(logN: maxLogN, r: Self.r, p: Self.p),
              (16...64).contains(keyLength), !salt.isEmpty
        else { return nil }
        let pass = Array(password.utf8)
        var key = [UInt8](repeating: 0, count: keyLength)
        let ok = pass.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { s in
                key.withUnsafeMutableBufferPointer { k in
                    pw.withMemoryRebound(to: CChar.self) { pwc in
                        EVP_PBE_scrypt(pwc.baseAddress, pwc.count, s.baseAddress, s.count,
                                       UInt64(1) << UInt64(logN), r, p, memoryNeeded(logN: logN, r: r, p: p),
                                       k.baseAddress, k.count)
                    }
                }
            }
        }
        return ok == 1 ? key : nil
    }

    /// The fields of "scrypt$ln=N,r=R,p=P$salt$key".
    struct Parsed {
        var logN: Int
        var r: UInt64
        var p: UInt64
        var salt: [UInt8]
        var key: [UInt8]

        init?(_ encoded: String) {
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "scrypt" else { return nil }
            var values: [String: UInt64] = [:]
            for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                let kv = item.split(separator: "=", omittingEmptySubsequences: false)
                guard kv.count == 2, let v = UInt64(kv[1]), values[String(kv[0])] == nil else { return nil }
                values[String(kv[0])] = v
            }
            guard values.count == 3, let ln = values["ln"], let r = values["r"], let p = values["p"],
                  ln <= UInt64(Passwords.maxLogN),
                  let salt = Data(base64Encoded: String(parts[2])), let key = Data(base64Encoded: String(parts[3]))
            else { return nil }
            self.logN = Int(ln)
            self.r = r
            self.p = p
            self.salt = Array(salt)
            self.key = Array(key)
        }
    }
}
