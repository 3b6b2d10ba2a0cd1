"""The dataset registry: a table of `DatasetInfo`s by name, extendable from user code, printable as a table."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from omni.data.dataset_info import DatasetInfo, HFDatasetInfo, JsonDatasetInfo, info_from_dict, parse_size


class DataRegistry:
    def __init__(self, name: str):
        self.name = name
        self._infos: dict[str, DatasetInfo] = {}
        self._pending: list[Path] = []  # registry files read on first use (never at import)

    def register_files_lazily(self, paths: Iterable[str | Path]) -> None:
        """Registry files (or folders of `*.yaml`/`*.json` files) to read the first time a name is looked up: the
        public datasets' entries cost nothing until a run or `python -m omni.data list` asks for them."""
        self._pending += [Path(p) for p in paths]

    def _load_pending(self) -> None:
        pending, self._pending = self._pending, []
        for path in pending:
            files = sorted(f for f in path.iterdir() if f.suffix in (".yaml", ".yml", ".json")) if path.is_dir() else [path]
            for file in files:
                if file.is_file():
                    self.register_file(file, overwrite=True)

    def register(self, infos: DatasetInfo | Iterable[DatasetInfo], overwrite: bool = False) -> None:
        for info in [infos] if isinstance(infos, DatasetInfo) else infos:
            if info.name in self._infos and not overwrite:
                raise ValueError(f"{self.name}: dataset '{info.name}' is already registered (pass overwrite=True)")
            self._infos[info.name] = info

    def register_file(self, path: str | Path, overwrite: bool = False) -> list[str]:
        """Register the datasets listed in a YAML or JSON file (a list of entries, or `{datasets: [...]}`; each entry
        `{format: webdataset|json|hf, name, dataset_type, approx_size, ...}`); returns their names."""
        from omegaconf import OmegaConf

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{self.name}: dataset registry file {path} not found")
        content = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
        entries = content.get("datasets") if isinstance(content, dict) else content
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected a list of dataset entries (or {{datasets: [...]}})")
        infos = []
        for entry in entries:
            try:
                infos.append(info_from_dict(entry))
            except ValueError as error:
                raise ValueError(f"{path}: {error}") from None
        self.register(infos, overwrite=overwrite)
        return [info.name for info in infos]

    def get(self, name: str) -> DatasetInfo:
        self._load_pending()
        if name not in self._infos:
            close = difflib.get_close_matches(name, list(self._infos), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise KeyError(f"{self.name}: no dataset named '{name}'.{hint} Registered: {sorted(self._infos)}")
        return self._infos[name]

    def build(self, names: list[str], weights: list[float] | None = None, data_root: str | Path | None = None,
              transform: Any = None, seed: int = 0, shuffle_buffer: int = 1000, group_size: int = 1,
              sizes: list[str | int] | None = None) -> Any:
        """One stream per dataset (its reader chosen by its type), mixed by `weights` when there are several, in runs
        of `group_size` consecutive samples from one dataset (the batch size: batches of one source).

        `sizes` ("10M", "20M", …: samples of each dataset per epoch of the mixture) is the other way to say the same
        thing: the weights are the sizes. MM1's 45:45:10 caption:interleaved:text mixture is `weights=[45, 45, 10]`."""
        from omni.data.datasets import HFDataset, JsonConversationDataset, TypedWebDataset
        from omni.data.mixture import MixtureDataset

        if not names:
            raise ValueError("no datasets given")
        if sizes is not None:
            if weights is not None:
                raise ValueError("give mixture weights or sizes, not both")
            if len(sizes) != len(names):
                raise ValueError(f"{len(names)} datasets but {len(sizes)} sizes")
            weights = [float(parse_size(size)) for size in sizes]
        streams = []
        for i, info in enumerate(self.get(name) for name in names):
            if isinstance(info, JsonDatasetInfo):
                streams.append(JsonConversationDataset(info, data_root, transform, seed + i))
            elif isinstance(info, HFDatasetInfo):
                streams.append(HFDataset(info, data_root, transform, seed + i))
            else:
                streams.append(TypedWebDataset(info.shard_urls(data_root), info.dataset_type, transform, seed + i,
                                               shuffle_buffer, info.name))
        if len(streams) == 1:
            return streams[0]
        return MixtureDataset(streams, weights or [1.0] * len(streams), seed, group_size)

    def names(self) -> list[str]:
        self._load_pending()
        return list(self._infos)

    def table(self, data_root: str | Path | None = None) -> str:
        self._load_pending()
        rows = [("name", "type", "size", "present", "location")]
        for info in self._infos.values():
            rows.append((info.name, info.dataset_type.value, info.approx_size,
                         "yes" if info.is_present(data_root) else "no", str(info.location(data_root))))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
