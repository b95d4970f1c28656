#!/usr/bin/env bash
# cadence's linear model against fastText on the same machine, data and messages, in one go:
#   benches/fasttext/run.sh [MESSAGES]
# Installs fastText (PyPI fasttext-wheel) in a virtual environment under .cache/, builds
# cadence's throughput probe, and prints macro-F1 on the test split and messages per second.
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${1:-200000}
venv=.cache/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    # fasttext-wheel 0.9.2 predates numpy 2 (its predict() breaks on it).
    "$venv/bin/pip" install -q "fasttext-wheel==0.9.2" "numpy<2"
fi
cargo build --release -q -p cadence-benches --bin throughput
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
for mix in chat corpus; do
    for threads in 1 $(nproc); do
        read -r rate f1 < <(target/release/throughput "$messages" "$threads" "$mix")
        echo "cadence  mix=$mix threads=$threads messages_per_second=$rate macro_f1=$f1"
    done
    "$venv/bin/python" benches/fasttext/fasttext_bench.py "$messages" "$mix"
done
