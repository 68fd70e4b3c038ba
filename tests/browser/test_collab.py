"""Browser tests of co-editing (docs/collab.md): live documents and boards in two (or three)
headless Chromium sessions at once — simultaneous typing and board changes converging, one
session going offline (through the cuttable proxy), editing and coming back, the teacher's
lock, and moving cards from the keyboard.

Run through tests/browser/run.sh (with test_client.py, against the same server). Each test has
its own room (made in run.sh): carol owns it (a teacher: `facilitate`), alice and bob are
members (`edit_boards`)."""

import threading
import unittest

from selenium.common.exceptions import ElementNotInteractableException, InvalidElementStateException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from proxy import CuttableProxy
from test_client import URL, WAIT, Page

ALICE, BOB, CAROL = "Алиса Кузнецова", "Борис Петров", "Елена Петрова"

# Every column of the board with its (not archived) cards, as the person sees them.
BOARD_JS = """
return [...document.querySelectorAll('.board-columns > .board-column[data-column]')].map(col => [
  col.querySelector('.column-title').textContent,
  [...col.querySelectorAll('.cards > .card-item > .board-card')].map(c => [
    c.querySelector('.card-title').textContent,
    [...c.querySelectorAll('.card-labels .card-label')].map(l => l.textContent)])]);
"""


def at_once(*actions):
    """Runs each action in its own thread (each drives its own browser) and waits for all;
    re-raises the first failure."""
    errors = []

    def run(action):
        try:
            action()
        except BaseException as e:   # noqa: BLE001 — reported below
            errors.append(e)
    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]


def as_lists(board):
    """Selenium gives JSON arrays back as lists; make the whole board comparable."""
    return [[col, [[title, list(labels)] for title, labels in cards]] for col, cards in board]


class CollabPage(Page):
    """A browser on a room's board or documents."""

    # ---- navigation ----

    def go(self, fragment):
        """Moves inside the single-page client (no reload: works offline too)."""
        self.js("location.hash = arguments[0]", fragment)

    def open_work(self, room):
        self.d.get(f"{self.base}/#/room/{room}/work")
        self.wait(lambda: self.js("const b = document.querySelector('.doc-list .doc-new'); return !!b && !b.hidden"),
                  message="the document list never offered a new document")

    def create_doc(self, room, title):
        """Creates a document from the room's work page; → its id (the editor opens)."""
        self.open_work(room)
        self.d.find_element(By.CSS_SELECTOR, ".doc-list .doc-new").click()
        box = self.wait(lambda: self.d.find_element(By.CSS_SELECTOR, ".doc-list .doc-new-input"))
        box.send_keys(title + Keys.ENTER)
        prefix = f"#/room/{room}/doc/"
        self.wait(lambda: self.js("return location.hash").startswith(prefix), message="the new document did not open")
        self.wait_doc_ready()
        self.test.assertEqual(self.d.find_element(By.ID, "doc-title").text, title)
        return self.js("return location.hash")[len(prefix):]

    def open_doc(self, room, doc):
        self.d.get(f"{self.base}/#/room/{room}/doc/{doc}")
        self.wait_doc_ready()

    def open_board(self, room):
        self.d.get(f"{self.base}/#/room/{room}/board")
        self.wait_board_settled()

    # ---- documents ----

    def wait_doc_ready(self, timeout=WAIT):
        self.wait(lambda: self.js("const w = document.querySelector('.doc-editor-wrap'); return !!w && !w.hidden"),
                  timeout, "the document editor never showed")
        self.wait_saved(timeout)

    def save_state(self):
        return self.js("return document.getElementById('doc-save')?.dataset.state")

    def wait_saved(self, timeout=WAIT):
        self.wait(lambda: self.save_state() == "saved", timeout, f"the document never got saved ({self.save_state()})")

    def doc_area(self):
        return self.d.find_element(By.CSS_SELECTOR, "textarea.doc-text")

    def doc_text(self):
        return self.js("return document.querySelector('textarea.doc-text').value")

    def caret_at(self, position):
        """Focuses the editor with the caret at `position` (UTF-16 index; -1: the end)."""
        self.js("const t = document.querySelector('textarea.doc-text'); t.focus();"
                "const p = arguments[0] < 0 ? t.value.length : arguments[0]; t.setSelectionRange(p, p);", position)

    def type_doc(self, text):
        self.doc_area().send_keys(text)

    def insert_doc(self, text):
        """Inserts text at the caret through the browser's editing (as a paste or an input method
        does: an `input` event). chromedriver cannot type characters outside the BMP."""
        done = self.js("const t = document.querySelector('textarea.doc-text'); t.focus();"
                       "return document.execCommand('insertText', false, arguments[0]);", text)
        self.test.assertTrue(done, "execCommand insertText refused")

    def caret_labels(self):
        """Names on the others' cursors drawn in the editor (only the visible ones)."""
        return sorted(e.text for e in self.d.find_elements(By.CSS_SELECTOR, ".doc-mirror .doc-caret-label") if e.is_displayed())

    def notices(self):
        return self.js("return [...document.querySelectorAll('#doc-notices .doc-notice-text')].map(e => e.textContent)")

    # ---- boards ----

    def board(self):
        return as_lists(self.js(BOARD_JS))

    def board_status(self):
        return self.js("return document.getElementById('board-status')?.textContent ?? null")

    def wait_board_settled(self, timeout=WAIT):
        """The board is shown (opened or cached) and nothing of ours waits to be confirmed."""
        self.wait(lambda: self.js("""
            const s = document.getElementById('board-status');
            return !!s && s.textContent === '' && !document.querySelector('.board-card.unsynced') &&
              (!!document.querySelector('.board-columns > .board-column[data-column]') || !!document.getElementById('board-quick-start'));
        """), timeout, f"the board never settled (status: {self.board_status()!r})")

    def click(self, find, message=""):
        """Clicks what `find()` returns once it is there (again if a re-render replaced it)."""
        def attempt():
            element = find()
            if not element:
                return False
            element.click()
            return True
        self.wait(attempt, message=message)

    def quick_start(self):
        self.click(lambda: self.d.find_element(By.ID, "board-quick-start"), "no quick start")
        self.wait(lambda: [c for c, _ in self.board()] == ["Сделать", "В работе", "Готово"], message="no starter columns")

    def column_el(self, title):
        return self.js("return [...document.querySelectorAll('.board-columns > .board-column[data-column]')]"
                       ".find(c => c.querySelector('.column-title').textContent === arguments[0]) ?? null", title)

    def card_el(self, title):
        return self.js("return [...document.querySelectorAll('.board-card')]"
                       ".find(c => c.querySelector('.card-title').textContent === arguments[0]) ?? null", title)

    def cards_in(self, column):
        return next((cards for col, cards in self.board() if col == column), None)

    def add_card(self, column, title):
        self.add_card_field(column).send_keys(title + Keys.ENTER)
        self.wait(lambda: title in [t for t, _ in self.cards_in(column) or []], message=f"{title!r} never showed in {column!r}")

    def add_card_field(self, column):
        """The column's "add a card" field, opened."""
        def input_box():
            # (a column's node is rebuilt on every change; its add form is kept)
            col = self.column_el(column)
            box = col.find_element(By.CSS_SELECTOR, "textarea.add-card-input")
            if box.is_displayed():
                return box
            col.find_element(By.CSS_SELECTOR, ".add-card-open").click()
            return False
        return self.wait(input_box, message=f"no way to add a card to {column!r}")

    def focus_card(self, title, part=None):
        """Focuses the card (or the element `part` in it), as Tab would."""
        self.wait(lambda: self.js("""
            const card = [...document.querySelectorAll('.board-card')].find(c => c.querySelector('.card-title').textContent === arguments[0]);
            const target = card && (arguments[1] ? card.querySelector(arguments[1]) : card);
            if (!target) return false;
            target.focus();
            return document.activeElement === target;""", title, part), message=f"cannot focus {title!r}")

    def card_keys(self, title, key):
        """Focuses the card and presses Alt + `key` (the keyboard move)."""
        self.focus_card(title)
        ActionChains(self.d).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()

    def open_card(self, title):
        self.click(lambda: self.card_el(title) and self.card_el(title).find_element(By.CSS_SELECTOR, ".card-title"), f"no card {title!r}")
        return self.wait(lambda: self.d.find_element(By.CSS_SELECTOR, "dialog[open].card-dialog"))

    def close_dialog(self):
        self.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-actions .button.primary").click()
        self.wait(lambda: not self.d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the dialog stayed open")

    def move_with_dialog(self, title, column, position_text=None):
        """The card's "Move" button, from the keyboard: Enter on it, pick the column (and the
        place), Enter on "Move"."""
        self.focus_card(title, ".card-move")
        ActionChains(self.d).send_keys(Keys.ENTER).perform()
        select = self.wait(lambda: self.d.find_element(By.CSS_SELECTOR, "dialog[open] #move-column"))
        self.test.assertEqual(self.js("return document.activeElement.id"), "move-column", "the move dialog does not start at the column")
        Select(select).select_by_visible_text(column)
        if position_text:
            Select(self.d.find_element(By.CSS_SELECTOR, "dialog[open] #move-position")).select_by_visible_text(position_text)
        self.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-actions button[type=submit]").send_keys(Keys.ENTER)
        self.wait(lambda: not self.d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the move dialog stayed open")

    def announced(self):
        return self.js("return document.getElementById('board-announce').textContent")

    # ---- the link ----

    def conn_state(self):
        return self.js("const e = document.getElementById('conn-state'); return e && e.dataset.state")

    def reconnect(self, timeout=40):
        """Waits for the link to come back, pressing "retry now" instead of waiting out the backoff."""
        def back():
            state = self.conn_state()
            if state in ("reconnecting", "offline"):
                self.js("document.querySelector('#conn-banner button')?.click()")
            return state == "connected"
        self.wait(back, timeout, "never reconnected")


def converged(pages, read):
    """Every page shows the same (non-empty) thing."""
    seen = [read(p) for p in pages]
    return all(s == seen[0] for s in seen) and seen[0]


class DocumentTests(unittest.TestCase):
    def test_two_people_type_into_one_document_at_once_and_converge(self):
        room = "collab-live"
        a, b = CollabPage(self), CollabPage(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        b.open_work(room)
        doc = a.create_doc(room, "Конспект урока")
        # bob's list gains it live; he opens it from there
        b.click(lambda: next((e for e in b.d.find_elements(By.CSS_SELECTOR, ".doc-list a.doc-link") if "Конспект урока" in e.text), None),
                "bob's document list never showed the new document")
        b.wait(lambda: b.js("return location.hash") == f"#/room/{room}/doc/{doc}")
        b.wait_doc_ready()
        for p in (a, b):
            p.doc_area().click()

        # Both type at the same moment (one thread per browser), Cyrillic and emoji included.
        alice_parts = ["Алиса: ", "ёжик в тумане", ", ", ("😀",), " щука и ёрш", ". "]
        bob_parts = ["Борис: ", "мир, труд, май", " ", ("🚀🌍",), " — Hello", "! "]

        def typist(page, parts):
            def run():
                for part in parts:
                    if isinstance(part, tuple):
                        page.insert_doc(part[0])
                    else:
                        page.type_doc(part)
            return run
        at_once(typist(a, alice_parts), typist(b, bob_parts))
        alice_text = "".join(p[0] if isinstance(p, tuple) else p for p in alice_parts)
        bob_text = "".join(p[0] if isinstance(p, tuple) else p for p in bob_parts)

        for p in (a, b):
            p.wait_saved()
        a.wait(lambda: converged((a, b), CollabPage.doc_text) and a.save_state() == b.save_state() == "saved",
               message=f"the documents differ: {a.doc_text()!r} / {b.doc_text()!r}")
        text = a.doc_text()
        self.assertEqual(len(text), len(alice_text) + len(bob_text), f"lost or doubled characters: {text!r}")
        for part in alice_parts + bob_parts:
            self.assertIn(part[0] if isinstance(part, tuple) else part, text)
        # Each typed at their own caret: the others' inserts at it never split one's own text.
        self.assertIn(text, (alice_text + bob_text, bob_text + alice_text))

        # Each sees the other's cursor with the other's name, and the other in "here now".
        a.wait(lambda: a.caret_labels() == [BOB], message="alice does not see bob's cursor")
        b.wait(lambda: b.caret_labels() == [ALICE], message="bob does not see alice's cursor")
        self.assertIn(BOB, a.d.find_element(By.CSS_SELECTOR, ".doc-people").text)

        # The server agrees: a fresh session (the teacher) gets the same text and both cursors.
        c = CollabPage(self)
        c.sign_in_ok("carol")
        c.open_doc(room, doc)
        self.assertEqual(c.doc_text(), text)
        c.wait(lambda: c.caret_labels() == sorted([ALICE, BOB]), message="carol does not see both cursors")
        c.shot("doc.png")
        # and alice's reload too
        a.d.refresh()
        a.wait_doc_ready()
        self.assertEqual(a.doc_text(), text)

    def test_teacher_locks_the_document_and_unlocks_it(self):
        room = "collab-live"
        c, a = CollabPage(self), CollabPage(self)
        c.sign_in_ok("carol")
        a.sign_in_ok("alice")
        doc = c.create_doc(room, "Правила проекта")
        c.caret_at(-1)
        c.type_doc("Правила: уважать друг друга.")
        c.wait_saved()
        a.open_doc(room, doc)
        self.assertEqual(a.doc_text(), "Правила: уважать друг друга.")
        self.assertFalse(a.d.find_element(By.ID, "doc-lock-toggle").is_displayed(), "a student may lock")
        a.caret_at(-1)
        a.type_doc(" Я согласна.")
        c.wait(lambda: c.doc_text() == "Правила: уважать друг друга. Я согласна.", message="alice's edit never reached carol")

        lock = c.d.find_element(By.ID, "doc-lock-toggle")
        self.assertEqual(lock.text, "Закрыть для правок")
        lock.click()
        a.wait(lambda: a.js("return document.querySelector('textarea.doc-text').readOnly"), message="alice's editor stayed editable")
        banner = a.wait(lambda: a.visible_text("#doc-banner"), message="no locked banner for alice")
        self.assertEqual(banner, "Учитель закрыл документ для правок. Его можно читать, но не изменять.")
        self.assertEqual(a.doc_area().get_attribute("aria-readonly"), "true")
        self.assertIn("изменять его сейчас можете только вы", c.wait(lambda: c.visible_text("#doc-banner")))
        c.wait(lambda: c.d.find_element(By.ID, "doc-lock-toggle").get_attribute("aria-pressed") == "true")
        # alice's keys change nothing (the browser or the editor refuses them)
        a.caret_at(-1)
        try:
            a.type_doc(" Попытка.")
        except (InvalidElementStateException, ElementNotInteractableException):
            pass   # chromedriver may refuse keys into a read-only field
        a.js("const t = document.querySelector('textarea.doc-text'); t.focus(); document.execCommand('insertText', false, 'X');")
        self.assertEqual(a.doc_text(), "Правила: уважать друг друга. Я согласна.")
        # the teacher still writes, and alice sees it
        c.caret_at(-1)
        c.type_doc(" Учитель.")
        a.wait(lambda: a.doc_text() == "Правила: уважать друг друга. Я согласна. Учитель.", message="carol's edit under the lock never reached alice")
        self.assertEqual(a.save_state(), "saved")
        # the room's list marks it locked
        w = CollabPage(self)
        w.sign_in_ok("bob")
        w.open_work(room)
        w.wait(lambda: [e for e in w.d.find_elements(By.CSS_SELECTOR, ".doc-list .doc-list-item")
                        if "Правила проекта" in e.text and e.find_elements(By.CSS_SELECTOR, ".doc-link-locked")],
               message="the list does not mark the document locked")

        c.d.find_element(By.ID, "doc-lock-toggle").click()
        a.wait(lambda: not a.js("return document.querySelector('textarea.doc-text').readOnly"), message="the unlock did not reach alice")
        a.wait(lambda: a.visible_text("#doc-banner") == "", message="the locked banner stayed")
        a.caret_at(-1)
        a.type_doc(" Снова можно.")
        c.wait(lambda: c.doc_text() == "Правила: уважать друг друга. Я согласна. Учитель. Снова можно.",
               message="alice's edit after the unlock never reached carol")
        a.wait_saved()


class BoardTests(unittest.TestCase):
    def test_two_people_change_one_board_at_once_and_converge(self):
        room = "collab-live"
        a, b = CollabPage(self), CollabPage(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.open_board(room)
        b.open_board(room)
        a.quick_start()
        b.wait(lambda: [c for c, _ in b.board()] == ["Сделать", "В работе", "Готово"], message="bob never saw the columns")

        # a title being typed survives someone else's change to the board: the field keeps the focus
        a.add_card_field("Сделать").send_keys("Собрать")
        b.add_card("Сделать", "Купить моторы")
        a.wait(lambda: [t for t, _ in a.cards_in("Сделать")] == ["Купить моторы"], message="alice never saw bob's card")
        ActionChains(a.d).send_keys(" шасси" + Keys.ENTER).perform()   # to wherever the focus is
        a.wait(lambda: [t for t, _ in a.cards_in("Сделать")] == ["Купить моторы", "Собрать шасси"],
               message=f"the title typed across bob's change was lost: {a.cards_in('Сделать')}")
        # both add cards to the same column at the same moment
        at_once(lambda: a.add_card("Сделать", "Написать код"), lambda: b.add_card("Сделать", "Нарисовать схему"))
        for p in (a, b):
            p.wait_board_settled()
        a.wait(lambda: converged((a, b), CollabPage.board) and len(a.cards_in("Сделать")) == 4,
               message=f"the boards differ: {a.board()} / {b.board()}")
        self.assertEqual(sorted(t for t, _ in a.cards_in("Сделать")), ["Купить моторы", "Написать код", "Нарисовать схему", "Собрать шасси"])
        # each person's cards keep their own order
        titles = [t for t, _ in a.cards_in("Сделать")]
        self.assertLess(titles.index("Собрать шасси"), titles.index("Написать код"))
        self.assertLess(titles.index("Купить моторы"), titles.index("Нарисовать схему"))

        # both edit different fields of the same card at the same moment: one's title, the other's label
        a.open_card("Написать код")
        b.open_card("Написать код")

        def retitle():
            box = a.d.find_element(By.CSS_SELECTOR, "dialog[open] .card-title-input")
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys("Написать код движения" + Keys.ENTER)

        def label():
            b.d.find_element(By.CSS_SELECTOR, "dialog[open] input[id$='-label']").send_keys("срочно" + Keys.ENTER)
        at_once(retitle, label)
        # each open dialog follows the other's change live
        b.wait(lambda: b.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-title").text == "Написать код движения",
               message="bob's open card never showed alice's title")
        a.wait(lambda: "срочно" in a.d.find_element(By.CSS_SELECTOR, "dialog[open] .card-labels").text,
               message="alice's open card never showed bob's label")
        a.close_dialog()
        b.close_dialog()

        # both move the same card at the same moment, to different columns: one place wins everywhere
        at_once(lambda: a.card_keys("Купить моторы", Keys.ARROW_RIGHT),
                lambda: b.move_with_dialog("Купить моторы", "Готово"))
        for p in (a, b):
            p.wait_board_settled()
        a.wait(lambda: converged((a, b), CollabPage.board), message=f"the boards differ: {a.board()} / {b.board()}")
        board = a.board()
        where = [col for col, cards in board if "Купить моторы" in [t for t, _ in cards]]
        self.assertEqual(len(where), 1, board)
        self.assertIn(where[0], ("В работе", "Готово"))
        # both field changes are kept
        self.assertIn(["Написать код движения", ["срочно"]], a.cards_in("Сделать"))
        self.assertEqual(sum(len(cards) for _, cards in board), 4, board)
        # the server agrees: a fresh session shows the same board
        c = CollabPage(self)
        c.sign_in_ok("carol")
        c.open_board(room)
        c.wait(lambda: c.board() == board, message=f"carol's board differs: {c.board()} / {board}")
        b.shot("board.png")

    def test_keyboard_moves_a_card(self):
        room = "collab-keys"
        a, b = CollabPage(self), CollabPage(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.open_board(room)
        b.open_board(room)
        a.quick_start()
        for title in ("Первая", "Вторая", "Третья"):
            a.add_card("Сделать", title)
        b.wait(lambda: [t for t, _ in b.cards_in("Сделать") or []] == ["Первая", "Вторая", "Третья"], message="bob never saw the cards")

        # Alt+Down: one place down; the focus stays on the card; the move is announced
        a.card_keys("Первая", Keys.ARROW_DOWN)
        a.wait(lambda: [t for t, _ in a.cards_in("Сделать")] == ["Вторая", "Первая", "Третья"], message="Alt+Down did not move the card")
        a.wait(lambda: a.js("return document.activeElement.dataset.card") == a.card_el("Первая").get_attribute("data-card"),
               message="the focus did not stay on the moved card")
        a.wait(lambda: a.announced() == "«Первая»: колонка «Сделать», место 2 из 3.", message=f"not announced: {a.announced()!r}")
        # Alt+Right: into the next column; Alt+Up at the top says so
        a.card_keys("Первая", Keys.ARROW_RIGHT)
        a.wait(lambda: [t for t, _ in a.cards_in("В работе")] == ["Первая"], message="Alt+Right did not move the card")
        a.wait(lambda: a.announced() == "«Первая»: колонка «В работе», место 1 из 1.", message=f"not announced: {a.announced()!r}")
        a.card_keys("Первая", Keys.ARROW_UP)
        a.wait(lambda: a.announced() == "Карточка уже первая в колонке.", message=f"not announced: {a.announced()!r}")
        # plain arrows only move the focus
        a.focus_card("Вторая")
        ActionChains(a.d).send_keys(Keys.ARROW_DOWN).perform()
        a.wait(lambda: a.js("return document.activeElement.querySelector('.card-title')?.textContent") == "Третья",
               message="ArrowDown did not move the focus to the next card")
        self.assertEqual([t for t, _ in a.cards_in("Сделать")], ["Вторая", "Третья"])

        # the Move dialog: column and place from the keyboard
        a.move_with_dialog("Третья", "В работе", "В начало")
        a.wait(lambda: [t for t, _ in a.cards_in("В работе")] == ["Третья", "Первая"], message="the Move dialog did not move the card")
        a.wait(lambda: a.js("return document.activeElement.querySelector('.card-title')?.textContent") == "Третья",
               message="the focus did not come back to the moved card")

        for p in (a, b):
            p.wait_board_settled()
        want = [["Сделать", [["Вторая", []]]], ["В работе", [["Третья", []], ["Первая", []]]], ["Готово", []]]
        b.wait(lambda: b.board() == want, message=f"bob's board: {b.board()}")
        self.assertEqual(a.board(), want)


class OfflineTests(unittest.TestCase):
    def test_offline_edits_to_a_document_and_the_board_merge_on_reconnect(self):
        room = "collab-offline"
        host, port = URL.split("//")[1].split(":")
        proxy = CuttableProxy(host, int(port))
        self.addCleanup(proxy.close)
        a = CollabPage(self, base=proxy.url)
        b = CollabPage(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")

        # The board and a document, both loaded in alice's page before the link goes.
        a.open_board(room)
        a.quick_start()
        a.add_card("Сделать", "Общая карточка")
        a.wait_board_settled()
        doc = a.create_doc(room, "Доклад")
        a.caret_at(-1)
        a.type_doc("Введение.\nЗаключение.")
        a.wait_saved()
        b.open_doc(room, doc)
        self.assertEqual(b.doc_text(), "Введение.\nЗаключение.")

        proxy.cut(3600)
        a.wait(lambda: a.conn_state() != "connected", 10, "the drop was not noticed")
        a.wait(lambda: a.d.find_element(By.ID, "conn-banner").is_displayed(), 10, "no reconnect banner")

        # alice writes at the start while offline; it is kept on the device
        a.caret_at(0)
        a.type_doc("Офлайн: ")
        self.assertEqual(a.doc_text(), "Офлайн: Введение.\nЗаключение.")
        a.wait(lambda: a.save_state() == "savedLocally", message=f"not said to be kept on the device: {a.save_state()}")
        self.assertIn("правки сохранены на этом устройстве", a.d.find_element(By.ID, "doc-save").text)
        # bob writes at the end meanwhile
        b.caret_at(-1)
        b.type_doc(" Борис дописал.")
        b.wait_saved()

        # alice goes to the board (the page keeps working without the link): a new card, a move
        a.go(f"#/room/{room}/board")
        a.wait(lambda: "Нет связи" in (a.board_status() or ""), message="the board does not say it is offline")
        self.assertEqual([t for t, _ in a.cards_in("Сделать")], ["Общая карточка"])
        a.add_card("Сделать", "Карточка без связи")
        a.card_keys("Общая карточка", Keys.ARROW_RIGHT)
        a.wait(lambda: [t for t, _ in a.cards_in("В работе")] == ["Общая карточка"], message="the offline move was not shown")
        a.wait(lambda: "2 изменения сохранены на этом устройстве" in a.board_status(), message=f"status: {a.board_status()!r}")

        # bob changes the board meanwhile: a label on the shared card, a card of his own
        b.open_board(room)
        b.add_card("Готово", "Карточка Бориса")
        b.open_card("Общая карточка")
        b.d.find_element(By.CSS_SELECTOR, "dialog[open] input[id$='-label']").send_keys("важно" + Keys.ENTER)
        b.wait(lambda: "важно" in b.d.find_element(By.CSS_SELECTOR, "dialog[open] .card-labels").text)
        b.close_dialog()
        b.wait_board_settled()

        # alice goes back to the document, still offline: her edit is still there
        a.go(f"#/room/{room}/doc/{doc}")
        a.wait(lambda: a.js("const w = document.querySelector('.doc-editor-wrap'); return !!w && !w.hidden"),
               message="the document did not open offline")
        self.assertEqual(a.doc_text(), "Офлайн: Введение.\nЗаключение.")
        self.assertEqual(a.save_state(), "savedLocally")
        a.shot("doc-offline.png")

        proxy.restore()
        a.reconnect()
        merged = "Офлайн: Введение.\nЗаключение. Борис дописал."
        a.wait(lambda: a.doc_text() == merged and a.save_state() == "saved", 20,
               f"the document did not merge: {a.doc_text()!r} ({a.save_state()})")
        notice = a.wait(lambda: a.notices(), message="no notice of the merge")
        self.assertRegex(notice[-1], r"^Пока вы были не в сети, в документ внесли \d+ изменени(е|я|й)\. (Оно объединено|Они объединены) с вашими правками\.$")
        b.open_doc(room, doc)
        self.assertEqual(b.doc_text(), merged)

        # alice's offline board changes are sent in the background (she is on the document, not
        # the board) and reported in a toast; bob sees them without alice opening the board
        want = [["Сделать", [["Карточка без связи", []]]],
                ["В работе", [["Общая карточка", ["важно"]]]],
                ["Готово", [["Карточка Бориса", []]]]]
        toast = a.wait(lambda: [t for t in a.js("return [...document.querySelectorAll('#toasts .toast')].map(e => e.textContent)")
                                if t.startswith("Доска")], 20, "no report of the merged board changes")
        self.assertEqual(toast[-1], "Доска «Проект: доклад»: 2 ваших изменения объединены с правками других.")
        b.open_board(room)
        b.wait(lambda: b.board() == want, message=f"bob's board: {b.board()}")
        a.go(f"#/room/{room}/board")
        a.wait_board_settled()
        a.wait(lambda: a.board() == want, message=f"alice's board: {a.board()}")
