"""Input scripts that shoot a course from its plan (`sightline course script`): every
shot at its target's `aim` (a full-marks run), or every shot wide of every target (a run
that must fail). The demo input scripts of the bundled courses are made this way, and the
tests check the shipped ones still match."""

from __future__ import annotations

import json

MISS_AT = (0.004, 0.004)  # the top-left corner: no target of a course reaches it
SPACING_S = 0.05  # between a stage's scripted shots, centred on its window's middle


def script_from_plan(plan: dict, hit: bool = True) -> list[dict]:
    """Shot events for every round every stage wants, at its aim (or MISS_AT)."""
    events = []
    for stage in plan["stages"]:
        t0, t1 = stage["window"]
        wanted = [(tg, n) for tg in stage["targets"] if tg["shoot"] for n in range(tg["shots"])]
        mid = (t0 + t1) / 2
        for i, (target, _) in enumerate(wanted):
            t = mid + (i - (len(wanted) - 1) / 2) * SPACING_S
            x, y = target["aim"] if hit else MISS_AT
            events.append({"t": round(t, 4), "type": "shot", "x": x, "y": y})
    return events


def to_jsonl(events: list[dict]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)
