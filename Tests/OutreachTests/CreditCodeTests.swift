import Outreach
import Testing

@Suite("统一社会信用代码 (GB 32100-2015)")
struct CreditCodeTests {
    /// Codes published as valid in python-stdnum's test suite (tests/test_cn_uscc.doctest), which
    /// checks the same weights and alphabet independently; used only to check the arithmetic.
    @Test(
        "published valid codes pass",
        arguments: [
            "91110000600037341L", "121200004013590816", "9144030071526726XG", "91310115MA1K3BTP2B",
            "913101127033980359", "91340600MA2PBM9HXD", "92340603MA2PBQ16XJ", "91620105L015101280",
        ])
    func publishedCodesPass(code: String) {
        #expect(CreditCode.validate(code) == .success(code))
    }

    @Test("the check character is 31 − (Σ value × 3^(i−1) mod 31) mod 31, with 31 counting as 0")
    func checkCharacterArithmetic() {
        #expect(CreditCode.weights == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
        #expect(
            CreditCode.weights.enumerated().allSatisfy { index, weight in
                var power = 1
                for _ in 0..<index { power = power * 3 % 31 }
                return power == weight
            })
        #expect(CreditCode.checkCharacter(for: Array("91110000600037341")) == "L")
        #expect(CreditCode.checkCharacter(for: Array("12120000401359081")) == "6")
        #expect(CreditCode.alphabet.count == 31)
        #expect(!CreditCode.alphabet.contains { "IOZSV".contains($0) })
    }

    @Test("a wrong check character is reported with the one it should be")
    func wrongCheckCharacter() {
        #expect(CreditCode.validate("91110000600037341N") == .failure(.checkCharacter(expected: "L", found: "N")))
        let problem = CreditCode.Problem.checkCharacter(expected: "L", found: "N")
        #expect(problem.description == "统一社会信用代码校验位不对：按前17位应为「L」，这里是「N」；请核对是否抄错")
    }

    @Test(
        "malformed codes are rejected with what is wrong",
        arguments: [
            ("", CreditCode.Problem.missing),
            ("12345", .length(5)),
            ("9111000060003IOZSV", .character("I", position: 14)),
            ("91AB0000600037341L", .divisionCode("AB0000")),
        ])
    func malformed(text: String, problem: CreditCode.Problem) {
        #expect(CreditCode.validate(text) == .failure(problem))
    }

    @Test("spaces, hyphens and lower case are tolerated and the code comes back canonical")
    func canonicalForm() {
        #expect(CreditCode.validate("91 110000 600037341l") == .success("91110000600037341L"))
        #expect(CreditCode.validate("91-110000-600037341L") == .success("91110000600037341L"))
    }

    @Test("a registering authority written as a letter (Y 其他) is allowed; positions 3–8 must be digits")
    func letterAuthority() {
        let code = CreditCode.completing("Y1150602MAEXAMP01")
        #expect(CreditCode.validate(code) == .success(code))
    }

    @Test("the sample roster's fake codes are valid")
    func fakeCodes() {
        for code in [
            "91150602MAEXAMP01A", "91150602MAEXAMP02D", "91150602MAEXAMP03G", "91150602MAEXAMP04K",
            "91150602MAEXAMP05N",
        ] {
            #expect(CreditCode.validate(code) == .success(code))
        }
    }
}
