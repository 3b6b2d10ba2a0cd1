"""Lazy configs: LazyCall/instantiate, config files with relative imports, hydra-grammar overrides and their errors."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from omegaconf import OmegaConf

from omni.config import ConfigKeyError, LazyCall, LazyConfig, LazyLaunch, apply_overrides, instantiate, to_dataclass
from omni.config.launch import structured_config


@dataclass
class Point:
    x: int = 0
    y: int = 0


def make_pair(a, b=None):
    return (a, b)


def test_lazycall_records_and_instantiates_nested():
    config = LazyCall(make_pair)(a=LazyCall(Point)(x=1, y=2), b=[LazyCall(Point)(x=3)])
    assert config._target_ == f"{__name__}.make_pair"  # a dotted path: the config stays serialisable
    a, b = instantiate(config)
    assert a == Point(1, 2) and b == [Point(3, 0)]


def test_instantiate_reports_the_failing_call():
    with pytest.raises(TypeError, match="Point"):
        instantiate(LazyCall(Point)(z=1))


def _write(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_config_files_import_siblings_and_loads_are_isolated(tmp_path):
    _write(tmp_path, {
        "configs/__init__.py": "",
        "configs/common.py": """
            from tests.test_config import Point
            from omni.config import LazyCall as L
            model = L(Point)(x=1, y=2)
            training = dict(lr=1e-3, steps=10)
        """,
        "configs/toy/__init__.py": "",
        "configs/toy/stage1.py": """
            from ..common import model, training
            model.x = 5
            training["lr"] = 2e-3
        """,
        "configs/toy/stage2.py": """
            from ..common import model, training
        """,
    })
    stage1 = LazyConfig.load(tmp_path / "configs/toy/stage1.py")
    assert instantiate(stage1.model) == Point(5, 2) and stage1.training.lr == 2e-3
    stage2 = LazyConfig.load(tmp_path / "configs/toy/stage2.py")  # stage1's edits must not leak
    assert instantiate(stage2.model) == Point(1, 2) and stage2.training.lr == 1e-3


def test_save_and_reload_round_trip(tmp_path):
    config = OmegaConf.create({"model": dict(LazyCall(Point)(x=3)), "training": {"lr": 0.5, "tags": ["a", "b"]}})
    LazyConfig.save(config, tmp_path / "config.yaml")
    again = LazyConfig.load(tmp_path / "config.yaml")
    assert instantiate(again.model) == Point(3, 0) and list(again.training.tags) == ["a", "b"]


@pytest.fixture()
def tree():
    return OmegaConf.create({"training": {"learning_rate": 1e-3, "name": "x", "layers": [1, 2]}, "model": {"depth": 2}})


def test_overrides_cover_the_grammar(tree):
    apply_overrides(tree, ["training.learning_rate=2e-3", "training.name='text with spaces'", "training.layers=[3,4,5]",
                           "+model.width=64", "~model.depth", "++training.extra=true"])
    assert tree.training.learning_rate == 2e-3 and tree.training.name == "text with spaces"
    assert list(tree.training.layers) == [3, 4, 5] and tree.model.width == 64 and "depth" not in tree.model
    assert tree.training.extra is True


def test_unknown_key_names_the_closest(tree):
    with pytest.raises(ConfigKeyError, match="Did you mean 'training.learning_rate'"):
        apply_overrides(tree, ["training.learning_rte=1"])


@pytest.mark.parametrize("override, error, match", [
    ("+training.name=y", ConfigKeyError, "already exists"),
    ("~training.nope", ConfigKeyError, "unknown config key"),
    ("training.learning_rate=1,2", ValueError, "sweep"),
    ("training.learning_rate=[1", ValueError, "malformed"),
])
def test_override_errors(tree, override, error, match):
    with pytest.raises(error, match=match):
        apply_overrides(tree, [override])


@dataclass
class Inner:
    lr: float = 0.1
    tags: list[str] = field(default_factory=list)
    weights: Optional[list[float]] = None


@dataclass
class Outer:
    training: Inner = field(default_factory=Inner)
    model: Any = None
    name: Optional[str] = None


def test_to_dataclass_types_and_rejects_unknown_keys():
    args = to_dataclass(Outer, OmegaConf.create({"training": {"lr": 2, "tags": ["a"]}, "model": {"_target_": "x"}}))
    assert isinstance(args.training, Inner) and args.training.lr == 2.0 and args.model == {"_target_": "x"}
    with pytest.raises(ConfigKeyError, match="Did you mean 'training.lr'"):
        to_dataclass(Outer, OmegaConf.create({"training": {"lrr": 2}}))
    structured = structured_config(Outer, OmegaConf.create({}))  # an optional list left at None
    with pytest.raises(ConfigKeyError, match="Did you mean 'training.weights'"):
        apply_overrides(structured, ["training.weight=[1,2]"])
    assert list(apply_overrides(structured, ["training.weights=[1,2]"]).training.weights) == [1.0, 2.0]
    with pytest.raises(Exception, match="lr"):
        to_dataclass(Outer, OmegaConf.create({"training": {"lr": "fast"}}))


@dataclass
class LaunchTraining:
    lr: float = 0.0
    tags: list[str] = field(default_factory=list)
    output_dir: Optional[str] = None


@dataclass
class LaunchArgs:
    training: LaunchTraining = field(default_factory=LaunchTraining)
    name: Optional[str] = None


def test_lazylaunch_saves_config_and_profiles(tmp_path):
    out = tmp_path / "run"
    _write(tmp_path, {"cfg.py": """
        training = dict(lr=0.1, tags=[])
        name = "run"
    """})
    seen = {}

    def main(args):
        seen["args"] = args
        return 7

    launch = LazyLaunch(main, LaunchArgs, argv=["--config_file", str(tmp_path / "cfg.py"), "--profile", "pyinstrument",
                                                "training.lr=0.5", f"training.output_dir='{out}'"])
    assert launch.result == 7 and seen["args"].training.lr == 0.5
    assert (out / "config.yaml").exists() and (out / "profile_rank0.html").stat().st_size > 1000
    with pytest.raises(SystemExit, match="Did you mean 'training.lr'"):
        LazyLaunch(main, LaunchArgs, argv=["--config_file", str(tmp_path / "cfg.py"), "training.lrr=0.5"])
    with pytest.raises(SystemExit, match="lr"):  # overrides are type-checked against the dataclass
        LazyLaunch(main, LaunchArgs, argv=["--config_file", str(tmp_path / "cfg.py"), "training.lr=fast"])


def test_a_lazycall_accepts_its_targets_parameters():
    """`b` is make_pair's parameter, left at its default by the config: settable without `+`; a typo still is not."""
    config = OmegaConf.create({"pair": dict(LazyCall(make_pair)(a=1))}, flags={"allow_objects": True})
    apply_overrides(config, ["pair.b=2"])
    assert instantiate(config.pair) == (1, 2)
    with pytest.raises(ConfigKeyError, match="unknown config key 'pair.c'"):
        apply_overrides(config, ["pair.c=3"])
