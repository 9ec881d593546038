"""`sightline catalog [DIR]`: the scenario library, its metadata and its make-up.

Lists every pack under DIR (the folder itself, or its sub-folders two levels down) with
its metadata; `--where key=value` keeps packs that match (repeatable, all must match;
subject attributes match if any subject has them); `--makeup` reports how the library is
composed instead: packs per category, difficulty, light and setting, and subjects per
authored attribute (perceived age band, gender, race/ethnicity, role). Output as a table,
CSV or JSON. Packs that do not load are listed as broken with their error.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from content.pack import MANIFEST, Pack, PackError, load_pack

PACK_FIELDS = (
    "pack",
    "title",
    "category",
    "difficulty",
    "light",
    "setting",
    "place",
    "duration_s",
    "segments",
    "endings",
    "subjects",
    "status",
)
FILTER_KEYS = (
    "category",
    "difficulty",
    "light",
    "setting",
    "place",
    "title",
    "role",
    "age_band",
    "gender",
    "race_ethnicity",
)
SUBJECT_ATTRS = ("age_band", "gender", "race_ethnicity", "role")


def find_packs(root: Path, depth: int = 2) -> list[Path]:
    if (root / MANIFEST).is_file():
        return [root]
    found: list[Path] = []
    if depth and root.is_dir():
        for child in sorted(root.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                found += find_packs(child, depth - 1)
    return found


def _subject_text(s) -> str:
    return " ".join(v for v in (s.role, s.age_band, s.gender, s.race_ethnicity) if v)


def describe(path: Path) -> tuple[dict, Pack | None]:
    try:
        pack = load_pack(path, collect_media=True)
    except PackError as exc:
        return {"pack": path.name, "title": "", "status": f"broken: {exc}"}, None
    m = pack.meta
    row = {
        "pack": path.name,
        "title": pack.title,
        "category": m.category,
        "difficulty": m.difficulty,
        "light": m.light,
        "setting": m.setting,
        "place": m.place,
        "duration_s": m.duration_s if m.duration_s is not None else "",
        "segments": len(pack.scenario.segments),
        "endings": sum(s.ending for s in pack.scenario.segments.values()),
        "subjects": "; ".join(_subject_text(s) for s in m.subjects),
        "status": "ok" if not pack.media_problems else f"media: {pack.media_problems[0]}",
    }
    return row, pack


def parse_where(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_KEYS:
            raise ValueError(
                f"--where {item!r}: use KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}"
            )
        out.append((key, value.strip().lower()))
    return out


def matches(row: dict, pack: Pack | None, where: list[tuple[str, str]]) -> bool:
    for key, value in where:
        if key in SUBJECT_ATTRS:
            subjects = pack.meta.subjects if pack else ()
            if not any(getattr(s, key).lower() == value for s in subjects):
                return False
        elif str(row.get(key, "")).lower() != value:
            return False
    return True


def makeup(packs: list[Pack]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {
        k: Counter() for k in ("category", "difficulty", "light", "setting", *SUBJECT_ATTRS)
    }
    for p in packs:
        for k in ("category", "difficulty", "light", "setting"):
            out[k][getattr(p.meta, k) or "(unset)"] += 1
        for s in p.meta.subjects:
            for k in SUBJECT_ATTRS:
                out[k][getattr(s, k) or "(unset)"] += 1
    return {k: dict(sorted(c.items())) for k, c in out.items()}


def _table(rows: list[dict], fields: tuple[str, ...]) -> str:
    widths = {f: min(40, max(len(f), *(len(str(r.get(f, ""))) for r in rows))) for f in fields}
    lines = ["  ".join(f.ljust(widths[f]) for f in fields)]
    lines.append("  ".join("-" * widths[f] for f in fields))
    for r in rows:
        cells = []
        for f in fields:
            text = str(r.get(f, ""))
            cells.append((text if len(text) <= 40 else text[:39] + "~").ljust(widths[f]))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def render(rows: list[dict], packs: list[Pack], fmt: str, show_makeup: bool) -> str:
    if show_makeup:
        counts = makeup(packs)
        flat = [
            {"attribute": k, "value": v, "count": n}
            for k, values in counts.items()
            for v, n in values.items()
        ]
        if fmt == "json":
            return json.dumps({"packs": len(packs), "makeup": counts}, indent=2)
        if fmt == "csv":
            return _csv(flat, ("attribute", "value", "count"))
        return f"{len(packs)} pack(s)\n" + _table(flat, ("attribute", "value", "count"))
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        return _csv(rows, PACK_FIELDS)
    shown = (
        "pack",
        "title",
        "category",
        "difficulty",
        "light",
        "setting",
        "segments",
        "subjects",
        "status",
    )
    return _table(rows, shown) if rows else "no packs found"


def _csv(rows: list[dict], fields: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().rstrip("\n")


def catalog(root: Path, where: list[str], fmt: str, show_makeup: bool) -> str:
    conditions = parse_where(where)
    rows, packs = [], []
    for path in find_packs(root):
        row, pack = describe(path)
        if matches(row, pack, conditions):
            rows.append(row)
            if pack is not None:
                packs.append(pack)
    return render(rows, packs, fmt, show_makeup)
