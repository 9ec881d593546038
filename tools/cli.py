"""The `sightline` command line: one entry point, one subcommand per job.

Every expected failure (a broken pack, a bad input script, a missing clip, no GL) is
printed as one line, `sightline: error: ...`, with exit status 2; tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Quiet OpenCV's and FFmpeg's own stderr chatter; our errors say what matters.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

DEFAULT_OUTPUT_DIR = Path("sightline-output")


class CliError(Exception):
    pass


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
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return v


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--offscreen",
        action="store_true",
        help="render into an offscreen buffer (automatic when there is no display)",
    )
    p.add_argument("--window", action="store_true", help="open a window even if it may fail")
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
    p.add_argument("--tick-hz", type=int, default=120, help="simulation rate (default 120)")
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
        help="a serial device: openfire, gun4ir, recoil-kit or laser-tracker, on "
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


def _add_audio_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--audio-out",
        type=Path,
        metavar="FILE.wav",
        help="write the mixed session audio (48 kHz stereo WAV)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sightline",
        description="Sightline: an open use-of-force and de-escalation training simulator.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("run", help="run a scenario pack (window, or headless without a display)")
    p.add_argument("pack", type=Path, help="scenario pack folder")
    _add_run_options(p)

    p = sub.add_parser(
        "demo", help="run the bundled demo pack (headless: scripted, writes a video)"
    )
    _add_run_options(p)

    p = sub.add_parser("replay", help="play a recording again, or --verify it tick by tick")
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

    p = sub.add_parser("aar", help="after-action review of a recording: HTML, CSV, JSON")
    p.add_argument("recording", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")

    p = sub.add_parser("lint", help="check scenario packs; exit 1 on any error")
    p.add_argument("packs", type=Path, nargs="+", metavar="PACK")
    p.add_argument("--json", action="store_true", help="machine-readable findings")

    p = sub.add_parser("graph", help="draw a pack's branch graph to SVG or PNG")
    p.add_argument("pack", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.svg|.png")

    p = sub.add_parser("catalog", help="list packs and their metadata; the library's make-up")
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

    p = sub.add_parser("render-frame", help="one trainee-view frame to a PNG, headless")
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

    p = sub.add_parser("calibrate", help="map a camera's view onto the trainee screen")
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

    p = sub.add_parser("detect-shots", help="find laser shots in a recorded camera video")
    p.add_argument("video", type=Path)
    p.add_argument("--json", action="store_true", help="a list of {frame, t, x, y, color}")

    p = sub.add_parser("devices", help="list serial ports and the driver that matches each")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("emulate", help="a pretend device on a pseudo-terminal")
    p.add_argument("kind", choices=("openfire", "gun4ir", "recoil-kit", "laser-tracker"))
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

    p = sub.add_parser("new", help="start a pack from your own footage")
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

    p = sub.add_parser("zones", help="track a hit zone through a segment from one box")
    p.add_argument("pack", type=Path)
    p.add_argument("segment")
    p.add_argument("--at", type=float, default=0.0, metavar="T", help="media s of the frame")
    p.add_argument("--box", metavar="X,Y,W,H", help="the zone on that frame, normalized")
    p.add_argument("--name", default="subject")
    p.add_argument("--role", default="threat", help="threat, no-shoot or cover")
    p.add_argument("--points", type=int, default=0)
    p.add_argument("--every", type=float, default=0.2, help="keyframe spacing in s")
    p.add_argument(
        "--preview", type=Path, metavar="FILE.png", help="write a contact sheet of the tracked zone"
    )
    p.add_argument(
        "--frame-out",
        type=Path,
        metavar="FILE.png",
        help="without --box: write the frame at --at with a grid to pick a box",
    )

    p = sub.add_parser(
        "make-demo", help="regenerate the bundled demo packs (clips, manifests, guidebooks)"
    )
    p.add_argument(
        "out",
        type=Path,
        nargs="?",
        help="folder to write the packs into (default: the bundled packs folder)",
    )

    p = sub.add_parser("bench", help="benchmarks that print medians and ratios")
    bench = p.add_subparsers(dest="bench", metavar="WHAT")
    bench.required = True
    b = bench.add_parser("render", help="decode + upload + render fps vs raw decode fps")
    b.add_argument("--clip", type=Path, help="an H.264 clip to use (default: generated)")
    b.add_argument("--seconds", type=_positive, default=4.0, help="length of each timed run")
    b.add_argument("--repeats", type=int, default=3, help="timed runs per size (median taken)")
    b.add_argument("--sizes", default="1280x720,1920x1080", help="comma-separated WxH list")
    b = bench.add_parser("record", help="recorder throughput and tick jitter with it")
    b.add_argument("--records", type=int, default=200_000)
    b.add_argument("--seconds", type=float, default=4.0, help="each jitter run")
    b = bench.add_parser("tracker", help="laser tracker cost per frame, one core")
    b.add_argument("--frames", type=int, default=600, help="frames to time")
    b = bench.add_parser("input", help="device frame to sim tick, sim command to device")
    b.add_argument("--samples", type=int, default=100, help="shots to time")
    bench.add_parser("audio", help="mixer cost per tick, decode speed, flash-to-beep offset")
    b = bench.add_parser("branch", help="instructor key to first frame of the new clip")
    b.add_argument("--trials", type=int, default=20, help="branches timed each way")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("run", "demo"):
            from tools.run_cmd import run_command

            return run_command(args)
        if args.command == "replay":
            from tools.replay import replay_command

            return replay_command(args)
        if args.command == "aar":
            from tools.aar import write_report

            print(f"wrote {write_report(args.recording, args.out, args.pack)}")
            return 0
        if args.command == "lint":
            return lint_command(args)
        if args.command == "graph":
            from content.pack import load_pack
            from tools.graph import write_graph

            if args.out.suffix.lower() not in (".svg", ".png"):
                raise CliError(f"{args.out}: graph output must end in .svg or .png")
            write_graph(load_pack(args.pack, collect_media=True), args.out)
            print(f"wrote {args.out}")
            return 0
        if args.command == "catalog":
            from content import PACKS_DIR
            from tools.catalog import catalog

            root = args.dir or PACKS_DIR
            if not root.is_dir():
                raise CliError(f"{root}: not a folder")
            try:
                print(catalog(root, args.where, args.format, args.makeup))
            except ValueError as exc:
                raise CliError(str(exc)) from None
            return 0
        if args.command == "render-frame":
            from tools.render_frame import RenderFrameError, render_frame

            try:
                lights = [tuple(float(v) for v in f.split(",")) for f in args.flashlight]
                assert all(len(p) == 2 and 0 <= p[0] <= 1 and 0 <= p[1] <= 1 for p in lights)
            except (ValueError, AssertionError):
                raise CliError("--flashlight is X,Y with X and Y between 0 and 1") from None
            if args.lowlight is not None and not 0 <= args.lowlight <= 1:
                raise CliError("--lowlight LEVEL is between 0 (black) and 1")
            try:
                render_frame(
                    args.pack, args.out, args.segment, args.t, args.lowlight, lights, args.size
                )
            except RenderFrameError as exc:
                raise CliError(str(exc)) from None
            print(f"wrote {args.out}")
            return 0
        if args.command == "calibrate":
            from drivers.calibration import CalibrationError
            from tools.calibrate import calibrate_command

            try:
                return calibrate_command(args)
            except CalibrationError as exc:
                raise CliError(f"calibration failed: {exc}") from None
        if args.command == "detect-shots":
            import json

            from drivers.laser_tracker import detect_video

            if not args.video.is_file():
                raise CliError(f"{args.video}: no such video file")
            try:
                shots = detect_video(str(args.video))
            except OSError as exc:
                raise CliError(str(exc)) from None
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
        if args.command == "devices":
            import json

            from drivers.devices import list_devices

            ports = list_devices()
            if args.json:
                print(json.dumps(ports, indent=2))
            elif not ports:
                print("no serial ports found")
            for d in [] if args.json else ports:
                print(
                    f"{d['port']:<22} {d['vid'] or '----'}:{d['pid'] or '----'}  "
                    f"{d['serial'][:16]:<16}  {d['driver']:<9} {d['description']}"
                )
            return 0
        if args.command == "emulate":
            from tools.emulate import emulate_command

            return emulate_command(args)
        if args.command in ("new", "zones"):
            return authoring_command(args)
        if args.command == "make-demo":
            from content import PACKS_DIR
            from tools.make_demo import make_demo

            out = args.out or PACKS_DIR
            for path in make_demo(out):
                print(f"wrote {path}")
            return 0
        if args.command == "bench":
            from tools import bench

            run = {
                "render": bench.bench_render,
                "branch": bench.bench_branch,
                "input": bench.bench_input,
                "tracker": bench.bench_tracker,
                "record": bench.bench_record,
                "audio": bench.bench_audio,
            }[args.bench]
            return run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _is_user_error(exc):
            print(f"sightline: error: {exc}", file=sys.stderr)
            return 2
        raise
    return 1


def authoring_command(args: argparse.Namespace) -> int:
    from tools import authoring

    try:
        if args.command == "new":
            manifest = authoring.new_pack(args.pack, args.videos, args.title)
            print(f"wrote {manifest}")
            print(
                f"next: edit it, then `sightline lint {args.pack}` and "
                f"`sightline zones {args.pack} SEGMENT --at T --box X,Y,W,H`"
            )
            return 0
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
            assert len(box) == 4
        except (ValueError, AssertionError):
            raise CliError(f"--box {args.box!r}: expected X,Y,W,H") from None
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
        )
        print(f"added zone {args.name!r} to {args.segment}: {len(tracked.keys)} keyframes")
        if tracked.lost_at_s is not None:
            print(
                f"warning: the tracker lost the box at {tracked.lost_at_s:.2f} s; the zone "
                f"holds its last position from there: correct it by hand"
            )
        if args.preview:
            print(f"wrote {args.preview}")
        return 0
    except authoring.AuthoringError as exc:
        raise CliError(str(exc)) from None


def lint_command(args: argparse.Namespace) -> int:
    import json

    from content.lint import findings_json, lint_pack

    results = {str(p): lint_pack(p) for p in args.packs}
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


def _is_user_error(exc: BaseException) -> bool:
    from content.media import MediaError
    from content.pack import PackError
    from drivers.devices import DeviceSpecError
    from engine.audio import AudioError
    from engine.scene3d import ExtensionError
    from engine.video import VideoError
    from engine.video_out import VideoOutError
    from sim.events import InputError
    from sim.recording import RecordingError

    known: tuple[type[BaseException], ...] = (
        DeviceSpecError,
        AudioError,
        ExtensionError,
        RecordingError,
        CliError,
        PackError,
        MediaError,
        InputError,
        VideoError,
        VideoOutError,
    )
    try:
        from engine.panda_setup import DisplayError

        known += (DisplayError,)
    except ImportError:
        pass
    return isinstance(exc, known)


if __name__ == "__main__":
    # `python -m tools.cli`: run the module proper, so that the CliError other modules
    # import from tools.cli is the class this module catches
    from tools.cli import main as _main

    sys.exit(_main())
