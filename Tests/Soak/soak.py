#!/usr/bin/env python3
"""Soak test of the real ``policydesk serve`` binary: mixed load for N minutes on 127.0.0.1,
resident memory, descriptors and errors sampled over time; fails on growth or on any 5xx.

The server runs with a temporary SQLite file, a copy of ``Intents/`` (staff edits write into
it), the interop tests' platform secrets (``Tests/Interop/peers.py``), an admin token, and a
fake Feishu open API (``Tests/Interop/run.py``'s) for its replies. While it runs:

* load workers send, at a fixed modest rate (``--rate``, default 25 requests a second), a mix of
  valid ``/v1/ask`` questions (conversations of 300 users), WeCom messages encrypted and signed
  by wechatpy (and WeCom's retries of an earlier MsgId), DingTalk messages signed per the doc,
  Feishu encrypted and signed events, URL verifications, ``/healthz``, ``/metrics``, admin reads;
  and about 10 % refused requests: bad WeCom/DingTalk/Feishu signatures, malformed JSON and XML
  bodies, a body over the limit, an unknown path, a wrong admin token, a user over the rate limit;
* a socket worker keeps connections that send nothing (the server must close them after its idle
  timeout), requests that trickle in byte groups (must be answered), and bodies that stop half
  way (must be closed);
* a staff worker adds and undoes example questions, sets and undoes a checklist and a contact,
  reads the audit log and the unanswered questions, dismisses some, and reloads
  (``POST /admin/reload`` and ``policydesk reload``, i.e. SIGHUP);
* a campaign worker plans a campaign (a roster of fresh enterprises whose group robots live on
  ``scripts/fake_robot_platform.py``), runs ``policydesk campaign run`` on the server's database,
  checks every message was delivered, and reads its report from ``/admin/campaigns/ID/report``.

Every ~10 s the server's VmRSS (``/proc/PID/status``), open descriptors (``/proc/PID/fd``),
threads and the error counts so far go to ``samples.csv``. It fails (exit 1) on:

* any 5xx answer, or an answer whose status is not one the request may get;
* more than ``--max-transport-errors`` requests that got no answer at all;
* resident memory at the end (median of the last three samples under load) above the one at the
  warm-up mark (``--warmup`` seconds, default 120, or 40 % of a shorter run) by more than
  ``--rss-growth`` percent (default 25);
* descriptors with the server quiet at the end (load stopped, connections closed) above those
  quiet at the start by more than ``--fd-growth`` (default 12);
* a socket check, a staff edit or a campaign going wrong; the server dying, or not stopping
  cleanly on SIGTERM.

Usage: soak.py --binary PATH [--minutes 30] [--rate 25] [--out DIR]
"""

import argparse
import collections
import csv
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import peers  # noqa: E402
from run import FakeFeishu, free_port  # noqa: E402

ADMIN_TOKEN = "soak-admin-token-0123456789abcdef"
ADMIN = {"Authorization": "Bearer " + ADMIN_TOKEN, "X-Admin-User": "soak"}
QUESTIONS = [
    "新认定的高企能拿多少钱", "规上企业首次认定高企能拿多少", "规上", "规下",
    "自治区重点实验室今年获批，市里补了300万，区里配多少", "规上企业有5项核心发明专利，其中2项已经产业化，能拿多少",
    "专利被人抄了怎么办", "买房有补贴吗", "你好", "科技型中小企业入库有什么奖励", "创新联合体怎么申请",
    "首台套拿了自治区50万奖励，区里还给多少", "知识产权贯标补多少", "1", "谢谢",
]
ITEMS_TO_EDIT = ["12.2", "9.3", "7.3", "17.1", "21.2", "11.2"]
IDLE_TIMEOUT = 10   # POLICYDESK_IDLE_TIMEOUT for the run: short, so idle sockets cycle often
BODY_TIMEOUT = 20   # POLICYDESK_BODY_TIMEOUT


class Tally:
    """Thread-safe counters: requests by (kind, status), problems, notes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = collections.Counter()
        self.five_xx = 0
        self.unexpected = 0
        self.transport = 0
        self.problems = []
        self.counts = collections.Counter()

    def record(self, kind, status, expected, detail=""):
        with self.lock:
            self.by_kind[(kind, status)] += 1
            if isinstance(status, int) and status >= 500:
                self.five_xx += 1
                self._problem("%s answered %s %s" % (kind, status, detail[:200]))
            elif status == "no answer":
                self.transport += 1
                self._problem("%s got no answer: %s" % (kind, detail[:200]), keep=20)
            elif status not in expected:
                self.unexpected += 1
                self._problem("%s answered %s, expected %s: %s" % (kind, status, sorted(map(str, expected)), detail[:200]))

    def problem(self, text):
        with self.lock:
            self._problem(text)

    def _problem(self, text, keep=50):
        if len(self.problems) < keep:
            self.problems.append("%.0fs %s" % (time.monotonic() - START, text))

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def totals(self):
        with self.lock:
            return sum(self.by_kind.values()), self.five_xx, self.unexpected, self.transport, len(self.problems)


START = time.monotonic()
TALLY = Tally()
STOP = threading.Event()


# --------------------------------------------------------------------------- the server

def open_descriptors(pid):
    """What the server's descriptors point at, counted by kind (sockets by state), for the summary."""
    kinds = collections.Counter()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        kinds[re.sub(r"\[\d+\]$", "", target) if target.startswith(("socket:", "anon_inode:", "pipe:")) else target] += 1
    return kinds


def proc_sample(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {
        "rss_kib": int(fields["VmRSS"].split()[0]),
        "fds": len(os.listdir("/proc/%d/fd" % pid)),
        "threads": int(fields["Threads"]),
    }


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, body text); status is "no answer" when none came after one retry on a fresh connection."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        last = None
        for attempt in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data.decode("utf-8", "replace")
            except (http.client.HTTPException, OSError) as error:
                last = error
                self.close()
                if fresh:   # a fresh connection failed: no keep-alive race to excuse it
                    break
        return "no answer", "%s: %s" % (type(last).__name__, last)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --------------------------------------------------------------------------- load

class Load:
    """Builds and sends one request of the mix; records (kind, status) against what it may be."""

    def __init__(self, port, rng):
        self.port = port
        self.rng = rng
        self.crypto = peers.wecom_crypto()
        self.sent_wecom = collections.deque(maxlen=200)   # (xml) of earlier messages, for retries
        self.mix = [
            (30, self.ask), (7, self.healthz), (2, self.metrics), (11, self.wecom), (2, self.wecom_retry),
            (2, self.wecom_verify), (11, self.dingtalk), (9, self.feishu), (1, self.feishu_verify),
            (2, self.admin_read), (1, self.flood),
            # about 10 %: refused on purpose
            (2, self.wecom_bad_signature), (2, self.dingtalk_bad_sign), (1, self.feishu_bad_signature),
            (2, self.ask_malformed), (1, self.wecom_malformed), (1, self.dingtalk_malformed),
            (0.5, self.too_large), (0.5, self.not_found), (0.5, self.admin_bad_token),
        ]
        self.total_weight = sum(w for w, _ in self.mix)

    def pick(self):
        x = self.rng.uniform(0, self.total_weight)
        for weight, action in self.mix:
            x -= weight
            if x <= 0:
                return action
        return self.mix[-1][1]

    def send(self, client, kind, expected, method, path, body=None, headers=None):
        status, text = client.request(method, path, body, headers)
        TALLY.record(kind, status, expected, text)
        return status, text

    # --- valid
    def ask(self, client):
        user = "soak-user-%d" % self.rng.randrange(300)
        body = json.dumps({"text": self.rng.choice(QUESTIONS), "user": user}, ensure_ascii=False)
        status, text = self.send(client, "ask", {200}, "POST", "/v1/ask", body, {"Content-Type": "application/json"})
        if status == 200 and '"reply"' not in text:
            TALLY.problem("ask: 200 without a reply: %s" % text[:200])

    def healthz(self, client):
        status, text = self.send(client, "healthz", {200}, "GET", "/healthz")
        if status == 200 and text != "ok":
            TALLY.problem("healthz answered %r" % text[:100])

    def metrics(self, client):
        self.send(client, "metrics", {200}, "GET", "/metrics")

    def wecom(self, client):
        msg_id = str(self.rng.randrange(10 ** 18, 10 ** 19))
        xml = peers.wecom_text_xml("soak-wecom-%d" % self.rng.randrange(200), self.rng.choice(QUESTIONS), msg_id)
        self.sent_wecom.append(xml)
        path, body = peers.wecom_request(xml, self.crypto)
        status, text = self.send(client, "wecom", {200}, "POST", path, body, {"Content-Type": "text/xml"})
        if status == 200 and self.rng.random() < 0.05:   # now and then, open the reply as WeCom would
            try:
                peers.wecom_open_reply(text, self.crypto)
            except Exception as error:  # noqa: BLE001
                TALLY.problem("wecom reply does not decrypt: %s" % error)

    def wecom_retry(self, client):
        if not self.sent_wecom:
            return self.wecom(client)
        path, body = peers.wecom_request(self.rng.choice(self.sent_wecom), self.crypto)
        self.send(client, "wecom retry", {200}, "POST", path, body, {"Content-Type": "text/xml"})

    def wecom_verify(self, client):
        timestamp, nonce, echo = str(int(time.time())), str(self.rng.randrange(10 ** 9)), str(self.rng.randrange(10 ** 12))
        envelope = self.crypto.encrypt_message(echo, nonce, timestamp)
        query = urllib.parse.urlencode({"msg_signature": peers._xml_field(envelope, "MsgSignature"),
                                        "timestamp": timestamp, "nonce": nonce,
                                        "echostr": peers._xml_field(envelope, "Encrypt")})
        status, text = self.send(client, "wecom verify", {200}, "GET", "/webhooks/wecom?" + query)
        if status == 200 and text != echo:
            TALLY.problem("wecom verify answered %r, want %r" % (text[:60], echo))

    def dingtalk(self, client):
        body = peers.dingtalk_body(self.rng.choice(QUESTIONS), "msgSoak%s==" % uuid.uuid4().hex,
                                   sender="soak%d" % self.rng.randrange(200))
        status, text = self.send(client, "dingtalk", {200}, "POST", "/webhooks/dingtalk", body, peers.dingtalk_headers())
        if status == 200 and "markdown" not in text:
            TALLY.problem("dingtalk: 200 without markdown: %s" % text[:200])

    def feishu(self, client):
        plaintext = peers.feishu_message_event(self.rng.choice(QUESTIONS),
                                               open_id="ou_soak%d" % self.rng.randrange(200))
        headers, body = peers.feishu_request(plaintext)
        self.send(client, "feishu", {200}, "POST", "/webhooks/feishu", body, headers)

    def feishu_verify(self, client):
        challenge = "soak-%d" % self.rng.randrange(10 ** 9)
        plain = json.dumps({"challenge": challenge, "token": peers.FEISHU_VERIFICATION_TOKEN, "type": "url_verification"})
        body = json.dumps({"encrypt": peers.feishu_encrypt(plain)})
        status, text = self.send(client, "feishu verify", {200}, "POST", "/webhooks/feishu", body,
                                 {"Content-Type": "application/json"})
        if status == 200 and challenge not in text:
            TALLY.problem("feishu verify answered %r" % text[:100])

    def admin_read(self, client):
        path = self.rng.choice(["/admin/clauses", "/admin/clauses/12", "/admin/items/12.2", "/admin/contacts",
                                "/admin/audit?limit=5", "/admin/misses?limit=5"])
        self.send(client, "admin read", {200}, "GET", path, headers=ADMIN)

    def flood(self, client):
        # One user far over the per-minute limit: 429 once past it.
        body = json.dumps({"text": "新认定的高企能拿多少钱", "user": "soak-flood"}, ensure_ascii=False)
        for _ in range(3):   # about 50 a minute against a limit of 20
            self.send(client, "ask over limit", {200, 429}, "POST", "/v1/ask", body)

    # --- refused on purpose
    def wecom_bad_signature(self, client):
        xml = peers.wecom_text_xml("soak-bad", "新认定的高企能拿多少钱", str(self.rng.randrange(10 ** 18, 10 ** 19)))
        path, body = peers.wecom_request(xml, self.crypto)
        forged = re.sub(r"msg_signature=[0-9a-f]+", "msg_signature=" + "%040x" % self.rng.getrandbits(160), path)
        self.send(client, "wecom bad signature", {401}, "POST", forged, body, {"Content-Type": "text/xml"})

    def dingtalk_bad_sign(self, client):
        body = peers.dingtalk_body("新认定的高企能拿多少钱", "msgSoakBad%s==" % uuid.uuid4().hex)
        if self.rng.random() < 0.5:
            headers = peers.dingtalk_headers(secret="SECnot-the-app-secret")
        else:   # right secret, two hours old
            headers = peers.dingtalk_headers(timestamp_ms=int(time.time() * 1000) - 2 * 3600 * 1000)
        self.send(client, "dingtalk bad sign", {401}, "POST", "/webhooks/dingtalk", body, headers)

    def feishu_bad_signature(self, client):
        headers, body = peers.feishu_request(peers.feishu_message_event("新认定的高企能拿多少钱"))
        headers["X-Lark-Signature"] = "%064x" % self.rng.getrandbits(256)
        self.send(client, "feishu bad signature", {401}, "POST", "/webhooks/feishu", body, headers)

    def ask_malformed(self, client):
        body = self.rng.choice(['{"text":', '{"text":5}', "not json", '{"text":"a","user":', "\xff\xfe",
                                '[1,2,3]', '{"text":"\\ud800"}', ""])
        self.send(client, "ask malformed", {400}, "POST", "/v1/ask", body, {"Content-Type": "application/json"})

    def wecom_malformed(self, client):
        # Signed as WeCom signs, but the body is broken XML or the ciphertext is not AES of anything.
        timestamp, nonce = str(int(time.time())), str(self.rng.randrange(10 ** 9))
        if self.rng.random() < 0.5:
            body = "<xml><Encrypt><![CDATA[abc"
            encrypted = "abc"
        else:
            encrypted = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA=="
            body = "<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>" % encrypted
        signature = self._wecom_signature(timestamp, nonce, encrypted)
        path = "/webhooks/wecom?msg_signature=%s&timestamp=%s&nonce=%s" % (signature, timestamp, nonce)
        self.send(client, "wecom malformed", {400, 401}, "POST", path, body, {"Content-Type": "text/xml"})

    @staticmethod
    def _wecom_signature(timestamp, nonce, encrypted):
        import hashlib
        return hashlib.sha1("".join(sorted([peers.WECOM_TOKEN, timestamp, nonce, encrypted])).encode()).hexdigest()

    def dingtalk_malformed(self, client):
        body = self.rng.choice(['{"msgtype":"text","text":', '{"msgtype":"text"}', "[]", "<xml/>"])
        self.send(client, "dingtalk malformed", {400}, "POST", "/webhooks/dingtalk", body, peers.dingtalk_headers())

    def too_large(self, client):
        # 120 KB > 64 KiB, on a connection of its own: the server may answer 413 and close before
        # the whole body is sent, which is allowed (the client then sees the 413 or a reset).
        body = json.dumps({"text": "长" * 40000, "user": "soak-large"}, ensure_ascii=False).encode()
        sock = _connect(self.port)
        try:
            try:
                sock.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body) + body)
            except OSError:
                pass
            sock.settimeout(15)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            status = _status_of(data)
            if status is None:
                TALLY.count("bodies too large cut off without an answer")
                TALLY.record("body too large", "reset", {"reset", 413})
            else:
                TALLY.record("body too large", status, {413}, data.decode("latin-1")[:120])
        finally:
            sock.close()

    def not_found(self, client):
        self.send(client, "not found", {404}, self.rng.choice(["GET", "POST"]), "/v1/nothing-%d" % self.rng.randrange(100))

    def admin_bad_token(self, client):
        self.send(client, "admin bad token", {401}, "GET", "/admin/clauses", headers={"Authorization": "Bearer wrong"})


def load_worker(port, rate_per_worker, seed):
    rng = random.Random(seed)
    load = Load(port, rng)
    client = Client(port)
    interval = 1.0 / rate_per_worker
    next_at = time.monotonic() + rng.uniform(0, interval)
    while not STOP.is_set():
        now = time.monotonic()
        if now < next_at:
            STOP.wait(next_at - now)
            continue
        next_at += interval
        if next_at < now - 5:   # fell far behind (a slow machine): do not burst to catch up
            next_at = now
        try:
            load.pick()(client)
        except Exception:  # noqa: BLE001 - a bug in the driver is reported, not hidden
            TALLY.problem("driver error: %s" % traceback.format_exc(limit=3))
    client.close()


# --------------------------------------------------------------------------- idle and slow sockets

def _connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _closed_within(sock, seconds):
    """True when the server closes the connection (EOF or reset) within `seconds`; the bytes it sent first."""
    deadline = time.monotonic() + seconds
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = sock.recv(4096)
        except socket.timeout:
            break
        except OSError:
            return True, received
        if not data:
            return True, received
        received += data
    return False, received


def _status_of(raw):
    match = re.match(rb"HTTP/1\.1 (\d{3})", raw)
    return int(match.group(1)) if match else None


def idle_socket(port):
    """Connects and sends nothing: the server must close it after its idle timeout."""
    sock = _connect(port)
    try:
        closed, data = _closed_within(sock, IDLE_TIMEOUT + 15)
        status = _status_of(data)
        if not closed:
            TALLY.problem("an idle connection was still open %d s after connecting" % (IDLE_TIMEOUT + 15))
        elif status is not None and status >= 500:
            TALLY.record("idle socket", status, set(), data.decode("latin-1")[:120])
        TALLY.count("idle sockets closed by the server" if closed else "idle sockets left open")
    finally:
        sock.close()


def keepalive_then_idle(port):
    """One request on a keep-alive connection, then silence: answered, then closed."""
    sock = _connect(port)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: soak\r\n\r\n")
        sock.settimeout(10)
        data = sock.recv(4096)
        TALLY.record("keep-alive then idle", _status_of(data) or "no answer", {200}, data.decode("latin-1")[:120])
        closed, _ = _closed_within(sock, IDLE_TIMEOUT + 15)
        if not closed:
            TALLY.problem("a keep-alive connection left idle was not closed")
        TALLY.count("keep-alive connections closed when idle" if closed else "keep-alive connections left open")
    finally:
        sock.close()


def slow_request(port, rng):
    """A whole /v1/ask request trickling in, a few bytes every 0.3-1 s: it must be answered."""
    body = json.dumps({"text": "新认定的高企能拿多少钱", "user": "soak-slow-%d" % rng.randrange(50)},
                      ensure_ascii=False).encode()
    raw = (b"POST /v1/ask HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    sock = _connect(port)
    try:
        started = time.monotonic()
        position = 0
        while position < len(raw):
            # Total under BODY_TIMEOUT, each gap under IDLE_TIMEOUT.
            step = max(1, len(raw) // 12)
            sock.sendall(raw[position:position + step])
            position += step
            time.sleep(rng.uniform(0.3, 1.0))
        sock.settimeout(15)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        TALLY.record("slow request", _status_of(data) or "no answer", {200},
                     "after %.1f s: %s" % (time.monotonic() - started, data.decode("latin-1")[:120]))
    except OSError as error:
        TALLY.record("slow request", "no answer", {200}, str(error))
    finally:
        sock.close()


def stalled_body(port, rng):
    """A head announcing 2,000 bytes of body, 40 sent, then nothing: the server must close it."""
    sock = _connect(port)
    try:
        sock.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2000\r\n\r\n" + b'{"text":"' + "新认定的高企".encode() + b"x" * 13)
        closed, data = _closed_within(sock, max(IDLE_TIMEOUT, BODY_TIMEOUT) + 15)
        status = _status_of(data)
        if not closed:
            TALLY.problem("a stalled body was not closed")
        if status is not None:
            TALLY.record("stalled body", status, {400, 408, 413}, data.decode("latin-1")[:120])
        TALLY.count("stalled bodies closed by the server" if closed else "stalled bodies left open")
    finally:
        sock.close()


def socket_worker(port, seed):
    """Keeps a few idle and slow connections going all the time (each in its own thread)."""
    rng = random.Random(seed)
    running = []
    kinds = [(idle_socket, 4), (keepalive_then_idle, 2), (slow_request, 2), (stalled_body, 1)]
    while not STOP.is_set():
        running = [t for t in running if t.is_alive()]
        if len(running) < 12:
            target, _ = rng.choices(kinds, weights=[w for _, w in kinds])[0]
            args = (port,) if target in (idle_socket, keepalive_then_idle) else (port, random.Random(rng.random()))
            thread = threading.Thread(target=_guarded, args=(target,) + args, daemon=True)
            thread.start()
            running.append(thread)
        STOP.wait(rng.uniform(0.5, 2.0))
    for thread in running:
        thread.join(timeout=60)


def _guarded(target, *args):
    try:
        target(*args)
    except Exception:  # noqa: BLE001
        TALLY.problem("socket check %s: %s" % (target.__name__, traceback.format_exc(limit=3)))


# --------------------------------------------------------------------------- staff

def staff_worker(port, binary, pid_file, seed, period):
    rng = random.Random(seed)
    client = Client(port)
    n = 0

    def admin(kind, method, path, body=None, expected=(200,)):
        status, text = client.request(method, path, json.dumps(body, ensure_ascii=False) if body is not None else None,
                                      ADMIN)
        TALLY.record(kind, status, set(expected), text)
        return status, text

    def undo(kind, text):
        try:
            entry = json.loads(text)["id"]
        except (ValueError, KeyError, TypeError):
            TALLY.problem("%s: no audit id in %r" % (kind, text[:200]))
            return
        admin("admin undo", "POST", "/admin/audit/%d/undo" % entry)

    while not STOP.wait(period * rng.uniform(0.7, 1.3)):
        n += 1
        try:
            item = rng.choice(ITEMS_TO_EDIT)
            status, text = admin("admin add example", "POST", "/admin/items/%s/examples" % item,
                                 {"text": "浸泡测试问法%d：%s" % (n, uuid.uuid4().hex[:6])})
            if status == 200:
                # The new wording is answered at once.
                ask = client.request("POST", "/v1/ask", json.dumps({"text": "浸泡测试问法%d" % n, "user": "soak-staff"},
                                                                    ensure_ascii=False))
                TALLY.record("ask", ask[0], {200}, ask[1])
                undo("add example", text)
            status, text = admin("admin read", "GET", "/admin/items/%s" % item)
            if n % 2 == 0 and status == 200:
                checklist = json.loads(text).get("checklist") or ["营业执照（副本复印件）"]
                status, text = admin("admin set checklist", "PUT", "/admin/items/%s/checklist" % item,
                                     {"checklist": checklist + ["浸泡测试材料%d" % n]})
                if status == 200:
                    undo("set checklist", text)
            if n % 3 == 0:
                status, text = admin("admin set contact", "PUT", "/admin/contacts/%s" % urllib.parse.quote("区工信和科技局"),
                                     {"phone": "0477-85%05d" % n, "hours": "工作日 8:30-12:00"})
                if status == 200:
                    undo("set contact", text)
            admin("admin read", "GET", "/admin/audit?limit=20&offset=%d" % rng.randrange(5))
            status, text = admin("admin read", "GET", "/admin/misses?limit=50")
            if status == 200:
                misses = json.loads(text)
                if misses and n % 2 == 1:
                    admin("admin dismiss miss", "POST", "/admin/misses/%d/dismiss" % misses[-1]["id"])
            if n % 4 == 0:
                status, text = admin("admin reload", "POST", "/admin/reload")
                if status == 200 and '"ok":true' not in text:
                    TALLY.problem("reload: %s" % text[:200])
            if n % 6 == 3:
                done = subprocess.run([binary, "reload", "--pid-file", pid_file], capture_output=True, text=True, timeout=30)
                TALLY.record("policydesk reload (SIGHUP)", 200 if done.returncode == 0 else "exit %d" % done.returncode,
                             {200}, done.stdout + done.stderr)
        except Exception:  # noqa: BLE001
            TALLY.problem("staff worker: %s" % traceback.format_exc(limit=3))
    client.close()


# --------------------------------------------------------------------------- campaigns

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(serial):
    digits = ""
    for _ in range(7):
        digits = ALPHABET[serial % 31] + digits
        serial //= 31
    body = "91150602MA" + digits
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def campaign_worker(port, binary, env, work, fake_port, scale, period, enterprises):
    client = Client(port)
    round_number = 0
    serial = 1
    STOP.wait(20)
    while not STOP.is_set():
        round_number += 1
        try:
            serial = run_campaign(client, binary, env, work, fake_port, scale, round_number, serial, enterprises)
        except Exception:  # noqa: BLE001
            TALLY.problem("campaign %d: %s" % (round_number, traceback.format_exc(limit=3)))
        STOP.wait(period)
    client.close()


def run_campaign(client, binary, env, work, fake_port, scale, round_number, serial, enterprises):
    base = "http://127.0.0.1:%d" % fake_port
    roster = os.path.join(work, "roster-%d.csv" % round_number)
    robots = 6
    with open(roster, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "首次认定高企", "小巨人"])
        for i in range(enterprises):
            robot = "r%d-%d" % (round_number, i % robots)
            kind = i % robots % 3
            if kind == 0:
                platform, url, secret = "企业微信", "%s/cgi-bin/webhook/send?key=wk%s" % (base, robot), ""
            elif kind == 1:
                platform, url, secret = "钉钉", "%s/robot/send?access_token=dt%s" % (base, robot), "SECdt" + robot
            else:
                platform, url, secret = "飞书", "%s/open-apis/bot/v2/hook/fh%s" % (base, robot), "fs-fh" + robot
            w.writerow(["浸泡测试企业%d-%03d" % (round_number, i), credit_code(serial), "规上" if i % 2 else "规下",
                        platform, url, secret, "是", "是" if i % 4 == 0 else "否"])
            serial += 1
    common = ["--intents", env["POLICYDESK_INTENTS"], "--templates", env["POLICYDESK_TEMPLATES"]]
    plan = subprocess.run([binary, "campaign", "plan", roster, "--items", "12.2,9.3", "--show", "0"] + common,
                          env=env, capture_output=True, text=True, timeout=120)
    match = re.search(r"Campaign (\d+) planned: (\d+) messages", plan.stdout)
    if plan.returncode != 0 or not match:
        TALLY.problem("campaign plan exited %d: %s %s" % (plan.returncode, plan.stdout[-300:], plan.stderr[-300:]))
        return serial
    campaign, messages = int(match.group(1)), int(match.group(2))
    started = time.monotonic()
    run = subprocess.run([binary, "campaign", "run", str(campaign), "--time-scale", str(scale), "--quiet"],
                         env=env, capture_output=True, text=True, timeout=600)
    summary = [line for line in run.stdout.splitlines() if line.startswith("Campaign ")]
    delivered = re.search(r"(\d+) delivered", summary[-1]) if summary else None
    if run.returncode != 0 or not delivered or int(delivered.group(1)) != messages:
        TALLY.problem("campaign %d run exited %d, %s of %d delivered: %s %s" % (
            campaign, run.returncode, delivered.group(1) if delivered else "?", messages, run.stdout[-300:],
            run.stderr[-300:]))
    else:
        TALLY.count("campaigns sent")
        TALLY.count("campaign messages delivered", messages)
        TALLY.count("campaign seconds", round(time.monotonic() - started))
    for form in ("json", "csv", "html"):
        status, text = client.request("GET", "/admin/campaigns/%d/report?format=%s" % (campaign, form), headers=ADMIN)
        TALLY.record("admin campaign report", status, {200}, text)
        if form == "json" and status == 200 and "delivered" not in text:
            TALLY.problem("campaign %d report: %s" % (campaign, text[:200]))
    return serial


# --------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=25, help="requests a second of the load mix (default 25)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=None, help="seconds; default 120, or 40%% of a shorter run")
    parser.add_argument("--rss-growth", type=float, default=25, help="percent allowed from the warm-up mark to the end")
    parser.add_argument("--fd-growth", type=int, default=12, help="descriptors allowed, quiet end against quiet start")
    parser.add_argument("--max-transport-errors", type=int, default=0)
    parser.add_argument("--staff-period", type=float, default=15)
    parser.add_argument("--campaign-period", type=float, default=90)
    parser.add_argument("--campaign-enterprises", type=int, default=36)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for samples.csv, summary.txt and the server log")
    args = parser.parse_args()

    duration = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else min(120.0, 0.4 * duration)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    out = args.out or tempfile.mkdtemp(prefix="policydesk-soak-")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="policydesk-soak-work-")
    shutil.copytree(ROOT / "Intents", os.path.join(work, "Intents"))
    pid_file = os.path.join(work, "policydesk.pid")
    print("soak: %.1f min, %.0f requests/s over %d workers, warm-up %.0f s, seed %d; output in %s"
          % (args.minutes, args.rate, args.workers, warmup, seed, out), flush=True)

    fake_feishu = FakeFeishu()
    scale = 20.0
    platform_log = os.path.join(work, "robot-platform.jsonl")
    robots = subprocess.Popen([sys.executable, "-u", str(ROOT / "scripts" / "fake_robot_platform.py"), platform_log,
                               "--scale", str(scale), "--latency-ms", "5-40", "--seed", str(seed)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    robots_port = int(robots.stdout.readline())

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYDESK_", "WECOM_", "DINGTALK_", "FEISHU_"))}
    env.update(peers.server_environment())
    env.update({
        "POLICYDESK_HOST": "127.0.0.1", "POLICYDESK_PORT": str(port),
        "POLICYDESK_DB": os.path.join(work, "policydesk.sqlite"), "POLICYDESK_PID_FILE": pid_file,
        "POLICYDESK_INTENTS": os.path.join(work, "Intents"), "POLICYDESK_TEMPLATES": str(ROOT / "Templates"),
        "POLICYDESK_ADMIN_TOKEN": ADMIN_TOKEN, "FEISHU_API_BASE": fake_feishu.base_url,
        "POLICYDESK_IDLE_TIMEOUT": str(IDLE_TIMEOUT), "POLICYDESK_BODY_TIMEOUT": str(BODY_TIMEOUT),
        # Every level is written, so the scan below sees everything the server could ever log.
        "LOG_LEVEL": os.environ.get("SOAK_LOG_LEVEL", "trace"),
    })
    server_log_path = os.path.join(out, "server.log")
    server_log = open(server_log_path, "wb")
    server = subprocess.Popen([args.binary, "serve"], env=env, cwd=work, stdout=server_log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    failures = []
    samples = []
    try:
        probe = Client(port)
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit("soak: the server exited at start (%s); see %s" % (server.returncode, server_log_path))
            status, text = probe.request("GET", "/healthz", timeout=2)
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise SystemExit("soak: the server did not answer /healthz within 120 s")
            time.sleep(0.2)
        probe.close()
        time.sleep(1)
        quiet_start = proc_sample(server.pid)
        quiet_start["open"] = open_descriptors(server.pid)
        print("server pid %d on 127.0.0.1:%d; quiet at start: RSS %.1f MiB, %d descriptors, %d threads"
              % (server.pid, port, quiet_start["rss_kib"] / 1024, quiet_start["fds"], quiet_start["threads"]), flush=True)

        global START
        START = time.monotonic()
        threads = [threading.Thread(target=load_worker, args=(port, args.rate / args.workers, seed + i), daemon=True)
                   for i in range(args.workers)]
        threads.append(threading.Thread(target=socket_worker, args=(port, seed + 100), daemon=True))
        threads.append(threading.Thread(target=staff_worker, args=(port, args.binary, pid_file, seed + 200,
                                                                   args.staff_period), daemon=True))
        campaign_env = dict(env)
        threads.append(threading.Thread(target=campaign_worker, args=(
            port, args.binary, campaign_env, work, robots_port, scale, args.campaign_period,
            args.campaign_enterprises), daemon=True))
        for thread in threads:
            thread.start()

        csv_path = os.path.join(out, "samples.csv")
        with open(csv_path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["seconds", "rss_kib", "fds", "threads", "requests", "5xx", "unexpected", "no_answer",
                             "problems", "load1"])
            next_sample = START
            while True:
                now = time.monotonic()
                if server.poll() is not None:
                    failures.append("the server exited during the soak with status %s" % server.returncode)
                    break
                if now >= next_sample:
                    s = proc_sample(server.pid)
                    requests, five_xx, unexpected, transport, problems = TALLY.totals()
                    row = [round(now - START), s["rss_kib"], s["fds"], s["threads"], requests, five_xx, unexpected,
                           transport, problems, os.getloadavg()[0]]
                    writer.writerow(row)
                    f.flush()
                    samples.append(dict(zip(["t", "rss", "fds", "threads"], row[:4])))
                    print("%5ds RSS %6.1f MiB  fds %4d  threads %3d  requests %7d  5xx %d  unexpected %d  no answer %d"
                          "  load %.1f" % (row[0], s["rss_kib"] / 1024, s["fds"], s["threads"], requests, five_xx,
                                           unexpected, transport, row[9]), flush=True)
                    next_sample += args.interval
                if now - START >= duration:
                    break
                time.sleep(min(1.0, max(0.05, next_sample - time.monotonic())))
        load_seconds = time.monotonic() - START
        STOP.set()
        for thread in threads:
            thread.join(timeout=max(IDLE_TIMEOUT, BODY_TIMEOUT) + 60)
            if thread.is_alive():
                failures.append("a driver thread (%s) did not finish" % thread.name)

        # Quiet again: every client connection is closed; wait out the idle timeout for any the server holds.
        quiet_end = None
        if server.poll() is None:
            time.sleep(IDLE_TIMEOUT + 3)
            quiet_end = proc_sample(server.pid)
            quiet_end["open"] = open_descriptors(server.pid)
        summary = report(args, samples, quiet_start, quiet_end, load_seconds, warmup, failures, fake_feishu, platform_log)
    finally:
        STOP.set()
        stopped = None
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                stopped = server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                failures.append("the server did not stop within 30 s of SIGTERM")
        if stopped not in (None, 0):
            failures.append("the server exited with status %s on SIGTERM" % stopped)
        robots.stdin.close()
        robots.wait(timeout=10)
        fake_feishu.close()
        server_log.close()
    # No secret the server was given may appear in anything it wrote, at any level.
    log_text = open(server_log_path, "rb").read().decode("utf-8", "replace")
    secrets = {"POLICYDESK_ADMIN_TOKEN": ADMIN_TOKEN}
    secrets.update({k: v for k, v in peers.server_environment().items()
                    if k not in ("WECOM_CORP_ID", "FEISHU_APP_ID") and v})
    leaked = sorted(name for name, value in secrets.items() if value in log_text)
    summary.append("secrets scanned in %d bytes of server log (level %s): %s" % (
        len(log_text.encode("utf-8")), env["LOG_LEVEL"], ", ".join(sorted(secrets))))
    if leaked:
        failures.append("the server log holds the value of %s" % ", ".join(leaked))
    summary_lines = summary + (["FAIL:"] + ["  " + f for f in failures] if failures else
                               ["PASS: no 5xx, every status as expected, memory and descriptors within bounds"])
    text = "\n".join(summary_lines)
    print(text)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text + "\n")
    if failures:
        tail = open(server_log_path, "rb").read().decode("utf-8", "replace").splitlines()[-20:]
        print("server log tail (%s):\n%s" % (server_log_path, "\n".join(tail)))
        print("work folder kept: %s" % work)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


def report(args, samples, quiet_start, quiet_end, load_seconds, warmup, failures, fake_feishu, platform_log):
    lines = []
    total, five_xx, unexpected, transport, _ = TALLY.totals()
    lines.append("== %d requests in %.0f s (%.1f a second); 5xx %d; unexpected status %d; no answer %d"
                 % (total, load_seconds, total / max(load_seconds, 1), five_xx, unexpected, transport))
    by_kind = collections.defaultdict(collections.Counter)
    for (kind, status), n in TALLY.by_kind.items():
        by_kind[kind][status] += n
    for kind in sorted(by_kind, key=lambda k: -sum(by_kind[k].values())):
        lines.append("  %-30s %7d  %s" % (kind, sum(by_kind[kind].values()),
                                          ", ".join("%s: %d" % (s, n) for s, n in sorted(by_kind[kind].items(), key=str))))
    for name, n in sorted(TALLY.counts.items()):
        lines.append("  %-46s %d" % (name, n))
    lines.append("  %-46s %d" % ("Feishu replies received by the fake API", fake_feishu.reply_count()))
    try:
        with open(platform_log, encoding="utf-8") as f:
            received = [json.loads(line) for line in f]
        lines.append("  %-46s %d (%d accepted, %d limit crossings)" % (
            "robot platform requests", len(received), sum(r["accepted"] for r in received),
            sum(r["violation"] for r in received)))
    except OSError:
        pass

    if samples:
        def at(seconds):
            return min(samples, key=lambda s: abs(s["t"] - seconds))
        first, warm, last = samples[0], at(warmup), samples[-1]
        peak = max(samples, key=lambda s: s["rss"])
        tail = samples[-3:]
        end_rss = statistics.median(s["rss"] for s in tail)
        lines.append("== memory and descriptors (sampled every %.0f s, %d samples)" % (args.interval, len(samples)))
        lines.append("  quiet before the load: RSS %.1f MiB, %d fds, %d threads"
                     % (quiet_start["rss_kib"] / 1024, quiet_start["fds"], quiet_start["threads"]))
        lines.append("  descriptors then: " + ", ".join("%s %d" % (k, n) for k, n in sorted(quiet_start["open"].items())))
        for name, s in (("start of load", first), ("warm-up mark", warm), ("end of load", last)):
            lines.append("  %-13s %5ds: RSS %.1f MiB, %d fds, %d threads" % (name, s["t"], s["rss"] / 1024, s["fds"], s["threads"]))
        lines.append("  peak RSS %.1f MiB at %ds; fds under load %d-%d"
                     % (peak["rss"] / 1024, peak["t"], min(s["fds"] for s in samples), max(s["fds"] for s in samples)))
        if quiet_end:
            lines.append("  quiet after the load: RSS %.1f MiB, %d fds, %d threads"
                         % (quiet_end["rss_kib"] / 1024, quiet_end["fds"], quiet_end["threads"]))
            lines.append("  descriptors then: " + ", ".join("%s %d" % (k, n) for k, n in sorted(quiet_end["open"].items())))
        growth = 100.0 * (end_rss - warm["rss"]) / warm["rss"]
        lines.append("  RSS growth from the warm-up mark to the end (median of the last 3 samples): %+.1f %% (bound %.0f %%)"
                     % (growth, args.rss_growth))
        if last["t"] - warm["t"] < 2 * args.interval:
            failures.append("too short a run to compare memory after the warm-up")
        elif growth > args.rss_growth:
            failures.append("RSS grew %.1f %% after the warm-up (bound %.0f %%)" % (growth, args.rss_growth))
        if quiet_end:
            fd_growth = quiet_end["fds"] - quiet_start["fds"]
            lines.append("  descriptors, quiet end against quiet start: %+d (bound %d)" % (fd_growth, args.fd_growth))
            if fd_growth > args.fd_growth:
                failures.append("open descriptors grew by %d (bound %d)" % (fd_growth, args.fd_growth))
    if five_xx:
        failures.append("%d answers were 5xx" % five_xx)
    if unexpected:
        failures.append("%d answers had a status the request should not get" % unexpected)
    if transport > args.max_transport_errors:
        failures.append("%d requests got no answer (allowed %d)" % (transport, args.max_transport_errors))
    other = [p for p in TALLY.problems if " answered " not in p and " got no answer" not in p]
    if other:
        failures.append("%d other problems" % len(other))
    if TALLY.problems:
        lines.append("== problems (first %d)" % len(TALLY.problems))
        lines.extend("  " + p for p in TALLY.problems)
    return lines


if __name__ == "__main__":
    sys.exit(main())
