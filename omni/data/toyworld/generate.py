"""Write the toy world to disk as webdataset shards, each dataset with a JSON shard list, plus its tokenizer.

Datasets (train and test splits): image–caption `pairs`; `vqa` conversations about an image; drawing `instructions`
whose answer is an image (`<dream>`); MMC4-style `interleaved` stories (a list of sentences, images, and the sentence
each image belongs to). A tenth of the attribute combinations never appear in training; test samples record
whether theirs is such a held-out combination.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from omni.data.toyworld.text import STORY_REQUEST, all_texts, instruction, story, vqa
from omni.data.toyworld.tokenizer import train_toy_tokenizer
from omni.data.toyworld.world import Scene, heldout_scenes, render, sample_scene

SPLIT_OFFSET = {"train": 0, "test": 10**9}  # disjoint sample indices per split
KINDS = ("pairs", "vqa", "instructions", "interleaved")


def _png(scene: Scene, image_size: int, jitter: str) -> bytes:
    buffer = io.BytesIO()
    render(scene, image_size, jitter_seed=jitter).save(buffer, format="PNG")
    return buffer.getvalue()


def _scene_info(scene: Scene, heldout: frozenset[Scene]) -> dict[str, Any]:
    return {**scene.to_dict(), "heldout": scene in heldout}


def _pair(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    scene = sample_scene(seed, index, exclude=heldout if split == "train" else frozenset())
    return {"png": _png(scene, image_size, f"{seed}-{index}"), "txt": scene.caption(),
            "json": _scene_info(scene, heldout)}


def _vqa(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    scene = sample_scene(seed + 1, index, exclude=heldout if split == "train" else frozenset())
    question, answer = vqa(scene, random.Random(f"vqa-{seed}-{index}"))
    return {"png": _png(scene, image_size, f"vqa-{seed}-{index}"),
            "json": {"conversations": [{"from": "human", "value": f"<image>\n{question}"}, {"from": "gpt", "value": answer}],
                     "scene": _scene_info(scene, heldout)}}


def _instruction(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    scene = sample_scene(seed + 2, index, exclude=heldout if split == "train" else frozenset())
    text = instruction(scene, random.Random(f"ins-{seed}-{index}"))
    return {"png": _png(scene, image_size, f"ins-{seed}-{index}"),
            "json": {"conversations": [{"from": "human", "value": text}, {"from": "gpt", "value": "<dream>"}],
                     "scene": _scene_info(scene, heldout)}}


def _interleaved(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    rng = random.Random(f"story-{seed}-{index}")
    start = sample_scene(seed + 3, index, exclude=heldout if split == "train" else frozenset())
    steps = story(rng, start)
    sample: dict[str, Any] = {}
    for i, (_, scene) in enumerate(steps):
        sample[f"{i}.png"] = _png(scene, image_size, f"story-{seed}-{index}-{i}")
    sample["json"] = {
        "text_list": [sentence for sentence, _ in steps],
        "image_info": [{"matched_text_index": i, "image_name": f"{i}.png"} for i in range(len(steps))],
        "scenes": [_scene_info(scene, heldout) for _, scene in steps],
        "instruction": STORY_REQUEST.format(caption=start.caption()),
    }
    return sample


def _text(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """A text-only document (a story without its pictures): MM1 keeps such text in the mix to keep the LLM's language."""
    rng = random.Random(f"text-{seed}-{index}")
    steps = story(rng, sample_scene(seed + 4, index, exclude=heldout if split == "train" else frozenset()))
    return {"txt": " ".join(sentence for sentence, _ in steps), "json": {"scenes": [_scene_info(s, heldout) for _, s in steps]}}


MAKERS: dict[str, Callable[..., dict[str, Any]]] = {"pairs": _pair, "vqa": _vqa, "instructions": _instruction,
                                                   "interleaved": _interleaved, "text": _text}


def write_dataset(out: str | Path, kind: str, num: int, seed: int = 0, shard_size: int = 1000, image_size: int = 64,
                  split: str = "train", progress: bool = True) -> Path:
    """`num` samples as `<out>/<kind>-<split>-NNNNNN.tar` plus `<out>/<kind>-<split>.json` (the shard list)."""
    import webdataset as wds

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{kind}-{split}-*.tar"):
        old.unlink()
    heldout = heldout_scenes(seed)
    make = MAKERS[kind]
    with wds.ShardWriter(str(out / f"{kind}-{split}-%06d.tar"), maxcount=shard_size, verbose=0) as writer:
        for index in tqdm(range(num), desc=f"toy {kind} {split}", disable=not progress, unit="sample"):
            sample = make(seed, SPLIT_OFFSET[split] + index, split, image_size, heldout)
            sample["__key__"] = f"{kind}-{split}{index:09d}"
            sample["json"] = json.dumps(sample["json"]).encode()
            writer.write(sample)
    shards = sorted(p.name for p in out.glob(f"{kind}-{split}-*.tar"))
    shard_list = out / f"{kind}-{split}.json"
    shard_list.write_text(json.dumps({"shards": shards, "num_samples": num, "seed": seed}, indent=1))
    return shard_list


def write_pairs(out: str | Path, num: int, seed: int = 0, shard_size: int = 1000, image_size: int = 64,
                split: str = "train", progress: bool = True) -> Path:
    return write_dataset(out, "pairs", num, seed, shard_size, image_size, split, progress)


def generate(out: str | Path, num: int, seed: int = 0, shard_size: int = 1000, image_size: int = 64,
             num_test: int = 0, progress: bool = True, sizes: dict[str, tuple[int, int]] | None = None) -> None:
    """The whole toy world. `sizes` maps a dataset kind to (train, test) counts; pairs default to (num, num_test),
    vqa to the same, instructions and interleaved stories to half and a quarter of it, text-only stories a quarter."""
    out = Path(out)
    sizes = {"pairs": (num, num_test), "vqa": (num, num_test), "instructions": (num // 2, num_test // 2),
             "interleaved": (num // 4, num_test // 4), "text": (num // 4, num_test // 4), **(sizes or {})}
    for kind, (train, test) in sizes.items():
        write_dataset(out, kind, train, seed, shard_size, image_size, "train", progress)
        if test:
            write_dataset(out, kind, test, seed, shard_size, image_size, "test", progress)
    train_toy_tokenizer(all_texts(), out / "tokenizer")
    (out / "info.json").write_text(json.dumps({"seed": seed, "image_size": image_size, "sizes": sizes,
                                               "heldout_combinations": len(heldout_scenes(seed))}, indent=1))
