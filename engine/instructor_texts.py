"""What the instructor's view says, computed without Panda3D: its colours, scenario time
(`ScenarioClock`: session time less the time spent paused), the shot rows' colours and
totals, and the guidebook's training points with the policy passages they link to
(`training_points`, `station_policies`).

engine/instructor_view.py lays these out on screen; this module imports no Panda3D and
nothing from the view (tests call these functions without a window).
"""

from __future__ import annotations

import re

from content.policies import Library, guidebook_refs, load_library, strip_refs
from sim.errors import UserError

WHITE, GREY, DIM = (1, 1, 1, 1), (0.7, 0.72, 0.75, 1), (0.45, 0.47, 0.5, 1)
AMBER, RED, GREEN, BLUE = (
    (1, 0.75, 0.2, 1),
    (1, 0.35, 0.3, 1),
    (0.4, 0.9, 0.5, 1),
    (0.45, 0.7, 1, 1),
)


class ScenarioClock:
    """Scenario time: session time (SimState.t_s, which runs on while paused) less the time
    spent paused. SimState carries session time only, so the view keeps this from the
    states it is shown, to within a frame; a replay seek backwards drops what came after.

    Marks are (session_s, scenario_s, paused): from session_s on, the run was paused or not,
    with scenario_s of scenario time at that moment. One mark per pause or resume."""

    def __init__(self):
        self._marks: list[tuple[float, float, bool]] = [(0.0, 0.0, False)]
        self.paused_since_s: float | None = None  # session time the current pause began

    def update(self, t_s: float, paused: bool) -> float:
        while len(self._marks) > 1 and self._marks[-1][0] > t_s:  # a seek back
            self._marks.pop()
        at_s, scen_s, was_paused = self._marks[-1]
        now_s = scen_s + (0.0 if was_paused else max(0.0, t_s - at_s))
        if paused != was_paused:
            self._marks.append((t_s, now_s, paused))
        self.paused_since_s = self._marks[-1][0] if paused else None
        return now_s


def shot_colour(s) -> tuple:
    """A shot row's colour: a no-shoot hit red, a threat hit green, a miss grey, a dry
    trigger pull amber (the text says the same, for anyone who cannot tell the colours)."""
    if not s.fired:
        return AMBER
    if not s.zone:
        return GREY
    return RED if s.role == "no-shoot" else GREEN if s.role == "threat" else WHITE


def shot_totals(shots, score: int) -> str:
    fired = [s for s in shots if s.fired]
    hits = [s for s in fired if s.zone]
    no_shoot = sum(1 for s in hits if s.role == "no-shoot")
    dry = len(shots) - len(fired)
    parts = [
        f"{len(fired)} fired",
        f"{len(hits)} hit" + (f" ({no_shoot} NO-SHOOT)" if no_shoot else ""),
        f"{len(fired) - len(hits)} missed",
    ]
    if dry:
        parts.append(f"{dry} dry")
    return "   ".join(parts) + f"   score {score}"


MAX_PANEL_PASSAGES = 3  # policy passages under the training points (the panel's height)
PASSAGE_CHARS = 220  # each passage's excerpt on the panel


def training_points(guidebook: str | None, policies: Library | None = None, rubric=None) -> str:
    """The guidebook's "Training points" section for the G panel, then the policy
    passages its '[policy: ...]' links and the rubric items' `policy` links point at
    (first those of the training points), each a heading and an excerpt."""
    if not guidebook:
        text, refs = "This pack has no guidebook.", []
    else:
        m = re.search(r"^##\s*Training points\s*$(.*?)(?=^##\s|\Z)", guidebook, re.M | re.S | re.I)
        text = (m.group(1) if m else guidebook).strip()
        refs = guidebook_refs(text)
        text = strip_refs(text)
    for item in rubric.items if rubric is not None else ():
        refs += [r for r in item.policy if r not in refs]
    passages = policies.passages(refs) if policies is not None else []
    if passages:
        text += "\n\nPOLICY" + (
            " (sample policies)" if any(p.policy.sample for p in passages) else ""
        )
        for p in passages[:MAX_PANEL_PASSAGES]:
            text += f"\n{p.heading}  [{p.ref}]\n    {p.excerpt(PASSAGE_CHARS)}"
        if len(passages) > MAX_PANEL_PASSAGES:
            text += f"\n(+{len(passages) - MAX_PANEL_PASSAGES} more in the review)"
    return text


def station_policies() -> Library | None:
    """The policy library the run was given (--policies sets SIGHTLINE_POLICIES), else the
    bundled samples; None when it cannot be read (the station runs without passages)."""
    try:
        return load_library()
    except UserError:
        return None
