"""`sightline lanes view`: the control room (engine/control_room.py) in a window; or, for
a record or a check without a display, one rendered PNG (`--png`, after pressing
`--keys`) or a self-contained HTML snapshot (`--html`: thumbnails inline)."""

from __future__ import annotations

import base64
import html
import time

from drivers.broker import broker_config
from drivers.broker_console import Console
from sim.errors import UserError


def view_command(args) -> int:
    console = Console(broker_config(args.broker, args.auth)).connect()
    try:
        lanes = console.settle(quiet_s=0.3, most_s=3.0)
        if args.html is not None:
            args.html.write_text(snapshot_html(lanes, console.cfg.shown()), encoding="utf-8")
            print(f"Control room snapshot ({len(lanes)} lanes) written to {args.html}")
            return 0
        return _window(args, console)
    finally:
        console.close()


def _window(args, console: Console) -> int:
    from engine import panda_setup

    offscreen = args.offscreen or args.png is not None or not panda_setup.have_display()
    if args.png is not None and args.png.suffix.lower() != ".png":
        raise UserError(f"{args.png}: --png writes PNG, use a .png name")
    panda_setup.configure(offscreen, 1280, 720, title="Sightline control room")
    from direct.showbase.ShowBase import ShowBase

    from engine.control_room import ControlRoom

    base = ShowBase(windowType="offscreen" if offscreen else "onscreen")
    if base.win is None:
        raise panda_setup.DisplayError("could not open a window; try --png FILE or --html FILE")
    base.setBackgroundColor(0.03, 0.03, 0.04, 1)
    room = ControlRoom(base, console)
    room.refresh()
    for key in (args.keys or "").split():
        base.messenger.send(key)  # as the keyboard would
        for thread in room.sent:
            thread.join(10)
        base.taskMgr.step()
    if args.png is None and not offscreen:
        print(f"Control room: {room.message}")
        base.run()
        return 0
    end = time.monotonic() + 1.5  # a status or two after the keys' effects
    while time.monotonic() < end:
        base.taskMgr.step()
        time.sleep(0.05)
    if args.png is not None:
        import cv2
        import numpy as np

        base.graphicsEngine.renderFrame()
        shot = base.win.getScreenshot()
        img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
            shot.getYSize(), shot.getXSize(), 3
        )[::-1]
        if not cv2.imwrite(str(args.png), img):
            raise UserError(f"{args.png}: cannot write the PNG")
        print(f"Control room written to {args.png}")
    print(room.message)
    base.destroy()
    return 0


def snapshot_html(lanes: dict[str, dict], broker: str) -> str:
    rows = []
    for name, entry in lanes.items():
        st = entry.get("status") or {}
        thumb = entry.get("thumb")
        img = (
            f'<img alt="" src="data:image/jpeg;base64,{base64.b64encode(thumb).decode()}">'
            if thumb
            else ""
        )
        offer = " ".join(f"[{o['key']}] {o.get('label') or o['to']}" for o in st.get("offer", []))
        shots = ", ".join(
            f"{s['t_s']:.1f} s {s['weapon']} {s.get('zone') or 'miss'}"
            for s in st.get("recent_shots", [])
        )
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{c}</td>"
                for c in (
                    img,
                    html.escape(name),
                    "online" if entry.get("online") else "offline",
                    html.escape(str(st.get("pack", ""))),
                    html.escape(str(st.get("segment", ""))),
                    f"{st.get('t_s', 0):.1f} s",
                    f"{st.get('shots', 0)} / {st.get('hits', 0)}",
                    html.escape(shots),
                    str(st.get("flag_count", 0)),
                    html.escape(offer),
                )
            )
            + "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "",
            "lane",
            "state",
            "pack",
            "segment",
            "time",
            "shots/hits",
            "recent shots",
            "flags",
            "keys",
        )
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Sightline lanes</title>"
        "<style>body{font-family:sans-serif;background:#111;color:#ddd}"
        "td,th{padding:4px 8px;text-align:left}img{width:160px}</style>"
        f"<h1>Lanes on {html.escape(broker)}</h1><table><tr>{head}</tr>{''.join(rows)}</table>"
    )
