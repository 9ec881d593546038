"""Studio's edits to scenario.toml: a JSON model in, the same file out with its comments,
order and layout kept wherever the values did not change.

The browser edits a plain model of the manifest (what tomllib would read) and sends it
whole; `merge` walks the tomlkit document beside it and touches only what differs: a
changed value is replaced in place (its comment kept), a new key is added at the end of
its table, a removed one taken out, and arrays of tables (`[[segments.x.transitions]]`)
are merged item by item. `save` writes it inside the pack only, refuses when the file
changed on disk since the model was read (by its SHA-256), keeps the previous version
as scenario.toml.bak, and replaces the file atomically.

Imports tomlkit and content; never engine.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table

from content.pack_manifest import MANIFEST, MAX_MANIFEST_BYTES, PackError, read_manifest
from sim.errors import UserError

BACKUP = MANIFEST + ".bak"


class SaveConflict(UserError, RuntimeError):
    """The manifest changed on disk since the editor read it."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(pack_dir: Path) -> tuple[str, dict]:
    """(text, model) of a pack's manifest, read bounded by the loader's rules."""
    doc, _ = read_manifest(pack_dir)
    return doc.text, tomlkit.parse(doc.text).unwrap()


def _same(old: Any, new: Any) -> bool:
    plain = old.unwrap() if hasattr(old, "unwrap") else old
    if isinstance(plain, bool) or isinstance(new, bool):
        return type(plain) is type(new) and plain == new
    return plain == new


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _inline(value: Any) -> Any:
    """A new value written inline: dicts as inline tables, lists of them one a line."""
    if isinstance(value, dict):
        t = tomlkit.inline_table()
        for k, v in value.items():
            t[k] = _inline(v)
        return t
    if isinstance(value, list):
        arr = tomlkit.array()
        for v in value:
            arr.append(_inline(v))
        if _is_table_list(value):
            arr.multiline(True)
        return arr
    return value


def _table(value: dict, in_array: bool) -> Table:
    t = tomlkit.table()
    for k, v in value.items():
        t[k] = _new(v, in_array)
    t.add(tomlkit.nl())  # a blank line before whatever table follows, as people write
    return t


def _new(value: Any, in_array: bool = False) -> Any:
    """A new value: a dict as a [table], a list of dicts as [[tables]] unless it sits in
    an item of an array of tables already (zone keyframes stay inline, one a line)."""
    if isinstance(value, dict) and not in_array:
        return _table(value, in_array)
    if _is_table_list(value) and not in_array:
        aot = tomlkit.aot()
        for v in value:
            aot.append(_table(v, True))
        return aot
    return _inline(value)


def _merge_table(old: Any, new: dict, in_array: bool) -> None:
    for key in [k for k in old if k not in new]:
        del old[key]
    for key, value in new.items():
        if key not in old:
            old[key] = _new(value, in_array)
            continue
        cur = old[key]
        if isinstance(value, dict) and isinstance(cur, (Table, InlineTable)):
            _merge_table(cur, value, in_array or isinstance(cur, InlineTable))
        elif isinstance(cur, AoT) and _is_table_list(value):
            _merge_aot(cur, value)
        elif isinstance(cur, Array) and isinstance(value, list) and len(cur) == len(value):
            _merge_array(cur, value)
        elif not _same(cur, value):
            old[key] = (
                _new(value, True)
                if isinstance(cur, (Array, InlineTable))
                else _new(value, in_array)
            )


def _merge_array(old: Array, new: list) -> None:
    for i, value in enumerate(new):
        cur = old[i]
        if isinstance(cur, InlineTable) and isinstance(value, dict):
            _merge_table(cur, value, True)
        elif not _same(cur, value):
            old[i] = _inline(value)


def _merge_aot(old: AoT, new: list[dict]) -> None:
    while len(old) > len(new):
        old.remove(old[len(old) - 1]) if hasattr(old, "remove") else old.pop()
    for i, value in enumerate(new):
        if i < len(old):
            _merge_table(old[i], value, True)
        else:
            old.append(_table(value, True))


def merge(text: str, model: dict) -> str:
    """`text` (a manifest) changed to read as `model`, keeping everything unchanged."""
    doc = tomlkit.parse(text)
    _merge_table(doc, model, False)
    out = tomlkit.dumps(doc)
    return out if out.endswith("\n") else out + "\n"


def render(pack_dir: Path, model: dict) -> str:
    """The manifest text the model stands for, bounded like a pack's manifest."""
    text, _ = read(pack_dir)
    out = merge(text, model)
    if len(out.encode("utf-8")) > MAX_MANIFEST_BYTES:
        raise PackError(f"{pack_dir / MANIFEST}: over the {MAX_MANIFEST_BYTES} bytes limit")
    return out


def write_inside(pack_dir: Path, path: Path, text: str) -> None:
    """Write `text` to `path` atomically, only if it lies in the pack (a link there is
    replaced, never written through)."""
    root = pack_dir.resolve()
    parent = path.parent.resolve()
    if not parent.is_relative_to(root):
        raise UserError(f"{path}: outside the pack; not written")
    fd, tmp = tempfile.mkstemp(prefix=".studio-", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, parent / path.name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(pack_dir: Path, model: dict, base_digest: str) -> str:
    """Write the model into pack_dir's manifest; returns the new text's digest."""
    root = pack_dir.resolve()
    manifest = pack_dir / MANIFEST
    if manifest.is_symlink() or not manifest.resolve().is_relative_to(root):
        raise UserError(f"{manifest}: not a plain file inside the pack; not written")
    text, _ = read(pack_dir)
    if digest(text) != base_digest:
        raise SaveConflict(
            f"{manifest}: changed on disk since it was opened; nothing written (reload it "
            "and make your changes again, or copy them aside first)"
        )
    out = merge(text, model)
    if len(out.encode("utf-8")) > MAX_MANIFEST_BYTES:
        raise UserError(f"{manifest}: would be over the {MAX_MANIFEST_BYTES} bytes limit")
    write_inside(pack_dir, pack_dir / BACKUP, text)
    write_inside(pack_dir, manifest, out)
    return digest(out)
