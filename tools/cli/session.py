"""Session subcommands: run and demo (a pack in a window or headless), replay (a
recording again, or verified tick by tick), aar (the after-action review of a recording)
and render-frame (one trainee-view frame to a PNG)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.errors import UserError
from tools.cli.registry import (
    DefaultsFormatter,
    add_audio_options,
    add_db_option,
    add_display_options,
    add_policies_option,
    add_run_options,
    add_trainee_options,
    command,
    frame_size,
    policy_library,
)
from tools.defaults import DEMO_SCRIPT, DEMO_VIDEO, HEADLESS_SECONDS

# -- run, demo, replay, aar ----------------------------------------------------------------


def run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path, help="scenario pack folder")
    add_run_options(p)


RUN_DESCRIPTION = (
    "Run a scenario pack in a window, or headless (offscreen) when there is no display or "
    f"with --offscreen; a headless run stops after {HEADLESS_SECONDS:g} s of session time "
    "unless --seconds says otherwise."
)
DEMO_DESCRIPTION = (
    "Run the bundled demo pack. Headless (no display, or --offscreen), where nobody can "
    f"press a key, it plays the pack's own input script ({DEMO_SCRIPT}) unless --inputs, "
    f"writes the trainee view to {DEMO_VIDEO} unless --video-out, and stops after "
    f"{HEADLESS_SECONDS:g} s unless --seconds."
)


@command(
    "demo",
    "run the bundled demo pack (headless: scripted, writes a video)",
    add_run_options,
    DEMO_DESCRIPTION,
    DefaultsFormatter,
)
@command(
    "run",
    "run a scenario pack (window, or headless without a display)",
    run_arguments,
    RUN_DESCRIPTION,
    DefaultsFormatter,
)
def run_session(args: argparse.Namespace) -> int:
    from tools.run_cmd import run_command

    if args.trainee or args.instructor_name:  # a mistyped trainee fails before the run
        from tools.records.sessions import check_run

        check_run(args)
    if args.policies:  # the station (engine) reads the library named in the environment
        from content.policies import ENV_VAR

        policy_library(args)  # a folder that is not there fails before the run
        os.environ[ENV_VAR] = os.pathsep.join(str(d) for d in args.policies)
    return run_command(args)


def _replay_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recording", type=Path)
    p.add_argument(
        "--verify",
        action="store_true",
        help="re-simulate from the recorded inputs and compare every tick",
    )
    p.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    p.add_argument(
        "--offscreen", action="store_true", help="headless (automatic without a display)"
    )
    p.add_argument("--video-out", type=Path, metavar="FILE.mp4", help="write the trainee view")
    add_audio_options(p)
    p.add_argument(
        "--instructor-video-out", type=Path, metavar="FILE.mp4", help="write the instructor view"
    )
    add_display_options(p)
    add_trainee_options(p)


@command("replay", "play a recording again, or --verify it tick by tick", _replay_arguments)
def _replay(args: argparse.Namespace) -> int:
    from tools.replay import replay_command

    return replay_command(args)


def _aar_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recording", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    p.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="[WEAPON=]ID",
        help="who carried which weapon, for a session not in the training records (names "
        "come from the records when the trainee is there); repeatable",
    )
    p.add_argument("--instructor-name", metavar="NAME", help="the instructor, shown")
    add_db_option(p)
    add_policies_option(p)


@command("aar", "after-action review of a recording: HTML, CSV, JSON", _aar_arguments)
def _aar(args: argparse.Namespace) -> int:
    from tools.aar import write_report
    from tools.recordings import load_recording
    from tools.records.sessions import attribution_of
    from tools.reports.session import people_of

    recording = load_recording(args.recording, args.pack)
    for warning in recording.warnings:
        print(f"warning: {warning}")
    length_s = recording.last_tick / recording.tick_hz
    people = people_of(args.recording, length_s, attribution_of(args), args.db)
    report = write_report(recording, args.out, people, policy_library(args))
    print(f"wrote {report}")
    recording.check()  # the review covers the part before any damage; then name it (exit 2)
    return 0


# -- render-frame ------------------------------------------------------------------------


def _render_frame_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path)
    p.add_argument("--segment", help="default: the start segment")
    p.add_argument("--t", type=float, default=1.0, help="seconds into the segment (1.0)")
    p.add_argument(
        "--lowlight",
        type=float,
        metavar="LEVEL",
        help="ambient light 0..1 of the low-light view (default: daylight)",
    )
    p.add_argument(
        "--flashlight",
        action="append",
        default=[],
        metavar="X,Y",
        help="a flashlight cone at X,Y (normalized, origin top-left), repeatable",
    )
    p.add_argument("--size", type=frame_size, default=(1280, 720), metavar="WxH")
    p.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.png")
    p.add_argument(
        "--theater",
        type=Path,
        metavar="FILE",
        help="a theater pack on this theater: -o is a folder for screen-1.png .. screen-N.png",
    )


@command("render-frame", "one trainee-view frame to a PNG, headless", _render_frame_arguments)
def _render_frame(args: argparse.Namespace) -> int:
    from tools.render_frame import render_frame

    lights = [_unit_point(f) for f in args.flashlight]
    if args.lowlight is not None and not 0 <= args.lowlight <= 1:
        raise UserError("--lowlight LEVEL is between 0 (black) and 1")
    if args.theater is not None:  # one PNG per projector (tools/theater_cmd.py)
        from tools.theater_cmd import render_theater_frame

        for path in render_theater_frame(
            args.pack, args.theater, args.out, args.segment, args.t, args.lowlight, lights
        ):
            print(f"wrote {path}")
        return 0
    if args.out.suffix.lower() not in (".png", ".jpg", ".jpeg"):  # cv2 raised on others
        raise UserError(f"-o {args.out}: the frame is written as .png (or .jpg)")
    render_frame(args.pack, args.out, args.segment, args.t, args.lowlight, lights, args.size)
    print(f"wrote {args.out}")
    return 0


def _unit_point(text: str) -> tuple[float, float]:
    """--flashlight X,Y: two numbers in 0..1."""
    try:
        point = tuple(float(v) for v in text.split(","))
    except ValueError:
        point = ()
    if len(point) != 2 or not all(0 <= v <= 1 for v in point):
        raise UserError("--flashlight is X,Y with X and Y between 0 and 1")
    return point[0], point[1]
