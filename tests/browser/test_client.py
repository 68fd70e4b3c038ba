"""Browser tests of the Atrium web client in a real headless Chromium (Selenium).

Run through tests/browser/run.sh, which starts a server with fresh data and sets
ATRIUM_URL, ATRIUM_PASSWORD, ATRIUM_ARTIFACTS and ATRIUM_DOCS."""

import os
import shutil
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from proxy import CuttableProxy

URL = os.environ.get("ATRIUM_URL", "http://127.0.0.1:8080")
PASSWORD = os.environ.get("ATRIUM_PASSWORD", "secret-pass")
ARTIFACTS = os.environ.get("ATRIUM_ARTIFACTS", "artifacts/screenshots")
DOCS = os.environ.get("ATRIUM_DOCS", "")
WAIT = 15


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
                      and "WebSocket" not in e["message"] and "ERR_" not in e["message"]]
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
        # the cabinet zone shows one's own cabinet only
        cabinets = p.js("return [...document.querySelectorAll('.zone-private .room-name')].map(e => e.textContent)")
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
        # carol has no edit button on alice's message
        self.assertEqual(b.js("return document.querySelector('#message-log .msg:last-child .msg-actions')"), None)
        btn = a.d.find_elements(By.CSS_SELECTOR, "#message-log .msg.own .msg-actions button")[-1]
        a.js("arguments[0].click()", btn)
        a.wait(lambda: a.d.find_element(By.CSS_SELECTOR, "dialog[open] .button.danger")).click()
        b.wait(lambda: b.count("Домашнее задание: стр. 14") == 0 and "Сообщение удалено" in b.d.find_element(By.ID, "message-log").text,
               message="delete not seen live")

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
