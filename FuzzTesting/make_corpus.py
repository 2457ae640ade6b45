#!/usr/bin/env python3
"""Writes the seed corpora in Corpus/<target>/ from the protocol vectors, the dev set and the
shipped data. Each file starts with the mode byte the target reads first (see FuzzChecks).
Run from anywhere; it rewrites Corpus/ whole."""
import hashlib, json, os, shutil, sys
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent
fixtures = root / "Tests" / "ChannelsTests" / "Fixtures"
corpus = here / "Corpus"


def load(name):
    return json.loads((fixtures / name).read_text(encoding="utf-8"))


def b(text):
    return text.encode("utf-8") if isinstance(text, str) else text


def write(target, data, seen={}):
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()
    if (target, digest) in seen:
        return
    seen[(target, digest)] = True
    (folder / digest).write_bytes(data)


def questions(limit):
    out = []
    for line in (root / "Tests" / "DeskTests" / "Fixtures" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["q"])
    step = max(1, len(out) // limit)
    return out[::step][:limit]


def walk(value):
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def main():
    if corpus.exists():
        shutil.rmtree(corpus)
    asks = questions(40)

    wecom = load("wecom.json")
    for v in wecom["vectors"]:
        i, e = v.get("input", {}), v.get("expected", {})
        if "body" in i:
            write("wecom", b"\x00" + b(i.get("query_string", "")) + b"\x00" + b(i["body"]))
            write("wecom", b"\x00" + b(i["body"]))
        for key in ("decrypted_xml", "decrypted_json", "reply_plaintext_xml", "reply_plaintext_json"):
            for source in (i, e):
                if isinstance(source.get(key), str):
                    write("wecom", b"\x01" + b(source[key]))
        for key in ("encrypt",):
            if isinstance(e.get(key), str):
                write("wecom", b"\x02" + b(e[key]))
        if "params_decoded" in i and "echostr" in i["params_decoded"]:
            write("wecom", b"\x02" + b(i["params_decoded"]["echostr"]))
    for q in asks[:10]:
        write("wecom", b"\x03" + b("zhangsan") + b"\x00" + b(q))
    # CDATA ends inside replies: a bare "]]>", and one followed by a combining mark.
    write("wecom", b"\x03u\x00" + b("答]]>复"))
    write("wecom", b"\x03u\x00" + b("答]]>\u0301复"))
    write("wecom", b"\x01" + b("<xml><FromUserName><![CDATA[u]]></FromUserName><MsgType><![CDATA[text]]></MsgType>"
                               "<CreateTime>1</CreateTime><Content><![CDATA[a]]]]><![CDATA[>\u0301b]]></Content></xml>"))

    feishu = load("feishu.json")
    for v in feishu["vectors"]:
        i, e = v.get("input", {}), v.get("expected", {})
        if isinstance(i.get("body"), str):
            write("feishu", b"\x00" + b(i["body"]))
        for key in ("decrypted", "plaintext"):
            d = e.get(key)
            if d is not None:
                write("feishu", b"\x01" + b(d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)))
        if isinstance(i.get("encrypt"), str):
            write("feishu", b"\x02" + b(i["encrypt"]))

    dingtalk = load("dingtalk.json")
    for v in dingtalk["vectors"]:
        i = v.get("input", {})
        if isinstance(i.get("body"), str):
            write("dingtalk", b"\x00" + b(i["body"]))
        headers = i.get("headers")
        if isinstance(headers, dict):
            write("dingtalk", b"\x01" + b(headers.get("timestamp", "")) + b"\x00" + b(headers.get("sign", "")))
            write("dingtalk", b"\x02" + b("\n".join(f"{k}:{val}" for k, val in headers.items())))

    for q in asks:
        write("ask", b(json.dumps({"text": q, "user": "u-1"}, ensure_ascii=False)))
    write("ask", b(json.dumps({"text": asks[0]}, ensure_ascii=True)))
    write("ask", b'{"te\\u0078t":"a\\ud83d\\ude00","x":[1,-0.5e+3,{"y":null}],"user":null}')

    roster = (root / "Tests" / "OutreachTests" / "Fixtures" / "roster-gb18030.csv").read_bytes()
    write("roster", roster)
    text = roster.decode("gb18030")
    write("roster", b(text))
    write("roster", b"\xef\xbb\xbf" + b(text).replace(b"\n", b"\r\n"))

    intents = root / "Intents"
    files = ["policy.yaml", "lexicon.yaml", "out_of_scope.yaml", "contacts.yaml"] + sorted(
        "clauses/" + p.name for p in (intents / "clauses").glob("*.yaml"))
    # Loader seeds: the small files whole, and a few clauses.
    for index, name in enumerate(files):
        data = (intents / name).read_bytes()
        if len(data) <= 16_000 and (index < 4 or index % 8 == 0):
            write("intents", bytes([0, index]) + data)
    # Editor seeds: each kind of edit on shipped files (empty text and id: the file's first item).
    for kind in range(6):
        for index in (4, 9, 20) if kind < 5 else (3,):
            write("intents", bytes([2 * kind + 1, index]) + b"\x00\x00" + b(asks[kind]) + b"\x00" + b(asks[kind + 1]))
    small = b("items:\n  - id: \"1.1\"\n    text: |\n      正文\n    examples:\n      - 甲\n      - 乙\n    checklist: [a, b]\n")
    for kind in range(5):
        write("intents", bytes([2 * kind + 1, 0]) + small + b"\x001.1\x00" + b("丙 \"引号\"") + b"\x00" + b("#丁"))

    for q in asks:
        write("numbers", b"\x00" + b(q))
    for extra in ("一亿亿亿元", "80w,2,000,000元和三项专利", "1.5万亿", "营收12.5亿元，研发投入8000万，增长30%"):
        write("numbers", b"\x00" + b(extra))
    write("numbers", b"\x01" + bytes(range(256)))
    write("numbers", b"\x01" + b"\xff" * 300)

    total = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    print(f"{sum(1 for p in corpus.rglob('*') if p.is_file())} files, {total} bytes in {corpus}")


if __name__ == "__main__":
    sys.exit(main())
