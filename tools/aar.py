"""`sightline aar REC -o DIR`: the after-action review of a recorded session.

The session is re-simulated from its recording (exactly, tick by tick; tools.recordings
reads it and checks its pack) and written as:
  report.html   the timeline (segments, branches, cues, shots and dry pulls, coded
                actions, pauses, low light, flags, sounds), reaction time from each cue to
                the first response and every response, shot placement drawn on frame grabs
                of the clip as lit as the trainee saw it, hits by zone role, figures per
                weapon, flags with notes, and the scenario's guidebook questions
  events.csv    every event, one row each, for researchers
  events.json   the same, with the recording's header, the decisions with what the
                trainee said before each, the reaction times and the talk time
  decisions.csv each branch, shot and ending with the utterances since the decision before
  shot-N.png    the frame grab of each shot

This module writes those files and lays out the page; the parts are its siblings:
aar_replay.py (the re-simulation, Replayed), aar_tables.py (events, reaction times,
responses as rows), aar_files.py (frame grabs, the camera and voice side files, the
owner-only folder), aar_timeline.py (the timeline SVG) and aar_voice.py (what was said).
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from content.policies import Library, guidebook_refs, strip_refs
from sim.rubric import score_session
from tools.aar_files import (
    _camera_video,
    _make_private,
    _private_dir,
    _voice_audio,
    camera_grab,
    frame_grab,
)
from tools.aar_replay import replay
from tools.aar_tables import events_table, reaction_times, response_table
from tools.aar_timeline import _segment_colours, _timeline_svg
from tools.aar_voice import decisions, said_text, talk
from tools.progress import progress
from tools.recordings import Recording
from tools.reports.common import CLASSES, passages_html

#: scores.csv: every score given or computed, by weapon (and trainee when named)
SCORE_FIELDS = ["weapon", "trainee", "item", "label", "level", "source", "comment", "t_s"]


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


def _weapon_devices(header: dict) -> dict[str, list[str]]:
    """weapon: the devices the session bound to it (the header's --device specs; a header
    is untrusted, so anything that is not a valid spec is left out)."""
    from drivers.devices import DeviceSpecError, parse_spec

    out: dict[str, list[str]] = defaultdict(list)
    devices = (header.get("config") or {}).get("devices")
    for spec in devices if isinstance(devices, list) else []:
        if not isinstance(spec, str) or len(spec) > 200:
            continue
        try:
            kind, dev_path, weapon = parse_spec(spec)
        except DeviceSpecError:
            continue
        if dev_path.isprintable():
            out[weapon].append(f"{kind}:{dev_path}")
    return out


def write_report(
    recording: Recording, out_dir: Path, people=None, policies: Library | None = None
) -> Path:
    """Write the review of a recording (tools.recordings.load_recording) into `out_dir`;
    returns the path of report.html. `people` (tools.reports.session.People): who trained,
    when, with which instructor (None: nobody named, the date from the file); `policies`:
    the policy library whose passages the rubric items and guidebook link to."""
    from tools.reports import session as who

    path, header, pack = recording.path, recording.header, recording.pack
    rp = replay(recording)
    rt = rp.rt
    before = _private_dir(out_dir)
    if people is None:
        people = who.people_of(path, rt.state.t_s)
    rubric = pack.scenario.rubric
    sheet = score_session(rubric, rt.log(), rt.state.t_s, rt.state.tick)
    with (out_dir / "scores.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SCORE_FIELDS)
        writer.writeheader()
        writer.writerows(who.score_rows(rubric, sheet, people))
    rows = events_table(rt, rp.view_rows)
    decided = decisions(rp)
    reactions = reaction_times(rp)
    with (out_dir / "decisions.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["t_s", "kind", "segment", "detail", "said"])
        writer.writeheader()
        for d in decided:
            writer.writerow({**d, "t_s": round(d["t_s"], 3), "said": said_text(d["said"])})
    with (out_dir / "events.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["t_s", "tick", "kind", "segment", "detail"])
        writer.writeheader()
        writer.writerows(rows)
    (out_dir / "events.json").write_text(
        json.dumps(
            {
                "header": {k: v for k, v in header.items() if k != "k"},
                "session": {
                    "pack": pack.title,
                    "date": people.date,
                    "instructor": people.instructor,
                    "trainees": [
                        {"weapon": w, "id": tid, "name": name} for w, tid, name in people.trainees
                    ],
                },
                "rubric": who.rubric_json(rubric, sheet, people, policies),
                "events": rows,
                "decisions": decided,
                "reactions": reactions,
                "talk": talk(rp),
            },
            indent=1,
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
    voice = _voice_audio(path, header, out_dir)
    grabs = []
    for i, s in enumerate(progress(fired, "aar: frame grabs"), 1):
        name = f"shot-{i}.png"
        if frame_grab(pack, rt, s, out_dir / name, look=rp.looks.get(s.tick, (0.0, ()))):
            cam = f"shot-{i}-camera.jpg"
            if camera is None or not camera_grab(out_dir / camera, s.t_s, out_dir / cam):
                cam = None
            grabs.append((s, name, cam))
    end_s = rt.state.t_s
    responses = response_table(rp)
    devices = _weapon_devices(header)
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
{CLASSES}
</style></head><body>
<h1>After-action review</h1>
<p class="sub">{e(pack.title)} &middot; {e(pack.meta.category or "")} &middot;
session {end_s:.1f} s &middot; recorded by {e(str(header.get("program", "")))}</p>
{who.header_html(people, pack.title)}
<h2>Rubric</h2>
{who.rubric_html(rubric, sheet, people, policies)}
<h2>Timeline</h2>
{_timeline_svg(rp, end_s, decided)}
<p>Segments: {" &rarr; ".join(e(s) for s in rt.segments_played)}<br>Colours:
{
            " ".join(
                f'<span style="color:{c}">&#9632;</span> {e(seg)}'
                for seg, c in _segment_colours(rp.timeline).items()
            )
        }</p>
<p class="legend">Marks: <span style="color:#f0ad4e">&#9873; flag</span> &middot;
<span style="color:#7b4fa0">&#9670; sound (pack or instructor)</span> &middot;
dashed line: cue &middot; &#9679; shot, coloured by the zone role hit; &#9675; dry trigger
pull &middot; <span style="color:#2e7d32">&#9632;</span> coded action (V verbal command,
C cover, D distance, B backup, I intervened) &middot; <span style="color:#00838f">&#9632;
</span> what the trainee said &middot; grey: paused &middot;
<span style="color:#1d2a44">&#9632;</span> low light, yellow inside it: a flashlight beam.
Point at a mark for its details.</p>
<h2>Reaction times</h2>
<p>From each cue to the trainee's first response in that segment (a shot, a dry trigger
pull, a coded action or a verbal command), and to the first verbal command (a phrase of
the pack recognized in the trainee's voice, or the instructor's V key; other talk is not
a command); time the session was paused is not counted.</p>
<table><tr><th>cue</th><th>at</th><th>segment</th><th>first response</th><th>reaction</th>
<th>first verbal command</th><th>verbal reaction</th><th>conditions</th></tr>
"""
    ]
    for r in reactions:
        rs = f"{r['reaction_s']:.2f} s" if r["reaction_s"] is not None else "-"
        vs = f"{r['verbal_s']:.2f} s" if r["verbal_s"] is not None else "-"
        doc.append(
            f"<tr><td>{e(r['cue'])}</td><td>{r['t_s']:.2f} s</td><td>{e(r['segment'])}"
            f"</td><td>{e(r['response'])}</td><td>{rs}</td><td>{e(r['verbal'])}</td>"
            f"<td>{vs}</td><td>{e(r['notes'])}</td></tr>"
        )
    if not reactions:
        doc.append("<tr><td colspan=8>no cues in the segments played</td></tr>")
    doc.append(
        "</table><h2>Decisions and what was said</h2><p>Each branch, shot and ending, with "
        "what the trainee said since the decision before it (recognized in their voice; "
        "also in <a href=decisions.csv>decisions.csv</a>).</p><table><tr><th>at</th>"
        "<th>decision</th><th>segment</th><th>said before it</th></tr>"
    )
    for d in decided:
        heard = "<br>".join(f"{u['t_s']:.2f} s {e(u['words'])}" for u in d["said"])
        doc.append(
            f"<tr><td>{d['t_s']:.2f} s</td><td>{e(d['kind'])}: {e(d['detail'])}</td>"
            f"<td>{e(d['segment'])}</td><td>{heard or '<i>nothing</i>'}</td></tr>"
        )
    if not decided:
        doc.append("<tr><td colspan=4>no branches, shots or ending</td></tr>")
    doc.append(
        "</table><h2>Trainee responses</h2><table><tr><th>at</th><th>segment</th>"
        "<th>response</th><th>timing</th><th>conditions</th></tr>"
    )
    for r in responses:
        doc.append(
            f"<tr><td>{r['t_s']:.2f} s</td><td>{e(r['segment'])}</td><td>{e(r['what'])}</td>"
            f"<td>{e(r['after'])}</td><td>{e(r['notes'])}</td></tr>"
        )
    if not responses:
        doc.append("<tr><td colspan=5>no shots, trigger pulls or coded actions</td></tr>")
    doc.append(
        "</table><h2>Hits by zone role</h2><table><tr>"
        + "".join(f"<th>{e(k)}</th>" for k in ("threat", "no-shoot", "cover", "miss"))
        + "</tr><tr>"
        + "".join(f"<td>{by_role.get(k, 0)}</td>" for k in ("threat", "no-shoot", "cover", "miss"))
        + "</tr></table>"
    )
    doc.append(
        "<h2>Per weapon</h2><p>A recording knows weapons (w1, w2, ...), not trainees: each "
        "device feeds the weapon it was given (<code>--device KIND:PATH@wN</code>), and the "
        "mouse and input scripts shoot as w1 unless told otherwise. Note who carried which "
        "weapon"
        + (
            " (the trainee column: " + ("the training records" if people.source == "records"
            else "--trainee") + ")"
            if people.trainees
            else ""
        )
        + ".</p><table><tr><th>weapon</th><th>trainee</th><th>device</th><th>shots</th>"
        "<th>hits</th><th>score</th><th>dry pulls</th></tr>"
    )  # fmt: skip
    for weapon in sorted(set(per_weapon) | set(devices)):
        w = per_weapon.get(weapon, {"shots": 0, "hits": 0, "score": 0, "dry": 0})
        fed = ", ".join(devices.get(weapon, [])) or "mouse or script"
        trainee = people.trainee_for(weapon)
        doc.append(
            f"<tr><td>{e(weapon)}</td><td>{e(f'{trainee[1]} ({trainee[0]})' if trainee else '-')}"
            f"</td><td>{e(fed)}</td><td>{w['shots']}</td>"
            f"<td>{w['hits']}</td><td>{w['score']}</td><td>{w['dry']}</td></tr>"
        )
    if not per_weapon and not devices:
        doc.append("<tr><td colspan=7>no shots</td></tr>")
    doc.append("</table><h2>Shot placement</h2><div class=grabs>")
    for s, name, cam in grabs:
        what = f"{s.zone} ({s.role})" if s.zone else "miss"
        inset = (
            f'<img src="{cam}" width="200" alt="trainee camera" style="margin-left:8px">'
            if cam
            else ""
        )
        mix, beams = rp.looks.get(s.tick, (0.0, ()))
        light = (
            f" &middot; in low light, flashlight {'on' if beams else 'off'}" if mix > 0.5 else ""
        )
        doc.append(
            f'<figure><img src="{name}" width="420">{inset}<figcaption>{s.t_s:.2f} s '
            f"{e(s.weapon)}: {e(what)}{light}"
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
    if voice is not None or rp.said:
        tk = talk(rp)
        doc.append(
            "<h2>Trainee voice</h2><p>Timed in session seconds, like the timeline; what "
            "was recognized is in the events as <i>said</i>.</p>"
            f"<p>Talk time: {tk['utterances']} utterance(s), {rp.talk_s:.1f} s of "
            f"{tk['session_s']:.1f} s ({100 * tk['share']:.0f} % of the session); "
            f"{tk['commands']} recognized as a verbal command.</p>"
            + (f'<audio src="{voice}" controls></audio>' if voice is not None else "")
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
    guide = pack.guidebook_text()
    doc.append(_guidebook_html(strip_refs(guide) if guide else guide))
    linked = policies.passages(guidebook_refs(guide)) if policies is not None else []
    if linked:
        doc.append("<h3>Policy passages the guidebook links to</h3>" + passages_html(linked))
    doc.append("</body></html>")
    report = out_dir / "report.html"
    report.write_text("\n".join(doc), encoding="utf-8")
    _make_private(out_dir, before)
    return report
