"""Browser tests of the Atrium web client in a real headless Chromium (Selenium).

Run through tests/browser/run.sh, which starts a server with fresh data and sets
ATRIUM_URL, ATRIUM_PASSWORD, ATRIUM_ARTIFACTS, ATRIUM_DOCS, and ATRIUM_CLI / ATRIUM_DATA (the
server's command line and data folder, to change room roles while the server runs)."""

import os
import shutil
import subprocess
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from proxy import CuttableProxy

URL = os.environ.get("ATRIUM_URL", "http://127.0.0.1:8080")
PASSWORD = os.environ.get("ATRIUM_PASSWORD", "secret-pass")
ARTIFACTS = os.environ.get("ATRIUM_ARTIFACTS", "artifacts/screenshots")
DOCS = os.environ.get("ATRIUM_DOCS", "")
CLI = os.environ.get("ATRIUM_CLI", "")
DATA = os.environ.get("ATRIUM_DATA", "")
WAIT = 15


def cli(*args):
    """Runs the atrium command line on the running server's data folder."""
    if not CLI or not DATA:
        raise unittest.SkipTest("ATRIUM_CLI and ATRIUM_DATA are not set (run through run.sh)")
    out = subprocess.run([CLI, *args[:2], "--data", DATA, *args[2:]], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"atrium {' '.join(args)} failed: {out.stderr or out.stdout}")
    return out.stdout


def new_driver(width=1366, height=860):
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", f"--window-size={width},{height}",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Page:
    """One browser with helpers that speak in terms of the UI."""

    def __init__(self, test, base=URL, width=1366, height=860):
        self.test = test
        self.base = base
        self.d = new_driver(width, height)
        test.addCleanup(self.quit)

    def quit(self):
        try:
            errors = [e for e in self.d.get_log("browser")
                      if e["level"] == "SEVERE" and "/api/session" not in e["message"]
                      and "WebSocket" not in e["message"] and "ERR_" not in e["message"]
                      and "/api/invite/" not in e["message"]]
            self.test.assertEqual(errors, [], "console errors in the page")
        finally:
            self.d.quit()

    def wait(self, predicate, timeout=WAIT, message=""):
        def safe(_):
            try:
                return predicate()
            except StaleElementReferenceException:
                return False
        return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(safe, message)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def open(self, path="/"):
        self.d.get(self.base + path)

    def sign_in(self, login, password=PASSWORD):
        self.open("/")
        field = self.wait(lambda: self.d.find_element(By.ID, "login"))
        field.clear()
        field.send_keys(login)
        pw = self.d.find_element(By.ID, "password")
        pw.clear()
        pw.send_keys(password + Keys.ENTER)

    def sign_in_ok(self, login):
        self.sign_in(login)
        self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, ".zones .room-link"), message="home never showed rooms")
        self.wait_connected()

    def wait_connected(self, timeout=WAIT):
        self.wait(lambda: self.js("const e=document.getElementById('conn-state'); return e && e.dataset.state") == "connected",
                  timeout, "never connected")

    def open_room(self, room):
        self.d.get(f"{self.base}/#/room/{room}")
        self.wait(lambda: self.d.find_element(By.ID, "composer-input"))
        self.wait(lambda: self.js("return !!document.querySelector('.log-top .room-start, .log-top .load-earlier')"),
                  message="history never loaded")

    def send(self, text):
        box = self.d.find_element(By.ID, "composer-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def texts(self):
        return self.js("return [...document.querySelectorAll('#message-log .msg:not(.pending) .msg-text')].map(e => e.textContent)")

    def count(self, text):
        return self.texts().count(text)

    def pending(self):
        return self.js("return [...document.querySelectorAll('#message-log .msg.pending .msg-text')].map(e => e.textContent)")

    def people(self):
        return self.js("return [...document.querySelectorAll('#people-panel .person .person-name')].map(e => e.firstChild.textContent)")

    def visible_text(self, selector):
        """The text of the first element matching selector if it is displayed, else ''."""
        found = self.d.find_elements(By.CSS_SELECTOR, selector)
        return found[0].text if found and found[0].is_displayed() else ""

    def ws_request(self, message):
        """One request on a fresh WebSocket of the page's own session; → the reply (or None)."""
        return self.d.execute_async_script("""
            const [message, done] = arguments;
            const ws = new WebSocket(`ws://${location.host}/ws`, 'atrium.v1');
            ws.onopen = () => { ws.send(JSON.stringify({type: 'hello', ref: 'h'})); ws.send(JSON.stringify({...message, ref: 'q'})); };
            ws.onmessage = (e) => { for (const l of e.data.split('\\n')) { const m = JSON.parse(l); if (m.ref === 'q') { ws.close(); done(m); } } };
            setTimeout(() => done(null), 8000);
        """, message)

    def shot(self, name, docs_name=None):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, name)
        self.d.save_screenshot(path)
        if docs_name and DOCS:
            shutil.copyfile(path, os.path.join(DOCS, docs_name))
        return path


class SignInTests(unittest.TestCase):
    def test_bad_then_good_password_session_survives_reload_and_sign_out(self):
        p = Page(self)
        p.sign_in("alice", "not-the-password")
        error = p.wait(lambda: p.d.find_element(By.ID, "signin-error").text, message="no error for a wrong password")
        self.assertEqual(error, "Неверный логин или пароль.")
        self.assertTrue(p.d.find_element(By.ID, "login").is_displayed(), "still on the sign-in page")

        p.sign_in_ok("alice")
        headings = p.js("return [...document.querySelectorAll('.zone-title')].map(e => e.textContent)")
        self.assertEqual(headings[:2], ["Общая зона", "Образовательная зона"])
        self.assertIn("Мой кабинет", headings)
        # the cabinet zone shows one's own cabinet only (direct conversations may be there too)
        cabinets = p.js("return [...document.querySelectorAll('.zone-private .room-link')].filter(a => a.querySelector('.kind-cabinet'))"
                        ".map(a => a.querySelector('.room-name').textContent)")
        self.assertEqual(cabinets, ["Кабинет Алисы"])
        p.shot("home.png")

        p.d.refresh()   # the HttpOnly cookie keeps the session
        p.wait(lambda: p.d.find_elements(By.CSS_SELECTOR, ".zones .room-link"), message="session lost on reload")
        self.assertEqual(p.js("return document.cookie"), "", "the session cookie is HttpOnly")

        p.d.find_element(By.ID, "signout").click()
        p.wait(lambda: p.d.find_element(By.ID, "login"))
        p.d.refresh()
        p.wait(lambda: p.d.find_element(By.ID, "login"), message="signed out session came back")

    def test_rate_limited_sign_in_shows_the_wait(self):
        p = Page(self)
        message = ""
        for _ in range(10):
            p.sign_in("dave", "wrong-password")
            p.wait(lambda: p.js("return document.getElementById('signin-error').textContent !== '' && "
                                "!document.querySelector('form[aria-busy]')"))
            message = p.d.find_element(By.ID, "signin-error").text
            if "Слишком много" in message:
                break
            p.js("document.getElementById('signin-error').textContent = ''")
        self.assertRegex(message, r"Слишком много попыток входа\. Попробуйте снова через \d+ (минут|минуту|минуты|секунд)")
        self.assertFalse(p.d.find_element(By.CSS_SELECTOR, ".signin-form button[type=submit]").is_enabled())


class LiveRoomTests(unittest.TestCase):
    def test_two_browsers_see_messages_presence_and_typing_live(self):
        a, b = Page(self), Page(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.open_room("lounge")
        b.open_room("lounge")
        a.wait(lambda: sorted(a.people()) == ["Алиса Кузнецова", "Борис Петров"], message="presence not live")

        # a second tab of bob's is still one person
        b.d.switch_to.new_window("tab")
        b.open_room("lounge")
        time.sleep(0.6)
        self.assertEqual(sorted(a.people()), ["Алиса Кузнецова", "Борис Петров"])
        b.d.close()
        b.d.switch_to.window(b.d.window_handles[0])

        a.send("Привет, Борис! Готов к проекту?")
        b.wait(lambda: b.count("Привет, Борис! Готов к проекту?") == 1, message="B never saw A's message")
        b.d.find_element(By.ID, "composer-input").send_keys("Почти")
        a.wait(lambda: "Борис Петров печатает" in a.d.find_element(By.CSS_SELECTOR, ".typing").text, message="no typing")
        b.d.find_element(By.ID, "composer-input").send_keys(" готов — вот план: https://example.org/plan" + Keys.ENTER)
        a.wait(lambda: a.count("Почти готов — вот план: https://example.org/plan") == 1, message="A never saw B's message")
        # a member of the lounge (no delete_any) may only report someone else's message
        self.assertEqual(b.js("return document.querySelectorAll('#message-log .msg:not(.own) .msg-edit, #message-log .msg:not(.own) .msg-delete').length"), 0)
        self.assertGreater(b.js("return document.querySelectorAll('#message-log .msg:not(.own) .msg-report').length"), 0)
        a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, ".typing").text == "", message="typing not cleared")
        self.assertEqual(a.count("Привет, Борис! Готов к проекту?"), 1)
        link = a.d.find_elements(By.CSS_SELECTOR, "#message-log .msg-text a")[-1]
        self.assertEqual(link.get_attribute("href"), "https://example.org/plan")
        self.assertEqual(link.get_attribute("rel"), "noopener noreferrer")
        self.assertEqual(link.get_attribute("target"), "_blank")
        self.assertEqual(a.js("return document.querySelector('#message-log').getAttribute('role')"), "log")

        # bob leaves: gone from alice's list (explicit leave ends presence)
        b.d.get(b.base + "/#/")
        a.wait(lambda: a.people() == ["Алиса Кузнецова"], message="presence not removed")
        b.d.get(b.base + "/#/room/lounge")
        a.wait(lambda: len(a.people()) == 2)
        a.shot("room.png", docs_name="screenshot-room.png")

    def test_edit_and_delete_own_message(self):
        a, b = Page(self), Page(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("carol")
        a.open_room("class-7a")
        b.open_room("class-7a")
        a.send("Домашнее задание: стр. 12")
        a.wait(lambda: a.count("Домашнее задание: стр. 12") == 1)
        b.wait(lambda: b.count("Домашнее задание: стр. 12") == 1)
        # keyboard: ArrowUp in the empty composer edits one's last message, in a <dialog>
        a.d.find_element(By.ID, "composer-input").send_keys(Keys.ARROW_UP)
        area = a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, "dialog[open] textarea"))
        self.assertEqual(a.js("return document.activeElement.tagName"), "TEXTAREA")
        area.send_keys(Keys.CONTROL, "a")
        area.send_keys("Домашнее задание: стр. 14" + Keys.ENTER)
        b.wait(lambda: b.count("Домашнее задание: стр. 14") == 1, message="edit not seen live")
        self.assertIn("изменено", b.d.find_elements(By.CSS_SELECTOR, "#message-log .msg")[-1].text)
        # carol (the class's owner: delete_any) may delete alice's message but never edit it
        self.assertEqual(b.js("return document.querySelectorAll('#message-log .msg:last-child .msg-edit').length"), 0)
        self.assertEqual(b.js("return document.querySelectorAll('#message-log .msg:last-child .msg-delete').length"), 1)
        btn = a.d.find_elements(By.CSS_SELECTOR, "#message-log .msg.own .msg-actions .msg-delete")[-1]
        a.js("arguments[0].click()", btn)
        a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, "dialog[open] .button.danger")).click()
        b.wait(lambda: b.count("Домашнее задание: стр. 14") == 0 and "Сообщение удалено" in b.d.find_element(By.ID, "message-log").text,
               message="delete not seen live")
        # the owner deletes a pupil's message, after a confirmation that names its author
        a.wait(lambda: not a.d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the delete dialog stayed open")
        # (headless Chromium drops keys sent right after a dialog closed by a click: click first)
        a.d.find_element(By.ID, "composer-input").click()
        a.send("Лишнее сообщение")
        b.wait(lambda: b.count("Лишнее сообщение") == 1)
        btn = b.d.find_element(By.CSS_SELECTOR, "#message-log .msg:last-child .msg-delete")
        self.assertEqual(btn.get_attribute("title"), "Удалить сообщение: Алиса Кузнецова")
        b.js("arguments[0].click()", btn)
        lead = b.wait(lambda: b.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-lead").text)
        self.assertIn("Сообщение от Алиса Кузнецова исчезнет", lead)
        b.d.find_element(By.CSS_SELECTOR, "dialog[open] .button.danger").click()
        a.wait(lambda: a.count("Лишнее сообщение") == 0, message="the owner's delete not seen by the author")

    def test_history_pages_back_without_gaps(self):
        a = Page(self)
        a.sign_in_ok("alice")
        a.open_room("library")
        # 130 messages straight through the page's own origin WebSocket (rate 20/s)
        done = a.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const ws = new WebSocket(`ws://${location.host}/ws`, 'atrium.v1');
            let acks = 0, sent = 0;
            ws.onopen = () => {
              ws.send(JSON.stringify({type: 'hello', ref: 'h'}));
              ws.send(JSON.stringify({type: 'join', room: 'library', ref: 'j'}));
              const tick = setInterval(() => {
                for (let k = 0; k < 10 && sent < 130; k++) { sent++; ws.send(JSON.stringify({type: 'chat.send', room: 'library', text: `m${sent}`, nonce: `hist-${sent}`, ref: `s${sent}`})); }
                if (sent >= 130) clearInterval(tick);
              }, 600);
            };
            ws.onmessage = (e) => { for (const l of e.data.split('\\n')) { const m = JSON.parse(l); if (m.type === 'ok' && String(m.ref).startsWith('s')) { if (++acks === 130) { ws.close(); done(acks); } } } };
            setTimeout(() => done(acks), 25000);
        """)
        self.assertEqual(done, 130)
        a.wait(lambda: a.count("m130") == 1)
        b = Page(self)
        b.sign_in_ok("bob")
        b.open_room("library")
        b.wait(lambda: b.count("m130") == 1)
        self.assertLess(len(b.texts()), 130, "the first page is not everything")
        for _ in range(10):
            if b.count("m1") == 1:
                break
            b.js("document.getElementById('message-log').scrollTop = 0")
            time.sleep(0.7)
        b.wait(lambda: b.count("m1") == 1, message="scroll-back never reached the first message")
        texts = b.texts()
        self.assertEqual(texts, [f"m{i}" for i in range(1, 131)])
        self.assertTrue(b.d.find_element(By.CSS_SELECTOR, ".room-start").is_displayed())
        # The page itself never scrolls: the history, the spaces and the people scroll inside
        # their own panes, so the top bar and the composer stay on screen.
        self.assertEqual(b.js("return document.documentElement.scrollHeight - document.documentElement.clientHeight"), 0)


class AccessTests(unittest.TestCase):
    def test_observer_reads_but_has_no_composer(self):
        p = Page(self)
        p.sign_in_ok("bob")
        p.open("/#/room/council-teachers")
        note = p.wait(lambda: p.visible_text("#composer-readonly"), message="no read-only note for an observer")
        self.assertEqual(note, "Вы можете читать, но не писать здесь")
        p.wait(lambda: p.js("return !!document.querySelector('.log-top .room-start, .log-top .load-earlier')"),
               message="an observer's history never loaded")
        self.assertEqual(p.d.find_elements(By.ID, "composer-input"), [], "an observer has a composer")
        p.shot("room-observer.png")
        p.d.find_element(By.ID, "lang-switch").click()
        p.wait(lambda: p.visible_text("#composer-readonly") == "You can read this room but not write here")
        p.d.find_element(By.ID, "lang-switch").click()
        p.wait(lambda: p.visible_text("#composer-readonly") == "Вы можете читать, но не писать здесь")

    def test_live_demotion_then_removal(self):
        p = Page(self)
        p.sign_in_ok("bob")
        p.open_room("project-robots")
        p.send("Я в проекте")
        p.wait(lambda: p.count("Я в проекте") == 1)
        self.assertTrue(p.d.find_elements(By.CSS_SELECTOR, "#message-log .msg.own .msg-edit"))

        cli("room", "member", "--room", "project-robots", "--login", "bob", "--role", "observer")
        notice = p.wait(lambda: p.visible_text("#room-notice"), message="no notice of the role change")
        self.assertIn("Ваша роль в «Проект: роботы» изменилась: наблюдатель.", notice)
        self.assertNotIn("observer", notice, "the server's English sentence is shown")
        self.assertEqual(p.js("return document.getElementById('room-notice').getAttribute('role')"), "status")
        p.wait(lambda: p.visible_text("#composer-readonly") == "Вы можете читать, но не писать здесь",
               message="the composer stayed after the demotion")
        self.assertEqual(p.d.find_elements(By.ID, "composer-input"), [])
        self.assertEqual(p.d.find_elements(By.CSS_SELECTOR, "#message-log .msg-actions"), [],
                         "an observer keeps edit/delete buttons")
        self.assertEqual(p.count("Я в проекте"), 1, "the history stays readable")
        p.shot("room-demoted.png")

        cli("room", "member", "--room", "project-robots", "--login", "bob", "--role", "none")
        p.wait(lambda: p.js("return location.hash") in ("#/", ""), message="not sent home after removal")
        notice = p.wait(lambda: p.visible_text("#home-notice"), message="no notice at home after removal")
        self.assertIn("Вы больше не в комнате «Проект: роботы»", notice)
        self.assertIn("У вас больше нет доступа к комнате «Проект: роботы».", notice, "the reason is not worded in Russian")
        self.assertNotIn("You no longer have access", notice, "the server's English sentence is shown")
        self.assertEqual(p.js("return document.getElementById('home-notice').getAttribute('role')"), "status")
        p.wait(lambda: "Проект: роботы" not in p.js("return document.querySelector('.zones').textContent"),
               message="the room stayed in the list")
        p.shot("home-removed.png")

    def test_refused_join_shows_the_reason(self):
        a = Page(self)
        a.sign_in_ok("alice")
        # a knock room is listed without access, marked as entered on request
        link = a.d.find_element(By.CSS_SELECTOR, ".zones .room-link[data-room='meeting']")
        self.assertIn("Вход по запросу", link.text)
        self.assertTrue(link.find_elements(By.CSS_SELECTOR, ".on-request svg"), "no lock marker")
        link.click()
        reason = a.wait(lambda: a.visible_text("#room-refused"), message="no reason for the refused join")
        self.assertIn("Нет доступа к «Переговорная»", reason)
        self.assertIn("This room is entered on request", reason)
        self.assertEqual(a.d.find_elements(By.ID, "composer-input"), [])
        self.assertFalse(a.d.find_elements(By.CSS_SELECTOR, "#main .loading, .log-top .muted"), "a spinner stayed")
        # the sidebar marks it too
        self.assertIn("Вход по запросу", a.d.find_element(By.CSS_SELECTOR, ".sidebar .room-link[data-room='meeting']").text)
        a.shot("room-refused.png")
        a.d.find_element(By.ID, "refused-back").click()
        a.wait(lambda: a.d.find_element(By.ID, "home-title"), message="the way back does not lead home")

        # a members-only room that is not even listed (a parent, a class)
        d = Page(self)
        d.sign_in_ok("dave")
        d.open("/#/room/class-7a")
        reason = d.wait(lambda: d.visible_text("#room-refused"), message="no reason for a members-only room")
        self.assertIn("Only this room's members can enter it", reason)

    def test_direct_conversation_from_the_people_panel(self):
        a, b = Page(self), Page(self)
        a.sign_in_ok("alice")
        probe = a.ws_request({"type": "room.direct", "user": -1})
        if probe is None or (probe.get("code") == "bad_request" and "message type" in (probe.get("message") or "")):
            self.skipTest(f"the server does not answer room.direct yet: {probe}")
        b.sign_in_ok("bob")
        d = Page(self)
        d.sign_in_ok("dave")
        a.open_room("lounge")
        b.open_room("lounge")
        d.open_room("lounge")
        a.wait(lambda: sorted(a.people()) == ["Алиса Кузнецова", "Борис Петров", "Давид Орлов"], message="bob and dave not present")
        # the contact rules: a student and an unrelated parent do not talk privately; the
        # server's reason shows next to the button
        a.d.find_element(By.XPATH, "//*[@id='people-panel']//li[contains(., 'Давид Орлов')]//button[contains(@class, 'direct-button')]").click()
        error = a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, "#people-panel .person-error").text, message="no reason for the refusal")
        self.assertIn("Students talk privately only with their own parents", error)
        self.assertEqual(a.js("return document.querySelector('#people-panel .person-error').getAttribute('role')"), "alert")
        self.assertEqual(a.js("return location.hash"), "#/room/lounge")
        d.d.get(d.base + "/#/")
        # no button for oneself; one for bob
        me = a.d.find_element(By.XPATH, "//*[@id='people-panel']//li[contains(., 'Алиса Кузнецова')]")
        self.assertEqual(me.find_elements(By.CSS_SELECTOR, ".direct-button"), [])
        button = a.d.find_element(By.XPATH, "//*[@id='people-panel']//li[contains(., 'Борис Петров')]//button[contains(@class, 'direct-button')]")
        self.assertEqual(button.text, "Написать лично")
        button.click()
        a.wait(lambda: a.js("return location.hash").startswith("#/room/") and a.js("return location.hash") != "#/room/lounge",
               message=f"the direct conversation did not open: {a.visible_text('.person-error')}")
        a.wait(lambda: a.d.find_element(By.ID, "room-title").text == "Борис Петров", message="not called by the peer's name")
        a.wait(lambda: a.d.find_element(By.ID, "composer-input"))
        a.wait(lambda: a.js("return !!document.querySelector('.log-top .room-start, .log-top .load-earlier')"))
        private = a.js("return [...document.querySelectorAll('.sidebar .zone-private .room-name')].map(e => e.textContent)")
        self.assertIn("Борис Петров", private)
        a.send("Привет, это лично тебе")
        a.wait(lambda: a.count("Привет, это лично тебе") == 1)

        # bob's list gains the conversation, under his cabinet zone, named after alice
        link = b.wait(lambda: [e for e in b.d.find_elements(By.CSS_SELECTOR, ".sidebar .zone-private .room-link")
                               if "Алиса Кузнецова" in e.text], message="bob's list never showed the conversation")[0]
        link.click()
        b.wait(lambda: b.count("Привет, это лично тебе") == 1, message="bob cannot read the direct message")
        self.assertEqual(b.d.find_element(By.ID, "room-title").text, "Алиса Кузнецова")
        b.shot("room-direct.png")


class PublicViewTests(unittest.TestCase):
    def test_visitor_reads_a_public_room_without_signing_in(self):
        # council-teachers is a council (join rule `public`): carol, its owner, posts there.
        c = Page(self)
        c.sign_in_ok("carol")
        c.open_room("council-teachers")
        c.send("открыто для всех")
        c.wait(lambda: c.count("открыто для всех") == 1, message="carol's message never arrived")

        v = Page(self)   # a fresh browser: no session
        v.open("/")
        text = v.wait(lambda: v.visible_text("#public-link"), message="no public link on the sign-in page")
        self.assertEqual(text, "Открытые пространства школы")
        v.d.find_element(By.ID, "public-link").click()
        room = v.wait(lambda: v.d.find_element(By.CSS_SELECTOR, "#public-rooms .public-room[data-room='council-teachers'] a"),
                      message="the public council is not listed")
        self.assertTrue(v.d.find_elements(By.CSS_SELECTOR, "#public-rooms .public-room[data-room='council-students']"))
        room.click()
        v.wait(lambda: "открыто для всех" in v.js("return [...document.querySelectorAll('#public-log .msg-text')].map(e => e.textContent)"),
               message="the visitor never read the message")
        self.assertEqual(v.d.find_element(By.ID, "public-title").text, "Педагогический совет")
        self.assertIn("нужно войти", v.d.find_element(By.ID, "public-note").text)
        self.assertEqual(v.d.find_elements(By.ID, "composer-input"), [], "a visitor has a composer")
        self.assertEqual(v.d.find_elements(By.ID, "login"), [], "the sign-in form covered the public view")
        v.shot("public-room.png")
        v.d.find_element(By.ID, "lang-switch").click()
        v.wait(lambda: v.d.find_element(By.ID, "public-note").text.startswith("Signing in is needed"))


class ConnectionTests(unittest.TestCase):
    def test_cut_connection_resumes_each_message_exactly_once(self):
        host, port = URL.split("//")[1].split(":")
        proxy = CuttableProxy(host, int(port))
        self.addCleanup(proxy.close)
        a = Page(self, base=proxy.url)
        b = Page(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.open_room("council-students")
        b.open_room("council-students")
        b.send("до обрыва")
        a.wait(lambda: a.count("до обрыва") == 1)

        proxy.cut(5)
        a.wait(lambda: a.js("return document.getElementById('conn-state').dataset.state") in ("reconnecting", "offline", "connecting"),
               5, "the drop was not noticed")
        a.wait(lambda: a.d.find_element(By.ID, "conn-banner").is_displayed(), 5, "no reconnect banner")
        self.assertRegex(a.d.find_element(By.ID, "conn-banner").text, r"Нет связи|Нет сети|Переподключение")
        sent = [f"пока тебя не было {i}" for i in range(1, 6)]
        for text in sent:
            b.send(text)
        a.send("написано без связи")
        a.wait(lambda: a.pending() == ["написано без связи"], 5, "offline message not shown as pending")
        self.assertIn("Ждёт подключения", a.d.find_element(By.CSS_SELECTOR, ".msg.pending .msg-status").text)
        a.shot("room-reconnecting.png")

        a.wait_connected(timeout=40)
        for text in sent + ["до обрыва", "написано без связи"]:
            a.wait(lambda: a.count(text) == 1, message=f"A: {text!r} not exactly once")
        b.wait(lambda: b.count("написано без связи") == 1, message="B never got the offline message")
        a.wait(lambda: a.pending() == [], message="the pending copy stayed")
        time.sleep(1.0)   # nothing arrives twice later either
        for page in (a, b):
            texts = page.texts()
            for text in sent + ["до обрыва", "написано без связи"]:
                self.assertEqual(texts.count(text), 1, f"{text!r} in {texts}")
            seqs = page.js("return [...document.querySelectorAll('#message-log .msg[data-seq]')].map(e => e.dataset.seq)")
            self.assertEqual(len(seqs), len(set(seqs)), "a seq shown twice")
        self.assertEqual(a.texts(), b.texts(), "both browsers show the same conversation")
        self.assertFalse(a.d.find_element(By.ID, "conn-banner").is_displayed())

    def test_outbox_survives_a_reload_while_offline(self):
        host, port = URL.split("//")[1].split(":")
        proxy = CuttableProxy(host, int(port))
        self.addCleanup(proxy.close)
        a = Page(self, base=proxy.url)
        a.sign_in_ok("carol")
        a.open_room("council-students")
        proxy.cut(4)
        a.wait(lambda: a.js("return document.getElementById('conn-state').dataset.state") != "connected", 5)
        a.send("черновик из офлайна")
        a.wait(lambda: a.pending() == ["черновик из офлайна"], 5)
        stored = a.js("return Object.keys(localStorage).filter(k => k.startsWith('atrium.outbox.')).map(k => localStorage.getItem(k)).join('')")
        self.assertIn("черновик из офлайна", stored)
        nonce = a.js("return document.querySelector('.msg.pending').dataset.nonce")
        time.sleep(4.2)
        a.d.refresh()
        a.wait(lambda: a.count("черновик из офлайна") == 1, 30, "queued message not sent after reload")
        time.sleep(0.5)
        self.assertEqual(a.count("черновик из офлайна"), 1)
        self.assertEqual(a.pending(), [])
        self.assertEqual(nonce[:1], "n")


class SafetyTests(unittest.TestCase):
    def test_html_in_messages_is_shown_as_text(self):
        a, b = Page(self), Page(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        a.open_room("partner-room")
        b.open_room("partner-room")
        payload = '<script>alert(1)</script> <img src=x onerror=alert(1)> <a href="javascript:alert(1)">x</a>'
        a.send(payload)
        for page in (a, b):
            page.wait(lambda: page.count(payload) == 1, message="payload not shown as text")
            log = page.d.find_element(By.ID, "message-log")
            self.assertEqual(log.find_elements(By.TAG_NAME, "script"), [])
            self.assertEqual(log.find_elements(By.TAG_NAME, "img"), [])
            hrefs = [e.get_attribute("href") for e in log.find_elements(By.TAG_NAME, "a")]
            self.assertFalse([h for h in hrefs if h and h.startswith("javascript:")])
            time.sleep(0.3)
            with self.assertRaises(NoAlertPresentException):
                page.d.switch_to.alert.text
        # the same with the page reloaded: history renders as text too
        b.d.refresh()
        b.wait(lambda: b.count(payload) == 1)
        self.assertEqual(b.d.find_element(By.ID, "message-log").find_elements(By.TAG_NAME, "img"), [])


class LanguageAndLayoutTests(unittest.TestCase):
    def test_switch_to_english_and_back_is_remembered(self):
        p = Page(self)
        p.sign_in_ok("bob")
        self.assertEqual(p.d.find_element(By.CSS_SELECTOR, "h1").text, "Пространства")
        p.d.find_element(By.ID, "lang-switch").click()
        p.wait(lambda: p.d.find_element(By.CSS_SELECTOR, "h1").text == "Spaces")
        self.assertEqual(p.js("return document.documentElement.lang"), "en")
        self.assertIn("Common zone", p.d.find_element(By.ID, "main").text)
        p.d.refresh()
        p.wait(lambda: p.d.find_element(By.CSS_SELECTOR, "h1").text == "Spaces", message="English not remembered")
        p.open_room("lounge")
        self.assertEqual(p.d.find_element(By.ID, "composer-input").get_attribute("placeholder"), "Message “Лаунж”…")
        self.assertEqual(p.d.find_element(By.ID, "conn-state").text, "Online")
        p.shot("room-en.png")
        p.d.find_element(By.ID, "lang-switch").click()
        p.wait(lambda: p.d.find_element(By.ID, "composer-input").get_attribute("placeholder") == "Написать в «Лаунж»…")
        p.d.refresh()
        p.wait(lambda: p.d.find_element(By.ID, "conn-state").text == "В сети")
        self.assertEqual(p.js("return document.documentElement.lang"), "ru")

    def test_phone_width_360(self):
        p = Page(self, width=360, height=740)
        p.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        p.sign_in_ok("alice")
        self.assertEqual(p.js("return window.innerWidth"), 360)
        overflow = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        self.assertLessEqual(p.js(overflow), 0, "home scrolls sideways")
        p.shot("home-phone.png")
        p.open_room("lounge")
        p.send("Пишу с телефона: очень-очень-длинное-слово-без-пробелов-которое-не-должно-ломать-вёрстку-никогда")
        p.wait(lambda: p.count("Пишу с телефона: очень-очень-длинное-слово-без-пробелов-которое-не-должно-ломать-вёрстку-никогда") == 1)
        self.assertLessEqual(p.js(overflow), 0, "the room scrolls sideways")
        box = p.js("const r = document.getElementById('composer-input').getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]")
        self.assertGreaterEqual(box[0], 0)
        self.assertLessEqual(box[1], 360)
        self.assertLessEqual(box[3], 740, "the composer is below the fold")
        self.assertTrue(p.d.find_element(By.ID, "composer-input").is_displayed())
        # the people list opens as a drawer and closes with Escape
        p.d.find_element(By.CSS_SELECTOR, ".people-toggle").click()
        p.wait(lambda: p.d.find_element(By.ID, "people-panel").is_displayed())
        p.d.switch_to.active_element.send_keys(Keys.ESCAPE)
        p.wait(lambda: p.js("return !document.getElementById('people-panel').classList.contains('open')"))
        p.shot("room-phone.png")

    def test_keyboard_skip_link_and_focus(self):
        p = Page(self)
        p.sign_in_ok("bob")
        p.open_room("lounge")
        body = p.d.find_element(By.TAG_NAME, "body")
        p.js("document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex')")
        body.send_keys(Keys.TAB)
        active = p.d.switch_to.active_element
        self.assertEqual(active.get_attribute("class"), "skip-link")
        self.assertTrue(active.is_displayed(), "skip link visible on focus")
        active.send_keys(Keys.ENTER)
        self.assertEqual(p.d.switch_to.active_element.get_attribute("id"), "composer-input")
        outline = p.js("return getComputedStyle(document.querySelector('.lang-switch'), ':focus-visible').outlineStyle")
        self.assertTrue(outline is not None)


class KnockInviteModerationTests(unittest.TestCase):
    def test_knock_lobby_talk_then_admitted(self):
        b, c = Page(self), Page(self)
        b.sign_in_ok("bob")
        c.sign_in_ok("carol")
        c.open_room("meeting")
        b.open("/#/room/meeting")
        box = b.wait(lambda: b.d.find_element(By.ID, "knock-message"), message="no knock form in a knock room")
        self.assertIn("Нет доступа к «Переговорная»", b.visible_text("#room-refused"))
        b.d.find_element(By.ID, "knock-send").click()
        b.wait(lambda: b.visible_text("#knock-error"), message="an empty knock was not refused")
        box.send_keys("Здравствуйте! Я по поводу проекта.")
        b.d.find_element(By.ID, "knock-send").click()
        b.wait(lambda: "Ожидание решения модератора" in b.visible_text("#knock-waiting"), message="no waiting state")
        b.d.refresh()   # the knock is kept by the server
        b.wait(lambda: "Ожидание решения модератора" in b.visible_text("#knock-waiting"), message="waiting state lost on reload")

        item = c.wait(lambda: [e for e in c.d.find_elements(By.CSS_SELECTOR, "#knocks-panel .knock-item") if "Борис Петров" in e.text],
                      message="carol never saw the knock live")[0]
        self.assertIn("Здравствуйте! Я по поводу проекта.", item.text)
        self.assertIn("Ждут входа (1)", c.visible_text("#knocks-panel"))
        reply = item.find_element(By.CSS_SELECTOR, ".lobby-reply")
        reply.send_keys("Добрый день! Расскажите подробнее." + Keys.ENTER)
        b.wait(lambda: "Расскажите подробнее." in b.visible_text("#lobby-log"), message="bob never got the lobby reply")
        b.d.find_element(By.ID, "lobby-input").send_keys("Мы делаем робота." + Keys.ENTER)
        c.wait(lambda: "Мы делаем робота." in c.visible_text("#knocks-panel .lobby-log"), message="carol never got bob's lobby message")
        c.shot("room-knocks.png")
        b.shot("room-knock-waiting.png")

        c.d.find_element(By.CSS_SELECTOR, "#knocks-panel .knock-admit").click()
        b.wait(lambda: b.d.find_element(By.ID, "composer-input"), message="bob did not enter after being admitted")
        b.wait(lambda: b.js("return !!document.querySelector('.log-top .room-start, .log-top .load-earlier')"))
        c.wait(lambda: not c.d.find_element(By.ID, "knocks-panel").is_displayed(), message="the queue kept bob")
        b.send("Спасибо, что впустили!")
        c.wait(lambda: c.count("Спасибо, что впустили!") == 1, message="carol never saw bob's message")

    def test_invitation_guest_sees_only_the_room(self):
        c = Page(self)
        c.sign_in_ok("carol")
        c.open_room("meeting")
        c.d.find_element(By.ID, "invite-open").click()
        hours = c.wait(lambda: c.d.find_element(By.ID, "invite-hours"))
        hours.send_keys(Keys.CONTROL, "a")
        hours.send_keys("24")
        uses = c.d.find_element(By.ID, "invite-uses")
        uses.send_keys(Keys.CONTROL, "a")
        uses.send_keys("2")
        c.d.find_element(By.ID, "invite-create").click()
        link = c.wait(lambda: c.d.find_element(By.ID, "invite-link").get_attribute("value"), message="no invitation link")
        self.assertTrue(link.startswith(URL + "/invite/"), link)
        c.wait(lambda: "использовано 0 из 2" in c.d.find_element(By.CSS_SELECTOR, "dialog[open] .invite-list").text,
               message="the invitation is not listed")
        c.shot("invite-dialog.png")
        c.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-actions .button").click()

        bad = Page(self)
        bad.open("/invite/no-such-token")
        self.assertIn("Такого приглашения нет", bad.wait(lambda: bad.visible_text("#invite-error"), message="no 404 message"))

        g = Page(self)   # a fresh profile, not signed in
        g.d.get(link)
        self.assertEqual(g.wait(lambda: g.visible_text("#invite-room")), "Переговорная")
        self.assertEqual(g.visible_text("#invite-sponsor"), "Елена Петрова")
        self.assertTrue(g.d.find_element(By.ID, "invite-rules").is_displayed())
        g.d.find_element(By.ID, "guest-name").send_keys("Гость Иван")
        g.d.find_element(By.ID, "guest-enter").click()
        self.assertIn("примите правила", g.wait(lambda: g.visible_text("#invite-form-error")))
        g.shot("invite-page.png")
        g.d.find_element(By.ID, "guest-accept").click()
        g.d.find_element(By.ID, "guest-enter").click()
        g.wait(lambda: g.d.find_element(By.ID, "composer-input"), message="the guest did not enter the room")
        g.wait(lambda: g.js("return !!document.querySelector('.log-top .room-start, .log-top .load-earlier')"))
        self.assertEqual(g.js("return location.pathname + location.hash"), "/#/room/meeting")
        g.send("Здравствуйте, я гость")
        c.wait(lambda: c.count("Здравствуйте, я гость") == 1, message="carol never saw the guest's message")
        # no directory: only the invited room, here and at home
        self.assertEqual(g.js("return [...document.querySelectorAll('.sidebar .room-link')].map(a => a.dataset.room)"), ["meeting"])
        g.d.get(g.base + "/#/")
        g.wait(lambda: g.d.find_elements(By.CSS_SELECTOR, ".zones .room-link"))
        self.assertEqual(g.js("return [...document.querySelectorAll('.zones .room-link')].map(a => a.dataset.room)"), ["meeting"])
        self.assertEqual(g.d.find_elements(By.CSS_SELECTOR, ".zone-about"), [])
        g.d.get(g.base + "/#/room/lounge")
        g.wait(lambda: g.visible_text("#room-refused"), message="the guest reached another room")
        self.assertEqual(g.d.find_elements(By.ID, "composer-input"), [])

    def test_report_resolve_delete_with_reason_and_mute(self):
        a, b, c = Page(self), Page(self), Page(self)
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        c.sign_in_ok("carol")
        for p in (a, b, c):
            p.open_room("workshop")
        b.send("Купите наших роботов!")
        a.wait(lambda: a.count("Купите наших роботов!") == 1)
        btn = a.d.find_element(By.CSS_SELECTOR, "#message-log .msg:last-child .msg-report")
        self.assertEqual(btn.get_attribute("title"), "Пожаловаться на сообщение: Борис Петров")
        self.assertEqual(a.d.find_elements(By.CSS_SELECTOR, "#message-log .msg.own .msg-report"), [])
        a.js("arguments[0].click()", btn)
        area = a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, "dialog[open] textarea"))
        area.send_keys("Реклама в проекте")
        a.d.find_element(By.CSS_SELECTOR, "dialog[open] .button.primary").click()
        a.wait(lambda: not a.d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the report dialog stayed open")

        item = c.wait(lambda: c.d.find_element(By.CSS_SELECTOR, "#reports-panel .report-item"), message="no report in carol's queue")
        self.assertIn("Реклама в проекте", item.text)
        self.assertIn("Алиса Кузнецова", item.text)
        item.find_element(By.CSS_SELECTOR, ".report-goto").click()
        c.wait(lambda: c.js("return document.activeElement.classList.contains('msg')"), message="go-to did not focus the message")
        c.shot("room-reports.png")
        c.d.find_element(By.CSS_SELECTOR, "#reports-panel .report-resolve").click()
        c.wait(lambda: not c.d.find_element(By.ID, "reports-panel").is_displayed(), message="the resolved report stayed")

        # the owner deletes the message with a reason; moderators see the reason
        btn = c.d.find_element(By.CSS_SELECTOR, "#message-log .msg:last-child .msg-delete")
        c.js("arguments[0].click()", btn)
        c.wait(lambda: c.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-reason")).send_keys("Реклама запрещена")
        c.d.find_element(By.CSS_SELECTOR, "dialog[open] .button.danger").click()
        c.wait(lambda: "причина: Реклама запрещена" in c.d.find_element(By.ID, "message-log").text, message="no reason shown to the moderator")
        b.wait(lambda: b.count("Купите наших роботов!") == 0, message="the delete did not reach the author")

        # mute bob for 15 minutes: his composer goes; unmute: it comes back
        c.wait(lambda: "Борис Петров" in c.people())
        c.d.find_element(By.XPATH, "//*[@id='people-panel']//li[contains(., 'Борис Петров')]//button[contains(@class, 'person-moderate')]").click()
        c.wait(lambda: c.d.find_element(By.ID, "person-reason")).send_keys("Остынь немного")
        c.d.find_element(By.CSS_SELECTOR, "dialog[open] .mod-mute").click()
        b.wait(lambda: b.visible_text("#composer-readonly"), message="the muted person kept the composer")
        muted = b.visible_text("#room-notice")
        self.assertRegex(muted, r"Вам запрещено писать в «[^»]+» до .+\. Причина: Остынь немного")
        self.assertNotIn("You are muted", muted, "the server's English sentence is shown")
        c.wait(lambda: not c.d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
        c.d.find_element(By.XPATH, "//*[@id='people-panel']//li[contains(., 'Борис Петров')]//button[contains(@class, 'person-moderate')]").click()
        c.wait(lambda: c.d.find_element(By.CSS_SELECTOR, "dialog[open] .mod-unmute")).click()
        b.wait(lambda: b.d.find_element(By.ID, "composer-input"), message="unmute did not give the composer back")
        b.wait(lambda: "Вы снова можете писать в «" in b.visible_text("#room-notice"), message="no notice of the unmute")

        # what happened concerning me: bob sees the deletion and the mute
        b.d.find_element(By.ID, "user-activity").click()
        b.wait(lambda: b.d.find_elements(By.CSS_SELECTOR, "#activity-list .activity-item"), message="no entries in the activity view")
        text = b.d.find_element(By.ID, "activity-list").text
        self.assertIn("Заглушение", text)
        self.assertIn("Сообщение удалено модератором", text)
        self.assertIn("Елена Петрова", text)
        b.shot("activity.png")


class AdministrationTests(unittest.TestCase):
    def test_admin_adds_a_student_who_signs_in_with_the_one_time_password(self):
        p = Page(self)
        p.sign_in_ok("admin")
        p.d.find_element(By.ID, "admin-open").click()
        p.wait(lambda: p.js("return location.hash") == "#/admin", message="the top bar link does not lead to the admin page")
        p.wait(lambda: p.d.find_elements(By.CSS_SELECTOR, "#admin-users .admin-user"), message="no people on the admin page")
        self.assertEqual(p.d.find_element(By.ID, "admin-title").text, "Администрирование")
        logins = "return [...document.querySelectorAll('#admin-users .admin-user')].map(e => e.dataset.login)"
        self.assertIn("alice", p.js(logins))
        filt = p.d.find_element(By.ID, "admin-filter")
        filt.send_keys("Петров")
        p.wait(lambda: sorted(p.js(logins)) == ["bob", "carol"], message="the filter does not filter")
        filt.send_keys(Keys.CONTROL, "a")
        filt.send_keys(Keys.BACKSPACE)

        p.d.find_element(By.ID, "admin-login").send_keys("masha")
        p.d.find_element(By.ID, "admin-name").send_keys("Мария Иванова")
        Select(p.d.find_element(By.ID, "admin-role")).select_by_value("student")
        p.d.find_element(By.ID, "admin-group").send_keys("7Б")
        p.d.find_element(By.ID, "admin-add").click()
        password = p.wait(lambda: p.d.find_element(By.ID, "admin-password").get_attribute("value"), message="no one-time password shown")
        self.assertIn("показывается только один раз", p.visible_text("#admin-once"))
        self.assertTrue(p.d.find_element(By.ID, "admin-password-copy").is_displayed())
        item = p.wait(lambda: p.d.find_element(By.CSS_SELECTOR, "#admin-users .admin-user[data-login='masha']"), message="the new person is not listed")
        self.assertIn("Мария Иванова", item.text)
        self.assertIn("7Б", item.text)
        self.assertTrue(item.find_element(By.CSS_SELECTOR, ".admin-minor").is_selected(), "a student is a minor by default")
        p.shot("admin.png")
        # the same login again: the server's conflict, said in words
        p.d.find_element(By.ID, "admin-login").send_keys("masha")
        p.d.find_element(By.ID, "admin-name").send_keys("Другая Маша")
        p.d.find_element(By.ID, "admin-add").click()
        self.assertIn("уже занят", p.wait(lambda: p.visible_text("#admin-add-error"), message="no error for a taken login"))

        # a new room; the admin is not in it, so its members are not readable, but roles can be
        # set — and the server's last-owner rule shows in the dialog
        p.d.find_element(By.ID, "admin-room-id").send_keys("newspaper")
        p.d.find_element(By.ID, "admin-room-name").send_keys("Школьная газета")
        Select(p.d.find_element(By.ID, "admin-room-kind")).select_by_value("project")
        p.d.find_element(By.ID, "admin-room-add").click()
        room = p.wait(lambda: p.d.find_element(By.CSS_SELECTOR, "#admin-rooms .admin-room[data-room='newspaper']"), message="the new room is not listed")
        room.find_element(By.CSS_SELECTOR, ".admin-members").click()
        p.wait(lambda: p.visible_text("#members-forbidden"), message="no word that the admin cannot read the room")
        person = p.d.find_element(By.ID, "member-person")
        person.send_keys("masha")
        Select(p.d.find_element(By.ID, "member-role")).select_by_value("owner")
        p.d.find_element(By.ID, "member-set").click()
        self.assertIn("Мария Иванова", p.wait(lambda: p.visible_text("#member-done"), message="the role was not set"))
        p.wait(lambda: "владелец" in p.visible_text("#members-list"), message="the listed roles are not shown")
        Select(p.d.find_element(By.ID, "member-role")).select_by_value("")
        p.d.find_element(By.ID, "member-set").click()
        self.assertTrue(p.wait(lambda: p.visible_text("#member-error"), message="the last owner rule is not shown"))
        p.shot("admin-members.png")
        p.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-actions .button").click()

        s = Page(self)
        s.sign_in("masha", password)
        s.wait(lambda: s.d.find_element(By.ID, "new-password"), message="no change-password screen after a one-time password")
        s.d.find_element(By.ID, "new-password").send_keys("masha-own-pass")
        s.d.find_element(By.ID, "new-password-2").send_keys("masha-own-pass" + Keys.ENTER)
        s.wait(lambda: s.d.find_elements(By.CSS_SELECTOR, ".zones .room-link"), message="home never showed after the password change")
        self.assertEqual(s.d.find_elements(By.ID, "admin-open"), [], "a student sees the admin link")
        self.assertIn("newspaper", s.js("return [...document.querySelectorAll('.zones .room-link')].map(a => a.dataset.room)"))


class RoomSettingsTests(unittest.TestCase):
    def test_owner_turns_on_premoderation_and_approves_a_post(self):
        c, a, b = Page(self), Page(self), Page(self)
        c.sign_in_ok("carol")
        a.sign_in_ok("alice")
        b.sign_in_ok("bob")
        c.open_room("premod")
        c.wait(lambda: c.d.find_element(By.ID, "settings-open").is_displayed(), message="no settings for the owner")
        c.d.find_element(By.ID, "settings-open").click()
        premod = c.wait(lambda: c.d.find_element(By.ID, "settings-premod"))
        self.assertFalse(premod.is_selected())
        self.assertTrue(c.d.find_element(By.ID, "settings-join-members").is_selected())
        self.assertEqual(len(c.d.find_elements(By.CSS_SELECTOR, "#roles-table tbody tr")), 4)
        premod.click()
        c.shot("room-settings.png")
        c.d.find_element(By.ID, "settings-save").click()
        c.wait(lambda: not c.d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the settings dialog stayed open")

        a.open_room("premod")
        b.open_room("premod")
        self.assertFalse(a.d.find_element(By.ID, "settings-open").is_displayed(), "a member sees the room settings")
        # the room's members, with their room roles
        a.d.find_element(By.ID, "members-open").click()
        members = a.wait(lambda: a.visible_text("#members-list"), message="no member list")
        self.assertIn("Елена Петрова", members)
        self.assertIn("владелец", members)
        a.d.find_element(By.CSS_SELECTOR, "dialog[open] .dialog-actions .button").click()

        text = "Можно предложить тему для газеты?"
        a.send(text)
        waiting = "return [...document.querySelectorAll('#message-log .msg.is-waiting')].map(e => e.textContent).join('|')"
        a.wait(lambda: text in a.js(waiting) and "ждёт одобрения модератора" in a.js(waiting), message="the author does not see the post waiting")
        c.wait(lambda: c.count(text) == 1, message="the moderator does not see the waiting post")
        time.sleep(0.5)
        self.assertEqual(b.count(text), 0, "another student sees a waiting post")
        a.shot("room-premod-waiting.png")
        c.d.find_element(By.CSS_SELECTOR, "#message-log .msg.is-waiting .msg-approve").click()
        b.wait(lambda: b.count(text) == 1, message="the approved post never reached the other student")
        a.wait(lambda: not a.d.find_elements(By.CSS_SELECTOR, "#message-log .msg.is-waiting"), message="the author still sees it waiting")
        c.wait(lambda: not c.d.find_elements(By.CSS_SELECTOR, "#message-log .msg-approve"), message="the approve button stayed")
        self.assertEqual(b.js("return document.querySelector('#message-log .msg:last-child .author')?.textContent"), "Алиса Кузнецова")


if __name__ == "__main__":
    unittest.main(verbosity=2)
