"""The frozen-feature cache: it computes only what it lacks, its keys follow the backbone and the input, and a step
with it (cold or warm) is the step without it; a training run reads a second time what the first one stored."""

from __future__ import annotations

import torch

from omni.models.feature_cache import FeatureCache, module_fingerprint
from tests.test_models import make_batch
from tests.test_train_e2e import metrics, single


def test_the_cache_computes_only_what_it_lacks_and_returns_it_exactly(tmp_path):
    computed = []

    def compute(items):
        computed.append(len(items))
        return items.flatten(1).cumsum(-1).reshape(len(items), 4, -1) * 1.5

    cache = FeatureCache(tmp_path, "squares", "f" * 32)
    first = torch.randn(3, 2, 4, 4)
    cold = cache(first, compute)
    assert torch.equal(cold, compute(first)) and computed == [3, 3]
    mixed = torch.cat((first[1:], torch.randn(2, 2, 4, 4)))
    warm = cache(mixed, compute)
    assert computed[-1] == 2  # only the two new items
    assert torch.equal(warm, compute(mixed))
    assert (cache.hits, cache.misses) == (2, 5)
    bf16 = FeatureCache(tmp_path, "bf16", "0" * 32)
    halves = torch.randn(2, 3, dtype=torch.bfloat16)
    bf16(halves, lambda x: x * 2)
    assert torch.equal(bf16(halves, lambda x: x * 0), halves * 2)  # read back, not recomputed
    assert not list(tmp_path.rglob("*.tmp"))  # written atomically
    # read back in the layout the tower gave (randn_like draws in memory order)
    layout = FeatureCache(tmp_path, "layout", "1" * 32)
    images = torch.randn(2, 3, 4, 4)
    convolved = lambda x: (x * 2).contiguous(memory_format=torch.channels_last)  # noqa: E731
    layout(images, convolved)
    again = layout(images, convolved)
    assert again.is_contiguous(memory_format=torch.channels_last) and torch.equal(again, images * 2)


def test_fingerprints_follow_weights_layer_and_dtype():
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 4)
    base = module_fingerprint(layer, select_layer=-2)
    assert module_fingerprint(layer, select_layer=-2) == base
    assert module_fingerprint(layer, select_layer=-1) != base
    with torch.no_grad():
        layer.weight[0, 0] += 1e-3
    changed = module_fingerprint(layer, select_layer=-2)
    assert changed != base
    assert module_fingerprint(layer.to(torch.bfloat16), select_layer=-2) != changed


def test_a_step_with_the_cache_is_the_step_without_it(tiny_model, toy_tokenizer, tmp_path):
    """Vision features and VAE posteriors: cold, the cache returns the towers' own batch; warm, what it stored. The
    diffusion loss draws its latents from the cached posterior with the same random numbers, so it is unchanged."""
    batch = make_batch(tiny_model, toy_tokenizer)
    torch.manual_seed(3)
    plain = tiny_model(**batch)
    caches = tiny_model.use_feature_cache(tmp_path)
    assert set(caches) == {"vision_encoder.features", "diffusion_head.vae_posterior"}
    for _ in ("cold", "warm"):
        torch.manual_seed(3)
        cached = tiny_model(**batch)
        assert torch.equal(cached.lm_loss, plain.lm_loss) and torch.equal(cached.vm_loss, plain.vm_loss)
    assert [(c.hits, c.misses) for c in caches.values()] == [(2, 2), (2, 2)]
    # another layer of the same tower is another cache
    encoder = tiny_model.vision_encoder
    encoder.select_layer = -1
    assert encoder.use_feature_cache(tmp_path)["features"].folder != caches["vision_encoder.features"].folder


def test_a_second_run_reads_what_the_first_stored(toy_data, tmp_path):
    """Stage I creation (VAE posteriors of the targets) with the cache: the first run stores, the second reads every
    target, and both log the losses of a run without the cache."""
    common = ("training.max_steps=3", "training.dataloader_num_workers=0", "training.per_device_train_batch_size=4")
    cache = f"training.feature_cache_dir='{tmp_path / 'cache'}'"
    logged = {}
    for name, overrides in (("plain", ()), ("cold", (cache,)), ("warm", (cache,))):
        result = single("stage1_creation.py", tmp_path / name, toy_data, *common, *overrides)
        assert result.returncode == 0, result.stderr[-3000:]
        logged[name] = metrics(tmp_path / name)
    rate = "feature_cache_hit_rate/diffusion_head.vae_posterior"
    assert [r[rate] for r in logged["cold"]] == [0.0] * 3 and logged["warm"][-1][rate] == 1.0, [r[rate] for r in logged["warm"]]
    for name in ("cold", "warm"):
        assert [r["vm_loss"] for r in logged[name]] == [r["vm_loss"] for r in logged["plain"]], name
