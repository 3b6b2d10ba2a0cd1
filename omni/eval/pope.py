"""POPE (object hallucination): yes/no questions about objects, scored with "yes" as the positive class.

Answers are read as the official POPE script reads them: only the first sentence counts, commas are dropped, and an
answer containing the word "no", "No" or "not" is a no; anything else is a yes.
"""

from __future__ import annotations

from collections.abc import Sequence


def pope_answer(text: str) -> str:
    first = text.split(".")[0] if "." in text else text
    words = first.replace(",", "").split(" ")
    return "no" if {"No", "no", "not"} & set(words) else "yes"


def pope_metrics(predictions: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and the share of yes answers; `labels` are "yes"/"no"."""
    if len(predictions) != len(labels) or not labels:
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    said = [pope_answer(p) == "yes" for p in predictions]
    truth = [label.strip().lower() == "yes" for label in labels]
    tp = sum(s and t for s, t in zip(said, truth))
    fp = sum(s and not t for s, t in zip(said, truth))
    fn = sum(not s and t for s, t in zip(said, truth))
    tn = len(truth) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(truth), "precision": precision, "recall": recall, "f1": f1,
            "yes_ratio": sum(said) / len(said)}
