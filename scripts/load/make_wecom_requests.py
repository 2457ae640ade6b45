#!/usr/bin/env python3
"""Pre-builds encrypted, signed WeCom callback requests for the load test.

Writes one request per line as ``PATH<TAB>BODY`` (neither contains a tab or a newline), each
with its own MsgId and sender so that neither dedupe nor the per-user rate limit can
short-circuit the answer path. Encryption and signing are wechatpy's (the platform's SDK), with
the secrets the interop harness gives the server.

Usage: make_wecom_requests.py COUNT OUT_FILE
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Interop"))
import peers  # noqa: E402

QUESTIONS = [
    "新认定的高企能拿多少钱",
    "规上企业新认定高企能拿多少钱",
    "科技贷款贴息怎么算？找哪个单位？",
    "规上企业5项发明专利，2项产业化，能拿多少？",
    "自治区重点实验室获批，市里补了300万，区里配多少？",
]


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    crypto = peers.wecom_crypto()
    now = int(time.time())
    base = 7_500_000_000_000_000_000 + (now % 100_000) * 1_000_000
    with open(out, "w", encoding="utf-8") as f:
        for i in range(count):
            xml = peers.wecom_text_xml("load-user-%d" % i, QUESTIONS[i % len(QUESTIONS)], str(base + i), now)
            path, body = peers.wecom_request(xml, crypto=crypto, timestamp=now, nonce=str(100000000 + i))
            f.write(path + "\t" + body + "\n")


if __name__ == "__main__":
    main()
