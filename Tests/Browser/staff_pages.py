#!/usr/bin/env python3
"""The staff pages in a real browser (Chromium through Selenium) against the real server.

Starts the built `policydesk serve` on a temporary database and a temporary copy of Intents/ and
Templates/, makes a staff account with `policydesk staff add`, and then, as staff would: signs in,
adds an example question and sees /v1/ask answer it, undoes it and sees the old answer back,
promotes an unanswered question, previews the sample roster in GB18030 and sends it from the page
to the fake robot platform (scripts/fake_robot_platform.py) on 127.0.0.1, watches the progress
page until every message is delivered and checks the CSV report row by row; and checks that a
wrong password, a wrong token and a form without its CSRF token are refused. Every page is photographed at phone (390 px) and desktop
(1280 px) widths under .build/screenshots/, and at phone width no page may scroll sideways.
"""
import argparse
import json
import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "browser-test-admin-token-5d1e"
STAFF, PASSWORD = "测试员", "浏览器测试密码 42"
NEW_QUESTION = "刚拿到高企证书能领多少"
MISS = "专利被人抄了怎么办？"
MISS_ITEM = "21.3"

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"ok  {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`policydesk serve` on a temporary folder."""

    def __init__(self, binary, folder):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        for name in ("Intents", "Templates"):
            shutil.copytree(os.path.join(ROOT, name), os.path.join(folder, name))
        self.env = dict(os.environ,
                        POLICYDESK_DB=os.path.join(folder, "policydesk.sqlite"),
                        POLICYDESK_INTENTS=os.path.join(folder, "Intents"),
                        POLICYDESK_TEMPLATES=os.path.join(folder, "Templates"),
                        POLICYDESK_ADMIN_TOKEN=TOKEN,
                        POLICYDESK_PID_FILE=os.path.join(folder, "policydesk.pid"),
                        POLICYDESK_QUESTIONS_PER_MINUTE="1000",
                        LOG_LEVEL="warning")
        self.binary = binary
        self.process = None

    def staff_add(self, name, password):
        done = subprocess.run([self.binary, "staff", "add", name], input=password + "\n", env=self.env,
                              capture_output=True, text=True, timeout=120)
        check(done.returncode == 0, f"policydesk staff add {name} succeeds ({done.stderr.strip()})")
        listed = subprocess.run([self.binary, "staff", "list"], env=self.env, capture_output=True, text=True)
        check(listed.stdout.startswith(name + "\t"), "policydesk staff list shows the account")
        check(password not in listed.stdout and "scrypt" not in listed.stdout, "the list shows no password or hash")

    def start(self):
        self.log = open(os.path.join(self.folder, "server.log"), "w")
        self.process = subprocess.Popen([self.binary, "serve", "--port", str(self.port)], env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer /healthz")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.log.close()

    def request(self, method, path, body=None, headers=None):
        """(status, headers, text) of a request; errors are answers too."""
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def ask(self, text):
        status, _, body = self.request("POST", "/v1/ask", json.dumps({"text": text}),
                                       {"Content-Type": "application/json"})
        assert status == 200, (status, body)
        return json.loads(body)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN",
                     "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/policydesk"))
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build/screenshots"))
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    shots = []

    folder = tempfile.mkdtemp(prefix="policydesk-browser-")
    server = Server(os.path.abspath(args.binary), folder)
    driver = None
    try:
        server.staff_add(STAFF, PASSWORD)
        server.start()
        driver = browser()
        driver.set_window_size(1280, 900)
        base = server.base

        def shoot(name, check_phone_layout=True):
            """The page at both widths, whole height; at phone width nothing may stick out sideways."""
            for width in (390, 1280):
                driver.set_window_size(width, 900)
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(max(height, 600), 6000))
                overflow = driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if width == 390 and check_phone_layout:
                    check(overflow <= 0, f"{name} at 390 px does not scroll sideways (overflow {overflow} px)")
                path = os.path.join(args.screenshots, f"{name}-{width}.png")
                driver.save_screenshot(path)
                shots.append(path)
            driver.set_window_size(1280, 900)

        def text():
            return driver.find_element(By.TAG_NAME, "body").text

        def click(element):
            """Clicks a button that submits a form and waits for the next page to replace this one."""
            page = driver.find_element(By.TAG_NAME, "html")
            element.click()
            WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))

        def click_id(element_id):
            """As click, finding the button afresh if the page was still settling (Chromium can lose a
            node found a moment before it is clicked)."""
            for attempt in range(3):
                try:
                    WebDriverWait(driver, 30).until(expected_conditions.element_to_be_clickable((By.ID, element_id)))
                    return click(driver.find_element(By.ID, element_id))
                except TimeoutException:
                    raise  # clicked, but no new page: clicking again could post twice
                except WebDriverException:
                    if attempt == 2:
                        raise
                    time.sleep(0.5)

        # Anonymous: a page leads to the sign-in form.
        driver.get(base + "/admin/kb")
        check(driver.current_url == base + "/admin/login", "a page without a session goes to /admin/login")
        shoot("login")

        # A wrong password is refused in Chinese, and counted.
        driver.find_element(By.ID, "name").send_keys(STAFF)
        driver.find_element(By.ID, "password").send_keys("not the password")
        click_id("login")
        check("用户名或密码不正确" in text(), "a wrong password is refused: 用户名或密码不正确")
        check(driver.get_cookie("policydesk_session") is None, "a refused sign-in sets no session cookie")
        shoot("login-refused")

        # A wrong admin token is refused on the form and on the API.
        driver.find_element(By.ID, "password").send_keys("wrong-token")
        click_id("login")
        check("管理令牌不正确" in text(), "a wrong admin token on the form is refused: 管理令牌不正确")
        status, _, body = server.request("GET", "/admin/clauses", headers={"Authorization": "Bearer wrong-token"})
        check(status == 401 and "Authorization: Bearer" in body, "a wrong bearer token on the API is 401")

        # Signing in.
        driver.find_element(By.ID, "name").clear()
        driver.find_element(By.ID, "name").send_keys(STAFF)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        click_id("login")
        check(driver.current_url == base + "/admin/", f"signing in leads home ({driver.current_url})")
        check(driver.find_element(By.ID, "who").text == STAFF, "the header shows who is signed in")
        cookie = driver.get_cookie("policydesk_session")
        check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict" and cookie["path"] == "/admin",
              "the session cookie is HttpOnly, SameSite=Strict, Path=/admin")
        check(driver.execute_script("return document.cookie") == "", "page script cannot read the session cookie")
        shoot("home")

        # Knowledge base and an item.
        driver.get(base + "/admin/kb")
        check("第12条" in text() and "12.2" in text(), "the knowledge base lists clause 12 and item 12.2")
        shoot("kb")
        click_id("item-12.2")
        check(driver.current_url == base + "/admin/kb/12.2", "an item opens its page")
        check("区工信和科技局" in text(), "the item page shows the lead unit")
        check(driver.find_element(By.ID, "amount").text.strip() not in ("", "—"), "the item page shows the amount rule in words")
        shoot("item")

        # Add an example question: /v1/ask then answers it with that item.
        before = server.ask(NEW_QUESTION)
        check(not (before["item"] == "12.2" and before["confidence"] == 1), "before: the new wording is not a sure 12.2")
        driver.find_element(By.ID, "example-text").send_keys(NEW_QUESTION)
        click_id("add-example-submit")
        check("已保存" in driver.find_element(By.ID, "notice").text, "adding an example shows 已保存")
        after = server.ask(NEW_QUESTION)
        check(after["item"] == "12.2" and after["confidence"] == 1, f"after: /v1/ask answers it with 12.2 ({after['item']})")

        # The same wording again is refused on the form, nothing written.
        driver.find_element(By.ID, "example-text").send_keys(NEW_QUESTION)
        click_id("add-example-submit")
        check(driver.find_elements(By.ID, "error-add"), "adding an existing example is refused beside the form")
        shoot("item-refused")

        # A form without its CSRF token is refused, nothing changed.
        intents_before = open(os.path.join(folder, "Intents/clauses/12.yaml"), "rb").read()
        page = driver.find_element(By.TAG_NAME, "html")
        driver.execute_script("""
            const form = document.getElementById('add-example');
            form.querySelector('input[name=csrf]').remove();
            form.querySelector('#example-text').value = '没有令牌的问法';
            form.submit();""")
        WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))
        check("CSRF" in text(), "a form without the CSRF token is refused (page names CSRF)")
        shoot("csrf-refused")
        opener = urllib.request.build_opener(NoRedirect)
        form = urllib.parse.urlencode({"text": "没有令牌的问法"}).encode()
        req = urllib.request.Request(base + "/admin/kb/12.2/examples/add", data=form, method="POST",
                                     headers={"Cookie": f"policydesk_session={cookie['value']}",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        try:
            opener.open(req)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        check(status == 403, f"the same form posted without a token is 403 ({status})")
        check(open(os.path.join(folder, "Intents/clauses/12.yaml"), "rb").read() == intents_before,
              "nothing was written by the refused forms")

        # Try a question: the answer as each platform shows it and how it was read.
        driver.get(base + "/admin/try")
        driver.find_element(By.ID, "q").send_keys(NEW_QUESTION)
        click_id("ask")
        check(driver.find_element(By.ID, "reply-text").text.strip() == after["reply"].strip(),
              "the try page shows the WeCom reply exactly as /v1/ask gives it")
        check("**" in driver.find_element(By.ID, "reply-markdown").text, "the try page shows the Markdown reply")
        check(driver.find_element(By.ID, "explain").text.strip() != "", "the try page shows how the question was read")
        shoot("try")

        # History: the edit is there, by the person; undo brings the old answer back.
        driver.get(base + "/admin/history")
        entries = driver.find_elements(By.CSS_SELECTOR, "section.entry")
        check(entries and STAFF in entries[0].find_element(By.CLASS_NAME, "who").text,
              "the history's newest entry names the person signed in")
        shoot("history")
        click(entries[0].find_element(By.CLASS_NAME, "undo"))
        check("已撤销" in driver.find_element(By.ID, "notice").text, "undo shows 已撤销")
        check(server.ask(NEW_QUESTION) == before, "after undo /v1/ask gives the old answer back, field for field")

        # Undoing the first edit again is refused: the undo changed the same examples since.
        first = driver.find_elements(By.CSS_SELECTOR, "section.entry")[1]
        click(first.find_element(By.CLASS_NAME, "undo"))
        check("之后的修改 #" in driver.find_element(By.ID, "error").text and "请先撤销它" in driver.find_element(By.ID, "error").text,
              "a superseded undo is refused in Chinese, naming the later edit to undo first")

        # Misses: promote an unanswered question to an example of an item.
        refused = server.ask(MISS)
        check(refused["item"] != MISS_ITEM, "before: the unanswered question is not answered with " + MISS_ITEM)
        driver.get(base + "/admin/review")
        groups = driver.find_elements(By.CSS_SELECTOR, "section.miss")
        mine = [g for g in groups if g.find_element(By.CLASS_NAME, "question").text == MISS]
        check(mine, "the review page lists the unanswered question")
        shoot("review")
        Select(mine[0].find_element(By.TAG_NAME, "select")).select_by_value(MISS_ITEM)
        click(mine[0].find_element(By.CLASS_NAME, "promote"))
        check("已加为" in driver.find_element(By.ID, "notice").text, "promoting shows 已加为")
        check(server.ask(MISS)["item"] == MISS_ITEM, "after: /v1/ask answers it with " + MISS_ITEM)
        check(not [g for g in driver.find_elements(By.CSS_SELECTOR, "section.miss")
                   if g.find_element(By.CLASS_NAME, "question").text == MISS], "the promoted question left the list")

        # Units: a phone typed into 区金融办's form is in the next reply about the unit.
        check("联系方式还没有登记" in server.ask("金融办电话")["reply"], "before: 区金融办's contact is not filled")
        driver.get(base + "/admin/units")
        section = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.unit")
                   if s.find_element(By.TAG_NAME, "h2").text.startswith("区金融办")]
        check(section, "the units page has a form for 区金融办")
        shoot("units")
        phone = section[0].find_element(By.CSS_SELECTOR, "input[name=phone]")
        phone.clear()
        phone.send_keys("0477-8370000")
        click(section[0].find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check("已保存" in driver.find_element(By.ID, "notice").text, "saving a unit's contact shows 已保存")
        reply = server.ask("金融办电话")["reply"]
        check("电话：0477-8370000" in reply, f"after: the reply about 区金融办 gives the phone ({reply[:60]})")
        section = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.unit")
                   if s.find_element(By.TAG_NAME, "h2").text.startswith("区金融办")]
        names = section[0].find_element(By.CSS_SELECTOR, "input[name=aliases]")
        names.clear()
        names.send_keys("金融局、金融办公室")
        click(section[0].find_element(By.CSS_SELECTOR, "form[id^=aliases-form] button"))
        check("已保存" in driver.find_element(By.ID, "notice").text, "saving a unit's other names shows 已保存")
        check(server.ask("金融局电话")["leadUnit"] == "区金融办", "after: 「金融局电话」 is a question about 区金融办")

        # Campaigns: the sample roster in GB18030, with one bad line added, previewed.
        sample = open(os.path.join(ROOT, "Examples/roster-sample.csv"), encoding="utf-8").read().rstrip("\n")
        bad_line = "坏行企业," + ",".join([""] * (sample.splitlines()[-1].count(",")))
        roster_path = os.path.join(folder, "名单-gb18030.csv")
        with open(roster_path, "wb") as f:
            f.write((sample + "\n" + bad_line + "\n").encode("gb18030"))
        driver.get(base + "/admin/campaigns")
        driver.find_element(By.ID, "roster").send_keys(roster_path)
        click_id("preview")
        check("GB18030" in driver.find_element(By.ID, "roster-summary").text, "the roster is read as GB18030")
        check(int(driver.find_element(By.ID, "enterprise-count").text) > 0, "the roster's enterprises are imported")
        check(int(driver.find_element(By.ID, "refused-count").text) == 1 and driver.find_elements(By.ID, "refused"),
              "the bad line is refused and listed with why")
        check(int(driver.find_element(By.ID, "message-count").text) > 0, "the preview shows who gets a message")
        check(int(driver.find_element(By.ID, "total-yuan").get_attribute("data-yuan")) > 0, "the preview sums the amounts in yuan")
        shoot("campaigns")

        # A campaign planned from the same file on the command line is listed, and its report opens.
        planned = subprocess.run([server.binary, "campaign", "plan", roster_path, "--items", "12.2,9.3,7.3",
                                  "--skip-bad-lines", "--show", "0"], env=server.env, capture_output=True, text=True,
                                 timeout=120)
        check(planned.returncode == 0, f"policydesk campaign plan stores the campaign ({planned.stderr.strip()[-200:]})")
        driver.get(base + "/admin/campaigns")
        links = driver.find_elements(By.CSS_SELECTOR, "#stored a")
        check(len(links) == 4, "the campaigns page lists the stored campaign, its progress and three report formats")
        click(links[1])
        check("示例甲智能装备有限公司" in text(), "the HTML report opens with the session (no token needed)")
        # The report is the campaign report's own HTML (Outreach), not a staff page template: photographed,
        # its phone layout not checked.
        shoot("campaign-report", check_phone_layout=False)

        # Sending from the page: the same sample roster in GB18030, its robots pointed at the fake
        # platform on 127.0.0.1 (the fake's Feishu hook H signs with "fs-" + H).
        fake_log = os.path.join(folder, "fake-robots.jsonl")
        # Its stderr (asyncio's complaints when its standard input closes) goes to a file beside the log.
        fake_errors = open(os.path.join(folder, "fake-robots.err"), "w")
        fake = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/fake_robot_platform.py"), fake_log],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fake_errors, text=True)
        try:
            fake_base = f"http://127.0.0.1:{int(fake.stdout.readline())}"
            local = sample
            for real in ("https://qyapi.weixin.qq.com", "https://oapi.dingtalk.com", "https://open.feishu.cn"):
                local = local.replace(real, fake_base)
            local = local.replace("example0feishu0secret03", "fs-00000000-0000-0000-0000-000000000003")
            send_path = os.path.join(folder, "名单-发送-gb18030.csv")
            with open(send_path, "wb") as f:
                f.write((local + "\n").encode("gb18030"))
            driver.get(base + "/admin/campaigns")
            driver.find_element(By.ID, "roster").send_keys(send_path)
            click_id("preview")
            check("GB18030" in driver.find_element(By.ID, "roster-summary").text, "the roster to send is read as GB18030")
            messages = int(driver.find_element(By.ID, "message-count").text)
            total_yuan = int(driver.find_element(By.ID, "total-yuan").get_attribute("data-yuan"))
            # The page plans with the command line's function: the same counts as `campaign plan` printed above.
            cli = re.search(r"planned: (\d+) messages? .*\(sum of exact estimates; yuan (\d+)\)", planned.stdout, re.S)
            check(cli and (messages, total_yuan) == (int(cli.group(1)), int(cli.group(2))) == (4, 1_200_000),
                  f"the page's preview plans 4 messages, 1200000 元, as `policydesk campaign plan` does ({messages}, {total_yuan})")
            check(driver.find_elements(By.ID, "start"), "the preview offers 开始发送")
            shoot("campaign-start")
            click_id("start")
            found = re.fullmatch(re.escape(base) + r"/admin/campaigns/(\d+)\?started=1", driver.current_url)
            check(found, f"开始发送 leads to the campaign's progress page ({driver.current_url})")
            progress = base + f"/admin/campaigns/{found.group(1)}"
            deadline = time.time() + 300
            while True:
                driver.get(progress)
                phase = driver.find_element(By.ID, "phase").text
                if "已结束" in phase or time.time() > deadline:
                    break
                time.sleep(2)

            def counted(state):
                return int(driver.find_element(By.CSS_SELECTOR, f"#state-{state} td.count").text)

            check("已结束" in phase, f"the progress page says the campaign has ended ({phase})")
            check(counted("delivered") == messages, f"the progress page counts all {messages} messages 已送达")
            check(all(counted(state) == 0 for state in ("planned", "failed", "uncertain", "skipped")),
                  "nothing is left 待发送, 失败, 结果不确定 or 跳过")
            check(counted("total") == messages, "the total is the previewed number of messages")
            check(int(driver.find_element(By.ID, "delivered-yuan").get_attribute("data-yuan")) == total_yuan,
                  f"the delivered messages' yuan equal the preview's total ({total_yuan} 元)")
            shoot("campaign-progress")

            session = driver.get_cookie("policydesk_session")["value"]
            status, headers, body = server.request(
                "GET", f"/admin/campaigns/{found.group(1)}/report?format=csv",
                headers={"Cookie": f"policydesk_session={session}"})
            check(status == 200 and headers["Content-Type"].startswith("text/csv"), "the CSV report downloads with the session")
            rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
            check(len(rows) == messages, f"the CSV report has one row per message ({len(rows)})")
            check(all(row["状态"] == "已送达" and row["发送次数"] == "1" for row in rows),
                  "every CSV row is 已送达 after one call")
            check(sum(int(row["预计金额（元）"]) for row in rows) == total_yuan, "the CSV rows' yuan sum to the preview's total")
            check(any(row["企业名称"] == "示例甲智能装备有限公司" for row in rows), "the CSV names the enterprises")
        finally:
            fake.stdin.close()
            fake.wait(timeout=20)
            fake_errors.close()
        records = [json.loads(line) for line in open(fake_log, encoding="utf-8")]
        check(sum(1 for r in records if r.get("accepted")) == messages and not any(r.get("violation") for r in records),
              f"the fake platform accepted exactly {messages} messages, none over a robot's limit")

        # Refusals were counted.
        _, _, metrics = server.request("GET", "/metrics")
        counted = {reason: sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                               if line.startswith("policydesk_admin_refusals_total") and f'reason="{reason}"' in line)
                   for reason in ("password", "token", "csrf")}
        check(counted["password"] >= 1 and counted["token"] >= 2 and counted["csrf"] >= 2,
              f"refusals are counted in policydesk_admin_refusals_total ({counted})")

        # Signing out ends the session in the browser.
        driver.get(base + "/admin/")
        click_id("logout")
        check(driver.current_url.startswith(base + "/admin/login"), "signing out leads to the sign-in page")
        driver.get(base + "/admin/kb")
        check(driver.current_url == base + "/admin/login", "after signing out a page needs signing in again")
    finally:
        if driver:
            driver.quit()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{checks} checks passed; screenshots:")
    for path in shots:
        print("  " + os.path.relpath(path, ROOT))


if __name__ == "__main__":
    sys.exit(main())
