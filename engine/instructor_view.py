"""The instructor's view: the live trainee picture with everything the trainee must not
see around it. It renders into its own output (a second window, or an offscreen buffer for
headless capture) from its own 2D scene graph, so nothing here can reach the trainee view.

Coordinates: x in [-aspect, aspect], y in [-1, 1], origin at the centre.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
from panda3d.core import (
    Camera,
    CardMaker,
    GraphicsOutput,
    NodePath,
    OrthographicLens,
    TextNode,
    Texture,
    TextureStage,
    TransparencyAttrib,
)

from content.pack import Pack
from engine.instructor_console import HELP, InstructorConsole
from sim.runtime import SessionLog, SimState

WHITE, GREY, DIM = (1, 1, 1, 1), (0.7, 0.72, 0.75, 1), (0.45, 0.47, 0.5, 1)
AMBER, RED, GREEN, BLUE = (
    (1, 0.75, 0.2, 1),
    (1, 0.35, 0.3, 1),
    (0.4, 0.9, 0.5, 1),
    (0.45, 0.7, 1, 1),
)
THUMB_W = 0.34


def _first_frame(path, at_s: float, width: int = 192) -> np.ndarray | None:
    cap = cv2.VideoCapture(str(path))
    if at_s > 0:
        cap.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000)
    ok, img = cap.read()
    cap.release()
    if not ok:
        return None
    h = max(2, round(img.shape[0] * width / img.shape[1]))
    return np.ascontiguousarray(cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA))


def training_points(guidebook: str | None) -> str:
    if not guidebook:
        return "This pack has no guidebook."
    m = re.search(r"^##\s*Training points\s*$(.*?)(?=^##\s|\Z)", guidebook, re.M | re.S | re.I)
    return (m.group(1) if m else guidebook).strip()


class _Text:
    """A TextNode that regenerates only when its text changes."""

    def __init__(
        self,
        parent: NodePath,
        x: float,
        y: float,
        scale: float,
        colour=WHITE,
        align=TextNode.A_left,
        wrap: float | None = None,
    ):
        self.node = TextNode("text")
        self.node.setAlign(align)
        self.node.setTextColor(*colour)
        if wrap:
            self.node.setWordwrap(wrap)
        self.np = parent.attachNewNode(self.node)
        self.np.setScale(scale)
        self.np.setPos(x, 0, y)
        self._text = None

    def set(self, text: str, colour=None) -> None:
        if colour is not None:
            self.node.setTextColor(*colour)
        if text != self._text:
            self.node.setText(text)
            self._text = text


def _card(parent: NodePath, x0: float, x1: float, y0: float, y1: float, colour) -> NodePath:
    cm = CardMaker("panel")
    cm.setFrame(x0, x1, y0, y1)
    np_ = parent.attachNewNode(cm.generate())
    np_.setColor(*colour)
    if colour[3] < 1:
        np_.setTransparency(TransparencyAttrib.M_alpha)
    return np_


class InstructorView:
    def __init__(
        self,
        output: GraphicsOutput,
        trainee_tex: Texture | None,
        pack: Pack,
        console: InstructorConsole,
        screen_aspect: float,
        region: tuple[float, float, float, float] = (0, 1, 0, 1),
    ):
        self.pack, self.console = pack, console
        w = output.getXSize() * (region[1] - region[0])
        h = output.getYSize() * (region[3] - region[2])
        a = self.aspect = w / h
        self.root = NodePath("instructor-view")
        self.root.setBin("fixed", 0)  # drawn in scene order; panels (sort 100) on top
        self.root.setDepthTest(False)
        self.root.setDepthWrite(False)
        lens = OrthographicLens()
        lens.setFilmSize(2 * a, 2)
        lens.setNearFar(-10, 10)
        cam = Camera("instructor-camera", lens)
        dr = output.makeDisplayRegion(*region)
        dr.setSort(20)
        dr.setClearColorActive(True)
        dr.setClearColor((0.09, 0.1, 0.11, 1))
        dr.setCamera(self.root.attachNewNode(cam))
        self.guidebook = training_points(pack.guidebook_text())

        left = -a + 0.04
        if trainee_tex is not None:  # the live trainee picture, top left
            pw = 2 * a * 0.58
            ph = pw / screen_aspect
            self.pic = (left, left + pw, 0.83 - ph, 0.83)
            card = _card(self.root, *self.pic, (1, 1, 1, 1))
            card.setTexture(trainee_tex)
            _Text(self.root, left, 0.855, 0.04, DIM).set("TRAINEE VIEW (live)")
            col, below = left + pw + 0.06, 0.83 - ph - 0.08
        else:  # split screen: the trainee view is beside this one
            self.pic = None
            col, below = left, 0.1
        self.header = _Text(self.root, left, 0.955, 0.05, WHITE)
        self.status = _Text(self.root, a - 0.04, 0.955, 0.05, AMBER, TextNode.A_right)
        self.col = col
        _Text(self.root, col, 0.84, 0.045, DIM).set("BRANCHES")
        self.branch_rows = []
        for i in range(6):
            y = 0.78 - i * 0.21
            thumb = _card(self.root, col, col + THUMB_W, y - 0.19, y, (1, 1, 1, 1))
            thumb.hide()
            label = _Text(self.root, col + THUMB_W + 0.03, y - 0.06, 0.043, WHITE, wrap=12)
            self.branch_rows.append((thumb, label))
        self.thumbs: dict[str, Texture] = {}
        self.auto = _Text(self.root, col, -0.36, 0.04, BLUE, wrap=(a - col) / 0.04)
        self.view_state = _Text(self.root, col, -0.78, 0.04, GREY)
        self.devices = _Text(self.root, col, -0.9, 0.036, GREY, wrap=(a - col) / 0.036)
        self.audio = _Text(self.root, col, -0.7, 0.036, GREY, wrap=(a - col) / 0.036)
        _Text(self.root, left, below, 0.045, DIM).set("SHOTS")
        self.shots = _Text(self.root, left, below - 0.07, 0.04, WHITE)
        self.flags = _Text(self.root, left, -0.72, 0.04, AMBER)
        self.message = _Text(self.root, left, -0.95, 0.045, GREEN)
        # panels drawn over everything, hidden until asked for
        self.panel = self.root.attachNewNode("panel")
        self.panel.setBin("fixed", 100)
        _card(self.panel, -a + 0.2, a - 0.2, -0.85, 0.85, (0.03, 0.03, 0.04, 0.93))
        self.panel_title = _Text(self.panel, -a + 0.3, 0.72, 0.06, AMBER)
        self.panel_keys = _Text(self.panel, -a + 0.3, 0.6, 0.045, AMBER)
        self.panel_body = _Text(self.panel, -a + 0.3, 0.6, 0.045, WHITE, wrap=(2 * a - 0.6) / 0.045)
        self.panel.hide()

    # -- per frame --------------------------------------------------------------------

    def update(self, st: SimState, log: SessionLog, device_lines: list[str]) -> None:
        """Redraw from the sim's state and a read-only snapshot of its records."""
        c = self.console
        seg = self.pack.scenario.segments[st.segment]
        self.header.set(
            f"{self.pack.title}   |   {st.segment}   "
            f"{st.media_t_s:5.1f} / {seg.out_s:.1f} s   |   session {st.t_s:6.1f} s"
        )
        status = "ENDED" if st.ended else "PAUSED" if st.paused else "HOLDING" if st.holding else ""
        self.status.set(status, RED if st.ended else AMBER)
        self._branches(seg)
        self.auto.set(self._countdowns(seg, st))
        self.view_state.set(
            f"low light {'ON' if st.low_light else 'off'}    flashlight "
            f"{'ON' if st.flashlight else 'off'}    trainee markers "
            f"{'on' if st.markers else 'OFF'}    score {st.score}"
        )
        self.devices.set("DEVICES  " + "   ".join(device_lines))
        self.audio.set(self._audio_line(log, st))
        self.shots.set("\n".join(self._shot_line(s) for s in log.shots[-6:]) or "no shots yet")
        self.flags.set(
            "\n".join(f"FLAG {f.t_s:7.2f} s  {f.segment}  {f.note}" for f in log.flags[-3:])
        )
        if c.note is not None:
            self.message.set(f"Flag note: {c.note}_   (Enter to save, Esc for none)", AMBER)
        else:
            self.message.set(c.message, GREEN)
        self._panels(st, log)

    def _branches(self, seg) -> None:
        keys = [t for t in seg.transitions if t.trigger.station == "key"]
        for i, (thumb, label) in enumerate(self.branch_rows):
            if i >= len(keys):
                thumb.hide()
                label.set("" if i else "(no instructor branches here)")
                continue
            tr = keys[i]
            target = self.pack.scenario.segments[tr.to]
            tex = self._thumb(target)
            if tex is not None:
                thumb.setTexture(tex, 1)
                thumb.setTexScale(TextureStage.getDefault(), 1, -1)  # top row first
                thumb.setTexOffset(TextureStage.getDefault(), 0, 1)
                thumb.show()
            label.set(f"[{tr.trigger.key}] {tr.trigger.label or tr.to}\n-> {tr.to}")

    def _thumb(self, seg) -> Texture | None:
        if seg.id not in self.thumbs:
            img = _first_frame(self.pack.clip_path(seg.clip), seg.in_s)
            tex = None
            if img is not None:
                tex = Texture(f"thumb-{seg.id}")
                tex.setup2dTexture(
                    img.shape[1], img.shape[0], Texture.T_unsigned_byte, Texture.F_rgb8
                )
                tex.setRamImage(img)
            self.thumbs[seg.id] = tex
        return self.thumbs[seg.id]

    def _countdowns(self, seg, st) -> str:
        lines = ["AUTOMATIC"]
        now = st.media_t_s
        for tr in seg.transitions:
            text = tr.trigger.countdown(seg, now) if tr.trigger.station == "countdown" else None
            if text is not None:
                lines.append(f"{text} -> {tr.to}")
        if seg.ending:
            lines.append(f"in {seg.out_s - now:4.1f} s  the scenario ends")
        elif seg.loop:
            lines.append("loops until a branch")
        if len(lines) == 1:
            lines.append("none: waits for you")
        trainee = [
            f"{tr.trigger.describe()} -> {tr.to}"
            for tr in seg.transitions
            if tr.trigger.station == "trainee"
        ]
        if trainee:
            lines += ["ON THE TRAINEE", *trainee]
        return "\n".join(lines)

    @staticmethod
    def _audio_line(log: SessionLog, st: SimState) -> str:
        levels = "  ".join(
            f"{c} {p}" for c, p in zip(("master", "scene", "fx", "distr"), st.levels, strict=True)
        )
        last = log.sounds[-1] if log.sounds else None
        played = f"   last sound: {last.sound} at {last.t_s:.1f} s" if last else ""
        return f"AUDIO [A]  {levels}{played}"

    @staticmethod
    def _shot_line(s) -> str:
        if not s.fired:
            return f"{s.t_s:7.2f} s  {s.weapon} {s.kind}  DRY: {s.dry_reason}"
        where = f"{s.zone} ({s.role}) {s.points:+d}" if s.zone else "miss"
        cue = f"   {s.since_cue_s:.2f} s after '{s.cue}'" if s.cue else ""
        return f"{s.t_s:7.2f} s  {s.weapon} {s.kind}  {where}{cue}"

    def _panels(self, st: SimState, log: SessionLog) -> None:
        c = self.console
        keys = ""
        if c.menu is not None:
            title = c.menu.title
            body = "\n".join(f"{n}  {label}" for n, label in c.menu.visible())
            if len(c.menu.items) > 9:
                body += "\n0  next page"
            body += "\n\nEsc to close"
        elif c.help_open:
            title = "Instructor hotkeys"
            keys = "\n".join(k for k, _ in HELP)
            body = "\n".join(text for _, text in HELP)
        elif c.guidebook_open:
            title, body = "Training points", self.guidebook
        elif c.review_open:
            title = "Review so far"
            lines = ["Segments: " + " -> ".join(log.segments_played)]
            lines += [
                f"{b.t_s:7.2f} s  {b.from_segment} -> {b.to_segment}  ({b.trigger})"
                for b in log.branches[-8:]
            ]
            fired = [s for s in log.shots if s.fired]
            lines.append(
                f"Shots {len(fired)}, hits {sum(1 for s in fired if s.zone)}, "
                f"score {st.score}, flags {len(log.flags)}"
            )
            lines += [f"FLAG {f.t_s:7.2f} s  {f.note}" for f in log.flags[-5:]]
            body = "\n".join(lines)
        else:
            self.panel.hide()
            return
        self.panel_title.set(title)
        self.panel_keys.set(keys)
        self.panel_body.set(body)
        self.panel_body.np.setX(-self.aspect + (0.75 if keys else 0.3))
        self.panel.show()
