"""The after-action review's re-simulation (tools/aar.py): a recorded session stepped again
tick by tick, keeping what the runtime's own records do not: the segments played in order,
the instructor's pauses, low light and flashlight spans, view changes, the look of the
trainee view at each shot, and what the trainee said. Writes nothing; must not import the
report's page or tables (they read a Replayed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.events import EndScenario, Said
from sim.runtime import ScenarioRuntime
from tools.aar_voice import words
from tools.recordings import Recording


@dataclass
class Replayed:
    """A recorded session re-simulated to its last tick, with what the runtime's records
    do not keep: the segments played in order, when the instructor paused, when the view
    was dark, and how the trainee view looked at each shot."""

    rt: ScenarioRuntime
    timeline: list[tuple[float, str]]  # (session s, segment entered)
    paused: list[tuple[float, float]] = field(default_factory=list)  # (from s, to s)
    low_light: list[tuple[float, float]] = field(default_factory=list)
    flashlight: list[tuple[float, float]] = field(default_factory=list)  # a beam lit the view
    view_rows: list[dict] = field(default_factory=list)  # pause, resume, view changes
    # shot tick: (night mix 0 day .. 1 night, the flashlight beams drawn), as the view had it
    looks: dict[int, tuple[float, tuple[tuple[float, float], ...]]] = field(default_factory=dict)
    # what the trainee said (recognized on --trainee-mic, recorded as Said inputs):
    # (session s, segment, "said: ...") in time order, a response like a shot or an action
    said: list[tuple[float, str, str]] = field(default_factory=list)
    talk_s: float = 0.0  # how long the trainee spoke, summed over the utterances
    # the same utterances as data: {t_s, segment, phrase, text, spoke_s} (tools/aar_voice.py)
    utterances: list[dict] = field(default_factory=list)
    # (session s, ending segment, how) each time the scenario ended
    endings: list[tuple[float, str, str]] = field(default_factory=list)

    def paused_between(self, t0_s: float, t1_s: float) -> float:
        return sum(max(0.0, min(b, t1_s) - max(a, t0_s)) for a, b in self.paused)

    def dark_at(self, t_s: float) -> bool:
        return any(a <= t_s <= b for a, b in self.low_light)


def replay(recording: Recording) -> Replayed:
    """The recorded session re-simulated tick by tick (see Replayed)."""
    from engine.lowlight import FADE_S

    inputs = recording.inputs_by_tick()
    rt = recording.runtime()
    rp = Replayed(rt, [(0.0, rt.state.segment)])
    fade = 1.0 / (rt.tick_hz * FADE_S)  # the view fades low light in and out over FADE_S
    mix = 0.0
    since: dict[str, float] = {}  # span kind: session s it began
    lit: dict[str, tuple[float, float]] = {}  # flashlight id: where it points, while on
    while rt.state.tick < recording.last_tick:
        before, shots = rt.state, len(rt.shots)
        step_inputs = inputs.get(before.tick + 1, [])
        rt.step(step_inputs)
        st = rt.state
        for said in (i for i in step_inputs if isinstance(i, Said)):
            heard = words(said.phrase, said.text)
            rp.said.append((said.t_s, before.segment, f"said: {heard}"))
            rp.talk_s += said.spoke_s
            rp.utterances.append(
                {
                    "t_s": said.t_s,
                    "segment": before.segment,
                    "phrase": said.phrase,
                    "text": said.text,
                    "spoke_s": said.spoke_s,
                }
            )
            rp.view_rows.append(
                {
                    "t_s": said.t_s,
                    "tick": st.tick,
                    "segment": before.segment,
                    "kind": "said",
                    "detail": heard,
                }
            )
        if st.ended and not before.ended:
            by = any(isinstance(i, EndScenario) for i in step_inputs)
            rp.endings.append(
                (st.t_s, st.segment, "ended by the instructor" if by else f"ended in {st.segment}")
            )
        if rt.branches and rt.branches[-1].tick == st.tick and before.segment != st.segment:
            rp.timeline.append((st.t_s, st.segment))
        mix = min(1.0, mix + fade) if st.low_light else max(0.0, mix - fade)
        beams = st.beams if st.flashlight else ()
        if len(rt.shots) > shots:
            rp.looks[st.tick] = (mix, beams)
        for kind, was, now, spans in (
            ("paused", before.paused, st.paused, rp.paused),
            ("low light", before.low_light, st.low_light, rp.low_light),
            (  # a beam lights only the dark view: in daylight it changes nothing
                "flashlight",
                bool(before.beams and before.flashlight and before.low_light),
                bool(beams and st.low_light),
                rp.flashlight,
            ),
        ):
            if now and not was:
                since[kind] = st.t_s
            elif was and not now:
                spans.append((since.pop(kind), st.t_s))
        row = {"t_s": st.t_s, "tick": st.tick, "segment": st.segment}
        if st.paused != before.paused:
            what = (
                "the instructor paused"
                if st.paused
                else f"resumed after {rp.paused[-1][1] - rp.paused[-1][0]:.2f} s"
            )
            rp.view_rows.append({**row, "kind": "pause" if st.paused else "resume", "detail": what})
        for name, was, now in (
            ("low light", before.low_light, st.low_light),
            ("flashlight reveal", before.flashlight, st.flashlight),
            ("trainee hit markers", before.markers, st.markers),
        ):
            if was != now:
                rp.view_rows.append(
                    {**row, "kind": "view", "detail": f"{name} {'on' if now else 'off'}"}
                )
        now_lit = {k: (x, y) for k, (on, x, y) in rt.flashlights.items() if on}
        for light in sorted(set(now_lit) ^ set(lit)):
            at = now_lit.get(light)
            what = f"flashlight {light} " + (f"on at ({at[0]:.3f}, {at[1]:.3f})" if at else "off")
            rp.view_rows.append({**row, "kind": "view", "detail": what})
        lit = now_lit
    for kind, spans in (
        ("paused", rp.paused),
        ("low light", rp.low_light),
        ("flashlight", rp.flashlight),
    ):
        if kind in since:  # still on when the recording ends
            spans.append((since[kind], rt.state.t_s))
    return rp
