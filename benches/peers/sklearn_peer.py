"""scikit-learn in benches/peers/run.sh: TF-IDF of word and character n-grams, logistic
regression, tuned by grid search with cross-validation on the train split.

    sklearn_peer.py train DIR THREADS
    sklearn_peer.py predict DIR THREADS MESSAGES_JSONL

train: GRID below, 5 stratified folds of the train split scored by macro-F1, THREADS jobs; the
best setting refitted on the whole train split is DIR/model/model.joblib, the search in
DIR/train.json. predict: scores on the test split and messages per second on MESSAGES_JSONL,
into DIR/predict.json.
"""

import os

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from common import command_line, SEED, label_indices, parallel_throughput, peer_input, read_jsonl, scores, split, write_json

GRID = {
    "features__words__ngram_range": [(1, 1), (1, 2)],
    "features__chars__ngram_range": [(2, 5), (3, 5)],
    "classifier__C": [1.0, 10.0, 100.0],
}


def pipeline():
    # char_wb: character n-grams within word boundaries, as fastText and cadence take them.
    return Pipeline([
        ("features", FeatureUnion([
            ("words", TfidfVectorizer(analyzer="word", sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)),
        ])),
        # Balanced class weights, as cadence trains.
        ("classifier", LogisticRegression(max_iter=2000, class_weight="balanced", random_state=SEED)),
    ])


def train(directory, threads):
    records = split("train")
    search = GridSearchCV(pipeline(), GRID, scoring="f1_macro", n_jobs=threads,
                          cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED))
    # Integer labels keep predict_proba's columns in LABELS order.
    search.fit([peer_input(r) for r in records], label_indices(records))
    os.makedirs(os.path.join(directory, "model"), exist_ok=True)
    joblib.dump(search.best_estimator_, os.path.join(directory, "model", "model.joblib"))
    write_json(os.path.join(directory, "train.json"), {
        "grid": {k: [list(v) if isinstance(v, tuple) else v for v in vs] for k, vs in GRID.items()},
        "folds": 5, "settings_tried": len(search.cv_results_["params"]),
        "best": {k: list(v) if isinstance(v, tuple) else v for k, v in search.best_params_.items()},
        "best_cv_macro_f1": search.best_score_})


def predict(directory, threads, messages_path):
    model = joblib.load(os.path.join(directory, "model", "model.joblib"))
    test = split("test")
    result = scores(label_indices(test), model.predict_proba([peer_input(r) for r in test]).tolist())
    texts = [peer_input(r) for r in read_jsonl(messages_path)]
    result["throughput"] = parallel_throughput(model.predict, texts, threads)
    write_json(os.path.join(directory, "predict.json"), result)


if __name__ == "__main__":
    command_line(train, predict)
