"""The instructor's view: the live trainee picture with everything the trainee must not
see around it. It renders into its own output (a second window, or an offscreen buffer for
headless capture) from its own 2D scene graph, so nothing here can reach the trainee view.

Coordinates: x in [-aspect, aspect], y in [-1, 1], origin at the centre.

What it says (its colours, the scenario clock, shot totals, the training points) lives in
engine/instructor_texts.py.
"""

from __future__ import annotations

import cv2
import numpy as np
from panda3d.core import (
    Camera,
    GraphicsOutput,
    NodePath,
    OrthographicLens,
    TextNode,
    Texture,
    TextureStage,
)

from content.pack import Pack
from engine.instructor_console import HELP, InstructorConsole
from engine.instructor_texts import (
    AMBER,
    BLUE,
    DIM,
    GREEN,
    GREY,
    RED,
    WHITE,
    ScenarioClock,
    shot_colour,
    shot_totals,
    station_policies,
    training_points,
)
from engine.overlay_text import Label, panel
from sim.rubric import score_session
from sim.runtime import SessionLog, SimState

__all__ = [
    "InstructorView",
    "thumbnail_frame",
]

THUMB_W = 0.34
MESSAGE_S = 5.0  # how long a console message ("flag saved") stays, in session seconds
SHOT_ROWS, FEED_ROWS = 5, 3
THUMB_SAMPLES = 6  # frames looked at to choose a branch's thumbnail
MAX_PIC_H = 1.16  # the live picture's height at most (a 16:9 picture's), screen units


def thumbnail_frame(path, in_s: float, out_s: float, width: int = 192) -> np.ndarray | None:
    """The frame that shows what a segment is about: of THUMB_SAMPLES frames spread over
    [in_s, out_s), the one furthest from the segment's first frame. Branches usually start
    where the previous clip left off (the same first frame for every branch), so the first
    frame cannot tell them apart."""
    cap = cv2.VideoCapture(str(path))
    frames = []
    try:
        span = max(0.0, out_s - in_s)
        for i in range(THUMB_SAMPLES):
            at_s = in_s + span * i / THUMB_SAMPLES
            if at_s > 0:
                cap.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000)
            ok, img = cap.read()
            if not ok:
                break
            h = max(2, round(img.shape[0] * width / img.shape[1]))
            frames.append(cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA))
    finally:
        cap.release()
    if not frames:
        return None
    first = frames[0].astype(np.int16)
    best = max(frames, key=lambda f: float(np.abs(f.astype(np.int16) - first).mean()))
    return np.ascontiguousarray(best)


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
        if tuple(region) == (0, 1, 0, 1):  # its own window or buffer, drawn by this alone
            # the region's clear covers it, and nothing here tests depth: on a software
            # renderer each clear of the output's own would be one more fill of it a frame
            output.setClearColorActive(False)
            output.setClearDepthActive(False)
        self.guidebook = training_points(
            pack.guidebook_text(), station_policies(), pack.scenario.rubric
        )

        left = -a + 0.04
        self.paused_band = None
        if trainee_tex is not None:  # the live trainee picture, top left
            col_w = 2 * a * 0.58
            # a tall (4:3, 16:10) trainee display keeps the picture's height, not its width
            pw = min(col_w, MAX_PIC_H * screen_aspect)
            ph = pw / screen_aspect
            self.pic = (left, left + pw, 0.83 - ph, 0.83)
            card = panel(self.root, *self.pic, (1, 1, 1, 1))
            card.setTexture(trainee_tex)
            Label(self.root, left, 0.855, 0.04, DIM).set("TRAINEE VIEW (live)")
            col, below = left + col_w + 0.06, 0.83 - ph - 0.08
            # over the live picture while paused: the trainee's screen is frozen
            self.paused_band = panel(
                self.root, left, left + pw, 0.83 - 0.16, 0.83, (0.35, 0.22, 0.0, 0.85)
            )
            self.paused_text = Label(
                self.paused_band, left + pw / 2, 0.83 - 0.11, 0.07, AMBER, TextNode.A_center
            )
            self.paused_band.hide()
        else:  # split screen: the trainee view is beside this one
            self.pic = None
            col, below = left, 0.1
        left_w = col - 0.06 - left  # the left column's width, under the picture
        self.clock = ScenarioClock()
        self._msg_seq, self._msg_at_s = -1, 0.0
        self.header = Label(self.root, left, 0.955, 0.05, WHITE, max_w=2 * a - 0.6)
        self.status = Label(self.root, a - 0.04, 0.955, 0.05, AMBER, TextNode.A_right)
        self.col = col
        Label(self.root, col, 0.84, 0.045, DIM).set("BRANCHES")
        self.branch_rows = []
        for i in range(6):
            y = 0.78 - i * 0.21
            thumb = panel(self.root, col, col + THUMB_W, y - 0.19, y, (1, 1, 1, 1))
            thumb.hide()
            label = Label(self.root, col + THUMB_W + 0.03, y - 0.06, 0.043, WHITE, wrap=12)
            self.branch_rows.append((thumb, label))
        self.thumbs: dict[str, Texture] = {}
        for seg in pack.scenario.segments.values():  # at start-up, not on a branch's frame
            for tr in seg.transitions:
                if tr.trigger.station == "key":
                    self._thumb(pack.scenario.segments[tr.to])
        self.auto = Label(self.root, col, -0.36, 0.04, BLUE, wrap=(a - col) / 0.04)
        self.view_state = Label(self.root, col, -0.78, 0.04, GREY)
        self.devices = Label(self.root, col, -0.9, 0.036, GREY, wrap=(a - col) / 0.036)
        self.audio = Label(self.root, col, -0.7, 0.036, GREY, wrap=(a - col) / 0.036)
        Label(self.root, left, below, 0.045, DIM).set("SHOTS")
        self.totals = Label(self.root, left + 0.2, below, 0.04, WHITE, max_w=left_w - 0.2)
        # one row a shot, each in its own colour; then flags and coded actions, in time order
        rows_y = below - 0.075
        self.shots = [
            Label(self.root, left, rows_y - i * 0.052, 0.04, WHITE, max_w=left_w)
            for i in range(SHOT_ROWS)
        ]
        feed_y = min(rows_y - SHOT_ROWS * 0.052 - 0.03, -0.74)
        self.feed = [
            Label(self.root, left, feed_y - i * 0.052, 0.04, AMBER, max_w=left_w)
            for i in range(FEED_ROWS)
        ]
        self.message = Label(self.root, left, -0.95, 0.045, GREEN, max_w=left_w)
        # panels drawn over everything, hidden until asked for
        self.panel = self.root.attachNewNode("panel")
        self.panel.setBin("fixed", 100)
        panel(self.panel, -a + 0.2, a - 0.2, -0.85, 0.85, (0.03, 0.03, 0.04, 0.93))
        self.panel_title = Label(self.panel, -a + 0.3, 0.72, 0.06, AMBER)
        self.panel_keys = Label(self.panel, -a + 0.3, 0.6, 0.045, AMBER)
        self.panel_body = Label(self.panel, -a + 0.3, 0.6, 0.045, WHITE, wrap=(2 * a - 0.6) / 0.045)
        self.panel.hide()

    # -- per frame --------------------------------------------------------------------

    def update(self, st: SimState, log: SessionLog, device_lines: list[str]) -> None:
        """Redraw from the sim's state and a read-only snapshot of its records."""
        c = self.console
        seg = self.pack.scenario.segments[st.segment]
        scenario_s = self.clock.update(st.t_s, st.paused)
        self.header.set(
            f"{self.pack.title}   |   {st.segment}   "
            f"{st.media_t_s:5.1f} / {seg.out_s:.1f} s   |   scenario {scenario_s:6.1f} s"
            f"   (session {st.t_s:.1f} s)"
        )
        paused_s = st.t_s - self.clock.paused_since_s if st.paused else 0.0
        status = (
            "ENDED"
            if st.ended
            else f"PAUSED {paused_s:.0f} s"
            if st.paused
            else "HOLDING"
            if st.holding
            else ""
        )
        self.status.set(status, RED if st.ended else AMBER)
        if self.paused_band is not None:
            if st.paused and not st.ended:
                self.paused_text.set(f"PAUSED {paused_s:.0f} s   (space resumes)")
                self.paused_band.show()
            else:
                self.paused_band.hide()
        self._branches(seg)
        self.auto.set(self._countdowns(seg, st))
        self.view_state.set(
            f"low light {'ON' if st.low_light else 'off'}    flashlight "
            f"{'ON' if st.flashlight else 'off'}    trainee markers "
            f"{'on' if st.markers else 'OFF'}    score {st.score}"
        )
        self.devices.set("DEVICES  " + "   ".join(device_lines))
        self.audio.set(self._audio_line(log, st))
        self.totals.set(shot_totals(log.shots, st.score) if log.shots else "none yet")
        recent = log.shots[-SHOT_ROWS:]
        for i, row in enumerate(self.shots):
            s = recent[i] if i < len(recent) else None
            row.set(self._shot_line(s) if s else "", shot_colour(s) if s else WHITE)
        feed = sorted(
            [(f.t_s, f"FLAG    {f.t_s:7.2f} s  {f.segment}  {f.note}", AMBER) for f in log.flags]
            + [
                (a.t_s, f"ACTION  {a.t_s:7.2f} s  {a.segment}  {a.action.replace('-', ' ')}", BLUE)
                for a in log.actions
            ],
            key=lambda item: item[0],
        )[-FEED_ROWS:]
        for i, row in enumerate(self.feed):
            row.set(*(feed[i][1:] if i < len(feed) else ("", AMBER)))
        if c.message_seq != self._msg_seq or st.t_s < self._msg_at_s:  # new (or a seek back)
            self._msg_seq, self._msg_at_s = c.message_seq, st.t_s
        if c.note is not None:
            self.message.set(f"Flag note: {c.note}_   (Enter to save, Esc for none)", AMBER)
        elif c.score is not None:
            e = c.score
            level = "not observed" if e.level is None else e.level
            need = "required" if e.required else "Enter to save"
            self.message.set(
                f"Score {e.item} {level}, comment: {e.comment}_   ({need}, Esc: no score)", AMBER
            )
        elif st.t_s - self._msg_at_s < MESSAGE_S:
            self.message.set(c.message, GREEN)
        else:
            self.message.set("")
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
            img = thumbnail_frame(self.pack.clip_path(seg.clip), seg.in_s, seg.out_s)
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
        role = "NO-SHOOT" if s.role == "no-shoot" else s.role
        where = f"{s.zone} ({role}) {s.points:+d}" if s.zone else "miss"
        cue = f"   {s.since_cue_s:.2f} s after '{s.cue}'" if s.cue else ""
        return f"{s.t_s:7.2f} s  {s.weapon} {s.kind}  {where}{cue}"

    def _rubric_lines(self, st: SimState, log: SessionLog) -> list[str]:
        """Each weapon's overall level and pass or fail (automatic items so far until the
        session ends); E scores the items."""
        rubric = self.console.rubric
        if rubric is None:
            return []
        lines = []
        for r in score_session(rubric, log).results:
            verdict = {True: "PASS", False: "FAIL", None: "not decided"}[r.passed]
            scored = sum(1 for v in r.levels.values() if v is not None)
            lines.append(
                f"Rubric {r.weapon}: overall {rubric.scale.describe(r.level)}, {verdict}"
                f" ({scored}/{len(rubric.items)} items{'' if st.ended else ', so far'}; E scores)"
            )
        return lines

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
            lines += self._rubric_lines(st, log)
            body = "\n".join(lines)
        else:
            self.panel.hide()
            return
        self.panel_title.set(title)
        self.panel_keys.set(keys)
        self.panel_body.set(body)
        self.panel_body.np.setX(-self.aspect + (0.75 if keys else 0.3))
        self.panel.show()
