"""The next scenarios for a trainee: packs in the library whose rubric trains the
trainee's weakest competencies, at a difficulty that fits their level.

The weakest competencies are those whose latest level is below the standard (the pass
level of the pack that scored them); when none is, the lowest-scored ones (up to three,
below the top of the scale). A pack is a candidate when its rubric has one of them (by
item id). Candidates are ranked by, in order:

  1. the gap it covers: for each weak competency the pack trains, the standard (or, for
     one at or above it, the next level) less the trainee's latest level, summed;
  2. how well its difficulty fits the trainee's overall level: basic for novices and
     advanced beginners, intermediate for the competent, advanced for the proficient and
     experts (one step off counts 1, two steps 2; no difficulty given counts 0.5);
  3. packs trained on fewer times first, then those trained longest ago;
  4. the title.
"""

from __future__ import annotations

from pathlib import Path

from content.pack import Pack
from tools.catalog import find_packs
from tools.reports.progress import Packs

DIFFICULTIES = ("basic", "intermediate", "advanced")
RULE = __doc__.split("item id). ", 1)[1].strip()  # the ranking, as the report states it


def weakest(progress: dict, limit: int = 3) -> list[dict]:
    """The competencies to train next: below standard, else the lowest scored."""
    comps = [c for c in progress["competencies"] if c["latest"] is not None]
    below = [c for c in comps if c["below"]]
    if below:
        return sorted(below, key=lambda c: (c["latest"] - (c["standard"] or 0), c["label"]))
    top = progress["scale"]["high"]
    rest = sorted((c for c in comps if c["latest"] < top), key=lambda c: (c["latest"], c["label"]))
    return rest[:limit]


def wanted_difficulty(level_name: str) -> str | None:
    name = (level_name or "").lower()
    if name in ("novice", "advanced beginner"):
        return "basic"
    if name == "competent":
        return "intermediate"
    if name in ("proficient", "expert"):
        return "advanced"
    return None


def library_packs(folders: list[Path], packs: Packs) -> list[Pack]:
    out, seen = [], set()
    for folder in folders:
        for path in find_packs(folder):
            key = str(path.resolve())
            pack = packs.get(key)
            if pack is not None and key not in seen and pack.scenario.rubric is not None:
                seen.add(key)
                out.append(pack)
    return out


def recommend(progress: dict, library: list[Pack], limit: int = 5) -> list[dict]:
    weak = weakest(progress)
    if not weak:
        return []
    want = wanted_difficulty(progress["overall"]["level_name"])
    done: dict[str, list[int]] = {}
    for s in progress["sessions"]:
        done.setdefault(s["pack"], []).append(s["n"])
    ranked = []
    for pack in library:
        rubric = pack.scenario.rubric
        trains = [c for c in weak if rubric.item(c["id"]) is not None]
        if not trains:
            continue
        gap = sum(max(1, (c["standard"] or c["latest"] + 1) - c["latest"]) for c in trains)
        diff = (pack.meta.difficulty or "").lower()
        if want is None:
            fit = 0.0
        elif diff in DIFFICULTIES:
            fit = float(abs(DIFFICULTIES.index(diff) - DIFFICULTIES.index(want)))
        else:
            fit = 0.5
        times = done.get(pack.title, [])
        ranked.append(
            (
                (-gap, fit, len(times), max(times, default=0), pack.title.lower()),
                {
                    "pack": pack.title,
                    "path": str(pack.root),
                    "difficulty": pack.meta.difficulty,
                    "trains": [c["id"] for c in trains],
                    "trains_labels": [c["label"] for c in trains],
                    "gap": gap,
                    "difficulty_fit": fit,
                    "times_trained": len(times),
                    "why": _why(trains, diff, want, len(times)),
                    "policy": sorted({ref for c in trains for ref in rubric.item(c["id"]).policy}),
                },
            )
        )
    ranked.sort(key=lambda r: r[0])
    return [dict(r[1], rank=i + 1) for i, r in enumerate(ranked[:limit])]


def _why(trains: list[dict], diff: str, want: str | None, times: int) -> str:
    parts = [
        "trains "
        + ", ".join(f"{c['label']} (now {c['latest']}, standard {c['standard']})" for c in trains)
    ]
    if want:
        parts.append(f"difficulty {diff or 'not stated'} ({want} suits their level)")
    parts.append("not trained yet" if not times else f"trained {times} time(s) before")
    return "; ".join(parts)
