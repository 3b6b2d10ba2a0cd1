"""Scores of merged predictions, per task, with the official metrics in omni.eval."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from omni.eval.captions import caption_scores
from omni.eval.mmbench import circular_accuracy
from omni.eval.pope import pope_metrics
from omni.eval.prompts import Request
from omni.eval.vqa import mean_vqa_accuracy


def score(task: str, requests: list[Request], predictions: list[str], caption_tokenizer: str = "auto") -> dict[str, Any]:
    if task == "vqa":
        return {"accuracy": 100 * mean_vqa_accuracy(predictions, [r.item.answers for r in requests])}
    if task == "caption":
        return caption_scores({r.item.id: p for r, p in zip(requests, predictions)},
                              {r.item.id: r.item.answers for r in requests}, tokenizer=caption_tokenizer)
    if task == "pope":
        by_split: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for request, prediction in zip(requests, predictions):
            by_split[request.item.meta["split"]][0].append(prediction)
            by_split[request.item.meta["split"]][1].append(request.item.answers[0])
        scores = {split: pope_metrics(p, labels) for split, (p, labels) in sorted(by_split.items())}
        scores["mean_f1"] = sum(s["f1"] for s in scores.values()) / len(scores)
        return scores
    if task == "mmbench":
        if not all(r.item.answers for r in requests):
            return {"note": "no answers in this split: submit the exported file to the MMBench server"}
        scores = circular_accuracy([r.circular for r in requests], predictions)
        by_category: dict[str, list[int]] = defaultdict(list)
        for index, request in enumerate(requests):
            by_category[request.item.meta.get("category") or "all"].append(index)
        scores["circular_by_category"] = {
            category: circular_accuracy([requests[i].circular for i in indices], [predictions[i] for i in indices])["circular"]
            for category, indices in sorted(by_category.items())}
        return scores
    if task == "mmvet":
        return {"note": "graded by MM-Vet's GPT-4 evaluator: submit the exported mmvet_results.json"}
    raise ValueError(f"no scoring for task {task!r}")
