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

from omni.data.converters import add_output_arguments, output_folder, pairs_to_shards, print_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, type=Path, help="an image folder or a CSV file")
    parser.add_argument("--image_column", default="image")
    parser.add_argument("--caption_column", default="caption")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    out = output_folder(parser, args)
    return print_report(pairs_to_shards(args.source, out, args.shard_size, args.caption_column, args.image_column))


if __name__ == "__main__":
    sys.exit(main())
