"""Toy LLaMA: a transformers `LlamaForCausalLM` pretrained on the toy world's text, with the toy BPE tokenizer.

It plays Vicuna's part: DreamLLM starts from a language model that already knows the world's words and grammar
(captions, drawing instructions, stories where shapes move and change), and learns to see and draw on top of it.
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

from omni.data.toyworld.text import instruction, story
from omni.data.toyworld.world import random_scene
from omni.models.dreamllm.presets import llama_config
from omni.zoo.toy.common import fit, write_result

SCALES = {"full": {"hidden": 256, "layers": 4, "heads": 4, "steps": 800, "batch": 32, "docs": 20000},
          "tiny": {"hidden": 32, "layers": 1, "heads": 2, "steps": 10, "batch": 8, "docs": 200}}


def toy_documents(n: int, seed: int) -> list[str]:
    """Stories (half), captions and drawing instructions: the pretraining text of the toy LLM."""
    rng = random.Random(f"llm-{seed}")
    docs = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.5:
            docs.append(" ".join(sentence for sentence, _ in story(rng)))
        elif kind < 0.75:
            docs.append(f"There is {random_scene(rng).caption()}.")
        else:
            docs.append(instruction(random_scene(rng), rng))
    return docs


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
    losses = fit("llama", list(model.parameters()), step, len(ids), s["batch"], s["steps"], 1e-3, seed, progress, position)
    model.eval()
    with torch.no_grad():
        test_loss = lm_loss(model, test_ids, test_mask).item()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return write_result(out, {"test_loss": test_loss, "test_perplexity": math.exp(test_loss)}, started, losses)
