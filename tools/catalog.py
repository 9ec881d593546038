"""`sightline catalog [DIR]`: the scenario library, its metadata and its make-up.

Lists every pack under DIR (the folder itself, or its sub-folders two levels down) with
its metadata; `--where key=value` keeps packs that match (repeatable, all must match;
subject attributes match if any subject has them); `--makeup` reports how the library is
composed instead: packs per category, difficulty, light and setting, and subjects per
authored attribute (perceived age band, gender, race/ethnicity, role); `--makeup --compare
census.csv` sets the subjects' shares beside a community's figures. Output as a table,
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
    widths = {f: min(40, max([len(f), *(len(str(r.get(f, ""))) for r in rows)])) for f in fields}
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


def catalog(
    root: Path, where: list[str], fmt: str, show_makeup: bool, census: Path | None = None
) -> str:
    """The listing, or with show_makeup the make-up (beside `census`'s figures, if given)."""
    conditions = parse_where(where)
    rows, packs = [], []
    for path in find_packs(root):
        row, pack = describe(path)
        if matches(row, pack, conditions):
            rows.append(row)
            if pack is not None:
                packs.append(pack)
    if census is not None:
        return render_compare(compare(makeup(packs), read_census(census)), len(packs), fmt)
    return render(rows, packs, fmt, show_makeup)


# -- the library's make-up beside a community's (--makeup --compare census.csv) -------------

MAX_CENSUS_BYTES = 1 << 20
MAX_CENSUS_ROWS = 2000


def read_census(path: Path) -> dict[str, dict[str, float]]:
    """A community's figures: CSV with columns attribute, value and percent (or count, made
    into percentages per attribute), e.g. `gender,female,50.8`. Attributes are the catalog's
    subject attributes (age_band, gender, race_ethnicity, role); values compare ignoring case.
    Untrusted: bounded in bytes and rows; a bad row is an error naming its line."""
    from sim.errors import UserError

    try:
        raw = path.read_bytes()[: MAX_CENSUS_BYTES + 1]
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_CENSUS_BYTES:
        raise UserError(f"{path}: over {MAX_CENSUS_BYTES} bytes")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig", "replace")))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise UserError(f"{path}:{reader.line_num + 1}: not CSV ({exc})") from None
    if len(rows) > MAX_CENSUS_ROWS:
        raise UserError(f"{path}: over {MAX_CENSUS_ROWS} rows")
    columns = set(reader.fieldnames or ())
    if not ({"attribute", "value"} <= columns and ({"percent", "count"} & columns)):
        raise UserError(f"{path}: needs the columns attribute, value and percent (or count)")
    if not rows:
        raise UserError(f"{path}: no figures (a header and no rows)")
    out: dict[str, dict[str, float]] = {}
    use_count = rows and "percent" not in rows[0]
    for i, row in enumerate(rows, 2):
        attr, value = (row.get("attribute") or "").strip(), (row.get("value") or "").strip()
        if attr not in SUBJECT_ATTRS:
            raise UserError(f"{path}:{i}: attribute must be one of {', '.join(SUBJECT_ATTRS)}")
        try:
            n = float(row.get("count" if use_count else "percent") or "")
        except ValueError:
            raise UserError(f"{path}:{i}: not a number") from None
        if not 0 <= n <= (1e12 if use_count else 100):
            raise UserError(f"{path}:{i}: out of range")
        out.setdefault(attr, {})[value.lower()[:80]] = n
    if use_count:
        for attr, values in out.items():
            total = sum(values.values()) or 1.0
            out[attr] = {v: 100 * n / total for v, n in values.items()}
    return out


def compare(counts: dict[str, dict[str, int]], census: dict[str, dict[str, float]]) -> list[dict]:
    """Per subject attribute and value: the library's subjects and share beside the
    community's share, and the gap in percentage points (library minus community)."""
    rows = []
    for attr in SUBJECT_ATTRS:
        if attr not in census:
            continue
        lib = {v.lower(): n for v, n in counts.get(attr, {}).items()}
        total = sum(lib.values())
        for value in sorted(set(lib) | set(census[attr])):
            share = 100 * lib.get(value, 0) / total if total else 0.0
            community = census[attr].get(value)
            rows.append(
                {
                    "attribute": attr,
                    "value": value,
                    "library": lib.get(value, 0),
                    "library_pct": round(share, 1),
                    "community_pct": None if community is None else round(community, 1),
                    "gap_pp": None if community is None else round(share - community, 1),
                }
            )
    return rows


def render_compare(rows: list[dict], packs: int, fmt: str) -> str:
    fields = ("attribute", "value", "library", "library_pct", "community_pct", "gap_pp")
    if fmt == "json":
        return json.dumps({"packs": packs, "compare": rows}, indent=2)
    if fmt == "csv":
        return _csv(rows, fields)
    shown = [{k: ("-" if v is None else v) for k, v in r.items()} for r in rows]
    note = (
        f"{packs} pack(s): subjects per attribute beside the community's figures "
        "(gap_pp: library share minus community share, in percentage points)"
    )
    return note + "\n" + _table(shown, fields)
