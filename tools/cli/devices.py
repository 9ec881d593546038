"""Device subcommands: calibrate (a camera onto the trainee screen), detect-shots (laser
shots in a camera video), displays and devices (what is attached) and emulate (a pretend
device on a pseudo-terminal)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import UserError
from tools.cli.registry import command, frame_size


def _calibrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--camera", type=int, metavar="N", help="live, from webcam N")
    p.add_argument("--image", type=Path, metavar="PHOTO", help="from a photo of the pattern")
    p.add_argument("--pattern-out", type=Path, metavar="FILE.png", help="write the pattern")
    p.add_argument(
        "--size",
        type=frame_size,
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
    stats: dict = {}
    try:
        with Progress("detect-shots", unit="frames") as bar:
            shots = detect_video(
                str(args.video), on_frame=lambda n, total: bar.update(n), stats=stats
            )
    except OSError as exc:
        raise UserError(str(exc)) from None
    # a damaged video stops decoding early: say so, or its later shots are silently lost
    # (two of the nine ShootOFF recordings decode 2 frames fewer than their index counts)
    short = stats["declared"] > stats["frames"] + max(3, stats["declared"] // 100)
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
    if short:
        print(
            f"warning: {args.video}: decoding stopped at frame {stats['frames']} of the "
            f"{stats['declared']} it declares (damaged or truncated): shots after it are "
            "not counted",
            file=sys.stderr,
        )
        return 1
    return 0


def _listing_arguments(p: argparse.ArgumentParser) -> None:
    """The listings, displays and devices, take one flag: --json."""
    p.add_argument("--json", action="store_true")


@command("displays", "list the displays (index, name, size, position)", _listing_arguments)
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
    _listing_arguments,
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
