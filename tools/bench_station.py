"""`sightline bench station`: the frames a second a live station can draw, with the
trainee's window alone and with the instructor's window beside it (the default station:
two windows), at each trainee size.

Each run is `sightline run` of the demo pack in windows (`--window --audio none
--instructor none|window`) on an X display: $DISPLAY, or a private Xvfb wide enough for
both windows. Xvfb has no vertical sync, so a run draws as fast as it can, and its
frames over its session seconds are what the station could draw: a 60 Hz display needs
60. The instructor's window costs its own draw and swap, and the trainee picture's
readback every frame (the two windows have separate graphics contexts: see
engine/instructor.py). CPU ms a frame is the run's user + system time over its frames
(both cores together; start-up included). The demo's clips are 854x480, so they are
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


def _run(display: str, size: tuple[int, int], instructor: str, seconds: float) -> dict:
    """One windowed run: its frames a second and CPU ms a frame."""
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
    return {"fps": frames / session_s, "cpu_ms": cpu_s / frames * 1000}


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
                        _run(display, size, instructor, args.seconds)
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
        med = {
            name: {k: statistics.median(r[k] for r in got[(size, name)]) for k in ("fps", "cpu_ms")}
            for name, _ in modes
        }
        ratio = med["trainee"]["fps"] / med["station"]["fps"]
        for name, label in (("trainee", "trainee only"), ("station", "trainee + instructor")):
            m = med[name]
            print(
                f"{size[0]}x{size[1]:<8} {label:<22} {m['fps']:>7.1f} {1000 / m['fps']:>11.2f} "
                f"{m['cpu_ms']:>15.2f} {(ratio if name == 'station' else 1.0):>8.2f}"
            )
        rows.append(
            {
                "size": f"{size[0]}x{size[1]}",
                "trainee_fps": round(med["trainee"]["fps"], 1),
                "station_fps": round(med["station"]["fps"], 1),
                "cost_ratio": round(ratio, 3),
                "trainee_cpu_ms": round(med["trainee"]["cpu_ms"], 2),
                "station_cpu_ms": round(med["station"]["cpu_ms"], 2),
            }
        )
    print(
        "fps = frames drawn / session seconds, with no vertical sync (Xvfb): what the station "
        "could draw; a 60 Hz display needs 60"
    )
    args.result = {
        "display": "Xvfb" if "DISPLAY" not in os.environ else "DISPLAY",
        "instructor_size": f"{INSTRUCTOR[0]}x{INSTRUCTOR[1]}",
        "sizes": rows,
    }
    return 0
