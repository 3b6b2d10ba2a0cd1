"""Image–caption pairs → webdataset shards (and `shards.json`), from an image folder with a `.txt` caption beside each
image, or from a CSV of image paths (relative to the CSV) and captions.

  python scripts/data/pairs_to_shards.py --source images/ --out data/my_pairs
  python scripts/data/pairs_to_shards.py --source captions.csv --image_column file --caption_column text --out data/my_pairs
  python scripts/data/pairs_to_shards.py --source captions.csv --validate

Pairs with a missing caption, a missing or undecodable image are skipped; every problem is printed; exit status 1 if
there were any. Then register it: WebDatasetInfo(..., dataset_type=DatasetType.ImageTextPair,
shard_list_path="my_pairs/shards.json").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omni.data.converters import pairs_to_shards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, type=Path, help="an image folder or a CSV file")
    parser.add_argument("--out", type=Path, help="output folder (not needed with --validate)")
    parser.add_argument("--shard_size", type=int, default=1000)
    parser.add_argument("--image_column", default="image")
    parser.add_argument("--caption_column", default="caption")
    parser.add_argument("--validate", action="store_true", help="check everything, write nothing")
    args = parser.parse_args(argv)
    if not args.validate and args.out is None:
        parser.error("give --out, or --validate to only check")
    report = pairs_to_shards(args.source, None if args.validate else args.out, args.shard_size, args.caption_column,
                             args.image_column)
    for problem in report.problems:
        print(problem)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
