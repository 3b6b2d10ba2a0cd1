"""Write the toy world to disk as webdataset shards, each dataset with a JSON shard list, plus its tokenizer.

Datasets (train and test splits): image–caption `pairs`; `vqa` conversations about an image; drawing `instructions`
whose answer is an image (`<dream>`); MMC4-style `interleaved` stories (a list of sentences, images, and the sentence
each image belongs to); `chats` that ask about an attached picture, then ask for a drawing (answered with it). A
tenth of the attribute combinations never appear in training; test samples record whether theirs is such a held-out
combination.

Written only when asked for (`--kinds detail multi preferences safety`; xGen-MM's recipe uses them, DreamLLM's does
not): `detail` questions about larger canvases with small shapes (`omni.data.toyworld.detail`), `multi` questions
about two pictures (`omni.data.toyworld.multi`), and post-training data (`omni.data.toyworld.alignment`):
`preferences` (DPO pairs against hallucinated answers) and `safety` (requests to refuse beside ordinary questions).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from omni.data.toyworld.alignment import preference_pair, safety_example
from omni.data.toyworld.detail import detail_question, render_canvas, sample_canvas
from omni.data.toyworld.multi import two_picture_question
from omni.data.toyworld.text import STORY_REQUEST, all_texts, instruction, story, vqa
from omni.data.toyworld.tokenizer import train_toy_tokenizer
from omni.data.toyworld.world import Scene, heldout_scenes, render, sample_scene

SPLIT_OFFSET = {"train": 0, "test": 10**9}  # disjoint sample indices per split
OPTIONAL_KINDS = ("detail", "multi", "preferences", "safety")  # not part of the default world: written when asked for
# a kind whose samples changed since it was first written (1 unless named): a world that recorded an older revision of
# it is stale (`stale_kinds`). detail 2: small shapes at the toy world's small size, not 10 px (detail.py)
REVISIONS = {"detail": 2}


def _png(scene: Scene, image_size: int, jitter: str) -> bytes:
    return _encode(render(scene, image_size, jitter_seed=jitter))


def _encode(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
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


def _detail(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """A detail canvas (its own sizes: 128×64, 64×128, 128×128 whatever `image_size`) and a question about it."""
    canvas = sample_canvas(seed, index)
    question, answer, tests = detail_question(canvas, random.Random(f"detail-q-{seed}-{index}"))
    return {"png": _encode(render_canvas(canvas)),
            "json": {"conversations": [{"from": "human", "value": f"<image>\n{question}"}, {"from": "gpt", "value": answer}],
                     "canvas": canvas.to_dict(), **tests}}


def _multi(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """Two pictures and a question that needs both."""
    scene = sample_scene(seed + 5, index, exclude=heldout if split == "train" else frozenset())
    scenes, question, answer, kind = two_picture_question(scene, random.Random(f"multi-{seed}-{index}"))
    sample: dict[str, Any] = {f"{i}.png": _png(s, image_size, f"multi-{seed}-{index}-{i}") for i, s in enumerate(scenes)}
    sample["json"] = {"conversations": [{"from": "human", "value": f"<image>\n<image>\n{question}"},
                                        {"from": "gpt", "value": answer}],
                      "scenes": [_scene_info(s, heldout) for s in scenes], "kind": kind}
    return sample


def _preference(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """A preference pair: the true caption or yes/no answer against a hallucinated one."""
    scene = sample_scene(seed + 6, index, exclude=heldout if split == "train" else frozenset())
    prompt, chosen, rejected, kind = preference_pair(scene, random.Random(f"pref-{seed}-{index}"))
    return {"png": _png(scene, image_size, f"pref-{seed}-{index}"),
            "json": {"prompt": f"<image>\n{prompt}", "chosen": chosen, "rejected": rejected, "kind": kind,
                     "scene": _scene_info(scene, heldout)}}


def _safety(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """A request to refuse, or an ordinary question, about a picture."""
    scene = sample_scene(seed + 7, index, exclude=heldout if split == "train" else frozenset())
    prompt, answer, kind = safety_example(scene, random.Random(f"safety-{seed}-{index}"))
    return {"png": _png(scene, image_size, f"safety-{seed}-{index}"),
            "json": {"conversations": [{"from": "human", "value": f"<image>\n{prompt}"}, {"from": "gpt", "value": answer}],
                     "kind": kind, "scene": _scene_info(scene, heldout)}}


def _chat(seed: int, index: int, split: str, image_size: int, heldout: frozenset[Scene]) -> dict[str, Any]:
    """A chat that mixes the two: a question about an attached picture, its answer, then a request to draw another
    picture, answered with the picture (`0.png` is seen, `1.png` is created): without such turns a model fine-tuned
    on questions and drawing requests apart answers a drawing request that follows a question with a word."""
    rng = random.Random(f"chat-{seed}-{index}")
    seen = sample_scene(seed + 8, index, exclude=heldout if split == "train" else frozenset())
    drawn = sample_scene(seed + 9, index, exclude=heldout if split == "train" else frozenset())
    question, answer = vqa(seen, rng)
    return {"0.png": _png(seen, image_size, f"chat-{seed}-{index}-0"), "1.png": _png(drawn, image_size, f"chat-{seed}-{index}-1"),
            "json": {"conversations": [{"from": "human", "value": f"<image>\n{question}"}, {"from": "gpt", "value": answer},
                                       {"from": "human", "value": instruction(drawn, rng)}, {"from": "gpt", "value": "<dream>"}],
                     "scenes": [_scene_info(seen, heldout), _scene_info(drawn, heldout)]}}


MAKERS: dict[str, Callable[..., dict[str, Any]]] = {"pairs": _pair, "vqa": _vqa, "instructions": _instruction,
                                                   "interleaved": _interleaved, "text": _text, "detail": _detail,
                                                   "multi": _multi, "preferences": _preference, "safety": _safety,
                                                   "chats": _chat}


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
             num_test: int = 0, progress: bool = True, sizes: dict[str, tuple[int, int]] | None = None,
             kinds: tuple[str, ...] | None = None) -> None:
    """The toy world. `sizes` maps a dataset kind to (train, test) counts; pairs default to (num, num_test), vqa to
    the same, instructions and interleaved stories to half and a quarter of it, text-only stories and chats a quarter;
    of the optional kinds (only in `kinds`), detail and two-picture questions half, preferences and safety a quarter
    (half of num_test). `kinds` (default: the default world) chooses which datasets to write. The tokenizer is the
    same whatever the kinds (the new questions' words are spelled with its pieces, so the toy LLM and every DreamLLM
    figure stay as they were); a call that adds datasets without the pairs keeps it."""
    out = Path(out)
    defaults = {"pairs": (num, num_test), "vqa": (num, num_test), "instructions": (num // 2, num_test // 2),
                "interleaved": (num // 4, num_test // 4), "text": (num // 4, num_test // 4),
                "detail": (num // 2, num_test // 2), "multi": (num // 2, num_test // 2),
                "preferences": (num // 4, num_test // 2), "safety": (num // 4, num_test // 2),
                "chats": (num // 4, num_test // 4)}
    if unknown := [k for k in kinds or () if k not in defaults]:
        raise ValueError(f"unknown toy-world datasets {unknown}: choose from {sorted(defaults)}")
    chosen = kinds or [k for k in defaults if k not in OPTIONAL_KINDS]
    sizes = {**{k: defaults[k] for k in chosen}, **(sizes or {})}
    for kind, (train, test) in sizes.items():
        write_dataset(out, kind, train, seed, shard_size, image_size, "train", progress)
        if test:
            write_dataset(out, kind, test, seed, shard_size, image_size, "test", progress)
    # the tokenizer is trained on the world's fixed vocabulary, not on the samples: written with the pairs (a new world),
    # kept when datasets are added to a written one (`--kinds chats`, `--kinds detail multi`)
    if not (out / "tokenizer").exists() or "pairs" in sizes:
        train_toy_tokenizer(all_texts(), out / "tokenizer")
    info_path = out / "info.json"  # a second call (`--kinds detail multi` into a written world) adds to the record
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    info.update({"seed": seed, "image_size": image_size, "sizes": {**info.get("sizes", {}), **sizes},
                 "revisions": {**info.get("revisions", {}), **{k: REVISIONS.get(k, 1) for k in sizes}},
                 "heldout_combinations": len(heldout_scenes(seed))})
    info_path.write_text(json.dumps(info, indent=1))


def stale_kinds(out: str | Path, kinds: tuple[str, ...]) -> list[str]:
    """Those of `kinds` that the world in `out` lacks, or holds in an older revision than the generator writes now (a
    world written before revisions were recorded holds revision 1 of each), so that a recipe rewrites only those."""
    out = Path(out)
    info_path = out / "info.json"
    recorded = json.loads(info_path.read_text()).get("revisions", {}) if info_path.exists() else {}
    return [kind for kind in kinds if not (out / f"{kind}-train.json").exists()
            or recorded.get(kind, 1) != REVISIONS.get(kind, 1)]
