"""Trainer parts that need no processes: FLOPs accounting, frozen plugins in bf16, precision settings, TensorBoard."""

from __future__ import annotations

import pytest
import torch

from omni.data.builders import MultimodalTransform, SequenceBuilder
from omni.data.collator import DataCollator
from omni.data.toyworld import render, sample_scene
from omni.models.trainable import set_trainable
from omni.train.flops import StepFlops, count_flops, measure, peak_flops
from omni.train.fsdp import as_dtype, cast_frozen


def document_batch(model, tokenizer) -> dict[str, torch.Tensor]:
    """One interleaved document with an input image and two created ones (no padding)."""
    config = model.config
    builder = SequenceBuilder(tokenizer, config.special_token_ids, model.vision_encoder.num_tokens,
                              model.dream_queries.num_queries, 512)
    transform = MultimodalTransform(builder, "mixed", model.vision_encoder.preprocess, model.diffusion_head.preprocess)
    sample = {"kind": "conversation", "key": "k", "images": [render(sample_scene(0, i)) for i in range(3)],
              "conversations": [{"from": "human", "value": "<image>\nDraw it twice."},
                                {"from": "gpt", "value": "Here: <dream> and <dream>"}]}
    batch = DataCollator(tokenizer.pad_token_id)([transform(sample)])
    assert len(batch["pixel_values"]) == 3 and len(batch["dream_pixel_values"]) == 2
    return batch


def test_step_flops_agree_with_counted_flops(tiny_model, toy_tokenizer):
    set_trainable(tiny_model, ["*"])
    flops = measure(tiny_model)
    assert flops.llm_trainable_fraction == 1.0 and flops.seen_image_flops > 0 and flops.created_image_flops > 0
    batch = document_batch(tiny_model, toy_tokenizer)
    with torch.random.fork_rng():
        counted = count_flops(lambda: tiny_model(**batch).loss.backward())
    # seen images: 1 input + the 2 created ones, which the model then sees
    estimated = flops.step(float(batch["attention_mask"].sum()), batch["input_ids"].shape[1], 3, 2)
    assert 0.8 < estimated / counted < 1.2, (estimated, counted)


def test_measuring_leaves_rng_and_gradients_as_found(tiny_model):
    set_trainable(tiny_model, ["plugins.*"])
    state = torch.get_rng_state()
    flops = measure(tiny_model)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(p.grad is None for p in tiny_model.parameters())
    assert flops.llm_trainable_fraction == 0.0  # a frozen LLM: no weight gradients counted for it


def test_frozen_llm_costs_less_than_a_trained_one():
    trained, frozen = StepFlops(10**8, 1.0, 2, 16), StepFlops(10**8, 0.0, 2, 16)
    # forward 2N + activation gradients 2N, without the 2N of weight gradients: two thirds
    assert abs(frozen.step(10, 8, 0, 0) / trained.step(10, 8, 0, 0) - 2 / 3) < 1e-3


def test_peak_flops_only_where_known():
    assert peak_flops(torch.device("cpu")) is None
    assert peak_flops(torch.device("cpu"), 100.0) == 100e12


def test_frozen_plugins_in_bf16_still_train_the_rest(tiny_model, toy_tokenizer):
    set_trainable(tiny_model, ["plugins.*", "llm.*"])
    cast_frozen(tiny_model, as_dtype("bfloat16"))
    frozen = [p for module in tiny_model.frozen_modules().values() for p in module.parameters()]
    assert frozen and all(p.dtype == torch.bfloat16 for p in frozen)
    output = tiny_model(**document_batch(tiny_model, toy_tokenizer))
    output.loss.backward()
    assert torch.isfinite(output.loss) and output.vm_loss > 0
    projector = tiny_model.plugins.diffusion_head.condition_projector
    assert all(p.dtype == torch.float32 and p.grad is not None for p in projector.parameters())


def test_unknown_dtype_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="unknown dtype 'bf8'"):
        as_dtype("bf8")


def test_tensorboard_events_are_written_and_a_resume_purges_the_redone_steps(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from omni.train.loggers import MetricLogger

    log = MetricLogger(tmp_path, ["tensorboard"], "run", {})
    for step in (1, 2, 3):
        log.log({"loss": 1.0 / step, "note": "text is not a scalar"}, step)
    log.close()
    resumed = MetricLogger(tmp_path, ["tensorboard"], "run", {}, resume_step=2)  # step 3 is done again
    resumed.log({"loss": 0.25}, 3)
    resumed.close()
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert [(e.step, round(e.value, 3)) for e in events.Scalars("train/loss")] == [(1, 1.0), (2, 0.5), (3, 0.25)]


def test_the_parallel_strategy_follows_the_world_and_the_config():
    from omni.train.parallel import DDP, FSDP2, SingleProcess, choose_strategy

    assert isinstance(choose_strategy(1, fsdp=True), SingleProcess)
    fsdp = choose_strategy(2, fsdp=True, bf16=True, reduce_dtype="bfloat16")
    assert isinstance(fsdp, FSDP2) and (fsdp.bf16, fsdp.reduce_dtype) == (True, "bfloat16")
    assert isinstance(choose_strategy(8, fsdp=False), DDP)
    model = torch.nn.Linear(2, 2)
    wrapper = torch.nn.Module()
    wrapper.module = model
    assert DDP().unwrap(wrapper) is model and SingleProcess().wrap(model, torch.device("cpu")) is model


@pytest.mark.parametrize("policy, every", [("full", 1), ("save_matmuls", 1), ("full", 2)])
def test_every_checkpointing_policy_computes_the_same_gradients(tiny_model, toy_tokenizer, policy, every):
    from omni.train import activation_checkpointing
    from tests.test_models import make_batch

    set_trainable(tiny_model, ["llm.*"])
    tiny_model.train()
    batch = make_batch(tiny_model, toy_tokenizer)

    def gradients():
        tiny_model.zero_grad()
        torch.manual_seed(0)
        tiny_model(**batch).loss.backward()
        return {n: p.grad.clone() for n, p in tiny_model.named_parameters() if p.grad is not None}

    plain = gradients()
    activation_checkpointing.enable(tiny_model.llm, policy, every)
    layers = tiny_model.llm.get_decoder().layers
    assert [layer.gradient_checkpointing for layer in layers] == [i % every == 0 for i in range(len(layers))]
    checkpointed = gradients()
    assert plain.keys() == checkpointed.keys()
    assert all(torch.allclose(plain[n], checkpointed[n], atol=1e-6) for n in plain)
    with pytest.raises(ValueError, match="unknown activation checkpointing policy"):
        activation_checkpointing.enable(tiny_model.llm, "sometimes")
