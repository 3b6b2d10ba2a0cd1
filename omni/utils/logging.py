"""Loggers that print on rank 0 only, so a multi-process run reads like a single one."""

from __future__ import annotations

import logging
import os
import sys


class _RankZeroFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return int(os.environ.get("RANK", "0")) == 0 or record.levelno >= logging.WARNING


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name if name.startswith("omni") else f"omni.{name}")
    root = logging.getLogger("omni")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s] %(message)s", "%H:%M:%S"))
        handler.addFilter(_RankZeroFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
    return logger


class quiet_transformers:
    """Silence transformers' load report for one block: a CLIP vision tower read from a full CLIP folder lists every
    text-tower weight as 'unexpected', which is correct and not worth a screenful."""

    def __enter__(self) -> quiet_transformers:
        from transformers.utils import logging as hf_logging

        self._level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        return self

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(self._level)
