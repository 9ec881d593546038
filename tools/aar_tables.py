"""The after-action review's tables (tools/aar.py): every event as a row (events.csv and
events.json), the reaction time from each cue to the trainee's first response, and every
response with the cue it followed. Reads a re-simulated session (tools.aar_replay.Replayed);
writes nothing, draws nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.runtime import ScenarioRuntime
from tools.aar_timeline import _said
from tools.aar_voice import verbal_commands

if TYPE_CHECKING:
    from tools.aar_replay import Replayed


def events_table(rt: ScenarioRuntime, view_rows: list[dict] = ()) -> list[dict]:
    """Every event, one row each, for events.csv/json and the page; times in session s,
    rounded to the millisecond (ticks are exact)."""
    rows = list(view_rows)
    for b in rt.branches:
        rows.append(
            {
                "t_s": b.t_s,
                "tick": b.tick,
                "kind": "branch",
                "segment": b.from_segment,
                "detail": f"-> {b.to_segment} ({b.trigger})",
            }
        )
    for c in rt.cues:
        rows.append(
            {"t_s": c.t_s, "tick": c.tick, "kind": "cue", "segment": c.segment, "detail": c.name}
        )
    for s in rt.shots:
        what = (
            f"DRY ({s.dry_reason})"
            if not s.fired
            else f"{s.zone} ({s.role}) {s.points:+d}"
            if s.zone
            else "miss"
        )
        rows.append(
            {
                "t_s": s.t_s,
                "tick": s.tick,
                "kind": "shot",
                "segment": s.segment,
                "detail": f"{s.weapon} {s.kind} at ({s.x_norm:.3f}, {s.y_norm:.3f}): {what}"
                + (f", {s.since_cue_s:.3f} s after '{s.cue}'" if s.cue else ""),
            }
        )
    for f in rt.flags:
        rows.append(
            {"t_s": f.t_s, "tick": f.tick, "kind": "flag", "segment": f.segment, "detail": f.note}
        )
    for a in rt.actions:
        rows.append(
            {
                "t_s": a.t_s,
                "tick": a.tick,
                "kind": "action",
                "segment": a.segment,
                "detail": a.action,
            }
        )
    for snd in rt.sounds:
        label = rt.scenario.sounds[snd.sound].label
        rows.append(
            {
                "t_s": snd.t_s,
                "tick": snd.tick,
                "kind": "sound",
                "segment": snd.segment,
                "detail": f"{label} ({snd.sound}), played by the {snd.source}",
            }
        )
    for lv in rt.level_changes:
        rows.append(
            {
                "t_s": lv.t_s,
                "tick": lv.tick,
                "kind": "level",
                "segment": "",
                "detail": f"{lv.control} volume {lv.percent} %",
            }
        )
    for t_s, device, up, text in rt.device_events:
        rows.append(
            {
                "t_s": t_s,
                "tick": round(t_s * rt.tick_hz),
                "kind": "device",
                "segment": "",
                "detail": f"{device}: {text}" + ("" if up else " (DOWN)"),
            }
        )
    for r in rows:
        r["t_s"] = round(r["t_s"], 3)
    return sorted(rows, key=lambda r: (r["t_s"], r["kind"]))


def _responses(rt: ScenarioRuntime) -> list[tuple[float, str, str]]:
    """What the trainee did, in time order: (session s, segment, what) for each shot, dry
    trigger pull and coded action."""
    out = []
    for s in rt.shots:
        if not s.fired:
            what = f"dry trigger pull ({s.dry_reason or 'did not fire'})"
        else:
            what = f"shot: {s.zone} ({s.role})" if s.zone else "shot: miss"
        out.append(
            (s.t_s, s.segment, f"{s.weapon} {s.kind} {what}" if s.kind != "firearm" else what)
        )
    out += [(a.t_s, a.segment, f"action: {_said(a.action)}") for a in rt.actions]
    return sorted(out, key=lambda r: r[0])


def _visit_end(rt: ScenarioRuntime, t_s: float) -> float:
    """When the segment playing at `t_s` was left (a branch at the same tick as a response
    still counts that response in it)."""
    return min((b.t_s for b in rt.branches if b.t_s > t_s), default=float("inf"))


def _conditions(rp: Replayed, t0_s: float, t1_s: float) -> str:
    notes = []
    if rp.dark_at(t1_s):
        lit = any(a <= t1_s <= b for a, b in rp.flashlight)
        notes.append("in low light" + (", flashlight on" if lit else ""))
    paused = rp.paused_between(t0_s, t1_s)
    if paused > 0:
        notes.append(f"paused {paused:.2f} s, not counted")
    return "; ".join(notes)


def reaction_times(rp: Replayed) -> list[dict]:
    """For each cue, the trainee's first response after it in the same visit to its
    segment (a shot, a dry trigger pull, a coded action or a verbal command), and the
    first verbal command alone (a recognized pack phrase or the V key; talk that matched
    no phrase is neither: tools/aar_voice.py). Time the instructor held the session paused
    is not reaction time."""
    rt, out = rp.rt, []
    commands = verbal_commands(rp)
    said = [c for c in commands if c[2].startswith("said: ")]
    responses = sorted(_responses(rt) + said, key=lambda r: r[0])

    def first_after(c, among):
        until = _visit_end(rt, c.t_s)
        return next((r for r in among if r[1] == c.segment and c.t_s <= r[0] <= until), None)

    def since(c, r):
        return round(r[0] - c.t_s - rp.paused_between(c.t_s, r[0]), 6) if r else None

    for c in rt.cues:
        first, verbal = first_after(c, responses), first_after(c, commands)
        out.append(
            {
                "cue": c.name,
                "t_s": c.t_s,
                "segment": c.segment,
                "response": first[2] if first else "none",
                "reaction_s": since(c, first),
                "verbal": verbal[2] if verbal else "none",
                "verbal_s": since(c, verbal),
                "notes": _conditions(rp, c.t_s, first[0] if first else c.t_s),
            }
        )
    return out


def response_table(rp: Replayed) -> list[dict]:
    """Every response, with the latest cue before it in the same visit to its segment (or
    how long into the segment it came, when no cue had passed)."""
    rt, out = rp.rt, []
    for t_s, segment, what in sorted(_responses(rt) + rp.said, key=lambda r: r[0]):
        cue = max(
            (c for c in rt.cues if c.segment == segment and c.t_s <= t_s <= _visit_end(rt, c.t_s)),
            key=lambda c: c.t_s,
            default=None,
        )
        if cue is not None:
            since = t_s - cue.t_s - rp.paused_between(cue.t_s, t_s)
            after = f"{since:.2f} s after '{cue.name}'"
            t0 = cue.t_s
        else:
            t0 = max((t for t, seg in rp.timeline if seg == segment and t <= t_s), default=0.0)
            into = t_s - t0 - rp.paused_between(t0, t_s)
            after = f"before any cue ({into:.2f} s into the segment)"
        out.append(
            {
                "t_s": t_s,
                "segment": segment,
                "what": what,
                "after": after,
                "notes": _conditions(rp, t0, t_s),
            }
        )
    return out
