"""Preference pairs (the data of DPO): image(s), a prompt, a chosen and a rejected answer.

Record layouts read (JSON files or a webdataset sample's JSON, images listed under `image`/`images` or in the shard):
- flat, as RLHF-V, POVID, HA-DPO and the toy world write it: `{"prompt" | "question": str, "chosen": str,
  "rejected": str}`;
- LLaVA-style prompt: `{"conversations": [{"from": "human", "value": "<image>\\n..."}], "chosen", "rejected"}`;
- VLFeedback: `{"prompt", "completions": [{"response": str, "annotations": {aspect: {"Rating": "1".."5"}}}]}`: the
  completion with the best mean rating is chosen and the worst rejected (a record whose best and worst tie is skipped).

The prompt's `<image>` placeholders say where its images go (none: all before it, LLaVA's layout).
"""

from __future__ import annotations

from typing import Any

from omni.data.datasets.stream import BadSample


def _rating(completion: dict[str, Any]) -> float | None:
    ratings = []
    for aspect in (completion.get("annotations") or {}).values():
        rating = aspect.get("Rating") if isinstance(aspect, dict) else aspect
        try:
            ratings.append(float(rating))
        except (TypeError, ValueError):
            continue
    return sum(ratings) / len(ratings) if ratings else None


def _prompt(key: Any, record: dict[str, Any]) -> str:
    prompt = record.get("prompt", record.get("question"))
    if prompt is None and isinstance(record.get("conversations"), list) and record["conversations"]:
        prompt = record["conversations"][0].get("value") if isinstance(record["conversations"][0], dict) else None
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadSample(key, "no prompt", "a preference record needs 'prompt', 'question' or a first human turn")
    return prompt.strip()


def _answers(key: Any, record: dict[str, Any]) -> tuple[str, str]:
    if "completions" in record and "chosen" not in record:  # VLFeedback
        rated = [(r, c["response"]) for c in record["completions"] or []
                 if isinstance(c, dict) and isinstance(c.get("response"), str) and (r := _rating(c)) is not None]
        if len(rated) < 2 or max(rated)[0] == min(rated)[0]:
            raise BadSample(key, "no preference", "fewer than two rated completions, or all rated the same")
        return max(rated)[1], min(rated)[1]
    chosen, rejected = record.get("chosen"), record.get("rejected")
    if not all(isinstance(a, str) and a.strip() for a in (chosen, rejected)):
        raise BadSample(key, "malformed preference", "'chosen' and 'rejected' must be non-empty strings")
    if chosen.strip() == rejected.strip():
        raise BadSample(key, "no preference", "the chosen and rejected answers are the same")
    return chosen.strip(), rejected.strip()


def parse_preference(key: Any, record: Any, images: list[Any]) -> dict[str, Any]:
    """A preference sample from a record and its decoded images, or `BadSample`."""
    if not isinstance(record, dict):
        raise BadSample(key, "malformed entry", "not a JSON object")
    prompt = _prompt(key, record)
    chosen, rejected = _answers(key, record)
    placed = prompt.count("<image>")
    if placed and placed != len(images):
        raise BadSample(key, "placeholders and images disagree", f"{placed} placeholders, {len(images)} images")
    return {"kind": "preference", "prompt": prompt, "images": images, "chosen": chosen, "rejected": rejected,
            "key": str(key or ""), "meta": record}
