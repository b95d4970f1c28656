"""What the Python peers of benches/peers/run.sh share: the splits, the one input string every
peer sees, the scores (computed as cadence computes them), and timing of prediction.

Every peer reads `text [CTX] context`: the message, a separator token, and the message it
answers, whitespace collapsed (fastText's training format is one example per line). cadence
hashes the context's words in a namespace of their own; the separator is the simplest way to
give the Python peers the same information.
"""

import json
import multiprocessing
import os
import random
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
LABELS = ["proactive", "silent", "overstepping", "aligned"]
SEED = 42
# The same as crates/classifier/src/metrics.rs.
ECE_BINS = 15


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def split(name):
    return read_jsonl(os.path.join(ROOT, "datasets", "splits", f"{name}.jsonl"))


def peer_input(record):
    text = " ".join(record["text"].split())
    context = " ".join((record.get("context") or "").split())
    return f"{text} [CTX] {context}" if context else text


def label_indices(records):
    return [LABELS.index(r["label"]) for r in records]


def validation_fold(records, fraction=0.2):
    """(train, validation): a stratified, seeded `fraction` of records held out for tuning."""
    by_label = {}
    for record in records:
        by_label.setdefault(record["label"], []).append(record)
    rng = random.Random(SEED)
    train, validation = [], []
    for label in LABELS:
        group = by_label[label][:]
        rng.shuffle(group)
        cut = round(len(group) * fraction)
        validation += group[:cut]
        train += group[cut:]
    return train, validation


def scores(gold, probabilities):
    """macro-F1, per-class F1, accuracy and expected calibration error of rows of class
    probabilities (columns in LABELS order) against gold label indices."""
    predicted = [max(range(len(LABELS)), key=row.__getitem__) for row in probabilities]
    per_class = {}
    for k, label in enumerate(LABELS):
        tp = sum(g == p == k for g, p in zip(gold, predicted))
        fp = sum(p == k != g for g, p in zip(gold, predicted))
        fn = sum(g == k != p for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_class[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    count, confidence, correct = [0] * ECE_BINS, [0.0] * ECE_BINS, [0.0] * ECE_BINS
    for g, p, row in zip(gold, predicted, probabilities):
        top = float(row[p])
        b = min(int(top * ECE_BINS), ECE_BINS - 1)
        count[b] += 1
        confidence[b] += top
        correct[b] += float(g == p)
    ece = sum(abs(correct[b] - confidence[b]) for b in range(ECE_BINS) if count[b]) / max(len(gold), 1)
    return {
        "macro_f1": sum(per_class.values()) / len(LABELS),
        "per_class_f1": per_class,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold),
        "ece": ece,
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


# Set before the worker processes are forked, so they inherit the model and the texts instead
# of receiving them pickled.
_predict = None
_texts = None


def _predict_range(bounds):
    start, end = bounds
    return len(_predict(_texts[start:end]))


def parallel_throughput(predict, texts, workers, rounds=3):
    """Messages per second of `predict` (a function of a list of texts) over `texts`, split
    across `workers` forked processes: fastText's and scikit-learn's predict calls are
    single-threaded, and this gives them the cores cadence uses. Best of `rounds` after a
    warm-up."""
    global _predict, _texts
    _predict, _texts = predict, texts
    step = -(-len(texts) // workers)
    ranges = [(i, min(i + step, len(texts))) for i in range(0, len(texts), step)]
    best = float("inf")
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_predict_range, [(a, min(a + 1000, b)) for a, b in ranges])
        for _ in range(rounds):
            start = time.perf_counter()
            done = sum(pool.map(_predict_range, ranges))
            best = min(best, time.perf_counter() - start)
    assert done == len(texts)
    return {"messages": len(texts), "seconds": best, "messages_per_second": len(texts) / best,
            "workers": workers, "rounds": rounds}


def command_line(train, predict):
    """Runs a peer script's command line, the same for every peer:
    `train DIR THREADS [SETTING]` (SETTING an integer: autotune seconds, SetFit steps) or
    `predict DIR THREADS MESSAGES_JSONL`."""
    command, directory, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "train":
        train(directory, threads, *(int(setting) for setting in sys.argv[4:]))
    else:
        predict(directory, threads, sys.argv[4])
