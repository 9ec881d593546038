"""`sightline bench soak`: resident memory over an accelerated session of branches and
shots on the Session path (optionally drawn offscreen), and what each pre-buffered
branch costs. Owns the soak pack (two looping clips with a branch each way) and the
memory readings; the benchmark clip comes from tools/bench_clips.py.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from sim.errors import UserError
from tools.bench_clips import make_clip

SOAK_MANIFEST = """
format_version = 1
title = "soak"
start = "a"

[segments.a]
clip = "media/a.mp4"
loop = true
[[segments.a.transitions]]
on = "key"
key = "2"
to = "b"
[[segments.a.zones]]
name = "threat-a"
role = "threat"
polygon = [[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]]

[segments.b]
clip = "media/b.mp4"
loop = true
[[segments.b.transitions]]
on = "key"
key = "1"
to = "a"
[[segments.b.zones]]
name = "bystander-b"
role = "no-shoot"
polygon = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
"""


def make_soak_pack(root: Path, width: int = 640, height: int = 360) -> Path:
    """Two looping 3 s clips with a branch each way and a zone each: a session can branch
    and be shot at for as long as a soak needs."""
    from engine.video_out import H264Writer

    (root / "media").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    for name, colour in (("a", (40, 40, 160)), ("b", (40, 160, 40))):
        base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
        with H264Writer(root / "media" / f"{name}.mp4", width, height, 30.0, crf=28) as out:
            for i in range(90):
                img = cv2.resize(np.roll(base, i, axis=1), (width, height))
                out.write(cv2.addWeighted(img, 0.5, np.full_like(img, colour), 0.5, 0), i / 30)
    (root / "scenario.toml").write_text(SOAK_MANIFEST)
    return root


def rss_mb() -> float:
    """This process's resident memory, MB (Linux)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def prebuffer_cost_mb(sizes=((1280, 720), (1920, 1080)), branches: int = 4) -> list[dict]:
    """Resident memory each pre-buffered branch costs: a player keeps `branches` decoders
    open on the benchmark clip (as many segments that may come next), each with its queue
    full; the growth over the player alone, per decoder. YUV planes, as `run` decodes."""
    import gc

    from engine.video import VideoPlayer

    out = []
    for w, h in sizes:
        clip, _ = make_clip(w, h)
        player = VideoPlayer(lambda _c, clip=clip: clip, planes=True)
        player.play("x", 0.0)
        player.frame_at(0.0)
        gc.collect()
        time.sleep(0.5)
        before = rss_mb()
        for i in range(branches):
            player.prepare("x", 1.0 + i)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and not all(
            d._q.full() for d in player._decoders.values()
        ):
            time.sleep(0.05)
        gc.collect()
        after = rss_mb()
        player.close()
        out.append({"size": f"{w}x{h}", "mb": round((after - before) / branches, 2)})
    return out


def bench_soak(args: argparse.Namespace) -> int:
    """An accelerated session of `--minutes` of session time on the Session path (what
    `run` drives, fed by a hand-set clock as fast as it goes): a branch every 2 s and three
    shots between branches (3,600 s: 1,800 branches, 5,400 shots), frames at `--fps`
    with every frame's video decoded; with `--render`, each frame is also uploaded and
    drawn by the trainee view offscreen. Prints resident memory at the start (after one
    minute of warm-up), every 10 minutes of session time, and the growth."""
    import tempfile

    if args.minutes < 2:
        raise UserError(
            f"bench soak: --minutes {args.minutes:g} is too short: growth is measured from "
            "the first minute to the last, so at least 2"
        )
    with tempfile.TemporaryDirectory(prefix="sightline-soak-") as tmp:
        return _soak(args, Path(tmp))


def _soak(args: argparse.Namespace, tmp: Path) -> int:
    """bench_soak in a temporary folder (removed after)."""
    import gc

    from content.pack import load_pack
    from engine.fixed_loop import ManualClock
    from engine.session import Session
    from sim.events import KeyPress, Shot

    pack = load_pack(make_soak_pack(tmp / "pack"))
    w, h = 640, 360
    view = base = None
    if args.render:
        from engine import panda_setup

        panda_setup.configure(True, w, h)
        from direct.showbase.ShowBase import ShowBase

        from engine.trainee_view import TraineeView

        base = ShowBase(windowType="offscreen")
        view = TraineeView(base.render2d, w / h)
        base.graphicsEngine.renderFrame()
    clock = ManualClock()
    # every tick the frames owe is run (as headless runs do): the sim covers all of it
    steps = math.ceil(120 / args.fps) + 1
    session = Session(
        pack,
        clock,
        120,
        w / h,
        block_video=True,
        max_steps_per_frame=steps,
        max_frame_s=max(0.25, 2.0 / args.fps),  # below 4 fps a frame's time was clamped
        video_planes=True,
    )
    total_s = args.minutes * 60.0
    n_frames = round(total_s * args.fps)
    rng = np.random.default_rng(5)
    marks: list[tuple[float, float]] = []
    next_mark_s, branches, shots = 60.0, 0, 0
    t_wall = time.perf_counter()
    scheduled_to_s = 0.0
    for n in range(n_frames + 1):
        clock.t = n / args.fps
        while scheduled_to_s <= clock.t + 2.0:  # the next 2 s: three shots, then a branch
            t0 = scheduled_to_s
            for k in range(3):
                x, y = rng.uniform(0.05, 0.95, 2)
                session.inputs.put_session(Shot(t0 + 0.4 + 0.5 * k, float(x), float(y)))
            session.inputs.put_session(KeyPress(t0 + 1.9, "2" if branches % 2 == 0 else "1"))
            scheduled_to_s += 2.0
            shots, branches = shots + 3, branches + 1
        out = session.frame()
        if view is not None:
            if out.video is not None:
                view.show_frame(out.video[1], out.segment_aspect, out.video_token)
            base.graphicsEngine.renderFrame()
        if clock.t >= next_mark_s - 1e-9 or n == n_frames:
            gc.collect()
            marks.append((clock.t, rss_mb()))
            next_mark_s = 60.0 * (int(clock.t // 60) + 1)  # every minute of session
    wall = time.perf_counter() - t_wall
    session.close()
    log = session.log()
    # One reading is noisy (decoded frames in flight come and go by several MB), so each
    # row is the median of a window of readings: the first minute, then each 10 minutes.
    # A run that does not end on a 10-minute mark ends with the readings since the last
    # one (or since the first minute): a 5-minute run compared its first minute with itself.
    windows = [(1.0, [mb for t, mb in marks if t <= 60.0 + 1e-9])]
    last_s = 60.0
    for end_s in np.arange(600.0, marks[-1][0] + 1e-9, 600.0):
        got = [mb for t, mb in marks if end_s - 600.0 < t <= end_s + 1e-9]
        if got:
            windows.append((end_s / 60, got))
            last_s = end_s
    tail = [(t, mb) for t, mb in marks if t > last_s + 1e-9]
    if tail:
        windows.append((tail[-1][0] / 60, [mb for _, mb in tail]))
    rows = [(minute, statistics.median(got)) for minute, got in windows]
    start_mb = rows[0][1]
    print(
        f"sightline bench soak: {total_s:.0f} s of session in {wall:.0f} s "
        f"({total_s / wall:.1f}x real time), {args.fps:g} fps, "
        f"{'rendered offscreen' if args.render else 'Session path, no rendering'}"
    )
    print(
        f"{branches} branches and {shots} shots scheduled; {len(log.branches)} branches and "
        f"{len(log.shots)} shots taken in {session.state.t_s:.0f} s of session"
    )
    print(f"{'session min':>11} {'RSS MB (median of the window)':>30} {'growth %':>9}")
    for minute, mb in rows:
        print(f"{minute:>11.0f} {mb:>30.1f} {100 * (mb - start_mb) / start_mb:>9.2f}")
    growth = 100 * (rows[-1][1] - start_mb) / start_mb
    print(f"growth from the first minute to the last window: {growth:.2f} %")
    from engine.video import PREBUFFER_FRAMES

    prebuffer = prebuffer_cost_mb()
    for each in prebuffer:
        print(
            f"each pre-buffered branch ({each['size']}, {PREBUFFER_FRAMES} frames queued): "
            f"{each['mb']:.1f} MB"
        )
    args.result = {
        "prebuffer_mb": prebuffer,
        "session_s": round(total_s),
        "wall_s": round(wall, 1),
        "branches": len(log.branches),
        "shots": len(log.shots),
        "rss_mb": [{"minute": float(m), "mb": round(mb, 2)} for m, mb in rows],
        "growth_pct": round(growth, 3),
    }
    # After warm-up (decoders, caches and the allocator's arenas reach their working size
    # in the first minutes) a leak shows as a trend: the last window against minutes
    # 11-20. --limit applies to that figure.
    if len(rows) < 4:
        return 0 if abs(growth) <= args.limit else 1
    trend = 100 * (rows[-1][1] - rows[2][1]) / rows[2][1]
    print(f"after warm-up, minutes 11-20 to the last 10: {trend:.2f} %")
    args.result["trend_pct"] = round(trend, 3)
    return 0 if abs(trend) <= args.limit else 1
