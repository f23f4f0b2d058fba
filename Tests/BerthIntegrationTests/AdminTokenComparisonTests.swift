import BerthTestSupport
import Testing

/// The admin token is compared over the full lengths of both sides: no length (a multiple of 256
/// included) lets an empty, shortened, repeated or extended bearer through.
struct AdminTokenComparisonTests {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    static func token(length: Int) -> String {
        String((0 ..< length).map { alphabet[($0 * 7 + $0 / alphabet.count) % alphabet.count] })
    }

    @Test(arguments: [1, 64, 255, 256, 257, 512, 4096])
    func onlyTheExactTokenIsAccepted(length: Int) throws {
        let folder = try TemporaryDirectory("berth-token")
        defer { folder.remove() }
        let token = Self.token(length: length)
        let berth = BerthProcess(home: folder.appending("home"), token: token)
        try berth.start()
        defer { berth.stop() }
        let wrong: [(String, String)] = [
            ("empty", ""),
            ("prefix", String(token.dropLast())),
            ("first character", String(token.prefix(1))),
            ("repeated twice", token + token),
            ("repeated five times", String(repeating: token, count: 5)),
            ("suffixed", token + "x"),
            ("last character changed", String(token.dropLast()) + (token.last == "a" ? "b" : "a")),
            ("256 zero bytes' worth of padding", token + String(repeating: "a", count: 256)),
        ]
        for (label, bearer) in wrong where bearer != token {
            let reply = try HTTPTestClient(port: berth.port, token: bearer).send("GET", "/api/v1/addons")
            // A bearer past the 16 KiB head limit is refused before the token is looked at.
            let expected = bearer.utf8.count > 16_000 ? 431 : 401
            #expect(reply.status == expected, "length \(length), \(label): \(reply.status)")
        }
        let raw = try HTTPTestClient(port: berth.port).send("GET", "/api/v1/addons", headers: ["Authorization": "Bearer"])
        #expect(raw.status == 401, "length \(length), 'Bearer' without a token")
        #expect(try berth.admin.send("GET", "/api/v1/addons").status == 200, "length \(length), the real token")
    }
}
