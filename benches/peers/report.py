"""Gathers what benches/peers/run.sh measured under DIR into DIR/results.json and DIR/results.md,
and prints the markdown: one table, cadence's two models each followed by their peers, every
peer figure with its ratio to that cadence model, then whether the issue's targets are met.

    report.py DIR COMMAND
"""

import datetime
import json
import os
import platform
import sys

from common import LABELS, ROOT, write_json

# (name, folder under DIR, the cadence model it is compared with)
ROWS = [
    ("cadence `default`", "cadence-default", None),
    ("fastText", "fasttext", "cadence-default"),
    ("scikit-learn", "sklearn", "cadence-default"),
    ("cadence `minilm`", "cadence-minilm", None),
    ("SetFit", "setfit", "cadence-minilm"),
]
ENCODER = os.path.join(ROOT, ".cache", "bert", "all-minilm-l6-v2")
MB = 1e6


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def gnu_time(path):
    """Wall seconds and peak resident set size in MB from a `/usr/bin/time -v` report."""
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
    clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock)))
    return seconds, int(fields["Maximum resident set size (kbytes)"]) * 1024 / MB


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def measure(directory, folder):
    base = os.path.join(directory, folder)
    train_seconds, train_rss = gnu_time(os.path.join(base, "train.time"))
    predict_seconds, predict_rss = gnu_time(os.path.join(base, "predict.time"))
    row = {"train_seconds": train_seconds, "peak_rss_train_mb": train_rss, "peak_rss_predict_mb": predict_rss,
           "size_mb": folder_bytes(os.path.join(base, "model")) / MB, "train": load(os.path.join(base, "train.json"))}
    if folder.startswith("cadence"):
        evaluation = load(os.path.join(base, "eval.json"))
        throughput = load(os.path.join(base, "throughput.json"))
        row.update(macro_f1=evaluation["macro_f1"], ece=evaluation["expected_calibration_error"],
                   per_class_f1={c["label"]: c["f1"] for c in evaluation["per_class"]})
        # `cadence classify` on the same messages, reading JSONL and writing labels included.
        throughput["end_to_end_messages_per_second"] = throughput["messages"] / predict_seconds
        if folder == "cadence-minilm":
            row["encoder_mb"] = folder_bytes(ENCODER) / MB
    else:
        predicted = load(os.path.join(base, "predict.json"))
        throughput = predicted["throughput"]
        row.update(macro_f1=predicted["macro_f1"], ece=predicted["ece"], per_class_f1=predicted["per_class_f1"])
    row["throughput"] = throughput
    row["messages_per_second"] = throughput["messages_per_second"]
    return row


def cell(value, digits, base=None):
    text = f"{value:,.{digits}f}"
    return f"{text} ({value / base:.2f}×)" if base else text


def table(results):
    header = ["", "macro-F1", *(f"F1 {label}" for label in LABELS), "ECE", "train (s)", "predict (msg/s)",
              "peak RSS train (MB)", "peak RSS predict (MB)", "size on disk (MB)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for name, folder, versus in ROWS:
        row, base = results[folder], results.get(versus)
        ref = (lambda key: base[key]) if base else (lambda key: None)
        size = row["size_mb"] + row.get("encoder_mb", 0.0)
        size_text = cell(size, 1, base and base["size_mb"] + base.get("encoder_mb", 0.0))
        if "encoder_mb" in row:
            size_text += f" (head {row['size_mb']:.1f} + encoder {row['encoder_mb']:.1f})"
        cells = [
            name,
            cell(row["macro_f1"], 3, ref("macro_f1")),
            *(cell(row["per_class_f1"][label], 3, base and base["per_class_f1"][label]) for label in LABELS),
            cell(row["ece"], 3, ref("ece")),
            cell(row["train_seconds"], 1, ref("train_seconds")),
            cell(row["messages_per_second"], 0, ref("messages_per_second")),
            cell(row["peak_rss_train_mb"], 0, ref("peak_rss_train_mb")),
            cell(row["peak_rss_predict_mb"], 0, ref("peak_rss_predict_mb")),
            size_text,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(met):
    return "**met**" if met else "**missed**"


def targets(results):
    default, minilm = results["cadence-default"], results["cadence-minilm"]
    best_name, best = max(((n, results[f]) for n, f, _ in ROWS[1:3]), key=lambda item: item[1]["macro_f1"])
    fasttext, setfit = results["fasttext"], results["setfit"]
    speed_fasttext = default["messages_per_second"] / fasttext["messages_per_second"]
    speed_setfit = minilm["messages_per_second"] / setfit["messages_per_second"]
    return [
        f"- cadence `default` macro-F1 at least the best of fastText and scikit-learn ({best_name}): "
        f"{verdict(default['macro_f1'] >= best['macro_f1'])}, {default['macro_f1']:.3f} against {best['macro_f1']:.3f} "
        f"({default['macro_f1'] - best['macro_f1']:+.3f}).",
        f"- cadence `default` predicts at least 10× faster than fastText: {verdict(speed_fasttext >= 10)}, "
        f"{speed_fasttext:.1f}×.",
        f"- cadence `minilm` macro-F1 at least SetFit's: {verdict(minilm['macro_f1'] >= setfit['macro_f1'])}, "
        f"{minilm['macro_f1']:.3f} against {setfit['macro_f1']:.3f} ({minilm['macro_f1'] - setfit['macro_f1']:+.3f}).",
        f"- cadence `minilm` predicts at least 1.5× faster than SetFit: {verdict(speed_setfit >= 1.5)}, "
        f"{speed_setfit:.2f}×.",
    ]


def machine():
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def main():
    directory, command = sys.argv[1], sys.argv[2]
    results = {folder: measure(directory, folder) for _, folder, _ in ROWS}
    with open(os.path.join(directory, "load-start.txt"), encoding="utf-8") as f:
        load_start = f.read().strip()
    with open(os.path.join(directory, "load-end.txt"), encoding="utf-8") as f:
        load_end = f.read().strip()
    summary = {
        "command": command, "date": datetime.date.today().isoformat(), "machine": machine(),
        "load_start": load_start, "load_end": load_end, "results": results, "targets": targets(results),
    }
    write_json(os.path.join(directory, "results.json"), summary)
    default_messages = results["cadence-default"]["throughput"]["messages"]
    minilm_messages = results["cadence-minilm"]["throughput"]["messages"]
    markdown = "\n".join([
        f"`{command}`, {summary['date']}, {summary['machine']}.",
        f"Load at the start: `{load_start}`; at the end: `{load_end}`.",
        "",
        table(results),
        "",
        f"Ratios are to the cadence model above each peer. Prediction is timed on {default_messages:,} messages "
        f"(the test split repeated) for the n-gram tools and on {minilm_messages:,} distinct messages (the test "
        f"split, each once) for the MiniLM ones. cadence's figure is in-process (`predict_throughput`); `cadence classify` end "
        f"to end, reading JSONL and writing labels, did "
        f"{results['cadence-default']['throughput']['end_to_end_messages_per_second']:,.0f} and "
        f"{results['cadence-minilm']['throughput']['end_to_end_messages_per_second']:,.0f} msg/s.",
        "",
        *targets(results),
    ])
    with open(os.path.join(directory, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
