"""Run a benchmark: shard its requests across `torchrun` processes, answer them in batches, merge the shards, score,
and write everything needed to reproduce the number.

  torchrun --nproc_per_node 8 -m omni.eval run --benchmark vqav2 --model work_dirs/stage3 --out results/vqav2

Rank r of w answers requests r, r+w, … and writes `predictions.rank<r>.jsonl`; rank 0 waits for all, checks that
every request has exactly one answer, and writes `predictions.jsonl` (in benchmark order), the servers' files
(omni.eval.exports) and `results.json`: the scores, the benchmark and its files, the model, the git revision, the
prompt template, decoding settings, the seed, the number of processes and the time taken.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from omni.eval.answerers import Answerer
from omni.eval.benchmarks import Benchmark
from omni.eval.exports import export
from omni.eval.prompts import Request, requests
from omni.eval.scoring import score
from omni.utils.distributed import barrier, init_distributed


def git_revision() -> str | None:
    try:
        root = Path(__file__).resolve().parents[2]
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                               text=True, timeout=10)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "") if rev.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def run_benchmark(benchmark: Benchmark, answerer: Answerer, out_dir: str | Path, eval_root: str | Path | None = None,
                  limit: int | None = None, batch_size: int = 8, seed: int = 0, prompt: str | None = None,
                  max_new_tokens: int | None = None) -> dict[str, Any] | None:
    """Returns the results on rank 0 (None elsewhere)."""
    rank, world, _ = init_distributed()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(seed)
    torch.manual_seed(seed)
    started = time.perf_counter()
    items = benchmark.read(eval_root)[:limit]
    asked = requests(benchmark, items, prompt)
    max_new_tokens = max_new_tokens or benchmark.max_new_tokens
    mine = asked[rank::world]
    shard = out / f"predictions.rank{rank}.jsonl"
    with shard.open("w") as f:
        for start in tqdm(range(0, len(mine), batch_size), desc=f"{benchmark.name} rank {rank}", disable=rank != 0):
            batch = mine[start:start + batch_size]
            answers = answerer.answer([r.item.images() for r in batch], [r.prompt for r in batch], max_new_tokens)
            for request, answer in zip(batch, answers):
                f.write(json.dumps({"key": request.key, "prediction": answer}) + "\n")
    barrier()
    if rank != 0:
        return None
    predictions = merge(out, world, asked)
    scores = score(benchmark.task, asked, predictions)
    written = export(benchmark.name, benchmark.task, asked, predictions, out)
    with (out / "predictions.jsonl").open("w") as f:
        for request, prediction in zip(asked, predictions):
            f.write(json.dumps({"key": request.key, "prompt": request.prompt, "prediction": prediction,
                                "references": request.item.answers}) + "\n")
    results = {
        "benchmark": benchmark.name, "task": benchmark.task, "metric": benchmark.metric, "split": benchmark.split,
        "files": [str(p) for p in benchmark.paths(eval_root)], "items": len(items), "requests": len(asked),
        "limit": limit, "scores": scores, "model": answerer.describe(), "git_revision": git_revision(),
        "prompt": prompt or benchmark.prompt, "decoding": {"max_new_tokens": max_new_tokens, "batch_size": batch_size},
        "seed": seed, "processes": world, "seconds": round(time.perf_counter() - started, 1),
        "exports": [p.name for p in written],
    }
    (out / "results.json").write_text(json.dumps(results, indent=1))
    for rank_file in out.glob("predictions.rank*.jsonl"):
        rank_file.unlink()
    return results


def merge(out: Path, world: int, asked: list[Request]) -> list[str]:
    """Every shard's answers, back in benchmark order; a missing or duplicated answer is an error, not a score."""
    answers: dict[str, str] = {}
    for rank in range(world):
        for line in (out / f"predictions.rank{rank}.jsonl").read_text().splitlines():
            row = json.loads(line)
            if row["key"] in answers:
                raise RuntimeError(f"request {row['key']} answered twice (rank {rank})")
            answers[row["key"]] = row["prediction"]
    missing = [r.key for r in asked if r.key not in answers]
    if missing or len(answers) != len(asked):
        raise RuntimeError(f"{len(missing)} requests have no answer (e.g. {missing[:3]}); {len(answers)} answers for "
                           f"{len(asked)} requests")
    return [answers[r.key] for r in asked]
