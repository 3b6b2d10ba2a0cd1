"""VQA accuracy as the official VQA evaluation script computes it (VQAv2, OK-VQA, VizWiz and TextVQA use the rule).

The prediction is normalised: newlines and tabs become spaces; punctuation is removed outright when any mark sits
next to a space or the text has a comma between digits ("1,000" → "1000"), otherwise each mark becomes a space
("t-shirt" → "t shirt"); a period not followed by a digit goes; then, word by word and lower-cased, number words become
digits, articles go, and contractions missing their apostrophe get it back ("dont" → "don't"). The human answers are
taken as given (the dataset's are normalised already) except that, when they disagree, their punctuation is processed
the same way: the official script's behaviour, kept exactly.

Accuracy of one prediction against its (10) human answers: for each leave-one-out subset of 9, min(1, matches / 3);
the mean over the subsets: with 10 humans, a prediction 4 or more of them gave scores 1.0, 3 give 0.9, 2 give 0.6,
1 gives 0.3.
"""

from __future__ import annotations

from collections.abc import Sequence

from omni.utils.vqa_answers import normalize_vqa_answer, strip_punctuation

__all__ = ["mean_vqa_accuracy", "normalize_vqa_answer", "vqa_accuracy"]


def vqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """Accuracy of `prediction` against the human `answers` (10 in VQAv2): the mean over leave-one-out subsets of
    min(1, matches / 3)."""
    if not answers:
        raise ValueError("no human answers")
    predicted = normalize_vqa_answer(prediction)
    humans = [strip_punctuation(a) for a in answers] if len(set(answers)) > 1 else list(answers)
    scores = []
    for left_out in range(len(humans)):
        others = humans[:left_out] + humans[left_out + 1:]
        scores.append(min(1.0, sum(h == predicted for h in others) / 3))
    return sum(scores) / len(scores)


def mean_vqa_accuracy(predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> float:
    if len(predictions) != len(answers):
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} questions")
    return sum(vqa_accuracy(p, a) for p, a in zip(predictions, answers)) / max(1, len(predictions))
