"""Models as the runner sees them: `answer(images, prompts, max_new_tokens)` → one text per prompt, plus a
description recorded with the results. Any Omni model (LLaVA, MM1, DreamLLM) answers in its chat template with
greedy decoding; one that creates images also answers text-to-image benchmarks (`create`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PIL import Image


class Answerer(Protocol):
    def answer(self, images: list[list[Image.Image]], prompts: list[str], max_new_tokens: int) -> list[str]: ...

    def describe(self) -> dict[str, Any]: ...


class OmniAnswerer:
    def __init__(self, model_dir: str | Path, device: str | None = None):
        import torch
        from transformers import AutoTokenizer

        from omni.models.loading import load_model

        self.model_dir = str(model_dir)
        model = load_model(self.model_dir).eval()
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.generator = model.to(device).generator(AutoTokenizer.from_pretrained(self.model_dir))
        self.template, self.model_type = model.config.conversation_template, model.config.model_type

    def answer(self, images: list[list[Image.Image]], prompts: list[str], max_new_tokens: int) -> list[str]:
        """Every image of a question is read (multi-image benchmarks), in its `<image>` places or before it."""
        return self.generator.answer([list(group) for group in images], prompts, max_new_tokens)

    def loglikelihood(self, images: list[list[Image.Image]], contexts: list[str],
                      continuations: list[str]) -> list[tuple[float, bool]]:
        return self.generator.loglikelihood([list(group) for group in images], contexts, continuations)

    def create(self, prompts: list[str], seed: int, num_inference_steps: int = 25, guidance_scale: float = 3.0,
               scheduler: str = "ddim") -> list[Image.Image]:
        if not hasattr(self.generator, "create"):
            raise ValueError(f"{self.model_dir} ({self.model_type}) creates no images: it has no image head")
        return self.generator.create(prompts, num_inference_steps=num_inference_steps, guidance_scale=guidance_scale,
                                     scheduler=scheduler, seed=seed)

    def describe(self) -> dict[str, Any]:
        return {"type": self.model_type, "path": str(Path(self.model_dir).resolve()), "conversation_template": self.template,
                "decoding": "greedy"}
