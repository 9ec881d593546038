"""`sightline lane run` and `sightline lanes status|send`: the command lines of lanes and
consoles (drivers/broker.py and broker_console.py do the broker I/O, engine/lane.py the
lane's wiring).

Must not import tools.cli (the command line imports this)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from drivers.broker import (
    CONNECT_TIMEOUT_S,
    REMOTE_KINDS,
    BrokerError,
    LaneLink,
    broker_config,
    check_lane,
)
from drivers.broker_console import Console
from sim.errors import UserError
from sim.events import MAX_T_S, VIEW_SETTINGS

#: `sightline lanes send LANE COMMAND [ARGS]`: the instructor's commands, as words.
SEND_HELP = (
    "key N | pause | resume | end | flag [NOTE...] | jump SEGMENT | malfunction [WEAPON] | "
    "sound NAME | lowlight on|off | view SETTING on|off"
)


def lane_run(args: argparse.Namespace, run) -> int:
    """Connect to the broker (refused credentials stop here, before anyone trains; an
    unreachable broker does not: the lane runs and keeps trying), then `run` the pack
    with the lane wired in, and go offline at the end."""
    from engine.lane import LaneWiring

    check_lane(args.lane)
    cfg = broker_config(args.broker, args.auth)
    link = LaneLink(cfg, args.lane, args.max_command_age)
    if link.start(CONNECT_TIMEOUT_S, must_connect=False):
        print(f"Lane {args.lane} on broker {cfg.shown()}")
    else:
        print(
            f"warning: broker {cfg.shown()} not reachable: lane {args.lane} runs on and "
            "keeps trying",
            file=sys.stderr,
        )
    # A lane is stamped by the wall clock: headless, it runs in real time, not 1/fps a frame.
    args.realtime = True
    if args.seconds is None:
        args.seconds = MAX_T_S  # until the scenario ends or the instructor ends it
    wiring = LaneWiring(link, realtime=True)
    args.lane_wiring = wiring
    try:
        return run(args)
    finally:
        wiring.close()
        summary = f"Lane {args.lane}: {link.applied_count} commands applied"
        if link.refusals:
            summary += f", {len(link.refusals)} refused: " + "; ".join(link.refusals[-5:])
        print(summary)


def _console(args) -> Console:
    return Console(broker_config(args.broker, args.auth)).connect()


def lanes_status(args: argparse.Namespace) -> int:
    console = _console(args)
    try:
        lanes = console.settle(quiet_s=0.3, most_s=args.wait)
    finally:
        console.close()
    if args.json:
        out = {}
        for name, entry in lanes.items():
            out[name] = {
                "online": entry.get("online"),
                "status": entry.get("status"),
                "thumb_bytes": len(entry.get("thumb", b"")),
            }
        print(json.dumps(out, indent=2))
        return 0
    if not lanes:
        print(f"No lanes on {console.cfg.shown()}")
        return 0
    print(f"{'LANE':<10} {'STATE':<8} {'PACK':<24} {'SEGMENT':<14} {'TIME':>8} SHOTS FLAGS  KEYS")
    now = time.time()
    for name, entry in lanes.items():
        st = entry.get("status") or {}
        state = "online" if entry.get("online") else "offline"
        if entry.get("online") and st.get("ended"):
            state = "ended"
        elif entry.get("online") and st.get("paused"):
            state = "paused"
        keys = " ".join(f"{o['key']}:{o['to']}" for o in st.get("offer", []))
        age = now - st.get("updated", now)
        stale = f"  (status {age:.0f} s old)" if age > 5 else ""
        print(
            f"{name:<10} {state:<8} {str(st.get('pack', '?'))[:24]:<24} "
            f"{str(st.get('segment', '?'))[:14]:<14} {st.get('t_s', 0.0):8.1f} "
            f"{st.get('shots', 0):5d} {st.get('flag_count', 0):5d}  {keys}{stale}"
        )
    return 0


def parse_send(words: list[str]) -> dict:
    """`key 2`, `flag suspect's hands`, `lowlight on` -> the event a lane takes."""
    if not words:
        raise UserError(f"lanes send: which command? ({SEND_HELP})")
    name, rest = words[0].lower(), words[1:]

    def arity(lo: int, hi: int) -> None:
        if not lo <= len(rest) <= hi:
            raise UserError(f"lanes send {name}: expected {SEND_HELP}")

    def on_off(word: str) -> bool:
        if word.lower() not in ("on", "off"):
            raise UserError(f"lanes send {name}: expected on or off, got {word!r}")
        return word.lower() == "on"

    if name == "key":
        arity(1, 1)
        return {"type": "key", "key": rest[0]}
    if name in ("pause", "resume", "end"):
        arity(0, 0)
        return {"type": name}
    if name == "flag":
        return {"type": "flag", "note": " ".join(rest)}
    if name == "jump":
        arity(1, 1)
        return {"type": "jump", "segment": rest[0]}
    if name == "malfunction":
        arity(0, 1)
        return {"type": "malfunction", "weapon": rest[0] if rest else "w1"}
    if name == "sound":
        arity(1, 1)
        return {"type": "sound", "sound": rest[0]}
    if name in ("lowlight", "low-light"):
        arity(1, 1)
        return {"type": "view", "setting": "low-light", "on": on_off(rest[0])}
    if name == "view":
        arity(2, 2)
        if rest[0] not in VIEW_SETTINGS:
            raise UserError(f"lanes send view: SETTING is one of {', '.join(VIEW_SETTINGS)}")
        return {"type": "view", "setting": rest[0], "on": on_off(rest[1])}
    raise UserError(f"lanes send: unknown command {name!r} ({SEND_HELP})")


def lanes_send(args: argparse.Namespace) -> int:
    check_lane(args.lane)
    event = parse_send(args.words)
    if event["type"] not in REMOTE_KINDS:  # parse_send and the lane agree on the kinds
        raise UserError(f"lanes send: {event['type']} cannot be sent to a lane")
    from sim.events import parse_event

    parse_event({**event, "t": 0.0}, "lanes send")  # a bad key or note fails here, not there
    console = _console(args)
    try:
        sent = time.monotonic()
        cid, ack = console.send(args.lane, event, wait_s=args.wait)
        took_ms = (time.monotonic() - sent) * 1000
    finally:
        console.close()
    if ack is None:
        raise BrokerError(
            f"lane {args.lane}: the broker took command {cid} but no lane answered in "
            f"{args.wait:g} s (is lane {args.lane} running? the broker keeps the command "
            "for it until it is too old)"
        )
    if ack.get("result") == "refused":
        raise UserError(f"lane {args.lane} refused command {cid}: {ack.get('reason')}")
    if ack.get("result") == "applied":
        print(
            f"lane {args.lane}: {' '.join(args.words)} applied at tick {ack.get('tick')} "
            f"({ack.get('t_s', 0):.3f} s), {took_ms:.0f} ms after sending"
        )
    else:
        print(f"lane {args.lane}: {ack.get('result')}: {ack.get('reason', '')}")
    return 0


def add_broker_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--broker",
        required=True,
        metavar="URL",
        help="the MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS",
    )
    p.add_argument(
        "--auth",
        type=Path,
        metavar="FILE.toml",
        help="username and password (and cafile, certfile, keyfile for TLS) in a TOML "
        "file, never on the command line (default: anonymous)",
    )
