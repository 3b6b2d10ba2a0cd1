"""DreamLLM inference: the base generator's text from images (comprehension), plus images from text (creation) with
guidance and free-form interleaved documents.

Both directions build their sequences with the same `SequenceBuilder` as training, and the unconditional branch of
classifier-free guidance is the creation sequence of the negative prompt (empty by default): exactly the sequence
that caption dropout produces in training, so the null condition is one code path.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from omni.constants import DREAM, DREAM_END, DREAM_START, IM_END, IM_PATCH, IM_START
from omni.data.builders import Sequence
from omni.models.base.document import Document
from omni.models.base.generation import OmniGenerator
from omni.models.dreamllm.modeling_dreamllm import DreamLLMForCausalLM


class DreamLLMGenerator(OmniGenerator):
    def __init__(self, model: DreamLLMForCausalLM, tokenizer: Any):
        super().__init__(model, tokenizer)
        self._null_conditions: dict[str, torch.Tensor] = {}  # the model is frozen while it generates

    def chat(self, out: str | None = "chat_images", **generation: Any) -> Any:
        """A new multi-turn conversation (`ChatSession`), text and images in and out: callers that hold a chat (the
        toy evaluation, the CLI) ask the generator for one instead of naming the family's session class."""
        from omni.models.dreamllm.chat_session import ChatSession  # it types its generator: imported when asked

        return ChatSession(self, out, **generation)

    @torch.no_grad()
    def sequence_conditions(self, seqs: list[Sequence]) -> torch.Tensor:
        """UNet conditions [N, Q, D] from the hidden states of the last dream block of each sequence."""
        input_ids, attention_mask, embeds = self._batch(seqs, left=False)  # right padding: pads follow the queries
        hidden = self.model.llm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        dream_mask = self.model.slot_masks(input_ids)["queries"]
        queries = self.model.dream_queries.num_queries
        conditions = []
        for row in range(len(seqs)):
            positions = dream_mask[row].nonzero().squeeze(-1)[-queries:]
            conditions.append(hidden[row, positions])
        return self.model.diffusion_head.condition(torch.stack(conditions))

    def dream_conditions(self, texts: list[str]) -> torch.Tensor:
        """UNet conditions [N, Q, D] from the dream-query hidden states after each text."""
        return self.sequence_conditions([self.builder.creation_prompt(text) for text in texts])

    @torch.no_grad()
    def null_condition(self, negative_prompt: str = "") -> torch.Tensor:
        """The unconditional branch of guidance: the creation sequence of `negative_prompt` (computed once)."""
        if negative_prompt not in self._null_conditions:
            self._null_conditions[negative_prompt] = self.dream_conditions([negative_prompt])
        return self._null_conditions[negative_prompt]

    def create_from_sequences(self, seqs: list[Sequence], negative_prompt: str = "", num_inference_steps: int = 25,
                              guidance_scale: float = 3.0, scheduler: str = "ddim", seed: int | None = 0,
                              guidance_rescale: float = 0.0) -> list[Image.Image]:
        """Images for sequences that end in a dream block (any context before it: text, images, earlier dreams)."""
        condition = self.sequence_conditions(seqs)
        null = self.null_condition(negative_prompt).expand(len(seqs), -1, -1) if guidance_scale > 1 else None
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        return self.model.diffusion_head.sample(condition, null, num_inference_steps, guidance_scale, scheduler, generator,
                                                guidance_rescale)

    def create(self, prompts: list[str], negative_prompt: str = "", num_inference_steps: int = 25,
               guidance_scale: float = 3.0, scheduler: str = "ddim", seed: int | None = 0,
               guidance_rescale: float = 0.0) -> list[Image.Image]:
        """Text-to-image: each prompt followed by a dream block."""
        return self.create_from_sequences([self.builder.creation_prompt(p) for p in prompts], negative_prompt,
                                          num_inference_steps, guidance_scale, scheduler, seed, guidance_rescale)

    # ---- interleaved documents ----------------------------------------------------------------------------------
    @torch.no_grad()
    def _extend(self, ids: list[int], cache: Any, images: list[Image.Image] | None = None) -> torch.Tensor:
        """Run `ids` (with the features of `images` or dream queries in their slots) through the LLM on top of the KV
        cache."""
        image_inputs = self.model.vision_encoder.preprocess(images) if images else {}
        embeds = self.model.embed_inputs(torch.tensor([ids]), **image_inputs)
        return self.model.llm.get_decoder()(inputs_embeds=embeds, cache=cache, use_cache=True).last_hidden_state[0]

    @torch.no_grad()
    def generate_document(self, prefix: Sequence, max_new_tokens: int = 128, max_images: int = 4,
                          do_sample: bool = False, temperature: float = 1.0, negative_prompt: str = "",
                          num_inference_steps: int = 25, guidance_scale: float = 3.0, scheduler: str = "ddim",
                          seed: int | None = 0, logits_processor: Any = None, prompt: str = "",
                          guidance_rescale: float = 0.0) -> Document:
        """Free-form interleaved generation: decode text with the KV cache; on `<dream>`, run the dream queries, create
        the image from their states, feed it back as an image block, and go on decoding from the same cache.

        `logits_processor(generated_ids, logits) -> logits` may reshape each step's distribution (e.g. force a
        `<dream>`). Stops at `</s>`, after `max_new_tokens` text tokens, and never creates more than `max_images`."""
        from transformers import DynamicCache

        ids = self.model.config.special_token_ids
        dream = ids[DREAM]
        banned = [ids[t] for t in (IM_START, IM_PATCH, IM_END, DREAM_START, DREAM_END)]
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        cache = DynamicCache()
        hidden = self._extend(prefix.input_ids, cache, prefix.input_images)[-1]
        document, generated, pending, images = Document(prompt=prompt), list(prefix.input_ids), [], 0
        null = self.null_condition(negative_prompt) if guidance_scale > 1 else None
        for _ in range(max_new_tokens):
            logits = self.model.llm.get_output_embeddings()(hidden).float()
            logits[banned] = float("-inf")
            if images >= max_images:
                logits[dream] = float("-inf")
            if logits_processor is not None:
                logits = logits_processor(generated, logits)
            if do_sample:
                token = int(torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator))
            else:
                token = int(logits.argmax())
            if token == self.tokenizer.eos_token_id:
                break
            if token != dream:
                pending.append(token)
                generated.append(token)
                hidden = self._extend([token], cache)[-1]
                continue
            document.add_text(self.tokenizer.decode(pending, skip_special_tokens=True))
            pending = []
            block = [dream, ids[DREAM_START]] + [ids[IM_PATCH]] * self.model.dream_queries.num_queries + [ids[DREAM_END]]
            states = self._extend(block, cache)[2:-1]
            condition = self.model.diffusion_head.condition(states[None])
            image = self.model.diffusion_head.sample(condition, null, num_inference_steps, guidance_scale, scheduler,
                                                     generator, guidance_rescale)[0]
            document.parts.append(image)
            images += 1
            image_block = self.builder.image_block(image)
            hidden = self._extend(image_block, cache, [image])[-1]
            generated += block + image_block
        document.add_text(self.tokenizer.decode(pending, skip_special_tokens=True))
        return document
