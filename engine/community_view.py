"""The room's screen in a community session: "What would you do?", the choices, the QR
code and short address of the vote page, then the result as a bar chart and the panels
the facilitator reveals (training points, policy, the law, questions to discuss).

Drawn over the trainee view (render2d) by a task after the present task and before
Panda3D renders (sort 45), from the sim's RoomView (sim/community.py) each frame: what the
screen shows is what the sim counted. Facilitator keys: X closes the vote, N reveals the
next panel, P goes on down the room's choice; 1-9 pick a choice (the sim reads them as
such while a question is shown). They are input events like the instructor's keys,
recorded and replayed. Panda3D here; the texts come from tools (passed in as a callable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from panda3d.core import (
    NodePath,
    SamplerState,
    TextNode,
    Texture,
    TextureStage,
)

from engine.overlay_text import Label, panel
from sim.community import RoomView

SORT_COMMUNITY = 45  # after engine.app's present (40), before igLoop (50)
AMBER = (1.0, 0.78, 0.24, 1)
WHITE = (0.96, 0.96, 0.96, 1)
GREY = (0.72, 0.72, 0.72, 1)
BAR_BG = (0.22, 0.22, 0.22, 0.9)
HINT_OPEN = "X: close the vote   1-9: go on with a choice"
HINT_CLOSED = "N: reveal what the training says   P: go on with the room's choice   1-9: a choice"
HINT_ANGLE = "W: another angle   "
#: An alternate view replays the question's moment from this long before it to this after.
ANGLE_LEAD_S, ANGLE_TAIL_S = 4.0, 1.0


def qr_texture(matrix: Sequence[Sequence[int]], quiet: int = 4) -> Texture:
    """A QR code's modules (1 = dark) as a texture, one texel a module, white margin."""
    m = np.asarray([list(row) for row in matrix], dtype=np.uint8)
    n = m.shape[0] + 2 * quiet
    img = np.full((n, n, 3), 255, np.uint8)
    img[quiet : quiet + m.shape[0], quiet : quiet + m.shape[1]] = np.where(m[..., None], 0, 255)
    tex = Texture("vote-qr")
    tex.setup2dTexture(n, n, Texture.T_unsigned_byte, Texture.F_rgb8)
    tex.setRamImage(np.ascontiguousarray(img[::-1]))  # bottom row first
    tex.setMagfilter(SamplerState.FT_nearest)
    tex.setMinfilter(SamplerState.FT_nearest)
    return tex


def row_y(i: int, rows: int) -> float:
    """The top of chart row i of `rows` (square units): 0.155 apart, closer for many."""
    return 0.42 - i * min(0.155, 1.2 / max(rows, 1))


def _text(parent, x, y, scale, colour, align=TextNode.A_left, wrap=None, max_w=None) -> Label:
    """A label drawn over the cards (bin order 70)."""
    return Label(parent, x, y, scale, colour, align, wrap, max_w, "community-text", 70)


class CommunityOverlay:
    """The question, the QR code and the chart, in square units: x in -aspect..aspect,
    y in -1..1 (top is +1)."""

    MAX_ROWS = 9

    def __init__(
        self,
        render2d: NodePath,
        screen_aspect: float,
        url: str,
        qr: Sequence[Sequence[int]] | None,
        pages: Callable[[str], list],
        pack=None,
        block: bool = False,
    ):
        a = self.aspect = screen_aspect
        self.pages = pages  # segment id -> [tools.community.texts.Page]
        self.pack = pack  # for the segments' alternate views (None: no views)
        self.block = block  # headless: wait for each decoded frame (deterministic)
        self.outer = render2d.attachNewNode("community")
        self.outer.setScale(1 / a, 1, 1)
        self.outer.setBin("fixed", 50)
        self.outer.setDepthTest(False)
        self.outer.setDepthWrite(False)
        panel(self.outer, -a, a, -1, 1, (0, 0, 0, 0.78)).setBin("fixed", 40)  # under all
        self.root = self.outer.attachNewNode("community-chart")
        self._angle_setup()
        left = -a + 0.08
        self.left = left
        self.prompt = _text(self.root, left, 0.82, 0.085, WHITE, wrap=(a * 1.25) / 0.085)
        self.status = _text(self.root, left, 0.56, 0.06, AMBER)
        self.bar_x0, self.bar_x1 = left + 0.09, 0.0
        self.rows = []  # each row in its own node, placed by row_y() for the count shown
        self.row_nps = []
        for _ in range(self.MAX_ROWS):
            row = self.root.attachNewNode("community-row")
            key = _text(row, left, -0.075, 0.06, AMBER)
            label = _text(row, left + 0.09, -0.02, 0.05, WHITE, max_w=self.bar_x1 - self.bar_x0)
            bg = panel(row, self.bar_x0, self.bar_x1, -0.105, -0.045, BAR_BG)
            bar = panel(row, 0, 1, -0.105, -0.045, AMBER)
            bar.setBin("fixed", 55)  # over its background
            bar.setX(self.bar_x0)
            count = _text(row, self.bar_x1 + 0.03, -0.1, 0.055, WHITE)
            self.rows.append((key, label, bg, bar, count))
            self.row_nps.append(row)
        # the vote page: QR code and address (right column)
        qx, qs = a - 0.62, 0.5
        self.qr_card = None
        if qr is not None:
            self.qr_card = panel(self.root, qx - qs, qx + qs, 0.0, 2 * qs, (1, 1, 1, 1))
            self.qr_card.setTexture(qr_texture(qr))
            self.qr_card.setZ(-0.12)
        self.url = _text(self.root, qx, -0.25, 0.05, WHITE, TextNode.A_center)
        self.url.set("Vote on your phone:\n" + url if url else "")
        # the revealed panel (replaces the QR column once the vote is closed)
        px = a * 0.3
        self.panel_title = _text(self.root, px, 0.56, 0.065, AMBER)
        self.panel = _text(self.root, px, 0.44, 0.046, WHITE, wrap=(a - px - 0.06) / 0.046)
        self.hint = _text(self.outer, 0, -0.93, 0.042, GREY, TextNode.A_center)
        self.outer.hide()
        self._last: RoomView | None = None

    # -- alternate views ---------------------------------------------------------------

    def _angle_setup(self) -> None:
        self.angle_np = self.outer.attachNewNode("community-angle")
        self.angle_np.setBin("fixed", 60)
        self.angle_tex = Texture("community-angle")
        self.angle_tex.setup2dTexture(2, 2, Texture.T_unsigned_byte, Texture.F_rgb8)
        self.angle_tex.setRamImage(np.zeros((2, 2, 3), np.uint8))
        self.angle_tex.setMinfilter(SamplerState.FT_linear)
        self.angle_tex.setMagfilter(SamplerState.FT_linear)
        self.angle_card = panel(self.angle_np, -1, 1, -1, 1, (1, 1, 1, 1))
        self.angle_card.setTexture(self.angle_tex)
        self.angle_card.setTexScale(TextureStage.getDefault(), 1, -1)  # top row first
        self.angle_card.setTexOffset(TextureStage.getDefault(), 0, 1)
        self.angle_label = _text(self.angle_np, 0, 0.88, 0.06, AMBER, TextNode.A_center)
        self.angle_label.np.setBin("fixed", 61)
        self.angle_np.hide()
        self.player = None
        self._playing: tuple | None = None  # (question, view) being played
        self._size: tuple[int, int] | None = None

    def _show_angle(self, view: RoomView) -> bool:
        """Play the question's moment from the alternate view shown; False when none."""
        views = self.pack.scenario.segments[view.segment].views if self.pack else ()
        if not view.angle or view.angle > len(views):
            self.angle_np.hide()
            return False
        from engine.video import VideoPlayer

        seg = self.pack.scenario.segments[view.segment]
        alt = views[view.angle - 1]
        start = max(seg.in_s, view.media_t_s - ANGLE_LEAD_S)
        t = min(start + view.angle_s, view.media_t_s + ANGLE_TAIL_S)
        if self.player is None:
            self.player = VideoPlayer(self.pack.clip_path, block=self.block)
        key = (view.number, view.angle)
        if self._playing != key:
            self._playing = key
            self.player.play(alt.clip, start - seg.in_s + alt.in_s)
            self.angle_label.set(alt.label)
        frame = self.player.frame_at(t - seg.in_s + alt.in_s)
        if frame is not None:
            img = frame[1]
            h, w = img.shape[:2]
            if self._size != (w, h):
                self._size = (w, h)
                self.angle_tex.setup2dTexture(w, h, Texture.T_unsigned_byte, Texture.F_rgb8)
                half_h = 0.8
                self.angle_card.setScale(min(half_h * w / h, self.aspect), 1, half_h)
                self.angle_card.setZ(-0.02)
            self.angle_tex.setRamImage(np.ascontiguousarray(img))
        self.angle_np.show()
        return True

    def close(self) -> None:
        if self.player is not None:
            self.player.close()

    # -- each frame --------------------------------------------------------------------

    def update(self, view: RoomView) -> None:
        if view == self._last:
            return
        self._last = view
        if view.phase == "idle":
            self.outer.hide()
            return
        self.outer.show()
        if self._show_angle(view):
            self.root.hide()
            self.hint.set("W: the next angle (back to the result after the last)")
            return
        self.root.show()
        self.prompt.set(view.prompt)
        total = sum(view.counts)
        closed = view.phase == "closed"
        votes = f"{total} vote{'s' if total != 1 else ''}"
        if closed:
            chose = view.room_choice
            self.status.set(
                f"The room chose: {chose}  ({votes})" if chose else f"No majority ({votes})"
            )
        else:
            self.status.set(f"Vote now: {votes} so far, {view.left_s:.0f} s left")
        top = max(view.counts, default=0)
        for i, row in enumerate(self.row_nps):
            row.setZ(row_y(i, len(view.labels)))
        for i, (key, label, bg, bar, count) in enumerate(self.rows):
            if i >= len(view.labels):
                for part in (key.np, label.np, bg, bar, count.np):
                    part.hide()
                continue
            for part in (key.np, label.np, bg, count.np):
                part.show()
            key.set(str(i + 1))
            label.set(view.labels[i])
            n = view.counts[i] if i < len(view.counts) else 0
            if closed:  # counts only once the vote is closed: no herding while it is open
                pct = round(100 * n / total) if total else 0
                count.set(f"{n}  ({pct}%)")
                width = (self.bar_x1 - self.bar_x0) * (n / top if top else 0)
                bar.setSx(max(width, 1e-4))
                bar.show() if n else bar.hide()
            else:
                count.set("")
                bar.hide()
        self._show_panel(view)

    def _show_panel(self, view: RoomView) -> None:
        closed = view.phase == "closed"
        pages = self.pages(view.segment) if closed and view.reveal else []
        if pages:
            page = pages[min(view.reveal, len(pages)) - 1]
            self.panel_title.set(page.title)
            self.panel.set("\n\n".join("- " + line for line in page.lines))
            more = view.reveal < len(pages)
            hint = (
                HINT_CLOSED.replace("reveal what the training says", "next panel")
                if more
                else HINT_CLOSED.split("   ", 1)[1]
            )
        else:
            self.panel_title.set("")
            self.panel.set("")
            hint = HINT_CLOSED if closed else HINT_OPEN
        has_views = self.pack is not None and self.pack.scenario.segments[view.segment].views
        self.hint.set((HINT_ANGLE if closed and has_views else "") + hint)
        showing_qr = not closed or not pages
        for part in (self.qr_card, self.url.np):
            if part is not None:
                part.show() if showing_qr else part.hide()


def attach(
    app, view: Callable[[], RoomView], url: str, pages: Callable[[str], list]
) -> CommunityOverlay:
    """Draw the community overlay on `app`'s trainee view (engine.app.SightlineApp) each
    frame, and bind the facilitator's keys when the run is interactive."""
    import segno

    from drivers.input_queue import host_now_s
    from sim.events import Angle, CloseVote, Continue, Reveal

    qr = segno.make(url, error="m").matrix if url else None
    pack = app.session.pack
    overlay = CommunityOverlay(
        app.base.render2d, app.screen_aspect, url, qr, pages, pack, app.cfg.offscreen
    )

    def task(t):
        overlay.update(view())
        return t.cont

    app.base.taskMgr.add(task, "sightline-community", sort=SORT_COMMUNITY)
    if app.cfg.interactive and not app.cfg.offscreen:
        made = {"x": CloseVote, "n": Reveal, "p": Continue}
        for key, cls in made.items():
            app.base.accept(key, lambda c=cls: app.session.inputs.put(c(0.0), host_now_s()))

        def next_angle() -> None:
            v = view()
            n = len(pack.scenario.segments[v.segment].views) if v.segment else 0
            nxt = (v.angle + 1) % (n + 1)
            app.session.inputs.put(Angle(0.0, nxt), host_now_s())

        app.base.accept("w", next_angle)
    return overlay
