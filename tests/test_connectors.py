"""The connector zoo: one interface, token counts, masks, specs, and each reference configuration's parameter count."""

from __future__ import annotations

import pytest
import torch

from omni.models.connectors import CONNECTOR_REGISTRY, build_connector, build_projector

# small configurations of every connector: (spec, input tokens)
SMALL = {
    "linear": ({"type": "linear"}, 16),
    "mlp": ({"type": "mlp", "depth": 3}, 16),
    "c_abstractor": ({"type": "c_abstractor", "num_queries": 4, "hidden_size": 24, "depth": 1}, 16),
    "perceiver": ({"type": "perceiver", "num_latents": 5, "depth": 2, "dim_head": 8, "heads": 2}, 16),
    "qformer": ({"type": "qformer", "num_queries": 6, "hidden_size": 32, "num_layers": 2, "num_heads": 2,
                 "intermediate_size": 64}, 16),
    "avg_pool": ({"type": "avg_pool", "num_queries": 4}, 16),
    "attn_pool": ({"type": "attn_pool", "num_queries": 3, "num_heads": 2}, 16),
    "pixel_shuffle": ({"type": "pixel_shuffle", "scale_factor": 2}, 16),
}
MASKABLE = ("perceiver", "qformer", "attn_pool")


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_every_registered_connector_is_tested():
    assert set(SMALL) == set(CONNECTOR_REGISTRY)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_shapes_token_counts_and_spec_round_trip(name):
    spec, tokens = SMALL[name]
    torch.manual_seed(0)
    connector = build_connector(spec, 16, 40, num_input_tokens=tokens)
    out = connector(torch.randn(2, tokens, 16))
    assert out.shape == (2, connector.num_output_tokens(tokens), 40)
    rebuilt = build_connector(connector.to_spec(), 16, 40, num_input_tokens=tokens)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in connector.state_dict().items()}
    assert connector.to_spec()["type"] == name and all(k in connector.to_spec() for k in spec)


@pytest.mark.parametrize("name", MASKABLE)
def test_padded_tokens_change_nothing(name):
    spec, tokens = SMALL[name]
    torch.manual_seed(0)
    connector = build_connector(spec, 16, 40, num_input_tokens=tokens).eval()
    features = torch.randn(2, tokens, 16)
    mask = torch.ones(2, tokens, dtype=torch.bool)
    mask[1, 10:] = False
    changed = features.clone()
    changed[1, 10:] = 100 * torch.randn(tokens - 10, 16)
    with torch.no_grad():
        a, b = connector(features, mask), connector(changed, mask)
        unmasked = connector(changed)
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a[1], unmasked[1], atol=1e-3)


@pytest.mark.parametrize("name", ["c_abstractor", "avg_pool", "pixel_shuffle"])
def test_grid_connectors_refuse_padding(name):
    spec, tokens = SMALL[name]
    connector = build_connector(spec, 16, 40, num_input_tokens=tokens)
    mask = torch.ones(1, tokens, dtype=torch.bool)
    mask[0, -1] = False
    with pytest.raises(ValueError, match="padded"):
        connector(torch.randn(1, tokens, 16), mask)


def test_bad_specs_name_the_close_match():
    with pytest.raises(ValueError, match="Did you mean 'perceiver'"):
        build_connector("perciever", 16, 16)
    with pytest.raises(ValueError, match="Did you mean 'num_latents'"):
        build_connector({"type": "perceiver", "num_latent": 4}, 16, 16)
    with pytest.raises(ValueError, match="square"):
        build_connector({"type": "c_abstractor", "num_queries": 5}, 16, 16, num_input_tokens=16)


def test_llava_names_keep_their_state_dict_keys():
    """Exports from before the connector zoo saved nn.Linear / nn.Sequential projectors."""
    assert list(build_projector("mlp2x_gelu", 8, 16).state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(build_projector("linear", 8, 16, bias=False).state_dict()) == ["weight"]
    sequential = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 16))
    ours = build_projector("mlp2x_gelu", 8, 16)
    ours.load_state_dict(sequential.state_dict())
    x = torch.randn(3, 8)
    assert torch.equal(ours(x), sequential(x))


def test_learned_latents_and_queries_declare_no_weight_decay():
    for name in ("perceiver", "qformer", "attn_pool", "c_abstractor"):
        spec, tokens = SMALL[name]
        connector = build_connector(spec, 16, 40, num_input_tokens=tokens)
        declared = connector.no_weight_decay()
        assert declared and declared <= dict(connector.named_parameters()).keys(), name


# ---- reference configurations -------------------------------------------------------------------------------------
def test_mlp_matches_llava_15():
    """LLaVA-1.5-7B's `mlp2x_gelu`: CLIP ViT-L/14 (1024) → Vicuna-7B (4096)."""
    assert count(build_connector("mlp2x_gelu", 1024, 4096)) == 1024 * 4096 + 4096 + 4096 * 4096 + 4096


def test_c_abstractor_matches_honeybee():
    """Honeybee's C-Abstractor for CLIP ViT-L/14 at 336 px (576 patches) → 144 tokens for a 7B LLM (depth 3, hidden
    1024, MLP depth 2). Reference: kakaobrain/honeybee `projectors.CAbstractor` with timm 1.0.31's RegStage, counted
    in a separate environment (timm needs torchvision): 37,398,016 parameters; loaded with the reference's state dict
    (same names), our module gave the reference's outputs exactly."""
    with torch.device("meta"):
        connector = build_connector({"type": "c_abstractor", "num_queries": 144, "hidden_size": 1024, "depth": 3,
                                     "mlp_depth": 2}, 1024, 4096, num_input_tokens=576)
    assert count(connector) == 37_398_016


def test_perceiver_matches_xgen_mm():
    """xGen-MM v1's token sampler: SigLIP so400m (1152) → phi-3-mini (3072), 128 latents, depth 6, 16 heads of 96.
    Reference: salesforce/LAVIS branch xgen-mm `open_flamingo/src/helpers.py` `PerceiverResampler(dim=1152,
    dim_inner=3072, num_latents=128)`: 109,901,568 parameters; with its state dict loaded (same names), our module's
    outputs agreed to 1e-6 with padded tokens masked."""
    with torch.device("meta"):
        connector = build_connector({"type": "perceiver", "num_latents": 128}, 1152, 3072, num_input_tokens=729)
    assert count(connector) == 109_901_568


def test_qformer_matches_blip2():
    """BLIP-2 OPT-2.7b: EVA ViT-g (1408) → 32 queries → OPT-2.7b (2560); the reference is transformers'
    `Blip2ForConditionalGeneration`'s Q-Former, query tokens and language projection."""
    from transformers import Blip2Config, Blip2ForConditionalGeneration

    config = Blip2Config(text_config={"model_type": "opt", "hidden_size": 2560, "num_hidden_layers": 1,
                                      "word_embed_proj_dim": 2560, "ffn_dim": 64,
                                      "num_attention_heads": 32})
    with torch.device("meta"):
        reference = Blip2ForConditionalGeneration(config)
        ours = build_connector("qformer", 1408, 2560)
    expected = count(reference.qformer) + reference.query_tokens.numel() + count(reference.language_projection)
    assert count(ours) == expected and expected > 100_000_000


def test_pixel_shuffle_matches_idefics3():
    """Idefics3-8B's connector (SigLIP 1152, scale factor 2 → Llama-3 4096): same parameters and, with the same
    projection weights, the same tokens in the same order as transformers' `Idefics3Connector`."""
    from transformers import Idefics3Config
    from transformers.models.idefics3.modeling_idefics3 import Idefics3Connector

    config = Idefics3Config(scale_factor=2, vision_config={"hidden_size": 64, "num_attention_heads": 4},
                            text_config={"hidden_size": 48, "num_attention_heads": 4})
    reference = Idefics3Connector(config)
    ours = build_connector({"type": "pixel_shuffle", "scale_factor": 2}, 64, 48)
    ours.load_state_dict({"proj.weight": reference.modality_projection.proj.weight})
    features = torch.randn(2, 64, 64)
    assert torch.allclose(ours(features), reference(features))
    with torch.device("meta"):
        big = Idefics3Connector(Idefics3Config(scale_factor=2, vision_config={"hidden_size": 1152, "num_attention_heads": 16},
                                               text_config={"hidden_size": 4096}))
    assert count(build_connector({"type": "pixel_shuffle", "scale_factor": 2}, 1152, 4096)) == count(big)


def test_the_optimizer_groups_follow_no_weight_decay():
    from omni.train.trainer import parameter_groups

    model = torch.nn.ModuleDict({"resampler": build_connector(SMALL["perceiver"][0], 16, 40)})
    groups = parameter_groups(model, weight_decay=0.1, learning_rate=1e-3)
    undecayed = {id(p) for g in groups if g["weight_decay"] == 0.0 for p in g["params"]}
    decayed = {id(p) for g in groups if g["weight_decay"] > 0 for p in g["params"]}
    assert id(model["resampler"].latents) in undecayed  # 2-d, and named neither *embeddings* nor *norm*
    assert id(model["resampler"].layers[0][0].to_q.weight) in decayed
