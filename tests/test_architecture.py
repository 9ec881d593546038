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


# -- import cycles ---------------------------------------------------------------------------


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The project modules a file imports when it runs, at the top or inside functions:
    `import a.b` and `from a import b` (module a, and a.b when b is a module), relative ones
    resolved. Imports under `if TYPE_CHECKING:` never run, so they are left out."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            if base in known:
                found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    found.discard(name)
    return found


def _runtime_nodes(tree: ast.AST):
    """ast.walk, skipping the bodies of `if TYPE_CHECKING:` (type checkers' imports)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative): each is a set of modules that import one another, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_module_imports_a_module_that_imports_it_back():
    paths = {module_name(p): p for package in PACKAGES for p in modules(package)}
    graph = {name: project_imports(path, set(paths)) for name, path in paths.items()}
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import f\n",
        "pkg/b.py": "def f():\n    from . import a\n",  # the way back, inside a function
        "pkg/c.py": "import pkg.a\n",  # imports the cycle, is not part of it
        "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.c\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text)
    paths = {module_name(tmp_path / rel, tmp_path): tmp_path / rel for rel in files}
    graph = {name: project_imports(path, set(paths), tmp_path) for name, path in paths.items()}
    assert graph["pkg.b"] == {"pkg", "pkg.a"}
    assert graph["pkg.d"] == set()  # for type checkers only: never runs
    assert import_cycles(graph) == [["pkg.a", "pkg.b"]]
    del graph["pkg.b"]
    assert import_cycles(graph) == []


# -- asserts ---------------------------------------------------------------------------------


def test_no_assert_statements_in_the_packages():
    """`python -O` drops asserts: validation raises an error (a UserError for what a user
    can fix), never asserts."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in PACKAGES
        for path in modules(package)
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert not found, "assert statements (gone under python -O):\n" + "\n".join(found)


# -- module size -----------------------------------------------------------------------------

#: Habit 6 of the developers' guide: modules of 150-500 lines, named for what they own.
MAX_MODULE_LINES = 500


def test_no_module_is_longer_than_the_guide_allows():
    """A module past 500 lines owns more than one thing: split it by job (as tools/bench_*.py
    and sim/_runtime_*.py do). Database migrations are generated history, not counted."""
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for package in PACKAGES
        for path in modules(package)
        if "migrations" not in path.parts
        and (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(long)
