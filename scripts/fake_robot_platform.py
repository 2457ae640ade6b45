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
crossed (a "violation": the sender sent too fast), whether a Feishu request arrived in the first
30 seconds after :00 or :30 ("quiet"), and the message text. A request is logged when it
arrives, before the platform's latency: a sender killed while waiting for the answer has still
delivered it.

Usage: fake_robot_platform.py LOG [--scale S] [--latency-ms A-B] [--chaos-5xx P] [--seed N]
Prints the port on the first line of standard output; exits when standard input closes.
Control: POST /__control/script {"robot": "wecom:K", "responses": [{"status": 200, "body": "...",
"delay_ms": 0}]} makes that robot's next requests get these answers instead.

One asyncio event loop serves every connection (HTTP/1.1 keep-alive), so the fake keeps up with
thousands of requests a second and its latency costs no threads.
"""
import argparse
import asyncio
import base64
import collections
import hashlib
import hmac
import json
import random
import sys
import time
import urllib.parse

ANCHOR = 1_735_689_600  # the campaign clock's anchor: 2025-01-01 00:00 UTC

REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

parser = argparse.ArgumentParser()
parser.add_argument("log")
parser.add_argument("--scale", type=float, default=1.0)
parser.add_argument("--latency-ms", default="0-0")
parser.add_argument("--chaos-5xx", type=float, default=0.0)
parser.add_argument("--seed", type=int, default=None)
args = parser.parse_args()

rng = random.Random(args.seed)
LATENCY = [int(x) for x in args.latency_ms.split("-")]
log_file = open(args.log, "a", buffering=1, encoding="utf-8")
state = {
    "seq": 0,
    "scripts": collections.defaultdict(list),
    "history": collections.defaultdict(collections.deque),  # robot -> fake times of its requests
    "blocked_until": {},
    "accepted": 0,
    "received": 0,
}


def fake_now():
    real = time.time()
    return ANCHOR + (real - ANCHOR) * args.scale


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
            return payload[payload["msgtype"]]["content"]
        if platform == "dingtalk":
            part = payload[payload["msgtype"]]
            return part.get("text") or part.get("content")
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
    if platform == "feishu":
        in_second = 0
        for t in reversed(history):
            if t <= now - 1:
                break
            in_second += 1
        return in_second > 5 or len(history) > 100
    return len(history) > 20


def platform_answer(platform, key, query, payload, now, violation):
    """The platform's own answer: signature, block, limit, or success."""
    if key.startswith("bad"):
        return {
            "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
            "dingtalk": {"errcode": 300001, "errmsg": "token is not exist"},
            "feishu": {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
        }[platform]
    if platform == "wecom":
        if violation:
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        return {"errcode": 0, "errmsg": "ok"}
    if platform == "dingtalk":
        if "sign" in query:
            timestamp = query.get("timestamp", [""])[0]
            fresh = timestamp.isdigit() and abs(int(timestamp) / 1000 - time.time()) <= 3600
            if not fresh or query["sign"][0] != dingtalk_sign(timestamp, "SEC" + key):
                return {"errcode": 310000, "errmsg": "sign not match"}
        if now < state["blocked_until"].get(key, 0):
            return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        if violation:
            state["blocked_until"][key] = now + 600
            return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        return {"errcode": 0, "errmsg": "ok"}
    if "sign" in payload:
        timestamp = str(payload.get("timestamp", ""))
        fresh = timestamp.isdigit() and abs(int(timestamp) - time.time()) <= 3600
        if not fresh or payload["sign"] != feishu_sign(timestamp, "fs-" + key):
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
    if violation:
        return {"code": 11232, "msg": "frequency limited"}
    return {"code": 0, "data": {}, "msg": "success"}


def handle(method, target, body):
    """Returns (status, body text, delay in seconds) for one request, logging it."""
    parts = urllib.parse.urlsplit(target)
    path = parts.path
    if method == "GET" and path == "/__control/stats":
        return 200, json.dumps({"received": state["received"], "accepted": state["accepted"]}), 0
    if method == "POST" and path == "/__control/script":
        command = json.loads(body)
        state["scripts"][command["robot"]].extend(command["responses"])
        return 200, "{}", 0
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    if path == "/cgi-bin/webhook/send":
        platform, key = "wecom", query.get("key", [""])[0]
    elif path == "/robot/send":
        platform, key = "dingtalk", query.get("access_token", [""])[0]
    elif path.startswith("/open-apis/bot/v2/hook/"):
        platform, key = "feishu", path.rsplit("/", 1)[-1]
    else:
        return 404, "{}", 0
    robot = platform + ":" + key
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = {}
    now = fake_now()
    state["received"] += 1
    violation = over_limit(robot, platform, now)
    delay = rng.randint(*LATENCY) / 1000
    scripted = state["scripts"][robot].pop(0) if state["scripts"][robot] else None
    if scripted is not None:
        status, answer = scripted.get("status", 200), scripted.get("body", "")
        delay = scripted.get("delay_ms", 0) / 1000
    elif args.chaos_5xx and rng.random() < args.chaos_5xx:
        status, answer = 502, "<html>bad gateway</html>"
    else:
        status, answer = 200, json.dumps(platform_answer(platform, key, query, payload, now, violation))
    code, accepted = None, False
    if status == 200:
        try:
            parsed = json.loads(answer)
            code = parsed.get("errcode", parsed.get("code", parsed.get("StatusCode")))
            accepted = code == 0
        except ValueError:
            pass
    if accepted:
        state["accepted"] += 1
    state["seq"] += 1
    record = {
        "seq": state["seq"], "t": time.time(), "vt": now, "platform": platform, "robot": robot, "status": status,
        "code": code, "accepted": accepted, "violation": violation,
        "signed": "sign" in query or "sign" in payload, "quiet": platform == "feishu" and now % 1800 < 30,
        "text": message_text(platform, payload),
    }
    log_file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return status, answer, delay


async def serve(reader, writer):
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                break
            method, target, _ = request_line.decode("latin-1").split(" ", 2)
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            body = await reader.readexactly(length) if length else b""
            status, answer, delay = handle(method, target, body)
            if delay:
                await asyncio.sleep(delay)
            data = answer.encode() if isinstance(answer, str) else answer
            writer.write(
                f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            await writer.drain()
            if close:
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        # A client killed mid-request (the crash test does that on purpose) is not an error here.
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def watch_stdin():
        # Runs in a thread: exit when the parent closes our standard input (or dies).
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stdin_closed.set_result, None)

    loop.run_in_executor(None, watch_stdin)
    await stdin_closed
    log_file.flush()


asyncio.run(main())
