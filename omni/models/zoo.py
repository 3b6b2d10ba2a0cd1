"""The model zoo: a table from hub names to local directories, so that weights never come from the network.

Researchers keep their checkpoints wherever their cluster puts them; configs name models by their hub id
(`lmsys/vicuna-7b-v1.1`) and this table says where that id lives on this machine. Entries come from
`register_model`, or from a JSON file named by `$OMNI_MODEL_ZOO` (`{"hub/name": "/local/dir", ...}`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MODEL_ZOO: dict[str, str] = {}


def register_model(name: str, path: str | os.PathLike) -> None:
    MODEL_ZOO[name] = str(path)


def _zoo_file_entries() -> dict[str, str]:
    zoo_file = os.environ.get("OMNI_MODEL_ZOO")
    if not zoo_file:
        return {}
    path = Path(zoo_file)
    if not path.is_file():
        raise FileNotFoundError(f"$OMNI_MODEL_ZOO points to {zoo_file}, which does not exist")
    # keys starting with "_" are comments (configs/model_zoo.example.json has one)
    return {str(k): str(v) for k, v in json.loads(path.read_text()).items() if not str(k).startswith("_")}


def resolve_model_path(name_or_path: str | os.PathLike) -> Path:
    """A local directory for `name_or_path`: the path itself if it exists, else the zoo's entry for that name."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        return candidate
    table = {**_zoo_file_entries(), **MODEL_ZOO}
    name = str(name_or_path)
    if name in table:
        local = Path(table[name]).expanduser()
        if not local.is_dir():
            raise FileNotFoundError(f"model zoo entry '{name}' points to {local}, which is not a directory")
        return local
    raise FileNotFoundError(
        f"'{name}' is neither a local directory nor a model zoo entry. Download it yourself and register it with "
        f"omni.models.zoo.register_model('{name}', '/path/to/dir') or in the JSON file named by $OMNI_MODEL_ZOO; "
        "Omni never downloads weights."
    )


def locate(name_or_path: str | os.PathLike) -> Path | None:
    """Where `name_or_path` resolves (`resolve_model_path`), or None when it does not: for checks that list every
    missing folder at once instead of failing on the first."""
    try:
        return resolve_model_path(name_or_path)
    except (FileNotFoundError, OSError, ValueError):
        return None


def backbone_names(config) -> list[tuple[str, str | None]]:
    """(what, hub id or path) of every pretrained part a model config loads: its LLM and each plugin's backbone
    (None: built from its config, nothing to load)."""
    wanted = [("LLM", getattr(config, "llm_name_or_path", None))]
    return wanted + [(f"plugin {name}", spec.get("model_name_or_path")) for name, spec in (config.plugins or {}).items()]
