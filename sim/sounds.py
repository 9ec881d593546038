"""The sound catalogue the simulation knows: buses, level defaults, the bundled sounds and
which report each weapon kind makes.

Only names and routing live here (the sim decides *what* sounds and *when*); the bundled
sounds' samples are synthesized in content/sounds.py and mixed by engine/audio.py. Must not
import outside the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.events import LEVEL_CONTROLS

#: Volume controls: the master and one per bus, in percent.
LEVELS = LEVEL_CONTROLS
#: Where a sound is mixed. `scenario` is the clips' own soundtrack (dialogue, ambience).
BUSES = LEVELS[1:]
DEFAULT_LEVELS = {"master": 100, "scenario": 100, "effects": 80, "distractor": 70}
MAX_LEVEL = 100
MAX_SOUND_NAME = 32


@dataclass(frozen=True)
class SoundDef:
    """A sound a pack or the instructor can play. `file` is a path inside the pack; None
    for a bundled (synthesized) sound."""

    name: str
    bus: str
    label: str
    file: str | None = None


#: Bundled sounds: generated at start-up, no licence terms (content/sounds.py).
BUILTIN_SOUNDS = {
    s.name: s
    for s in (
        SoundDef("pistol", "effects", "Pistol report"),
        SoundDef("rifle", "effects", "Rifle report"),
        SoundDef("taser", "effects", "TASER cycle"),
        SoundDef("oc-spray", "effects", "OC spray hiss"),
        SoundDef("dry-click", "effects", "Dry click"),
        SoundDef("siren", "distractor", "Siren passing"),
        SoundDef("dog", "distractor", "Dog barking"),
        SoundDef("radio", "distractor", "Radio traffic"),
        SoundDef("crowd", "distractor", "Crowd noise"),
        SoundDef("shouting", "distractor", "Shouting"),
        SoundDef("beep", "effects", "Shot timer beep"),  # a course stage's start signal
    )
}
#: The report a shot makes, by weapon kind (sim.events.WEAPON_KINDS); a pack or the
#: command line can map a kind or a weapon id to another sound ("rifle").
DEFAULT_REPORTS = {"firearm": "pistol", "cew": "taser", "oc": "oc-spray"}
DRY_SOUND = "dry-click"
