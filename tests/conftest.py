"""Shared fixtures: offline hub, a small toy world on disk, a tiny random DreamLLM."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(scope="session")
def toy_data(tmp_path_factory):
    """A toy world with 400 training pairs in 4 shards, 40 held out, and its tokenizer."""
    from omni.data.toyworld.generate import generate

    root = tmp_path_factory.mktemp("data")
    generate(root / "toyworld", num=400, seed=0, shard_size=100, num_test=40, progress=False)
    return root


@pytest.fixture(scope="session")
def toy_tokenizer(toy_data):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(toy_data / "toyworld" / "tokenizer"))


@pytest.fixture()
def tiny_model(toy_tokenizer):
    from omni.models.dreamllm import DreamLLMForCausalLM
    from omni.models.dreamllm.presets import tiny_dreamllm_config

    torch.manual_seed(0)
    config = tiny_dreamllm_config(vocab_size=len(toy_tokenizer))
    config.attach_tokenizer(toy_tokenizer)
    return DreamLLMForCausalLM.build(config)


@pytest.fixture(scope="session")
def tiny_zoo(toy_data, tmp_path_factory):
    """The toy zoo at tiny scale (seconds): every component saved with its library's `save_pretrained`."""
    from omni.zoo.toy.build import build_toy_zoo

    out = tmp_path_factory.mktemp("zoo") / "toy"
    summary = build_toy_zoo(out, toy_data, scale="tiny", workers=2, progress=False)
    return out, summary
