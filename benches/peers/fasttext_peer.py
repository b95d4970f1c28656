"""fastText (PyPI fasttext-wheel) in benches/peers/run.sh.

    fasttext_peer.py train DIR THREADS AUTOTUNE_SECONDS
    fasttext_peer.py predict DIR THREADS MESSAGES_JSONL

train: supervised fastText on word bigrams and character 3–5-grams (cadence's range), hashed
into 2^18 buckets (cadence's hash space); autotune searches the rest (epochs, learning rate,
dimension, loss) for AUTOTUNE_SECONDS on a stratified 20 % validation fold of the train split
(autotune leaves alone what is given); then the chosen hyperparameters are trained again on
the whole train split. Left to autotune, the buckets went up to its maximum of ten million: an
8.7 GB model for 2,755 examples (the split as it was then). Writes DIR/model/ and
DIR/train.json. predict: scores on the test split and messages per second on MESSAGES_JSONL,
into DIR/predict.json.
"""

import os
import tempfile

import fasttext

from common import (command_line, LABELS, SEED, label_indices, parallel_throughput, peer_input, read_jsonl,
                    scores, split, validation_fold, write_json)

BUCKETS = 1 << 18
# The final model's hyperparameters, autotune's choices and the fixed ones, for train.json.
TUNED = ["epoch", "lr", "dim", "wordNgrams", "minn", "maxn", "bucket", "loss"]


def write_training_file(records, directory, name):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(f"__label__{r['label']} {peer_input(r)}\n")
    return path


def train(directory, threads, autotune_seconds):
    records = split("train")
    fit, validation = validation_fold(records)
    with tempfile.TemporaryDirectory() as tmp:
        tuned = fasttext.train_supervised(
            input=write_training_file(fit, tmp, "fit.txt"),
            autotuneValidationFile=write_training_file(validation, tmp, "validation.txt"),
            autotuneDuration=autotune_seconds, wordNgrams=2, minn=3, maxn=5, bucket=BUCKETS,
            thread=threads, seed=SEED, verbose=0)
        chosen = {name: getattr(tuned, name) for name in TUNED}
        chosen["loss"] = str(chosen["loss"]).split(".")[-1]
        model = fasttext.train_supervised(
            input=write_training_file(records, tmp, "train.txt"), thread=threads, seed=SEED, verbose=0,
            **chosen)
    os.makedirs(os.path.join(directory, "model"), exist_ok=True)
    model.save_model(os.path.join(directory, "model", "model.bin"))
    write_json(os.path.join(directory, "train.json"), {
        "autotune_seconds": autotune_seconds, "validation_examples": len(validation),
        "hyperparameters": chosen})


def probabilities(model, texts):
    labels, probs = model.predict(texts, k=len(LABELS))
    rows = []
    for row_labels, row_probs in zip(labels, probs):
        by_label = dict(zip((l.replace("__label__", "") for l in row_labels), row_probs))
        rows.append([float(by_label.get(label, 0.0)) for label in LABELS])
    return rows


def predict(directory, threads, messages_path):
    model = fasttext.load_model(os.path.join(directory, "model", "model.bin"))
    test = split("test")
    result = scores(label_indices(test), probabilities(model, [peer_input(r) for r in test]))
    texts = [peer_input(r) for r in read_jsonl(messages_path)]
    result["throughput"] = parallel_throughput(lambda batch: model.predict(batch)[0], texts, threads)
    write_json(os.path.join(directory, "predict.json"), result)


if __name__ == "__main__":
    command_line(train, predict)
