"""`sightline bench NAME`: the benchmarks' flags, and which tools module runs each (they
print medians and ratios; speed is shown here, never by timed tests)."""

from __future__ import annotations

import argparse
import functools
import importlib
from pathlib import Path

from tools.cli.registry import DefaultsFormatter, command, count, frame_size, frame_sizes, positive


def _sizes(b: argparse.ArgumentParser, help: str) -> None:
    b.add_argument(
        "--sizes", type=frame_sizes, default="1280x720,1920x1080", metavar="WxH,...", help=help
    )


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    bench = p.add_subparsers(dest="bench", metavar="WHAT")
    bench.required = True
    bench.add_parser = functools.partial(bench.add_parser, formatter_class=DefaultsFormatter)
    b = bench.add_parser("render", help="decode + upload + render fps vs raw decode fps")
    b.add_argument(
        "--clip", type=Path, help="a clip to use instead of generated ones (replaces --sizes)"
    )
    b.add_argument("--seconds", type=positive, default=4.0, help="length of each timed run")
    b.add_argument("--repeats", type=count, default=3, help="timed runs per size (median taken)")
    _sizes(b, "comma-separated sizes of the generated clips")
    b.add_argument("--bgr", action="store_true", help="also time the former BGR texture path")
    b = bench.add_parser("record", help="recorder throughput and tick jitter with it")
    b.add_argument("--records", type=count, default=200_000, help="records written flat out")
    b.add_argument("--seconds", type=positive, default=4.0, help="each jitter run")
    b = bench.add_parser("tracker", help="laser tracker cost per frame, one core")
    b.add_argument("--frames", type=count, default=600, help="frames to time")
    b = bench.add_parser("input", help="device frame to sim tick, sim command to device")
    b.add_argument("--samples", type=count, default=100, help="shots to time")
    bench.add_parser("audio", help="mixer cost per tick, decode speed, flash-to-beep offset")
    b = bench.add_parser("speech", help="phrase recall/precision, delay and real-time factor")
    b.add_argument(
        "--tick-loop",
        action="store_true",
        help="instead: the live tick loop's timing without and with recognition beside it",
    )
    b.add_argument("--seconds", type=positive, default=20.0, help="--tick-loop: each run")
    b.add_argument("--rounds", type=count, default=2, help="--tick-loop: runs of each kind")
    b.add_argument(
        "--no-check", action="store_true", help="phrases unchecked against the transcript"
    )
    b.add_argument(
        "--snr",
        action="append",
        type=_snr,
        metavar="DB|clean",
        help="a noise level to measure at, repeatable (default: clean, 20, 10 and 5 dB)",
    )
    b = bench.add_parser("branch", help="instructor key to first frame of the new clip")
    b.add_argument("--trials", type=count, default=20, help="branches timed each way")
    b = bench.add_parser("soak", help="memory over an accelerated hour of branches and shots")
    b.add_argument("--minutes", type=positive, default=60.0, help="session time (minutes)")
    b.add_argument("--fps", type=positive, default=10.0, help="frames per session second")
    b.add_argument("--render", action="store_true", help="also draw each frame offscreen")
    b.add_argument(
        "--limit",
        type=positive,
        default=5.0,
        help="growth %% that fails (exit 1): from minutes 11-20 to the last window in runs"
        " longer than 20 minutes, else from the first minute",
    )
    b = bench.add_parser("lanes", help="headless lanes on a local Mosquitto: command latency")
    b.add_argument("--lanes", type=count, default=16, help="lanes to run (default 16)")
    b.add_argument("--commands", type=count, default=20, help="commands per lane")
    b.add_argument("--fps", type=positive, default=30.0, help="each lane's frame rate")
    b = bench.add_parser("community", help="phones voting at once: vote to screen, frames")
    b.add_argument("--phones", type=count, default=200, help="simulated phones (default 200)")
    b.add_argument("--window", type=positive, default=10.0, help="they vote within N s")
    b.add_argument("--fps", type=positive, default=30.0, help="the screen's frame rate")
    b.add_argument("--seed", type=int, default=1, help="the phones' random votes and timing")
    b = bench.add_parser("startup", help="command to the first drawn frame of the demo")
    b.add_argument("--runs", type=count, default=5, help="fresh processes timed (median taken)")
    b = bench.add_parser("station", help="frames a second of the live station, one window or two")
    b.add_argument("--runs", type=count, default=3, help="runs of each kind (median taken)")
    b.add_argument("--seconds", type=positive, default=6.0, help="session time of each run")
    _sizes(b, "comma-separated trainee window sizes")
    b = bench.add_parser("shot", help="laser spot or serial shot to the first frame showing it")
    b.add_argument("--shots", type=count, default=12, help="shots timed per input kind")
    b = bench.add_parser("all", help="every benchmark, JSON each and a Markdown summary")
    b.add_argument(
        "-o", "--out", type=Path, required=True, metavar="DIR", help="where the results go"
    )
    b.add_argument("--quick", action="store_true", help="shorter runs (a first look)")
    b.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    _add_bench_theater(bench)
    for sub in bench.choices.values():  # every benchmark: one JSON object on stdout
        sub.add_argument("--json", action="store_true", help="print the figures as JSON")


#: Each benchmark's module and function, imported when it runs (a benchmark's imports
#: must not slow down the others or the command line's start).
BENCHMARKS = {
    "startup": ("tools.bench_suite", "bench_startup"),
    "shot": ("tools.bench_shot", "bench_shot"),
    "station": ("tools.bench_station", "bench_station"),
    "all": ("tools.bench_suite", "bench_all"),
    "render": ("tools.bench_render", "bench_render"),
    "branch": ("tools.bench_branch", "bench_branch"),
    "input": ("tools.bench_devices", "bench_input"),
    "tracker": ("tools.bench_devices", "bench_tracker"),
    "record": ("tools.bench_devices", "bench_record"),
    "audio": ("tools.bench_devices", "bench_audio"),
    "soak": ("tools.bench_soak", "bench_soak"),
    "lanes": ("tools.lanes.bench", "bench_lanes"),
    "speech": ("tools.bench_speech", "bench_speech"),
    "community": ("tools.bench_community", "bench_community"),
    "theater": ("tools.bench_theater", "bench_theater"),
}


@command(
    "bench",
    "benchmarks that print medians and ratios",
    _bench_arguments,
    description="Benchmarks: each prints a table of medians and ratios (with --json, one JSON "
    "object on stdout and the table on stderr). `sightline bench all -o DIR` runs them all "
    "and writes DIR/summary.md; docs/performance.md says what each figure means.",
)
def _bench(args: argparse.Namespace) -> int:
    from tools import bench_suite

    module, name = BENCHMARKS[args.bench]
    return bench_suite.run_bench(getattr(importlib.import_module(module), name), args)


def _snr(text: str) -> float | None:
    """`bench speech --snr`: "clean" (no noise) or a signal-to-noise ratio in dB."""
    if text.lower() == "clean":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected dB or clean, got {text!r}") from None
    if not -10 <= value <= 60:
        raise argparse.ArgumentTypeError(f"signal-to-noise ratios are -10 to 60 dB, got {text}")
    return value


def _add_bench_theater(bench) -> None:
    b = bench.add_parser("theater", help="fps and cost of 3 and 5 screens against one")
    b.add_argument("--size", type=frame_size, default=(1920, 1080), metavar="WxH")
    b.add_argument("--frames", type=count, default=40, help="frames timed per run")
    b.add_argument("--repeats", type=count, default=3, help="timed runs per count (median)")
    b.add_argument(
        "--source",
        choices=("auto", "planes", "bgr"),
        default="auto",
        help="the screens' frames as YUV planes or BGR; auto: as a run does (planes on a GPU,"
        " BGR on a software renderer)",
    )
