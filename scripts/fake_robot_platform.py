#!/usr/bin/env python3
"""A fake WeCom / DingTalk / Feishu group-robot platform on 127.0.0.1, for campaign tests.

It answers the three custom-robot webhooks the way the platforms document them and enforces
their limits per robot, on a clock that can run faster than real time (the same clock the
campaign runner uses with --time-scale):

  WeCom     POST /cgi-bin/webhook/send?key=K          20 a minute, else errcode 45009
  DingTalk  POST /robot/send?access_token=T[&sign]     20 a minute, else errcode 130101 and the
                                                       robot is blocked for 10 minutes
  Feishu    POST /open-apis/bot/v2/hook/H              5 a second and 100 a minute, else code 11232

Signatures are checked with Python's own hmac when a request is signed: the secret of DingTalk
token T is "SEC" + T and that of Feishu hook H is "fs-" + H (310000 / 19021 when they do not
match). A key, token or hook starting with "bad" is refused for good (93000 / 300001 / 19001).

Every request is one JSON line in the log: arrival order, real and fake time, platform, robot,
the answer's status and code, whether the message was accepted, whether the robot's limit was
crossed (a "violation": the sender sent too fast), and the message text.

Usage: fake_robot_platform.py LOG [--scale S] [--latency-ms A-B] [--chaos-5xx P] [--seed N]
Prints the port on the first line of standard output; exits when standard input closes.
Control: POST /__control/script {"robot": "wecom:K", "responses": [{"status": 200, "body": "...",
"delay_ms": 0}]} makes that robot's next requests get these answers instead.
"""
import argparse
import base64
import collections
import hashlib
import hmac
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANCHOR = 1_735_689_600  # the campaign clock's anchor: 2025-01-01 00:00 UTC

parser = argparse.ArgumentParser()
parser.add_argument("log")
parser.add_argument("--scale", type=float, default=1.0)
parser.add_argument("--latency-ms", default="0-0")
parser.add_argument("--chaos-5xx", type=float, default=0.0)
parser.add_argument("--seed", type=int, default=None)
args = parser.parse_args()

signal.pthread_sigmask(signal.SIG_SETMASK, [])
rng = random.Random(args.seed)
LATENCY = [int(x) for x in args.latency_ms.split("-")]
lock = threading.Lock()
log_file = open(args.log, "a", buffering=1)
state = {
    "seq": 0,
    "scripts": collections.defaultdict(list),
    "history": collections.defaultdict(collections.deque),  # robot -> fake times of requests
    "blocked_until": {},
    "accepted": 0,
    "received": 0,
}


def fake_now():
    real = time.time()
    return ANCHOR + (real - ANCHOR) * args.scale


def exit_when_parent_goes():
    try:
        sys.stdin.buffer.read()
    except Exception:
        pass
    os._exit(0)


threading.Thread(target=exit_when_parent_goes, daemon=True).start()


def dingtalk_sign(timestamp, secret):
    mac = hmac.new(secret.encode(), (timestamp + "\n" + secret).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def feishu_sign(timestamp, secret):
    mac = hmac.new((timestamp + "\n" + secret).encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def message_text(platform, payload):
    """The text a person would read, from each platform's message shapes."""
    try:
        if platform == "wecom":
            kind = payload.get("msgtype")
            return payload[kind]["content"]
        if platform == "dingtalk":
            kind = payload.get("msgtype")
            return payload[kind].get("text") or payload[kind].get("content")
        if payload.get("msg_type") == "text":
            return payload["content"]["text"]
        return "\n".join(e.get("content", "") for e in payload["card"]["elements"])
    except Exception:
        return None


def over_limit(robot, platform, now):
    """Counts this request against the robot's windows; True when it crosses one."""
    history = state["history"][robot]
    history.append(now)
    while history and history[0] <= now - 60:
        history.popleft()
    in_minute = len(history)
    if platform == "feishu":
        in_second = sum(1 for t in history if t > now - 1)
        return in_second > 5 or in_minute > 100
    return in_minute > 20


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        if self.path.startswith("/__control/stats"):
            with lock:
                body = {"received": state["received"], "accepted": state["accepted"]}
            return self.reply(200, json.dumps(body))
        self.reply(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        if path == "/__control/script":
            command = json.loads(body)
            with lock:
                state["scripts"][command["robot"]].extend(command["responses"])
            return self.reply(200, "{}")
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if path == "/cgi-bin/webhook/send":
            platform, key = "wecom", query.get("key", [""])[0]
        elif path == "/robot/send":
            platform, key = "dingtalk", query.get("access_token", [""])[0]
        elif path.startswith("/open-apis/bot/v2/hook/"):
            platform, key = "feishu", path.rsplit("/", 1)[-1]
        else:
            return self.reply(404, "{}")
        robot = platform + ":" + key
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = {}
        text = message_text(platform, payload)
        now = fake_now()
        status, answer, delay, accepted, violation = 200, None, rng.randint(*LATENCY) / 1000, False, False
        code = 0
        with lock:
            state["received"] += 1
            scripted = state["scripts"][robot].pop(0) if state["scripts"][robot] else None
            violation = over_limit(robot, platform, now)
            if scripted is not None:
                status, answer = scripted.get("status", 200), scripted.get("body", "")
                delay = scripted.get("delay_ms", 0) / 1000
            elif args.chaos_5xx and rng.random() < args.chaos_5xx:
                status, answer = 502, "<html>bad gateway</html>"
            elif key.startswith("bad"):
                code, answer = {
                    "wecom": (93000, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"})),
                    "dingtalk": (300001, json.dumps({"errcode": 300001, "errmsg": "token is not exist"})),
                    "feishu": (19001, json.dumps({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})),
                }[platform]
            else:
                code, answer = self.check(platform, key, query, payload, now, violation)
            if status == 200:
                try:
                    parsed = json.loads(answer or "")
                    code = parsed.get("errcode", parsed.get("code", parsed.get("StatusCode")))
                    accepted = code == 0
                except ValueError:
                    code = None
            else:
                code = None
            if accepted:
                state["accepted"] += 1
            state["seq"] += 1
            record = {
                "seq": state["seq"], "t": time.time(), "vt": now, "platform": platform, "robot": robot,
                "status": status, "code": code, "accepted": accepted, "violation": violation,
                "signed": "sign" in query or "sign" in payload, "text": text,
            }
            log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        if delay:
            time.sleep(delay)
        self.reply(status, answer or "")

    def check(self, platform, key, query, payload, now, violation):
        """The platform's own answer: signature, block, limit, or success."""
        if platform == "wecom":
            if violation:
                return 45009, json.dumps({"errcode": 45009, "errmsg": "api freq out of limit"})
            return 0, json.dumps({"errcode": 0, "errmsg": "ok"})
        if platform == "dingtalk":
            if "sign" in query:
                timestamp = query.get("timestamp", [""])[0]
                if query["sign"][0] != dingtalk_sign(timestamp, "SEC" + key) or abs(int(timestamp or 0) / 1000 - time.time()) > 3600:
                    return 310000, json.dumps({"errcode": 310000, "errmsg": "sign not match"})
            blocked = state["blocked_until"].get(key, 0)
            if now < blocked:
                return 130101, json.dumps({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            if violation:
                state["blocked_until"][key] = now + 600
                return 130101, json.dumps({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            return 0, json.dumps({"errcode": 0, "errmsg": "ok"})
        if "sign" in payload:
            timestamp = str(payload.get("timestamp", ""))
            if payload["sign"] != feishu_sign(timestamp, "fs-" + key) or abs(int(timestamp or 0) - time.time()) > 3600:
                return 19021, json.dumps({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"})
        if violation:
            return 11232, json.dumps({"code": 11232, "msg": "frequency limited"})
        return 0, json.dumps({"code": 0, "data": {}, "msg": "success"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
