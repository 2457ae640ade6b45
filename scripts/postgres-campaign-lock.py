#!/usr/bin/env python3
"""One campaign runner at a time on a shared PostgreSQL database, and the ledger there.

1. Plan a campaign of 30 first-time 高企 on one WeCom robot of the fake platform
   (scripts/fake_robot_platform.py, 200-300 ms of latency) in a postgres:// database: 20 go out in
   the first minute, the rest wait for the robot's limit, so the first run stays alive.
2. Start `policydesk campaign run` (A). Once the fake has received its first message, a second run
   (B) on the same database is refused at once, naming the lock; `campaign status` reads the ledger.
3. kill -9 A. B is started again and takes the lock (PostgreSQL dropped A's session lock with its
   connection); it sends, then SIGTERM stops it cleanly (exit 130), and its summary counts the sends
   A left in flight as uncertain, never resent.
4. `campaign report --format csv` and `campaign list` work on the database; nothing arrived twice.

Usage: postgres-campaign-lock.py --binary .build/debug/policydesk --db postgres://…
Exits 1 on any failure.
"""
import argparse
import collections
import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module  # noqa: E402

credit_code = import_module("campaign-crash-test").credit_code
failures = []


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message)
    if not condition:
        failures.append(message)


def received(log_path):
    """The fake's log: one JSON object per request it got."""
    if not os.path.exists(log_path):
        return []
    with open(log_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_for(condition, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="policydesk-campaign-lock-")
    log_path = os.path.join(work, "requests.jsonl")
    fake = subprocess.Popen(
        [sys.executable, "-u", os.path.join(ROOT, "scripts/fake_robot_platform.py"), log_path, "--latency-ms",
         "200-300"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    runs = []
    try:
        port = int(fake.stdout.readline())
        roster = os.path.join(work, "roster.csv")
        with open(roster, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企"])
            for i in range(30):
                w.writerow([f"锁测试企业{i:02d}", credit_code(i + 1), "规上", "企业微信",
                            f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=wklock", "是"])
        env = dict(os.environ, POLICYDESK_DB=args.db)
        common = ["--intents", os.path.join(ROOT, "Intents"), "--templates", os.path.join(ROOT, "Templates")]
        plan = subprocess.run([args.binary, "campaign", "plan", roster, "--items", "12.2", "--show", "0"] + common,
                              env=env, capture_output=True, text=True)
        found = re.search(r"Campaign (\d+) planned", plan.stdout)
        check(plan.returncode == 0 and found is not None,
              "campaign plan stores the campaign in PostgreSQL: %s" % (plan.stdout + plan.stderr)[-300:])
        if not found:
            return 1
        campaign = found.group(1)
        run = [args.binary, "campaign", "run", campaign]

        a = subprocess.Popen(run + ["--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        runs.append(a)
        check(wait_for(lambda: len(received(log_path)) > 0, 60), "run A is sending")
        started = time.time()
        b = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        refused_in = time.time() - started
        check(b.returncode != 0 and "Another `policydesk campaign run`" in b.stderr and "advisory lock" in b.stderr,
              "run B is refused while A holds the lock (exit %s, %.2f s): %s" % (b.returncode, refused_in,
                                                                                 b.stderr.strip()[:200]))
        status = subprocess.run([args.binary, "campaign", "status", campaign], env=env, capture_output=True,
                                text=True)
        check(status.returncode == 0 and "消息 30 条" in status.stdout,
              "campaign status reads the ledger while A runs: %s" % status.stdout.splitlines()[:2])

        os.kill(a.pid, signal.SIGKILL)
        a.wait()
        sent_by_a = len(received(log_path))
        killed_at = time.time()
        b = subprocess.Popen(run + ["--verbose"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        runs.append(b)
        # A's last call may reach the fake's log after the kill: B has sent once two more are there.
        took_lock = wait_for(lambda: len(received(log_path)) > sent_by_a + 1 or b.poll() is not None, 90)
        check(took_lock and b.poll() is None,
              "after kill -9 of A, run B takes the lock and sends (%.1f s after the kill)" % (time.time() - killed_at))
        b.send_signal(signal.SIGTERM)
        out, err = b.communicate(timeout=60)
        summary = [line for line in out.splitlines() if line.startswith("Campaign ")]
        check(b.returncode == 130 and summary, "SIGTERM stops B cleanly (exit %s): %s" % (b.returncode, summary[-1:]))
        calls = re.search(r"(\d+) calls this run", summary[-1] if summary else "")
        check(calls is not None and int(calls.group(1)) >= 1,
              "B made calls of its own before the stop: %s" % (calls.group(0) if calls else "none"))
        print("  B's summary: %s" % (summary[-1] if summary else err.strip()[-200:]))

        report = subprocess.run([args.binary, "campaign", "report", campaign, "--format", "csv"], env=env,
                                capture_output=True, text=True)
        rows = list(csv.reader(report.stdout.splitlines()))
        check(report.returncode == 0 and len(rows) == 31, "the CSV report has a row per message: %d" % len(rows))
        listing = subprocess.run([args.binary, "campaign", "list"], env=env, capture_output=True, text=True)
        check(listing.returncode == 0 and listing.stdout.startswith(campaign + " "),
              "campaign list shows it: %s" % listing.stdout.strip()[:120])
        texts = collections.Counter(line.get("text") for line in received(log_path) if line.get("accepted"))
        twice = [t[:30] for t, n in texts.items() if n > 1]
        check(not twice, "no message arrived twice (%d accepted): %s" % (sum(texts.values()), twice))
    finally:
        for process in runs:
            if process.poll() is None:
                process.kill()
                process.wait()
        fake.stdin.close()
        fake.kill()
        fake.wait()
    if failures:
        print("FAILED: %d check(s)" % len(failures))
        return 1
    print("campaign lock on PostgreSQL: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
