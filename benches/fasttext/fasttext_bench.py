"""fastText on cadence's corpus: train on the train split, macro-F1 on the test split, and
prediction throughput on the same messages cadence's probe classifies.

    python fasttext_bench.py MESSAGES chat|corpus
"""

import json
import os
import sys
import tempfile
import time

import fasttext

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LABELS = ["proactive", "silent", "overstepping", "aligned"]


def load(name):
    with open(os.path.join(ROOT, "datasets", "splits", name), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def line(example):
    # fastText has no feature namespaces: the context's words are marked with a prefix.
    text = " ".join(example["text"].split())
    context = " ".join("ctx_" + w for w in (example.get("context") or "").split())
    return f"{text} {context}".strip()


def macro_f1(gold, predicted):
    scores = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def main():
    count, mix = int(sys.argv[1]), sys.argv[2]
    train, test = load("train.jsonl"), load("test.jsonl")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for e in train:
            f.write(f"__label__{e['label']} {line(e)}\n")
        path = f.name
    model = fasttext.train_supervised(
        input=path, epoch=25, lr=0.5, wordNgrams=2, minn=3, maxn=5, dim=50, loss="softmax", verbose=0, seed=42
    )
    os.unlink(path)
    predicted = [labels[0].replace("__label__", "") for labels in model.predict([line(e) for e in test])[0]]
    f1 = macro_f1([e["label"] for e in test], predicted)

    pool = [e for e in test if mix == "corpus" or len(e["text"]) <= 80]
    batch = [line(pool[i % len(pool)]) for i in range(count)]
    best = float("inf")
    for _ in range(4):
        start = time.perf_counter()
        model.predict(batch)
        best = min(best, time.perf_counter() - start)
    print(f"fastText mix={mix} threads=1 messages_per_second={count / best:.0f} macro_f1={f1:.4f}")


if __name__ == "__main__":
    main()
