"""Preference optimisation: the losses against hand-computed values, answer log-probabilities against a direct
computation, the reference (LoRA switched off, a frozen copy, or precomputed) giving log 2 at the start and the loss
falling as the model learns the preference, and preference records read from JSON in the usual layouts."""

from __future__ import annotations

import json
import math

import pytest
import torch

from omni.constants import IGNORE_INDEX
from omni.models.base.preference import PreferenceSettings, answer_logprobs, attach_reference, preference_losses

ONE = torch.tensor([1.0])


def losses(loss_type: str, smoothing: float = 0.0) -> tuple[float, float, float]:
    """log π: chosen −1, rejected −3; log π_ref: −2 for both; β = 0.5, so h = 1 − (−1) = 2 and βh = 1."""
    settings = PreferenceSettings(beta=0.5, loss_type=loss_type, label_smoothing=smoothing)
    loss, chosen, rejected = preference_losses(-1 * ONE, -3 * ONE, -2 * ONE, -2 * ONE, settings)
    return loss.item(), chosen.item(), rejected.item()


def test_losses_equal_hand_computed_values():
    log1p_e = math.log(1 + math.exp(-1))  # −log σ(1) = 0.31326
    assert losses("sigmoid") == pytest.approx((log1p_e, 0.5, -0.5))
    assert losses("sigmoid", 0.1)[0] == pytest.approx(0.9 * log1p_e + 0.1 * (1 + log1p_e))  # cDPO: −0.1·log σ(−1)
    assert losses("robust", 0.1)[0] == pytest.approx((0.9 * log1p_e - 0.1 * (1 + log1p_e)) / 0.8)  # rDPO
    assert losses("hinge")[0] == pytest.approx(0.0)  # max(0, 1 − 1)
    assert losses("ipo")[0] == pytest.approx((2 - 1 / (2 * 0.5)) ** 2)  # (h − 1/(2β))² = 1


def test_settings_are_checked():
    with pytest.raises(ValueError, match="unknown preference loss_type"):
        PreferenceSettings(loss_type="dpo")
    with pytest.raises(ValueError, match="beta must be positive"):
        PreferenceSettings(beta=0)
    with pytest.raises(ValueError, match="applies to the sigmoid and robust"):
        PreferenceSettings(loss_type="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="unknown preference settings"):
        PreferenceSettings.from_config({"betta": 0.1})


def test_answer_logprobs_sum_the_labelled_tokens():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 7)
    labels = torch.tensor([[IGNORE_INDEX, IGNORE_INDEX, 3, 4, IGNORE_INDEX], [IGNORE_INDEX, 1, 2, 6, 0]])
    expected = [logits[0, 1].log_softmax(-1)[3] + logits[0, 2].log_softmax(-1)[4],
                sum(logits[1, t - 1].log_softmax(-1)[labels[1, t]] for t in range(1, 5))]
    torch.testing.assert_close(answer_logprobs(logits, labels), torch.stack(expected))
    torch.testing.assert_close(answer_logprobs(logits, labels, average=True), torch.stack([expected[0] / 2, expected[1] / 4]))


def tiny_vlm(toy_tokenizer):
    from omni.models.base import OmniConfig, OmniForCausalLM
    from omni.models.dreamllm.presets import llama_config

    vision = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": 32, "patch_size": 8}
    config = OmniConfig(llm_config=llama_config(64, 2, 4, 128, len(toy_tokenizer)), model_max_length=256,
                        plugins={"vision_encoder": {"type": "clip_vision_embedding", "vision_config": vision,
                                                    "projector": "linear"}},
                        preference={"beta": 0.5})
    config.attach_tokenizer(toy_tokenizer)
    torch.manual_seed(0)
    return OmniForCausalLM.build(config)


def preference_batch(model, toy_tokenizer):
    from omni.data.builders import MultimodalTransform
    from omni.data.collator import DataCollator
    from omni.data.toyworld import render, sample_scene

    transform = MultimodalTransform.for_model(model, toy_tokenizer, "comprehension")
    pairs = [{"kind": "preference", "prompt": "<image>\nWhat color is the shape?", "images": [render(sample_scene(0, i))],
              "chosen": chosen, "rejected": rejected, "key": f"k{i}", "meta": {}}
             for i, (chosen, rejected) in enumerate([("red", "blue"), ("green", "yellow")])]
    return DataCollator(toy_tokenizer.pad_token_id)([transform(p) for p in pairs])


def train_steps(model, batch, steps=16):
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=3e-3)
    for _ in range(steps):
        output = model(**batch)
        output.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return model(**batch)


def test_lora_dpo_starts_at_log_2_and_learns_the_preference(toy_tokenizer):
    from omni.models.lora import apply_lora

    model = apply_lora(tiny_vlm(toy_tokenizer), r=4, alpha=8)
    model.requires_grad_(False)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = "lora_" in name
    batch = preference_batch(model, toy_tokenizer)
    assert batch["input_ids"].shape[0] == 2 and batch["pixel_values"].shape[0] == 2
    assert type(model).normaliser_counts(batch) == {"num_pairs": 2.0}
    start = model(**batch)
    assert start.loss.item() == pytest.approx(math.log(2), abs=1e-5)  # LoRA starts at zero: policy = reference
    assert start.metrics["reward_margin"].item() == pytest.approx(0.0, abs=1e-5)
    end = train_steps(model, batch)
    assert end.loss.item() < 0.5 * math.log(2) and end.metrics["reward_accuracy"].item() == 1.0
    assert end.metrics["reward_chosen"].item() > end.metrics["reward_rejected"].item()


def test_sft_weight_adds_the_chosen_answers_negative_log_likelihood_per_token(toy_tokenizer):
    """RPO: loss = DPO + α · NLL(chosen) / chosen tokens, the NLL computed here from the plain LM loss of the chosen
    rows alone; it keeps the chosen answer likely while the margin widens."""
    from omni.models.lora import apply_lora

    model = apply_lora(tiny_vlm(toy_tokenizer), r=4, alpha=8)
    batch = preference_batch(model, toy_tokenizer)
    chosen_only = {k: v for k, v in batch.items() if not k.startswith(("rejected", "num_pairs"))}
    with torch.no_grad():
        tokens = (batch["labels"][:, 1:] != IGNORE_INDEX).sum(-1)
        nll = -model.answer_logprobs(chosen_only["input_ids"], chosen_only["attention_mask"], chosen_only["labels"],
                                     {"pixel_values": chosen_only["pixel_values"], "image_patch_mask": None})
        expected_nll = (nll / tokens).mean().item()
        model.config.preference = {"beta": 0.5, "sft_weight": 2.0}
        output = model(**batch)
    assert output.metrics["sft_loss"].item() == pytest.approx(expected_nll, rel=1e-5)
    assert output.metrics["preference_loss"].item() == pytest.approx(math.log(2), abs=1e-5)
    assert output.loss.item() == pytest.approx(math.log(2) + 2.0 * expected_nll, rel=1e-5)
    with pytest.raises(ValueError, match="sft_weight must be non-negative"):
        PreferenceSettings(sft_weight=-1)


def test_full_dpo_keeps_a_frozen_reference_outside_the_model(toy_tokenizer, tmp_path):
    model = attach_reference(tiny_vlm(toy_tokenizer))
    reference = model.__dict__["_preference_reference"]
    before = {k: v.clone() for k, v in reference.state_dict().items()}
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name.startswith("llm.")
    batch = preference_batch(model, toy_tokenizer)
    assert model(**batch).loss.item() == pytest.approx(math.log(2), abs=1e-5)
    end = train_steps(model, batch)
    assert end.loss.item() < 0.5 * math.log(2)
    assert all(torch.equal(before[k], v) for k, v in reference.state_dict().items())  # the reference never moved
    assert not any("_preference_reference" in k for k in model.state_dict())  # not saved, not sharded
    # precomputed reference log-probabilities (computed once, before the stage) replace the reference model
    with torch.no_grad():
        logps = reference.answer_logprobs(*_stacked(model, batch))
    batch.update(reference_chosen_logps=logps[:2], reference_rejected_logps=logps[2:])
    del model.__dict__["_preference_reference"]
    torch.testing.assert_close(model(**batch).loss, end.loss)


def _stacked(model, batch):
    from omni.models.base.preference import stack_pairs

    ids, labels, mask = stack_pairs(batch["input_ids"], batch["labels"], batch["attention_mask"],
                                    batch["rejected_input_ids"], batch["rejected_labels"],
                                    batch["rejected_attention_mask"], 0)
    images = {"pixel_values": torch.cat([batch["pixel_values"]] * 2), "image_patch_mask": None}
    return ids, mask, labels, images


def test_a_plain_model_without_reference_says_what_it_needs(toy_tokenizer):
    model = tiny_vlm(toy_tokenizer)
    with pytest.raises(ValueError, match="needs a reference"):
        model(**preference_batch(model, toy_tokenizer))


def test_preference_records_are_read_from_json_in_the_usual_layouts(tmp_path):
    from omni.data.dataset_info import DatasetType, JsonDatasetInfo
    from omni.data.datasets import JsonConversationDataset
    from omni.data.toyworld import render, sample_scene

    (tmp_path / "images").mkdir()
    render(sample_scene(0, 1)).save(tmp_path / "images" / "a.png")
    entries = [
        {"id": "flat", "image": "a.png", "question": "What color is it?", "chosen": "red", "rejected": "blue"},
        {"id": "llava", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat is it?"}],
         "chosen": "a circle", "rejected": "a square"},
        {"id": "vlfeedback", "image": "a.png", "prompt": "Describe it.", "completions": [
            {"response": "a red circle", "annotations": {"Helpfulness": {"Rating": "5"}, "Faithfulness": {"Rating": "4"}}},
            {"response": "a blue dog", "annotations": {"Helpfulness": {"Rating": "2"}, "Faithfulness": {"Rating": "1"}}},
            {"response": "a circle", "annotations": {"Helpfulness": {"Rating": "3"}}}]},
        {"id": "tie", "prompt": "Q", "completions": [{"response": "a", "annotations": {"H": {"Rating": "3"}}},
                                                     {"response": "b", "annotations": {"H": {"Rating": "3"}}}]},
        {"id": "same", "prompt": "Q", "chosen": "a", "rejected": "a"},
        {"id": "no-prompt", "chosen": "a", "rejected": "b"},
        {"id": "missing-image", "image": "nowhere.png", "prompt": "Q", "chosen": "a", "rejected": "b"},
    ]
    (tmp_path / "prefs.json").write_text(json.dumps(entries))
    info = JsonDatasetInfo("prefs", "", DatasetType.Preference, "7", "prefs.json", "images")
    dataset = JsonConversationDataset(info, tmp_path, epochs=1)
    samples = {s["key"]: s for s in dataset}
    assert sorted(samples) == ["flat", "llava", "vlfeedback"] and dataset.skipped.count == 4
    assert samples["flat"]["prompt"] == "What color is it?" and len(samples["flat"]["images"]) == 1
    assert samples["llava"]["prompt"].startswith("<image>")
    assert (samples["vlfeedback"]["chosen"], samples["vlfeedback"]["rejected"]) == ("a red circle", "a blue dog")
