"""MMC4/OBELICS-style JSONL + image folder → interleaved webdataset shards (and `shards.json`).

  python scripts/data/mmc4_to_shards.py --jsonl docs.jsonl --image_root images/ --out data/my_docs [--shard_size 1000]
  python scripts/data/mmc4_to_shards.py --jsonl docs.jsonl --image_root images/ --validate

Each line: {"text_list": [...], "image_info": [{"image_name": "a.jpg", "matched_text_index": 0}, ...], ...}.
Missing or undecodable images are dropped from their document (`--strict`: the document is skipped); lines that
are not JSON, have no text or no image left are skipped. Every problem is printed; exit status 1 if there were any.
Then register it: WebDatasetInfo(..., dataset_type=DatasetType.InterleavedImageText,
shard_list_path="my_docs/shards.json").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omni.data.converters import add_output_arguments, mmc4_to_shards, output_folder, print_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jsonl", required=True, type=Path)
    parser.add_argument("--image_root", required=True, type=Path)
    parser.add_argument("--strict", action="store_true", help="skip a document with any bad image")
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    out = output_folder(parser, args)
    return print_report(mmc4_to_shards(args.jsonl, args.image_root, out, args.shard_size, args.strict))


if __name__ == "__main__":
    sys.exit(main())
