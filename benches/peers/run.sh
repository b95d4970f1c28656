#!/usr/bin/env bash
# cadence side by side with its peers on the corpus splits, in one command from a fresh clone:
#   benches/peers/run.sh
# fastText (autotuned), scikit-learn (TF-IDF + logistic regression, grid search) and SetFit
# (all-MiniLM-L6-v2) against cadence's `default` and `minilm` models, each trained on
# datasets/splits/train.jsonl and scored on test.jsonl: macro-F1, per-class F1, calibration
# error, training wall time, prediction throughput, peak memory and model size. Writes
# .cache/peers/results.json and results.md and prints the table; BENCHMARKS.md has a run.
# The measured part took 15 minutes on an idle 2-core machine, after set-up and two cadence builds.
#
# Needs Python 3 with venv, GNU time, and PyPI: the pinned packages of requirements.txt go into
# .cache/peers-venv (about 6 GB: torch pulls in the NVIDIA wheels). Every train and predict step
# runs as its own process under GNU time, for its wall time and peak resident set size.
# Knobs (environment): AUTOTUNE_SECONDS (fastText's autotune, 180), SETFIT_STEPS (SetFit's
# contrastive fine-tuning steps of 16 pairs; by default the whole round of pairs SetFit
# generates, two a training example: 415 steps for the 3,315), MESSAGES (repeated messages timed for the
# n-gram tools, 50000).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=$(nproc)
autotune_seconds=${AUTOTUNE_SECONDS:-180}
setfit_steps=${SETFIT_STEPS:-}
messages=${MESSAGES:-50000}
out=.cache/peers
venv=.cache/peers-venv
python=$venv/bin/python
peers=benches/peers

[ -x /usr/bin/time ] || { echo "benches/peers: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
scripts/setup-bert
if ! "$python" -c "import fasttext, sklearn, setfit" 2>/dev/null; then
    python3 -m venv "$venv"
    # --find-links: setup-bert has already downloaded the torch wheel.
    "$venv/bin/pip" install -q --find-links .cache/bert/wheels -r "$peers/requirements.txt"
fi
cargo build --release -q -p cadence-cli
# The bert build goes to its own target dir: both builds are called target/release/cadence.
cargo build --release -q -p cadence-cli --features bert --target-dir target/bert
cargo build --release -q -p cadence-benches --features bert --target-dir target/bert --bin predict_throughput
cadence=target/release/cadence
cadence_bert=target/bert/release/cadence
probe=target/bert/release/predict_throughput

rm -rf "$out"
mkdir -p "$out"/{fasttext,sklearn,setfit,cadence-default,cadence-minilm}
"$python" "$peers/messages.py" "$out" "$messages"
repeated=$out/repeated.jsonl
distinct=$out/distinct.jsonl
uptime | tee "$out/load-start.txt"

# step DIR NAME COMMAND...: runs COMMAND under GNU time, its report in DIR/NAME.time.
step() {
    local dir=$1 name=$2
    shift 2
    echo "== $(date -u +%H:%M:%S) $dir $name" >&2
    /usr/bin/time -v -o "$out/$dir/$name.time" "$@"
}

step fasttext train "$python" "$peers/fasttext_peer.py" train "$out/fasttext" "$threads" "$autotune_seconds"
step fasttext predict "$python" "$peers/fasttext_peer.py" predict "$out/fasttext" "$threads" "$repeated"
step sklearn train "$python" "$peers/sklearn_peer.py" train "$out/sklearn" "$threads"
step sklearn predict "$python" "$peers/sklearn_peer.py" predict "$out/sklearn" "$threads" "$repeated"
step setfit train "$python" "$peers/setfit_peer.py" train "$out/setfit" "$threads" ${setfit_steps:+"$setfit_steps"}
step setfit predict "$python" "$peers/setfit_peer.py" predict "$out/setfit" "$threads" "$distinct"

# cadence: the settings its models/ were trained with (`default`: the defaults; `minilm`: the
# hybrid head over an encoder whose top four layers are fine-tuned, in int8; see
# docs/backends.md). predict.time is `cadence classify` end to end (peak memory);
# throughput.json is prediction alone, in-process, as the Python peers are timed.
for model in default minilm; do
    dir=$out/cadence-$model
    if [ "$model" = default ]; then
        bin=$cadence input=$repeated rounds=3 settings=(--backend ngrams)
    else
        bin=$cadence_bert input=$distinct rounds=1 settings=(--backend hybrid --fine-tune-layers 4)
    fi
    step "cadence-$model" train "$bin" train "${settings[@]}" --data datasets/splits/train.jsonl \
        --out "$dir/model" --format json > "$dir/train.json"
    "$bin" eval --model "$dir/model" --data datasets/splits/test.jsonl --format json > "$dir/eval.json"
    step "cadence-$model" predict "$bin" classify --model "$dir/model" "$input" -o "$dir/classified.jsonl"
    "$probe" "$dir/model" "$input" "$rounds" > "$dir/throughput.json"
done

uptime | tee "$out/load-end.txt"
"$python" "$peers/report.py" "$out" "benches/peers/run.sh"
