"""The subcommand registry and what several subcommands share: the `@command` decorator,
the help formatter, argument types, and the option builders of a run (run, demo, study
run, course run, lane run), the training records (--trainee, --db) and the policy library.

Command modules (tools/cli/session.py, packs.py, ...) import from here; this module
imports no other part of tools.cli, and no tools module at all (handlers import theirs
when they run).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """A subcommand: its line in `sightline --help`, its flags, and what runs it."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler
    description: str | None = None
    formatter: type[argparse.HelpFormatter] = argparse.HelpFormatter


#: The subcommands by name, in the order their modules registered them (tools/cli/__init__.py
#: says the order `sightline --help` lists them in).
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


# -- argument types and the options a run takes -----------------------------------------


def frame_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320) or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"{text}: sizes are even, 16x16 to 7680x4320")
    return w, h


def positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):  # inf: a headless run that never ends
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return v


def count(text: str) -> int:
    """A whole number of at least 1 (runs, frames, trials: 0 left a benchmark with no
    samples to take a median of)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return v


def frame_sizes(text: str) -> list[tuple[int, int]]:
    """A comma-separated list of frame_size."""
    sizes = [frame_size(part.strip()) for part in text.split(",") if part.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT[,WIDTHxHEIGHT...], got {text!r}")
    return sizes


def frame_rate(text: str) -> float:
    """Frames a second of a run's video: 1 to 240 (a projector's fastest; 100000 looked
    like a hang, a second of session taking minutes)."""
    v = positive(text)
    if not 1 <= v <= 240:
        raise argparse.ArgumentTypeError(f"frames a second are 1 to 240, got {text}")
    return v


def tick_hz(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= v <= 1000:  # 0 was a ZeroDivisionError traceback
        raise argparse.ArgumentTypeError(f"ticks a second are 1 to 1000, got {text}")
    return v


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--offscreen",
        action="store_true",
        help="render into an offscreen buffer (automatic when there is no display)",
    )
    p.add_argument("--window", action="store_true", help="open a window even if it may fail")
    add_display_options(p)
    p.add_argument(
        "--inputs",
        type=Path,
        metavar="FILE.jsonl",
        help="drive the run from a timed script, one JSON event per line",
    )
    p.add_argument("--seconds", type=positive, metavar="N", help="stop after N s of session time")
    p.add_argument(
        "--video-out", type=Path, metavar="FILE.mp4", help="write the trainee view to an H.264 file"
    )
    p.add_argument(
        "--size",
        type=frame_size,
        default=(1280, 720),
        metavar="WxH",
        help="trainee view size (default 1280x720)",
    )
    p.add_argument(
        "--fps",
        type=frame_rate,
        default=30.0,
        help="frame rate of headless runs and --video-out (default 30)",
    )
    p.add_argument("--tick-hz", type=tick_hz, default=120, help="simulation rate (default 120)")
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
    add_audio_options(p)
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
    add_trainee_options(p)
    add_policies_option(p)
    add_theater_run_options(p)


def add_audio_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--audio-out",
        type=Path,
        metavar="FILE.wav",
        help="write the mixed session audio (48 kHz stereo WAV)",
    )


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="the records database: sqlite:///FILE or postgresql://USER@HOST/DB (default: "
        "$SIGHTLINE_DB, else records.db in the user's data folder)",
    )


def add_policies_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policies",
        type=Path,
        action="append",
        metavar="DIR",
        help="the agency's policy library (Markdown, PDF with a .toml sidecar); repeatable "
        "(default: $SIGHTLINE_POLICIES, else the bundled sample policies)",
    )


def policy_library(args: argparse.Namespace):
    """The policy library --policies names (else $SIGHTLINE_POLICIES, else the samples),
    its problems printed as warnings (a broken file is left out, the rest used)."""
    from content.policies import load_library

    library = load_library(getattr(args, "policies", None))
    for problem in library.problems:
        print(f"warning: policy library: {problem}", file=sys.stderr)
    return library


def add_trainee_options(p: argparse.ArgumentParser) -> None:
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
    add_db_option(p)


def add_display_options(p: argparse.ArgumentParser) -> None:
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


def add_theater_run_options(p: argparse.ArgumentParser) -> None:
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
