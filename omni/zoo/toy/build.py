"""Build the whole toy zoo in dependency order, two trainers at a time, each cached in its own folder.

VAE and CLIP first; then the toy SD UNet (needs both) beside the toy LLaMA and the attribute classifier; finally
the toy SD is judged by the classifier (text-to-image attribute accuracy on held-out captions). A component whose
folder holds a result for the same scale and seed is not trained again.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch

from omni.utils.machine import machine_info

COMPONENTS = ("vae", "clip", "llama", "classifier", "sd")
# built only when asked for (`--with siglip`): the toy SigLIP is xGen-MM's encoder, which DreamLLM's recipe does not use
OPTIONAL_COMPONENTS = ("siglip",)


def _run(name: str, out: str, data_root: str, scale: str, seed: int, progress: bool, position: int) -> dict[str, Any]:
    torch.set_num_threads(1)
    from omni.zoo.toy.data import load_pairs

    out_dir, tokenizer_dir = Path(out), Path(data_root) / "toyworld" / "tokenizer"
    if name == "llama":
        from omni.zoo.toy.llm import train_llm

        result = train_llm(tokenizer_dir, out_dir / name, scale, seed, progress, position)
    else:
        train, test = load_pairs(data_root, "train"), load_pairs(data_root, "test")
        if name == "vae":
            from omni.zoo.toy.vae import train_vae

            result = train_vae(train, test, out_dir / name, scale, seed, progress, position)
        elif name in ("clip", "siglip"):
            from omni.zoo.toy.clip import train_clip

            result = train_clip(train, test, tokenizer_dir, out_dir / name, scale, seed, progress, position, kind=name)
        elif name == "classifier":
            from omni.zoo.toy.classifier import train_classifier

            result = train_classifier(train, test, out_dir / name, scale, seed, progress, position)
        else:
            from omni.zoo.toy.sd import train_sd

            result = train_sd(train, out_dir / "clip", out_dir / "vae", out_dir / name, scale, seed, progress, position)
    (out_dir / name / "zoo_stamp.json").write_text(json.dumps(_stamp(name, scale, seed)))
    return result


# components trained on others' outputs: the toy SD is conditioned by the toy CLIP's text tower and denoises in the VAE's
# latents, so a retrained CLIP or VAE must retrain it too
DEPENDS_ON = {"sd": ("clip", "vae")}
# a trainer's fix that its settings do not show: a component cached by an earlier revision is trained again
# (siglip 2: the sigmoid loss's temperature and bias start where the SigLIP paper starts them, not at zero)
TRAINER_REVISIONS = {"siglip": 2}


def _stamp(name: str, scale: str, seed: int) -> dict[str, Any]:
    """What a cached component must match: scale, seed, the trainer's hyper-parameters for that scale, and the stamps
    of the components it was trained on."""
    import importlib

    module = importlib.import_module(f"omni.zoo.toy.{ {'llama': 'llm', 'siglip': 'clip'}.get(name, name) }")
    settings = {k: list(v) if isinstance(v, tuple) else v for k, v in module.SCALES[scale].items()}
    stamp: dict[str, Any] = {"scale": scale, "seed": seed, "settings": settings}
    if name in TRAINER_REVISIONS:
        stamp["revision"] = TRAINER_REVISIONS[name]
    if name in DEPENDS_ON:
        stamp["trained_on"] = {dep: _stamp(dep, scale, seed) for dep in DEPENDS_ON[name]}
    return stamp


def _cached(out: Path, name: str, scale: str, seed: int) -> dict[str, Any] | None:
    stamp, result = out / name / "zoo_stamp.json", out / name / "zoo_result.json"
    if stamp.exists() and result.exists() and json.loads(stamp.read_text()) == _stamp(name, scale, seed):
        return json.loads(result.read_text())
    return None


@torch.no_grad()
def judge_vae(out: Path, data_root: str | Path, num: int = 512) -> dict[str, Any]:
    """What the toy VAE's reconstructions keep, read by the toy classifier (`recon_<attribute>`): the ceiling of every
    image made in its latents (toy SD and DreamLLM creation alike)."""
    from diffusers import AutoencoderKL

    from omni.zoo.toy.classifier import AttributeClassifier, attribute_accuracy
    from omni.zoo.toy.data import load_pairs

    test = load_pairs(data_root, "test", limit=num)
    vae = AutoencoderKL.from_pretrained(out / "vae").eval()
    classifier = AttributeClassifier.from_pretrained(out / "classifier")
    predicted = []
    for start in range(0, len(test), 128):
        pixels = test.pixels(torch.arange(start, min(start + 128, len(test))))
        predicted.append(classifier.predict(vae.decode(vae.encode(pixels).latent_dist.mode()).sample.clamp(-1, 1)))
    result = {f"recon_{k}": v for k, v in attribute_accuracy(torch.cat(predicted), test.labels).items()}
    path = out / "vae" / "zoo_result.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **result}, indent=1))
    return result


@torch.no_grad()
def judge_sd(out: Path, data_root: str | Path, num: int = 128, steps: int = 25, guidance: float = 3.0, seed: int = 0) -> dict[str, Any]:
    """Text-to-image attribute accuracy of the toy SD pipeline on test captions, judged by the toy classifier."""
    from diffusers import StableDiffusionPipeline

    from omni.zoo.toy.classifier import AttributeClassifier, attribute_accuracy
    from omni.zoo.toy.data import load_pairs

    test = load_pairs(data_root, "test", limit=num)
    pipeline = StableDiffusionPipeline.from_pretrained(out / "sd", safety_checker=None, requires_safety_checker=False)
    pipeline.set_progress_bar_config(disable=True)
    classifier = AttributeClassifier.from_pretrained(out / "classifier")
    predicted = []
    for start in range(0, len(test), 32):
        captions = test.captions[start:start + 32]
        images = pipeline(captions, num_inference_steps=steps, guidance_scale=guidance, output_type="pt",
                          generator=torch.Generator().manual_seed(seed + start)).images
        predicted.append(classifier.predict(images * 2 - 1))
    accuracy = attribute_accuracy(torch.cat(predicted), test.labels)
    result = {f"t2i_{k}": v for k, v in accuracy.items()}
    path = out / "sd" / "zoo_result.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **result}, indent=1))
    return result


def build_toy_zoo(out: str | Path = "zoo/toy", data_root: str | Path = "data", scale: str = "full", seed: int = 0,
                  workers: int = 2, progress: bool = True, judge: bool = True,
                  optional: tuple[str, ...] = (), only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Train every component not cached yet (and the `optional` ones asked for), judge them, write the summary.
    `only`: just these components and what they are trained on (xGen-MM's recipe needs the LLaMA and the SigLIP, not
    the VAE and the SD that take most of the zoo's time)."""
    out, started = Path(out), time.time()
    unknown = set(optional) - set(OPTIONAL_COMPONENTS)
    if unknown:
        raise ValueError(f"unknown optional toy-zoo components {sorted(unknown)}: choose from {list(OPTIONAL_COMPONENTS)}")
    if only is not None:
        unknown = set(only) - set(COMPONENTS + OPTIONAL_COMPONENTS)
        if unknown:
            raise ValueError(f"unknown toy-zoo components {sorted(unknown)}: choose from {list(COMPONENTS + OPTIONAL_COMPONENTS)}")
        wanted = set(only) | {dep for name in only for dep in DEPENDS_ON.get(name, ())}
        components = tuple(name for name in COMPONENTS + OPTIONAL_COMPONENTS if name in wanted)
    else:
        components = COMPONENTS + tuple(optional)
    if not (Path(data_root) / "toyworld" / "pairs-train.json").exists():
        from omni.data.toyworld.generate import generate

        num, num_test = (20000, 1000) if scale == "full" else (400, 40)
        generate(Path(data_root) / "toyworld", num, seed, 1000 if scale == "full" else 100, num_test=num_test, progress=progress)
    results: dict[str, Any] = {name: r for name in components if (r := _cached(out, name, scale, seed)) is not None}
    todo = [name for name in components if name not in results]
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no forked OpenMP state
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        args = (str(out), str(data_root), scale, seed, progress)
        first = {n: pool.submit(_run, n, *args, i) for i, n in enumerate(n for n in ("vae", "clip") if n in todo)}
        later: dict[str, Future] = {}
        if "llama" in todo:
            later["llama"] = pool.submit(_run, "llama", *args, 2)
        results.update({n: f.result() for n, f in first.items()})
        if "sd" in todo:
            later["sd"] = pool.submit(_run, "sd", *args, 3)
        if "classifier" in todo:
            later["classifier"] = pool.submit(_run, "classifier", *args, 4)
        for position, name in enumerate((n for n in OPTIONAL_COMPONENTS if n in todo), start=5):
            later[name] = pool.submit(_run, name, *args, position)
        results.update({n: f.result() for n, f in later.items()})
    judged = judge and "classifier" in results  # the classifier reads what the VAE and the SD make
    if judged and "vae" in results and ("vae" in todo or "classifier" in todo or "recon_all" not in results["vae"]):
        results["vae"].update(judge_vae(out, data_root, num=512 if scale == "full" else 8))
    if judged and "sd" in results and ("sd" in todo or "t2i_all" not in results["sd"]):
        # 256 captions, not 128: at 90% the binomial standard error is then 1.9 points instead of 2.7
        results["sd"].update(judge_sd(out, data_root, num=256 if scale == "full" else 8, steps=25 if scale == "full" else 2,
                                      seed=seed))
    zoo_table = {f"omni-toy/{name}": str((out / name).resolve())
                 for name in ("clip", "vae", "sd", "llama", "classifier", *OPTIONAL_COMPONENTS) if (out / name).is_dir()}
    (out / "zoo.json").write_text(json.dumps(zoo_table, indent=1))
    seconds, machine = round(time.time() - started, 1), machine_info()
    previous = out / "zoo_summary.json"
    earlier = json.loads(previous.read_text()) if previous.exists() else None
    later_builds = list((earlier or {}).get("later_builds", []))
    if earlier and (not todo or only is not None):
        # all cached, or a part added to a zoo already built: the summary keeps the time and machine of the build
        # that trained the zoo, its components, and records the added part's own build beside them
        if todo:
            later_builds.append({"components": todo, "seconds": seconds, "machine": machine})
        seconds, machine = earlier.get("seconds", seconds), earlier.get("machine", machine)
        results = {**earlier.get("components", {}), **results}
    summary = {"seconds": seconds, "scale": scale, "seed": seed, "workers": workers, "machine": machine,
               "components": results, **({"later_builds": later_builds} if later_builds else {})}
    (out / "zoo_summary.json").write_text(json.dumps(summary, indent=1))
    return summary
