"""The input event types the simulation consumes: instructor keys, shots, pause and resume,
scores, the room's votes. Plain frozen data, one dataclass per kind, and `InputEvent`, their
union.

Times are seconds of session time (`t_s`); positions are normalized to the trainee
screen, origin top-left (`x_norm`, `y_norm` in 0..1). A class's name, and its fields'
names, order and declared types, are the recording format (sim/recording.py writes
`type(event).__name__` and `dataclasses.asdict(event)`): rename nothing. Parsing an event
from a plain dict, the constants it checks against and `InputError` are sim/events.py's,
which re-exports every name here. Must not import anything outside the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyPress:
    t_s: float
    key: str


@dataclass(frozen=True, slots=True)
class Shot:
    t_s: float
    x_norm: float
    y_norm: float
    weapon: str = "w1"
    kind: str = "firearm"  # one of sim.events.WEAPON_KINDS


@dataclass(frozen=True, slots=True)
class TraineeAction:
    """The instructor codes something the trainee did (a verbal command, taking cover)."""

    t_s: float
    action: str


@dataclass(frozen=True, slots=True)
class Flag:
    """The instructor marks this moment for the debrief, with an optional note."""

    t_s: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class FlagNote:
    """The note typed for the latest flag (the flag itself marks when F was pressed)."""

    t_s: float
    note: str


@dataclass(frozen=True, slots=True)
class Explain:
    """Why the trainee decided as they did (a study's explain step, docs/studies.md): typed
    at the station, picked from the study's reasons, or spoken. Applied to the trial under
    way, or between trials to the one just ended; the sim only records it."""

    t_s: float
    text: str


@dataclass(frozen=True, slots=True)
class JumpTo:
    """The instructor jumps to a segment (the current one: replay it from its start)."""

    t_s: float
    segment: str


@dataclass(frozen=True, slots=True)
class Malfunction:
    """The instructor injects a stoppage: that weapon's next trigger pull does not fire."""

    t_s: float
    weapon: str = "w1"


@dataclass(frozen=True, slots=True)
class SetView:
    """The instructor switches a trainee-view setting: hit markers, low light, or the
    flashlight reveal. `on` is the new value."""

    t_s: float
    setting: str  # one of sim.events.VIEW_SETTINGS
    on: bool


@dataclass(frozen=True, slots=True)
class EndScenario:
    """The instructor ends the scenario now."""

    t_s: float


@dataclass(frozen=True, slots=True)
class MagazineChange:
    """A magazine went in (with `rounds`) or came out of a weapon. Weapons start with
    unlimited rounds until a magazine event says otherwise."""

    t_s: float
    weapon: str
    inserted: bool
    rounds: int = 0


@dataclass(frozen=True, slots=True)
class FlashlightMove:
    """A tracked flashlight beam: on or off, and where it points on the trainee screen."""

    t_s: float
    light: str
    on: bool
    x_norm: float = 0.0
    y_norm: float = 0.0


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device connected, was lost or reported a fault (recorded, shown to the
    instructor; it changes nothing else in the session)."""

    t_s: float
    device: str
    connected: bool
    text: str


@dataclass(frozen=True, slots=True)
class PlaySound:
    """Play a named sound now: a distraction the instructor injects (siren, dog, radio
    traffic), or any sound the pack declares."""

    t_s: float
    sound: str


@dataclass(frozen=True, slots=True)
class SetLevel:
    """The instructor sets a volume: `control` is master, scenario, effects or distractor;
    `percent` is 0-100."""

    t_s: float
    control: str
    percent: int


@dataclass(frozen=True, slots=True)
class TargetHit:
    """A scene extension's 3D target was hit by a shot (a steel plate fell). The engine
    puts it on the queue when the extension reports the hit, so the sim records it."""

    t_s: float
    target: str
    weapon: str = "w1"


@dataclass(frozen=True, slots=True)
class Score:
    """The instructor scores a rubric item for the trainee holding `weapon`: `level` on
    the pack's scale, None for not observed, with a comment (required on the levels the
    rubric says, the extremes by default). The runtime checks it against the pack's
    rubric (sim.rubric) and keeps it, or says in `ignored` why not."""

    t_s: float
    item: str
    level: int | None
    weapon: str = "w1"
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Said:
    """The trainee said something (speech recognition, drivers/speech.py): `phrase` is the
    pack phrase it matched ("" when none did), `text` what was transcribed. `t_s` is when
    it was recognized (after the speech ended). A replay applies the recorded event: it
    never runs recognition again."""

    t_s: float
    phrase: str
    text: str = ""
    spoke_s: float = 0.0  # how long the utterance lasted (voice activity), for talk time


@dataclass(frozen=True, slots=True)
class Vote:
    """A vote of the room in a community session (sim/community.py): `choice` is the
    label of one of the question's choices. `question` is the number of the question the
    phone saw (1, 2...; 0 from a script: the question open now, else the next to open);
    `voter` is a per-session phone number the vote server gives ("p7"), never a name or
    an address, so that the sim too counts one vote per phone per question."""

    t_s: float
    choice: str
    question: int = 0
    voter: str = ""


@dataclass(frozen=True, slots=True)
class CloseVote:
    """The facilitator closes the open question's vote (the result is shown)."""

    t_s: float


@dataclass(frozen=True, slots=True)
class Threat:
    """The instructor fires a stress device's effect now (never while paused, after the
    end or once disarmed: the runtime refuses it and says why)."""

    t_s: float
    effect: str = "impulse"  # one of sim.events.STRESS_EFFECTS


@dataclass(frozen=True, slots=True)
class Disarm:
    """The instructor disarms every stress device at once: effects stop now and none fires
    for the rest of the session."""

    t_s: float


@dataclass(frozen=True, slots=True)
class Reveal:
    """The facilitator shows the next panel of what the training says about the
    question just decided (training points, policy passages, the law)."""

    t_s: float


@dataclass(frozen=True, slots=True)
class Continue:
    """The facilitator goes on after a question: down `choice` (a choice's label), or,
    when empty, down the room's choice."""

    t_s: float
    choice: str = ""


@dataclass(frozen=True, slots=True)
class Angle:
    """The facilitator shows the question's moment from another camera: `view` 1, 2...
    of the segment's alternate views, 0 back to the result."""

    t_s: float
    view: int


@dataclass(frozen=True, slots=True)
class Pause:
    t_s: float


@dataclass(frozen=True, slots=True)
class Resume:
    t_s: float


InputEvent = (
    KeyPress
    | Shot
    | TraineeAction
    | Pause
    | Resume
    | Flag
    | FlagNote
    | Explain
    | JumpTo
    | Malfunction
    | SetView
    | EndScenario
    | DeviceStatus
    | MagazineChange
    | FlashlightMove
    | PlaySound
    | SetLevel
    | TargetHit
    | Score
    | Said
    | Vote
    | CloseVote
    | Reveal
    | Continue
    | Angle
    | Threat
    | Disarm
)
