"""Validate a LLaVA-style instruction JSON against its image folder and report every problem found.

  python scripts/data/validate_llava.py --json data/llava/llava_v1_5_mix665k.json --image_root data/llava/images

Checks each entry: a non-empty `conversations` list of {from: human|gpt, value: str} turns, `<image>` placeholders
matching the listed images, every image present and decodable. Exit status 1 if any entry is bad.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from omni.data.datasets.json_conversations import parse_entry


def validate(json_path: Path, image_root: Path, limit: int | None = None) -> tuple[int, list[str]]:
    try:
        entries = json.loads(json_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        return 0, [f"{json_path}: cannot be read as JSON ({error})"]
    if not isinstance(entries, list):
        return 0, [f"{json_path}: expected a list of samples, found {type(entries).__name__}"]
    problems = []
    for index, entry in enumerate(entries[:limit] if limit else entries):
        try:
            parse_entry(entry, image_root)
        except (ValueError, OSError) as error:
            problems.append(f"entry {index}: {error}")
    return len(entries), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", required=True, type=Path)
    parser.add_argument("--image_root", required=True, type=Path)
    parser.add_argument("--limit", type=int, default=None, help="check only the first N entries")
    args = parser.parse_args(argv)
    total, problems = validate(args.json, args.image_root, args.limit)
    for problem in problems:
        print(problem)
    kinds = Counter(p.split(": ", 2)[-1].split(" ")[0] for p in problems)
    print(f"{total} entries, {len(problems)} with problems" + (f" ({dict(kinds)})" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
