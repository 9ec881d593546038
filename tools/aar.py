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
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from content.policies import Library, guidebook_refs, strip_refs
from sim.errors import UserError
from sim.events import EndScenario, Said
from sim.files import (
    PRIVATE_DIR_MODE,
    PRIVATE_MODE,
    FileProblem,
    create_private,
    open_regular,
    why,
)
from sim.hit_zones import screen_to_media
from sim.recording import camera_side_file, voice_side_file
from sim.rubric import score_session
from sim.runtime import ScenarioRuntime
from tools.aar_timeline import (  # noqa: F401 (_time_ticks: tests use it from here)
    ACTION_KEYS,
    ROLE_COLOURS,
    _said,
    _segment_colours,
    _time_ticks,
    _timeline_svg,
)
from tools.aar_voice import decisions, said_text, talk, verbal_commands, words
from tools.progress import progress
from tools.recordings import Recording
from tools.reports.common import CLASSES, passages_html

#: scores.csv: every score given or computed, by weapon (and trainee when named)
SCORE_FIELDS = ["weapon", "trainee", "item", "label", "level", "source", "comment", "t_s"]


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


def frame_grab(pack, rt, shot, out: Path, width: int = 480, look=(0.0, ())) -> bool:
    """The clip's frame at the shot with the zones and the shot drawn on it, lit as the
    trainee view showed it: `look` is (night mix, flashlight beams) at the shot's tick
    (Replayed.looks); the muzzle flash is left out, so the grab shows what the trainee
    saw as they fired."""
    from tools.render_frame import night_look

    seg = pack.scenario.segments[shot.segment]
    cap = cv2.VideoCapture(str(pack.clip_path(seg.clip)))
    cap.set(cv2.CAP_PROP_POS_MSEC, shot.media_t_s * 1000)
    ok, img = cap.read()
    cap.release()
    if not ok:
        return False
    img = night_look(img, look[0], list(look[1]), rt.screen_aspect, seg.media_aspect)
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


def _copy_side_file(src: Path, out: Path) -> str | None:
    """Copy one of the recording's own side files into the report, owner-only; its name
    there, or None. Only a regular file, never a link: the header says whether there is
    one, never where (a hostile header once named /etc/passwd and had it copied here)."""
    try:
        if not stat.S_ISREG(src.lstat().st_mode):
            return None
        fh = open_regular(src)
    except (OSError, FileProblem):
        return None
    with fh, os.fdopen(create_private(out), "wb") as dst:
        shutil.copyfileobj(fh, dst, 1 << 20)
    return out.name


def _voice_audio(recording: Path, header: dict, out_dir: Path) -> str | None:
    """The session's trainee voice (REC.voice.wav) in the report, as the camera."""
    if not (header.get("config") or {}).get("trainee_mic"):
        return None
    return _copy_side_file(voice_side_file(recording), out_dir / "trainee-voice.wav")


def _camera_video(recording: Path, header: dict, out_dir: Path) -> str | None:
    """The session's trainee camera video (sim.recording.camera_side_file) in the report."""
    if not (header.get("config") or {}).get("trainee_camera"):
        return None
    return _copy_side_file(camera_side_file(recording), out_dir / "trainee-camera.mp4")


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
