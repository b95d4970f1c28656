"""Writes the two message sets whose prediction benches/peers/run.sh times, so that every tool
reads the same messages:

    messages.py DIR COUNT

DIR/repeated.jsonl: the test split's records cycled to COUNT, for the n-gram tools (they are
fast enough to need many, and repeats do not help them). DIR/distinct.jsonl: every distinct
(text, context) record of the test split once, for the MiniLM tools (cadence embeds each
distinct text of a batch once, so repeats would flatter it).
"""

import json
import os
import sys

from common import split


def write(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    directory, count = sys.argv[1], int(sys.argv[2])
    test = split("test")
    write(os.path.join(directory, "repeated.jsonl"), [test[i % len(test)] for i in range(count)])
    seen, distinct = set(), []
    for r in test:
        key = (r["text"], r.get("context"))
        if key not in seen:
            seen.add(key)
            distinct.append(r)
    write(os.path.join(directory, "distinct.jsonl"), distinct)


if __name__ == "__main__":
    main()
