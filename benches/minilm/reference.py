"""Reference embeddings for cadence's MiniLM test, from Python sentence-transformers.

    .cache/minilm-venv/bin/python benches/minilm/reference.py > crates/classifier/tests/minilm_reference.json

(benches/minilm/run.sh creates that venv.) The model is the one scripts/setup-bert unpacks.
"""

import json
import sys

import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "still on it",
    "Heads up: the payments API change may slip two days, the sandbox keys expired.",
    "I went ahead and signed the Datadog renewal for another two years.",
    "Is a 10% discount within what I can approve for Acme, or should I loop in sales ops?",
    "👍",
    "ok thanks!",
    "Können wir das morgen besprechen?",
    "merged the migration, 3 of 5 tables done, rest friday " * 3,
]

model = SentenceTransformer(".cache/bert/all-minilm-l6-v2", device="cpu")
embeddings = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
json.dump(
    {
        "made_with": (
            f"benches/minilm/reference.py: sentence-transformers {sentence_transformers.__version__}, "
            f"transformers {transformers.__version__}, torch {torch.__version__}, "
            "model.encode(sentences, normalize_embeddings=True) on the CPU"
        ),
        "sentences": SENTENCES,
        "embeddings": [[round(float(x), 6) for x in row] for row in embeddings],
    },
    sys.stdout,
    ensure_ascii=False,
)
sys.stdout.write("\n")
