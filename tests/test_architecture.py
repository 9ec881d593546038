"""The import directions of the developers' guide, checked on the source (AST), so a
violation fails even if the offending import is inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "content", "drivers", "engine", "tools")
THIRD_PARTY = {"numpy", "panda3d", "direct", "serial", "cv2", "msgpack", "av"}

# What each package may import from the project and from third parties.
ALLOWED = {
    "sim": ({"sim"}, {"numpy", "msgpack"}),  # msgpack: the recording format
    "content": ({"content", "sim"}, {"numpy", "av"}),
    "drivers": ({"drivers", "sim"}, {"numpy", "serial", "cv2", "msgpack"}),
    "engine": (
        {"engine", "sim", "content", "drivers"},
        {"numpy", "panda3d", "direct", "cv2", "av", "msgpack"},
    ),
    "tools": (set(PACKAGES), THIRD_PARTY),
}
# Standard-library modules sim must not touch: it never reads a clock or does I/O to
# devices.
SIM_FORBIDDEN_STDLIB = {"time", "datetime", "threading", "socket", "random"}


def imports_of(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_the_guide_allows(package):
    own, third = ALLOWED[package]
    bad = []
    for path in modules(package):
        for name, line in imports_of(path):
            project = name in PACKAGES
            if (project and name not in own) or (name in THIRD_PARTY and name not in third):
                bad.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
            if package == "sim" and name in SIM_FORBIDDEN_STDLIB:
                bad.append(f"{path.relative_to(ROOT)}:{line}: sim must not use {name}")
    assert not bad, "\n".join(bad)


def test_the_checker_catches_a_violation(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from panda3d.core import Texture\n")
    assert imports_of(probe) == [("panda3d", 2)]
