"""`python -m omni.data list`: the registered datasets, their type, size, location and whether the files are here."""

from __future__ import annotations

import argparse

from omni.data.constants import DataManager


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Omni dataset registry")
    parser.add_argument("command", choices=["list"])
    parser.add_argument("--data_root", default=None)
    parser.add_argument("--registry", action="append", default=[], metavar="FILE",
                        help="also register the datasets in this YAML/JSON file (repeatable)")
    args = parser.parse_args(argv)
    for path in args.registry:
        DataManager.register_file(path, overwrite=True)
    print(DataManager.table(args.data_root))


if __name__ == "__main__":
    main()
