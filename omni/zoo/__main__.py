"""`python -m omni.zoo build toy [--out zoo/toy] [--data_root data] [--scale full|tiny] [--with siglip]
[--only llama siglip]`: train the toy zoo (or some of it)."""

from __future__ import annotations

import argparse
import json


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m omni.zoo", description="Build a model zoo")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("zoo", choices=["toy"])
    parser.add_argument("--out", default="zoo/toy")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--scale", choices=["full", "tiny"], default="full",
                        help="full: the recipe's zoo (minutes); tiny: random-quality stand-ins for tests (seconds)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--with", dest="optional", nargs="*", default=[], choices=["siglip"],
                        help="optional components as well (siglip: xGen-MM's encoder)")
    parser.add_argument("--only", nargs="+", default=None, metavar="COMPONENT",
                        help="just these components (and what they are trained on), e.g. --only llama siglip")
    args = parser.parse_args(argv)
    from omni.zoo.toy.build import build_toy_zoo

    summary = build_toy_zoo(args.out, args.data_root, args.scale, args.seed, args.workers, optional=tuple(args.optional),
                            only=tuple(args.only) if args.only else None)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
