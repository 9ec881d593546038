"""Reading a scenario pack's manifest safely, and typed, located access to what it holds.

Packs are untrusted data. This module owns the bounds on every count and size (the MAX_*
limits), reading `scenario.toml` bounded and never blocking, refusing keys nested deeply
enough to stall the TOML parser, path containment (`_inside`: media and guidebook paths may
not leave the pack, symlinks included), and `_Doc`, through which every value is read so
that each problem becomes one PackError naming the file, the line and the key path. Also
the field readers the tables share (`_Fields`, `_unknown_keys`, `_policy_links`).

The tables themselves are read in content/pack.py (the pack, `[meta]`, `[panorama]`),
content/_pack_segments.py, content/_pack_rubric.py and content/_pack_audio.py. Imports
content and sim only, never the modules that read the tables.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from content._locate import locate
from content.policies import MAX_REFS as MAX_POLICY_REFS
from content.policies import check_ref as check_policy_ref
from sim.errors import UserError
from sim.files import FileProblem, read_bounded

MANIFEST = "scenario.toml"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_KEY_PARTS = 64  # dotted parts of a key or table header (bounded before parsing)
MAX_GUIDEBOOK_BYTES = 256 * 1024
MAX_SEGMENTS = 500
MAX_TRANSITIONS = 32
MAX_ZONES = 64
MAX_CUES = 64
MAX_SOUNDS = 64  # a pack's own sounds
MAX_SEGMENT_SOUNDS = 64
MAX_VIEWS = 4  # alternate-view clips of one segment
MAX_SCREEN_CLIPS = 8  # a theater pack's clips one per screen, a segment
MAX_LIST = 2000
MAX_VERTICES = 64
MAX_TEXT = 2000
MAX_POINTS = 1000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class PackError(UserError, ValueError):
    """A broken pack; str() is one line naming the file, line and key path."""


class _Doc:
    """Typed access to the parsed manifest; every error names file, line and key path.

    When `problems` is a list (load_pack(collect=True), for lint), a bad optional value is
    recorded there and its default used, and `attempt` records an item's error and skips
    the item, so that one pass finds every problem; otherwise the first one raises."""

    problems: list[str] | None = None

    def __init__(self, file: Path, text: str):
        self.file = file
        self.text = text

    def fail(self, where: str, msg: str) -> PackError:
        line = locate(self.text, where) if where else None
        place = f"{self.file}:{line}" if line else str(self.file)
        return PackError(f"{place}: {where}: {msg}" if where else f"{place}: {msg}")

    def attempt(self, fn: Any, *args: Any, fallback: Any = None) -> Any:
        """fn(*args); when collecting, its PackError is recorded and `fallback` returned."""
        if self.problems is None:
            return fn(*args)
        try:
            return fn(*args)
        except PackError as exc:
            self.problems.append(str(exc))
            return fallback

    def get(self, table: dict, key: str, where: str, kind: type | tuple, default: Any = ...):
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                raise self.fail(path, "missing")
            return default
        value = table[key]
        problem = None
        if isinstance(value, bool) and kind is not bool:
            problem = f"expected {_kind_name(kind)}, got a boolean"
        elif not isinstance(value, kind):
            problem = f"expected {_kind_name(kind)}, got {type(value).__name__}"
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problem = f"text is over {MAX_TEXT} characters"
        elif isinstance(value, str) and (bad := _CONTROL.search(value)):
            problem = _control_problem(bad.group())
        elif isinstance(value, list) and len(value) > MAX_LIST:
            problem = f"list is over {MAX_LIST} entries"
        elif isinstance(value, float) and not math.isfinite(value):
            problem = "must be finite"
        if problem is not None:
            if self.problems is None or default is ...:
                raise self.fail(path, problem)
            self.problems.append(str(self.fail(path, problem)))
            return default
        if kind == NUM:
            value = float(value)
        return value

    def choice(self, table: dict, key: str, where: str, options: tuple, default: Any = ...):
        value = self.get(table, key, where, str, default)
        if value is not default and value not in options:
            err = self.fail(
                f"{where}.{key}" if where else key, f"{value!r} is not one of {', '.join(options)}"
            )
            if self.problems is None or default is ...:
                raise err
            self.problems.append(str(err))
            return default
        return value

    def strings(self, table: dict, key: str, where: str) -> tuple[str, ...]:
        items = self.get(table, key, where, list, [])
        for i, item in enumerate(items):
            if not isinstance(item, str) or len(item) > MAX_TEXT:
                raise self.fail(f"{where}.{key}[{i}]", "expected a short string")
            if bad := _CONTROL.search(item):
                raise self.fail(f"{where}.{key}[{i}]", _control_problem(bad.group()))
        return tuple(items)


#: Characters a pack's text may not hold: C0 and C1 controls but tab and newline. A title
#: with ESC sequences recoloured (or could rewrite) the terminal that `catalog` and `run`
#: print it to; a NUL broke Graphviz's input.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control_problem(char: str) -> str:
    name = "a NUL character" if char == "\0" else f"a control character (U+{ord(char):04X})"
    return f"{name} in the text (only tab and newline are allowed)"


NUM = (int, float)


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "a string",
        bool: "true or false",
        dict: "a table",
        list: "a list",
        int: "an integer",
        float: "a number",
    }
    if isinstance(kind, tuple):
        return "a number" if set(kind) == {int, float} else " or ".join(map(_kind_name, kind))
    return names.get(kind, kind.__name__)


def read_manifest(root: str | Path, text: str | None = None) -> tuple[_Doc, dict]:
    """Read and parse a pack's manifest, bounded; PackError on any problem. `text`, when
    given, stands for the file's contents (an unsaved draft), bounded the same way."""
    root = Path(root)
    manifest = root / MANIFEST
    if not root.is_dir():
        raise PackError(f"{root}: not a scenario pack folder")
    if text is None:
        raw = _manifest_bytes(root, manifest)
    else:
        raw = text.encode("utf-8", "surrogatepass")
        if len(raw) > MAX_MANIFEST_BYTES:
            raise PackError(f"{manifest}: over the {MAX_MANIFEST_BYTES} bytes limit")
    try:
        text = raw.decode("utf-8")
        _check_nesting(manifest, text)
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PackError(f"{manifest}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(exc)
        place = f"{manifest}:{line}" if line else str(manifest)
        raise PackError(f"{place}: TOML syntax: {exc}") from None
    except RecursionError:
        raise PackError(f"{manifest}: nested too deeply") from None
    return _Doc(manifest, text), data


class _Tracked(dict):
    """A manifest table that remembers which of its keys the loader looked at (read, or
    tested with `in`); iterating over it counts as looking at every key. What is never
    looked at is a key the loader does not know: a typo such as `poitns = 5`, which left
    a zone's points at 0 without a word (lint warns, `unread_keys`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: set[str] = set()

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self.seen.add(key)
        return super().__contains__(key)

    def _all(self) -> None:
        self.seen.update(super().keys())

    def __iter__(self):
        self._all()
        return super().__iter__()

    def keys(self):
        self._all()
        return super().keys()

    def items(self):
        self._all()
        return super().items()

    def values(self):
        self._all()
        return super().values()


def tracked(value: Any) -> Any:
    """The parsed manifest with every table a _Tracked."""
    if isinstance(value, dict):
        return _Tracked({k: tracked(v) for k, v in dict.items(value)})
    if isinstance(value, list):
        return [tracked(v) for v in value]
    return value


def unread_keys(value: Any, where: str = "") -> list[str]:
    """The key paths (as lint locates them: `segments.a.zones[0].poitns`) of every key
    of a tracked manifest that the loader never looked at."""
    out: list[str] = []
    if isinstance(value, _Tracked):
        for key, item in dict.items(value):
            path = f"{where}.{key}" if where else key
            if key not in value.seen:
                out.append(path)
            else:
                out += unread_keys(item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += unread_keys(item, f"{where}[{i}]")
    return out


def toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line of a TOML syntax error: Python 3.11's exception has no `lineno` (3.14's
    has), only its message '... (at line 360, column 5)'; lint --json gave line null."""
    line = getattr(exc, "lineno", None)
    if line is None and (m := re.search(r"\(at line (\d+), column \d+\)", str(exc))):
        line = int(m.group(1))
    return line


def _manifest_bytes(root: Path, manifest: Path) -> bytes:
    """The manifest's bytes: a regular file inside the pack, at most MAX_MANIFEST_BYTES,
    never blocking (a link to /dev/zero was read without end, a FIFO blocked forever, a
    folder was a traceback)."""
    try:
        inside = manifest.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        inside = False  # a loop of links, a NUL in the name: open_regular names it below
    if not inside and manifest.is_symlink():
        raise PackError(f"{manifest}: a link that leads outside the pack")
    try:
        return read_bounded(manifest, MAX_MANIFEST_BYTES)
    except FileProblem as exc:
        if str(exc) == "no such file":
            kind = "pack" if manifest.name == MANIFEST else "course"  # course.toml
            why = f"a {kind} folder needs a {manifest.name}"
            raise PackError(f"{manifest}: missing ({why})") from None
        if str(exc).startswith("over "):
            raise PackError(f"{manifest}: over the {MAX_MANIFEST_BYTES} bytes limit") from None
        raise PackError(f"{manifest}: cannot read ({exc})") from None


_NUMBER_DOT = re.compile(r"\d\.\d")


def _check_nesting(manifest: Path, text: str) -> None:
    """Refuse keys and table headers of more than MAX_KEY_PARTS dotted parts before
    parsing: tomllib takes quadratic time in them (50,000 parts: 10 s; a megabyte of them
    would hang it). Counts the dots of every line that could hold a key (a [header] or a
    line with '=', inline tables included), quoted ones too: real manifests use a handful,
    and a prose line in a multi-line string is counted only if it has an '='."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("[") and "=" not in line:
            continue
        if _NUMBER_DOT.sub("", line).count(".") > MAX_KEY_PARTS:  # 0.5: not a key's dot
            raise PackError(
                f"{manifest}:{lineno}: a key of more than {MAX_KEY_PARTS} dotted parts "
                f"(nested too deeply)"
            )


def _raise(exc: Exception) -> None:
    raise exc


def _inside(doc: _Doc, root: Path, rel_text: str, where: str, suffixes: tuple) -> Path:
    if "\0" in rel_text:  # os calls raise ValueError on it, not OSError
        raise doc.fail(where, "a NUL character in a path")
    rel = Path(rel_text)
    if rel.is_absolute() or ".." in rel.parts or rel_text.startswith("~"):
        raise doc.fail(where, f"{rel_text!r} must be a path inside the pack")
    if rel.suffix.lower() not in suffixes:
        raise doc.fail(where, f"{rel_text!r} must end in {', '.join(suffixes)}")
    try:
        resolved = (root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        raise doc.fail(where, f"{rel_text!r}: file not found in the pack") from None
    if not resolved.is_relative_to(root.resolve()):
        raise doc.fail(where, f"{rel_text!r} leads outside the pack")
    if not resolved.is_file():
        raise doc.fail(where, f"{rel_text!r} is not a file")
    return resolved


def _unknown_keys(doc: _Doc, table: dict, where: str, allowed: tuple) -> None:
    unknown = set(table) - set(allowed)
    if unknown:
        raise doc.fail(where, f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(allowed)})")


def _policy_links(doc: _Doc, raw: dict, where: str) -> tuple[str, ...]:
    """`policy = ["use-of-force#3.2"]`: links into the policy library, checked for their
    shape here; whether they resolve depends on the library, so lint checks that when it
    is given one (content/policies.py)."""
    refs = doc.strings(raw, "policy", where)
    if len(refs) > MAX_POLICY_REFS:
        raise doc.fail(f"{where}.policy", f"over {MAX_POLICY_REFS} links")
    for i, ref in enumerate(refs):
        problem = check_policy_ref(ref)
        if problem:
            raise doc.fail(f"{where}.policy[{i}]", problem)
    return refs


@dataclass(frozen=True)
class _Fields:
    """One table of the manifest, read by a trigger kind's `parse` (sim.triggers)."""

    doc: _Doc
    table: dict
    where: str

    def get(self, key: str, kind: type | tuple, default: Any = ...) -> Any:
        return self.doc.get(self.table, key, self.where, kind, default)

    def choice(self, key: str, options: tuple, default: Any = ...) -> Any:
        return self.doc.choice(self.table, key, self.where, options, default)
