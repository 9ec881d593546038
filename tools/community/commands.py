"""`sightline community run PACK...` and `sightline community report REC`.

`run` plays packs for a room: the scenario runs as `sightline run` does (a window, or
headless with --offscreen), as a community session (sim/community.py): where a pack
branches it asks the room, whose phones vote through the vote server (server.py) on the
local network; the overlay (engine/community_view.py) shows the question, the QR code,
the chart and what the facilitator reveals. Several packs play one after the other, on
one vote server (one code for the evening). `report` writes the take-home summary
(report.py). Must not import tools.cli.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from sim.community import RoomOptions
from sim.errors import UserError

#: A headless community run ends by itself after this much session time unless --seconds.
HEADLESS_SECONDS = 600.0


def _numbered(path: Path | None, i: int, n: int) -> Path | None:
    """FILE for one pack; FILE-2, FILE-3... for the packs after the first."""
    if path is None or n == 1 or i == 0:
        return path
    return path.with_name(f"{path.stem}-{i + 1}{path.suffix}")


def run_command(args) -> int:
    from content.pack import load_pack
    from drivers.scripted import load_script
    from engine.panda_setup import have_display
    from tools.run_cmd import format_summary

    packs = [load_pack(p) for p in args.packs]  # every pack checked before the room waits
    offscreen = args.offscreen or (not args.window and not have_display())
    script = load_script(args.inputs) if args.inputs else []
    for flag, value in (
        ("--vote-seconds", args.vote_seconds),
        ("--reveal-seconds", args.reveal_seconds),
    ):
        if value is not None and value > 3600:  # a recording's header holds at most an hour
            raise UserError(f"{flag} {value:g}: at most 3600 seconds")
    options = RoomOptions(
        args.vote_seconds,
        args.reveal_seconds if args.reveal_seconds is not None else (8.0 if offscreen else None),
    )
    for path in (args.video_out,):
        if path is not None and path.suffix.lower() not in (".mp4", ".m4v", ".mov", ".mkv"):
            raise UserError(f"{path}: --video-out writes H.264, use a .mp4 name")
    library = _library(args)
    officers = {}
    if args.perspectives:
        from tools.community.perspectives import MIN_SESSIONS, from_records

        for pack in packs:
            officers[pack.root] = from_records(pack, args.db)
            shown = ", ".join(officers[pack.root]) or f"none with {MIN_SESSIONS}+ sessions"
            print(f"Officers' perspectives for {pack.title}: {shown}")
    holder: dict = {}
    server = None
    if not args.no_server:
        from tools.community.process import start

        def on_vote(vote, arrived_s: float) -> None:
            app = holder.get("app")
            if app is not None:  # stamped at arrival, in the clock the session runs on
                app.session.inputs.put(vote, app.clock() if offscreen else arrived_s)

        server = start(on_vote, args.host, args.port, args.code)
        print(f"Phones: open {server.url}  (session code {server.code})", flush=True)
    try:
        for i, pack in enumerate(packs):
            result = _run_one(
                pack,
                args,
                i,
                len(packs),
                offscreen,
                script,
                options,
                library,
                holder,
                server,
                officers.get(pack.root),
            )
            print(format_summary(pack.root, result.session.runtime, result, result.cfg))
            _print_room(result.session.runtime)
            for warning in result.warnings:
                print(f"warning: {warning}")
    finally:
        if server is not None:
            server.stop()
            refused = sum(server.refused.values())
            print(f"Vote server: {server.accepted} votes taken, {refused} requests refused")
    return 0


def _run_one(pack, args, i, n, offscreen, script, options, library, holder, server, officers):
    from engine.app import SightlineApp
    from engine.config import RunConfig

    video_out = _numbered(args.video_out, i, n)
    if video_out is not None:
        video_out.parent.mkdir(parents=True, exist_ok=True)
    seconds = (
        args.seconds if args.seconds is not None else (HEADLESS_SECONDS if offscreen else None)
    )
    cfg = RunConfig(
        offscreen=offscreen,
        width=args.size[0],
        height=args.size[1],
        tick_hz=args.tick_hz,
        fps=args.fps,
        seconds=seconds,
        video_out=video_out,
        script=list(script),
        instructor=args.instructor,
        devices=args.device,
        record=_numbered(args.record, i, n),
        audio=args.audio,
        community=options,
    )
    app = SightlineApp(pack, cfg)
    url = server.url if server is not None else ""
    overlay = show_room(app, pack, library, officers, url)
    if server is not None:
        publish_room(app, server, i)
    if offscreen and (args.pace or (url and not args.inputs)):
        _pace(app)  # phones vote in real time: a headless run with them keeps to the clock
    holder["app"] = app
    try:
        result = app.run()
    finally:
        holder["app"] = None
        overlay.close()
        if server is not None:  # between packs the phones wait for the next question
            from sim.community import RoomView

            server.publish(RoomView("idle"), i)
    result.cfg = cfg
    # Panda3D's task manager outlives a ShowBase: the next pack's must not run these
    for name in ("fixed-step", "present", "capture", "community", "pace", "votes"):
        app.base.taskMgr.remove(f"sightline-{name}")
    with contextlib.suppress(Exception):  # a teardown problem must not hide the result
        app.destroy()
    return result


def show_room(app, pack, library=None, officers=None, url: str = ""):
    """The room's overlay (engine/community_view.py) on `app`: the question, the QR code
    for `url`, the chart, the revealed panels. Also for replays of a community session."""
    from engine.community_view import attach
    from tools.community.texts import reveal_pages

    cache: dict[str, list] = {}

    def pages(seg_id: str) -> list:
        if seg_id not in cache:
            cache[seg_id] = reveal_pages(pack, seg_id, library, officers) if seg_id else []
        return cache[seg_id]

    return attach(app, lambda: app.session.runtime.room.view, url, pages)


def publish_room(app, server, round_: int = 0) -> None:
    """Each frame, tell the vote server what the room sees (when it changed); `round_`:
    which pack of the evening this is."""
    from engine.community_view import SORT_COMMUNITY

    def task(t):
        server.publish(app.session.runtime.room.view, round_)
        return t.cont

    app.base.taskMgr.add(task, "sightline-votes", sort=SORT_COMMUNITY + 1)


def _pace(app) -> None:
    """Headless but in real time: each frame waits for the wall clock, so phones have
    the seconds the question is open (the frames and the session stay deterministic)."""
    start = time.monotonic()

    def wait(task):
        ahead = app.frames / app.cfg.fps - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(min(ahead, 0.25))
        return task.cont

    app.base.taskMgr.add(wait, "sightline-pace", sort=-100)


def _library(args):
    from content.policies import load_library

    try:
        return load_library(getattr(args, "policies", None))
    except UserError as exc:
        print(f"warning: policy library: {exc}")
        return None


def _print_room(rt) -> None:
    room = rt.room
    if room is None:
        return
    for q in room.questions:
        counts = ", ".join(f"{label}: {n}" for label, n in q.result().items())
        went = f" -> {q.chosen} ({q.decided_by})" if q.chosen else f" ({q.decided_by or 'open'})"
        print(f"Question {q.number} in {q.segment} at {q.opened_s:.3f} s: {counts}{went}")
    for line in rt.ignored:
        if "vote" in line:
            print(f"  {line}")


def report_command(args) -> int:
    from tools.community.report import write_report

    for path in write_report(
        args.recording, args.out, args.json, args.pack, _library(args), args.perspectives, args.db
    ):
        print(f"Wrote {path}")
    return 0
