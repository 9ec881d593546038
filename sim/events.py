"""Input events the simulation consumes: instructor keys, shots, pause and resume, scores.

Owns the events' parsing from plain dicts (one line of a JSONL input script, or a device
driver's output), the bounds and vocabularies it checks against, and `InputError`. The
event types themselves live in sim/event_types.py and are re-exported here, so callers
import every event name from this module. Times are seconds of session time (`t_s`);
positions are normalized to the trainee screen, origin top-left (`x_norm`, `y_norm` in
0..1). Must not import anything outside the standard library and sim.
"""

from __future__ import annotations

import math

from sim.errors import UserError
from sim.event_types import (
    Angle,
    CloseVote,
    Continue,
    DeviceStatus,
    Disarm,
    EndScenario,
    Explain,
    Flag,
    FlagNote,
    FlashlightMove,
    InputEvent,
    JumpTo,
    KeyPress,
    MagazineChange,
    Malfunction,
    Pause,
    PlaySound,
    Resume,
    Reveal,
    Said,
    Score,
    SetLevel,
    SetView,
    Shot,
    TargetHit,
    Threat,
    TraineeAction,
    Vote,
)

# The event types live in sim/event_types.py; every importer still names them from here.
__all__ = [
    "ACTIONS",
    "BRANCH_KEYS",
    "LEVEL_CONTROLS",
    "MAX_ITEM_ID_LEN",
    "MAX_LABEL_LEN",
    "MAX_NOTE_LEN",
    "MAX_NUMBER",
    "MAX_QUESTIONS",
    "MAX_SCORE_LEVEL",
    "MAX_SOUND_NAME",
    "MAX_T_S",
    "MAX_WEAPON_ID_LEN",
    "NOT_OBSERVED",
    "STRESS_EFFECTS",
    "VIEW_SETTINGS",
    "WEAPON_KINDS",
    "Angle",
    "CloseVote",
    "Continue",
    "DeviceStatus",
    "Disarm",
    "EndScenario",
    "Explain",
    "Flag",
    "FlagNote",
    "FlashlightMove",
    "InputError",
    "InputEvent",
    "JumpTo",
    "KeyPress",
    "MagazineChange",
    "Malfunction",
    "Pause",
    "PlaySound",
    "Resume",
    "Reveal",
    "Said",
    "Score",
    "SetLevel",
    "SetView",
    "Shot",
    "TargetHit",
    "Threat",
    "TraineeAction",
    "Vote",
    "normalize_phrase",
    "parse_event",
]

#: Keys an instructor can branch with.
BRANCH_KEYS = frozenset("123456789")
#: Weapon kinds a shot can come from (hit and shot triggers can require one).
WEAPON_KINDS = ("firearm", "cew", "oc")
#: Trainee-view settings the instructor can switch.
VIEW_SETTINGS = ("markers", "low-light", "flashlight")
MAX_NOTE_LEN = 500
#: Trainee actions the instructor codes as they happen (action triggers wait for them).
ACTIONS = ("verbal-command", "cover-taken", "distance-created", "backup-requested", "intervened")
MAX_WEAPON_ID_LEN = 32
MAX_SOUND_NAME = 32
#: Volume controls (master and the three mixing buses; see sim/sounds.py).
LEVEL_CONTROLS = ("master", "scenario", "effects", "distractor")
#: Stress devices' effects (docs/device-protocol.md: THREAT): a belt's impulse or
#: vibration, a shoot-back launcher, a strobe.
STRESS_EFFECTS = ("impulse", "vibration", "launcher", "strobe")
#: An event's time is within a day of the session's start (a script is untrusted input).
MAX_T_S = 86_400.0
MAX_NUMBER = 10**15  # any number in an event, before it is converted to float
MAX_ITEM_ID_LEN = 64  # a rubric item's id
MAX_SCORE_LEVEL = 1000  # a score's level, before the pack's scale is checked (sim.rubric)
#: What a script writes for a score's level when the behaviour was not observed.
NOT_OBSERVED = "not-observed"


class InputError(UserError, ValueError):
    """A malformed input event; the message names what and where."""


MAX_LABEL_LEN = 200  # a vote's choice label (the pack's labels are checked the same)
MAX_QUESTIONS = 10_000  # a vote's question number


def _number(
    obj: dict, name: str, where: str, lo: float | None = None, hi: float | None = None
) -> float:
    if name not in obj:
        raise InputError(f"{where}: missing '{name}'")
    value = obj[name]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        # bounded before float(): a 4000-digit integer would overflow it
        raise InputError(f"{where}: '{name}' must be a number of sensible size")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: '{name}' must be a finite number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{where}: '{name}' = {value} is outside {lo}..{hi}")
    return float(value)


def _weapon(obj: dict, where: str) -> str:
    """The event's weapon id ("w1" when absent): a short non-empty string. One check for
    every event that names a weapon (shot, malfunction, magazine, score)."""
    weapon = obj.get("weapon", "w1")
    if not isinstance(weapon, str) or not weapon or len(weapon) > MAX_WEAPON_ID_LEN:
        raise InputError(f"{where}: 'weapon' must be a short non-empty string")
    return weapon


def parse_event(obj: object, where: str) -> InputEvent:
    """Build an event from a dict such as {"t": 1.5, "type": "key", "key": "2"}.

    `where` names the source for error messages (for example "run.jsonl:3").
    """
    if not isinstance(obj, dict):
        raise InputError(f"{where}: an event must be a JSON object, got {type(obj).__name__}")
    t_s = _number(obj, "t", where, lo=0.0, hi=MAX_T_S)
    kind = obj.get("type")
    if kind == "key":
        key = obj.get("key")
        if not isinstance(key, str) or key not in BRANCH_KEYS:
            raise InputError(f"{where}: 'key' must be one of 1-9, got {key!r}")
        return KeyPress(t_s, key)
    if kind == "shot":
        x = _number(obj, "x", where, 0.0, 1.0)
        y = _number(obj, "y", where, 0.0, 1.0)
        weapon = _weapon(obj, where)
        weapon_kind = obj.get("kind", "firearm")
        if weapon_kind not in WEAPON_KINDS:
            raise InputError(
                f"{where}: 'kind' must be one of {', '.join(WEAPON_KINDS)}, got {weapon_kind!r}"
            )
        return Shot(t_s, x, y, weapon, weapon_kind)
    if kind == "action":
        action = obj.get("action")
        if action not in ACTIONS:
            raise InputError(
                f"{where}: 'action' must be one of {', '.join(ACTIONS)}, got {action!r}"
            )
        return TraineeAction(t_s, action)
    if kind == "flag":
        note = obj.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_NOTE_LEN:
            raise InputError(f"{where}: 'note' must be text of at most {MAX_NOTE_LEN} characters")
        return Flag(t_s, note)
    if kind == "explain":
        text = obj.get("text")
        if not isinstance(text, str) or not 0 < len(text) <= MAX_NOTE_LEN:
            raise InputError(f"{where}: 'text' must be text of 1 to {MAX_NOTE_LEN} characters")
        return Explain(t_s, text)
    if kind == "jump":
        segment = obj.get("segment")
        if not isinstance(segment, str) or not 0 < len(segment) <= 64:
            raise InputError(f"{where}: 'segment' must be a segment id")
        return JumpTo(t_s, segment)
    if kind == "malfunction":
        weapon = _weapon(obj, where)
        return Malfunction(t_s, weapon)
    if kind == "view":
        setting, on = obj.get("setting"), obj.get("on")
        if setting not in VIEW_SETTINGS or not isinstance(on, bool):
            raise InputError(
                f"{where}: a view event needs 'setting' (one of "
                f"{', '.join(VIEW_SETTINGS)}) and 'on' (true or false)"
            )
        return SetView(t_s, setting, on)
    if kind == "flashlight":
        # a tracked beam, as a flashlight device reports it: a scripted low-light run
        # places and moves it (shown while the flashlight reveal is on)
        light, on = obj.get("light", "f1"), obj.get("on")
        if not isinstance(light, str) or not light or len(light) > MAX_WEAPON_ID_LEN:
            raise InputError(f"{where}: 'light' must be a short non-empty string (f1, f2, ...)")
        if not isinstance(on, bool):
            raise InputError(f"{where}: a flashlight event needs 'on' (true or false)")
        if not on and "x" not in obj and "y" not in obj:
            return FlashlightMove(t_s, light, False)
        return FlashlightMove(
            t_s, light, on, _number(obj, "x", where, 0.0, 1.0), _number(obj, "y", where, 0.0, 1.0)
        )
    if kind == "magazine":
        weapon, inserted = _weapon(obj, where), obj.get("inserted", True)
        rounds = obj.get("rounds", 0)
        if (
            not isinstance(inserted, bool)
            or isinstance(rounds, bool)
            or not isinstance(rounds, int)
            or not 0 <= rounds <= 999
        ):
            raise InputError(
                f"{where}: a magazine event needs 'inserted' (true or false) and 'rounds' (0-999)"
            )
        return MagazineChange(t_s, weapon, inserted, rounds)
    if kind == "sound":
        sound = obj.get("sound")
        if not isinstance(sound, str) or not 0 < len(sound) <= MAX_SOUND_NAME:
            raise InputError(f"{where}: 'sound' must be a sound name (the pack's or bundled)")
        return PlaySound(t_s, sound)
    if kind == "level":
        control, percent = obj.get("control"), obj.get("percent")
        if (
            control not in LEVEL_CONTROLS
            or isinstance(percent, bool)
            or not isinstance(percent, int)
            or not 0 <= percent <= 100
        ):
            raise InputError(
                f"{where}: a level event needs 'control' (one of {', '.join(LEVEL_CONTROLS)}) "
                "and 'percent' (0-100)"
            )
        return SetLevel(t_s, control, percent)
    if kind == "score":
        return _score(obj, t_s, where)
    if kind == "said":
        phrase, text = obj.get("phrase", ""), obj.get("text", obj.get("phrase", ""))
        if not isinstance(phrase, str) or not isinstance(text, str) or not (phrase or text):
            raise InputError(f"{where}: a said event needs 'phrase' or 'text' (text)")
        if len(phrase) > MAX_NOTE_LEN or len(text) > MAX_NOTE_LEN:
            raise InputError(f"{where}: 'phrase' and 'text' are at most {MAX_NOTE_LEN} characters")
        spoke_s = _number(obj, "spoke", where, 0.0, 600.0) if "spoke" in obj else 0.0
        return Said(t_s, normalize_phrase(phrase), text, spoke_s)
    if kind == "vote":
        return _vote(obj, t_s, where)
    if kind == "angle":
        view = obj.get("view")
        if isinstance(view, bool) or not isinstance(view, int) or not 0 <= view <= 9:
            raise InputError(f"{where}: 'view' must be an alternate view's number (0-9)")
        return Angle(t_s, view)
    if kind == "close-vote":
        return CloseVote(t_s)
    if kind == "reveal":
        return Reveal(t_s)
    if kind == "continue":
        choice = obj.get("choice", "")
        if not isinstance(choice, str) or len(choice) > MAX_LABEL_LEN:
            raise InputError(f"{where}: 'choice' must be a choice's label (text)")
        return Continue(t_s, choice)
    if kind == "threat":
        effect = obj.get("effect", "impulse")
        if effect not in STRESS_EFFECTS:
            raise InputError(
                f"{where}: 'effect' must be one of {', '.join(STRESS_EFFECTS)}, got {effect!r}"
            )
        return Threat(t_s, effect)
    if kind == "disarm":
        return Disarm(t_s)
    if kind == "end":
        return EndScenario(t_s)
    if kind == "pause":
        return Pause(t_s)
    if kind == "resume":
        return Resume(t_s)
    raise InputError(
        f"{where}: unknown event type {kind!r} (expected key, shot, action, flag, jump, "
        "malfunction, view, flashlight, magazine, sound, level, score, said, vote, close-vote, "
        "reveal, continue, angle, threat, disarm, end, pause, resume)"
    )


def normalize_phrase(text: str) -> str:
    """A phrase as triggers compare it: lower case, letters, digits and apostrophes, words
    joined by one space ("Show me your HANDS!" -> "show me your hands")."""
    kept = "".join(c if c.isalnum() or c == "'" else " " for c in text.lower())
    return " ".join(kept.split())


def _score(obj: dict, t_s: float, where: str) -> Score:
    """{"type": "score", "item": ID, "level": N or "not-observed", "weapon": "w1",
    "comment": TEXT}: shapes and bounds only; the pack's rubric is the runtime's check."""
    item, level = obj.get("item"), obj.get("level", _ABSENT)
    if not isinstance(item, str) or not 0 < len(item) <= MAX_ITEM_ID_LEN:
        raise InputError(f"{where}: 'item' must be a rubric item's id")
    if level is _ABSENT:
        raise InputError(f"{where}: missing 'level' (a level of the scale, or {NOT_OBSERVED!r})")
    if level == NOT_OBSERVED or level is None:
        level = None
    elif isinstance(level, bool) or not isinstance(level, int) or abs(level) > MAX_SCORE_LEVEL:
        raise InputError(
            f"{where}: 'level' must be a whole level of the pack's scale or "
            f"{NOT_OBSERVED!r}, got {str(level)[:40]!r}"
        )
    weapon = _weapon(obj, where)
    comment = obj.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_NOTE_LEN:
        raise InputError(f"{where}: 'comment' must be text of at most {MAX_NOTE_LEN} characters")
    return Score(t_s, item, level, weapon, comment)


def _vote(obj: dict, t_s: float, where: str) -> Vote:
    """{"type": "vote", "choice": LABEL}, optionally "question": N and "voter": ID."""
    choice = obj.get("choice")
    if not isinstance(choice, str) or not 0 < len(choice) <= MAX_LABEL_LEN:
        raise InputError(
            f"{where}: 'choice' must be a choice's label (1 to {MAX_LABEL_LEN} characters)"
        )
    question = obj.get("question", 0)
    if (
        isinstance(question, bool)
        or not isinstance(question, int)
        or not 0 <= question <= MAX_QUESTIONS
    ):
        raise InputError(f"{where}: 'question' must be a question number (0 to {MAX_QUESTIONS})")
    voter = obj.get("voter", "")
    if not isinstance(voter, str) or len(voter) > MAX_WEAPON_ID_LEN:
        raise InputError(f"{where}: 'voter' must be a short id")
    return Vote(t_s, choice, question, voter)


_ABSENT = object()
