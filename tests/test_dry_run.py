"""`--dry_run` checks a job in seconds with nothing downloaded: every paper-size config resolves, builds on the meta
device, plans its memory per GPU and lists exactly what is missing (exit status 2); a toy run whose files are all
present is ready (status 0); a trainable pattern that matches nothing is a config error (status 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omni.config import LazyLaunch
from omni.train.arguments import Arguments
from omni.train.dry_run import dry_run
from omni.train.run import train

_LLMS = {"dreamllm": "lmsys/vicuna-7b-v1.1", "llava": "lmsys/vicuna-7b-v1.5", "mm1": "openlm-research/open_llama_3b_v2",
         "xgen_mm": "microsoft/Phi-3-mini-4k-instruct"}
_WORLDS = {"dreamllm": 8, "llava": 8, "mm1": 64, "xgen_mm": 16}  # a world size each paper's batches divide
PAPER_CONFIGS = {str(path): (_LLMS[path.parts[1]], _WORLDS[path.parts[1]])
                 for project in _LLMS for path in sorted(Path("projects", project, "configs", "paper").glob("stage*.py"))}
PAPER_CONFIGS.update({  # the paper-size entry points (omni summary) are stages of those recipes
    "projects/dreamllm/configs/dreamllm_7b.py": (_LLMS["dreamllm"], 8),
    "projects/llava/configs/llava15_7b.py": (_LLMS["llava"], 8),
    "projects/mm1/configs/mm1_3b.py": (_LLMS["mm1"], 64),
    "projects/xgen_mm/configs/xgen_mm_phi3.py": (_LLMS["xgen_mm"], 16),
})


def launch(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        LazyLaunch(train, Arguments, dry_run, argv=list(argv))
    return exit_.value.code


@pytest.mark.parametrize("config_file", sorted(PAPER_CONFIGS))
def test_every_paper_config_plans_and_lists_what_is_missing(config_file, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("OMNI_DATA_ROOT", str(tmp_path))
    llm, world = PAPER_CONFIGS[config_file]
    assert launch("--config_file", config_file, "--dry_run", "--world_size", str(world)) == 2
    report = capsys.readouterr().out
    assert f"on {world} GPU(s)" in report and "## Memory per GPU" in report and "**total:" in report
    assert f"weights of the LLM: {llm} is neither a local folder" in report
    data = report.split("## Data")[1].split("## Verdict")[0]
    verdict = report.split("## Verdict")[1]
    # every dataset a paper recipe names is registered (configs/datasets), only its files are absent
    assert "dataset " in verdict and "MISSING" in data and "NOT REGISTERED" not in data, data
    assert "schedule:" not in verdict, verdict  # the paper's global batch divides at this world size
    assert "## Model (meta device)" in report  # later stages are planned with model.expected_config


def test_a_toy_run_with_everything_present_is_ready(tiny_zoo, toy_data, capsys):
    zoo, _ = tiny_zoo
    status = launch("--config_file", "projects/llava/configs/toy/stage1_pretrain.py", "--dry_run",
                    f"model.config.zoo_dir='{zoo}'", f"model.tokenizer_name_or_path='{zoo}/llama'",
                    f"data.data_root='{toy_data}'")
    report = capsys.readouterr().out
    assert status == 0, report
    assert "everything is present" in report and "| toyworld_pairs | image_text_pair |" in report


def test_a_pattern_that_matches_nothing_fails_the_dry_run(capsys):
    with pytest.raises(SystemExit, match="matches no trainable parameter"):
        LazyLaunch(train, Arguments, dry_run, argv=["--config_file", "projects/llava/configs/llava15_7b.py",
                                                    "--dry_run", "training.trainable=['plugins.nothing.*']"])


def test_the_model_zoo_example_names_every_backbone_the_projects_use(monkeypatch, tmp_path):
    """configs/model_zoo.example.json lists each hub id a project config or preset names, and it is a valid
    $OMNI_MODEL_ZOO file (its comment key ignored)."""
    import json
    import re
    from pathlib import Path

    from omni.models.zoo import _zoo_file_entries

    root = Path(__file__).resolve().parents[1]
    example = root / "configs" / "model_zoo.example.json"
    named = set()
    for path in [*root.glob("projects/*/presets.py"), *root.glob("projects/*/configs/*.py"),
                 root / "omni/models/dreamllm/presets.py"]:
        named |= {m for m in re.findall(r'"([\w.-]+/[\w.-]+)"', path.read_text())
                  if not m.startswith(("work_dirs/", "zoo/"))}
    entries = json.loads(example.read_text())
    assert named and named <= set(entries), sorted(named - set(entries))
    monkeypatch.setenv("OMNI_MODEL_ZOO", str(example))
    assert "_comment" not in _zoo_file_entries() and set(_zoo_file_entries()) == named | (set(entries) - {"_comment"})
