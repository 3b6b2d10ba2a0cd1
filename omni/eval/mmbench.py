"""MMBench: CircularEval and rule-based answer extraction.

CircularEval asks every N-option question N times, the options rotated one place each time (A B C D, then B C D A,
…), so the right letter moves; a question counts as solved only if every pass is answered right. A model that always
says "A" scores 25% per pass on four options but 0% circular. Each pass relabels the options A, B, C, … in order:
the letters must advance with the rotation (the seed framework's numbering never did, so every pass was the same).

Extraction follows MMBench's rules before its GPT fallback: a standalone option letter (`B`, `(B)`, `B.`,
`Answer: B`), if exactly one of the offered letters appears; otherwise the option whose text the answer contains,
if exactly one does. Anything else is unanswered (counted), never guessed.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CircularPass:
    index: int  # the question
    rotation: int  # 0 … N-1
    options: dict[str, str]  # letter → option text, in this pass's order
    answer: str  # the right letter in this pass


def circular_passes(index: int, options: Sequence[str], answer: int) -> list[CircularPass]:
    """The N passes of one question; `answer` is the index of the right option in `options`."""
    letters = string.ascii_uppercase[: len(options)]
    passes = []
    for rotation in range(len(options)):
        order = [(k + rotation) % len(options) for k in range(len(options))]
        passes.append(CircularPass(index, rotation, {letters[i]: options[k] for i, k in enumerate(order)},
                                   letters[order.index(answer)]))
    return passes


def extract_choice(prediction: str, options: dict[str, str]) -> str | None:
    letters = set(options)
    tokens = re.findall(r"[A-Za-z]+", prediction)
    found = {t for t in tokens if t in letters}  # capital letters only: "a" is an article, not option A
    if len(found) == 1:
        return found.pop()
    if found:
        return None  # several letters named: ambiguous
    text = prediction.lower()
    matches = [letter for letter, option in options.items() if option.strip() and option.strip().lower() in text]
    return matches[0] if len(matches) == 1 else None


def circular_accuracy(passes: Sequence[CircularPass], predictions: Sequence[str]) -> dict[str, float]:
    """`circular`: questions right in every pass; `vanilla`: first passes right; `unanswered`: passes whose answer
    named no single option."""
    if len(passes) != len(predictions):
        raise ValueError(f"{len(passes)} passes but {len(predictions)} predictions")
    by_question: dict[int, list[bool]] = defaultdict(list)
    first: dict[int, bool] = {}
    unanswered = 0
    for p, prediction in zip(passes, predictions):
        choice = extract_choice(prediction, p.options)
        unanswered += choice is None
        by_question[p.index].append(choice == p.answer)
        if p.rotation == 0:
            first[p.index] = choice == p.answer
    questions = len(by_question)
    return {"circular": sum(all(v) for v in by_question.values()) / questions,
            "vanilla": sum(first.values()) / max(1, len(first)), "unanswered": unanswered / len(passes)}
