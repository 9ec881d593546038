"""The instructor's stress-device keys: `T` fires the threat device (an impulse, capped by
the station's safety limit), `X` disarms every stress device at once for the rest of the
session. Both are input events (sim.events.Threat, Disarm), so they are recorded and the
sim refuses a threat while paused, after the end or once disarmed. Attached by
engine/app.py; the devices themselves are drivers/devices.py's."""

from __future__ import annotations

from sim.events import Disarm, Threat

KEYS_HELP = (("T", "fire the threat device (capped by the local limit)"), ("X", "disarm all"))


def attach(app) -> None:
    def fire() -> None:
        if app.console.note is not None or app.console.score is not None:
            return  # typing a note or a comment: the letter is text
        app.session.inputs.put(Threat(0.0, "impulse"), app.clock())
        app.console.message = "threat device: impulse"

    def disarm() -> None:  # always, even while typing: disarming is the safe mistake
        app.session.inputs.put(Disarm(0.0), app.clock())
        app.console.message = "ALL STRESS DEVICES DISARMED"

    for prefix in ("", "inst-"):
        app.base.accept(prefix + "t", fire)
        app.base.accept(prefix + "x", disarm)
