#!/usr/bin/env bash
# Reading and classifying a large generated Slack export: speed and peak memory.
#   benches/export/run.sh [MESSAGES...]     (default: 100000 1000000)
# Generates each export once under .cache/ (about 1.1 KB of JSON per message), then runs
# the Slack reader alone and `cadence classify` end to end under /usr/bin/time -v.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
cargo build --release -q -p cadence-chatlog --example gen_slack_export --example read_bench
cargo build --release -q -p cadence-cli
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
peak() { grep "Maximum resident set size" "$1" | awk '{printf "%.0f MB", $6 / 1024}'; }
for n in "${sizes[@]}"; do
    export_dir=.cache/slack-export-$n
    [ -d "$export_dir" ] || target/release/examples/gen_slack_export "$export_dir" "$n" >/dev/null
    echo "== $n messages, $(du -sm "$export_dir" | cut -f1) MB"
    /usr/bin/time -v -o .cache/time-read.txt target/release/examples/read_bench "$export_dir"
    echo "read peak RSS: $(peak .cache/time-read.txt)"
    start=$(date +%s.%N)
    /usr/bin/time -v -o .cache/time-classify.txt target/release/cadence classify "$export_dir" -o .cache/classified.jsonl 2>/dev/null
    end=$(date +%s.%N)
    lines=$(wc -l < .cache/classified.jsonl)
    echo "classify: $lines messages in $(echo "$end - $start" | bc) s, $(echo "$lines / ($end - $start)" | bc) messages/s, peak RSS $(peak .cache/time-classify.txt)"
    start=$(date +%s.%N)
    /usr/bin/time -v -o .cache/time-health.txt target/release/cadence health .cache/classified.jsonl --format json -o .cache/report.json 2>/dev/null
    end=$(date +%s.%N)
    echo "health (from classify output): $(echo "$end - $start" | bc) s, peak RSS $(peak .cache/time-health.txt)"
    rm -f .cache/classified.jsonl
done
