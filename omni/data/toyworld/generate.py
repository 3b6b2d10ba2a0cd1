"""Write the toy world to disk: image–caption pairs as webdataset shards, a shard list, and the toy tokenizer."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tqdm import tqdm

from omni.data.toyworld.tokenizer import train_toy_tokenizer
from omni.data.toyworld.world import all_texts, render, sample_scene


def write_pairs(out: str | Path, num: int, seed: int = 0, shard_size: int = 1000, image_size: int = 64,
                split: str = "train", progress: bool = True) -> Path:
    """`num` pairs as `<out>/pairs-<split>-NNNNNN.tar` plus `<out>/pairs-<split>.json` (the shard list)."""
    import webdataset as wds

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    offset = 0 if split == "train" else 10**9  # disjoint sample indices per split
    pattern = str(out / f"pairs-{split}-%06d.tar")
    with wds.ShardWriter(pattern, maxcount=shard_size, verbose=0) as writer:
        for index in tqdm(range(num), desc=f"toy world {split}", disable=not progress, unit="img"):
            scene = sample_scene(seed, offset + index)
            buffer = io.BytesIO()
            render(scene, image_size, jitter_seed=f"{seed}-{offset + index}").save(buffer, format="PNG")
            writer.write({"__key__": f"{split}{index:09d}", "png": buffer.getvalue(), "txt": scene.caption(),
                          "json": json.dumps(scene.to_dict()).encode()})
    shards = sorted(p.name for p in out.glob(f"pairs-{split}-*.tar"))
    shard_list = out / f"pairs-{split}.json"
    shard_list.write_text(json.dumps({"shards": shards, "num_samples": num, "seed": seed}, indent=1))
    return shard_list


def generate(out: str | Path, num: int, seed: int = 0, shard_size: int = 1000, image_size: int = 64,
             num_test: int = 0, progress: bool = True) -> None:
    out = Path(out)
    write_pairs(out, num, seed, shard_size, image_size, "train", progress)
    if num_test:
        write_pairs(out, num_test, seed, shard_size, image_size, "test", progress)
    train_toy_tokenizer(all_texts(), out / "tokenizer")
    (out / "info.json").write_text(json.dumps({"num_train": num, "num_test": num_test, "seed": seed,
                                               "image_size": image_size}, indent=1))
