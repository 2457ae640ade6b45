#!/usr/bin/env python3
"""Interop and restart tests of the real ``policydesk serve`` binary.

Starts the server on 127.0.0.1 (a free port, a temporary SQLite file, secrets in the
environment) and a fake Feishu open API (Python ``http.server`` on 127.0.0.1) that issues
tenant access tokens and records reply calls; then talks to the server the way the platforms
do, using the platforms' own SDKs (see ``peers.py``):

interop
  * WeCom (wechatpy 1.8.18): URL verification; a text message encrypted and signed by
    ``WeChatCrypto``; the server's passive reply checked and decrypted by wechatpy and parsed
    by ``wechatpy.enterprise.parse_message``; it must name the clause's 牵头单位. The same
    MsgId again gets the same reply, computed once; a bad signature is refused.
  * DingTalk: the doc's HMAC-SHA256 ``sign`` header; a Markdown reply naming the 牵头单位; a
    bad sign is refused.
  * Feishu (lark-oapi 1.7.5): an encrypted, signed im.message.receive_v1 that lark-oapi's own
    dispatcher accepts; the reply arrives at the fake API and is parsed with lark-oapi's
    ``ReplyMessageRequestBody``; the same event_id again is not answered twice.

restart
  * A WeCom message and a half-finished /v1/ask conversation, then ``kill -9``; a new server
    on the same database answers the retried MsgId from the store (no answer computed: all
    match outcomes are 0 in /metrics) and completes the conversation (「规下」 → 100000).

Usage: ``python3 Tests/Interop/run.py [--binary PATH] [--only interop|restart]``. The binary
defaults to ``$POLICYDESK_BIN`` or ``.build/debug/policydesk``. Prints one line per check and
``N passed, M failed``; exits 1 on any failure. Needs ``pip install wechatpy==1.8.18
cryptography pycryptodome lark-oapi==1.7.5`` (``.ci/interop.sh`` installs them).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "新认定的高企能拿多少钱"
QUESTION_WITH_SCALE = "规上企业新认定高企能拿多少钱"


# --------------------------------------------------------------------------- plumbing

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=15):
    """(status, headers, body text) without raising on 4xx/5xx."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


class FakeFeishu:
    """Fake Feishu open API on 127.0.0.1: tokens for the right app credentials, and a record
    of every reply call."""

    TOKEN = "t-interop-fake-tenant-token"

    def __init__(self):
        self.lock = threading.Lock()
        self.token_requests = []
        self.replies = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, obj):
                data = json.dumps(obj).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/open-apis/auth/v3/tenant_access_token/internal":
                    body = json.loads(raw or b"{}")
                    ok = body.get("app_id") == peers.FEISHU_APP_ID and body.get("app_secret") == peers.FEISHU_APP_SECRET
                    with fake.lock:
                        fake.token_requests.append(body)
                    if ok:
                        self._send(200, {"code": 0, "msg": "ok", "tenant_access_token": FakeFeishu.TOKEN, "expire": 7200})
                    else:
                        self._send(200, {"code": 10014, "msg": "app secret invalid"})
                    return
                match = re.fullmatch(r"/open-apis/im/v1/messages/([^/]+)/reply", self.path)
                if match:
                    if self.headers.get("Authorization") != "Bearer " + FakeFeishu.TOKEN:
                        self._send(200, {"code": 99991663, "msg": "invalid tenant token"})
                        return
                    with fake.lock:
                        fake.replies.append({"message_id": match.group(1), "headers": dict(self.headers),
                                             "body": raw.decode("utf-8")})
                        n = len(fake.replies)
                    self._send(200, {"code": 0, "msg": "success", "data": {"message_id": "om_fake_reply_%d" % n}})
                    return
                self._send(404, {"code": 404, "msg": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply_count(self):
        with self.lock:
            return len(self.replies)

    def wait_for_replies(self, count, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.reply_count() >= count:
                return True
            time.sleep(0.05)
        return self.reply_count() >= count

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Server:
    """One `policydesk serve` process on 127.0.0.1."""

    def __init__(self, binary, db_path, workdir, feishu_base, port=None):
        self.binary = binary
        self.db_path = db_path
        self.port = port or free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(workdir, "server-%d-%s.log" % (self.port, uuid.uuid4().hex[:6]))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("POLICYDESK_", "WECOM_", "DINGTALK_", "FEISHU_"))}
        env.update(peers.server_environment())
        env.update({
            "POLICYDESK_HOST": "127.0.0.1", "POLICYDESK_PORT": str(self.port), "POLICYDESK_DB": db_path,
            "POLICYDESK_INTENTS": str(ROOT / "Intents"), "POLICYDESK_TEMPLATES": str(ROOT / "Templates"),
            "FEISHU_API_BASE": feishu_base, "LOG_LEVEL": "info",
        })
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary, "serve"], env=env, cwd=workdir, stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("policydesk serve exited with %s:\n%s" % (self.process.returncode, self.log_tail()))
            try:
                status, _, body = http("GET", self.base_url + "/healthz", timeout=2)
                if status == 200 and body == "ok":
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("policydesk serve did not become healthy in %ds:\n%s" % (timeout, self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def get(self, path):
        return http("GET", self.base_url + path)

    def post(self, path, body, headers=None):
        return http("POST", self.base_url + path, body, headers)

    def ask(self, text, user=None):
        payload = {"text": text}
        if user:
            payload["user"] = user
        status, _, body = self.post("/v1/ask", json.dumps(payload, ensure_ascii=False),
                                    {"Content-Type": "application/json"})
        check(status == 200, "/v1/ask answered %s: %s" % (status, body[:200]))
        return json.loads(body)

    def metric(self, name, **labels):
        """Sum of the samples of `name` whose labels include `labels`."""
        status, _, text = self.get("/metrics")
        check(status == 200, "/metrics answered %s" % status)
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name) or line.startswith("#"):
                continue
            series, _, value = line.rpartition(" ")
            found = dict(re.findall(r'(\w+)="([^"]*)"', series))
            if series.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
                total += float(value)
        return total

    def kill9(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


# --------------------------------------------------------------------------- checks

def lead_unit_for(server, question):
    answer = server.ask(question)
    lead = answer.get("leadUnit")
    check(answer.get("matched") is True and isinstance(lead, str) and lead, "no 牵头单位 for %r: %r" % (question, answer))
    return lead


def check_wecom_url_verification(server, fake):
    crypto = peers.wecom_crypto()
    timestamp, nonce, echo = str(int(time.time())), "1372623149", "8187302516943451723"
    envelope = crypto.encrypt_message(echo, nonce, timestamp)
    echostr = peers._xml_field(envelope, "Encrypt")
    signature = peers._xml_field(envelope, "MsgSignature")
    query = urllib.parse.urlencode({"msg_signature": signature, "timestamp": timestamp, "nonce": nonce, "echostr": echostr})
    status, _, body = server.get("/webhooks/wecom?" + query)
    check(status == 200 and body == echo, "URL verification answered %s %r, want 200 %r" % (status, body[:100], echo))
    # wechatpy's own check of what WeCom would send agrees.
    check(crypto.check_signature(signature, timestamp, nonce, echostr) == echo, "wechatpy disagrees with itself")


def check_wecom_message(server, fake):
    lead = lead_unit_for(server, QUESTION)
    msg_id = str(7_300_000_000_000_000_000 + int(time.time()) % 1_000_000)
    xml = peers.wecom_text_xml("interop-wecom", QUESTION, msg_id)
    before = server.metric("policydesk_match_outcomes_total", channel="wecom")

    path, body = peers.wecom_request(xml)
    status, headers, reply = server.post(path, body, {"Content-Type": "text/xml"})
    check(status == 200, "WeCom message answered %s: %s" % (status, reply[:200]))
    message, plaintext = peers.wecom_open_reply(reply)
    check(message.type == "text", "reply type %r" % message.type)
    check(message.target == "interop-wecom", "reply addressed to %r" % message.target)
    check(message.source == peers.WECOM_CORP_ID, "reply from %r" % message.source)
    check("牵头单位" in message.content and lead in message.content,
          "the reply does not name the 牵头单位 %s: %r" % (lead, message.content[:300]))
    check(len(message.content.encode("utf-8")) <= 2048, "reply longer than WeCom's 2048 bytes")

    # WeCom's retry: a new request (fresh timestamp and nonce) carrying the same MsgId.
    path2, body2 = peers.wecom_request(xml)
    status2, _, reply2 = server.post(path2, body2, {"Content-Type": "text/xml"})
    check(status2 == 200, "WeCom retry answered %s" % status2)
    again, _ = peers.wecom_open_reply(reply2)
    check(again.content == message.content, "the retry got a different reply")
    after = server.metric("policydesk_match_outcomes_total", channel="wecom")
    check(after - before == 1, "answers computed for one MsgId sent twice: %s" % (after - before))


def check_wecom_bad_signature(server, fake):
    xml = peers.wecom_text_xml("interop-wecom", QUESTION, "7399999999999999999")
    path, body = peers.wecom_request(xml)
    forged = re.sub(r"msg_signature=[0-9a-f]+", "msg_signature=" + "0" * 40, path)
    before = server.metric("policydesk_match_outcomes_total", channel="wecom")
    status, _, text = server.post(forged, body, {"Content-Type": "text/xml"})
    check(status == 401, "forged WeCom signature answered %s: %s" % (status, text[:200]))
    check(server.metric("policydesk_match_outcomes_total", channel="wecom") == before, "a forged message was answered")


def check_dingtalk_message(server, fake):
    lead = lead_unit_for(server, QUESTION)
    body = peers.dingtalk_body(QUESTION, "msgInterop%s==" % uuid.uuid4().hex[:12])
    status, headers, text = server.post("/webhooks/dingtalk", body, peers.dingtalk_headers())
    check(status == 200, "DingTalk message answered %s: %s" % (status, text[:200]))
    reply = json.loads(text)
    check(reply.get("msgtype") == "markdown", "DingTalk reply is not markdown: %r" % text[:200])
    markdown = reply.get("markdown") or {}
    check(markdown.get("title"), "markdown reply without a title")
    check(lead in (markdown.get("text") or ""), "DingTalk reply does not name %s: %r" % (lead, text[:300]))


def check_dingtalk_bad_sign(server, fake):
    body = peers.dingtalk_body(QUESTION, "msgInteropBad%s==" % uuid.uuid4().hex[:8])
    headers = peers.dingtalk_headers(secret="SECnot-the-app-secret")
    status, _, text = server.post("/webhooks/dingtalk", body, headers)
    check(status == 401, "bad DingTalk sign answered %s: %s" % (status, text[:200]))
    stale = peers.dingtalk_headers(timestamp_ms=int(time.time() * 1000) - 2 * 3600 * 1000)
    status, _, text = server.post("/webhooks/dingtalk", body, stale)
    check(status == 401, "2-hour-old DingTalk timestamp answered %s: %s" % (status, text[:200]))


def check_feishu_url_verification(server, fake):
    plain = json.dumps({"challenge": "interop-challenge-1", "token": peers.FEISHU_VERIFICATION_TOKEN,
                        "type": "url_verification"})
    body = json.dumps({"encrypt": peers.feishu_encrypt(plain)})
    status, _, text = server.post("/webhooks/feishu", body, {"Content-Type": "application/json"})
    check(status == 200 and json.loads(text) == {"challenge": "interop-challenge-1"},
          "Feishu url_verification answered %s %r" % (status, text[:200]))


def check_feishu_message(server, fake):
    from lark_oapi.api.im.v1 import ReplyMessageRequestBody
    from lark_oapi.core.json import JSON as LarkJSON

    lead = lead_unit_for(server, QUESTION_WITH_SCALE)
    event_id = uuid.uuid4().hex
    message_id = "om_" + uuid.uuid4().hex
    plaintext = peers.feishu_message_event(QUESTION_WITH_SCALE, event_id=event_id, message_id=message_id)
    headers, body = peers.feishu_request(plaintext)
    parsed = peers.lark_accepts(headers, body)
    check(parsed.event.message.message_id == message_id, "lark-oapi parsed another message id")

    before = fake.reply_count()
    status, _, text = server.post("/webhooks/feishu", body, headers)
    check(status == 200, "Feishu event answered %s: %s" % (status, text[:200]))
    check(fake.wait_for_replies(before + 1), "no reply reached the fake Feishu API\n" + server.log_tail())
    call = fake.replies[before]
    check(call["message_id"] == message_id, "reply to %r, want %r" % (call["message_id"], message_id))
    check(call["headers"].get("Authorization") == "Bearer " + FakeFeishu.TOKEN, "reply sent without the tenant token")
    reply = LarkJSON.unmarshal(call["body"], ReplyMessageRequestBody)
    check(reply.msg_type == "text", "reply msg_type %r" % reply.msg_type)
    check(reply.uuid == "reply-" + event_id, "reply uuid %r is not derived from the event id" % reply.uuid)
    content = json.loads(reply.content)
    check(lead in content.get("text", "") and "20万" in content.get("text", ""),
          "Feishu reply does not name %s / 20万: %r" % (lead, content))
    check(any(t.get("app_id") == peers.FEISHU_APP_ID for t in fake.token_requests), "no tenant token was requested")

    # Feishu's retry of the same event (new envelope, new signature) gets no second reply.
    headers2, body2 = peers.feishu_request(plaintext)
    status, _, text = server.post("/webhooks/feishu", body2, headers2)
    check(status == 200, "Feishu retry answered %s" % status)
    time.sleep(1.0)
    check(fake.reply_count() == before + 1, "the retried event was answered again")


def check_feishu_bad_signature(server, fake):
    plaintext = peers.feishu_message_event(QUESTION)
    headers, body = peers.feishu_request(plaintext)
    headers["X-Lark-Signature"] = "0" * 64
    before = fake.reply_count()
    status, _, text = server.post("/webhooks/feishu", body, headers)
    check(status == 401, "bad Feishu signature answered %s: %s" % (status, text[:200]))
    wrong_token = peers.feishu_message_event(QUESTION, token="not-our-token")
    headers, body = peers.feishu_request(wrong_token)
    status, _, text = server.post("/webhooks/feishu", body, headers)
    check(status == 401, "wrong Feishu token answered %s: %s" % (status, text[:200]))
    time.sleep(0.3)
    check(fake.reply_count() == before, "a refused Feishu event was answered")


def check_restart(binary, workdir, fake):
    """kill -9 in the middle of a conversation and after a WeCom answer; state must survive."""
    db = os.path.join(workdir, "restart.sqlite")
    xml = peers.wecom_text_xml("restart-user", QUESTION_WITH_SCALE, "7400000000000000001")
    first = Server(binary, db, workdir, fake.base_url)
    try:
        path, body = peers.wecom_request(xml)
        status, _, reply = first.post(path, body, {"Content-Type": "text/xml"})
        check(status == 200, "WeCom before the restart answered %s" % status)
        before_reply, _ = peers.wecom_open_reply(reply)
        check("20万" in before_reply.content, "unexpected first reply: %r" % before_reply.content[:200])
        pending = first.ask(QUESTION, user="restart-x")
        check(pending.get("needs") == ["scale"], "the first question should ask for the scale: %r" % pending.get("needs"))
        pending = first.ask(QUESTION, user="restart-y")
        check(pending.get("needs") == ["scale"], "the first question should ask for the scale: %r" % pending.get("needs"))
    finally:
        first.kill9()

    second = Server(binary, db, workdir, fake.base_url)
    try:
        check(second.metric("policydesk_match_outcomes_total") == 0, "a fresh process has computed answers already")
        path, body = peers.wecom_request(xml)
        status, _, reply = second.post(path, body, {"Content-Type": "text/xml"})
        check(status == 200, "WeCom retry after the restart answered %s" % status)
        after_reply, _ = peers.wecom_open_reply(reply)
        check(after_reply.content == before_reply.content, "the retry after the restart got a different reply")
        outcomes = second.metric("policydesk_match_outcomes_total")
        check(outcomes == 0, "the retried MsgId was answered again after the restart (%s outcomes)" % outcomes)

        done = second.ask("规下", user="restart-x")
        check(done.get("item") == "12.2" and (done.get("amount") or {}).get("yuan") == 100000,
              "「规下」 after the restart: item %r amount %r" % (done.get("item"), done.get("amount")))
        # 「规下企业」 alone reads as another clause; only the stored conversation makes it 12.2.
        alone = second.ask("规下企业", user="restart-nobody")
        done_y = second.ask("规下企业", user="restart-y")
        check(alone.get("item") != "12.2" or (alone.get("amount") or {}).get("yuan") != 100000,
              "「规下企业」 alone already answers 12.2/100000; the check would prove nothing")
        check(done_y.get("item") == "12.2" and (done_y.get("amount") or {}).get("yuan") == 100000,
              "「规下企业」 after the restart: item %r amount %r" % (done_y.get("item"), done_y.get("amount")))
    finally:
        second.stop()


# --------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.environ.get("POLICYDESK_BIN", str(ROOT / ".build/debug/policydesk")))
    parser.add_argument("--only", choices=["interop", "restart"])
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("interop: %s is not an executable; build it with `swift build --product policydesk`" % binary)
        return 2

    workdir = tempfile.mkdtemp(prefix="policydesk-interop-")
    fake = FakeFeishu()
    passed, failed = 0, 0

    def run(name, function, *arguments):
        nonlocal passed, failed
        started = time.time()
        try:
            function(*arguments)
            passed += 1
            print("PASS %-34s %5.2fs" % (name, time.time() - started), flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then the run goes on
            failed += 1
            print("FAIL %-34s %s" % (name, error), flush=True)
            if not isinstance(error, AssertionError):
                traceback.print_exc()

    try:
        if args.only in (None, "interop"):
            server = None
            try:
                server = Server(binary, os.path.join(workdir, "interop.sqlite"), workdir, fake.base_url)
                for name, function in [
                    ("wecom.url_verification", check_wecom_url_verification),
                    ("wecom.message.wechatpy", check_wecom_message),
                    ("wecom.bad_signature", check_wecom_bad_signature),
                    ("dingtalk.message.signed", check_dingtalk_message),
                    ("dingtalk.bad_sign_and_stale", check_dingtalk_bad_sign),
                    ("feishu.url_verification", check_feishu_url_verification),
                    ("feishu.message.lark_oapi", check_feishu_message),
                    ("feishu.bad_signature_and_token", check_feishu_bad_signature),
                ]:
                    run(name, function, server, fake)
                if failed:
                    print("---- server log (tail) ----\n" + server.log_tail())
            except Exception as error:  # noqa: BLE001
                failed += 1
                print("FAIL %-34s %s" % ("interop.server_start", error))
            finally:
                if server:
                    server.stop()
        if args.only in (None, "restart"):
            run("restart.kill9_same_db", check_restart, binary, workdir, fake)
    finally:
        fake.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print("interop: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
