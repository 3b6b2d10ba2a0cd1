"""Inference for any Omni model: text from images (captions, chat answers) and the log-likelihood of continuations.

Prompts are built by the model's own `SequenceBuilder`, the same code that built its training sequences, so a chat
prompt at inference is byte for byte the prefix the model was trained to continue. A model that also creates images
adds its directions in a subclass (`omni.models.dreamllm.generation.DreamLLMGenerator`).
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from omni.data.builders import Sequence
from omni.models.base.modeling_omni import OmniForCausalLM


class OmniGenerator:
    def __init__(self, model: OmniForCausalLM, tokenizer: Any):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.builder = model.sequence_builder(tokenizer)

    def _batch(self, seqs: list[Sequence], left: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pad sequences into (input_ids, attention_mask) and embed them with their images in place."""
        length = max(map(len, seqs))
        input_ids = torch.full((len(seqs), length), self.tokenizer.pad_token_id)
        attention_mask = torch.zeros_like(input_ids)
        for row, seq in enumerate(seqs):
            span = slice(length - len(seq), length) if left else slice(0, len(seq))
            input_ids[row, span], attention_mask[row, span] = torch.tensor(seq.input_ids), 1
        images = [image for seq in seqs for image in seq.input_images]
        image_inputs = self.model.vision_encoder.preprocess(images) if images else {}
        return input_ids, attention_mask, self.model.embed_inputs(input_ids, **image_inputs)

    @torch.no_grad()
    def continue_text(self, seqs: list[Sequence], max_new_tokens: int = 32) -> list[str]:
        """Greedy decoding (with the KV cache) after each prefix, batched with left padding."""
        _, attention_mask, embeds = self._batch(seqs, left=True)
        # left padding: generate derives position ids from the attention mask, so padded rows decode as if alone
        new_tokens = self.model.llm.generate(
            inputs_embeds=embeds, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
            do_sample=False, eos_token_id=self.tokenizer.eos_token_id, pad_token_id=self.tokenizer.pad_token_id,
        )
        return [self.tokenizer.decode(row, skip_special_tokens=True).strip() for row in new_tokens]

    @torch.no_grad()
    def loglikelihood(self, images: list[Image.Image | list[Image.Image] | None], contexts: list[str],
                      continuations: list[str]) -> list[tuple[float, bool]]:
        """log p(continuation | the chat prompt of context and image), and whether greedy decoding would produce
        exactly it: how multiple-choice harnesses (lmms-eval) score a model."""
        seqs, starts = [], []
        for image, context, continuation in zip(images, contexts, continuations):
            seq = self.builder.chat_prompt(context, image)
            starts.append(len(seq))
            seqs.append(seq.add(self.builder.text_ids(continuation), learn=True))
        input_ids, attention_mask, embeds = self._batch(seqs, left=False)
        logits = self.model.llm(inputs_embeds=embeds, attention_mask=attention_mask).logits.float()
        results = []
        for row, (seq, start) in enumerate(zip(seqs, starts)):
            targets = input_ids[row, start:len(seq)]
            logprobs = logits[row, start - 1:len(seq) - 1].log_softmax(-1)
            total = logprobs.gather(-1, targets[:, None]).sum().item()
            results.append((total, bool((logprobs.argmax(-1) == targets).all())))
        return results

    def describe(self, image: Image.Image | None, prompt: str, max_new_tokens: int = 32) -> str:
        """Caption-style answer (the stage I format: `<s> [image] prompt`)."""
        if image is not None:
            seq = self.builder.comprehension_prompt(prompt, image)
        else:
            seq = self.builder.start().add(self.builder.text_ids(prompt), learn=False)
        return self.continue_text([seq], max_new_tokens)[0]

    def answer(self, images: list[Image.Image | list[Image.Image] | None], questions: list[str],
               max_new_tokens: int = 16) -> list[str]:
        """Chat-style answers (the stage III format: `SYSTEM USER: [image…] question ASSISTANT:`); each question's
        images are none, one, or a list (in the question's `<image>` places, else before it)."""
        return self.continue_text([self.builder.chat_prompt(q, im) for q, im in zip(questions, images)], max_new_tokens)
