"""GQA questions → one LLaVA-style JSON of one-turn conversations (the `gqa` entry of configs/datasets).

  python scripts/data/gqa_to_llava.py --questions gqa/train_all_questions/*.json --image_root data/gqa/images \
      --out data/gqa/train_all_questions_llava.json
  python scripts/data/gqa_to_llava.py --questions gqa/train_balanced_questions.json --image_root data/gqa/images --validate

Each question becomes `<image>\\nQUESTION\\nAnswer the question using a single word or phrase.` answered by its short
answer (LLaVA-1.5's format). Questions without an answer or whose image is absent are skipped; every problem is
printed; exit status 1 if there were any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omni.data.converters import gqa_to_conversations, print_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", required=True, nargs="+", type=Path, help="GQA question JSON files")
    parser.add_argument("--image_root", required=True, type=Path)
    parser.add_argument("--out", type=Path, help="the JSON file to write (not needed with --validate)")
    parser.add_argument("--validate", action="store_true", help="check everything, write nothing")
    parser.add_argument("--no_image_check", action="store_true", help="do not check that each image exists")
    args = parser.parse_args(argv)
    if not args.validate and args.out is None:
        parser.error("give --out, or --validate to only check")
    out = None if args.validate else args.out
    return print_report(gqa_to_conversations(args.questions, args.image_root, out, not args.no_image_check))


if __name__ == "__main__":
    sys.exit(main())
