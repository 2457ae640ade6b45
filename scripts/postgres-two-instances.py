#!/usr/bin/env python3
"""Two real `policydesk serve` processes on one PostgreSQL database, as behind a load balancer.

Checks, each against both processes:
  * the same WeCom message (one MsgId, one encrypted body) posted to both at once is answered
    once in all (the match counters of the two summed) and both replies decrypt to the same text;
    likewise one DingTalk msgId;
  * a clarification asked on A (新认定的高企能拿多少钱 → which scale?) is finished on B (规上 → 20万);
  * an admin edit made through A is served by B within 1 s, and undone through B;
  * kill -9 of A mid-burst: every message is answered, what A left unanswered by B on the
    platform's retry, what A answered replayed by B from the database;
  * PostgreSQL stopped under the running servers: WeCom and DingTalk get the polite busy reply
    (HTTP 200, WeCom's encrypted, DingTalk's Markdown) within WeCom's 5 s window, counted in
    /metrics, /healthz says why, nothing crashes, and once PostgreSQL is back both instances
    answer again with no restart.

Usage: postgres-two-instances.py --binary .build/debug/policydesk --db postgres://… \
           --pg-stop 'CMD' --pg-start 'CMD'
Prints one line per check and the figures measured; exits 1 on any failure.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import peers  # noqa: E402

ADMIN_TOKEN = "two-instance-admin-token-0123456789"
FAILURES = []


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=15):
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("  FAILED: " + message)
    return condition


class Instance:
    def __init__(self, name, binary, db, workdir):
        self.name = name
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        folder = Path(workdir) / name
        folder.mkdir()
        # Each instance has its own copy of the files, as on two machines.
        shutil.copytree(ROOT / "Intents", folder / "Intents")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYDESK_", "WECOM_", "DINGTALK_", "FEISHU_"))}
        env.update(peers.server_environment())
        env.update({
            "POLICYDESK_HOST": "127.0.0.1", "POLICYDESK_PORT": str(self.port), "POLICYDESK_DB": db,
            "POLICYDESK_INTENTS": str(folder / "Intents"), "POLICYDESK_TEMPLATES": str(ROOT / "Templates"),
            "POLICYDESK_PID_FILE": str(folder / "policydesk.pid"), "POLICYDESK_ADMIN_TOKEN": ADMIN_TOKEN,
            "FEISHU_API_BASE": "http://127.0.0.1:9", "LOG_LEVEL": "info",
        })
        self.log_path = folder / "server.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary, "serve"], env=env, cwd=folder, stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_healthy(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.process.returncode, self.log_text()[-3000:]))
            try:
                status, body = http("GET", self.base + "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("%s not healthy in %ds:\n%s" % (self.name, timeout, self.log_text()[-3000:]))

    def log_text(self):
        return self.log_path.read_text("utf-8", "replace")

    def ask(self, text, user):
        status, body = http("POST", self.base + "/v1/ask", json.dumps({"text": text, "user": user}, ensure_ascii=False),
                            {"Content-Type": "application/json"})
        return status, (json.loads(body) if status == 200 else body)

    def admin(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + ADMIN_TOKEN, "Content-Type": "application/json"}
        status, text = http(method, self.base + "/admin" + path,
                            json.dumps(body, ensure_ascii=False) if body is not None else None, headers)
        return status, text

    def answered(self, channel):
        _, text = http("GET", self.base + "/metrics")
        total = 0.0
        for line in text.splitlines():
            if line.startswith("policydesk_match_outcomes_total") and 'channel="%s"' % channel in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def both_at_once(calls):
    results = [None] * len(calls)

    def run(i, call):
        results[i] = call()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def check_wecom_once(a, b):
    print("== one WeCom message id posted to both instances at once")
    before = a.answered("wecom") + b.answered("wecom")
    msg_id = str(7300000000000000000 + int(time.time()))
    path, body = peers.wecom_request(peers.wecom_text_xml("wangwu", "新认定的高企能拿多少钱", msg_id))
    replies = both_at_once([lambda: http("POST", a.base + path, body), lambda: http("POST", b.base + path, body)])
    texts = []
    for (status, xml), who in zip(replies, "AB"):
        check(status == 200, "WeCom on %s answered %s: %s" % (who, status, xml[:200]))
        if status == 200 and "<Encrypt>" in xml:
            texts.append(peers.wecom_open_reply(xml)[0].content)
    check(len(texts) == 2 and texts[0] == texts[1], "both instances give the same WeCom reply: %r" % [t[:40] for t in texts])
    computed = a.answered("wecom") + b.answered("wecom") - before
    check(computed == 1, "the WeCom message was computed %g times over both instances, not once" % computed)
    print("  computed %g time(s); replies equal: %s" % (computed, len(texts) == 2 and texts[0] == texts[1]))


def check_dingtalk_once(a, b):
    print("== one DingTalk msgId posted to both instances at once")
    before = a.answered("dingtalk") + b.answered("dingtalk")
    body = peers.dingtalk_body("新认定的高企能拿多少钱", "msgTwo%s==" % uuid.uuid4().hex[:12], sender="zhaoliu")
    headers = peers.dingtalk_headers()
    replies = both_at_once([lambda: http("POST", a.base + "/webhooks/dingtalk", body, headers),
                            lambda: http("POST", b.base + "/webhooks/dingtalk", body, headers)])
    check(all(status == 200 for status, _ in replies), "DingTalk statuses %s" % [s for s, _ in replies])
    check(replies[0][1] == replies[1][1] and "markdown" in replies[0][1],
          "both instances give the same DingTalk reply: %r / %r" % (replies[0][1][:80], replies[1][1][:80]))
    computed = a.answered("dingtalk") + b.answered("dingtalk") - before
    check(computed == 1, "the DingTalk message was computed %g times over both instances, not once" % computed)
    print("  computed %g time(s)" % computed)


def check_clarification_across(a, b):
    print("== a clarification asked on A is finished on B")
    user = "cross-%s" % uuid.uuid4().hex[:8]
    status, first = a.ask("新认定的高企能拿多少钱", user)
    check(status == 200 and first.get("needs") == ["scale"], "A asks back for the scale: %s" % (first,))
    status, second = b.ask("规上", user)
    amount = (second.get("amount") or {}).get("yuan") if status == 200 else None
    check(status == 200 and second.get("item") == "12.2" and amount == 200000,
          "B finishes it: item 12.2, 200000 yuan, got %s" % ({k: second.get(k) for k in ("item", "amount", "kind")}
                                                            if status == 200 else second))
    print("  B answered item %s with %s yuan" % (second.get("item"), amount))


def check_admin_edit_across(a, b):
    print("== an admin edit through A is served by B within 1 s, and undone through B")
    status, text = a.admin("GET", "/items/12.2")
    if not check(status == 200, "GET /admin/items/12.2 on A: %s %s" % (status, text[:200])):
        return
    original = json.loads(text)["text"]
    marker = "（两实例同步检查%s）" % uuid.uuid4().hex[:6]
    edited_at = time.time()
    status, text = a.admin("PUT", "/items/12.2/text", {"text": original + marker})
    if not check(status == 200, "PUT text through A: %s %s" % (status, text[:300])):
        return
    audit_id = json.loads(text).get("id") or json.loads(text).get("audit", {}).get("id")
    seen_after = None
    while time.time() - edited_at < 3:
        status, item = b.admin("GET", "/items/12.2")
        if status == 200 and marker in json.loads(item)["text"]:
            seen_after = time.time() - edited_at
            break
        time.sleep(0.02)
    check(seen_after is not None and seen_after <= 1.0, "B served A's edit after %s s (limit 1 s)" % seen_after)
    print("  B served the edit %.0f ms after A made it" % ((seen_after or 0) * 1000))
    status, answer = b.ask("新认定的规上高企能拿多少钱", "edit-%s" % uuid.uuid4().hex[:6])
    check(status == 200 and marker in answer.get("reply", ""), "B's answer quotes the edited text")
    if audit_id is None:
        check(False, "the edit's response names no audit id: %s" % text[:200])
        return
    status, text = b.admin("POST", "/audit/%s/undo" % audit_id)
    check(status == 200, "undo through B: %s %s" % (status, text[:300]))
    undone_at = time.time()
    restored = None
    while time.time() - undone_at < 3:
        status, item = a.admin("GET", "/items/12.2")
        if status == 200 and json.loads(item)["text"] == original:
            restored = time.time() - undone_at
            break
        time.sleep(0.02)
    check(restored is not None and restored <= 1.0, "A served the undo after %s s (limit 1 s)" % restored)
    print("  A served the undo %.0f ms after B made it" % ((restored or 0) * 1000))


BUSY = "系统繁忙，请稍后再试"


def busy_replies(instance):
    """policydesk_store_busy_replies_total of one instance, all channels."""
    _, text = http("GET", instance.base + "/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("policydesk_store_busy_replies_total"))


class Burst:
    """WeCom messages to A and B in turn, every 50 ms, for as long as it runs: what a group chat
    keeps sending while PostgreSQL stops and starts under the instances."""

    def __init__(self, a, b):
        self.instances = (a, b)
        self.results = []  # (instance name, sent at, seconds, status, "answer" | "busy" | "error")
        self.running = True
        self.thread = threading.Thread(target=self.run)

    def run(self):
        i = 0
        while self.running:
            target = self.instances[i % 2]
            msg_id = str(7600000000000000000 + int(time.time() * 1000) * 10 + i % 10)
            path, body = peers.wecom_request(peers.wecom_text_xml("burst%d" % (i % 50), "规上企业新认定高企能拿多少钱", msg_id))
            sent = time.time()
            try:
                status, xml = http("POST", target.base + path, body, timeout=10)
                text = wecom_reply_text(status, xml)
                kind = "busy" if text and BUSY in text else "answer" if text and "20万" in text else "error"
            except OSError:
                status, kind = None, "error"
            self.results.append((target.name, sent, time.time() - sent, status, kind))
            i += 1
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()

    def count(self, name, kind):
        return sum(1 for who, _, _, _, k in self.results if who == name and k == kind)


def check_database_restart(a, b, pg_stop, pg_start):
    print("== PostgreSQL stopped and started again under both instances, mid-burst")
    busy_before = {instance.name: busy_replies(instance) for instance in (a, b)}
    with Burst(a, b) as burst:
        time.sleep(1)
        restart_under_burst(a, b, pg_stop, pg_start)
        time.sleep(1)
    errors = [r for r in burst.results if r[4] == "error"]
    check(not errors, "every message of the burst got the answer or the polite reply, never an error: %s" % errors[:3])
    slow = [r for r in burst.results if r[2] >= 5]
    check(not slow, "every reply of the burst came within WeCom's 5 s: %s" % slow[:3])
    answered_after = [r for r in burst.results if r[4] == "answer" and r[1] > burst.results[-1][1] - 0.9]
    check(answered_after, "the burst is answered again at its end")
    for instance in (a, b):
        counted = busy_replies(instance) - busy_before[instance.name]
        expected = burst.count(instance.name, "busy") + (2 + RECOVERY_BUSY[0] if instance is a else 0)
        check(counted == expected, "/metrics on %s counts its %d polite replies: %g" % (instance.name, expected, counted))
    print("  burst: %d messages, %d answered, %d polite replies, %d errors, slowest %.1f s" % (
        len(burst.results), sum(1 for r in burst.results if r[4] == "answer"),
        sum(1 for r in burst.results if r[4] == "busy"), len(errors), max(r[2] for r in burst.results)))


RECOVERY_BUSY = [0]


def restart_under_burst(a, b, pg_stop, pg_start):
    subprocess.run(pg_stop, shell=True, check=True, stdout=subprocess.DEVNULL)
    try:
        msg_id = str(7400000000000000000 + int(time.time()))
        path, body = peers.wecom_request(peers.wecom_text_xml("zhaoliu", "新认定的高企能拿多少钱", msg_id))
        started = time.time()
        status, xml = http("POST", a.base + path, body, timeout=10)
        took = time.time() - started
        check(status == 200 and "<Encrypt>" in xml,
              "WeCom with the database down gets an encrypted 200, not an error: %s %s" % (status, xml[:200]))
        if status == 200 and "<Encrypt>" in xml:
            text = peers.wecom_open_reply(xml)[0].content
            check(BUSY in text, "the WeCom reply is the polite busy reply: %r" % text[:80])
        check(took < 5, "the WeCom reply came within its 5 s window: %.1f s" % took)
        print("  WeCom answered %s with the polite reply in %.1f s" % (status, took))
        body = peers.dingtalk_body("新认定的高企能拿多少钱", "msgDown%s==" % uuid.uuid4().hex[:12])
        started = time.time()
        status, text = http("POST", a.base + "/webhooks/dingtalk", body, peers.dingtalk_headers(), timeout=10)
        took = time.time() - started
        check(status == 200 and BUSY in text and json.loads(text).get("msgtype") == "markdown",
              "DingTalk with the database down gets its normal Markdown reply, the polite one: %s %s"
              % (status, text[:200]))
        check(took < 5, "the DingTalk reply came within 5 s: %.1f s" % took)
        print("  DingTalk answered %s with the polite reply in %.1f s" % (status, took))
        status, text = http("GET", a.base + "/healthz")
        check(status == 503 and "store failing" in text, "/healthz says the store fails: %s %s" % (status, text[:200]))
        status, answer = b.ask("新认定的规上高企能拿多少钱", "down-%s" % uuid.uuid4().hex[:6])
        check(status == 200 and (answer.get("amount") or {}).get("yuan") == 200000,
              "/v1/ask still answers from the knowledge base with the database down: %s" % (status,))
    finally:
        subprocess.run(pg_start, shell=True, check=True, stdout=subprocess.DEVNULL)
    back_at = time.time()
    recovered = None
    while time.time() - back_at < 30:
        body = peers.dingtalk_body("新认定的高企能拿多少钱", "msgBack%s==" % uuid.uuid4().hex[:12])
        status, text = http("POST", a.base + "/webhooks/dingtalk", body, peers.dingtalk_headers(), timeout=10)
        if status == 200 and BUSY not in text:
            recovered = time.time() - back_at
            break
        if status == 200:
            RECOVERY_BUSY[0] += 1
        time.sleep(0.2)
    check(recovered is not None, "A answers webhooks (not the busy reply) again once PostgreSQL is back")
    status, text = http("GET", a.base + "/healthz")
    check(status == 200, "/healthz is well again: %s %s" % (status, text[:200]))
    status, text = http("POST", b.base + "/webhooks/dingtalk",
                        peers.dingtalk_body("新认定的高企能拿多少钱", "msgBackB%s==" % uuid.uuid4().hex[:10]),
                        peers.dingtalk_headers())
    check(status == 200 and BUSY not in text, "B answers webhooks again too: %s" % status)
    check(a.process.poll() is None and b.process.poll() is None, "both instances are still running")
    print("  answering again %.1f s after PostgreSQL started" % (recovered or -1))


def wecom_reply_text(status, xml):
    """The decrypted text of a WeCom passive reply, or None for an error or a bare acknowledgement."""
    if status != 200 or "<Encrypt>" not in xml:
        return None
    return peers.wecom_open_reply(xml)[0].content


def check_kill_mid_burst(a, b):
    print("== kill -9 of A in the middle of a burst alternating A and B; the platform retries on B")
    total, kill_after = 80, 30
    messages = []
    for i in range(total):
        msg_id = str(7500000000000000000 + int(time.time()) * 1000 + i)
        messages.append(peers.wecom_request(peers.wecom_text_xml("burst%02d" % i, "规上企业新认定高企能拿多少钱", msg_id)))
    outcomes = [None] * total
    done = threading.Semaphore(0)
    lock = threading.Lock()
    finished = [0]

    def send(i):
        target = a if i % 2 == 0 else b
        path, body = messages[i]
        try:
            status, xml = http("POST", target.base + path, body, timeout=10)
            outcomes[i] = (target.name, wecom_reply_text(status, xml))
        except OSError as error:
            outcomes[i] = (target.name, None)
        with lock:
            finished[0] += 1
            if finished[0] == kill_after:
                done.release()

    def killer():
        done.acquire()
        a.process.kill()  # SIGKILL: no shutdown, whatever A was answering stays claimed
        a.process.wait()
    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    queue = list(range(total))
    workers = []
    for w in range(8):
        def work(start=w):
            for i in queue[start::8]:
                send(i)
                time.sleep(0.01)
        workers.append(threading.Thread(target=work))
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    kill_thread.join()
    check(a.process.poll() is not None, "A was killed mid-burst")
    unanswered = [i for i, (_, text) in enumerate(outcomes) if text is None]
    answered_by_a = [i for i, (who, text) in enumerate(outcomes) if who == "A" and text is not None]
    print("  %d of %d answered before the retries (%d by A before it died); %d to retry"
          % (total - len(unanswered), total, len(answered_by_a), len(unanswered)))
    check(unanswered, "the kill left some messages unanswered (else it came too late to test anything)")
    # WeCom retries a message it got no answer for about 5 s later; the load balancer sends it to B.
    time.sleep(5)
    retried = {}
    for i in unanswered:
        path, body = messages[i]
        status, xml = http("POST", b.base + path, body, timeout=10)
        retried[i] = wecom_reply_text(status, xml)
    lost = [i for i, text in retried.items() if not text or BUSY in text]
    check(not lost, "every message A left unanswered is answered on B's retry: %d lost %s" % (len(lost), lost[:5]))
    money = [text for text in list(retried.values()) + [t for _, t in outcomes if t] if text]
    check(all("20万" in text for text in money), "every reply names 20万元: %r" % [t[:30] for t in money if "20万" not in t][:3])
    # A retry of what A did answer gets A's stored reply from B, not a second computation.
    before = b.answered("wecom")
    same = 0
    for i in answered_by_a[:5]:
        path, body = messages[i]
        status, xml = http("POST", b.base + path, body, timeout=10)
        same += wecom_reply_text(status, xml) == outcomes[i][1]
    check(same == min(5, len(answered_by_a)) and b.answered("wecom") == before,
          "B gives A's stored reply to a retry of what A answered, computing nothing: %d same, %g computed"
          % (same, b.answered("wecom") - before))
    print("  after the retries: %d lost; A's answers replayed by B: %d of %d"
          % (len(lost), same, min(5, len(answered_by_a))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--pg-stop", required=True)
    parser.add_argument("--pg-start", required=True)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="policydesk-two-")
    instances = []
    try:
        # Started together: the migrations run once, under the advisory lock.
        started = time.time()
        instances = [Instance("A", args.binary, args.db, workdir), Instance("B", args.binary, args.db, workdir)]
        for instance in instances:
            instance.wait_healthy()
        print("== both instances started together and healthy in %.1f s" % (time.time() - started))
        a, b = instances
        for name, check_once in [("wecom", check_wecom_once), ("dingtalk", check_dingtalk_once),
                                 ("clarification", check_clarification_across), ("admin", check_admin_edit_across)]:
            try:
                check_once(a, b)
            except Exception as error:  # one broken check must not hide the others
                check(False, "%s raised %r" % (name, error))
        check_database_restart(a, b, args.pg_stop, args.pg_start)
        try:
            check_kill_mid_burst(a, b)
        except Exception as error:
            check(False, "kill mid-burst raised %r" % (error,))
        for instance in instances:
            for secret in (ADMIN_TOKEN, peers.DINGTALK_APP_SECRET, peers.WECOM_AES_KEY):
                check(secret not in instance.log_text(), "%s's log holds a secret" % instance.name)
    finally:
        for instance in instances:
            instance.stop()
        if FAILURES:
            for instance in instances:
                print("---- %s log (tail)\n%s" % (instance.name, instance.log_text()[-4000:]))
        shutil.rmtree(workdir, ignore_errors=True)
    print("two instances: %s" % ("%d failed" % len(FAILURES) if FAILURES else "all passed"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
