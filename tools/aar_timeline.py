"""The after-action review's timeline (tools/aar.py): one SVG of the session, lanes for
flags, sounds, segments with cues, shots and dry pulls, coded actions, pauses and low
light over a time axis whose labels never touch. Reads a re-simulated session
(tools.aar_replay.Replayed); draws nothing else."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.aar_replay import Replayed

ROLE_COLOURS = {"threat": "#d9534f", "no-shoot": "#3c8dbc", "cover": "#6c757d", None: "#999"}
#: the station's key for each coded action (engine/instructor_console.py), drawn on the timeline
ACTION_KEYS = {
    "verbal-command": "V",
    "cover-taken": "C",
    "distance-created": "D",
    "backup-requested": "B",
    "intervened": "I",
}


def _said(action: str) -> str:
    return action.replace("-", " ")


#: time-axis steps, s: the first one whose labels stand TICK_MIN_PX apart is used
TICK_STEPS_S = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
TICK_MIN_PX = 55


def _time_ticks(end_s: float, scale: float) -> list[tuple[float, str]]:
    """(session s, label) for the axis: a round step wide enough that labels never touch
    (a 94 s session once had a label every 9 px); m:ss from two minutes on."""
    step = next((st for st in TICK_STEPS_S if st * scale >= TICK_MIN_PX), TICK_STEPS_S[-1])
    while end_s / step > 24:  # a very long session: keep the count of labels bounded
        step *= 2
    ticks, k = [], 0
    while k * step <= end_s + 1e-9:
        t = k * step
        label = f"{int(t) // 60}:{int(t) % 60:02d}" if end_s >= 120 else f"{t:g}s"
        ticks.append((t, label))
        k += 1
    return ticks


def _segment_colours(timeline: list[tuple[float, str]]) -> dict[str, str]:
    palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]
    colours: dict[str, str] = {}
    for _, seg in timeline:
        colours.setdefault(seg, palette[len(colours) % len(palette)])
    return colours


def _timeline_svg(rp: Replayed, end_s: float, decided: list[dict] = ()) -> str:
    """Lanes, top to bottom: flags, sounds, segments (cues as dashed lines across), shots
    and dry pulls, coded actions and the trainee's words, pauses, low light (a beam's light
    inside it), the axis. `decided` (tools.aar_voice.decisions): a shot's or a branch's
    tooltip adds what the trainee said before it."""
    rt, timeline = rp.rt, rp.timeline
    before = {
        ("shot" if d["kind"] == "dry" else d["kind"], round(d["t_s"], 6)): "; said before: "
        + "; ".join(f"{u['t_s']:.2f} s {u['words']}" for u in d["said"])
        for d in decided
        if d["said"]
    }

    def said_before(kind: str, t_s: float) -> str:
        return before.get((kind, round(t_s, 6)), "")

    width, left, right, height = 900, 74, 14, 170
    scale = (width - left - right) / max(end_s, 0.001)
    e = html.escape

    def at(t_s: float) -> float:
        return left + t_s * scale

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="sans-serif">'
    ]
    for y, name in ((17, "flags"), (34, "sounds"), (57, "segments"), (88, "shots")):
        parts.append(f'<text x="4" y="{y}" font-size="10" fill="#666">{name}</text>')
    for y, name in ((108, "actions"), (126, "paused"), (141, "low light")):
        parts.append(f'<text x="4" y="{y}" font-size="10" fill="#666">{name}</text>')
    colours = _segment_colours(timeline)
    for i, (t0, seg) in enumerate(timeline):
        t1 = timeline[i + 1][0] if i + 1 < len(timeline) else end_s
        colour = colours[seg]
        x0, x1 = at(t0), at(t1)
        parts.append(
            f'<rect x="{x0:.1f}" y="42" width="{max(x1 - x0, 1):.1f}" height="24" '
            f'fill="{colour}"><title>{e(seg)}: {t0:.2f}-{t1:.2f} s{e(said_before("branch", t0))}'
            "</title></rect>"
        )
        if x1 - x0 > 7 * len(seg) + 6:  # a name that does not fit is in the tooltip
            parts.append(
                f'<text x="{x0 + 3:.1f}" y="58" font-size="11" fill="white">{e(seg)}</text>'
            )
    for c in rt.cues:
        x = at(c.t_s)
        parts.append(
            f'<line x1="{x:.1f}" y1="38" x2="{x:.1f}" y2="96" stroke="#222" '
            f'stroke-dasharray="3,2"><title>cue: {e(c.name)} {c.t_s:.2f} s</title></line>'
        )
    for s in rt.shots:
        x = at(s.t_s)
        if not s.fired:
            parts.append(
                f'<circle cx="{x:.1f}" cy="84" r="5" fill="white" stroke="#555" '
                f'stroke-dasharray="2,1.5"><title>dry trigger pull ({e(s.dry_reason)}) '
                f"{s.t_s:.2f} s, {e(s.weapon)}{e(said_before('shot', s.t_s))}"
                "</title></circle>"
            )
            continue
        what = f"{s.zone} ({s.role})" if s.zone else "miss"
        parts.append(
            f'<circle cx="{x:.1f}" cy="84" r="6" fill="{ROLE_COLOURS.get(s.role, "#999")}" '
            f'stroke="#000"><title>shot {s.t_s:.2f} s, {e(s.weapon)}: {e(what)}'
            f"{e(said_before('shot', s.t_s))}</title></circle>"
        )
    for a in rt.actions:
        x = at(a.t_s)
        key = ACTION_KEYS.get(a.action, "?")
        parts.append(
            f"<g><title>action: {e(_said(a.action))} {a.t_s:.2f} s</title>"
            f'<rect x="{x - 6:.1f}" y="97" width="12" height="14" rx="2" fill="#2e7d32"/>'
            f'<text x="{x:.1f}" y="108" font-size="10" fill="white" '
            f'text-anchor="middle">{key}</text></g>'
        )
    for t_s, _, what in getattr(rp, "said", ()):  # the trainee's recognized words
        x = at(t_s)
        parts.append(
            f"<g><title>{e(what)} {t_s:.2f} s</title>"
            f'<rect x="{x - 6:.1f}" y="97" width="12" height="14" rx="6" fill="#00838f"/>'
            f'<text x="{x:.1f}" y="108" font-size="10" fill="white" '
            f'text-anchor="middle">"</text></g>'
        )
    for a, b in rp.paused:
        parts.append(
            f'<rect x="{at(a):.1f}" y="117" width="{max((b - a) * scale, 2):.1f}" height="12" '
            f'fill="#bbb" stroke="#888"><title>paused {a:.2f}-{b:.2f} s</title></rect>'
        )
    for a, b in rp.low_light:
        parts.append(
            f'<rect x="{at(a):.1f}" y="132" width="{max((b - a) * scale, 2):.1f}" height="12" '
            f'fill="#1d2a44"><title>low light {a:.2f}-{b:.2f} s</title></rect>'
        )
    for a, b in rp.flashlight:
        parts.append(
            f'<rect x="{at(a):.1f}" y="136" width="{max((b - a) * scale, 2):.1f}" height="4" '
            f'fill="#f5d76e"><title>flashlight beam {a:.2f}-{b:.2f} s</title></rect>'
        )
    for snd in rt.sounds:
        x = at(snd.t_s)
        label = e(rt.scenario.sounds[snd.sound].label)
        parts.append(
            f'<polygon points="{x:.1f},24 {x + 5:.1f},30 {x:.1f},36 {x - 5:.1f},30" '
            f'fill="#7b4fa0"><title>sound: {label} ({snd.source})</title></polygon>'
        )
    for f in rt.flags:
        x = at(f.t_s)
        parts.append(
            f'<polygon points="{x:.1f},6 {x + 10:.1f},12 {x:.1f},18" fill="#f0ad4e">'
            f"<title>flag: {e(f.note)}</title></polygon>"
        )
        parts.append(f'<line x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="40" stroke="#f0ad4e"/>')
    parts.append(f'<line x1="{left}" y1="150" x2="{width - right}" y2="150" stroke="#999"/>')
    for t, label in _time_ticks(end_s, scale):
        x = at(t)
        parts.append(f'<line x1="{x:.1f}" y1="150" x2="{x:.1f}" y2="155" stroke="#999"/>')
        parts.append(
            f'<text x="{x:.1f}" y="166" font-size="10" fill="#555" '
            f'text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
