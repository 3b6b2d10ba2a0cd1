"""Text-to-image evaluation on the COCO-30K protocol: captions drawn by `sample_coco_captions` (digest recorded),
images made across `torchrun` processes, optionally the best of N by CLIP (reported as such), then FID against the
captions' real images and, with a local CLIP, CLIP score.

Captions are cut into batches in one global order and batch b goes to rank b mod w with seed `seed + b` (candidate k
of best-of-N: `seed + b + k·batches`), so the images do not depend on the number of processes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from PIL import Image
from torch import nn
from tqdm import tqdm

from omni.eval.benchmarks import Benchmark
from omni.eval.runner import git_revision
from omni.eval.t2i import best_of_n, clip_score, fid, sample_coco_captions
from omni.utils.distributed import barrier, init_distributed


class Creator(Protocol):
    def create(self, prompts: list[str], seed: int, num_inference_steps: int = 25, guidance_scale: float = 3.0,
               scheduler: str = "ddim") -> list[Image.Image]: ...

    def describe(self) -> dict[str, Any]: ...


def to_tensor(images: list[Image.Image], size: int) -> torch.Tensor:
    """[N, 3, size, size] in [0, 1]: short side resized to `size`, centre-cropped (real photos to the generated size)."""
    out = []
    for image in images:
        image = image.convert("RGB")
        scale = size / min(image.size)
        image = image.resize((max(size, round(image.width * scale)), max(size, round(image.height * scale))), Image.BICUBIC)
        left, top = (image.width - size) // 2, (image.height - size) // 2
        array = np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.float32) / 255.0
        out.append(torch.from_numpy(array).permute(2, 0, 1))
    return torch.stack(out)


def run_t2i(benchmark: Benchmark, creator: Creator, out_dir: str | Path, eval_root: str | Path | None = None,
            num: int = 30000, seed: int = 0, batch_size: int = 8, best_of: int = 1, clip_dir: str | Path | None = None,
            feature: nn.Module | None = None, num_inference_steps: int = 25, guidance_scale: float = 3.0,
            scheduler: str = "ddim") -> dict[str, Any] | None:
    annotations, real_dir, inception = benchmark.paths(eval_root)
    if best_of > 1 and clip_dir is None:
        raise ValueError("best-of-N re-ranking needs a local CLIP (clip_dir)")
    rank, world, _ = init_distributed()
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    drawn = sample_coco_captions(annotations, num, seed)
    samples = drawn["samples"]
    batches = [samples[i:i + batch_size] for i in range(0, len(samples), batch_size)]
    chosen: dict[int, int] = {}
    for b in tqdm(range(rank, len(batches), world), desc="t2i", disable=rank != 0):
        captions = [s["caption"] for s in batches[b]]
        candidates = [creator.create(captions, seed + b + k * len(batches), num_inference_steps, guidance_scale, scheduler)
                      for k in range(best_of)]
        if best_of > 1:
            size = candidates[0][0].width
            stacked = torch.stack([to_tensor(group, size) for group in candidates], dim=1)  # [C, N, 3, H, W]
            _, picks = best_of_n(stacked, captions, clip_dir)
        else:
            picks = [0] * len(captions)
        for i, (sample, pick) in enumerate(zip(batches[b], picks)):
            candidates[pick][i].save(out / "images" / f"{sample['image_id']}.png")
            chosen[sample["image_id"]] = pick
    (out / f"chosen.rank{rank}.json").write_text(json.dumps(chosen))
    barrier()
    if rank != 0:
        return None
    files = {image["id"]: image["file_name"] for image in json.loads(Path(annotations).read_text())["images"]}
    fake_images = [Image.open(out / "images" / f"{s['image_id']}.png") for s in samples]
    size = fake_images[0].width
    fake = to_tensor(fake_images, size)
    real = to_tensor([Image.open(Path(real_dir) / files[s["image_id"]]) for s in samples], size)
    batched = lambda t: [t[i:i + 64] for i in range(0, len(t), 64)]  # noqa: E731
    scores: dict[str, Any] = {"fid": fid(batched(real), batched(fake), feature=feature,
                                         inception_weights=None if feature is not None else inception)}
    if clip_dir is not None:
        scores["clip_score"] = clip_score(fake, [s["caption"] for s in samples], clip_dir)
    picks: dict[str, int] = {}
    for r in range(world):
        picks.update(json.loads((out / f"chosen.rank{r}.json").read_text()))
        (out / f"chosen.rank{r}.json").unlink()
    results = {
        "benchmark": benchmark.name, "task": "t2i", "captions": {"num": len(samples), "seed": seed,
                                                                 "digest": drawn["digest"]},
        "scores": scores, "best_of": best_of, "reranked_by": "CLIP, each image with its own caption" if best_of > 1 else None,
        "feature_extractor": type(feature).__name__ if feature is not None else str(inception),
        "sampling": {"num_inference_steps": num_inference_steps, "guidance_scale": guidance_scale,
                     "scheduler": scheduler, "batch_size": batch_size, "seed": seed},
        "model": creator.describe(), "git_revision": git_revision(), "processes": world,
        "seconds": round(time.perf_counter() - started, 1), "chosen_candidate": picks if best_of > 1 else None,
    }
    (out / "results.json").write_text(json.dumps(results, indent=1))
    return results
