#!/usr/bin/env python3
"""Crash test of `policydesk campaign run`: kill -9 it at random moments, restart it, and prove
from what the fake platform received that no message arrived twice and none was lost.

1. Start the fake platform (scripts/fake_robot_platform.py) on a clock sped up --scale times,
   with 50–400 ms of platform latency (so sends are really in flight) and a few 502s.
2. Plan a campaign of --enterprises first-time 高企 over --robots robots (WeCom, DingTalk and
   Feishu in turn, DingTalk and Feishu signed), more messages per robot than one minute allows.
3. Start `policydesk campaign run ID --time-scale S`; after a random moment SIGKILL it; count the
   deliveries the database shows as `sending` (the sends in flight at the kill); start it again.
   --kills times; then start it once more and send it SIGHUP, which must stop it cleanly (exit 130,
   no delivery left `sending`); then let a last run finish.
4. Check: every delivery is delivered or uncertain; the fake accepted every delivered message
   exactly once and every uncertain one at most once; nothing was accepted twice; the uncertain
   ones are exactly the sends in flight at the kills (each kill at most --max-in-flight); no robot
   was sent to faster than its platform allows, across restarts; `campaign status` lists every
   uncertain delivery.

Exit status 0 when every check holds. Usage: scripts/campaign-crash-test.py [--kills 5] [--seed N]
"""
import argparse
import collections
import csv
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(serial):
    """A valid fake 统一社会信用代码 (GB 32100-2015 check character computed here, independently)."""
    digits = ""
    for _ in range(7):
        digits = ALPHABET[serial % 31] + digits
        serial //= 31
    body = "91150602MA" + digits
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/debug/policydesk"))
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--enterprises", type=int, default=1200)
    parser.add_argument("--robots", type=int, default=24)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--max-in-flight", type=int, default=16)
    parser.add_argument("--latency-ms", default="50-400")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}")

    work = tempfile.mkdtemp(prefix="campaign-crash-")
    log_path = os.path.join(work, "requests.jsonl")
    db_path = os.path.join(work, "policydesk.sqlite")
    fake = subprocess.Popen(
        [sys.executable, "-u", os.path.join(ROOT, "scripts/fake_robot_platform.py"), log_path, "--scale", str(args.scale),
         "--latency-ms", args.latency_ms, "--chaos-5xx", "0.02", "--seed", str(seed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        port = int(fake.stdout.readline())
        return run(args, rng, work, log_path, db_path, port)
    finally:
        fake.kill()
        fake.wait()


def delivered_count(db_path):
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM campaign_delivery WHERE state = 'delivered'").fetchone()[0]


def stop_on_hangup(run_command, env, db_path, rng):
    """Starts a run, sends it SIGHUP once it is sending, and checks it stopped cleanly."""
    before = delivered_count(db_path)
    process = subprocess.Popen(run_command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while process.poll() is None and delivered_count(db_path) <= before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 0.5))
    if process.poll() is not None:
        print(f"SIGHUP: the run finished before the signal (exit {process.returncode})")
        return 0 if process.returncode == 0 else 1
    process.send_signal(signal.SIGHUP)
    try:
        _, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        print("FAIL: campaign run did not stop within 120 s of SIGHUP")
        return 1
    with sqlite3.connect(db_path) as db:
        sending = db.execute("SELECT COUNT(*) FROM campaign_delivery WHERE state = 'sending'").fetchone()[0]
    if process.returncode != 130 or "stopping" not in err or sending != 0:
        print(f"FAIL: after SIGHUP the run exited {process.returncode} with {sending} deliveries still sending: "
              f"{err.strip()}")
        return 1
    print(f"SIGHUP: the run stopped cleanly (exit 130) after {delivered_count(db_path) - before} deliveries, "
          "none left in flight")
    return 0


def run(args, rng, work, log_path, db_path, port):
    base = f"http://127.0.0.1:{port}"
    roster_path = os.path.join(work, "roster.csv")
    with open(roster_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "首次认定高企", "小巨人"])
        for i in range(args.enterprises):
            robot = i % args.robots
            kind = robot % 3
            if kind == 0:
                platform, url, secret = "企业微信", f"{base}/cgi-bin/webhook/send?key=wk{robot}", ""
            elif kind == 1:
                platform, url, secret = "钉钉", f"{base}/robot/send?access_token=dt{robot}", f"SECdt{robot}"
            else:
                platform, url, secret = "飞书", f"{base}/open-apis/bot/v2/hook/fh{robot}", f"fs-fh{robot}"
            w.writerow([f"崩溃测试企业{i:04d}", credit_code(i + 1), "规上" if i % 2 else "规下", platform, url, secret, "是",
                        "是" if i % 5 == 0 else "否"])

    env = dict(os.environ, POLICYDESK_DB=db_path)
    common = ["--intents", os.path.join(ROOT, "Intents"), "--templates", os.path.join(ROOT, "Templates")]
    plan = subprocess.run([args.bin, "campaign", "plan", roster_path, "--items", "12.2,9.3", "--show", "0"] + common,
                          env=env, capture_output=True, text=True, check=True)
    campaign = int(re.search(r"Campaign (\d+) planned", plan.stdout).group(1))
    print(plan.stdout.splitlines()[1])

    run_command = [args.bin, "campaign", "run", str(campaign), "--time-scale", str(args.scale),
                   "--max-in-flight", str(args.max_in_flight), "--quiet"]
    in_flight_at_kills = []
    attempts = 0
    while len(in_flight_at_kills) < args.kills:
        attempts += 1
        if attempts > args.kills * 4:
            print("FAIL: the campaign kept finishing before it could be killed; use more --enterprises")
            return 1
        process = subprocess.Popen(run_command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        delay = rng.uniform(0.15, 2.5)
        time.sleep(delay)
        if process.poll() is not None:
            print(f"run {attempts} finished before its kill at {delay:.2f}s (exit {process.returncode})")
            continue
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with sqlite3.connect(db_path) as db:
            sending = db.execute("SELECT COUNT(*) FROM campaign_delivery WHERE state = 'sending'").fetchone()[0]
            states = dict(db.execute("SELECT state, COUNT(*) FROM campaign_delivery GROUP BY state").fetchall())
        in_flight_at_kills.append(sending)
        print(f"kill {len(in_flight_at_kills)} after {delay:.2f}s: {sending} sends in flight; states {states}")

    # SIGHUP (a closed terminal, or a reload sent to the wrong process) stops a run as Ctrl-C does: the
    # calls in flight finish and are recorded, the run exits 130, and nothing is left uncertain.
    if stop_on_hangup(run_command, env, db_path, rng) != 0:
        return 1

    final = subprocess.run(run_command, env=env, capture_output=True, text=True)
    summary = [line for line in final.stdout.splitlines() if line.startswith("Campaign ")]
    print("final run:", summary[-1] if summary else final.stderr.strip())
    if final.returncode != 0:
        print(f"FAIL: the final run exited with {final.returncode}: {final.stderr}")
        return 1

    with sqlite3.connect(db_path) as db:
        deliveries = db.execute(
            "SELECT id, enterprise_name, state FROM campaign_delivery WHERE campaign_id = ?", (campaign,)).fetchall()
    requests = [json.loads(line) for line in open(log_path, encoding="utf-8")]
    accepted = collections.Counter()
    for r in requests:
        if r["accepted"]:
            match = re.search(r"政策敲门：(\S+)", r["text"] or "")
            accepted[match.group(1) if match else None] += 1

    failures = []
    states = collections.Counter(state for _, _, state in deliveries)
    uncertain = [(i, name) for i, name, state in deliveries if state == "uncertain"]
    for delivery_id, name, state in deliveries:
        if state == "delivered" and accepted[name] != 1:
            failures.append(f"#{delivery_id} {name} is delivered but the platform accepted it {accepted[name]} times")
        elif state == "uncertain" and accepted[name] > 1:
            failures.append(f"#{delivery_id} {name} is uncertain and the platform accepted it {accepted[name]} times")
        elif state not in ("delivered", "uncertain"):
            failures.append(f"#{delivery_id} {name} ended {state}")
    duplicates = {name: n for name, n in accepted.items() if n > 1}
    if duplicates:
        failures.append(f"accepted twice or more: {duplicates}")
    if None in accepted:
        failures.append("the platform accepted a message that names no enterprise")
    if len(uncertain) != sum(in_flight_at_kills):
        failures.append(f"{len(uncertain)} uncertain, but {sum(in_flight_at_kills)} sends were in flight at the kills")
    if any(n > args.max_in_flight for n in in_flight_at_kills):
        failures.append(f"more sends in flight than --max-in-flight: {in_flight_at_kills}")
    violations = [r for r in requests if r["violation"]]
    if violations:
        failures.append(f"{len(violations)} requests crossed a robot's limit, e.g. {violations[0]['robot']}")
    quiet = [r for r in requests if r.get("quiet")]
    if quiet:
        failures.append(f"{len(quiet)} Feishu requests at :00 or :30")
    status = subprocess.run([args.bin, "campaign", "status", str(campaign)], env=env, capture_output=True, text=True, check=True)
    for delivery_id, name in uncertain:
        if f"#{delivery_id} {name}" not in status.stdout:
            failures.append(f"campaign status does not list uncertain #{delivery_id}")

    arrived_uncertain = sum(1 for _, name in uncertain if accepted[name] == 1)
    print(f"kills: {len(in_flight_at_kills)}, sends in flight at each: {in_flight_at_kills}")
    print(f"deliveries: {dict(states)}; uncertain that did arrive: {arrived_uncertain}, that did not: {len(uncertain) - arrived_uncertain}")
    print(f"platform: {len(requests)} requests, {sum(accepted.values())} accepted, "
          f"{sum(1 for r in requests if r['status'] >= 500)} answered 5xx, duplicates {len(duplicates)}, "
          f"limit crossings {len(violations)}")
    if failures:
        print("FAIL")
        for failure in failures[:20]:
            print("  " + failure)
        print(f"(files kept in {work})")
        return 1
    print("PASS: no message arrived twice; every message arrived or is listed as uncertain; "
          "uncertain = sends in flight at the kills")
    return 0


if __name__ == "__main__":
    sys.exit(main())
