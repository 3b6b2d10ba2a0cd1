"""Packing (omni.data.packing): a packed batch computes what the same samples compute unpacked, sample by sample
(hidden states, both losses, gradients), and a sample in a packed row is isolated from the others."""

from __future__ import annotations

import pytest
import torch

from omni.constants import IGNORE_INDEX
from omni.data.builders import SequenceBuilder
from omni.data.collator import DataCollator
from omni.data.packing import pack, padding_fraction, plan_rows
from omni.models.base.packed_attention import SEGMENT_ATTENTION, sample_spans
from omni.models.trainable import set_trainable

# a bare decoder (grouped-query attention, two layers) for the attention implementations' own tests
TINY_LLM = {"vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2}
CAPTIONS = ["a small red circle at the top", "a large blue square on the left side of the picture",
            "a green triangle", "a tiny yellow star at the bottom right, next to nothing at all"]


def samples_for(model, tokenizer):
    """Comprehension and creation samples of different lengths (dream blocks, image slots, plain captions)."""
    config = model.config
    builder = SequenceBuilder(tokenizer, config.special_token_ids, model.vision_encoder.num_tokens,
                              model.dream_queries.num_queries, config.model_max_length)
    generator = torch.Generator().manual_seed(0)
    samples = []
    for i, caption in enumerate(CAPTIONS):
        seq = builder.comprehension(caption, "Describe the image." if i % 2 else "What is in the picture?")
        samples.append({"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels),
                        "pixel_values": torch.randn(1, 3, 64, 64, generator=generator)})
        seq = builder.creation(caption)
        samples.append({"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels),
                        "dream_pixel_values": torch.rand(1, 3, 64, 64, generator=generator) * 2 - 1})
    return samples


def test_rows_are_balanced_whole_samples_within_the_budgets():
    lengths = [50, 400, 300, 120, 700, 90]
    rows = plan_rows(lengths, 800)
    assert sorted(i for row in rows for i in row) == list(range(6))
    assert all(sum(lengths[i] for i in row) <= 800 for row in rows) and len(rows) == 3
    assert plan_rows([900, 10], 800) == [[0], [1]]  # too long for the budget: a row of its own
    assert plan_rows(lengths, 800, images=[1, 2, 2, 1, 3, 1], max_images=3) == plan_rows(lengths, 800, [1, 2, 2, 1, 3, 1], 3)
    assert all(sum([1, 2, 2, 1, 3, 1][i] for i in row) <= 3 for row in plan_rows(lengths, 800, [1, 2, 2, 1, 3, 1], 3))
    packed = pack([{"input_ids": [5, 6, 7], "labels": [5, 6, 7]}, {"input_ids": [8, 9], "labels": [8, 9]}], [[0, 1]], 0)
    assert packed["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    assert packed["labels"].tolist() == [[IGNORE_INDEX, 6, 7, IGNORE_INDEX, 9]]  # each sample's first label ignored
    assert padding_fraction(torch.tensor([[1, 1, 0, 0]])) == 0.5


def _run(model, batch, seed=1):
    model.zero_grad()
    torch.manual_seed(seed)  # the diffusion loss's noise and timesteps, image by image
    out = model(**batch)
    out.loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return out, grads


@pytest.mark.parametrize("attn", ["sdpa", SEGMENT_ATTENTION])
def test_packed_equals_unpacked_sample_by_sample(attn, tiny_model, toy_tokenizer):
    """With transformers' block-diagonal SDPA mask, and with the per-sample SDPA that packed training uses on a CPU."""
    set_trainable(tiny_model, ["*"])
    samples = samples_for(tiny_model, toy_tokenizer)
    packed_collator = DataCollator(toy_tokenizer.pad_token_id, pack_max_tokens=tiny_model.config.model_max_length)
    packed = packed_collator(samples)
    lengths = [len(s["input_ids"]) for s in samples]
    rows = plan_rows(lengths, tiny_model.config.model_max_length)
    order = [i for row in rows for i in row]
    assert packed["input_ids"].shape[0] < len(samples)  # fewer rows than samples
    # the same samples, padded, in the packed order (so the diffusion noise goes to the same images)
    padded = DataCollator(toy_tokenizer.pad_token_id)([samples[i] for i in order])
    assert padding_fraction(packed["attention_mask"]) < padding_fraction(padded["attention_mask"])
    tiny_model.llm.set_attn_implementation(attn)  # the padded batch runs through it too: SDPA with its mask
    a, grads_a = _run(tiny_model, packed)
    b, grads_b = _run(tiny_model, padded)
    assert torch.allclose(a.lm_loss, b.lm_loss, atol=1e-5) and torch.allclose(a.vm_loss, b.vm_loss, atol=1e-5)
    # every sample's hidden states, where the packed row holds it and where its padded row does
    row_of = {i: (r, sum(lengths[j] for j in row[:row.index(i)])) for r, row in enumerate(rows) for i in row}
    for k, i in enumerate(order):
        r, start = row_of[i]
        assert torch.allclose(a.hidden_states[r, start:start + lengths[i]], b.hidden_states[k, :lengths[i]], atol=1e-5)
    assert grads_a.keys() == grads_b.keys()
    for name in grads_a:
        assert torch.allclose(grads_a[name], grads_b[name], atol=1e-5, rtol=1e-4), name


def test_a_sample_in_a_packed_row_is_isolated_from_the_others(tiny_model, toy_tokenizer):
    tiny_model.eval()
    samples = samples_for(tiny_model, toy_tokenizer)
    lengths = [len(s["input_ids"]) for s in samples]
    rows = plan_rows(lengths, tiny_model.config.model_max_length)
    row = next(row for row in rows if len(row) >= 3)
    collator = DataCollator(toy_tokenizer.pad_token_id, pack_max_tokens=tiny_model.config.model_max_length)
    victim = row[1]
    changed = [dict(s) for s in samples]
    ids = changed[victim]["input_ids"].clone()
    special = set(tiny_model.config.special_token_ids.values()) | {toy_tokenizer.bos_token_id, toy_tokenizer.eos_token_id}
    text = [k for k in range(1, len(ids)) if int(ids[k]) not in special]
    ids[text] = torch.roll(ids[text], 1)  # another text, the same image and dream slots
    changed[victim] = {**changed[victim], "input_ids": ids}
    with torch.no_grad():
        torch.manual_seed(0)
        before = tiny_model(**collator(samples)).hidden_states
        torch.manual_seed(0)
        after = tiny_model(**collator(changed)).hidden_states
    r = rows.index(row)
    spans, start = {}, 0
    for i in row:
        spans[i] = slice(start, start + lengths[i])
        start += lengths[i]
    assert not torch.allclose(before[r, spans[victim]], after[r, spans[victim]])
    for i in row:
        if i != victim:
            assert torch.allclose(before[r, spans[i]], after[r, spans[i]], atol=1e-6), i


def test_preference_pairs_are_not_packed():
    collator = DataCollator(0, pack_max_tokens=64)
    pair = {"input_ids": torch.tensor([1, 2, 3]), "labels": torch.tensor([1, 2, 3]),
            "rejected_input_ids": torch.tensor([1, 2]), "rejected_labels": torch.tensor([1, 2])}
    batch = collator([pair, pair])
    assert "position_ids" not in batch and batch["input_ids"].shape == (2, 3)


@pytest.mark.parametrize("attn", ["sdpa", "eager", "flex_attention", SEGMENT_ATTENTION])
def test_isolation_holds_for_each_attention_implementation(attn, toy_tokenizer):
    """The packed mask comes from transformers' position-based detection, which needs no cache (use_cache=False, as
    the model's training forward passes): check it in the CPU implementations, in flex attention's block mask,
    which packed training uses on a GPU without flash-attn (its forward runs on a CPU; its backward does not), and in
    the per-sample SDPA that packed training uses on a CPU (its samples found from the same positions)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    llm = LlamaForCausalLM(LlamaConfig(**TINY_LLM, attn_implementation=attn)).eval()
    a, b = torch.randint(0, 64, (7,)), torch.randint(0, 64, (5,))
    packed = pack([{"input_ids": a, "labels": a}, {"input_ids": b, "labels": b}], [[0, 1]], 0)
    with torch.no_grad():
        together = llm.model(input_ids=packed["input_ids"], position_ids=packed["position_ids"],
                             use_cache=False).last_hidden_state
        alone_a = llm.model(input_ids=a[None]).last_hidden_state
        alone_b = llm.model(input_ids=b[None]).last_hidden_state
    assert torch.allclose(together[0, :7], alone_a[0], atol=1e-5) and torch.allclose(together[0, 7:], alone_b[0], atol=1e-5)


def test_packed_training_picks_a_kernel_that_skips_other_samples_on_a_gpu():
    from omni.models.base.llm import attention_for_packing

    assert attention_for_packing("sdpa", "cpu") == SEGMENT_ATTENTION  # flex has no CPU backward
    assert attention_for_packing("eager", "cpu") == "eager"
    assert attention_for_packing("sdpa", "cuda", flash_available=True) == "flash_attention_2"
    assert attention_for_packing("sdpa", "cuda", flash_available=False) == "flex_attention"
    assert attention_for_packing("eager", "cuda", flash_available=True) == "eager"  # a deliberate choice is kept


def test_rows_can_stay_within_the_longest_sample():
    """`pack_to_longest`: fewer rows than samples, none wider than the padded batch would be."""
    samples = [{"input_ids": torch.arange(n), "labels": torch.arange(n)} for n in (10, 9, 4, 3, 2, 1)]
    wide = DataCollator(0, pack_max_tokens=64)(samples)
    narrow = DataCollator(0, pack_max_tokens=64, pack_to_longest=True)(samples)
    assert wide["input_ids"].shape == (1, 29)
    assert narrow["input_ids"].shape == (3, 10) and int(narrow["attention_mask"].sum()) == 29


def test_per_sample_attention_keeps_sdpa_for_padded_batches_and_decoding():
    """A model switched to the per-sample attention for a packed run still pads, caches and decodes as with SDPA: the
    padding mask goes to SDPA (left padding included), and a decoding step with a cache is SDPA's own."""
    from transformers import LlamaConfig, LlamaForCausalLM

    assert sample_spans(torch.tensor([[0, 1, 2, 0, 1, 0], [0, 1, 2, 3, 4, 5]])) == [[(0, 3), (3, 5), (5, 6)], [(0, 6)]]
    torch.manual_seed(0)
    config = LlamaConfig(**TINY_LLM, pad_token_id=0)
    sdpa = LlamaForCausalLM(config).eval()
    segments = LlamaForCausalLM(config).eval()
    segments.load_state_dict(sdpa.state_dict())
    segments.set_attn_implementation(SEGMENT_ATTENTION)
    ids = torch.randint(1, 64, (2, 9))
    mask = torch.ones_like(ids)
    mask[0, :3] = 0  # left padding
    with torch.no_grad():
        assert torch.allclose(segments(input_ids=ids, attention_mask=mask).logits,
                              sdpa(input_ids=ids, attention_mask=mask).logits, atol=1e-5)
        made = segments.generate(ids, attention_mask=mask, max_new_tokens=5, do_sample=False, pad_token_id=0)
        assert torch.equal(made, sdpa.generate(ids, attention_mask=mask, max_new_tokens=5, do_sample=False,
                                               pad_token_id=0))


def test_per_sample_attention_refuses_a_sliding_window_shorter_than_a_sample():
    """A sliding window no sample reaches changes nothing and is allowed; a shorter one would be dropped silently, so
    the run stops with a way out (eager attention packs through a dense mask that keeps the window)."""
    from transformers import MistralConfig, MistralForCausalLM

    a, b = torch.randint(0, 64, (7,)), torch.randint(0, 64, (5,))
    packed = pack([{"input_ids": a, "labels": a}, {"input_ids": b, "labels": b}], [[0, 1]], 0)
    for window, fits in ((16, True), (4, False)):
        torch.manual_seed(0)
        llm = MistralForCausalLM(MistralConfig(**{**TINY_LLM, "num_hidden_layers": 1}, sliding_window=window,
                                               attn_implementation=SEGMENT_ATTENTION)).eval()
        with torch.no_grad():
            if fits:
                together = llm.model(input_ids=packed["input_ids"], position_ids=packed["position_ids"],
                                     use_cache=False).last_hidden_state
                assert torch.allclose(together[0, :7], llm.model(input_ids=a[None]).last_hidden_state[0], atol=1e-5)
            else:
                with pytest.raises(NotImplementedError, match="eager"):
                    llm.model(input_ids=packed["input_ids"], position_ids=packed["position_ids"], use_cache=False)
