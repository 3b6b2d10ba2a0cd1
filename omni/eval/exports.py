"""Prediction files in the formats the benchmarks' servers and graders take."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from omni.eval.mmbench import extract_choice
from omni.eval.prompts import Request
from omni.eval.readers import OPTION_LETTERS


def export(benchmark: str, task: str, requests: list[Request], predictions: list[str], out: Path) -> list[Path]:
    written = []
    if task == "vqa":  # the EvalAI format: [{question_id, answer}]
        path = out / f"{benchmark}_answers.json"
        rows = [{"question_id": int(r.item.id) if r.item.id.isdigit() else r.item.id, "answer": p}
                for r, p in zip(requests, predictions)]
        path.write_text(json.dumps(rows))
        written.append(path)
    if task == "mmvet":  # MM-Vet's grader reads {id: answer}
        path = out / "mmvet_results.json"
        path.write_text(json.dumps({r.item.id: p for r, p in zip(requests, predictions)}, indent=1))
        written.append(path)
    if task == "mmbench":  # the server's sheet: the TSV's columns plus `prediction` (the unrotated pass's letter)
        rows = []
        for request, prediction in zip(requests, predictions):
            if request.circular.rotation:
                continue
            item = request.item
            row = {"index": item.id, "question": item.question, "hint": item.meta.get("hint", "")}
            row.update({k: item.meta["options"].get(k, "") for k in OPTION_LETTERS[:4]})
            row.update({"answer": item.answers[0] if item.answers else "", "category": item.meta.get("category", ""),
                        "prediction": extract_choice(prediction, request.circular.options) or prediction})
            rows.append(row)
        path = out / "mmbench_submission.tsv"
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
        try:  # the server takes .xlsx; written when pandas and openpyxl are installed
            import pandas

            xlsx = out / "mmbench_submission.xlsx"
            pandas.DataFrame(rows).to_excel(xlsx, index=False)
            written.append(xlsx)
        except ImportError:
            pass
    return written
