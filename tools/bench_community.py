"""`sightline bench community`: a room of phones voting at once, against a live session.

The demo pack runs headless at its frame rate in real time (as `community run --pace`
does: the overlay, the vote server in its own process on 127.0.0.1, the recorder off),
and `--phones` simulated phones (threads of another process, each with its own cookie,
over real HTTP: a room's phones are other machines) open the page before the question
and vote at seeded random moments within `--window` seconds of the question opening. Reported:
  latency  a phone sending its vote to the first frame drawn with the vote counted on
           screen (the screen's running total; the r-th vote answered is on screen when
           the total reaches r): median, p99, max. Each frame is read back, so it counts
           once it is drawn, as `bench shot` and `bench branch` count theirs
  frames   frame intervals during the voting window (median, p99, max) and the frames
           later than 1.5 frame periods ("dropped": the picture stuttered), plus the
           fixed-step loop's dropped ticks
  server   votes taken, refused, HTTP errors
With --json the same as one JSON object. `--phones 0` is the baseline: the same
session with nobody voting (its late frames are the machine's, not the votes'). Figures
on a shared, loaded machine are inflated by the load: say so next to them.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import multiprocessing
import random
import threading
import time
import urllib.error
import urllib.request

import numpy as np

QUESTION_AT_S = 4.0  # the demo pack asks at its first cue


def _phone(
    url: str,
    label: str,
    offset_s: float,
    start: threading.Event,
    t0: list,
    out: list,
    opened: threading.Barrier | None = None,
) -> None:
    """One phone: opens the page (its token), waits for the question, votes at its
    moment `offset_s` after the question opened."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        opener.open(url, timeout=30).read()
    except OSError as exc:
        out.append(("error", 0.0, 0.0, str(exc)))
        return
    finally:
        if opened is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                opened.wait(timeout=120)
    start.wait()
    delay = t0[0] + offset_s - time.monotonic()
    if delay > 0:
        time.sleep(delay)  # the phone's moment to vote (a simulated person, not a sync)
    body = json.dumps({"question": 1, "choice": label}).encode()
    req = urllib.request.Request(
        url + "/vote", body, {"Content-Type": "application/json"}, method="POST"
    )
    sent = time.monotonic()
    try:
        with opener.open(req, timeout=30) as r:
            r.read()
            out.append(("ok", sent, time.monotonic(), ""))
    except urllib.error.HTTPError as exc:
        out.append(("refused", sent, time.monotonic(), str(exc.code)))
    except OSError as exc:
        out.append(("error", sent, time.monotonic(), str(exc)))


def _crowd(conn, url: str, plan: list[tuple[str, float]]) -> None:
    """The phones' process: each phone a thread; they vote once told when the question
    opened (time.monotonic is one clock for both processes); the results go back."""
    start, t0, results = threading.Event(), [0.0], []
    opened = threading.Barrier(len(plan) + 1) if plan else None
    threads = [
        threading.Thread(
            target=_phone, args=(url, label, offset, start, t0, results, opened), daemon=True
        )
        for label, offset in plan
    ]
    for th in threads:
        th.start()
    if opened is not None:
        opened.wait(timeout=120)
    conn.send("ready")
    t0[0] = conn.recv()
    start.set()
    for th in threads:
        th.join(timeout=60)
    conn.send(results)


def bench_community(args) -> int:
    from content import DEMO_PACK
    from content.pack import load_pack
    from engine.app import SightlineApp
    from engine.community_view import attach
    from engine.config import RunConfig
    from sim.community import RoomOptions, RoomView, question_of
    from tools.community.commands import _pace, publish_room
    from tools.community.process import start

    pack = load_pack(DEMO_PACK)
    labels = question_of(pack.scenario.segments["approach"]).labels()
    fps = args.fps
    cfg = RunConfig(
        offscreen=True,
        fps=fps,
        seconds=QUESTION_AT_S + args.window + 3.0,
        community=RoomOptions(args.window + 2.0, None),
        audio="none",
        instructor="none",
    )
    app = SightlineApp(pack, cfg)
    idle = RoomView("idle")

    def view():
        room = app.session.runtime.room
        return room.view if room is not None else idle

    # the vote server in its own process, as `community run` has it
    server = start(lambda v, _arrived: app.session.inputs.put(v, app.clock()), "127.0.0.1")
    overlay = attach(app, view, server.url, lambda seg: [])
    publish_room(app, server)
    _pace(app)
    shown: list[tuple[float, int, str]] = []  # (wall time drawn, total on screen, phase)

    def drawn(task):
        v = view()
        # An offscreen buffer is never swapped: without a readback the software renderer
        # defers frames whose textures did not change (the video is paused while the room
        # votes) and draws several at once later, so a frame would count as drawn before it
        # was, and the catch-up showed as a 0.2-0.6 s stall at the next text change.
        app.base.win.getScreenshot()  # this frame is drawn when this returns
        shown.append((time.monotonic(), sum(v.counts), v.phase))
        return task.cont

    app.base.taskMgr.add(drawn, "bench-drawn", sort=60)  # after igLoop (50): drawn

    rng = random.Random(args.seed)
    plan = [(rng.choice(labels), rng.uniform(0, args.window)) for _ in range(args.phones)]
    # the phones live in a process of their own: their HTTP clients must not share the
    # session's interpreter (a room's phones are other machines)
    ctx = multiprocessing.get_context("spawn")
    conn, child = ctx.Pipe()
    crowd = ctx.Process(target=_crowd, args=(child, server.url, plan), daemon=True)
    crowd.start()
    child.close()
    conn.recv()  # every phone has opened the page
    t0 = [0.0]  # wall time the question opened (the frame that first shows it)

    def opened(task):
        if not t0[0] and view().phase == "open":
            t0[0] = time.monotonic()
            conn.send(t0[0])
        return task.cont

    app.base.taskMgr.add(opened, "bench-opened", sort=46)
    results: list = []
    try:
        app.run()
    finally:
        if not t0[0]:
            conn.send(time.monotonic())
        if conn.poll(60):
            results = conn.recv()
        crowd.join(timeout=10)
        server.stop()
        overlay.close()
    loop_dropped = app.session.loop.dropped_ticks
    with contextlib.suppress(Exception):  # teardown: the figures are taken
        app.destroy()
    return _report(args, results, shown, t0[0], fps, loop_dropped, server)


def _report(args, results, shown, t0, fps, loop_dropped, desk) -> int:
    """`desk`: what the server refused (VoteProcess.refused, after it stopped)."""
    ok = sorted((r for r in results if r[0] == "ok"), key=lambda r: r[2])
    lat = []
    times = np.array([s[0] for s in shown])
    totals = np.array([s[1] for s in shown])
    for rank, (_, sent, _, _) in enumerate(ok, 1):
        idx = np.nonzero((totals >= rank) & (times >= sent))[0]
        if idx.size:
            lat.append(times[idx[0]] - sent)
    window = [s[0] for s in shown if t0 <= s[0] <= t0 + args.window + 0.5]
    gaps = np.diff(window) if len(window) > 1 else np.array([0.0])
    late = int(np.sum(gaps > 1.5 / fps))

    def stats(a) -> dict:
        a = np.asarray(a, float)
        if a.size == 0:
            return {"median_ms": None, "p99_ms": None, "max_ms": None}
        return {
            "median_ms": round(float(np.median(a)) * 1000, 1),
            "p99_ms": round(float(np.percentile(a, 99)) * 1000, 1),
            "max_ms": round(float(a.max()) * 1000, 1),
        }

    out = {
        "phones": args.phones,
        "window_s": args.window,
        "fps": fps,
        "votes_taken": len(ok),
        "votes_on_screen": int(totals.max()) if totals.size else 0,
        "refused": sum(1 for r in results if r[0] == "refused"),
        "errors": sum(1 for r in results if r[0] == "error"),
        "vote_to_screen": stats(lat),
        "frame_interval": stats(gaps),
        "late_frames": late,
        "frames_in_window": len(window),
        "loop_dropped_ticks": loop_dropped,
        "server_refused": dict(desk.refused),
    }
    args.result = out  # `bench --json` prints it (tools/bench_suite.run_bench)
    v, f = out["vote_to_screen"], out["frame_interval"]
    print(
        f"community: {args.phones} phones voting within {args.window:g} s, {fps:g} fps "
        "(a shared, loaded machine inflates these figures)"
    )
    print(
        f"  votes: {out['votes_taken']} taken, {out['votes_on_screen']} on screen, "
        f"{out['refused']} refused, {out['errors']} errors"
    )
    print(
        f"  vote to screen: median {v['median_ms']} ms, p99 {v['p99_ms']} ms, max {v['max_ms']} ms"
    )
    print(
        f"  frame interval: median {f['median_ms']} ms, p99 {f['p99_ms']} ms, max "
        f"{f['max_ms']} ms; late (>1.5 frames): {late} of {len(window)}; loop dropped "
        f"ticks: {loop_dropped}"
    )
    if desk.refused:
        print("  refused by the server: " + ", ".join(f"{k}: {n}" for k, n in desk.refused.items()))
    return 0 if out["errors"] == 0 else 1
