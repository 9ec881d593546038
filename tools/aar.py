"""`sightline aar REC -o DIR`: the after-action review of a recorded session.

The session is re-simulated from its recording (exactly, tick by tick; tools.recordings
reads it and checks its pack) and written as:
  report.html   the timeline (segments, branches, cues, shots, flags), reaction time from
                each cue to the first response, shot placement drawn on frame grabs of the
                clip, hits by zone role, per-trainee figures, flags with notes, and the
                scenario's guidebook questions
  events.csv    every event, one row each, for researchers
  events.json   the same, with the recording's header
  shot-N.png    the frame grab of each shot
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import stat
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np

from sim.errors import UserError
from sim.files import (
    PRIVATE_DIR_MODE,
    PRIVATE_MODE,
    FileProblem,
    create_private,
    open_regular,
    why,
)
from sim.hit_zones import screen_to_media
from sim.recording import camera_side_file
from sim.runtime import ScenarioRuntime
from tools.progress import progress
from tools.recordings import Recording

ROLE_COLOURS = {"threat": "#d9534f", "no-shoot": "#3c8dbc", "cover": "#6c757d", None: "#999"}


def replay(recording: Recording):
    """The recorded session re-simulated to its last tick, with the timeline of segments
    played: [(session s, segment)]."""
    inputs = recording.inputs_by_tick()
    rt = recording.runtime()
    timeline = [(0.0, rt.state.segment)]
    while rt.state.tick < recording.last_tick:
        before = rt.state.segment
        rt.step(inputs.get(rt.state.tick + 1, []))
        if rt.branches and rt.branches[-1].tick == rt.state.tick and before != rt.state.segment:
            timeline.append((rt.state.t_s, rt.state.segment))
    return rt, timeline


def events_table(rt: ScenarioRuntime) -> list[dict]:
    rows = []
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
    return sorted(rows, key=lambda r: (r["t_s"], r["kind"]))


def reaction_times(rt: ScenarioRuntime) -> list[dict]:
    """For each cue, the first response after it in the same segment: a shot or a coded
    action."""
    out = []
    for c in rt.cues:
        responses = [
            (s.t_s, f"shot ({s.zone or 'miss'})")
            for s in rt.shots
            if s.segment == c.segment and s.t_s >= c.t_s
        ]
        responses += [
            (a.t_s, f"action: {a.action}")
            for a in rt.actions
            if a.segment == c.segment and a.t_s >= c.t_s
        ]
        first = min(responses, default=None)
        out.append(
            {
                "cue": c.name,
                "t_s": c.t_s,
                "segment": c.segment,
                "response": first[1] if first else "none",
                "reaction_s": (first[0] - c.t_s) if first else None,
            }
        )
    return out


def frame_grab(pack, rt, shot, out: Path, width: int = 480) -> bool:
    seg = pack.scenario.segments[shot.segment]
    cap = cv2.VideoCapture(str(pack.clip_path(seg.clip)))
    cap.set(cv2.CAP_PROP_POS_MSEC, shot.media_t_s * 1000)
    ok, img = cap.read()
    cap.release()
    if not ok:
        return False
    h, w = img.shape[:2]
    for zone in seg.zones:
        poly = (zone.polygon_at(shot.media_t_s) * [w, h]).astype(np.int32)
        colour = tuple(int(ROLE_COLOURS[zone.role][i : i + 2], 16) for i in (5, 3, 1))
        cv2.polylines(img, [poly], True, colour, 2, cv2.LINE_AA)
    m = screen_to_media(shot.x_norm, shot.y_norm, rt.screen_aspect, seg.media_aspect)
    if m is not None:
        c = (round(m[0] * w), round(m[1] * h))
        cv2.circle(img, c, 14, (0, 0, 0), 5, cv2.LINE_AA)
        cv2.circle(img, c, 14, (0, 0, 255), 2, cv2.LINE_AA)
        cv2.circle(img, c, 2, (0, 0, 255), -1, cv2.LINE_AA)
    img = cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return bool(cv2.imwrite(str(out), img))


def _camera_video(recording: Path, header: dict, out_dir: Path) -> str | None:
    """Copy the session's trainee camera video into the report; its name there, or None.
    Only the recording's own side file (sim.recording.camera_side_file), a regular file
    and not a link: the header says whether there is one, never where (a hostile header
    once named /etc/passwd and had it copied here)."""
    if not (header.get("config") or {}).get("trainee_camera"):
        return None
    src = camera_side_file(recording)
    try:
        if not stat.S_ISREG(src.lstat().st_mode):
            return None
        fh = open_regular(src)
    except (OSError, FileProblem):
        return None
    with fh, os.fdopen(create_private(out_dir / "trainee-camera.mp4"), "wb") as out:
        shutil.copyfileobj(fh, out, 1 << 20)
    return "trainee-camera.mp4"


def _private_dir(out_dir: Path) -> dict[str, int]:
    """Create the report folder owner-only (trainee data: frames, the camera video); the
    modification times of what it already holds, for _make_private."""
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            out_dir.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
        except (OSError, ValueError) as exc:
            raise UserError(f"{out_dir}: cannot create the report folder ({why(exc)})") from None
    return {p.name: p.lstat().st_mtime_ns for p in out_dir.iterdir()}


def _make_private(out_dir: Path, before: dict[str, int]) -> None:
    """Every file this report wrote (new, or rewritten since `before`) readable by its
    owner only; links and anything else already there are left alone."""
    for p in out_dir.iterdir():
        st = p.lstat()
        if stat.S_ISREG(st.st_mode) and before.get(p.name) != st.st_mtime_ns:
            p.chmod(PRIVATE_MODE)


def camera_grab(video: Path, t_s: float, out: Path, width: int = 240) -> bool:
    """The trainee camera's frame at session time t_s (its file is timed in session s)."""
    cap = cv2.VideoCapture(str(video))
    best = None
    while True:
        ok, img = cap.read()
        if not ok or cap.get(cv2.CAP_PROP_POS_MSEC) / 1000 > t_s + 1e-4:
            break
        best = img
    cap.release()
    if best is None:
        return False
    h, w = best.shape[:2]
    best = cv2.resize(best, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return bool(cv2.imwrite(str(out), best))


def _guidebook_html(text: str | None) -> str:
    if not text:
        return "<p>This scenario has no guidebook.</p>"
    out, in_list = [], False
    for line in text.splitlines():
        if line.startswith("- ") or (in_list and line.startswith("  ")):
            if line.startswith("- "):
                if not in_list:
                    out.append("<ul>")
                    in_list = True
                out.append(f"<li>{html.escape(line[2:])}")
            else:
                out.append(html.escape(line.strip()))
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        m = re.match(r"^(#{1,3})\s+(.*)", line)
        if m:
            level = min(len(m.group(1)) + 2, 4)
            out.append(f"<h{level}>{html.escape(m.group(2))}</h{level}>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _timeline_svg(rt, timeline, end_s: float) -> str:
    width, left, right = 900, 10, 10
    scale = (width - left - right) / max(end_s, 0.001)
    parts = [f'<svg class="timeline" viewBox="0 0 {width} 120" width="{width}" height="120">']
    palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]
    colours = {}
    for i, (t0, seg) in enumerate(timeline):
        t1 = timeline[i + 1][0] if i + 1 < len(timeline) else end_s
        colour = colours.setdefault(seg, palette[len(colours) % len(palette)])
        x0, x1 = left + t0 * scale, left + t1 * scale
        parts.append(
            f'<rect x="{x0:.1f}" y="40" width="{max(x1 - x0, 1):.1f}" height="30" '
            f'fill="{colour}"><title>{html.escape(seg)}</title></rect>'
        )
        parts.append(
            f'<text x="{x0 + 3:.1f}" y="60" font-size="11" fill="white">{html.escape(seg)}</text>'
        )
    for c in rt.cues:
        x = left + c.t_s * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="80" stroke="#222" '
            f'stroke-dasharray="3,2"><title>cue: {html.escape(c.name)}</title></line>'
        )
    for s in rt.shots:
        x = left + s.t_s * scale
        fill = ROLE_COLOURS.get(s.role if s.fired else None, "#999")
        parts.append(
            f'<circle cx="{x:.1f}" cy="95" r="6" fill="{fill}" stroke="#000">'
            f"<title>shot {s.t_s:.2f} s</title></circle>"
        )
    for snd in rt.sounds:
        x = left + snd.t_s * scale
        label = html.escape(rt.scenario.sounds[snd.sound].label)
        parts.append(
            f'<polygon points="{x:.1f},24 {x + 5:.1f},30 {x:.1f},36 {x - 5:.1f},30" '
            f'fill="#7b4fa0"><title>sound: {label} ({snd.source})</title></polygon>'
        )
    for f in rt.flags:
        x = left + f.t_s * scale
        parts.append(
            f'<polygon points="{x:.1f},8 {x + 10:.1f},14 {x:.1f},20" fill="#f0ad4e">'
            f"<title>flag: {html.escape(f.note)}</title></polygon>"
        )
        parts.append(f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="38" stroke="#f0ad4e"/>')
    for k in range(int(end_s) + 1):
        x = left + k * scale
        parts.append(f'<text x="{x:.1f}" y="116" font-size="9" fill="#555">{k}s</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def write_report(recording: Recording, out_dir: Path) -> Path:
    """Write the review of a recording (tools.recordings.load_recording) into `out_dir`;
    returns the path of report.html."""
    path, header, pack = recording.path, recording.header, recording.pack
    rt, timeline = replay(recording)
    before = _private_dir(out_dir)
    rows = events_table(rt)
    with (out_dir / "events.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["t_s", "tick", "kind", "segment", "detail"])
        writer.writeheader()
        writer.writerows(rows)
    (out_dir / "events.json").write_text(
        json.dumps(
            {"header": {k: v for k, v in header.items() if k != "k"}, "events": rows}, indent=1
        )
    )
    fired = [s for s in rt.shots if s.fired]
    by_role = Counter(s.role or "miss" for s in fired)
    per_weapon = defaultdict(lambda: {"shots": 0, "hits": 0, "score": 0, "dry": 0})
    for s in rt.shots:
        w = per_weapon[s.weapon]
        if not s.fired:
            w["dry"] += 1
            continue
        w["shots"] += 1
        w["hits"] += bool(s.zone)
        w["score"] += s.points
    camera = _camera_video(path, header, out_dir)
    grabs = []
    for i, s in enumerate(progress(fired, "aar: frame grabs"), 1):
        name = f"shot-{i}.png"
        if frame_grab(pack, rt, s, out_dir / name):
            cam = f"shot-{i}-camera.jpg"
            if camera is None or not camera_grab(out_dir / camera, s.t_s, out_dir / cam):
                cam = None
            grabs.append((s, name, cam))
    end_s = rt.state.t_s
    reactions = reaction_times(rt)
    e = html.escape
    doc = [
        f"""<!doctype html><html><head><meta charset="utf-8">
<title>After-action review: {e(pack.title)}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; max-width: 960px; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #666; margin-top: 4px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px; }}
th {{ background: #f3f3f3; }} .grabs {{ display: flex; flex-wrap: wrap; gap: 12px; }}
figure {{ margin: 0; }} figcaption {{ font-size: 13px; color: #444; }}
</style></head><body>
<h1>After-action review</h1>
<p class="sub">{e(pack.title)} &middot; {e(pack.meta.category or "")} &middot;
session {end_s:.1f} s &middot; recorded by {e(str(header.get("program", "")))}</p>
<h2>Timeline</h2>
{_timeline_svg(rt, timeline, end_s)}
<p>Segments: {" &rarr; ".join(e(s) for s in rt.segments_played)}</p>
<p class="legend">Marks: <span style="color:#f0ad4e">&#9873; flag</span> &middot;
<span style="color:#7b4fa0">&#9670; sound (pack or instructor)</span> &middot;
dashed line: cue &middot; &#9679; shot, coloured by the zone role hit</p>
<h2>Reaction times</h2>
<table><tr><th>cue</th><th>at</th><th>segment</th><th>first response</th><th>reaction</th></tr>
"""
    ]
    for r in reactions:
        rs = f"{r['reaction_s']:.2f} s" if r["reaction_s"] is not None else "-"
        doc.append(
            f"<tr><td>{e(r['cue'])}</td><td>{r['t_s']:.2f} s</td><td>{e(r['segment'])}"
            f"</td><td>{e(r['response'])}</td><td>{rs}</td></tr>"
        )
    if not reactions:
        doc.append("<tr><td colspan=5>no cues in the segments played</td></tr>")
    doc.append(
        "</table><h2>Hits by zone role</h2><table><tr>"
        + "".join(f"<th>{e(k)}</th>" for k in ("threat", "no-shoot", "cover", "miss"))
        + "</tr><tr>"
        + "".join(f"<td>{by_role.get(k, 0)}</td>" for k in ("threat", "no-shoot", "cover", "miss"))
        + "</tr></table>"
    )
    doc.append(
        "<h2>Per trainee</h2><table><tr><th>weapon</th><th>shots</th><th>hits</th>"
        "<th>score</th><th>dry pulls</th></tr>"
    )
    for weapon, w in sorted(per_weapon.items()):
        doc.append(
            f"<tr><td>{e(weapon)}</td><td>{w['shots']}</td><td>{w['hits']}</td>"
            f"<td>{w['score']}</td><td>{w['dry']}</td></tr>"
        )
    if not per_weapon:
        doc.append("<tr><td colspan=5>no shots</td></tr>")
    doc.append("</table><h2>Shot placement</h2><div class=grabs>")
    for s, name, cam in grabs:
        what = f"{s.zone} ({s.role})" if s.zone else "miss"
        inset = (
            f'<img src="{cam}" width="200" alt="trainee camera" style="margin-left:8px">'
            if cam
            else ""
        )
        doc.append(
            f'<figure><img src="{name}" width="420">{inset}<figcaption>{s.t_s:.2f} s '
            f"{e(s.weapon)}: {e(what)}"
            + (" (right: the trainee)" if cam else "")
            + "</figcaption></figure>"
        )
    if not grabs:
        doc.append("<p>No shots were fired.</p>")
    doc.append("</div>")
    if camera is not None:
        doc.append(
            "<h2>Trainee camera</h2><p>Timed in session seconds, like the timeline.</p>"
            f'<video src="{camera}" controls width="480"></video>'
        )
    doc.append("<h2>Flags</h2><ul>")
    doc += [
        f"<li>{f.t_s:.2f} s ({e(f.segment)}): {e(f.note) or '<i>no note</i>'}</li>"
        for f in rt.flags
    ] or ["<li>none</li>"]
    doc.append(
        "</ul><h2>All events</h2><table><tr><th>t</th><th>kind</th><th>segment</th>"
        "<th>detail</th></tr>"
    )
    doc += [
        f"<tr><td>{r['t_s']:.3f}</td><td>{e(r['kind'])}</td><td>{e(r['segment'])}</td>"
        f"<td>{e(r['detail'])}</td></tr>"
        for r in rows
    ]
    doc.append(
        "</table><p>Also as <a href=events.csv>events.csv</a> and "
        "<a href=events.json>events.json</a>.</p><h2>Discussion</h2>"
    )
    doc.append(_guidebook_html(pack.guidebook_text()))
    doc.append("</body></html>")
    report = out_dir / "report.html"
    report.write_text("\n".join(doc), encoding="utf-8")
    _make_private(out_dir, before)
    return report
