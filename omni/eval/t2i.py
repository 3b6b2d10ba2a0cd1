"""Text-to-image metrics: the COCO-30K caption sample, FID (torchmetrics) and CLIP score from a local CLIP.

COCO-30K FID draws 30,000 validation images and one of each image's captions, generates an image per caption and
compares the two sets. Papers rarely say which captions; here the draw is a pure function of (annotation file, num,
seed) and its digest goes into the results, so two numbers can be compared only when their digests agree.

FID's feature extractor: Inception-v3 from a local weights file (torch-fidelity's `pt_inception-2015-12-05` file,
which torchmetrics loads with `feature_extractor_weights_path`; needs the `torch-fidelity` package), or any
`nn.Module` a user gives (e.g. the toy CLIP tower of `omni.eval.toy`). Never a download.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn


def sample_coco_captions(annotation_file: str | Path, num: int = 30000, seed: int = 0) -> dict[str, Any]:
    """`num` distinct images of a COCO captions file, one caption each: {"samples": [{image_id, caption}], "digest"}."""
    data = json.loads(Path(annotation_file).read_text())
    captions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for entry in data["annotations"]:
        captions[entry["image_id"]].append((entry.get("id", 0), entry["caption"].strip()))
    images = sorted(captions)
    if num > len(images):
        raise ValueError(f"{annotation_file} has captions for {len(images)} images, fewer than {num}")
    rng = random.Random(f"coco-captions-{seed}")
    chosen = sorted(rng.sample(images, num))
    samples = [{"image_id": image, "caption": rng.choice(sorted(captions[image]))[1]} for image in chosen]
    digest = hashlib.sha256(json.dumps(samples, sort_keys=True).encode()).hexdigest()[:16]
    return {"samples": samples, "digest": digest, "seed": seed, "num": num}


def fid(real: Iterable[torch.Tensor], fake: Iterable[torch.Tensor], feature: nn.Module | None = None,
        inception_weights: str | Path | None = None) -> float:
    """FID between batches of real and generated images (float in [0, 1], [N, 3, H, W])."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    if (feature is None) == (inception_weights is None):
        raise ValueError("give a feature extractor module or a local Inception weights file (exactly one)")
    if feature is not None:
        metric = FrechetInceptionDistance(feature=feature, normalize=True)
    else:
        if not Path(inception_weights).is_file():
            raise FileNotFoundError(f"Inception weights {inception_weights} not found (FID never downloads them)")
        try:
            metric = FrechetInceptionDistance(feature=2048, normalize=True,
                                              feature_extractor_weights_path=str(inception_weights))
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError("Inception FID needs torch-fidelity: pip install torch-fidelity") from error
    for batch in real:
        metric.update(batch, real=True)
    for batch in fake:
        metric.update(batch, real=False)
    return float(metric.compute())


def _features(output: Any) -> torch.Tensor:
    # transformers 5 returns a model output from get_*_features; transformers 4 returned the tensor itself
    return output.pooler_output if hasattr(output, "pooler_output") else output


@functools.lru_cache(maxsize=2)
def _load_clip(clip_dir: str) -> tuple[Any, Any]:
    """Loaded once per folder: best-of-N re-ranks every batch of a run with the same CLIP."""
    from transformers import AutoTokenizer, CLIPModel, CLIPProcessor

    from omni.models.plugins.vision_tower import pil_image_processor_class

    # the PIL image processor by name: `CLIPProcessor.from_pretrained` asks for torchvision's and warns on every load
    # when it falls back (we install no torchvision on CPU)
    images = pil_image_processor_class("clip", "CLIP").from_pretrained(clip_dir)
    return CLIPModel.from_pretrained(clip_dir).eval(), CLIPProcessor(image_processor=images,
                                                                    tokenizer=AutoTokenizer.from_pretrained(clip_dir))


@torch.no_grad()
def clip_similarities(images: torch.Tensor, captions: Sequence[str], clip_dir: str | Path,
                      batch_size: int = 64) -> torch.Tensor:
    """100 × max(cosine, 0) of each image with its own caption (pairs in order), with a CLIP from a local folder."""
    if len(images) != len(captions):
        raise ValueError(f"{len(images)} images for {len(captions)} captions")
    model, processor = _load_clip(str(clip_dir))
    scores = []
    for start in range(0, len(images), batch_size):
        pixels = list((images[start:start + batch_size].clamp(0, 1) * 255).to(torch.uint8))
        inputs = processor(text=list(captions[start:start + batch_size]), images=pixels, return_tensors="pt",
                           padding=True, truncation=True)
        image = _features(model.get_image_features(pixel_values=inputs["pixel_values"]))
        text = _features(model.get_text_features(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]))
        scores.append(100 * torch.nn.functional.cosine_similarity(image, text).clamp(min=0))
    return torch.cat(scores)


def clip_score(images: torch.Tensor, captions: Sequence[str], clip_dir: str | Path, batch_size: int = 64) -> float:
    """CLIP score (Hessel et al. 2021, as torchmetrics defines it: 100 × max(cosine, 0), averaged) with a CLIP model and
    processor from a local folder. Computed here rather than by torchmetrics' `CLIPScore`: torchmetrics 1.9 expects the
    tensors transformers 4 returned and fails on transformers 5's outputs."""
    return float(clip_similarities(images, captions, clip_dir, batch_size).mean())


def best_of_n(candidates: torch.Tensor, captions: Sequence[str], clip_dir: str | Path) -> tuple[torch.Tensor, list[int]]:
    """CLIP re-ranking: of the N candidates [C, N, 3, H, W] made for each of C captions, keep the one most similar to
    its own caption (the seed framework compared images with other captions). Results from re-ranked samples are
    not comparable with single-sample ones and are reported as "best of N"."""
    count, n = candidates.shape[:2]
    if count != len(captions):
        raise ValueError(f"{count} candidate sets for {len(captions)} captions")
    scores = clip_similarities(candidates.flatten(0, 1), [c for c in captions for _ in range(n)], clip_dir).view(count, n)
    chosen = scores.argmax(dim=1)
    return candidates[torch.arange(count), chosen], chosen.tolist()
