"""The control room: every lane on one screen, from the broker (drivers.broker_console.Console).

A tile per lane (up to 16, four a row): its thumbnail (the clip's picture, about once a
second), name, state, segment, session time, shots, hits and flags. The selected lane's
panel below shows the branches on offer, its latest shots and flags, and the station's
hotkeys, which send that lane commands: 1-9 branch, P pause/resume, F flag, M malfunction,
L low light on/off, E end (twice, as at the station), Tab / arrows select the lane. Sends
run on a worker thread (the window never waits on the network); the answer shows in the
message line.

Panda3D only here; drivers.broker does the I/O. Imports no tools.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from drivers.broker import BrokerError
from drivers.broker_console import Console

AMBER = (1.0, 0.75, 0.2, 1)
WHITE = (0.92, 0.92, 0.92, 1)
GREY = (0.55, 0.55, 0.55, 1)
RED = (1.0, 0.35, 0.3, 1)
GREEN = (0.4, 0.9, 0.45, 1)
COLUMNS = 4
MAX_TILES = 16
HOTKEYS = (
    "Tab/arrows: lane   1-9: branch   P: pause/resume   F: flag   M: malfunction   "
    "L: low light   E E: end"
)


class ControlRoom:
    def __init__(self, base, console: Console) -> None:
        from panda3d.core import TextNode

        self.base = base
        self.console = console
        self.selected: str | None = None
        self.message = "Connected to " + console.cfg.shown()
        self._thumbs_seen: dict[str, int] = {}
        self._end_armed_at = 0.0
        self._lock = threading.Lock()
        self.sent: list[threading.Thread] = []
        a = base.getAspectRatio()
        self.aspect = a
        self.root = base.aspect2d.attachNewNode("control-room")
        self.tiles: dict[str, dict] = {}
        self.tile_w = (2 * a - 0.1) / COLUMNS
        self.tile_h = 0.34
        self.panel = self._text(-a + 0.05, -0.56, 0.042, WHITE, TextNode.A_left)
        self.hotkeys = self._text(-a + 0.05, -0.93, 0.038, GREY, TextNode.A_left)
        self.hotkeys.setText(HOTKEYS)
        self.msg = self._text(-a + 0.05, -0.98 + 0.005, 0.036, AMBER, TextNode.A_left)
        self.title = self._text(-a + 0.05, 0.94, 0.05, AMBER, TextNode.A_left)
        for key in "123456789":
            base.accept(key, self.press, [key])
        for key in ("p", "f", "m", "l", "e"):
            base.accept(key, self.press, [key])
        for key, step in (("tab", 1), ("arrow_right", 1), ("arrow_left", -1)):
            base.accept(key, self.select_step, [step])
        base.taskMgr.add(self._task, "sightline-control-room", sort=40)

    def _text(self, x, y, scale, colour, align):
        from panda3d.core import TextNode

        node = TextNode("text")
        node.setAlign(align)
        node.setTextColor(*colour)
        np_ = self.root.attachNewNode(node)
        np_.setScale(scale)
        np_.setPos(x, 0, y)
        return node

    # -- tiles ----------------------------------------------------------------------------

    def _tile(self, lane: str, index: int) -> dict:
        from panda3d.core import CardMaker, TextNode

        if lane in self.tiles:
            return self.tiles[lane]
        col, row = index % COLUMNS, index // COLUMNS
        x0 = -self.aspect + 0.05 + col * self.tile_w
        y1 = 0.88 - row * (self.tile_h + 0.0)
        node = self.root.attachNewNode(f"tile-{lane}")
        x1, y0 = x0 + self.tile_w - 0.03, y1 - self.tile_h + 0.02
        cm = CardMaker("border")
        cm.setFrame(x0 - 0.008, x1 + 0.008, y0 - 0.008, y1 + 0.008)
        border = node.attachNewNode(cm.generate())
        border.setColor(*AMBER)
        cm = CardMaker("frame")
        cm.setFrame(x0, x1, y0, y1)
        frame = node.attachNewNode(cm.generate())
        frame.setColor(0.12, 0.12, 0.14, 1)
        pic_h = self.tile_h - 0.05
        pic_w = pic_h * 16 / 9
        cm = CardMaker("thumb")
        cm.setFrame(x0 + 0.015, x0 + 0.015 + pic_w, y1 - 0.015 - pic_h, y1 - 0.015)
        pic = node.attachNewNode(cm.generate())
        pic.setColor(0.05, 0.05, 0.05, 1)
        text = TextNode(f"text-{lane}")
        text.setAlign(TextNode.A_left)
        text.setTextColor(*WHITE)
        tnp = node.attachNewNode(text)
        tnp.setScale(0.036)
        tnp.setPos(x0 + pic_w + 0.035, 0, y1 - 0.06)
        tile = {"border": border, "pic": pic, "text": text, "tex": None}
        self.tiles[lane] = tile
        return tile

    def _thumb(self, tile: dict, jpeg: bytes) -> None:
        import cv2
        from panda3d.core import Texture

        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            return
        h, w = img.shape[:2]
        tex = tile["tex"]
        if tex is None:
            tex = tile["tex"] = Texture("thumb")
        tex.setup2dTexture(w, h, Texture.T_unsigned_byte, Texture.F_rgb)
        tex.setRamImage(np.ascontiguousarray(img[::-1]).tobytes())  # BGR, bottom row first
        tile["pic"].setColor(1, 1, 1, 1)
        tile["pic"].setTexture(tex, 1)

    # -- each frame -------------------------------------------------------------------------

    def _task(self, task):
        self.refresh()
        return task.cont

    def refresh(self) -> None:
        lanes = self.console.snapshot()
        names = list(lanes)[:MAX_TILES]
        if self.selected not in lanes and names:
            self.selected = names[0]
        self.title.setText(
            f"Sightline control room - {len(lanes)} lane{'s' * (len(lanes) != 1)} on "
            f"{self.console.cfg.shown()}"
        )
        for i, name in enumerate(names):
            entry = lanes[name]
            tile = self._tile(name, i)
            st = entry.get("status") or {}
            thumb = entry.get("thumb")
            if thumb is not None and self._thumbs_seen.get(name) != id(thumb):
                self._thumbs_seen[name] = id(thumb)
                self._thumb(tile, thumb)
            state, colour = _state(entry)
            tile["text"].setTextColor(*colour)
            tile["text"].setText(
                f"{name}\n{state}\n{str(st.get('segment', '?'))[:12]}\n"
                f"{st.get('t_s', 0):.0f} s\nshots {st.get('shots', 0)}\n"
                f"hits {st.get('hits', 0)}\nflags {st.get('flag_count', 0)}"
            )
            if name == self.selected:
                tile["border"].show()
            else:
                tile["border"].hide()
        self.panel.setText(self._panel(lanes.get(self.selected or "", {})))
        with self._lock:
            self.msg.setText(self.message)

    def _panel(self, entry: dict) -> str:
        if not entry:
            return "No lanes yet: start one with sightline lane run PACK --lane NAME --broker URL"
        st = entry.get("status") or {}
        state, _ = _state(entry)
        lines = [
            f"Lane {self.selected} ({state}): {st.get('pack', '?')}, segment "
            f"{st.get('segment', '?')} at {st.get('t_s', 0):.1f} s"
            + (", low light" if st.get("low_light") else ""),
        ]
        offer = st.get("offer") or []
        lines.append(
            "Branches: "
            + (
                "   ".join(f"[{o['key']}] {o.get('label') or o['to']} -> {o['to']}" for o in offer)
                if offer
                else "(none on offer here)"
            )
        )
        shots = st.get("recent_shots") or []
        lines.append(
            "Shots: "
            + (
                ", ".join(
                    f"{s['t_s']:.1f} s {s['weapon']} "
                    + (("hit " + s["zone"]) if s.get("zone") else "miss" if s["fired"] else "dry")
                    for s in shots
                )
                if shots
                else "none"
            )
        )
        flags = st.get("flags") or []
        lines.append(
            "Flags: "
            + (", ".join(f"{f['t_s']:.1f} s {f['note']!r}" for f in flags) if flags else "none")
        )
        devices = st.get("devices") or {}
        if devices:
            lines.append(
                "Devices: "
                + ", ".join(
                    f"{d} {'up' if v['connected'] else 'DOWN'} {v['text']}"
                    for d, v in devices.items()
                )
            )
        return "\n".join(lines)

    # -- the station's keys --------------------------------------------------------------------

    def select_step(self, step: int) -> None:
        names = list(self.console.snapshot())[:MAX_TILES]
        if not names:
            return
        i = names.index(self.selected) if self.selected in names else 0
        self.selected = names[(i + step) % len(names)]

    def press(self, key: str) -> None:
        lane = self.selected
        if lane is None:
            return
        st = self.console.snapshot().get(lane, {}).get("status") or {}
        if key in "123456789":
            event = {"type": "key", "key": key}
        elif key == "p":
            event = {"type": "resume" if st.get("paused") else "pause"}
        elif key == "f":
            event = {"type": "flag", "note": "control room"}
        elif key == "m":
            event = {"type": "malfunction", "weapon": "w1"}
        elif key == "l":
            event = {"type": "view", "setting": "low-light", "on": not st.get("low_light")}
        elif key == "e":
            now = time.monotonic()
            if now - self._end_armed_at > 2.0:
                self._end_armed_at = now
                self._say(f"Press E again within 2 s to end lane {lane}")
                return
            event = {"type": "end"}
        else:
            return
        thread = threading.Thread(target=self._send, args=(lane, key, event), daemon=True)
        self.sent.append(thread)
        thread.start()

    def _send(self, lane: str, key: str, event: dict) -> None:
        try:
            _, ack = self.console.send(lane, event, wait_s=5.0)
        except BrokerError as exc:
            self._say(str(exc))
            return
        if ack is None:
            self._say(f"lane {lane}: no answer to {key.upper()} ({event['type']})")
        elif ack.get("result") == "applied":
            self._say(f"lane {lane}: {key.upper()} ({event['type']}) applied at {ack['t_s']:.2f} s")
        else:
            self._say(f"lane {lane}: {key.upper()} {ack.get('result')}: {ack.get('reason', '')}")

    def _say(self, text: str) -> None:
        with self._lock:
            self.message = text


def _state(entry: dict) -> tuple[str, tuple]:
    st = entry.get("status") or {}
    if not entry.get("online"):
        return "offline", RED
    if st.get("ended"):
        return "ended", GREY
    if st.get("paused"):
        return "paused", AMBER
    return "running", GREEN
