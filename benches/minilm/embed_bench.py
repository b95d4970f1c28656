"""Python sentence-transformers' side of benches/minilm/run.sh: embeds the texts of a file
(one JSON string per line) with all-MiniLM-L6-v2 and prints texts per second.

    embed_bench.py TEXTS THREADS BATCH ROUNDS
"""

import json
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

path, threads, batch, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
texts = [json.loads(line) for line in open(path, encoding="utf-8")]
model = SentenceTransformer(".cache/bert/all-minilm-l6-v2", device="cpu")
model.encode(texts[:256], batch_size=batch)  # warm-up
rates = []
for _ in range(rounds):
    start = time.perf_counter()
    model.encode(texts, batch_size=batch, normalize_embeddings=True)
    rates.append(len(texts) / (time.perf_counter() - start))
print(f"{sorted(rates)[len(rates) // 2]:.0f}")
