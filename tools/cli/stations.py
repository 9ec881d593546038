"""Subcommands that serve more than one screen or person: studio (authoring in the
browser), lane and lanes (lanes on an MQTT broker and their consoles), community (a room
voting from its phones) and theater (several projectors around an arc)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.cli.registry import (
    DefaultsFormatter,
    add_db_option,
    add_policies_option,
    command,
    frame_size,
    positive,
    tick_hz,
)
from tools.cli.session import RUN_DESCRIPTION, run_arguments, run_session

# -- studio: authoring in the browser ----------------------------------------------------


def _studio_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "library",
        type=Path,
        nargs="?",
        default=Path("."),
        help="the folder your scenario packs are in (default: the current folder)",
    )
    p.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; a LAN address or "
        "0.0.0.0 lets other machines in, with the token from the printed URL)",
    )
    p.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")


@command("studio", "build and edit scenario packs in the browser", _studio_arguments)
def _studio(args: argparse.Namespace) -> int:
    from tools.studio.server import run_studio

    return run_studio(args.library, args.host, args.port, not args.no_browser)


# -- lanes: lane run, lanes status/send/view/console (tools/lanes) -------------------------


def _lane_arguments(p: argparse.ArgumentParser) -> None:
    from tools.lanes.commands import add_broker_options

    sub = p.add_subparsers(dest="lane_command", metavar="WHAT")
    sub.required = True
    r = sub.add_parser(
        "run",
        help="run a pack as a lane: status out, instructor commands in",
        description=RUN_DESCRIPTION.split(";")[0]
        + "; as a lane on an MQTT broker: it publishes its status and takes instructor "
        "commands (sightline lanes send). Headless, a lane runs on the wall clock until "
        "the scenario ends (or --seconds).",
        formatter_class=DefaultsFormatter,
    )
    run_arguments(r)
    r.add_argument("--lane", required=True, metavar="NAME", help="this lane's name (a1, 3...)")
    add_broker_options(r)
    r.add_argument(
        "--realtime",
        action="store_true",
        help="headless on the wall clock (always so for a lane; accepted for clarity)",
    )
    r.add_argument(
        "--max-command-age",
        type=positive,
        default=5.0,
        metavar="S",
        help="refuse (and report) a command sent more than S seconds before it arrives",
    )


@command("lane", "run a pack as one lane of several, through an MQTT broker", _lane_arguments)
def _lane(args: argparse.Namespace) -> int:
    from tools.lanes.commands import lane_run

    return lane_run(args, run_session)


def _lanes_arguments(p: argparse.ArgumentParser) -> None:
    from tools.lanes.commands import SEND_HELP, add_broker_options

    sub = p.add_subparsers(dest="lanes_command", metavar="WHAT")
    sub.required = True
    s = sub.add_parser("status", help="every lane's status, from the broker")
    add_broker_options(s)
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--wait", type=positive, default=2.0, help="longest wait for the lanes (s)")
    s = sub.add_parser("send", help="send a lane an instructor command", epilog=SEND_HELP)
    add_broker_options(s)
    s.add_argument("lane", help="the lane's name")
    s.add_argument("words", nargs="+", metavar="COMMAND [ARGS]", help=SEND_HELP)
    s.add_argument("--wait", type=positive, default=5.0, help="longest wait for the lane (s)")
    s = sub.add_parser("view", help="the control room: every lane, thumbnails, shots, keys")
    add_broker_options(s)
    s.add_argument("--html", type=Path, metavar="FILE", help="write one HTML snapshot and exit")
    s.add_argument("--png", type=Path, metavar="FILE", help="render the view once to a PNG")
    s.add_argument("--offscreen", action="store_true", help="no window (with --png)")
    s.add_argument("--keys", metavar="'KEY ...'", help="press these station keys first")
    s = sub.add_parser("console", help="the tablet console: every lane in a browser on the LAN")
    add_broker_options(s)
    s.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 or a LAN "
        "address lets a tablet in, with the token from the printed URL)",
    )
    s.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")


@command("lanes", "consoles: lanes status, send, view, console", _lanes_arguments)
def _lanes(args: argparse.Namespace) -> int:
    from tools.lanes import commands

    if args.lanes_command == "view":
        from tools.lanes.view import view_command

        return view_command(args)
    if args.lanes_command == "console":
        from tools.lanes.console import console_command

        return console_command(args)
    return {"status": commands.lanes_status, "send": commands.lanes_send}[args.lanes_command](args)


# -- community sessions (issue 23) ---------------------------------------------------------


def _community_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="community", metavar="WHAT")
    sub.required = True
    r = sub.add_parser(
        "run",
        help="play packs for a room that votes from its phones",
        description="Play packs for a room: where a pack branches, the room votes from its "
        "phones (a page on the local network, reached by the QR code on screen), the result "
        "is shown as a chart, the facilitator reveals what the training says (N) and goes "
        "on (P: the room's choice; 1-9: a choice). X closes a vote early.",
    )
    r.add_argument("packs", type=Path, nargs="+", metavar="PACK", help="scenario pack folders")
    r.add_argument("--port", type=int, default=8765, help="the vote page's port (default 8765)")
    r.add_argument(
        "--host",
        default="0.0.0.0",
        help="the address to serve on (default all: the local network; 127.0.0.1: this "
        "machine only)",
    )
    r.add_argument("--code", help=argparse.SUPPRESS)  # tests: a known session code
    r.add_argument("--no-server", action="store_true", help="no vote page (scripted votes only)")
    r.add_argument(
        "--vote-seconds",
        type=positive,
        default=20.0,
        help="how long a question stays open unless closed earlier (default 20)",
    )
    r.add_argument(
        "--reveal-seconds",
        type=positive,
        help="go on down the room's choice this long after a vote closes (default: wait "
        "for the facilitator; headless: 8)",
    )
    r.add_argument(
        "--pace",
        action="store_true",
        help="headless runs keep to the wall clock so that phones can vote (the default "
        "for a headless run with the vote page and no --script)",
    )
    r.add_argument("--offscreen", action="store_true", help="render offscreen (headless)")
    r.add_argument("--window", action="store_true", help="open a window even if it may fail")
    r.add_argument(
        "--inputs",
        "--script",
        dest="inputs",
        type=Path,
        metavar="FILE.jsonl",
        help='a timed input script (votes: {"type": "vote", "choice": LABEL})',
    )
    r.add_argument("--seconds", type=positive, help="stop after N s of session time")
    r.add_argument("--video-out", type=Path, metavar="FILE.mp4", help="write the room's screen")
    r.add_argument("--record", type=Path, metavar="FILE", help="record the session")
    r.add_argument("--size", type=frame_size, default=(1280, 720), metavar="WxH")
    r.add_argument("--fps", type=positive, default=30.0)
    r.add_argument("--tick-hz", type=tick_hz, default=120)
    r.add_argument(
        "--instructor", choices=("auto", "window", "split", "buffer", "none"), default="none"
    )
    r.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="KIND:PATH[@wN]",
        help="a volunteer's light gun or other device, as for run",
    )
    r.add_argument("--audio", choices=("auto", "device", "none"), default="auto")
    r.add_argument(
        "--perspectives",
        action="store_true",
        help="after a vote, also show what trained officers did at that point (from the "
        "training records, aggregated, with at least 5 sessions)",
    )
    add_db_option(r)
    add_policies_option(r)
    rep = sub.add_parser("report", help="the take-home summary of a community session")
    rep.add_argument("recording", type=Path, metavar="REC")
    rep.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    rep.add_argument("--json", action="store_true", help="also write community.json")
    rep.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    rep.add_argument(
        "--perspectives", action="store_true", help="add what trained officers did (records)"
    )
    add_db_option(rep)
    add_policies_option(rep)


@command("community", "community sessions: a room votes from its phones", _community_arguments)
def _community(args: argparse.Namespace) -> int:
    from tools.community import commands

    return (commands.run_command if args.community == "run" else commands.report_command)(args)


# -- the range theater (issue 19): theater files and the alignment pattern -----------------


def _theater_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    n = sub.add_parser("new", help="write a theater file for N screens around an arc")
    n.add_argument("--screens", type=int, required=True, help="projectors, 1-8")
    n.add_argument("--degrees", type=float, required=True, help="the arc they cover, up to 360")
    n.add_argument("--overlap", type=float, default=15.0, help="%% of a screen shared (15)")
    n.add_argument("--size", type=frame_size, default=(1920, 1080), metavar="WxH")
    n.add_argument("--projection", choices=("flat", "curved"), default="flat")
    n.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.toml")
    t = sub.add_parser("pattern", help="the grid and blend test card on every projector")
    t.add_argument("theater", type=Path)
    t.add_argument("-o", "--out", type=Path, metavar="DIR", help="write screen-N.png instead")


@command("theater", "multi-screen theaters: new file, alignment pattern", _theater_arguments)
def _theater(args: argparse.Namespace) -> int:
    from tools import theater_cmd

    return {"new": theater_cmd.new_command, "pattern": theater_cmd.pattern_command}[args.action](
        args
    )
