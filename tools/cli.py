"""The `sightline` command line: one entry point, one subcommand per job.

Each subcommand is registered with `@command(name, help, arguments)` on its handler:
`arguments` declares its flags on an argparse parser, the handler runs it and returns the
exit status. Handlers import their tools module when they run, so `sightline --help` stays
quick, and no tools module imports this one (tests/test_architecture.py checks for import
cycles).

Every expected failure (a broken pack, a bad input script, a missing clip, no GL) is a
`UserError` (sim/errors.py), printed as one line, `sightline: error: ...`, with exit status
2; tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.errors import EXIT_STATUS, UserError
from tools.defaults import DEMO_SCRIPT, DEMO_VIDEO, HEADLESS_SECONDS

# Quiet OpenCV's and FFmpeg's own stderr chatter; our errors say what matters.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """A subcommand: its line in `sightline --help`, its flags, and what runs it."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler
    description: str | None = None
    formatter: type[argparse.HelpFormatter] = argparse.HelpFormatter


#: The subcommands in the order `sightline --help` lists them.
COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    help: str,
    arguments: Callable[[argparse.ArgumentParser], None],
    description: str | None = None,
    formatter: type[argparse.HelpFormatter] = argparse.HelpFormatter,
) -> Callable[[Handler], Handler]:
    """Register the decorated handler as subcommand `name`."""

    def register(run: Handler) -> Handler:
        if name in COMMANDS:
            raise ValueError(f"subcommand {name!r} registered twice")
        COMMANDS[name] = Command(help, arguments, run, description, formatter)
        return run

    return register


class DefaultsFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to an option's help when it has a default worth stating and its
    help does not state it already (unlike argparse's ArgumentDefaultsHelpFormatter, which
    also adds "(default: None)" and "(default: False)")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            default is None
            or isinstance(default, bool)
            or default == []
            or default == argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        if isinstance(default, tuple) and len(default) == 2:
            shown = f"{default[0]}x{default[1]}"  # a WxH size
        elif isinstance(default, float):
            shown = f"{default:g}"
        else:
            shown = str(default)
        if shown in text:
            return text
        return f"{text} (default: {shown.replace('%', '%%')})"


# -- argument types and the options run and demo share ----------------------------------


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320) or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"{text}: sizes are even, 16x16 to 7680x4320")
    return w, h


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):  # inf: a headless run that never ends
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return v


def _tick_hz(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= v <= 1000:  # 0 was a ZeroDivisionError traceback
        raise argparse.ArgumentTypeError(f"ticks a second are 1 to 1000, got {text}")
    return v


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--offscreen",
        action="store_true",
        help="render into an offscreen buffer (automatic when there is no display)",
    )
    p.add_argument("--window", action="store_true", help="open a window even if it may fail")
    _add_display_options(p)
    p.add_argument(
        "--inputs",
        type=Path,
        metavar="FILE.jsonl",
        help="drive the run from a timed script, one JSON event per line",
    )
    p.add_argument("--seconds", type=_positive, metavar="N", help="stop after N s of session time")
    p.add_argument(
        "--video-out", type=Path, metavar="FILE.mp4", help="write the trainee view to an H.264 file"
    )
    p.add_argument(
        "--size",
        type=_size,
        default=(1280, 720),
        metavar="WxH",
        help="trainee view size (default 1280x720)",
    )
    p.add_argument(
        "--fps",
        type=_positive,
        default=30.0,
        help="frame rate of headless runs and --video-out (default 30)",
    )
    p.add_argument("--tick-hz", type=_tick_hz, default=120, help="simulation rate (default 120)")
    p.add_argument("--no-markers", action="store_true", help="hide shot markers from the trainee")
    p.add_argument(
        "--instructor",
        choices=("auto", "window", "split", "buffer", "none"),
        default="auto",
        help="the instructor view: a second window (default with "
        "a display), one split window, an offscreen buffer, or none",
    )
    p.add_argument(
        "--instructor-video-out",
        type=Path,
        metavar="FILE.mp4",
        help="write the instructor view to an H.264 file",
    )
    p.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="KIND:PATH[@wN]",
        help="a serial device: openfire, gun4ir, recoil-kit, laser-tracker, threat-device "
        "or magazine, on "
        "PATH, serving weapon wN (default w1); repeatable",
    )
    p.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="record the session (inputs, every tick's state digest, outputs)",
    )
    p.add_argument(
        "--trainee-camera",
        metavar="N|FILE",
        help="record a camera facing the trainee (webcam N, or a video file standing in for "
        "one) beside --record, for the replay and the report",
    )
    p.add_argument(
        "--trainee-mic",
        metavar="N|FILE",
        help="record the trainee's voice (microphone N, or a WAV file standing in for one) "
        "beside --record, recognize the pack's said phrases and keep a transcript",
    )
    _add_audio_options(p)
    p.add_argument(
        "--audio",
        choices=("auto", "device", "none"),
        default="auto",
        help="sound output: the sound card (default with a window), or none",
    )
    p.add_argument(
        "--volume",
        action="append",
        default=[],
        metavar="CONTROL=PERCENT",
        help="starting level of master, scenario, effects or distractor (0-100), over "
        "the pack's; repeatable",
    )
    p.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="WEAPON=SOUND",
        help="the report a weapon id (w2) or kind (firearm, cew, oc) makes, e.g. "
        "w2=rifle; repeatable",
    )
    _add_trainee_options(p)
    _add_policies_option(p)
    _add_theater_run_options(p)


def _add_audio_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--audio-out",
        type=Path,
        metavar="FILE.wav",
        help="write the mixed session audio (48 kHz stereo WAV)",
    )


def _add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="the records database: sqlite:///FILE or postgresql://USER@HOST/DB (default: "
        "$SIGHTLINE_DB, else records.db in the user's data folder)",
    )


def _add_policies_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policies",
        type=Path,
        action="append",
        metavar="DIR",
        help="the agency's policy library (Markdown, PDF with a .toml sidecar); repeatable "
        "(default: $SIGHTLINE_POLICIES, else the bundled sample policies)",
    )


def _policy_library(args: argparse.Namespace):
    """The policy library --policies names (else $SIGHTLINE_POLICIES, else the samples),
    its problems printed as warnings (a broken file is left out, the rest used)."""
    from content.policies import load_library

    library = load_library(getattr(args, "policies", None))
    for problem in library.problems:
        print(f"warning: policy library: {problem}", file=sys.stderr)
    return library


def _add_trainee_options(p: argparse.ArgumentParser) -> None:
    """Who trained: the session is stored in the training records when it ends."""
    p.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="[WEAPON=]ID",
        help="store the session in this trainee's record; several trainees on one screen "
        "each with their weapon, e.g. --trainee w1=T1 --trainee w2=T2; repeatable",
    )
    p.add_argument(
        "--instructor-name",
        metavar="NAME",
        help="the instructor, stored with the session (--instructor is the station's view)",
    )
    _add_db_option(p)


# -- run, demo, replay, aar ----------------------------------------------------------------


def _add_display_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trainee-display",
        type=int,
        metavar="N",
        help="the trainee view full screen (borderless, the display's own size, no cursor) "
        "on display N of `sightline displays` (default: a --size window)",
    )
    p.add_argument(
        "--instructor-display",
        type=int,
        metavar="M",
        help="the instructor's station full screen on display M (default: a window beside)",
    )


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path, help="scenario pack folder")
    _add_run_options(p)


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
    _add_run_options,
    DEMO_DESCRIPTION,
    DefaultsFormatter,
)
@command(
    "run",
    "run a scenario pack (window, or headless without a display)",
    _run_arguments,
    RUN_DESCRIPTION,
    DefaultsFormatter,
)
def _run(args: argparse.Namespace) -> int:
    from tools.run_cmd import run_command

    if args.trainee or args.instructor_name:  # a mistyped trainee fails before the run
        from tools.records.sessions import check_run

        check_run(args)
    if args.policies:  # the station (engine) reads the library named in the environment
        from content.policies import ENV_VAR

        _policy_library(args)  # a folder that is not there fails before the run
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
    _add_audio_options(p)
    p.add_argument(
        "--instructor-video-out", type=Path, metavar="FILE.mp4", help="write the instructor view"
    )
    _add_display_options(p)
    _add_trainee_options(p)


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
    _add_db_option(p)
    _add_policies_option(p)


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
    report = write_report(recording, args.out, people, _policy_library(args))
    print(f"wrote {report}")
    recording.check()  # the review covers the part before any damage; then name it (exit 2)
    return 0


# -- packs: lint, graph, catalog, render-frame -------------------------------------------


def _lint_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("packs", type=Path, nargs="+", metavar="PACK")
    p.add_argument("--json", action="store_true", help="machine-readable findings")
    p.add_argument(
        "--policies",
        type=Path,
        action="append",
        metavar="DIR",
        help="also check that the packs' policy links resolve in this policy library "
        "(repeatable; without it, only the links' form is checked)",
    )


@command("lint", "check scenario packs; exit 1 on any error", _lint_arguments)
def lint_command(args: argparse.Namespace) -> int:
    import json

    from content.lint import findings_json, lint_pack

    library = _policy_library(args) if args.policies else None
    results = {str(p): lint_pack(p, library) for p in args.packs}
    if args.json:
        print(json.dumps(findings_json(results), indent=2))
    else:
        for pack, findings in results.items():
            errors = sum(f.level == "error" for f in findings)
            for f in findings:
                print(f)
            warnings = len(findings) - errors
            print(
                f"{pack}: "
                + ("ok" if not findings else f"{errors} error(s), {warnings} warning(s)")
            )
    return 1 if any(f.level == "error" for fs in results.values() for f in fs) else 0


def _graph_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.svg|.png")


@command("graph", "draw a pack's branch graph to SVG or PNG", _graph_arguments)
def _graph(args: argparse.Namespace) -> int:
    from content.pack import load_pack
    from tools.graph import write_graph

    if args.out.suffix.lower() not in (".svg", ".png"):
        raise UserError(f"{args.out}: graph output must end in .svg or .png")
    write_graph(load_pack(args.pack, collect_media=True), args.out)
    print(f"wrote {args.out}")
    return 0


def _catalog_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, nargs="?", help="folder of packs (default: bundled)")
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep packs matching (repeatable), e.g. category=de-escalation",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument(
        "--makeup",
        action="store_true",
        help="report counts per category and per subject attribute instead",
    )
    p.add_argument(
        "--compare",
        type=Path,
        metavar="CENSUS.csv",
        help="with --makeup: subjects' shares beside a community's (attribute,value,percent)",
    )


@command("catalog", "list packs and their metadata; the library's make-up", _catalog_arguments)
def _catalog(args: argparse.Namespace) -> int:
    from content import PACKS_DIR
    from tools.catalog import catalog

    root = args.dir or PACKS_DIR
    if not root.is_dir():
        raise UserError(f"{root}: not a folder")
    try:
        if args.compare is not None and not args.makeup:
            raise UserError("--compare sets the library's make-up beside a census: add --makeup")
        print(catalog(root, args.where, args.format, args.makeup, args.compare))
    except ValueError as exc:  # a bad --where or --format
        raise UserError(str(exc)) from None
    return 0


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
    p.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
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


# -- devices: calibrate, detect-shots, devices, emulate ----------------------------------


def _calibrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--camera", type=int, metavar="N", help="live, from webcam N")
    p.add_argument("--image", type=Path, metavar="PHOTO", help="from a photo of the pattern")
    p.add_argument("--pattern-out", type=Path, metavar="FILE.png", help="write the pattern")
    p.add_argument(
        "--size",
        type=_size,
        default=(1920, 1080),
        metavar="WxH",
        help="the trainee screen's resolution (default 1920x1080)",
    )
    p.add_argument("--out", type=Path, help="where to save (default sightline-calibration/)")


@command("calibrate", "map a camera's view onto the trainee screen", _calibrate_arguments)
def _calibrate(args: argparse.Namespace) -> int:
    from drivers.calibration import CalibrationError
    from tools.calibrate import calibrate_command

    try:
        return calibrate_command(args)
    except CalibrationError as exc:
        raise UserError(f"calibration failed: {exc}") from None


def _detect_shots_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", type=Path)
    p.add_argument("--json", action="store_true", help="a list of {frame, t, x, y, color}")


@command("detect-shots", "find laser shots in a recorded camera video", _detect_shots_arguments)
def _detect_shots(args: argparse.Namespace) -> int:
    import json

    from drivers.laser_tracker import detect_video
    from tools.progress import Progress

    if not args.video.is_file():
        raise UserError(f"{args.video}: no such video file")
    try:
        with Progress("detect-shots", unit="frames") as bar:
            shots = detect_video(str(args.video), on_frame=lambda n, total: bar.update(n))
    except OSError as exc:
        raise UserError(str(exc)) from None
    rows = [
        {
            "frame": s.frame,
            "t": round(s.t_s, 4),
            "x": round(s.x, 2),
            "y": round(s.y, 2),
            "color": s.color,
        }
        for s in shots
    ]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(
                f"frame {r['frame']:6d}  {r['t']:9.3f} s  x {r['x']:8.2f}  "
                f"y {r['y']:8.2f}  {r['color']}"
            )
        print(f"{len(rows)} shot(s)")
    return 0


def _devices_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def _displays_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


@command("displays", "list the displays (index, name, size, position)", _displays_arguments)
def _displays(args: argparse.Namespace) -> int:
    import json

    from engine.displays import list_displays

    found = list_displays()
    if args.json:
        print(json.dumps([vars(d) for d in found], indent=2))
    for d in found if not args.json else ():
        print(d.describe())
    return 0


@command(
    "devices",
    "list serial ports and the driver that matches each, and the microphones",
    _devices_arguments,
)
def _devices(args: argparse.Namespace) -> int:
    import json

    from drivers.devices import list_devices

    ports = list_devices()
    if args.json:
        print(json.dumps(ports, indent=2))
        return 0
    if not ports:
        print("no serial ports found")
    for d in ports:
        print(
            f"{d['port']:<22} {d['vid'] or '----'}:{d['pid'] or '----'}  "
            f"{d['serial'][:16]:<16}  {d['driver']:<9} {d['description']}"
        )
    from drivers.microphone import input_devices

    mics, why = input_devices()  # for --trainee-mic N
    print("microphones: " + (why or "none found") if not mics else "microphones:")
    for line in mics:
        print(f"  {line}")
    return 0


def _emulate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "kind",
        choices=(
            "openfire",
            "gun4ir",
            "recoil-kit",
            "laser-tracker",
            "threat-device",
            "magazine",
        ),
    )
    p.add_argument("--link", help="the stable path to create (default /tmp/sightline-KIND)")
    p.add_argument("--shots", type=int, default=0, help="shots or trigger pulls to send")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between them")
    p.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="X,Y",
        help="laser tracker: a scripted shot position (normalized), repeatable; "
        "random positions otherwise",
    )
    p.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")


@command("emulate", "a pretend device on a pseudo-terminal", _emulate_arguments)
def _emulate(args: argparse.Namespace) -> int:
    from tools.emulate import emulate_command

    return emulate_command(args)


# -- authoring: new, zones, make-demo ----------------------------------------------------


def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path, help="folder to create")
    p.add_argument(
        "--from",
        dest="videos",
        type=Path,
        nargs="+",
        required=True,
        metavar="VIDEO",
        help="clips, the first one is the start",
    )
    p.add_argument("--title", help="scenario title (default: the folder name)")


@command("new", "start a pack from your own footage", _new_arguments)
def _new(args: argparse.Namespace) -> int:
    from tools import authoring

    manifest = authoring.new_pack(args.pack, args.videos, args.title)
    print(f"wrote {manifest}")
    print(
        f"next: edit it, then `sightline lint {args.pack}` and "
        f"`sightline zones {args.pack} SEGMENT --at T --box X,Y,W,H`"
    )
    return 0


def _zones_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path)
    p.add_argument("segment")
    p.add_argument("--at", type=float, default=0.0, metavar="T", help="media s of the frame")
    p.add_argument("--box", metavar="X,Y,W,H", help="the zone on that frame, normalized")
    p.add_argument("--name", default="subject")
    p.add_argument("--role", default="threat", help="threat, no-shoot or cover")
    p.add_argument("--points", type=int, default=0)
    p.add_argument("--every", type=float, default=0.2, help="keyframe spacing in s")
    p.add_argument(
        "--replace",
        action="store_true",
        help="track again a zone the segment already has under --name, in its place",
    )
    p.add_argument(
        "--preview", type=Path, metavar="FILE.png", help="write a contact sheet of the tracked zone"
    )
    p.add_argument(
        "--frame-out",
        type=Path,
        metavar="FILE.png",
        help="without --box: write the frame at --at with a grid to pick a box",
    )


@command("zones", "track a hit zone through a segment from one box", _zones_arguments)
def _zones(args: argparse.Namespace) -> int:
    from tools import authoring

    if args.box is None:
        out = args.frame_out or Path(f"{args.segment}-{args.at:g}s.png")
        authoring.write_grid_frame(args.pack, args.segment, args.at, out)
        print(
            f"wrote {out}: read the zone's box off its grid, then run again with "
            f"--box X,Y,W,H (normalized)"
        )
        return 0
    try:
        box = tuple(float(v) for v in args.box.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise UserError(f"--box {args.box!r}: expected X,Y,W,H")
    tracked = authoring.add_tracked_zone(
        args.pack,
        args.segment,
        args.name,
        args.role,
        args.at,
        box,
        args.points,
        args.every,
        args.preview,
        args.replace,
    )
    print(
        f"{'replaced' if tracked.replaced else 'added'} zone {args.name!r} "
        f"{'in' if tracked.replaced else 'to'} {args.segment}: {len(tracked.keys)} keyframes"
    )
    if tracked.confidence:
        print(
            "confidence per keyframe: "
            + ", ".join(
                f"{k['t']:g} s {c:.2f}"
                for k, c in zip(tracked.keys, tracked.confidence, strict=True)
            )
        )
    if tracked.lost_at_s is not None:
        print(
            f"warning: the tracker lost the target at {tracked.lost_at_s:.2f} s (confidence "
            f"{tracked.lost_confidence:.2f}) and stopped there; the zone holds its last "
            f"tracked position after it: correct it at that frame and track on "
            f"(`sightline studio`), or run zones again with --at {tracked.lost_at_s:.2f}"
        )
    if args.preview:
        print(f"wrote {args.preview}")
    return 0


def _make_demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "out",
        type=Path,
        nargs="?",
        help="folder to write the packs into (default: the bundled packs folder)",
    )


@command(
    "make-demo",
    "regenerate the bundled demo packs (clips, manifests, guidebooks)",
    _make_demo_arguments,
)
def _make_demo(args: argparse.Namespace) -> int:
    from content import PACKS_DIR
    from tools.make_demo import make_demo

    for path in make_demo(args.out or PACKS_DIR):
        print(f"wrote {path}")
    return 0


# -- training records: trainee, records, db ---------------------------------------------


def _trainee_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("add", help="add a trainee to the records")
    a.add_argument("id", metavar="ID", help="the academy's ID for the trainee")
    a.add_argument("--name", required=True)
    a.add_argument("--class", dest="class_id", metavar="C", help="their class (cohort)")
    _add_db_option(a)
    a = sub.add_parser("list", help="every trainee, their class and session count")
    a.add_argument("--json", action="store_true")
    _add_db_option(a)
    a = sub.add_parser("show", help="a trainee's sessions, scores and levels")
    a.add_argument("id", metavar="ID")
    a.add_argument("--json", action="store_true")
    _add_db_option(a)
    a = sub.add_parser(
        "report", help="a progress report (HTML, CSV, JSON): levels, reaction times, next"
    )
    a.add_argument("id", metavar="ID")
    _add_report_options(a)


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    p.add_argument(
        "--library",
        type=Path,
        action="append",
        metavar="DIR",
        help="scenario packs to recommend from (repeatable; default: the bundled packs)",
    )
    _add_policies_option(p)
    _add_db_option(p)


def _report(args: argparse.Namespace, write) -> int:
    from content import PACKS_DIR
    from tools.records.db import database_url

    library = args.library or [PACKS_DIR]
    for folder in library:
        if not folder.is_dir():
            raise UserError(f"--library {folder}: no such folder")
    report = write(database_url(args.db), args.id, args.out, library, _policy_library(args))
    print(f"wrote {report}")
    return 0


@command("trainee", "trainees in the training records: add, list, show", _trainee_arguments)
def _trainee(args: argparse.Namespace) -> int:
    if args.action == "report":
        from tools.reports.trainee import write_trainee_report

        return _report(args, write_trainee_report)
    from tools.records.commands import trainee_command

    return trainee_command(args)


def _class_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser(
        "report", help="a cohort's report (HTML, CSV, JSON): per trainee, per competency"
    )
    a.add_argument("id", metavar="C", help="the class (cohort) ID")
    _add_report_options(a)


@command("class", "a class (cohort) of trainees: report", _class_arguments)
def _class(args: argparse.Namespace) -> int:
    from tools.reports.cohort import write_class_report

    return _report(args, write_class_report)


def _records_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("import", help="store a recording's session (made without --trainee)")
    a.add_argument("recording", type=Path, metavar="REC")
    a.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    _add_trainee_options(a)
    a = sub.add_parser("export", help="everything about one trainee, as JSON")
    a.add_argument("id", metavar="ID")
    a.add_argument("-o", "--out", type=Path, metavar="FILE.json", help="default: stdout")
    _add_db_option(a)
    a = sub.add_parser("delete", help="a trainee, their sessions, recordings and side files")
    a.add_argument("id", metavar="ID")
    _add_db_option(a)
    a = sub.add_parser("purge", help="delete sessions (and their files) older than DAYS")
    a.add_argument("--older-than", type=_positive, required=True, metavar="DAYS")
    a.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    _add_db_option(a)


@command("records", "training records: import, export, delete, purge", _records_arguments)
def _records(args: argparse.Namespace) -> int:
    from tools.records.commands import records_command

    return records_command(args)


def _db_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    _add_db_option(sub.add_parser("upgrade", help="migrate the records database's schema"))
    _add_db_option(sub.add_parser("status", help="the schema the database and program are at"))


@command("db", "the records database: upgrade, status", _db_arguments)
def _db(args: argparse.Namespace) -> int:
    from tools.records.commands import db_command

    return db_command(args)


# -- studies: lint, plan, run, report ------------------------------------------------------


def _study_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("lint", help="is the design balanced? which cells are missing")
    a.add_argument("study", metavar="STUDY", help="study folder, or a bundled study's name")
    a = sub.add_parser("plan", help="the trial schedule of a run with this seed")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--json", action="store_true", help="as JSON (docs/studies.md)")
    a = sub.add_parser("run", help="run the study (the same options as run)")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True, help="the order; one per trainee")
    _add_run_options(a)
    a = sub.add_parser("report", help="decisions by subject attributes over recordings")
    a.add_argument("recordings", type=Path, nargs="+", metavar="REC")
    a.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    a.add_argument("--json", action="store_true", help="also print the report's JSON")
    a.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="ID",
        help="who made each recording, in order (default: the file name's stem)",
    )
    a.add_argument("--study", help="the study folder (default: the bundled one named)")
    a = sub.add_parser("pack", help="write a run's pack (for replay and aar --pack)")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("out", type=Path, metavar="DIR")
    a = sub.add_parser("make-demo", help="generate the demo study's stimuli and study.toml")
    a.add_argument("out", type=Path, nargs="?", default=Path("content/studies/demo"))


@command("study", "counter-bias studies: lint, plan, run, report", _study_arguments)
def _study(args: argparse.Namespace) -> int:
    from tools.study.commands import study_command

    return study_command(args)


# -- bench -----------------------------------------------------------------------------


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    bench = p.add_subparsers(dest="bench", metavar="WHAT")
    bench.required = True
    b = bench.add_parser("render", help="decode + upload + render fps vs raw decode fps")
    b.add_argument("--clip", type=Path, help="an H.264 clip to use (default: generated)")
    b.add_argument("--seconds", type=_positive, default=4.0, help="length of each timed run")
    b.add_argument("--repeats", type=int, default=3, help="timed runs per size (median taken)")
    b.add_argument("--sizes", default="1280x720,1920x1080", help="comma-separated WxH list")
    b.add_argument("--bgr", action="store_true", help="also time the former BGR texture path")
    b = bench.add_parser("record", help="recorder throughput and tick jitter with it")
    b.add_argument("--records", type=int, default=200_000)
    b.add_argument("--seconds", type=float, default=4.0, help="each jitter run")
    b = bench.add_parser("tracker", help="laser tracker cost per frame, one core")
    b.add_argument("--frames", type=int, default=600, help="frames to time")
    b = bench.add_parser("input", help="device frame to sim tick, sim command to device")
    b.add_argument("--samples", type=int, default=100, help="shots to time")
    bench.add_parser("audio", help="mixer cost per tick, decode speed, flash-to-beep offset")
    b = bench.add_parser("speech", help="phrase recall/precision, delay and real-time factor")
    b.add_argument(
        "--tick-loop",
        action="store_true",
        help="instead: the live tick loop's timing without and with recognition beside it",
    )
    b.add_argument("--seconds", type=_positive, default=20.0, help="--tick-loop: each run")
    b.add_argument("--rounds", type=int, default=2, help="--tick-loop: runs of each kind")
    b.add_argument(
        "--no-check", action="store_true", help="phrases unchecked against the transcript"
    )
    b = bench.add_parser("branch", help="instructor key to first frame of the new clip")
    b.add_argument("--trials", type=int, default=20, help="branches timed each way")
    b = bench.add_parser("soak", help="memory over an accelerated hour of branches and shots")
    b.add_argument("--minutes", type=_positive, default=60.0, help="session time (minutes)")
    b.add_argument("--fps", type=_positive, default=10.0, help="frames per session second")
    b.add_argument("--render", action="store_true", help="also draw each frame offscreen")
    b.add_argument("--limit", type=float, default=5.0, help="growth %% that fails (exit 1)")
    b = bench.add_parser("lanes", help="headless lanes on a local Mosquitto: command latency")
    b.add_argument("--lanes", type=int, default=16, help="lanes to run (default 16)")
    b.add_argument("--commands", type=int, default=20, help="commands per lane")
    b.add_argument("--fps", type=_positive, default=30.0, help="each lane's frame rate")
    b = bench.add_parser("community", help="phones voting at once: vote to screen, frames")
    b.add_argument("--phones", type=int, default=200, help="simulated phones (default 200)")
    b.add_argument("--window", type=_positive, default=10.0, help="they vote within N s")
    b.add_argument("--fps", type=_positive, default=30.0, help="the screen's frame rate")
    b.add_argument("--seed", type=int, default=1)
    b = bench.add_parser("startup", help="command to the first drawn frame of the demo")
    b.add_argument("--runs", type=int, default=5, help="fresh processes timed (median taken)")
    b = bench.add_parser("shot", help="laser spot or serial shot to the first frame showing it")
    b.add_argument("--shots", type=int, default=12, help="shots timed per input kind")
    b = bench.add_parser("all", help="every benchmark, JSON each and a Markdown summary")
    b.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    b.add_argument("--quick", action="store_true", help="shorter runs (a first look)")
    b.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    _add_bench_theater(bench)
    for sub in bench.choices.values():  # every benchmark: one JSON object on stdout
        sub.add_argument("--json", action="store_true", help="print the figures as JSON")


@command("bench", "benchmarks that print medians and ratios", _bench_arguments)
def _bench(args: argparse.Namespace) -> int:
    from tools import bench, bench_shot, bench_suite

    run = {
        "startup": bench_suite.bench_startup,
        "shot": bench_shot.bench_shot,
        "all": bench_suite.bench_all,
        "render": bench.bench_render,
        "branch": bench.bench_branch,
        "input": bench.bench_input,
        "tracker": bench.bench_tracker,
        "record": bench.bench_record,
        "audio": bench.bench_audio,
        "soak": bench.bench_soak,
        "lanes": lambda a: __import__("tools.lanes.bench").lanes.bench.bench_lanes(a),
        "speech": lambda a: __import__("tools.bench_speech").bench_speech.bench_speech(a),
        "community": lambda a: __import__("tools.bench_community").bench_community.bench_community(
            a
        ),
        "theater": lambda a: __import__("tools.bench_theater").bench_theater.bench_theater(a),
    }[args.bench]
    return bench_suite.run_bench(run, args)


# -- studio: authoring in the browser ----------------------------------------------------


def _studio_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "library",
        type=Path,
        nargs="?",
        default=Path("."),
        help="the folder your scenario packs are in (default: the current folder)",
    )
    p.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; a LAN address or "
        "0.0.0.0 lets other machines in, with the token from the printed URL)",
    )
    p.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")


@command("studio", "build and edit scenario packs in the browser", _studio_arguments)
def _studio(args: argparse.Namespace) -> int:
    from tools.studio.server import run_studio

    return run_studio(args.library, args.host, args.port, not args.no_browser)


# -- courses of fire (docs/courses.md) -----------------------------------------------------


def _course_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("run", help="run a course (the same options as run)")
    a.add_argument("course", metavar="COURSE", help="course folder, or a bundled course's name")
    _add_run_options(a)
    a.add_argument("--script", type=Path, dest="inputs", metavar="FILE.jsonl", help="= --inputs")
    a = sub.add_parser("plan", help="the schedule of a run: stage starts, windows, aims")
    a.add_argument("course", metavar="COURSE")
    a.add_argument("--json", action="store_true", help="as JSON (docs/courses.md)")
    a.add_argument("--tick-hz", type=_tick_hz, default=120, help="simulation rate (default 120)")
    a = sub.add_parser("report", help="score a recorded course run, per stage and in total")
    a.add_argument("recording", type=Path, metavar="REC")
    a.add_argument("--json", action="store_true", help="as JSON (docs/courses.md)")
    a.add_argument("--course", type=Path, metavar="DIR", help="the course, if it moved")
    a = sub.add_parser("lint", help="check course folders; exit 1 on any error")
    a.add_argument("courses", nargs="+", metavar="COURSE")
    a = sub.add_parser("script", help="an input script shooting every round at its aim")
    a.add_argument("course", metavar="COURSE")
    a.add_argument("--miss", action="store_true", help="every shot wide of every target")
    a.add_argument("-o", "--out", type=Path, metavar="FILE.jsonl")
    a.add_argument("--tick-hz", type=_tick_hz, default=120, help="simulation rate (default 120)")
    a = sub.add_parser("make-backdrop", help="rebuild the bundled range backdrop clip")
    a.add_argument("out", type=Path, nargs="?", default=Path("content/courses/range.mp4"))


@command("course", "courses of fire: run, plan, report, lint, script", _course_arguments)
def _course(args: argparse.Namespace) -> int:
    from tools.course.commands import course_command

    if args.action == "run" and (args.trainee or args.instructor_name):
        from tools.records.sessions import check_run

        check_run(args)
    return course_command(args)


# -- lanes: lane run, lanes status/send/view (tools/lanes) ---------------------------------


def _lane_arguments(p: argparse.ArgumentParser) -> None:
    from tools.lanes.commands import add_broker_options

    sub = p.add_subparsers(dest="lane_command", metavar="WHAT")
    sub.required = True
    r = sub.add_parser(
        "run",
        help="run a pack as a lane: status out, instructor commands in",
        description=RUN_DESCRIPTION.split(";")[0]
        + "; as a lane on an MQTT broker: it publishes its status and takes instructor "
        "commands (sightline lanes send). Headless, a lane runs on the wall clock until "
        "the scenario ends (or --seconds).",
        formatter_class=DefaultsFormatter,
    )
    _run_arguments(r)
    r.add_argument("--lane", required=True, metavar="NAME", help="this lane's name (a1, 3...)")
    add_broker_options(r)
    r.add_argument(
        "--realtime",
        action="store_true",
        help="headless on the wall clock (always so for a lane; accepted for clarity)",
    )
    r.add_argument(
        "--max-command-age",
        type=_positive,
        default=5.0,
        metavar="S",
        help="refuse (and report) a command sent more than S seconds before it arrives",
    )


@command("lane", "run a pack as one lane of several, through an MQTT broker", _lane_arguments)
def _lane(args: argparse.Namespace) -> int:
    from tools.lanes.commands import lane_run

    return lane_run(args, _run)


def _lanes_arguments(p: argparse.ArgumentParser) -> None:
    from tools.lanes.commands import SEND_HELP, add_broker_options

    sub = p.add_subparsers(dest="lanes_command", metavar="WHAT")
    sub.required = True
    s = sub.add_parser("status", help="every lane's status, from the broker")
    add_broker_options(s)
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--wait", type=_positive, default=2.0, help="longest wait for the lanes (s)")
    s = sub.add_parser("send", help="send a lane an instructor command", epilog=SEND_HELP)
    add_broker_options(s)
    s.add_argument("lane", help="the lane's name")
    s.add_argument("words", nargs="+", metavar="COMMAND [ARGS]", help=SEND_HELP)
    s.add_argument("--wait", type=_positive, default=5.0, help="longest wait for the lane (s)")
    s = sub.add_parser("view", help="the control room: every lane, thumbnails, shots, keys")
    add_broker_options(s)
    s.add_argument("--html", type=Path, metavar="FILE", help="write one HTML snapshot and exit")
    s.add_argument("--png", type=Path, metavar="FILE", help="render the view once to a PNG")
    s.add_argument("--offscreen", action="store_true", help="no window (with --png)")
    s.add_argument("--keys", metavar="'KEY ...'", help="press these station keys first")
    s = sub.add_parser("console", help="the tablet console: every lane in a browser on the LAN")
    add_broker_options(s)
    s.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 or a LAN "
        "address lets a tablet in, with the token from the printed URL)",
    )
    s.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")


@command("lanes", "consoles: lanes status, send, view, console", _lanes_arguments)
def _lanes(args: argparse.Namespace) -> int:
    from tools.lanes import commands

    if args.lanes_command == "view":
        from tools.lanes.view import view_command

        return view_command(args)
    if args.lanes_command == "console":
        from tools.lanes.console import console_command

        return console_command(args)
    return {"status": commands.lanes_status, "send": commands.lanes_send}[args.lanes_command](args)


# -- community sessions (issue 23) ---------------------------------------------------------


def _community_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="community", metavar="WHAT")
    sub.required = True
    r = sub.add_parser(
        "run",
        help="play packs for a room that votes from its phones",
        description="Play packs for a room: where a pack branches, the room votes from its "
        "phones (a page on the local network, reached by the QR code on screen), the result "
        "is shown as a chart, the facilitator reveals what the training says (N) and goes "
        "on (P: the room's choice; 1-9: a choice). X closes a vote early.",
    )
    r.add_argument("packs", type=Path, nargs="+", metavar="PACK", help="scenario pack folders")
    r.add_argument("--port", type=int, default=8765, help="the vote page's port (default 8765)")
    r.add_argument(
        "--host",
        default="0.0.0.0",
        help="the address to serve on (default all: the local network; 127.0.0.1: this "
        "machine only)",
    )
    r.add_argument("--code", help=argparse.SUPPRESS)  # tests: a known session code
    r.add_argument("--no-server", action="store_true", help="no vote page (scripted votes only)")
    r.add_argument(
        "--vote-seconds",
        type=_positive,
        default=20.0,
        help="how long a question stays open unless closed earlier (default 20)",
    )
    r.add_argument(
        "--reveal-seconds",
        type=_positive,
        help="go on down the room's choice this long after a vote closes (default: wait "
        "for the facilitator; headless: 8)",
    )
    r.add_argument(
        "--pace",
        action="store_true",
        help="headless runs keep to the wall clock so that phones can vote (the default "
        "for a headless run with the vote page and no --script)",
    )
    r.add_argument("--offscreen", action="store_true", help="render offscreen (headless)")
    r.add_argument("--window", action="store_true", help="open a window even if it may fail")
    r.add_argument(
        "--inputs",
        "--script",
        dest="inputs",
        type=Path,
        metavar="FILE.jsonl",
        help='a timed input script (votes: {"type": "vote", "choice": LABEL})',
    )
    r.add_argument("--seconds", type=_positive, help="stop after N s of session time")
    r.add_argument("--video-out", type=Path, metavar="FILE.mp4", help="write the room's screen")
    r.add_argument("--record", type=Path, metavar="FILE", help="record the session")
    r.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
    r.add_argument("--fps", type=_positive, default=30.0)
    r.add_argument("--tick-hz", type=_tick_hz, default=120)
    r.add_argument(
        "--instructor", choices=("auto", "window", "split", "buffer", "none"), default="none"
    )
    r.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="KIND:PATH[@wN]",
        help="a volunteer's light gun or other device, as for run",
    )
    r.add_argument("--audio", choices=("auto", "device", "none"), default="auto")
    r.add_argument(
        "--perspectives",
        action="store_true",
        help="after a vote, also show what trained officers did at that point (from the "
        "training records, aggregated, with at least 5 sessions)",
    )
    _add_db_option(r)
    _add_policies_option(r)
    rep = sub.add_parser("report", help="the take-home summary of a community session")
    rep.add_argument("recording", type=Path, metavar="REC")
    rep.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    rep.add_argument("--json", action="store_true", help="also write community.json")
    rep.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    rep.add_argument(
        "--perspectives", action="store_true", help="add what trained officers did (records)"
    )
    _add_db_option(rep)
    _add_policies_option(rep)


@command("community", "community sessions: a room votes from its phones", _community_arguments)
def _community(args: argparse.Namespace) -> int:
    from tools.community import commands

    return (commands.run_command if args.community == "run" else commands.report_command)(args)


# -- the range theater (issue 19): theater files, theater runs, the bench -------------------


def _add_theater_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--theater",
        type=Path,
        metavar="FILE",
        help="run a theater pack on the projectors of a theater file (docs/theater.md)",
    )
    p.add_argument(
        "--video-out-dir",
        type=Path,
        metavar="DIR",
        help="with --theater: write each projector's picture to DIR/screen-N.mp4",
    )


def _add_bench_theater(bench) -> None:
    b = bench.add_parser("theater", help="fps and cost of 3 and 5 screens against one")
    b.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH")
    b.add_argument("--frames", type=int, default=40, help="frames timed per run")
    b.add_argument("--repeats", type=int, default=3, help="timed runs per count (median)")


def _theater_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    n = sub.add_parser("new", help="write a theater file for N screens around an arc")
    n.add_argument("--screens", type=int, required=True, help="projectors, 1-8")
    n.add_argument("--degrees", type=float, required=True, help="the arc they cover, up to 360")
    n.add_argument("--overlap", type=float, default=15.0, help="%% of a screen shared (15)")
    n.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH")
    n.add_argument("--projection", choices=("flat", "curved"), default="flat")
    n.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.toml")
    t = sub.add_parser("pattern", help="the grid and blend test card on every projector")
    t.add_argument("theater", type=Path)
    t.add_argument("-o", "--out", type=Path, metavar="DIR", help="write screen-N.png instead")


@command("theater", "multi-screen theaters: new file, alignment pattern", _theater_arguments)
def _theater(args: argparse.Namespace) -> int:
    from tools import theater_cmd

    return {"new": theater_cmd.new_command, "pattern": theater_cmd.pattern_command}[args.action](
        args
    )


# -- the entry point ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sightline",
        description="Sightline: an open use-of-force and de-escalation training simulator.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(
            name, help=cmd.help, description=cmd.description, formatter_class=cmd.formatter
        )
        cmd.arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        return 130
    except UserError as exc:
        print(f"sightline: error: {exc}", file=sys.stderr)
        return EXIT_STATUS


if __name__ == "__main__":
    sys.exit(main())
