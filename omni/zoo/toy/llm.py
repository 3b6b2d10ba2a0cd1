"""Toy LLaMA: a transformers `LlamaForCausalLM` pretrained on the toy world's text, with the toy BPE tokenizer.

It plays Vicuna's part: DreamLLM starts from a language model that already knows the world's words and grammar
(captions, drawing instructions, stories where shapes move and change) and, like an instruction-tuned chat model,
can answer questions about what its context says. Stage I then only has to make an image read like that context: a
frozen LLM that never learnt to copy from its context cannot be taught to read images by a projector alone (the
first toy recipe's captions collapsed to one template for that reason; see docs/toyworld.md).
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from omni.data.toyworld.text import SYSTEM_PROMPT, instruction, story, vqa
from omni.data.toyworld.world import CAPTION_PROMPTS, random_scene
from omni.models.presets import llama_config
from omni.zoo.toy.common import fit, write_result

SCALES = {"full": {"hidden": 256, "layers": 4, "heads": 4, "steps": 5000, "batch": 32, "docs": 40000, "corpus": 3, "batches": "by_length"},
          "tiny": {"hidden": 32, "layers": 1, "heads": 2, "steps": 10, "batch": 8, "docs": 200, "corpus": 3, "batches": "by_length"}}


def reading_chat(caption: str, turns: list[tuple[str, str]]) -> str:
    """A Vicuna v1.1 conversation answered from what the user's first message states (the text twin of VQA turns).

    Several questions per scene: with one, colour answers emerged only late and not in every run (a 3,000-step toy
    LLM still answered one colour to every colour question; docs/toyworld.md)."""
    chat = f"{SYSTEM_PROMPT} USER: There is {caption}."
    for i, (question, answer) in enumerate(turns):
        chat += f"{'</s> USER:' if i else ''} {question} ASSISTANT: {answer}"
    return chat


# shares of the pretraining text; the reading kinds are what let a frozen LLM be taught to read images in stage I
READING_KINDS = ["color", "shape", "size", "position", "yes/no"]
CORPUS_MIX = {"story": 0.25, "there_is": 0.1, "caption": 0.1, "instruction": 0.1, "describe": 0.2, "chat": 0.25}


def toy_document(kind: str, rng: random.Random) -> str:
    scene = random_scene(rng)
    caption = scene.caption()
    if kind == "story":
        return " ".join(sentence for sentence, _ in story(rng, scene))
    if kind == "there_is":
        return f"There is {caption}."
    if kind == "caption":
        return caption
    if kind == "instruction":
        return instruction(scene, rng)
    if kind == "describe":
        return f"There is {caption}. {rng.choice(CAPTION_PROMPTS)} {caption}"
    kinds = rng.sample(READING_KINDS, rng.randint(2, len(READING_KINDS)))
    return reading_chat(caption, [vqa(scene, rng, kind) for kind in kinds])


def toy_documents(n: int, seed: int, mix: dict[str, float] | None = None) -> list[str]:
    """The pretraining text of the toy LLM: stories, captions with and without "There is", drawing instructions,
    and reading comprehension (a scene stated, then described again or asked about in a chat turn)."""
    rng = random.Random(f"llm-{seed}")
    kinds, weights = zip(*(mix or CORPUS_MIX).items())
    return [toy_document(rng.choices(kinds, weights)[0], rng) for _ in range(n)]


def reading_accuracy(model: LlamaForCausalLM, tokenizer: Any, per_kind: int, seed: int) -> dict[str, float]:
    """Greedy answers to chat questions about a scene stated in the prompt: can the LLM read its context?

    Per kind of question (`reading_color`, `reading_shape`, ...) and their mean (`reading_accuracy`): a whole that
    hid a missing kind (a LLaMA that answered one colour to every colour question still read 70% overall) decided
    whether stage I could teach a frozen LLM to read that attribute from an image (docs/toyworld.md)."""
    rng, scores = random.Random(f"llm-reading-{seed}"), {}
    for kind in READING_KINDS:
        hits = 0
        for _ in range(per_kind):
            scene = random_scene(rng)
            question, answer = vqa(scene, rng, kind)
            prompt = reading_chat(scene.caption(), [(question, "")]).rstrip()
            ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(prompt, add_special_tokens=False).input_ids])
            out = model.generate(ids, max_new_tokens=6, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                                 pad_token_id=tokenizer.pad_token_id)
            hits += tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip() == answer
        scores[f"reading_{kind.replace('/', '')}"] = hits / per_kind
    return {"reading_accuracy": sum(scores.values()) / len(scores), **scores}


def tokenize(tokenizer: Any, docs: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    rows = [[tokenizer.bos_token_id] + tokenizer(d, add_special_tokens=False).input_ids + [tokenizer.eos_token_id] for d in docs]
    length = max(map(len, rows))
    ids = torch.full((len(rows), length), tokenizer.pad_token_id)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, :len(row)], mask[i, :len(row)] = torch.tensor(row), 1
    return ids, mask


def lm_loss(model: LlamaForCausalLM, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
    labels = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def train_llm(tokenizer_dir: str | Path, out: str | Path, scale: str = "full", seed: int = 0, progress: bool = True,
              position: int = 0) -> dict[str, Any]:
    started, out = time.time(), Path(out)
    torch.manual_seed(seed)
    s = SCALES[scale]
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = llama_config(s["hidden"], s["layers"], s["heads"], s["hidden"] * 11 // 4, len(tokenizer), max_position_embeddings=512)
    config.update(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in config.items() if k != "model_type"}))
    ids, mask = tokenize(tokenizer, toy_documents(s["docs"], seed))
    test_ids, test_mask = tokenize(tokenizer, toy_documents(max(50, s["docs"] // 20), seed + 1))

    def step(index: torch.Tensor) -> torch.Tensor:
        width = int(mask[index].sum(-1).max())
        return lm_loss(model, ids[index, :width], mask[index, :width])

    model.train()
    losses = fit("llama", list(model.parameters()), step, len(ids), s["batch"], s["steps"], 1e-3, seed, progress, position,
                 lengths=mask.sum(-1))
    model.eval()
    with torch.no_grad():
        test_loss = lm_loss(model, test_ids, test_mask).item()
        reading = reading_accuracy(model, tokenizer, 40 if scale == "full" else 2, seed)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    metrics = {"test_loss": test_loss, "test_perplexity": math.exp(test_loss), **reading}
    return write_result(out, metrics, started, losses)
