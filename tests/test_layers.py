"""The layout mirrors the architecture and lower layers never import higher ones: data ← models ← (train, eval), with
shared helpers (utils, config, constants) below all of them and no framework module importing a project. Every
`import` counts, also those inside functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "omni"
# what each package may import from omni (besides itself)
ALLOWED = {
    "constants": set(),
    "utils": {"constants"},
    "config": {"constants", "utils"},
    "data": {"constants", "utils", "config"},
    "models": {"constants", "utils", "config", "data"},
    "zoo": {"constants", "utils", "config", "data", "models"},
    "train": {"constants", "utils", "config", "data", "models"},
    "eval": {"constants", "utils", "config", "data", "models", "zoo"},
}


def imported_packages(path: Path) -> set[str]:
    packages = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "projects":
                packages.add("projects")
            elif parts[0] == "omni" and len(parts) > 1:
                packages.add(parts[1])
    return packages


def test_lower_layers_never_import_higher_ones():
    violations = []
    for layer, allowed in ALLOWED.items():
        files = [ROOT / f"{layer}.py"] if (ROOT / f"{layer}.py").exists() else sorted((ROOT / layer).rglob("*.py"))
        for path in files:
            for package in imported_packages(path) - allowed - {layer}:
                violations.append(f"{path.relative_to(ROOT.parent)} imports omni.{package}"
                                  if package != "projects" else f"{path.relative_to(ROOT.parent)} imports projects")
    assert not violations, "\n".join(violations)
