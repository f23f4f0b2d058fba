import PluginAPI
import Testing
@testable import BerthIdentity

struct BearerTokenTests {
    @Test func theTokenComesFromTheAuthorizationField() throws {
        #expect(try BearerToken.presented(in: ["Authorization": "Bearer abc.def.ghi"], cookie: nil) == "abc.def.ghi")
        #expect(try BearerToken.presented(in: ["authorization": "bearer abc.def.ghi"], cookie: nil) == "abc.def.ghi")
    }

    @Test func anotherSchemeOrNoFieldMeansAnonymous() throws {
        #expect(try BearerToken.presented(in: ["Authorization": "Basic dXNlcjpwYXNz"], cookie: nil) == nil)
        #expect(try BearerToken.presented(in: [:], cookie: nil) == nil)
    }

    @Test func anEmptyOrRepeatedBearerIsMalformed() throws {
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearer "], cookie: nil) }
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearer a b"], cookie: nil) }
        var two = HTTPHeaders()
        two.add(name: "Authorization", value: "Bearer a.b.c")
        two.add(name: "Authorization", value: "Bearer d.e.f")
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: two, cookie: nil) }
    }

    @Test func aNamedCookieCarriesTheTokenWhenNoFieldDoes() throws {
        let headers: HTTPHeaders = ["Cookie": "theme=dark; sb-access-token=abc.def.ghi; x=1"]
        #expect(try BearerToken.presented(in: headers, cookie: "sb-access-token") == "abc.def.ghi")
        #expect(try BearerToken.presented(in: headers, cookie: nil) == nil)
        #expect(try BearerToken.presented(in: headers, cookie: "other") == nil)
    }

    @Test func theTokenStartsAfterTheSchemeAndItsSpacesAndRunsToTheEnd() throws {
        #expect(try BearerToken.presented(in: ["Authorization": "BEARER    abc.def.ghi"], cookie: nil) == "abc.def.ghi")
        #expect(try BearerToken.presented(in: ["AUTHORIZATION": "Bearer abc.def.ghi"], cookie: nil) == "abc.def.ghi")
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearer"], cookie: nil) }
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearerabc.def.ghi"], cookie: nil) }
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearer    "], cookie: nil) }
        #expect(throws: AuthenticationError.self) { try BearerToken.presented(in: ["Authorization": "Bearer abc.def.ghi "], cookie: nil) }
        #expect(try BearerToken.presented(in: ["Authorization": "Bear abc"], cookie: nil) == nil)
    }

    @Test func aCookieIsFoundByItsExactNameWhereverItStands() throws {
        #expect(BearerToken.cookieValue(named: "t", in: "t=first") == "first")
        #expect(BearerToken.cookieValue(named: "t", in: "a=1;t=second") == "second")
        #expect(BearerToken.cookieValue(named: "t", in: "a=1;   t=third;b=2") == "third")
        #expect(BearerToken.cookieValue(named: "t", in: "tt=no; at=no; t") == nil)
        #expect(BearerToken.cookieValue(named: "t", in: "t=; t=later") == nil)
        #expect(BearerToken.cookieValue(named: "t", in: ";;") == nil)
        #expect(BearerToken.cookieValue(named: "t", in: "") == nil)
    }
}
