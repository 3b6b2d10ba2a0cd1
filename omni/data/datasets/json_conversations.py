"""LLaVA-style annotation JSON + image folder (`{"id", "image", "conversations"}` entries, or VLGuard's `instr-resp`
layout; a preference dataset's entries are preference records, `omni.data.datasets.preference`). Entries that are malformed or whose image is missing
or undecodable are skipped and counted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from omni.data.dataset_info import DatasetType, JsonDatasetInfo
from omni.data.datasets.indexed import IndexedStream
from omni.data.datasets.preference import parse_preference
from omni.data.datasets.stream import BadSample


def check_turns(key: Any, turns: Any) -> list[dict[str, str]]:
    """LLaVA's `{from: human|gpt, value}` turns, checked; chat-message turns (`{role: user|assistant, content}`, as
    Mantis-Instruct and OpenAI-style data write them) are renamed to that layout first."""
    if not isinstance(turns, list) or not turns:
        raise BadSample(key, "malformed conversation", "no 'conversations' list")
    turns = [{"from": t["role"], "value": t["content"]} if isinstance(t, dict) and "role" in t and "from" not in t
             else t for t in turns]
    for turn in turns:
        valid = isinstance(turn, dict) and turn.get("from") in ("human", "gpt", "user", "assistant")
        if not valid or not isinstance(turn.get("value"), str):
            raise BadSample(key, "malformed conversation", f"a turn must be {{from: human|gpt, value: str}}, got {turn!r}")
    if turns[-1]["from"] in ("human", "user"):
        raise BadSample(key, "nothing to learn", "the last turn is the user's: there is no answer to train on")
    return turns


def place_images(key: Any, turns: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """Check that placeholders match images; LLaVA's single-image samples may omit `<image>`: it goes first."""
    wanted = sum(t["value"].count("<image>") + t["value"].count("<dream>") for t in turns)
    if count and wanted == 0:
        turns = [{**turns[0], "value": "<image>\n" + turns[0]["value"]}] + turns[1:]
        wanted = 1
    if wanted != count:
        raise BadSample(key, "placeholders and images disagree", f"{wanted} placeholders, {count} images")
    return turns


VLGUARD_INSTRUCTION_KEYS = ("instruction", "safe_instruction", "unsafe_instruction")


def vlguard_turns(key: Any, pairs: Any) -> list[dict[str, str]]:
    """VLGuard's own layout (`"instr-resp": [{"safe_instruction" | "unsafe_instruction" | "instruction": q,
    "response": a}, ...]`) as one conversation, a turn pair per instruction: a safe image's harmless and harmful
    requests are then learnt in one sample, as the two answers VLGuard pairs them for."""
    if not isinstance(pairs, list) or not pairs:
        raise BadSample(key, "malformed conversation", "an empty 'instr-resp' list")
    turns = []
    for pair in pairs:
        question = next((pair[k] for k in VLGUARD_INSTRUCTION_KEYS if isinstance(pair, dict) and k in pair), None)
        if not isinstance(question, str) or not isinstance(pair.get("response"), str):
            raise BadSample(key, "malformed conversation", f"an instr-resp item must hold an instruction and a response, "
                            f"got {pair!r}")
        turns += [{"from": "human", "value": question}, {"from": "gpt", "value": pair["response"]}]
    return turns


def parse_entry(entry: Any, image_root: Path, preference: bool = False) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise BadSample(str(entry)[:40], "malformed entry", "not a JSON object")
    key = entry.get("id")
    names = entry.get("image") or entry.get("images") or entry.get("image_path") or []
    names = [names] if isinstance(names, str) else list(names)
    images = load_images(key, names, image_root)
    if preference:
        return parse_preference(key, entry, images)
    turns = entry.get("conversations")
    if turns is None and "instr-resp" in entry:
        turns = vlguard_turns(key, entry["instr-resp"])
    turns = place_images(key, check_turns(key, turns), len(names))
    return {"kind": "conversation", "conversations": turns, "images": images, "key": str(key or ""), "meta": entry}


def load_images(key: Any, names: list[str], image_root: Path) -> list[Image.Image]:
    images = []
    for name in names:
        path = image_root / name
        if not path.is_file():
            raise BadSample(key, "image absent", f"{path} is listed")
        try:
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        except OSError as error:
            raise BadSample(key, "undecodable image", f"{path}: {error}") from None
    return images


class JsonConversationDataset(IndexedStream):
    def __init__(self, info: JsonDatasetInfo, data_root: str | Path | None = None,
                 transform: Callable[[dict], dict] | None = None, seed: int = 0, epochs: int | None = None):
        super().__init__(info.name, transform, seed, epochs)
        self.info = info
        self.entries = info.load_annotations(data_root)
        self.image_root = info.images_dir(data_root)

    def __len__(self) -> int:
        return len(self.entries)

    def sample(self, index: int) -> dict[str, Any]:
        sample = parse_entry(self.entries[index], self.image_root, self.info.dataset_type == DatasetType.Preference)
        if not sample["key"]:
            sample["key"] = f"{self.info.name}-{index}"
        return sample
