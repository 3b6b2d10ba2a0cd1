"""End to end with two processes: torchrun, FSDP2 over gloo, losses logged and falling, exact resume, export, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TINY = [  # shrink the toy config through overrides (exercises the override path too)
    "model.config.hidden_size=64", "model.config.num_layers=2", "model.config.num_queries=8",
    "model.config.vision_hidden_size=32", "model.config.vision_layers=2", "model.config.cross_attention_dim=32",
    "training.per_device_train_batch_size=2", "training.report_to=[]", "training.disable_tqdm=true",
    "training.dataloader_num_workers=1", "data.shuffle_buffer=20",
]


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def torchrun_command(config: str, out: Path, data_root: Path, *overrides: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
            "-m", "projects.dreamllm.train", "--config_file", f"projects/dreamllm/configs/tiny/{config}",
            f"training.output_dir='{out}'", f"data.data_root='{data_root}'",
            f"model.tokenizer_name_or_path='{data_root}/toyworld/tokenizer'", *TINY, *overrides]


def torchrun(config: str, out: Path, data_root: Path, *overrides: str) -> subprocess.CompletedProcess:
    command = torchrun_command(config, out, data_root, *overrides)
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_comprehension_learns_with_sharded_llm_and_exports(toy_data, tmp_path):
    # Everything but the frozen towers trains here, so FSDP shards, reduces and updates the LLM blocks too.
    out = tmp_path / "s1c"
    result = torchrun("stage1_comprehension.py", out, toy_data, "training.max_steps=12", "training.learning_rate=3e-3",
                      "training.lr_scheduler_type=constant", "training.trainable=['*']")
    assert "plugins.vision_encoder.projector" in result.stdout  # the parameter table is printed at start
    rows = metrics(out)
    assert [r["step"] for r in rows] == list(range(1, 13))
    first, last = (sum(r["lm_loss"] for r in part) / 3 for part in (rows[:3], rows[-3:]))
    assert all(r["vm_loss"] == 0 for r in rows) and last < first - 1.0, [r["lm_loss"] for r in rows]
    assert {"tokens_per_s", "images_per_s", "tflops_per_device"} <= rows[0].keys() and "mfu" not in rows[0]  # no peak on CPU
    assert (out / "checkpoint-12" / "trainer_state.json").exists() and (out / "config.yaml").exists()
    assert {"__0_0.distcp", "__1_0.distcp"} <= {p.name for p in (out / "checkpoint-12").iterdir()}  # two shards

    from transformers import AutoTokenizer

    from omni.data.toyworld import render, sample_scene
    from omni.models.dreamllm import DreamLLMForCausalLM
    from omni.models.dreamllm.generation import DreamLLMGenerator

    model = DreamLLMForCausalLM.from_pretrained(out)
    text = DreamLLMGenerator(model, AutoTokenizer.from_pretrained(out)).describe(render(sample_scene(0, 3)), "Describe the image.", 8)
    assert isinstance(text, str)
    image = tmp_path / "in.png"
    render(sample_scene(0, 3)).save(image)
    cli = subprocess.run([sys.executable, "-m", "projects.dreamllm.inference", "--model", str(out), "--image", str(image),
                          "--max_new_tokens", "8"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and cli.stdout.strip(), cli.stderr[-2000:]


def test_stage1_creation_resumes_exactly(toy_data, tmp_path):
    # packed batches (two samples per row, dream blocks and the diffusion loss's images in row order) under FSDP2
    common = ("training.lr_scheduler_type=constant", "training.warmup_ratio=0.0", "data.packing=true")
    straight = tmp_path / "straight"
    torchrun("stage1_creation.py", straight, toy_data, "training.max_steps=6", *common)
    resumed = tmp_path / "resumed"
    torchrun("stage1_creation.py", resumed, toy_data, "training.max_steps=3", *common)
    second = torchrun("stage1_creation.py", resumed, toy_data, "training.max_steps=6", *common)
    assert "resumed from" in second.stdout
    # the streams start at the saved positions (each rank's own), not by replaying the consumed batches
    assert "replaying" not in second.stdout + second.stderr
    assert json.loads((resumed / "checkpoint-3" / "data_rank1.json").read_text())["batches"] == 3
    a, b = metrics(straight), metrics(resumed)
    assert [r["step"] for r in b] == [1, 2, 3, 4, 5, 6]
    assert [r["vm_loss"] for r in a] == [r["vm_loss"] for r in b]  # bit-identical after the restart
    assert all(r["vm_loss"] > 0 for r in a)

    # a checkpoint (sharded by two processes) exported in one: the latest equals the run's own export
    from safetensors.torch import load_file

    for step in (6, 3):
        export = subprocess.run([sys.executable, "-m", "projects.dreamllm.export", "--run", str(resumed), "--out",
                                 str(tmp_path / f"export{step}"), "--step", str(step)], cwd=ROOT, env=ENV,
                                capture_output=True, text=True, timeout=120)
        assert export.returncode == 0, export.stderr[-3000:]
    final, six, three = (load_file(d / "model.safetensors") for d in (straight, tmp_path / "export6", tmp_path / "export3"))
    assert six.keys() == final.keys() and all(torch.equal(six[k], final[k]) for k in final)
    queries = "plugins.dream_queries.embeddings"
    assert not torch.equal(three[queries], final[queries])

    cli = subprocess.run([sys.executable, "-m", "projects.dreamllm.inference", "--model", str(straight), "--generate",
                          "a small red circle at the top", "--output", str(tmp_path / "red.png"), "--steps", "4"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr[-2000:]
    from PIL import Image

    assert Image.open(tmp_path / "red.png").size == (64, 64)


def test_sigkill_mid_training_resumes_bit_identically(toy_data, tmp_path):
    """A two-process run is killed with SIGKILL (no chance to clean up) after its step-4 checkpoint; restarted, it
    goes on from there and its per-step losses equal an uninterrupted run's, each step logged once."""
    common = ("training.max_steps=16", "training.save_steps=4", "training.lr_scheduler_type=constant",
              "training.warmup_ratio=0.0")
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    torchrun("stage1_creation.py", straight, toy_data, *common)
    process = subprocess.Popen(torchrun_command("stage1_creation.py", killed, toy_data, *common), cwd=ROOT, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        logged = (killed / "metrics.jsonl").read_text().splitlines() if (killed / "metrics.jsonl").exists() else []
        if len(logged) >= 6 and (killed / "checkpoint-4").exists():
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    assert process.wait(timeout=60) == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (killed / "model.safetensors").exists()
    second = torchrun("stage1_creation.py", killed, toy_data, *common)
    assert "resumed from" in second.stdout
    a, b = metrics(straight), metrics(killed)
    assert [r["step"] for r in b] == list(range(1, 17))
    assert [r["vm_loss"] for r in a] == [r["vm_loss"] for r in b]


def test_resume_on_a_different_number_of_processes(toy_data, tmp_path):
    """A checkpoint written by two processes (sharded with DCP) resumes in one: DCP reshards the state on load."""
    common = ("training.save_steps=2", "training.lr_scheduler_type=constant", "training.warmup_ratio=0.0")
    torchrun("stage1_creation.py", tmp_path, toy_data, "training.max_steps=2", *common)
    command = torchrun_command("stage1_creation.py", tmp_path, toy_data, "training.max_steps=4", *common)
    single = subprocess.run([sys.executable, *command[6:]], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]
    assert "resumed from" in single.stdout + single.stderr and "(step 2)" in single.stdout + single.stderr
    assert "replaying 2 batches" in single.stdout + single.stderr  # positions of 2 ranks do not fit 1: replayed
    assert [r["step"] for r in metrics(tmp_path)] == [1, 2, 3, 4]


def test_lora_stage_trains_adapters_resumes_exactly_and_merges(toy_data, tmp_path):
    """LoRA under FSDP2 with two processes: only adapters and projectors train, a restart continues bit for bit, and
    the merged export is a plain model."""
    lora = ("model.lora={r:4,alpha:8}", "training.trainable=['*.lora_A.*','*.lora_B.*','plugins.vision_encoder.projector.*']",
            "training.lr_scheduler_type=constant", "training.warmup_ratio=0.0", "training.learning_rate=1e-2")
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    first = torchrun("stage1_comprehension.py", straight, toy_data, "training.max_steps=4", *lora)
    llm_row = next(line.split() for line in first.stdout.splitlines() if line.startswith("llm "))
    params, trainable = (int(x.replace(",", "")) for x in llm_row[1:3])
    assert 0 < trainable < params / 10  # the parameter table: of the LLM, only the adapters train
    torchrun("stage1_comprehension.py", resumed, toy_data, "training.max_steps=2", "training.save_steps=2", *lora)
    second = torchrun("stage1_comprehension.py", resumed, toy_data, "training.max_steps=4", *lora)
    assert "resumed from" in second.stdout
    assert [r["lm_loss"] for r in metrics(straight)] == [r["lm_loss"] for r in metrics(resumed)]

    from omni.models.dreamllm import DreamLLMForCausalLM

    model = DreamLLMForCausalLM.from_pretrained(straight)
    assert model.config.lora["r"] == 4 and any("lora_B" in n for n, _ in model.named_parameters())
    merge = subprocess.run([sys.executable, "-m", "projects.dreamllm.merge_lora", "--model", str(straight), "--out",
                            str(tmp_path / "merged")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert merge.returncode == 0, merge.stderr[-2000:]
    assert DreamLLMForCausalLM.from_pretrained(tmp_path / "merged").config.lora is None


def test_bf16_with_frozen_plugins_in_bf16_and_bf16_reduction(toy_data, tmp_path):
    out = tmp_path / "bf16"
    torchrun("stage1_creation.py", out, toy_data, "training.max_steps=2", "training.bf16=true",
             "training.reduce_dtype=bfloat16", "training.trainable=['*']")
    rows = metrics(out)
    assert len(rows) == 2 and all(r["vm_loss"] > 0 and r["lm_loss"] > 0 for r in rows)


@pytest.mark.parametrize("override, message", [("training.max_stepz=3", "Did you mean 'training.max_steps'"),
                                               ("data.datasets=[nope]", "no dataset named 'nope'")])
def test_bad_config_fails_clearly(toy_data, tmp_path, override, message):
    command = [sys.executable, "-m", "projects.dreamllm.train", "--config_file",
               "projects/dreamllm/configs/tiny/stage1_comprehension.py", f"training.output_dir='{tmp_path}'",
               f"data.data_root='{toy_data}'", f"model.tokenizer_name_or_path='{toy_data}/toyworld/tokenizer'", *TINY, override]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and message in result.stdout + result.stderr


def single(config: str, out: Path, data_root: Path, *overrides: str) -> subprocess.CompletedProcess:
    command = torchrun_command(config, out, data_root, *overrides)[6:]  # the same run as one plain process
    return subprocess.run([sys.executable, *command], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)


def test_accumulation_and_checkpointing_do_not_change_the_losses(toy_data, tmp_path):
    """One process, the same samples: a batch of 4, two micro-batches of 2, with activation checkpointing, packed into
    rows (per-sample attention on a CPU), with each decoder block compiled, and both; the loss is normalised over the
    whole accumulated batch, so all six log the same numbers, before and after an update. (Comprehension: the
    diffusion loss draws its noise per micro-batch, so it cannot repeat exactly.)"""
    common = ("training.max_steps=2", "training.dataloader_num_workers=0", "training.lr_scheduler_type=constant",
              "training.warmup_ratio=0.0", "training.trainable=['*']")
    runs = {"whole": ("training.per_device_train_batch_size=4",),
            "accumulated": ("training.per_device_train_batch_size=2", "training.gradient_accumulation_steps=2"),
            "checkpointed": ("training.per_device_train_batch_size=4", "training.gradient_checkpointing=true"),
            "packed": ("training.per_device_train_batch_size=4", "data.packing=true"),
            "compiled": ("training.per_device_train_batch_size=4", "training.compile=true"),
            "packed and compiled": ("training.per_device_train_batch_size=4", "data.packing=true", "training.compile=true")}
    logged = {}
    for name, overrides in runs.items():
        result = single("stage1_comprehension.py", tmp_path / name, toy_data, *common, *overrides)
        assert result.returncode == 0, result.stderr[-3000:]
        logged[name] = metrics(tmp_path / name)
    assert all(r["padding_fraction"] < w["padding_fraction"] for r, w in zip(logged["packed"], logged["whole"]))
    for name in ("accumulated", "checkpointed", "packed", "compiled", "packed and compiled"):
        for key in ("lm_loss", "label_tokens", "grad_norm"):
            assert [r[key] for r in logged[name]] == pytest.approx([r[key] for r in logged["whole"]], rel=1e-4), (name, key)


def test_non_finite_losses_skip_updates_then_stop_the_run_clearly(toy_data, tmp_path):
    result = single("stage1_creation.py", tmp_path, toy_data, "training.max_steps=10", "training.learning_rate=1e30",
                    "training.lr_scheduler_type=constant", "training.warmup_ratio=0.0", "training.save_steps=1",
                    "training.max_bad_steps=2", "training.dataloader_num_workers=0")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "consecutive non-finite steps; stopping" in output
    assert "update skipped (1 in a row)" in output
    assert (tmp_path / "checkpoint-1" / "trainer_state.json").exists()  # the last checkpoint is complete
    assert not list(tmp_path.glob(".tmp-checkpoint-*")) and not (tmp_path / "model.safetensors").exists()


def test_ddp_fallback_trains(toy_data, tmp_path):
    torchrun("stage1_comprehension.py", tmp_path, toy_data, "training.max_steps=2", "training.fsdp=false")
    assert [r["step"] for r in metrics(tmp_path)] == [1, 2] and (tmp_path / "model.safetensors").exists()
