"""DreamLLM inference: text from images (comprehension) and images from text (creation) with guidance.

Both directions build their sequences with the same `SequenceBuilder` as training, and the unconditional branch of
classifier-free guidance is the creation sequence of the negative prompt (empty by default): exactly the sequence
that caption dropout produces in training, so the null condition is one code path.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from omni.data.builders import Sequence, SequenceBuilder
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
    def continue_text(self, seqs: list[Sequence], max_new_tokens: int = 32) -> list[str]:
        """Greedy decoding (with the KV cache) after each prefix, batched with left padding."""
        length = max(map(len, seqs))
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(seqs), length), pad)
        attention_mask = torch.zeros_like(input_ids)
        for row, seq in enumerate(seqs):
            input_ids[row, length - len(seq):] = torch.tensor(seq.input_ids)
            attention_mask[row, length - len(seq):] = 1
        images = [image for seq in seqs for image in seq.input_images]
        pixel_values = self.model.vision_encoder.preprocess(images) if images else None
        embeds = self.model.embed_inputs(input_ids, pixel_values)
        # left padding: generate derives position ids from the attention mask, so padded rows decode as if alone
        new_tokens = self.model.llm.generate(
            inputs_embeds=embeds, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
            do_sample=False, eos_token_id=self.tokenizer.eos_token_id, pad_token_id=pad,
        )
        return [self.tokenizer.decode(row, skip_special_tokens=True).strip() for row in new_tokens]

    def describe(self, image: Image.Image | None, prompt: str, max_new_tokens: int = 32) -> str:
        """Caption-style answer (the stage I format: `<s> [image] prompt`)."""
        if image is not None:
            seq = self.builder.comprehension_prompt(prompt, image)
        else:
            seq = self.builder.start().add(self.builder.text_ids(prompt), learn=False)
        return self.continue_text([seq], max_new_tokens)[0]

    def answer(self, images: list[Image.Image | None], questions: list[str], max_new_tokens: int = 16) -> list[str]:
        """Chat-style answers (the stage III format: `SYSTEM USER: [image] question ASSISTANT:`)."""
        return self.continue_text([self.builder.chat_prompt(q, im) for q, im in zip(questions, images)], max_new_tokens)

    @torch.no_grad()
    def sequence_conditions(self, seqs: list[Sequence]) -> torch.Tensor:
        """UNet conditions [N, Q, D] from the hidden states of the last dream block of each sequence."""
        length = max(map(len, seqs))
        input_ids = torch.full((len(seqs), length), self.tokenizer.pad_token_id)
        attention_mask = torch.zeros_like(input_ids)
        for row, seq in enumerate(seqs):  # right padding: pads come after the queries, so they never see them
            input_ids[row, :len(seq)], attention_mask[row, :len(seq)] = torch.tensor(seq.input_ids), 1
        images = [image for seq in seqs for image in seq.input_images]
        pixel_values = self.model.vision_encoder.preprocess(images) if images else None
        embeds = self.model.embed_inputs(input_ids, pixel_values)
        hidden = self.model.llm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        _, dream_mask = self.model.block_masks(input_ids)
        queries = self.model.dream_queries.num_queries
        conditions = []
        for row in range(len(seqs)):
            positions = dream_mask[row].nonzero().squeeze(-1)[-queries:]
            conditions.append(hidden[row, positions])
        return self.model.diffusion_head.condition(torch.stack(conditions))

    def dream_conditions(self, texts: list[str]) -> torch.Tensor:
        """UNet conditions [N, Q, D] from the dream-query hidden states after each text."""
        return self.sequence_conditions([self.builder.creation_prompt(text) for text in texts])

    def create_from_sequences(self, seqs: list[Sequence], negative_prompt: str = "", num_inference_steps: int = 25,
                              guidance_scale: float = 3.0, scheduler: str = "ddim", seed: int | None = 0) -> list[Image.Image]:
        """Images for sequences that end in a dream block (any context before it: text, images, earlier dreams)."""
        condition = self.sequence_conditions(seqs)
        null = self.dream_conditions([negative_prompt] * len(seqs)) if guidance_scale > 1 else None
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return self.model.diffusion_head.sample(condition, null, num_inference_steps, guidance_scale, scheduler, generator)

    @torch.no_grad()
    def create(self, prompts: list[str], negative_prompt: str = "", num_inference_steps: int = 25,
               guidance_scale: float = 3.0, scheduler: str = "ddim", seed: int | None = 0) -> list[Image.Image]:
        condition = self.dream_conditions(prompts)
        null = self.dream_conditions([negative_prompt] * len(prompts)) if guidance_scale > 1 else None
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return self.model.diffusion_head.sample(condition, null, num_inference_steps, guidance_scale, scheduler, generator)
