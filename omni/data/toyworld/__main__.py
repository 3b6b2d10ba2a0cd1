"""`python -m omni.data.toyworld --out data/toyworld --num 20000 --seed 0`: generate the toy world.

`--kinds detail multi` writes only those datasets (the optional ones: detail canvases and two-picture questions) into
an existing world; with `--only_stale`, only those of them the world lacks or holds in an older revision (a recipe's
way to keep its datasets current without rewriting them every run)."""

from __future__ import annotations

import argparse
import time

from omni.data.toyworld.generate import MAKERS, generate, stale_kinds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the procedural toy world (webdataset shards + tokenizer).")
    parser.add_argument("--out", default="data/toyworld")
    parser.add_argument("--num", type=int, default=20000, help="training pairs (and VQA; half as many instructions, a "
                        "quarter as many interleaved stories)")
    parser.add_argument("--num_test", type=int, default=1000, help="test pairs (scaled the same way)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shard_size", type=int, default=1000)
    parser.add_argument("--image_size", type=int, default=64)
    parser.add_argument("--kinds", nargs="+", choices=sorted(MAKERS), default=None,
                        help="datasets to write (default: the default world, without detail and multi)")
    parser.add_argument("--only_stale", action="store_true",
                        help="with --kinds: write only those the world lacks or holds in an older revision")
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds) if args.kinds else None
    if args.only_stale:
        if not kinds:
            parser.error("--only_stale needs --kinds")
        kinds = tuple(stale_kinds(args.out, kinds))
        if not kinds:
            print(f"{args.out}: {' '.join(args.kinds)} up to date")
            return
        print(f"{args.out}: writing {' '.join(kinds)} (missing or an older revision)")
    start = time.time()
    generate(args.out, args.num, args.seed, args.shard_size, args.image_size, args.num_test, kinds=kinds)
    print(f"toy world written to {args.out} in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
