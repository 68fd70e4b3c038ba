import Testing
@testable import AtriumCore

@Suite("Roster parser")
struct RosterParserTests {
    @Test func simpleFileWithHeader() {
        let (rows, issues) = RosterParser.parse("""
        login,full name,role,class
        Anna.K,Anna Karenina,teacher,
        boris,Boris Godunov,student,7B
        """)
        #expect(issues == [])
        #expect(rows == [
            RosterRow(line: 2, login: "anna.k", name: "Anna Karenina", role: .teacher, group: nil),
            RosterRow(line: 3, login: "boris", name: "Boris Godunov", role: .student, group: "7B"),
        ])
    }

    @Test func russianExcelWithSemicolonsBOMAndCRLF() {
        let text = "\u{FEFF}Логин;ФИО;Роль;Класс\r\nivanov;Иванов Иван Иванович;Ученик;7Б\r\npetrova;\"Петрова, Мария\";УЧИТЕЛЬ\r\n"
            + "sidorov;Сидоров С.;родитель;\r\nfirm;\"ООО \"\"Ромашка\"\"\";партнер;\r\nfirm2;Партнёр;Партнёр;\r\nboss;Директор;администратор;\r\n"
        let (rows, issues) = RosterParser.parse(text)
        #expect(issues == [])
        #expect(rows.map(\.login) == ["ivanov", "petrova", "sidorov", "firm", "firm2", "boss"])
        #expect(rows.map(\.role) == [.student, .teacher, .parent, .partner, .partner, .admin])
        #expect(rows[0].group == "7Б" && rows[1].group == nil)
        #expect(rows[1].name == "Петрова, Мария")
        #expect(rows[3].name == "ООО \"Ромашка\"")
        #expect(rows.map(\.line) == [2, 3, 4, 5, 6, 7])
    }

    @Test func quotedFieldsWithCommaQuoteAndNewline() {
        let text = "a1,\"Smith, John \"\"Jack\"\"\",student,\"5A\"\n\"b2\",\"Line one\nline two\",parent\nc3,Carl,teacher"
        let (rows, issues) = RosterParser.parse(text)
        #expect(issues == [])
        #expect(rows.map(\.line) == [1, 2, 4])  // the quoted newline makes record 2 span lines 2–3
        #expect(rows[0].name == "Smith, John \"Jack\"" && rows[0].group == "5A")
        #expect(rows[1].name == "Line one\nline two")
        #expect(rows[2].login == "c3")
    }

    @Test func delimiterIsDetectedFromTheFirstNonEmptyLine() {
        #expect(CSVReader.detectDelimiter(Array("\n\na;b,c;d\n".unicodeScalars)) == ";")
        #expect(CSVReader.detectDelimiter(Array("\"x;y;z\",b,c\n".unicodeScalars)) == ",")
        let (rows, _) = RosterParser.parse("\n\nanna;Anna, K.;student\n")
        #expect(rows.first?.name == "Anna, K." && rows.first?.line == 3)
    }

    @Test func blankLinesAndPaddingAreSkipped() {
        let (rows, issues) = RosterParser.parse("\n  \nanna,Anna,student,,,\n,,,\n\nboris,Boris,student\n\n")
        #expect(issues == [])
        #expect(rows.map(\.line) == [3, 6])
    }

    @Test func everyIssueKindWithItsLine() {
        let text = """
        login;name;role;group
        ok1;Good Person;student;1A
        Bad Login!;Someone;student
        x;Someone;student
        ;Nobody;student
        ok2;;student
        ok3;\(String(repeating: "я", count: 201));student
        ok4;Name;wizard
        ok5;Name;
        ok1;Again;teacher
        only;two
        a5;b;student;c;d
        "q1;"Open quote;student
        q2;"unterminated;student
        tail;more
        """
        let (rows, issues) = RosterParser.parse(text)
        #expect(rows.map(\.login) == ["ok1"])
        let byLine = Dictionary(grouping: issues, by: \.line).mapValues { $0.map(\.message) }
        #expect(byLine[3]?.first?.contains("login 'Bad Login!' is not valid") == true)
        #expect(byLine[4]?.first?.contains("login 'x' is not valid") == true)
        #expect(byLine[5] == ["the login is missing."])
        #expect(byLine[6] == ["the full name is missing."])
        #expect(byLine[7] == ["the full name is longer than 200 characters."])
        #expect(byLine[8]?.first?.hasPrefix("the role 'wizard' is not known") == true)
        #expect(byLine[9]?.first?.hasPrefix("the role is missing") == true)
        #expect(byLine[10] == ["the login 'ok1' is already used on line 2."])
        #expect(byLine[11] == ["expected 3 or 4 columns (login, full name, role, class or group), found 2."])
        #expect(byLine[12] == ["expected 3 or 4 columns (login, full name, role, class or group), found 5."])
        #expect(byLine[13]?.first?.contains("closing quote") == true)
        #expect(byLine[14] == ["a quoted field opened on line 14 is never closed."])
        #expect(issues.count == 12)
        #expect(issues[0].description.hasPrefix("line 3: "))
    }

    @Test func severalProblemsOnOneLineAreAllReported() {
        let (rows, issues) = RosterParser.parse("B A D,,nobody")
        #expect(rows.isEmpty)
        #expect(issues.count == 3 && issues.allSatisfy { $0.line == 1 })
    }

    @Test func headerOnlyOnTheFirstRecord() {
        let (rows, issues) = RosterParser.parse("anna,Anna,student\nlogin,Login Person,student")
        #expect(issues == [])
        #expect(rows.map(\.login) == ["anna", "login"])
        #expect(RosterParser.parse("LOGIN,NAME,ROLE").rows.isEmpty)
        #expect(RosterParser.parse("").rows.isEmpty && RosterParser.parse("").issues.isEmpty)
    }
}

@Suite("Roster parent links")
struct RosterParentLinkTests {
    @Test func aParentsFourthColumnNamesTheirChildren() {
        let (rows, issues) = RosterParser.parse("""
            login;name;role;class
            masha;Маша Иванова;ученик;7А
            olga;Ольга Иванова;родитель;"masha, dima"
            ivan;Иван Петров;parent;
            bad;Bad Parent;parent;BAD LOGIN!
            """)
        #expect(issues.map(\.line) == [5])
        #expect(rows.first { $0.login == "olga" }?.children == ["masha", "dima"])
        #expect(rows.first { $0.login == "olga" }?.group == nil)
        #expect(rows.first { $0.login == "ivan" }?.children == [])
        #expect(rows.first { $0.login == "masha" }?.group == "7А")
    }
}
