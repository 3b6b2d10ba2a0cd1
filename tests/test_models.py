"""DreamLLM from plugins: shapes, losses, frozen parts, save/load, the model zoo, and the 7B plan on `meta`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from transformers import AutoConfig, AutoModel

from omni.constants import DREAM, DREAM_END, DREAM_START, IGNORE_INDEX, IM_END, IM_PATCH, IM_START
from omni.data.builders import SequenceBuilder
from omni.data.collator import DataCollator
from omni.models.dreamllm import DreamLLMConfig, DreamLLMForCausalLM
from omni.models.dreamllm.presets import (
    dreamllm_7b_config,
    tiny_clip_vision_config,
    tiny_unet_config,
    tiny_vae_config,
)
from omni.models.trainable import set_trainable
from omni.models.zoo import MODEL_ZOO, register_model, resolve_model_path


def make_batch(model, tokenizer, image_count: int = 2):
    config = model.config
    builder = SequenceBuilder(tokenizer, config.special_token_ids, model.vision_encoder.num_tokens,
                              model.dream_queries.num_queries, config.model_max_length)
    samples = []
    for i in range(image_count):
        seq = builder.comprehension("a small red circle at the top", "Describe the image.")
        samples.append({"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels),
                        "pixel_values": torch.randn(1, 3, 64, 64)})
        seq = builder.creation("a large blue square" if i else "")
        samples.append({"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels),
                        "dream_pixel_values": torch.rand(1, 3, 64, 64) * 2 - 1})
    return DataCollator(tokenizer.pad_token_id)(samples)


def assert_same_outputs(model, again, tokenizer):
    """A reloaded model gives the same logits and (same-seeded) diffusion loss as the one that was saved."""
    batch = make_batch(model, tokenizer)
    torch.manual_seed(1)
    a = model(**batch, return_logits=True)
    torch.manual_seed(1)
    b = again(**batch, return_logits=True)
    assert torch.equal(a.logits, b.logits) and torch.equal(a.vm_loss, b.vm_loss)


def test_forward_shapes_and_finite_losses(tiny_model, toy_tokenizer):
    batch = make_batch(tiny_model, toy_tokenizer)
    out = tiny_model(**batch, return_logits=True)
    assert out.logits.shape == (*batch["input_ids"].shape, tiny_model.config.llm_config.vocab_size)
    assert torch.isfinite(out.loss) and out.lm_loss > 0 and out.vm_loss > 0
    weights = tiny_model.config
    assert torch.allclose(out.loss, weights.loss_weight_lm * out.lm_loss + weights.loss_weight_vm * out.vm_loss)


def test_frozen_modules_get_no_gradient(tiny_model, toy_tokenizer):
    set_trainable(tiny_model, ["*"])
    tiny_model(**make_batch(tiny_model, toy_tokenizer)).loss.backward()
    for name, module in tiny_model.frozen_modules().items():
        assert all(p.grad is None and not p.requires_grad for p in module.parameters()), name
    assert set(tiny_model.frozen_modules()) == {"plugins.vision_encoder.backbone", "plugins.diffusion_head.unet",
                                                "plugins.diffusion_head.vae"}
    for trained in (tiny_model.plugins.vision_encoder.projector, tiny_model.plugins.diffusion_head.condition_projector,
                    tiny_model.plugins.dream_queries, tiny_model.llm.get_input_embeddings()):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in trained.parameters())


def test_stage_trainable_sets(tiny_model):
    from projects.dreamllm.stages import STAGES

    set_trainable(tiny_model, STAGES["stage1_creation"])
    names = {n for n, p in tiny_model.named_parameters() if p.requires_grad}
    assert names == {"plugins.dream_queries.embeddings", "plugins.diffusion_head.condition_projector.weight"}
    with pytest.raises(ValueError, match="matches no trainable"):
        set_trainable(tiny_model, ["plugins.diffusion_head.unet.*"])  # frozen backbones never train
    # one pattern with a typo among good ones is an error naming it, not a stage that silently trains less
    with pytest.raises(ValueError, match="'plugins.dream_querys.\\*'"):
        set_trainable(tiny_model, ["plugins.vision_encoder.projector.*", "plugins.dream_querys.*"])


def test_labels_follow_the_policy(tiny_model, toy_tokenizer):
    ids = tiny_model.config.special_token_ids
    batch = make_batch(tiny_model, toy_tokenizer, image_count=1)
    for row_ids, row_labels in zip(batch["input_ids"], batch["labels"]):
        learned = {int(t) for t, label in zip(row_ids, row_labels) if label != IGNORE_INDEX}
        assert not learned & {ids[IM_START], ids[IM_PATCH], ids[IM_END], ids[DREAM_END]}
    creation_learned = {int(t) for t, label in zip(batch["input_ids"][1], batch["labels"][1]) if label != IGNORE_INDEX}
    assert {ids[DREAM], ids[DREAM_START], toy_tokenizer.eos_token_id} <= creation_learned


def test_image_slot_mismatch_is_a_clear_error(tiny_model, toy_tokenizer):
    batch = make_batch(tiny_model, toy_tokenizer)
    batch["pixel_values"] = batch["pixel_values"][:1]
    with pytest.raises(ValueError, match="image slots"):
        tiny_model(**batch)


def test_save_load_round_trip_is_exact(tiny_model, toy_tokenizer, tmp_path):
    tiny_model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists() and not list(tmp_path.glob("*.bin"))
    again = AutoModel.from_pretrained(tmp_path)  # registered with the Auto classes
    assert isinstance(again, DreamLLMForCausalLM)
    ours, theirs = tiny_model.state_dict(), again.state_dict()
    assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert isinstance(AutoConfig.from_pretrained(tmp_path), DreamLLMConfig)
    assert_same_outputs(tiny_model, again, toy_tokenizer)


def test_pretrained_parts_load_through_the_model_zoo(tmp_path, toy_tokenizer):
    """Tiny CLIP, UNet, VAE and LLaMA saved by their own libraries load into DreamLLM through zoo names."""
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPVisionConfig, CLIPVisionModel, LlamaConfig, LlamaForCausalLM

    from omni.models.dreamllm.presets import SD_SCHEDULER, llama_config

    torch.manual_seed(123)
    clip = CLIPVisionModel(CLIPVisionConfig(**tiny_clip_vision_config(32, 2)))
    clip.save_pretrained(tmp_path / "clip")
    unet = UNet2DConditionModel(**tiny_unet_config((32, 64), 32, 16))
    vae = AutoencoderKL(**tiny_vae_config((16, 32, 64), 64))
    unet.save_pretrained(tmp_path / "sd" / "unet")
    vae.save_pretrained(tmp_path / "sd" / "vae")
    DDPMScheduler.from_config(SD_SCHEDULER).save_pretrained(tmp_path / "sd" / "scheduler")
    llama = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in llama_config(64, 2, 4, 128, len(toy_tokenizer)).items()
                                            if k != "model_type"}))
    llama.save_pretrained(tmp_path / "llama")
    for name, folder in {"test/clip": "clip", "test/sd": "sd", "test/llama": "llama"}.items():
        register_model(name, tmp_path / folder)
    try:
        config = DreamLLMConfig(
            llm_config=llama_config(64, 2, 4, 128, len(toy_tokenizer)), llm_name_or_path="test/llama",
            plugins={"vision_encoder": {"type": "clip_vision_embedding", "model_name_or_path": "test/clip"},
                     "dream_queries": {"type": "dream_queries", "num_queries": 8},
                     "diffusion_head": {"type": "stable_diffusion_head", "model_name_or_path": "test/sd"}},
        )
        config.attach_tokenizer(toy_tokenizer)
        model = DreamLLMForCausalLM.build(config)
        for ours, theirs in ((model.plugins.vision_encoder.backbone, clip), (model.plugins.diffusion_head.unet, unet),
                             (model.plugins.diffusion_head.vae, vae)):
            assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()))

        # an export leaves the frozen backbones out and reloads them from their directories; or holds everything
        from safetensors import safe_open

        from omni.train.checkpoint import export_pretrained

        export_pretrained(model, tmp_path / "small")
        export_pretrained(model, tmp_path / "full", include_frozen=True)
        keys = {name: set(safe_open(tmp_path / name / "model.safetensors", "pt").keys()) for name in ("small", "full")}
        frozen = {k for k in keys["full"] if k.startswith(("plugins.vision_encoder.backbone.", "plugins.diffusion_head.unet.",
                                                            "plugins.diffusion_head.vae."))}
        assert frozen and keys["small"] == keys["full"] - frozen
        assert "plugins.vision_encoder.projector.weight" in keys["small"]
        small = DreamLLMForCausalLM.from_pretrained(tmp_path / "small")
        assert small.config.frozen_by_reference == {"vision_encoder": ["backbone"], "diffusion_head": ["unet", "vae"]}
        assert model.config.frozen_by_reference is None  # the export did not change the model it wrote
        reloaded = small.state_dict()
        assert [k for k, v in model.state_dict().items() if not torch.equal(v, reloaded[k])] == []
        assert DreamLLMForCausalLM.from_pretrained(tmp_path / "full").config.frozen_by_reference is None
    finally:
        for name in ("test/clip", "test/sd", "test/llama"):
            MODEL_ZOO.pop(name)
    llama_weights = llama.state_dict()
    assert torch.equal(model.llm.state_dict()["model.layers.0.mlp.up_proj.weight"], llama_weights["model.layers.0.mlp.up_proj.weight"])
    # new special tokens appended: the embedding grew, the pretrained rows are untouched
    embed = model.llm.get_input_embeddings().weight
    assert embed.shape[0] == len(toy_tokenizer)
    assert torch.equal(embed[: llama_weights["model.embed_tokens.weight"].shape[0]], llama_weights["model.embed_tokens.weight"])


def test_missing_weights_are_a_clear_error():
    with pytest.raises(FileNotFoundError, match="never downloads"):
        resolve_model_path("no-such/model")


def test_7b_plan_on_meta_matches_the_paper():
    with torch.device("meta"):
        model = DreamLLMForCausalLM(dreamllm_7b_config())
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(model.plugins.vision_encoder.backbone) == 303_179_776
    assert count(model.plugins.diffusion_head.unet) == 865_910_724
    assert count(model.plugins.diffusion_head.vae) == 83_653_863
    assert count(model.llm) == 6_738_415_616 + 6 * 4096 * 2  # LLaMA-7B plus 6 new token rows (input and output)
    assert model.plugins.vision_encoder.num_tokens == 256


def test_summary_cli_json():
    result = subprocess.run([sys.executable, "-m", "omni", "summary", "--config", "projects/dreamllm/configs/dreamllm_7b.py",
                             "--json"], capture_output=True, text=True, check=True)
    summary = json.loads(result.stdout)
    assert 7.9e9 < summary["total_params"] < 8.1e9
    assert summary["modules"]["plugins.vision_encoder.projector"] == {
        "params": 4_198_400, "trainable": 4_198_400, "stages": summary["modules"]["plugins.vision_encoder.projector"]["stages"]}
    assert summary["stages"]["stage1_comprehension"] == 4_198_400
    assert summary["stages"]["stage1_creation"] == 64 * 4096 + 4096 * 1024


def test_unused_plugins_still_get_gradients(tiny_model, toy_tokenizer):
    """A text-only batch leaves every trainable plugin parameter with a (zero) gradient: FSDP ranks stay in step."""
    set_trainable(tiny_model, ["*"])
    ids = torch.tensor([[toy_tokenizer.bos_token_id] + toy_tokenizer("a small red circle", add_special_tokens=False).input_ids])
    tiny_model(input_ids=ids, labels=ids).loss.backward()
    for name, parameter in tiny_model.plugins.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and not parameter.grad.any(), name


def test_merge_copies_exactly_what_a_run_trained(tiny_model, toy_tokenizer, tmp_path):
    """Stage II starts from stage I comprehension and copies in what stage I creation trained (its config says)."""
    import copy

    from omni.config import LazyConfig
    from omni.models.loading import merge_trained_parameters
    from projects.dreamllm.stages import STAGES

    trained = copy.deepcopy(tiny_model)
    with torch.no_grad():
        trained.plugins.dream_queries.embeddings.add_(1.0)
        trained.plugins.vision_encoder.projector.weight.add_(1.0)  # not in the creation run's trainable set
    trained.save_pretrained(tmp_path)
    LazyConfig.save({"training": {"trainable": STAGES["stage1_creation"]}}, tmp_path / "config.yaml")
    copied = merge_trained_parameters(tiny_model, tmp_path)
    assert set(copied) == {"plugins.dream_queries.embeddings", "plugins.diffusion_head.condition_projector.weight"}
    assert torch.equal(tiny_model.plugins.dream_queries.embeddings, trained.plugins.dream_queries.embeddings)
    assert not torch.equal(tiny_model.plugins.vision_encoder.projector.weight, trained.plugins.vision_encoder.projector.weight)


def test_mlp_projectors_round_trip(toy_tokenizer, tmp_path):
    """Both projectors can be MLPs (the toy recipe's choice); the kinds travel with the saved config."""
    from omni.models.dreamllm.presets import tiny_dreamllm_config

    torch.manual_seed(0)
    config = tiny_dreamllm_config(vocab_size=len(toy_tokenizer))
    config.plugins["vision_encoder"]["projector"] = "mlp2x_gelu"
    config.plugins["diffusion_head"].update(projector="mlp2x_gelu", projector_bias=True)
    config.attach_tokenizer(toy_tokenizer)
    model = DreamLLMForCausalLM.build(config)
    from omni.models.connectors.mlp import MLPConnector

    assert isinstance(model.diffusion_head.condition_projector, MLPConnector)
    assert model.diffusion_head.condition_projector.to_spec()["depth"] == 2
    model.save_pretrained(tmp_path)
    again = AutoModel.from_pretrained(tmp_path)
    assert isinstance(again.diffusion_head.condition_projector, MLPConnector)
    assert_same_outputs(model, again, toy_tokenizer)


def test_parameter_groups_take_per_module_learning_rates(tiny_model):
    from omni.models.trainable import set_trainable
    from omni.train.trainer import parameter_groups

    set_trainable(tiny_model, ["*"])
    groups = parameter_groups(tiny_model, 0.1, 1e-4, {"plugins.dream_queries.*": 1e-3, "plugins.*projector*": 5e-4,
                                                      "plugins.*": 7e-4})
    by_id = {id(p): (g["lr"], g["weight_decay"]) for g in groups for p in g["params"]}
    named = dict(tiny_model.named_parameters())
    assert by_id[id(named["plugins.dream_queries.embeddings"])][0] == 1e-3
    projector = next(n for n in named if "vision_encoder.projector" in n and n.endswith("weight"))
    assert by_id[id(named[projector])][0] == 5e-4  # the first matching pattern wins over the broader "plugins.*"
    llm_weight = next(n for n in named if n.startswith("llm.") and n.endswith("q_proj.weight"))
    llm_norm = next(n for n in named if n.startswith("llm.") and "norm" in n)
    assert by_id[id(named[llm_weight])] == (1e-4, 0.1) and by_id[id(named[llm_norm])] == (1e-4, 0.0)
    assert sum(len(g["params"]) for g in groups) == sum(p.requires_grad for p in tiny_model.parameters())


def test_the_lm_loss_reads_logits_only_where_labels_are(tiny_model, toy_tokenizer):
    """Training with labels makes no full (B, T, V) logits; the loss and its gradients equal the full-logits loss."""
    import torch.nn.functional as F

    from omni.constants import IGNORE_INDEX

    batch = make_batch(tiny_model, toy_tokenizer)
    tiny_model.train()
    out = tiny_model(**batch)
    assert out.logits is None
    labels = batch["labels"]
    hidden = out.hidden_states.detach().requires_grad_(True)
    tiny_model.lm_loss(hidden, labels).backward()
    ours = hidden.grad.clone()
    hidden.grad = None
    logits = tiny_model.llm.get_output_embeddings()(hidden)
    shifted = labels[:, 1:]
    reference = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), shifted.reshape(-1),
                                ignore_index=IGNORE_INDEX, reduction="sum") / (shifted != IGNORE_INDEX).sum()
    torch.testing.assert_close(tiny_model.lm_loss(hidden, labels), reference)
    reference.backward()
    torch.testing.assert_close(ours, hidden.grad)
    assert tiny_model.eval()(**batch).logits is not None  # inference keeps the transformers contract


def test_an_export_finds_its_referenced_backbones_from_any_working_directory(tmp_path, toy_tokenizer, monkeypatch):
    """Training named its frozen CLIP by a path relative to where it ran (`zoo/toy/clip`); the export records the
    absolute path, so it loads from elsewhere (and the model that was exported keeps its own spec)."""
    from transformers import CLIPVisionConfig, CLIPVisionModel

    from omni.models.dreamllm.presets import llama_config
    from omni.train.checkpoint import export_pretrained

    (tmp_path / "run").mkdir()
    CLIPVisionModel(CLIPVisionConfig(**tiny_clip_vision_config(32, 2))).save_pretrained(tmp_path / "run" / "clip")
    monkeypatch.chdir(tmp_path / "run")
    config = DreamLLMConfig(llm_config=llama_config(64, 2, 4, 128, len(toy_tokenizer)),
                            plugins={"vision_encoder": {"type": "clip_vision_embedding", "model_name_or_path": "clip"}})
    config.attach_tokenizer(toy_tokenizer)
    model = DreamLLMForCausalLM.build(config)
    export_pretrained(model, tmp_path / "export")
    assert model.config.plugins["vision_encoder"]["model_name_or_path"] == "clip"
    monkeypatch.chdir(tmp_path)
    again = DreamLLMForCausalLM.from_pretrained(tmp_path / "export")
    assert again.config.plugins["vision_encoder"]["model_name_or_path"] == str(tmp_path / "run" / "clip")
    assert again.config.frozen_by_reference == {"vision_encoder": ["backbone"]}
    reloaded = again.state_dict()
    assert all(torch.equal(v, reloaded[k]) for k, v in model.state_dict().items())
