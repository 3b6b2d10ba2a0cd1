"""lmms-eval runs its own task machinery on an Omni model through the `omni` entry point: a local task (JSON data,
images on disk) with a generation metric and a loglikelihood (multiple-choice) metric, on a tiny DreamLLM.

Needs the `lmms` extra (`pip install -e ".[lmms]"`, without torchvision: see docs/eval.md); skipped otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from omni.data.toyworld import render, sample_scene

pytest.importorskip("lmms_eval", reason="the lmms extra is not installed")


def test_lmms_eval_runs_a_local_task_on_omni(tmp_path, tiny_model, toy_tokenizer):
    tiny_model.save_pretrained(tmp_path / "model")
    toy_tokenizer.save_pretrained(tmp_path / "model")
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    docs = []
    for i in range(4):
        scene = sample_scene(9, i)
        render(scene).save(tasks / f"{i}.png")
        docs.append({"id": i, "image": str(tasks / f"{i}.png"), "question": "What color is the shape?", "answer": scene.color})
    (tasks / "toy.json").write_text(json.dumps(docs))
    (tasks / "utils.py").write_text(textwrap.dedent("""
        from PIL import Image

        def doc_to_visual(doc):
            return [Image.open(doc["image"]).convert("RGB")]

        def doc_to_text(doc, lmms_eval_specific_kwargs=None):
            return doc["question"] + "\\nAnswer the question using a single word or phrase."

        def process_results(doc, results):
            return {"exact_match": float(results[0].strip().lower() == doc["answer"])}
        """))
    common = f"""
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: {tasks / 'toy.json'}
        test_split: test
        doc_to_visual: !function utils.doc_to_visual
        doc_to_text: !function utils.doc_to_text
        doc_to_target: answer
        """
    (tasks / "toy_colour.yaml").write_text(textwrap.dedent(common) + textwrap.dedent("""
        task: toy_colour
        output_type: generate_until
        generation_kwargs:
          max_new_tokens: 4
          until: ["\\n"]
        process_results: !function utils.process_results
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
        """))
    (tasks / "toy_colour_choice.yaml").write_text(textwrap.dedent(common) + textwrap.dedent("""
        task: toy_colour_choice
        output_type: multiple_choice
        doc_to_choice: ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
        doc_to_target: !function utils.target_index
        metric_list:
          - metric: acc
        """))
    with (tasks / "utils.py").open("a") as f:
        f.write(textwrap.dedent("""
            COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]

            def target_index(doc):
                return COLORS.index(doc["answer"]) if doc["answer"] in COLORS else 0
            """))
    cli = shutil.which("lmms-eval", path=str(Path(sys.executable).parent)) or "lmms-eval"
    command = [cli, "eval", "--model", "omni", "--model_args", f"pretrained={tmp_path / 'model'}",
               "--tasks", "toy_colour,toy_colour_choice", "--include_path", str(tasks), "--batch_size", "2",
               "--output_path", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = list((tmp_path / "out").rglob("*results.json"))
    assert found, result.stdout[-2000:]
    results = json.loads(found[0].read_text())["results"]
    assert 0.0 <= results["toy_colour"]["exact_match,none"] <= 1.0
    assert 0.0 <= results["toy_colour_choice"]["acc,none"] <= 1.0
