"""DreamLLM inference: text from images (comprehension) and images from text (creation) with guidance.

Both directions build their sequences with the same `SequenceBuilder` as training, and the unconditional branch of
classifier-free guidance is the creation sequence of the negative prompt (empty by default): exactly the sequence
that caption dropout produces in training, so the null condition is one code path.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from omni.data.builders import SequenceBuilder
from omni.models.dreamllm.modeling_dreamllm import DreamLLMForCausalLM


class DreamLLMGenerator:
    def __init__(self, model: DreamLLMForCausalLM, tokenizer: Any):
        self.model, self.tokenizer = model.eval(), tokenizer
        config = model.config
        self.builder = SequenceBuilder(
            tokenizer, config.special_token_ids,
            model.vision_encoder.num_tokens if model.vision_encoder else 0,
            model.dream_queries.num_queries if model.dream_queries else 0, config.model_max_length,
        )

    @torch.no_grad()
    def describe(self, image: Image.Image | None, prompt: str, max_new_tokens: int = 32) -> str:
        """Greedy decoding (with the KV cache) of the answer to `prompt` about `image`."""
        if image is not None:
            seq = self.builder.comprehension_prompt(prompt)
            pixel_values = self.model.vision_encoder.preprocess([image])
        else:
            seq, pixel_values = self.builder.start().add(self.builder.text_ids(prompt), learn=False), None
        input_ids = torch.tensor([seq.input_ids])
        embeds = self.model.embed_inputs(input_ids, pixel_values)
        new_tokens = self.model.llm.generate(
            inputs_embeds=embeds, attention_mask=torch.ones_like(input_ids), max_new_tokens=max_new_tokens,
            do_sample=False, eos_token_id=self.tokenizer.eos_token_id, pad_token_id=self.tokenizer.pad_token_id,
        )
        return self.tokenizer.decode(new_tokens[0], skip_special_tokens=True).strip()

    @torch.no_grad()
    def dream_conditions(self, texts: list[str]) -> torch.Tensor:
        """UNet conditions [N, Q, D] from the dream-query hidden states after each text."""
        seqs = [self.builder.creation_prompt(text).input_ids for text in texts]
        length = max(map(len, seqs))
        input_ids = torch.full((len(seqs), length), self.tokenizer.pad_token_id)
        attention_mask = torch.zeros_like(input_ids)
        for row, ids in enumerate(seqs):  # right padding: pads come after the queries, so they never see them
            input_ids[row, :len(ids)], attention_mask[row, :len(ids)] = torch.tensor(ids), 1
        embeds = self.model.embed_inputs(input_ids)
        hidden = self.model.llm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        _, dream_mask = self.model.block_masks(input_ids)
        queries = self.model.dream_queries.num_queries
        return self.model.diffusion_head.condition(hidden[dream_mask].reshape(len(texts), queries, -1))

    @torch.no_grad()
    def create(self, prompts: list[str], negative_prompt: str = "", num_inference_steps: int = 25,
               guidance_scale: float = 3.0, scheduler: str = "ddim", seed: int | None = 0) -> list[Image.Image]:
        condition = self.dream_conditions(prompts)
        null = self.dream_conditions([negative_prompt] * len(prompts)) if guidance_scale > 1 else None
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return self.model.diffusion_head.sample(condition, null, num_inference_steps, guidance_scale, scheduler, generator)
