"""What a bundled demo pack is (tools/demo_packs.py): PackSpec and its parts (segments,
the hit zones that follow drawn figures, the subject's lines, the ambience), the helpers
the pack specs are written with, and the rubric items more than one pack scores the same
way. Imports tools.figures (pure); no engine, no writing, and no pack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from tools.figures import Pose

# -- what a pack is ------------------------------------------------------------------------

#: The trainee screen the demo input scripts are written for (their shots are in
#: trainee-screen coordinates, so the letterbox of this aspect is undone for them).
SCREEN_ASPECT = 16 / 9


@dataclass(frozen=True)
class ZoneSpec:
    """A hit zone that follows figure number `figure` of its segment (poly: its outline)."""

    name: str
    role: str
    points: int
    poly: Callable[[Pose], list[list[float]]]
    figure: int = 0


class Line(NamedTuple):
    """One thing the subject says: a synthesized voice (content/sounds.voice) that sounds
    like talking, not like words."""

    at_s: float  # into the segment
    syllables: int
    shout: bool


@dataclass(frozen=True)
class SegmentSpec:
    """One clip and its scenario segment. `figures(t_s)` are the poses drawn at t_s."""

    name: str
    duration_s: float
    figures: Callable[[float], list[Pose]]
    transitions: tuple[dict, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    cues: tuple[tuple[str, float], ...] = ()  # (name, t s)
    loop: bool = False
    ending: bool = False
    flash_at_s: float | None = None  # muzzle flash (and report) from figure 0's pistol
    speech: tuple[Line, ...] = ()  # in the clip's soundtrack
    sounds: tuple[tuple[str, float], ...] = ()  # (bundled sound, t s), scheduled on top
    question: dict | None = None  # [segments.NAME.question]: a community session's question
    views: tuple[str, ...] = ()  # labels of alternate-view clips (NAME-view1.mp4, ...)


class Ambience(NamedTuple):
    """The room or street under the dialogue: band-limited noise."""

    low_hz: float
    high_hz: float
    level: float


@dataclass(frozen=True, kw_only=True)
class PackSpec:
    """Everything about one bundled pack; make_demo writes it to content/packs/<folder>."""

    folder: str
    title: str
    start: str
    scene: Callable[[], np.ndarray]  # the background every clip is drawn on
    meta: dict
    segments: tuple[SegmentSpec, ...]
    guidebook: str
    voice_hz: float  # the subject's voice pitch
    ambience: Ambience
    script: tuple[dict, ...]  # demo-inputs.jsonl: timed input events
    audio: dict = field(default_factory=dict)  # the manifest's [audio] level defaults
    rubric: dict | None = None  # the manifest's [rubric]: its keys, and "items" (a list)
    # a theater pack (docs/theater.md): the manifest's [panorama], and the clips one per
    # screen that the scene (panorama-wide) is cut into
    panorama: dict | None = None
    screens: int = 1


def one(pose_fn: Callable[[float], Pose]) -> Callable[[float], list[Pose]]:
    return lambda t: [pose_fn(t)]


def key(k: str, label: str, to: str) -> dict:
    return {"on": "key", "key": k, "label": label, "to": to}


def item(item_id: str, label: str, anchors: dict[int, str], **extra) -> dict:
    """A rubric item: behaviour anchors by level, and optionally rule, critical."""
    return {"id": item_id, "label": label, **extra, "anchors": anchors}


#: Items more than one pack scores the same way.
FORCE_DECISION = item(
    "force-decision",
    "Force decision",
    {
        1: "Fires on a person who is no threat (a no-shoot hit)",
        4: "Holds fire on those who are no threat, but with the muzzle on them",
        7: "Force only on a present threat, stopped the moment it ends",
    },
    rule={"kind": "no-shoot-hits"},
    critical=True,
    policy=["use-of-force#3.1", "use-of-force#3.2"],
)
VERBAL = item(
    "verbal-commands",
    "Verbal commands",
    {
        1: "No commands, or commands that escalate (insults, threats)",
        3: "Commands given, but late, vague or contradictory",
        5: "Clear, loud, short commands before any force",
        7: "Clear commands early, repeated, adapted to the response; explains consequences",
    },
    rule={"kind": "verbal-before-shot"},
    policy=["use-of-force#2.1"],
)
