#!/usr/bin/env bash
# Imports the seed plan into a draft Intents/ folder and checks the draft end to end with the
# real binary: lint refuses the guessed rules one by one, the comparison with the shipped
# Intents/ prints its table, eval runs on the draft (allowed as a draft), and a draft accepted
# as read lints clean. Prints the figures for the log.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLICYDESK_BIN:-.build/debug/policydesk}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seed=Tests/DeskTests/Fixtures/seed.txt

"$BIN" import "$seed" --out "$work/draft" --carry-over Intents --compare Intents > "$work/import.txt"
sed -n '1,5p' "$work/import.txt"
grep -E '^(rules exact|requires equal|measures with)' "$work/import.txt"

# A second import into the same folder is refused without --force.
if "$BIN" import "$seed" --out "$work/draft" > /dev/null 2> "$work/again.txt"; then
    echo "import overwrote a non-empty folder without --force" >&2; exit 1
fi
grep -q -- '--force' "$work/again.txt"

# lint lists every guessed rule as FILE:LINE: rule not reviewed, and fails.
if "$BIN" lint --intents "$work/draft" > "$work/lint.txt"; then
    echo "lint passed a draft with rules to review" >&2; exit 1
fi
review=$(grep -c 'rule not reviewed' "$work/lint.txt")
expected=$(sed -n 's/^rules needing review (review: true): //p' "$work/import.txt")
[ "$review" = "$expected" ] || { echo "lint listed $review unreviewed rules, import wrote $expected" >&2; exit 1; }
grep -v 'rule not reviewed' "$work/lint.txt" && { echo "lint found other problems in the draft" >&2; exit 1; }
echo "lint: $review rules not reviewed"

# ask and eval refuse the draft without --allow-draft, and mark every answer with it.
if "$BIN" ask --intents "$work/draft" "高企奖多少" > /dev/null 2>&1; then
    echo "ask answered from a draft without --allow-draft" >&2; exit 1
fi
"$BIN" ask --json --allow-draft --intents "$work/draft" "新认定的高企，规上，能拿多少" | grep -q '"draft":true'
"$BIN" eval Tests/DeskTests/Fixtures/dev.jsonl --intents "$work/draft" --allow-draft > "$work/eval-draft.txt"
echo "eval of the draft (rules as imported, lexicon and refusals carried over):"
sed -n '1,8p' "$work/eval-draft.txt"

# intents review lists the same rules; --accept-all accepts them, and the draft lints clean.
if "$BIN" intents review --intents "$work/draft" > "$work/review.txt"; then
    echo "intents review found nothing to review in a draft" >&2; exit 1
fi
[ "$(grep -c 'rule not reviewed' "$work/review.txt")" = "$expected" ]
"$BIN" intents review --accept-all --intents "$work/draft"
"$BIN" lint --intents "$work/draft"
"$BIN" intents review --intents "$work/draft"

# Imported with --accept-review, the draft lints clean and loads without the flag.
"$BIN" import "$seed" --out "$work/accepted" --carry-over Intents --accept-review > /dev/null
"$BIN" lint --intents "$work/accepted"
echo "import check passed"
