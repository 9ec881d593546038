"""The benchmarks as one suite: `--json` for every `sightline bench` subcommand,
`sightline bench startup`, and `sightline bench all -o DIR` (each benchmark's JSON and
text, and a Markdown summary with the machine's description, from which the README's
performance table is copied).

Each benchmark function prints its table and leaves its figures in `args.result`; with
`--json` its table goes to stderr and stdout carries that one JSON object, so that scripts
can compare figures across machines and versions.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def run_bench(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one benchmark; with --json, its human table goes to stderr and the figures it
    left in `args.result` to stdout as one JSON object."""
    if not getattr(args, "json", False):
        return run(args)
    args.result = {}
    with contextlib.redirect_stdout(sys.stderr):
        rc = run(args)
    print(json.dumps({"bench": args.bench, "rc": rc, **(args.result or {})}))
    return rc


# -- startup --------------------------------------------------------------------------------


def _startup_once(command: list[str], env: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="sightline-startup-") as tmp:
        out = Path(tmp) / "marks.json"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "tools.startup_probe", str(out), *command],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **(env or {})},
            cwd=os.getcwd(),
        )
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"startup run failed: {proc.stderr[-800:]}")
        marks = json.loads(out.read_text())
    if "first_frame_s" not in marks:
        raise RuntimeError("the run ended before a frame with video was drawn")
    return {k: (marks[k] - t0) * 1000 for k in ("python_s", "app_s", "built_s", "first_frame_s")}


def bench_startup(args: argparse.Namespace) -> int:
    """From issuing `sightline demo` to the first drawn frame that shows the demo's video,
    in fresh processes: headless (offscreen, writing its video as the demo does) and, when
    a display or Xvfb is there, in a window."""
    from tools.bench_live import live_display

    with tempfile.TemporaryDirectory(prefix="sightline-startup-") as tmp:
        video = str(Path(tmp) / "demo.mp4")
        kinds = [("offscreen", ["demo", "--offscreen", "--video-out", video], None)]
        with live_display() as display:
            if display is not None:
                window = ["demo", "--window", "--instructor", "none", "--audio", "none"]
                kinds.append(("window", window, {"DISPLAY": display}))
            _startup_once(kinds[0][1], kinds[0][2])  # warm the file cache once
            runs: dict[str, list[dict]] = {}
            for _ in range(args.runs):
                for name, command, env in kinds:
                    runs.setdefault(name, []).append(_startup_once(command, env))
    print(f"sightline bench startup: `sightline demo`, {args.runs} fresh processes each")
    print(
        f"{'':<10} {'python up ms':>13} {'app starts ms':>14} {'app built ms':>13} "
        f"{'first frame ms':>15} {'p max':>7}"
    )
    args.result = {"runs": args.runs}
    for name, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        worst = max(r["first_frame_s"] for r in rows)
        print(
            f"{name:<10} {med['python_s']:>13.0f} {med['app_s']:>14.0f} "
            f"{med['built_s']:>13.0f} {med['first_frame_s']:>15.0f} {worst:>7.0f}"
        )
        args.result[name] = {
            "ms_median": round(med["first_frame_s"], 1),
            "ms_max": round(worst, 1),
            "python_up_ms_median": round(med["python_s"], 1),
            "app_start_ms_median": round(med["app_s"], 1),
            "app_built_ms_median": round(med["built_s"], 1),
        }
    print("each column: ms from the command being issued (a fresh interpreter) to that point;")
    print("first frame = the first frame showing video has been drawn (read back)")
    return 0


# -- all ------------------------------------------------------------------------------------

#: (name, extra arguments for a full run, for --quick)
SUITE = (
    ("startup", [], ["--runs", "3"]),
    ("station", [], ["--runs", "2", "--seconds", "4"]),
    ("tracker", [], ["--frames", "300"]),
    ("render", ["--bgr"], ["--bgr", "--repeats", "2", "--seconds", "2"]),
    ("branch", [], ["--trials", "10"]),
    ("shot", [], ["--shots", "4"]),
    ("input", [], ["--samples", "50"]),
    ("record", [], ["--records", "50000", "--seconds", "2"]),
    ("audio", [], []),
    ("soak", [], ["--minutes", "10"]),
    ("speech", [], ["--snr", "clean", "--snr", "10"]),
    ("theater", [], ["--frames", "10", "--repeats", "1"]),
    ("lanes", [], ["--lanes", "4", "--commands", "10"]),
    ("community", [], ["--phones", "50", "--window", "3"]),
)
#: A benchmark's process is stopped after this long (a hung one must not stop the rest).
CHILD_LIMIT_S = 7200


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1e6, 1)
    versions = {}
    for mod in ("panda3d", "cv2", "av", "numpy"):
        with contextlib.suppress(Exception):
            versions[mod] = __import__(mod).__version__
    with contextlib.suppress(Exception):
        from panda3d.core import PandaSystem

        versions["panda3d"] = PandaSystem.getVersionString()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def bench_all(args: argparse.Namespace) -> int:
    """Each benchmark in its own process with --json: DIR/NAME.json, DIR/NAME.txt (its
    table) and DIR/summary.md."""
    from sim.errors import UserError

    out: Path = args.out
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    names = [name for name, _, _ in SUITE]
    unknown = sorted(skip - set(names))
    if unknown:
        raise UserError(
            f"bench all --skip: no benchmark {', '.join(unknown)} (of {', '.join(names)})"
        )
    if skip >= set(names):
        raise UserError("bench all --skip: every benchmark is skipped")
    if out.exists() and not out.is_dir():
        raise UserError(f"bench all -o {out}: a file is there, not a folder")
    info = machine()
    try:  # before the first benchmark: an output folder that cannot be written fails now
        out.mkdir(parents=True, exist_ok=True)
        (out / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"bench all -o {out}: cannot write there ({exc.strerror})") from None
    results: dict[str, dict] = {}
    for name, full, quick in SUITE:
        if name in skip:
            continue
        cmd = [sys.executable, "-m", "tools.cli", "bench", name, "--json"]
        cmd += quick if args.quick else full
        t0 = time.perf_counter()
        print(f"bench {name} ...", flush=True)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_LIMIT_S)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
            proc = subprocess.CompletedProcess(
                cmd, -1, "", err + f"\nstopped after {CHILD_LIMIT_S} s\n"
            )
        (out / f"{name}.txt").write_text(proc.stderr)
        try:
            res = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            res = {"bench": name, "rc": proc.returncode, "error": proc.stderr[-500:]}
        res["wall_s"] = round(time.perf_counter() - t0, 1)
        (out / f"{name}.json").write_text(json.dumps(res, indent=2) + "\n")
        results[name] = res
        print(f"bench {name}: rc {res.get('rc')} in {res['wall_s']:.0f} s", flush=True)
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    (out / "machine.json").write_text(json.dumps(info, indent=2) + "\n")
    summary = out / "summary.md"
    summary.write_text(summary_markdown(info, results, args.quick))
    print(f"wrote {summary}")
    args.result = {
        "out": str(out),
        "quick": args.quick,
        "exit_status": {name: res.get("rc") for name, res in results.items()},
    }
    return 0 if all(r.get("rc") == 0 for r in results.values()) else 1


def _get(d: dict, *keys, fmt: str = "{:.2f}") -> str:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return "-"
        d = d[k]
    return fmt.format(d) if isinstance(d, int | float) else str(d)


def summary_markdown(info: dict, results: dict[str, dict], quick: bool) -> str:
    """One table of the headline figures, each with its goal, and the machine."""
    render = results.get("render", {})
    renderers = [
        results.get(n, {}).get("renderer") for n in ("render", "branch", "shot", "theater")
    ]
    renderer = next((r for r in renderers if r), "not measured")
    lines = [
        "# Sightline benchmarks",
        "",
        f"Measured {info['date_utc']} UTC{' (--quick)' if quick else ''} on: {info['cpu']}, "
        f"{info['cores_usable']} of {info['cores']} cores usable, {info['memory_gb']} GB; "
        f"{info['os']}; Python {info['python']}; renderer {renderer}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f". Load average at start {info['load_average']}, at end "
        f"{info.get('load_average_end')} (other work on the machine inflates times).",
        "",
        "| figure | measured | goal |",
        "|---|---|---|",
    ]

    def row(what: str, value: str, goal: str) -> None:
        lines.append(f"| {what} | {value} | {goal} |")

    for size in render.get("sizes", []):
        s = size["size"]
        row(
            f"video {s}: pipeline fps / decoder's own fps",
            f"{size['pipeline_fps']:.0f} / {size['decode_fps']:.0f} = {size['ratio']:.2f}",
            ">= 0.6 (CPU), >= 0.9 (GPU)",
        )
        if "ceiling_ratio" in size:
            row(
                f"video {s}: the highest ratio this renderer allows (fill-only "
                f"{size['fill_fps']:.0f} fps)",
                f"{size['ceiling_ratio']:.2f}",
                "(bound)",
            )
        row(
            f"video {s}: low light + 4 cones, frame time x plain",
            f"{size['lowlight4_cost']:.2f}",
            "<= 1.3",
        )
    for size in results.get("tracker", {}).get("sizes", []):
        row(
            f"tracker {size['size']}: ms median (p99) / decode ms",
            f"{size['ms_median']:.2f} ({size['ms_p99']:.2f}) / {size['decode_ms_median']:.2f}",
            "<= 1 ms at 640x480, < decode",
        )
    br = results.get("branch", {})
    if "prebuffered" in br:
        row(
            "branch, pre-buffered: frames p99 (ms median / p99)",
            f"{br['prebuffered']['frames_p99']:.0f} ({br['prebuffered']['ms_median']:.1f} / "
            f"{br['prebuffered']['ms_p99']:.1f})",
            "<= 1 frame",
        )
        row(
            "branch, cold: frames p99 (ms median / p99)",
            f"{br['cold']['frames_p99']:.0f} ({br['cold']['ms_median']:.1f} / "
            f"{br['cold']['ms_p99']:.1f})",
            "stated",
        )
    shot = results.get("shot", {})
    for kind in ("camera", "serial"):
        if kind in shot:
            k = shot[kind]
            row(
                f"shot to marker ({kind}): frames median / p99, ms median / p99",
                f"{k['frames_median']:.0f} / {k['frames_p99']:.0f}, "
                f"{k['ms_median']:.1f} / {k['ms_p99']:.1f}",
                "stated",
            )
    st = results.get("startup", {})
    for kind in ("offscreen", "window"):
        if kind in st:
            row(
                f"start-up to first frame ({kind}), ms median",
                f"{st[kind]['ms_median']:.0f}",
                "<= 2000",
            )
    for each in results.get("station", {}).get("sizes", []):
        row(
            f"live station, trainee window {each['size']}: fps alone / with the instructor's "
            "window",
            f"{each['trainee_fps']:.0f} / {each['station_fps']:.0f}",
            ">= 60 (a 60 Hz display)",
        )
    soak = results.get("soak", {})
    if "growth_pct" in soak:
        row(
            f"memory over {soak['session_s'] / 60:.0f} min of session: growth %, trend %",
            f"{soak['growth_pct']:.2f}, {_get(soak, 'trend_pct')}",
            "within 5 %",
        )
        for each in soak.get("prebuffer_mb", []):
            row(
                f"memory per pre-buffered branch ({each['size']})", f"{each['mb']:.1f} MB", "stated"
            )
    inp = results.get("input", {})
    if "frame_to_tick" in inp:
        row(
            "serial device frame -> sim tick, ms median / p99",
            f"{inp['frame_to_tick']['ms_median']:.1f} / {inp['frame_to_tick']['ms_p99']:.1f}",
            "stated",
        )
    aud = results.get("audio", {})
    if "mixer_us_median" in aud:
        row(
            "audio mixer per tick, us median (busy)",
            f"{aud['mixer_us_median']['busy']:.0f} of {aud['tick_budget_us']:.0f}",
            "stated",
        )
    rec = results.get("record", {})
    if "records_per_s" in rec:
        row("recorder, records/s", f"{rec['records_per_s']:,}", "stated")
    for each in results.get("theater", {}).get("rows", []):
        if each["screens"] > 1:
            row(
                f"theater, {each['screens']} screens of {results['theater']['size']}: frame time "
                "x one screen",
                f"{each['cost_ratio']:.2f} ({each['median_ms']:.0f} ms a frame)",
                "stated",
            )
    lanes = results.get("lanes", {})
    if lanes.get("latency_p99_ms") is not None:
        row(
            f"lanes ({lanes['lanes']}), console command to applied tick, ms median / p99",
            f"{lanes['latency_median_ms']:.1f} / {lanes['latency_p99_ms']:.1f}",
            f"p99 <= {lanes['goal_p99_ms']:g}",
        )
    com = results.get("community", {})
    if "vote_to_screen" in com:
        row(
            f"community ({com['phones']} phones), vote to screen, ms median / p99",
            f"{com['vote_to_screen']['median_ms']:.0f} / {com['vote_to_screen']['p99_ms']:.0f}",
            "stated",
        )
    failed = [n for n, r in results.items() if r.get("rc") != 0]
    lines += [
        "",
        "Each benchmark's full table is in NAME.txt beside this file, its figures in NAME.json.",
    ]
    if failed:
        lines.append(
            f"Benchmarks that failed or missed a limit (exit status not 0): {', '.join(failed)}."
        )
    return "\n".join(lines) + "\n"
