"""A trainee's progress and a cohort's, read from the training records (tools/records) and
the recordings they name.

Competencies are rubric items, matched across packs by their `id` ("verbal-commands" in
two packs is one competency); labels, anchors, standards and policy links come from the
newest session's pack that has the item. A session's levels are what counted in it (the
instructor's latest score, else the rule's: sim.rubric.counted, as the records store
keeps them). Reaction times are not stored in the records: each session's recording is
re-simulated (exactly, as the review does) and, for each cue, the trainee's first
response after it in that visit to its segment is timed (a trigger pull of their weapon,
or a coded action), paused time left out. A recording that is gone or no longer matches
its pack gives no reaction times, and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from content.pack import Pack, PackError, load_pack
from sim.errors import UserError
from sim.rubric import Rubric
from sim.rubric_rules import paused_between
from tools.records.queries import class_members, trainee_with_packs

__all__ = ["Packs", "class_members", "reaction_times", "trainee_progress"]


@dataclass
class Packs:
    """Packs loaded once per report, by folder; None for one that is gone or broken."""

    cache: dict[str, Pack | None]

    def __init__(self):
        self.cache = {}

    def get(self, path: str | None) -> Pack | None:
        if not path:
            return None
        if path not in self.cache:
            try:
                self.cache[path] = load_pack(Path(path), collect_media=True)
            except (PackError, OSError):
                self.cache[path] = None
        return self.cache[path]


def reaction_times(recording_path: str | None, pack_dir: str | None, weapons) -> tuple[list, str]:
    """([{cue, t_s, reaction_s, response}], note) for one trainee's weapons (None: any)."""
    if not recording_path:
        return [], "no recording"
    from tools.recordings import load_recording

    try:
        recording = load_recording(Path(recording_path), Path(pack_dir) if pack_dir else None)
    except (UserError, OSError) as exc:
        return [], f"recording not readable ({str(exc)[:120]})"
    inputs = recording.inputs_by_tick()
    rt = recording.runtime()
    while rt.state.tick < recording.last_tick:
        rt.step(inputs.get(rt.state.tick + 1, []))
    log = rt.log()
    responses = sorted(
        [
            (s.t_s, s.segment, "dry trigger pull" if not s.fired else "shot")
            for s in log.shots
            if weapons is None or s.weapon in weapons
        ]
        + [(a.t_s, a.segment, a.action.replace("-", " ")) for a in log.actions]
    )
    out = []
    for c in log.cues:
        until = min((b.t_s for b in log.branches if b.t_s > c.t_s), default=float("inf"))
        first = next((r for r in responses if r[1] == c.segment and c.t_s <= r[0] <= until), None)
        out.append(
            {
                "cue": c.name,
                "t_s": round(c.t_s, 3),
                "response": first[2] if first else None,
                "reaction_s": round(first[0] - c.t_s - paused_between(log, c.t_s, first[0]), 3)
                if first
                else None,
            }
        )
    return out, ""


def _weapons(session: dict):
    return None if session["weapons"] is None else set(session["weapons"])


def trainee_progress(url: str, trainee_id: str, packs: Packs | None = None, reactions=True) -> dict:
    """Everything a progress report shows about one trainee, as plain data (the JSON
    export is this)."""
    packs = packs or Packs()
    record, pack_paths = trainee_with_packs(url, trainee_id)
    comp: dict[str, dict] = {}
    scale_lo, scale_hi, standards = None, None, []
    sessions = []
    for n, sess in enumerate(record["sessions"]):
        pack = packs.get(pack_paths.get(sess["id"]))
        rubric: Rubric | None = pack.scenario.rubric if pack is not None else None
        if rubric is not None:
            scale_lo = min(scale_lo if scale_lo is not None else 99, rubric.scale.low)
            scale_hi = max(scale_hi or 0, rubric.scale.high)
            standards.append(rubric.pass_level)
        level_name = rubric.scale.name(sess["level"]) if rubric and sess["level"] else ""
        row = {
            "n": n + 1,
            "id": sess["id"],
            "date": sess["date"],
            "pack": sess["pack"],
            "pack_path": pack_paths.get(sess["id"]),
            "difficulty": pack.meta.difficulty if pack is not None else "",
            "instructor": sess["instructor"],
            "duration_s": sess["duration_s"],
            "shots": sess["shots"],
            "hits": sess["hits"],
            "no_shoot_hits": sess["no_shoot_hits"],
            "level": sess["level"],
            "level_name": level_name,
            "passed": sess["passed"],
            "scores": sess["scores"],
        }
        if reactions:
            row["reactions"], row["reactions_note"] = reaction_times(
                sess["recording"], row["pack_path"], _weapons(sess)
            )
        sessions.append(row)
        for item, level in sess["scores"].items():
            c = comp.setdefault(
                item,
                {
                    "id": item,
                    "label": item,
                    "levels": [],
                    "standard": None,
                    "policy": [],
                    "anchors": {},
                    "critical": False,
                },
            )
            it = rubric.item(item) if rubric is not None else None
            if it is not None:  # the newest session's pack describes the item
                c.update(
                    label=it.label,
                    standard=rubric.pass_level,
                    policy=list(it.policy),
                    anchors={str(k): v for k, v in sorted(it.anchors.items())},
                    critical=it.critical,
                    scale=[rubric.scale.low, rubric.scale.high],
                )
            if level is not None:
                c["levels"].append({"session": n + 1, "date": sess["date"], "level": level})
    for c in comp.values():
        c["latest"] = c["levels"][-1]["level"] if c["levels"] else None
        c["best"] = max((x["level"] for x in c["levels"]), default=None)
        c["below"] = (
            c["latest"] is not None and c["standard"] is not None and c["latest"] < c["standard"]
        )
    latest = next((x for x in reversed(sessions) if x["level"] is not None), None)
    return {
        "trainee": {"id": record["id"], "name": record["name"], "class": record["class"]},
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "scale": {
            "low": scale_lo if scale_lo is not None else 1,
            "high": scale_hi if scale_hi is not None else 7,
            "standard": min(standards) if standards else None,
        },
        "overall": {
            "level": latest["level"] if latest else None,
            "level_name": latest["level_name"] if latest else "",
            "passed": latest["passed"] if latest else None,
            "sessions": len(sessions),
            "passed_sessions": sum(1 for x in sessions if x["passed"]),
        },
        "sessions": sessions,
        "competencies": sorted(comp.values(), key=lambda c: c["label"].lower()),
    }
