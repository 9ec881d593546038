"""`sightline bench community`: a room of phones voting at once, against a live session.

The demo pack runs headless at its frame rate in real time (as `community run --pace`
does: the overlay, the vote server on 127.0.0.1, the recorder off), and `--phones`
simulated phones (threads, each with its own cookie, over real HTTP) open the page
before the question and vote at seeded random moments within `--window` seconds of
the question opening. Reported:
  latency  a phone sending its vote to the first frame drawn with the vote counted on
           screen (the screen's running total; the r-th vote answered is on screen when
           the total reaches r): median, p99, max
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
import random
import threading
import time
import urllib.error
import urllib.request

import numpy as np

QUESTION_AT_S = 4.0  # the demo pack asks at its first cue


def _phone(
    url: str, label: str, offset_s: float, start: threading.Event, t0: list, out: list
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


def bench_community(args) -> int:
    from content import DEMO_PACK
    from content.pack import load_pack
    from engine.app import SightlineApp
    from engine.community_view import attach
    from engine.config import RunConfig
    from sim.community import RoomOptions, RoomView, question_of
    from tools.community.commands import _pace
    from tools.community.server import serve

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

    server = serve(view, lambda v: app.session.inputs.put(v, app.clock()), "127.0.0.1", None)
    overlay = attach(app, view, server.url, lambda seg: [])
    _pace(app)
    shown: list[tuple[float, int, str]] = []  # (wall time drawn, total on screen, phase)

    def drawn(task):
        v = view()
        shown.append((time.monotonic(), sum(v.counts), v.phase))
        return task.cont

    app.base.taskMgr.add(drawn, "bench-drawn", sort=60)  # after igLoop (50): drawn

    rng = random.Random(args.seed)
    results: list = []
    start = threading.Event()
    t0 = [0.0]  # wall time the question opened (the frame that first shows it)

    def opened(task):
        if not start.is_set() and view().phase == "open":
            t0[0] = time.monotonic()
            start.set()
        return task.cont

    app.base.taskMgr.add(opened, "bench-opened", sort=46)
    phones = [
        threading.Thread(
            target=_phone,
            args=(server.url, rng.choice(labels), rng.uniform(0, args.window), start, t0, results),
            daemon=True,
            name=f"phone-{i}",
        )
        for i in range(args.phones)
    ]
    for th in phones:
        th.start()
    try:
        app.run()
    finally:
        start.set()
        for th in phones:
            th.join(timeout=30)
        server.stop()
        overlay.close()
    loop_dropped = app.session.loop.dropped_ticks
    with contextlib.suppress(Exception):  # teardown: the figures are taken
        app.destroy()
    return _report(args, results, shown, t0[0], fps, loop_dropped, server.desk)


def _report(args, results, shown, t0, fps, loop_dropped, desk) -> int:
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
    if args.json:
        print(json.dumps(out))
        return 0 if out["errors"] == 0 else 1
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
