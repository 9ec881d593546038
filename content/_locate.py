"""Best-effort line numbers for key paths in a TOML manifest.

tomllib reports positions only for syntax errors, so errors found after parsing are
located by reading the text: the table header of the path (counting array-of-tables
entries for an index) and then the key's line within that table.
"""

from __future__ import annotations

import functools
import re

_PART = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


def _header(line: str) -> tuple[bool, str] | None:
    """(is an array of tables, dotted name) of a table header line, else None. Parsed by
    hand in one pass: the regular expression this replaces backtracked cubically, and a
    line of "[" and 5,000 spaces in a multi-line string took four minutes."""
    s = line.strip()
    if not s.startswith("["):
        return None
    is_array = s.startswith("[[")
    body = s[2:] if is_array else s[1:]
    close = body.find("]")
    name = body[:close].strip() if close > 0 else ""
    if not name:
        return None
    rest = body[close + 1 :]
    if rest.startswith("]"):  # the second bracket of "[[a]]" (and "[a]]", as before)
        rest = rest[1:]
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        return None
    return is_array, name


def _parts(path: str) -> list[tuple[str, int | None]]:
    return [
        (m.group(1), None if m.group(2) is None else int(m.group(2))) for m in _PART.finditer(path)
    ]


@functools.lru_cache(maxsize=4)
def _scan(text: str) -> tuple[list[str], list[tuple[int, bool, str]]]:
    """The text's lines and its table headers (line index, is_array, dotted name), once
    per text: lint locates every finding in the same manifest, and scanning it again for
    each made 500 segments with 10 findings each take over two minutes."""
    lines = text.splitlines()
    headers = []
    for i, line in enumerate(lines):
        found = _header(line)
        if found:
            name = ".".join(p.strip().strip('"') for p in found[1].split("."))
            headers.append((i, found[0], name))
    return lines, headers


def locate(text: str, path: str) -> int | None:
    """The 1-based line of `path` (like "segments.a.transitions[2].to"), or None."""
    lines, headers = _scan(text)
    parts = _parts(path)
    for k in range(len(parts), 0, -1):
        if any(idx is not None for _, idx in parts[: k - 1]):
            continue  # nested under an indexed parent: not worth the bookkeeping
        name = ".".join(p for p, _ in parts[:k])
        idx = parts[k - 1][1]
        matches = [h for h in headers if h[2] == name and h[1] == (idx is not None)]
        if idx is not None:
            matches = matches[idx : idx + 1]
        if not matches:
            continue
        start = matches[0][0]
        rest = parts[k:]
        if not rest:
            return start + 1
        if idx is not None:  # an array entry's sub-table ([projectors.blend] under its entry)
            found = _sub_table(lines, headers, name, start, rest)
            if found:
                return found
        end = next((h[0] for h in headers if h[0] > start), len(lines))
        return _find_key(lines, rest[0][0], start + 1, end) or start + 1
    return _find_key(lines, parts[0][0], 0, headers[0][0] if headers else len(lines))


def _sub_table(lines, headers, name: str, start: int, rest) -> int | None:
    """The line of rest (a sub-table of the array entry whose header is at `start`, then
    maybe a key in it): [name.sub] headers before the entry's next [[name]] belong to it.
    Errors in a theater's [projectors.blend] pointed at the [[projectors]] line."""
    sub, sub_idx = rest[0]
    if sub_idx is not None:
        return None
    end = next((h[0] for h in headers if h[0] > start and h[1] and h[2] == name), len(lines))
    for i, is_array, hname in headers:
        if start < i < end and not is_array and hname == f"{name}.{sub}":
            if len(rest) == 1:
                return i + 1
            stop = next((h[0] for h in headers if h[0] > i), len(lines))
            return _find_key(lines, rest[1][0], i + 1, stop) or i + 1
    return None


def _find_key(lines: list[str], key: str, start: int, end: int) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return None
