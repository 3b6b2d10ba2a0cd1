"""Assemble seeds 1 and 2's chain into recipe-shaped folders (work_dirs/toy-seedN) that report_toy and the slow tests
read: joint stage I (session 20), stage II at 1e-4 (session 21) and stage III with the pairs at 1e-4 (sessions 21-22),
each a separate one-process run; every stage's evaluations merged into <stage>/eval/eval.json, the rest linked.
Run from the repository root, as it was in session 22."""

import json
from pathlib import Path

SOURCES = {"stage1_joint": "work_dirs/session19/joint/s{seed}-t2",
           "stage2_igpt": "work_dirs/session21/probe/s{seed}-II-lr1e-4",
           "stage3_sft": "work_dirs/session21/probe/s{seed}-IIlr-III-pairs-lr"}
# each source's evaluations, merged in this order (a later one's figures win: eval_chats re-ran the chats with
# chat_like_attached_*, the same chat figures otherwise)
EVALS = ("eval", "eval_rest", "eval_chats")


def assemble(seed: int) -> None:
    run = Path(f"work_dirs/toy-seed{seed}")
    times: dict[str, int] = {}
    for stage, pattern in SOURCES.items():
        source, target = Path(pattern.format(seed=seed)).resolve(), run / stage
        (target / "eval").mkdir(parents=True, exist_ok=True)
        for path in source.iterdir():
            if not path.name.startswith("eval") and not (target / path.name).exists():
                (target / path.name).symlink_to(path)
        merged: dict = {"tasks": [], "seconds": 0.0}
        for name in EVALS:
            found = source / name / "eval" / "eval.json"
            if not found.exists():
                continue
            result = json.loads(found.read_text())
            tasks = [*merged["tasks"], *(t for t in result["tasks"] if t not in merged["tasks"])]
            seconds = merged["seconds"] + (result["seconds"] if len(tasks) > len(merged["tasks"]) else 0)
            merged.update(result)
            merged["tasks"], merged["seconds"] = tasks, round(seconds, 1)
            for path in found.parent.iterdir():
                if path.name != "eval.json" and not (target / "eval" / path.name).exists():
                    (target / "eval" / path.name).symlink_to(path)
        (target / "eval" / "eval.json").write_text(json.dumps(merged, indent=1))
        recorded = json.loads((source / "recipe.json").read_text())
        times.update({f"{stage} ({step})": seconds for step, seconds in recorded.get("times", {}).items()})
    record = json.loads((Path(SOURCES["stage3_sft"].format(seed=seed)) / "recipe.json").read_text())
    record.update(times=times, note="assembled from separate one-process runs (global batch 16): stage1_joint "
                                    "(session 20), stage II at 1e-4 (session 21), stage III with the pairs at 1e-4 "
                                    "(sessions 21-22)")
    (run / "recipe.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    for seed in (1, 2):
        assemble(seed)
