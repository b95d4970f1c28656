#!/usr/bin/env bash
# cadence's MiniLM encoder (fp32 and int8) against Python sentence-transformers (fp32): same
# model, same threads, same texts, run alternately, median texts per second of each.
#   benches/minilm/run.sh [ROUNDS]
# Two input sets: distinct chat-length texts (the corpus' messages and contexts of at most
# 120 characters, each once), and a realistic export as cadence's classifier sees it (every
# message of tests/fixtures/team followed by the message it answers, repeats and all).
# Runs scripts/setup-bert; shares benches/peers' venv (.cache/peers-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=$(nproc)
# The same virtual environment as benches/peers/run.sh (torch 2.4.1 with the pins that work
# with it), made the same way.
venv=.cache/peers-venv
scripts/setup-bert
if ! "$venv/bin/python" -c "import sentence_transformers" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --find-links .cache/bert/wheels -r benches/peers/requirements.txt
fi
cargo build --release -q -p cadence-benches --features bert --bin minilm_throughput
cargo build --release -q -p cadence-cli

distinct=.cache/minilm-distinct.jsonl
export_texts=.cache/minilm-export.jsonl
# jq-free: the corpus is JSONL with text and optional context.
"$venv/bin/python" - "$distinct" <<'PY'
import json, sys
seen = []
for split in ("train", "test"):
    for line in open(f"datasets/splits/{split}.jsonl", encoding="utf-8"):
        record = json.loads(line)
        for text in (record["text"], record.get("context")):
            if text and len(text) <= 120 and text not in seen:
                seen.append(text)
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for text in seen:
        out.write(json.dumps(text, ensure_ascii=False) + "\n")
PY
target/release/cadence convert tests/fixtures/team 2>/dev/null | "$venv/bin/python" -c '
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for line in sys.stdin:
        record = json.loads(line)
        for text in (record["text"], record.get("context")):
            if text:
                out.write(json.dumps(text, ensure_ascii=False) + "\n")
' "$export_texts"

echo "machine: $threads cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
for input in "$distinct" "$export_texts"; do
    count=$(wc -l < "$input")
    distinct_count=$(sort -u "$input" | wc -l)
    echo "== $input: $count texts, $distinct_count distinct"
    for run in 1 2 3; do
        fp32=$(target/release/minilm_throughput "$input" "$rounds" fp32)
        int8=$(target/release/minilm_throughput "$input" "$rounds" int8)
        python=$("$venv/bin/python" benches/minilm/embed_bench.py "$input" "$threads" 32 "$rounds")
        echo "run $run: cadence fp32 $fp32, int8 $int8, sentence-transformers $python texts/s; ratios fp32 $(echo "scale=2; $fp32 / $python" | bc), int8 $(echo "scale=2; $int8 / $python" | bc); load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
