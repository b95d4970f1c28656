#!/usr/bin/env python3
"""Draws the fixed train/test split of the cadence corpus.

    python3 datasets/split.py            # rewrites datasets/splits/{train,test}.jsonl

Standard library only, deterministic: the same corpus gives the same split.

How the split is drawn:
1. Every example of datasets/corpus/*.jsonl is read (files in name order, lines in order).
2. Examples are grouped so that near-copies never straddle the split: two examples are in
   the same group when their normalised texts are equal, or when the Jaccard similarity of
   their character 5-gram sets is above 0.8 (the rule tests/corpus.rs checks). Normalising
   lowercases, turns ASCII punctuation and the Unicode general-punctuation block into spaces
   and collapses whitespace; emoji are kept.
3. Groups are ordered by SHA-256 of SEED + the group's first id, and taken into the test
   split while every label they hold is still under TEST_SHARE of that label's total; the
   rest is train. So the test split is stratified by label, about TEST_SHARE of each.
4. Both files keep corpus order, except that train ends with the train-only shares (below),
   in name order. Near-duplicate groups found are reported on stdout.

Shares named in TRAIN_ONLY were written after the split was fixed. They go to train whole and
take no part in the draw, so adding one leaves the test split exactly as it was (and the
figures measured on it comparable). A train-only example whose text equals or is near (as
in step 2) a test example is an error: reword it.
"""

import glob
import hashlib
import json
import os
import sys

SEED = "cadence-split-v1"
TEST_SHARE = 0.22
NEAR_DUPLICATE = 0.8
TRAIN_ONLY = ["chat_threads.jsonl"]
HERE = os.path.dirname(os.path.abspath(__file__))


def normalise(text):
    out = []
    for c in text.lower():
        code = ord(c)
        if (code < 128 and not c.isalnum() and not c.isspace()) or 0x2000 <= code <= 0x206F:
            out.append(" ")
        else:
            out.append(c)
    return " ".join("".join(out).split())


def shingles(text):
    padded = f" {text} "
    if len(padded) < 5:
        return {padded}
    return {padded[i : i + 5] for i in range(len(padded) - 4)}


def near(sa, sb):
    """Whether two shingle sets are near-copies: Jaccard similarity above the bound."""
    inter = len(sa & sb)
    return inter / (len(sa) + len(sb) - inter) > NEAR_DUPLICATE


def main():
    paths = sorted(glob.glob(os.path.join(HERE, "corpus", "*.jsonl")))
    missing = set(TRAIN_ONLY) - {os.path.basename(p) for p in paths}
    if missing:
        print(f"TRAIN_ONLY names shares that are not in corpus/: {sorted(missing)}", file=sys.stderr)
        return 1
    examples = []
    train_only = []
    for path in paths:
        into = train_only if os.path.basename(path) in TRAIN_ONLY else examples
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    example = json.loads(line)
                    example["_where"] = f"{os.path.basename(path)}:{number}"
                    into.append(example)

    parent = list(range(len(examples)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    keys = [normalise(e["text"]) for e in examples]
    first_with_key = {}
    for i, key in enumerate(keys):
        if key in first_with_key:
            union(i, first_with_key[key])
        else:
            first_with_key[key] = i

    # Near duplicates: compare distinct texts whose shingle counts could reach the threshold.
    distinct = sorted(first_with_key.items(), key=lambda kv: len(shingles(kv[0])))
    sets = [(shingles(k), i) for k, i in distinct]
    near_pairs = []
    for a in range(len(sets)):
        sa, ia = sets[a]
        for b in range(a + 1, len(sets)):
            sb, ib = sets[b]
            if len(sa) < NEAR_DUPLICATE * len(sb):
                break
            if near(sa, sb):
                near_pairs.append((ia, ib))
                union(ia, ib)

    groups = {}
    for i in range(len(examples)):
        groups.setdefault(find(i), []).append(i)

    totals = {}
    for e in examples:
        totals[e["label"]] = totals.get(e["label"], 0) + 1
    quota = {label: TEST_SHARE * n for label, n in totals.items()}
    taken = {label: 0 for label in totals}
    order = sorted(
        groups.values(),
        key=lambda members: hashlib.sha256((SEED + examples[members[0]]["id"]).encode()).hexdigest(),
    )
    in_test = set()
    for members in order:
        need = {}
        for i in members:
            need[examples[i]["label"]] = need.get(examples[i]["label"], 0) + 1
        if all(taken[label] + n <= quota[label] for label, n in need.items()):
            for label, n in need.items():
                taken[label] += n
            in_test.update(members)

    test = [(examples[i], keys[i], shingles(keys[i])) for i in sorted(in_test)]
    clashes = []
    for e in train_only:
        key = normalise(e["text"])
        grams = shingles(key)
        clashes += [(e, t) for t, test_key, test_grams in test if key == test_key or near(grams, test_grams)]
    for e, t in clashes:
        print(f"{e['_where']}: {e['id']} is near test example {t['id']}: {e['text']!r} ~ {t['text']!r}", file=sys.stderr)
    if clashes:
        return 1

    os.makedirs(os.path.join(HERE, "splits"), exist_ok=True)
    counts = {"train": {}, "test": {}}
    files = {name: open(os.path.join(HERE, "splits", f"{name}.jsonl"), "w", encoding="utf-8") for name in counts}
    for i, e in enumerate(examples + train_only):
        split = "test" if i in in_test else "train"
        counts[split][e["label"]] = counts[split].get(e["label"], 0) + 1
        record = {k: v for k, v in e.items() if not k.startswith("_")}
        files[split].write(json.dumps(record, ensure_ascii=False) + "\n")
    for f in files.values():
        f.close()

    print(f"{len(examples)} examples in {len(groups)} groups, and {len(train_only)} train-only")
    print(f"{len(near_pairs)} near-duplicate pairs (5-gram Jaccard > {NEAR_DUPLICATE}), each kept within one split:")
    for a, b in near_pairs:
        print(f"  {examples[a]['id']} ~ {examples[b]['id']}: {examples[a]['text'][:60]!r} ~ {examples[b]['text'][:60]!r}")
    for split, by_label in counts.items():
        print(split, sum(by_label.values()), dict(sorted(by_label.items())))


if __name__ == "__main__":
    sys.exit(main())
