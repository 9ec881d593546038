"""`sightline bench station`: the frames a second a live station can draw, with the
trainee's window alone and with the instructor's window beside it (the default station:
two windows), at each trainee size.

Each run is `sightline run` of the demo pack in windows (`--window --audio none
--instructor none|window`) on an X display: $DISPLAY, or a private Xvfb wide enough for
both windows. Xvfb has no vertical sync, so a run draws as fast as it can, and its
frames over its session seconds are what the station could draw: a 60 Hz display needs
60. The instructor's window costs its own draw and swap, and the trainee picture's
readback every frame (the two windows have separate graphics contexts: see
engine/instructor.py). CPU ms a frame is the run's user + system time (both cores
together) for its frames, without its start-up and shut-down: each run is paired with a
short one of the same kind (SHORT_S of session), and the CPU time and frames of the short
one are taken from the long one's. The demo's clips are 854x480, so they are
scaled to every size here (linear filtering, as a run of footage at another size).
Skipped, saying so, without a display or Xvfb.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys

from content import DEMO_PACK

#: The instructor window's size in these runs (`sightline run`'s default).
INSTRUCTOR = (1280, 720)
SESSION = re.compile(r"^Session: ([\d.]+) s at .*?, (\d+) frames rendered", re.M)
#: The paired short run's session seconds (a third of the long run's, if that is less).
SHORT_S = 0.5


def _run(display: str, size: tuple[int, int], instructor: str, seconds: float) -> dict:
    """One windowed run: its session seconds, frames and CPU seconds (start-up and
    shut-down included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "run",
            str(DEMO_PACK),
            "--window",
            "--audio",
            "none",
            "--instructor",
            instructor,
            "--size",
            f"{size[0]}x{size[1]}",
            "--seconds",
            f"{seconds:g}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        env={**os.environ, "DISPLAY": display},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = SESSION.search(proc.stdout)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"a station run failed: {(proc.stderr or proc.stdout)[-800:]}")
    session_s, frames = float(found.group(1)), int(found.group(2))
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"session_s": session_s, "frames": frames, "cpu_s": cpu_s}


def _measure(display: str, size: tuple[int, int], instructor: str, seconds: float) -> dict:
    """A run and its short pair: frames a second (the long run's) and CPU ms a frame of
    the frames the long one drew beyond the short one (the start-up and shut-down they
    share cancel). None where the difference is not a positive count of frames and time."""
    long = _run(display, size, instructor, seconds)
    short = _run(display, size, instructor, min(SHORT_S, seconds / 3))
    frames = long["frames"] - short["frames"]
    cpu_s = long["cpu_s"] - short["cpu_s"]
    return {
        "fps": long["frames"] / long["session_s"],
        "cpu_ms": cpu_s / frames * 1000 if frames > 0 and cpu_s > 0 else None,
    }


def bench_station(args: argparse.Namespace) -> int:
    from tools.bench_live import live_display

    sizes = list(args.sizes)
    wide = max(w for w, _ in sizes) + INSTRUCTOR[0]
    high = max([h for _, h in sizes] + [INSTRUCTOR[1]])
    modes = (("trainee", "none"), ("station", "window"))
    got: dict[tuple, list[dict]] = {}
    with live_display(f"{wide}x{high}") as display:
        if display is None:
            print("sightline bench station: skipped (no display and no Xvfb)")
            args.result = {"skipped": "no display and no Xvfb"}
            return 0
        for _ in range(args.runs):  # the two kinds alternate, so both see the same load
            for size in sizes:
                for name, instructor in modes:
                    got.setdefault((size, name), []).append(
                        _measure(display, size, instructor, args.seconds)
                    )
    print(
        f"sightline bench station: `sightline run` of the demo in windows, median of "
        f"{args.runs} runs of {args.seconds:g} s (instructor window {INSTRUCTOR[0]}x"
        f"{INSTRUCTOR[1]})"
    )
    print(
        f"{'trainee size':<13} {'windows':<22} {'fps':>7} {'ms a frame':>11} "
        f"{'CPU ms a frame':>15} {'x alone':>8}"
    )
    rows = []
    for size in sizes:
        med = {name: _medians(got[(size, name)]) for name, _ in modes}
        ratio = med["trainee"]["fps"] / med["station"]["fps"]
        for name, label in (("trainee", "trainee only"), ("station", "trainee + instructor")):
            m = med[name]
            print(
                f"{size[0]}x{size[1]:<8} {label:<22} {m['fps']:>7.1f} {1000 / m['fps']:>11.2f} "
                f"{_ms(m['cpu_ms']):>15} {(ratio if name == 'station' else 1.0):>8.2f}"
            )
        rows.append(
            {
                "size": f"{size[0]}x{size[1]}",
                "trainee_fps": round(med["trainee"]["fps"], 1),
                "station_fps": round(med["station"]["fps"], 1),
                "cost_ratio": round(ratio, 3),
                "trainee_cpu_ms": _round(med["trainee"]["cpu_ms"]),
                "station_cpu_ms": _round(med["station"]["cpu_ms"]),
            }
        )
    print(
        "fps = frames drawn / session seconds, with no vertical sync (Xvfb): what the station "
        "could draw; a 60 Hz display needs 60; CPU ms a frame = the CPU time of the frames "
        f"a run drew beyond a {SHORT_S:g} s run of the same kind (start-up left out)"
    )
    args.result = {
        "display": "Xvfb" if "DISPLAY" not in os.environ else "DISPLAY",
        "instructor_size": f"{INSTRUCTOR[0]}x{INSTRUCTOR[1]}",
        "sizes": rows,
    }
    return 0


def _medians(runs: list[dict]) -> dict:
    cpu = [r["cpu_ms"] for r in runs if r["cpu_ms"] is not None]
    return {
        "fps": statistics.median(r["fps"] for r in runs),
        "cpu_ms": statistics.median(cpu) if cpu else None,
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
