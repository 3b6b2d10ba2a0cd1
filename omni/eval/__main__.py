"""`python -m omni.eval --list`: the registered benchmarks, their files and whether they are present."""

from __future__ import annotations

import argparse

from omni.eval.benchmarks import default_eval_root, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Omni evaluation")
    parser.add_argument("--list", action="store_true", help="list the registered benchmarks")
    parser.add_argument("--eval_root", default=None, help=f"default: $OMNI_EVAL_ROOT or {default_eval_root()}")
    args = parser.parse_args(argv)
    if not args.list:
        parser.error("nothing to do: --list (the runner is still to come)")
    print(table(args.eval_root))


if __name__ == "__main__":
    main()
