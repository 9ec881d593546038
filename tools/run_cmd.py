"""`sightline run PACK` and `sightline demo`: load, run (window or headless), summarize.

Bad flag values are UserErrors (sim/errors.py), which tools.cli prints as one line. Must not
import tools.cli (the command line imports this)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from content import DEMO_PACK
from content.courses import load_any
from drivers.scripted import load_script
from sim.errors import UserError
from sim.events import SetView
from sim.runtime import ScenarioRuntime
from tools.defaults import DEMO_SCRIPT, DEMO_VIDEO, HEADLESS_SECONDS


def run_command(args: argparse.Namespace) -> int:
    from engine.panda_setup import have_display

    pack_dir = DEMO_PACK if args.command == "demo" else args.pack
    pack = load_any(pack_dir)  # a scenario pack or a course of fire (docs/courses.md)
    kept = None
    offscreen = args.offscreen or (not args.window and not have_display())
    script_path = args.inputs
    video_out = args.video_out
    seconds = args.seconds
    if args.command == "demo" and offscreen:
        # Headless, nobody can press a key: play the demo's own script and keep a video.
        script_path = script_path or pack_dir / DEMO_SCRIPT
        if video_out is None:
            video_out = DEMO_VIDEO
            kept = keep_previous(DEMO_VIDEO)
    if offscreen and seconds is None:
        seconds = HEADLESS_SECONDS  # a headless run must end even if the scenario loops
    script = load_script(script_path) if script_path else []
    if args.no_markers:  # a recorded instructor setting, like pressing H at the start
        script.insert(0, SetView(0.0, "markers", False))
    for path in (args.instructor_video_out,):
        if path is not None:
            if path.suffix.lower() not in (".mp4", ".m4v", ".mov", ".mkv"):
                raise UserError(f"{path}: the instructor video is H.264, use a .mp4 name")
            path.parent.mkdir(parents=True, exist_ok=True)
    camera = args.trainee_camera
    if camera is not None:
        if args.record is None:
            raise UserError("--trainee-camera is recorded with the session: add --record FILE")
        if offscreen and camera.isdigit():
            raise UserError(
                "--trainee-camera N needs a live run in a window; a headless run takes a "
                "video file standing in for the camera"
            )
        if not camera.isdigit() and not Path(camera).is_file():
            raise UserError(f"--trainee-camera {camera}: no such video file")
    mic = getattr(args, "trainee_mic", None)
    if mic is not None:
        if args.record is None:
            raise UserError("--trainee-mic is recorded with the session: add --record FILE")
        if offscreen and mic.isdigit():
            raise UserError(
                "--trainee-mic N needs a live run in a window; a headless run takes a WAV "
                "file standing in for the microphone"
            )
        if not mic.isdigit() and not Path(mic).is_file():
            raise UserError(f"--trainee-mic {mic}: no such WAV file")
    levels = parse_levels(args.volume)
    reports = parse_reports(args.report, pack)
    check_audio_out(args.audio_out)
    from drivers.devices import parse_spec

    for spec in args.device:
        parse_spec(spec)  # a clear error before anything opens
    if args.instructor == "split" and video_out is not None:
        raise UserError(
            "--video-out with --instructor split would capture the overlay too; "
            "use --instructor window"
        )
    if video_out is not None:
        if video_out.suffix.lower() not in (".mp4", ".m4v", ".mov", ".mkv"):
            raise UserError(f"{video_out}: --video-out writes H.264, use a .mp4 name")
        video_out.parent.mkdir(parents=True, exist_ok=True)

    from engine.config import RunConfig
    from engine.displays import resolve

    on_trainee, on_instructor = resolve(args.trainee_display, args.instructor_display, offscreen)
    size = (on_trainee.width, on_trainee.height) if on_trainee else args.size
    cfg = RunConfig(
        offscreen=offscreen,
        width=size[0],
        height=size[1],
        tick_hz=args.tick_hz,
        fps=args.fps,
        seconds=seconds,
        video_out=video_out,
        markers=True,
        script=script,
        instructor=args.instructor,
        instructor_video_out=args.instructor_video_out,
        devices=args.device,
        record=args.record,
        audio=args.audio,
        audio_out=args.audio_out,
        levels=levels,
        reports=reports,
        trainee_camera=camera,
        trainee_mic=mic,
        trainee_display=on_trainee,
        instructor_display=on_instructor,
        realtime=getattr(args, "realtime", False),  # a lane (tools/lanes)
        lane=getattr(args, "lane_wiring", None),
    )
    if offscreen:
        print(
            "No display: running headless (offscreen)"
            if not args.offscreen
            else "Running headless (offscreen)"
        )
        if script_path:
            print(f"Input script: {script_path} ({len(script)} events)")
        if kept is not None:
            print(f"The previous demo video is kept as {kept}")
        if video_out is None and getattr(args, "video_out_dir", None) is None:
            print(
                "No video will be written (nobody sees a headless run): add --video-out "
                "FILE.mp4 to keep the trainee view, --instructor-video-out for the station"
            )
    from engine.theater_app import open_app  # theater packs and --theater (issue 19)

    app = open_app(pack, cfg, getattr(args, "theater", None), getattr(args, "video_out_dir", None))
    if not offscreen:
        _print_controls(pack)
    result = app.run()
    print(format_summary(pack_dir, result.session.runtime, result, cfg))
    for path, frames in getattr(result, "screen_videos", []):
        print(f"Screen video written to: {path.resolve()} ({frames} frames)")
    for warning in result.warnings:
        print(f"warning: {warning}")
    from tools.records.sessions import store_run

    store_run(args, pack, result)  # with --trainee/--instructor-name: the training records
    after = getattr(args, "after_run", None)  # a course's result, its qualification record
    if after is not None:
        after(pack, result)
    return 0


def keep_previous(path: Path) -> Path | None:
    """Move an earlier run's default video aside (NAME-YYYYmmdd-HHMMSS.mp4, from when it
    was written) so that a second demo does not silently destroy the first: a trainer
    who re-runs the demo may be comparing the two. `path` itself stays the newest, as the
    README says. Returns the new name, or None when there was nothing to keep."""
    if not path.is_file():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
    target, n = path.with_name(f"{path.stem}-{stamp}{path.suffix}"), 2
    while target.exists():
        target, n = path.with_name(f"{path.stem}-{stamp}-{n}{path.suffix}"), n + 1
    path.rename(target)
    return target


def parse_levels(specs: list[str]) -> dict[str, int]:
    from sim.sounds import LEVELS

    levels = {}
    for spec in specs:
        control, _, pct = spec.partition("=")
        if control not in LEVELS or not pct.isdigit() or not 0 <= int(pct) <= 100:
            raise UserError(
                f"--volume {spec}: expected CONTROL=PERCENT, CONTROL one of {', '.join(LEVELS)}, "
                "PERCENT 0-100"
            )
        levels[control] = int(pct)
    return levels


def parse_reports(specs: list[str], pack) -> dict[str, str]:
    import re

    from sim.events import MAX_WEAPON_ID_LEN, WEAPON_KINDS

    reports = {}
    for spec in specs:
        weapon, _, sound = spec.partition("=")
        if not (re.fullmatch(r"w\d+", weapon) or weapon in WEAPON_KINDS):  # bazooka= was kept
            raise UserError(
                f"--report {spec}: the weapon is an id (w1, w2, ...) or a kind "
                f"({', '.join(WEAPON_KINDS)})"
            )
        if len(weapon) > MAX_WEAPON_ID_LEN or sound not in pack.scenario.sounds:
            raise UserError(
                f"--report {spec}: expected WEAPON=SOUND with a sound of the pack or bundled "
                f"({', '.join(sorted(pack.scenario.sounds))})"
            )
        reports[weapon] = sound
    return reports


def check_audio_out(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix.lower() != ".wav":
        raise UserError(f"{path}: --audio-out writes WAV, use a .wav name")
    path.parent.mkdir(parents=True, exist_ok=True)


def _print_controls(pack) -> None:
    from engine.instructor_console import HELP

    print("Trainee window: click = a shot at the cursor. Instructor hotkeys (either window):")
    for keys, text in HELP:
        print(f"  {keys:<10} {text}")
    start = pack.scenario.segments[pack.scenario.start]
    for tr in start.transitions:
        if tr.trigger.station == "key":
            print(f"  {tr.trigger.describe()} -> {tr.to}")


MAX_IGNORED_LINES = 20


def format_summary(pack_dir: Path, rt: ScenarioRuntime, result, cfg) -> str:
    st = rt.state
    lines = [
        f"Scenario: {rt.scenario.title}  ({pack_dir})",
        f"Session: {st.t_s:.3f} s at {rt.tick_hz} Hz ({st.tick} ticks), "
        f"{result.frames} frames rendered" + (", ended" if st.ended else ""),
        "Segments played: " + " -> ".join(rt.segments_played),
        f"Branches taken: {len(rt.branches)}",
    ]
    for b in rt.branches:
        lines.append(f"  {b.t_s:8.3f} s  {b.from_segment} -> {b.to_segment}  ({b.trigger})")
    if rt.cues:
        lines.append("Cues: " + ", ".join(f"{c.name} @ {c.t_s:.3f} s" for c in rt.cues))
    if rt.actions:
        lines.append(
            "Trainee actions: " + ", ".join(f"{a.action} @ {a.t_s:.3f} s" for a in rt.actions)
        )
    hits = sum(1 for s in rt.shots if s.zone)
    dry = sum(1 for s in rt.shots if not s.fired)
    lines.append(
        f"Shots: {st.shots}, hits: {hits}, score: {st.score}"
        + (f", dry trigger pulls (malfunctions): {dry}" if dry else "")
    )
    for s in rt.shots:
        where = (
            f"DRY: {s.dry_reason}" if not s.fired else f"{s.zone} ({s.role})" if s.zone else "miss"
        )
        cue = f", {s.since_cue_s:.3f} s after '{s.cue}'" if s.cue else ""
        lines.append(
            f"  {s.t_s:8.3f} s  {s.weapon} {s.kind:<7} ({s.x_norm:.3f}, "
            f"{s.y_norm:.3f})  {where:<22} [{s.segment} @ {s.media_t_s:.3f} s{cue}]"
        )
    for t_s, hit in getattr(result, "extension_hits", []):
        lines.append(f"Scene extension: {hit} hit at {t_s:.3f} s")
    if cfg.instructor_video_out is not None:
        lines.append(
            f"Instructor view written to: {cfg.instructor_video_out.resolve()} "
            f"({result.instructor_frames} frames)"
        )
    for t_s, device, up, text in rt.device_events:
        lines.append(f"Device {device} at {t_s:.3f} s: {text}" + ("" if up else " (DOWN)"))
    if rt.flags:
        lines.append(
            "Flags: "
            + ", ".join(f"{f.t_s:.3f} s" + (f" '{f.note}'" if f.note else "") for f in rt.flags)
        )
    if getattr(rt, "sounds", None):
        lines.append(
            "Sounds: "
            + ", ".join(
                f"{s.sound} @ {s.t_s:.3f} s" + (" (instructor)" if s.source == "instructor" else "")
                for s in rt.sounds
            )
        )
    # inputs that did not apply: kept by the runtime, never shown (a jump to an unknown
    # segment in a script looked as if it had worked)
    for line in rt.ignored[:MAX_IGNORED_LINES]:
        lines.append(f"Not applied: {line}")
    if len(rt.ignored) > MAX_IGNORED_LINES:
        lines.append(f"  ... and {len(rt.ignored) - MAX_IGNORED_LINES} more (in the recording)")
    late = [e.t_s for e in getattr(cfg, "script", None) or () if e.t_s > st.t_s + 1e-9]
    if late:
        lines.append(
            f"Scripted inputs after the session's end ({st.t_s:.3f} s), not applied: "
            f"{len(late)}, the first at {min(late):.3f} s"
        )
    if cfg.video_out is not None:
        lines.append(
            f"Trainee view written to: {cfg.video_out.resolve()} "
            f"({result.video_frames} frames, {cfg.width}x{cfg.height}, "
            f"{cfg.fps:g} fps"
            + (", with sound" if getattr(result, "video_audio_s", 0.0) > 0 else "")
            + ")"
        )
    if getattr(rt, "level_changes", None):
        lines.append(
            "Volume changes: "
            + ", ".join(f"{lv.control} {lv.percent} % @ {lv.t_s:.3f} s" for lv in rt.level_changes)
        )
    if getattr(result, "audio_device", ""):
        lines.append(result.audio_device[0].upper() + result.audio_device[1:])
    if getattr(result, "camera_out", None) is not None:
        lines.append(
            f"Trainee camera recorded to: {result.camera_out.resolve()} "
            f"({result.camera_frames} frames)"
        )
    if getattr(cfg, "audio_out", None) is not None:
        samples = getattr(result, "audio_samples", 0)
        lines.append(
            f"Session audio written to: {cfg.audio_out.resolve()} "
            f"({samples / 48000:.3f} s, 48 kHz stereo)"
        )
    return "\n".join(lines)
