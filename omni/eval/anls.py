"""ANLS, the Average Normalized Levenshtein Similarity of ST-VQA and DocVQA: per question, the best over its
ground-truth answers of 1 - NL (NL: edit distance / length of the longer string, both lower-cased and stripped), zeroed
when NL reaches the threshold 0.5 (a reading that far off is a wrong answer, not a typo); averaged over questions."""

from __future__ import annotations

from collections.abc import Sequence


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def anls_one(prediction: str, answers: Sequence[str], threshold: float = 0.5) -> float:
    if not answers:
        raise ValueError("no ground-truth answers")
    predicted, best = " ".join(prediction.lower().split()), 0.0
    for answer in answers:
        truth = " ".join(answer.lower().split())
        longest = max(len(predicted), len(truth))
        distance = levenshtein(predicted, truth) / longest if longest else 0.0
        best = max(best, 1.0 - distance if distance < threshold else 0.0)
    return best


def anls(predictions: Sequence[str], answers: Sequence[Sequence[str]], threshold: float = 0.5) -> float:
    if len(predictions) != len(answers):
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} questions")
    return sum(anls_one(p, a, threshold) for p, a in zip(predictions, answers)) / max(1, len(predictions))
