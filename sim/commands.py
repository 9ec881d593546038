"""What one tick of the sim returns: the state after it and the commands for the engine
(play a clip, draw a shot marker, start a sound, a dry pull, the scenario ended).

Commands are published once, in tick order, to every consumer (engine.session's bus):
the recorder, audio, devices, views, extensions. Plain frozen data; must not import
outside the standard library and sim.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SimState:
    tick: int
    t_s: float
    segment: str
    media_t_s: float
    paused: bool
    holding: bool  # the clip reached its out time and nothing follows: wait on the instructor
    ended: bool
    shots: int
    hits: int
    score: int
    flags: int
    markers: bool  # the trainee sees hit markers
    low_light: bool
    flashlight: bool  # the flashlight reveal (issue 7 renders it)
    levels: tuple[int, ...]  # volumes in percent, in sim.sounds.LEVELS order
    digest: bytes = field(repr=False)
    # the tracked flashlight beams that are on, (x_norm, y_norm) by light id order (they
    # enter the digest through the runtime's hidden state)
    beams: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class PlayClip:
    segment: str
    clip: str
    media_in_s: float


@dataclass(frozen=True, slots=True)
class ShotMarker:
    x_norm: float
    y_norm: float
    weapon: str
    zone: str | None
    role: str | None
    kind: str = "firearm"  # the weapon kind, for its report


@dataclass(frozen=True, slots=True)
class StartSound:
    """Play a sound now: `source` is "pack" (a segment's scheduled sound), "instructor"
    (injected) or "report" (a weapon's report, right after its shot's ShotMarker: the sim
    chooses it, so the recording says which sound a shot made)."""

    sound: str
    bus: str
    source: str


@dataclass(frozen=True, slots=True)
class ScenarioEnded:
    segment: str
    by_instructor: bool = False


@dataclass(frozen=True, slots=True)
class DryFire:
    """A trigger pull that did not fire (an injected stoppage, an empty or missing
    magazine): no recoil pulse."""

    weapon: str
    reason: str = "malfunction"


@dataclass(frozen=True, slots=True)
class AmmoChanged:
    """Rounds left in a weapon's magazine changed (for the gun's display)."""

    weapon: str
    rounds: int


@dataclass(frozen=True, slots=True)
class QuestionOpened:
    """A community session asks the room (sim/community.py): the scenario holds."""

    number: int
    segment: str
    prompt: str
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QuestionClosed:
    """The vote on a question closed ("facilitator", "time" or "choice"), with its
    counts in the order of the choices."""

    number: int
    counts: tuple[int, ...]
    by: str


@dataclass(frozen=True, slots=True)
class RoomDecided:
    """The scenario goes on down `choice` of question `number` (to segment `to`)."""

    number: int
    choice: str
    to: str
    by: str


@dataclass(frozen=True, slots=True)
class StressEffect:
    """Fire a stress device's effect (sim.events.STRESS_EFFECTS): what the pack or the
    instructor asks for. Devices cap intensity and duration by the local safety limit
    (drivers/threat.py), never by the pack."""

    effect: str
    intensity_pct: int
    duration_ms: int
    source: str  # "pack" or "instructor"


@dataclass(frozen=True, slots=True)
class StopEffects:
    """Stop every stress device now: on pause, at the end, and when the instructor disarms
    them (`disarmed`: no effect fires again this session)."""

    disarmed: bool = False


@dataclass(frozen=True, slots=True)
class StoppageInjected:
    """The instructor injected a malfunction: a magazine device can make it real."""

    weapon: str


Command = (
    PlayClip
    | ShotMarker
    | ScenarioEnded
    | DryFire
    | AmmoChanged
    | StartSound
    | QuestionOpened
    | QuestionClosed
    | RoomDecided
    | StressEffect
    | StopEffects
    | StoppageInjected
)


@dataclass(frozen=True, slots=True)
class StepResult:
    state: SimState
    commands: tuple[Command, ...]
