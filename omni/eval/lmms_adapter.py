"""An lmms-eval model for any Omni model (LLaVA, MM1, DreamLLM, …), registered through lmms-eval's `lmms_eval.models`
entry-point group (see pyproject.toml), so that with the `lmms` extra installed

  lmms-eval --model omni --model_args pretrained=work_dirs/stage3 --tasks mme,pope --batch_size 8

runs lmms-eval's own tasks on our model without a fork. Questions go through the model's chat template with the
task's context as the user turn; generation is greedy and stops at the task's `until` strings; loglikelihood scores a
continuation after the same prompt (omni.models.base.generation.OmniGenerator.loglikelihood).
"""

from __future__ import annotations

from typing import Any

from lmms_eval.api.instance import GenerationResult, Instance
from lmms_eval.api.model import lmms
from lmms_eval.api.registry import register_model
from lmms_eval.models.registry_v2 import ModelManifest
from PIL import Image
from tqdm import tqdm

from omni.eval.answerers import OmniAnswerer


def _images(visuals: Any) -> list[Image.Image]:
    flat = visuals if isinstance(visuals, list) else [visuals]
    return [v.convert("RGB") for v in flat if isinstance(v, Image.Image)]


def _cut(text: str, until: list[str]) -> str:
    for stop in until:
        if stop and stop in text:
            text = text[: text.index(stop)]
    return text


@register_model("omni")
class OmniLMM(lmms):
    is_simple = True

    def __init__(self, pretrained: str, batch_size: int | str = 1, device: str | None = None,
                 max_new_tokens: int | str = 128, **kwargs: Any) -> None:
        super().__init__()
        self.answerer = OmniAnswerer(pretrained, device)
        self.batch_size_per_gpu = int(batch_size)
        self.default_max_new_tokens = int(max_new_tokens)

    def _doc(self, request: Instance) -> tuple[Any, ...]:
        context, second, doc_to_visual, doc_id, task, split = request.args
        doc = self.task_dict[task][split][doc_id]
        return context, second, _images(doc_to_visual(doc)), doc

    def generate_until(self, requests: list[Instance]) -> list[str]:
        answers = []
        for start in tqdm(range(0, len(requests), self.batch_size_per_gpu), disable=self.rank != 0, desc="omni"):
            batch = [self._doc(r) for r in requests[start:start + self.batch_size_per_gpu]]
            # one request's settings apply to the batch; lmms-eval groups a task's requests, which share them
            settings = dict(batch[0][1])
            until = settings.get("until") or []
            until = [until] if isinstance(until, str) else list(until)
            max_new_tokens = int(settings.get("max_new_tokens", self.default_max_new_tokens))
            texts = self.answerer.answer([images for _, _, images, _ in batch], [c for c, _, _, _ in batch],
                                         max_new_tokens)
            answers += [_cut(text, until) for text in texts]
        return answers

    def loglikelihood(self, requests: list[Instance]) -> list[Any]:
        results = []
        for request in tqdm(requests, disable=self.rank != 0, desc="omni loglikelihood"):
            context, target, images, doc = self._doc(request)
            continuation = target if isinstance(target, str) else target(doc)
            (logprob, greedy), = self.answerer.loglikelihood([images], [context], [continuation])
            # lmms-eval 0.7.3's evaluator turns any output that is not a string, a (str, dict) pair or a
            # GenerationResult into str(output) (api/instance.py, unwrap_generation_output), which breaks every
            # multiple-choice task; a GenerationResult passes its payload through untouched
            results.append(GenerationResult(text=(logprob, greedy)))
        return results

    def generate_until_multi_round(self, requests: list[Instance]) -> list[str]:
        raise NotImplementedError("multi-round generation is not supported by the omni adapter")


MANIFEST = ModelManifest(model_id="omni", simple_class_path="omni.eval.lmms_adapter.OmniLMM", aliases=("dreamllm", "llava_omni", "mm1_omni"))
