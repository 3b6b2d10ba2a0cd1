"""What machine produced a figure: CPU model, threads, library versions.

Training amplifies floating-point differences between machines (another CPU's vector units sum in another order), so
a toy-recipe figure is only comparable with figures from the same machine and seed; every result file carries this.
"""

from __future__ import annotations

import os
import platform
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@cache
def machine_info() -> dict[str, Any]:
    """The machine and software a result came from (JSON-ready)."""
    import torch

    info: dict[str, Any] = {
        "cpu": _cpu_model(), "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "platform": platform.platform(),
        "python": platform.python_version(),
        # the vector instructions torch's CPU kernels dispatch to (AVX2, AVX512, …): what makes two CPUs round alike
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }
    info.update({package: _version(package) for package in ("torch", "transformers", "diffusers")})
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
