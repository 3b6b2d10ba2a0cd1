"""The prepared GPU check runs end to end at tiny sizes on a CPU, so that it still works when a GPU is lent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_smoke_writes_its_figures(tmp_path):
    result = subprocess.run([sys.executable, "scripts/gpu_check.py", "--smoke", "--out", str(tmp_path), "--steps", "2",
                             "--warmup", "1", "--batch", "4"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "gpu_check.json").read_text())
    assert set(figures["runs"]) == {"sdpa, padded", "sdpa, packed"}
    padded, packed = figures["runs"]["sdpa, padded"], figures["runs"]["sdpa, packed"]
    assert packed["padding_fraction"] < padded["padding_fraction"] and padded["tokens_per_s"] > 0
    assert "| sdpa, packed |" in (tmp_path / "gpu_check.md").read_text()
