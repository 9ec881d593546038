"""A course of fire on screen: the targets and stage instructions the trainee sees, and the
instructor's shot timer, stage score and stage keys.

The sim runs a course as a compiled scenario graph (sim/course.py); this module only
presents it. Each frame it draws the current stage's targets where sim.course_model says
they are at the presented media time (the same geometry the hit test uses), the
instructions while a stage is getting ready, and the course result at the end. On the
instructor's station it shows the stage, its clock, the shot timer (first shot, splits,
total) and the scores from sim.course_scoring.live_status. `[` repeats the stage (from its
instructions) and `]` skips to the next, as instructor jumps (recorded, so a replay
repeats them).

Attached by engine/app.py when the pack is a course (`attach`). Draws in the trainee
view's 2D space (x, y normalized screen -> 2x-1, 1-2y), like the shot markers.
"""

from __future__ import annotations

import logging

import numpy as np
from panda3d.core import (
    Filename,
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexData,
    GeomVertexFormat,
    GeomVertexWriter,
    LineSegs,
    NodePath,
    TextNode,
    TransparencyAttrib,
)

from sim.course_model import END_SEGMENT, READY, Course, Target
from sim.course_scoring import live_status
from sim.events import JumpTo

log = logging.getLogger(__name__)

SORT_COURSE = 45  # after the present task (40), before Panda3D renders (50)
PAPER = (0.86, 0.82, 0.7, 1)
STEEL = (0.78, 0.79, 0.82, 1)
NO_SHOOT = (0.95, 0.5, 0.12, 1)
INK = (0.15, 0.15, 0.17, 1)
KEYS_HELP = "[  repeat stage      ]  skip stage"


def _fan(name: str, outline: np.ndarray, colour) -> NodePath:
    """A filled polygon (a fan from its centroid: the bundled shapes are star-shaped from
    it) in target units, y down, drawn at x right, z up."""
    vdata = GeomVertexData(name, GeomVertexFormat.getV3(), Geom.UH_static)
    w = GeomVertexWriter(vdata, "vertex")
    cx, cy = outline.mean(axis=0)
    w.addData3(cx, 0, -cy)
    for x, y in outline:
        w.addData3(x, 0, -y)
    tris = GeomTriangles(Geom.UH_static)
    n = len(outline)
    for i in range(n):
        tris.addVertices(0, 1 + i, 1 + (i + 1) % n)
    geom = Geom(vdata)
    geom.addPrimitive(tris)
    node = GeomNode(name)
    node.addGeom(geom)
    np_ = NodePath(node)
    np_.setColor(*colour)
    np_.setTwoSided(True)
    return np_


def _outline(outline: np.ndarray) -> NodePath:
    ls = LineSegs("outline")
    ls.setThickness(1.5)
    ls.setColor(*INK)
    x, y = outline[-1]
    ls.moveTo(x, 0, -y)
    for x, y in outline:
        ls.drawTo(x, 0, -y)
    return NodePath(ls.create())


def _shade(colour, k: float):
    return (colour[0] * k, colour[1] * k, colour[2] * k, 1)


class _TargetNode:
    def __init__(self, parent: NodePath, target: Target, picture) -> None:
        """`picture(path)`: the texture of a picture in the course, or None."""
        self.target = target
        self.np = parent.attachNewNode(f"target-{target.name}")
        base = NO_SHOOT if not target.shoot else STEEL if target.shape == "plate" else PAPER
        tex = picture(target.image) if target.image is not None else None
        if tex is not None:
            from panda3d.core import CardMaker

            ratio = tex.getOrigFileXSize() / max(1, tex.getOrigFileYSize())
            cm = CardMaker("image")
            cm.setFrame(-ratio / 2, ratio / 2, -0.5, 0.5)
            card = self.np.attachNewNode(cm.generate())
            card.setTexture(tex)
            card.setTransparency(TransparencyAttrib.M_alpha)
            return
        # the broadest zone at the back, the best on top; each outlined, as a printed target
        zones = list(target.zones)
        for depth, zone in enumerate(reversed(zones)):
            pts = zone.outline()
            k = 1.0 - 0.08 * (len(zones) - 1 - depth) if target.shoot else 1.0
            _fan(zone.name, pts, _shade(base, k)).reparentTo(self.np)
            _outline(pts).reparentTo(self.np)
        if not target.shoot:
            label = TextNode("no-shoot")
            label.setText("NO")
            label.setAlign(TextNode.A_center)
            label.setTextColor(*INK)
            t = self.np.attachNewNode(label)
            t.setScale(0.25)
            t.setPos(0, 0, -0.08)

    def place(self, t_s: float, aspect: float) -> None:
        tg = self.target
        face = tg.face(t_s)
        if face <= 0.01:
            self.np.hide()
            return
        self.np.show()
        x, y = tg.position(t_s)
        self.np.setPos(2 * x - 1, 0, 1 - 2 * y)
        # target units are fractions of its height; render2d spans 2 units each way
        self.np.setScale(2 * tg.height / aspect * face, 1, 2 * tg.height)


class CourseView:
    def __init__(self, app) -> None:
        self.app = app
        pack = app.session.pack
        self.course: Course = pack.course
        self.root_dir = pack.root
        self.aspect = app.screen_aspect
        self.layer = app.view.root.attachNewNode("course")
        self.layer.setBin("fixed", 5)  # over the video, under the shot markers (10)
        self.layer.setDepthTest(False)
        self.layer.setDepthWrite(False)
        self.targets: list[_TargetNode] = []
        self._stage_id: str | None = None
        self.text = self._text(self.layer, 0.065, 0, 0.35, wrap=24)
        self.banner = self._text(self.layer, 0.05, 0, 0.86, wrap=40)
        self._picture: tuple[str, NodePath] | None = None  # a stage's instruction picture
        self.inst = None
        iv = app.instructor_view
        if iv is not None:
            self.inst = self._text(iv.root, 0.042, iv.col, 0.55, TextNode.A_left, wrap=32)
            self.inst.node().setTextColor(1.0, 0.85, 0.45, 1)
        for prefix in ("", "inst-"):
            app.base.accept(prefix + "[", self.repeat)
            app.base.accept(prefix + "]", self.skip)
        app.base.taskMgr.add(self._task, "sightline-course", sort=SORT_COURSE)

    @staticmethod
    def _text(parent, scale, x, y, align=TextNode.A_center, wrap=None) -> NodePath:
        node = TextNode("course-text")
        node.setAlign(align)
        node.setTextColor(1, 1, 1, 1)
        node.setShadow(0.05, 0.05)
        node.setShadowColor(0, 0, 0, 1)
        if wrap:
            node.setWordwrap(wrap)
        np_ = parent.attachNewNode(node)
        np_.setScale(scale)
        np_.setPos(x, 0, y)
        return np_

    # -- the instructor's keys ---------------------------------------------------------

    def _stage_now(self):
        c = self.app.console
        if c.note is not None or c.score is not None:
            return None  # typing a note or a comment: the key is text
        return self.course.stage(self.app.session.state.segment)

    def _put(self, event) -> None:
        """Stamped by the session's clock (the host's in a window, the frame clock of a
        headless run), so the jump lands when the key was pressed."""
        self.app.session.inputs.put(event, self.app.clock())

    def repeat(self) -> None:
        stage = self._stage_now()
        if stage is not None:
            self._put(JumpTo(0.0, stage.id + READY))
            self.app.console.message = f"repeat stage {stage.title}"

    def skip(self) -> None:
        stage = self._stage_now()
        if stage is None:
            return
        i = self.course.stages.index(stage)
        nxt = (
            self.course.stages[i + 1].id + READY if i + 1 < len(self.course.stages) else END_SEGMENT
        )
        self._put(JumpTo(0.0, nxt))
        self.app.console.message = f"skip stage {stage.title}"

    # -- per frame ---------------------------------------------------------------------

    def _set_stage(self, stage_id: str | None) -> None:
        if stage_id == self._stage_id:
            return
        for t in self.targets:
            t.np.removeNode()
        self.targets = []
        self._stage_id = stage_id
        stage = self.course.stage(stage_id) if stage_id else None
        if stage is not None:
            self.targets = [
                _TargetNode(self.layer, t, self._picture_texture) for t in stage.targets
            ]

    def _task(self, task):
        out = self.app.last
        if out is not None:
            self.present(out.state, out.media_t_s)
        return task.cont

    def present(self, st, media_t_s: float) -> None:
        seg = st.segment
        live = live_status(self.course, self.app.session.log(), seg, media_t_s)
        stage = self.course.stage(seg)
        ready = seg.endswith(READY)
        self._set_stage(stage.id if stage is not None and not ready else None)
        for t in self.targets:
            t.place(media_t_s, self.aspect)
        result = live["result"]
        if seg == END_SEGMENT or st.ended:
            verdict = "PASS" if result["pass"] else "FAIL"
            self.text.node().setText(
                f"Course complete\n{result['score']} / {result['max']}  "
                f"({result['percent']:g} %)  {verdict}"
            )
            self.banner.node().setText("")
        elif ready and stage is not None:
            self._show_picture(stage)
            n = self.course.stages.index(stage) + 1
            self.text.node().setText(
                f"Stage {n} of {len(self.course.stages)}: {stage.title}\n\n{stage.instructions}"
                f"\n\nReady... {max(0.0, stage.ready_s - media_t_s):.0f}"
            )
            self.banner.node().setText("")
        else:
            self.text.node().setText("")
            self.banner.node().setText(stage.title if stage is not None else "")
        if not ready and self._picture is not None:
            self._picture[1].removeNode()
            self._picture = None
        if self.inst is not None:
            self.inst.node().setText(self.instructor_text(live, st.paused))

    def _picture_texture(self, rel: str):
        """A picture of the course as a texture; None, with a warning, when it does not
        load (checked when the course was loaded, but the file may have changed since):
        the course goes on without it."""
        loader = getattr(self.app.base, "loader", None)
        if loader is None:
            return None
        try:
            return loader.loadTexture(Filename.fromOsSpecific(str(self.root_dir / rel)))
        except OSError:  # "Could not load texture: <path>"
            msg = f"{self.root_dir / rel}: cannot show this picture (it does not load)"
            warnings = self.app.session.player.warnings
            if msg not in warnings:
                log.warning("%s", msg)
                warnings.append(msg)
            return None

    def _show_picture(self, stage) -> None:
        """The stage's instruction picture under its text, while it gets ready."""
        if self._picture is not None and self._picture[0] == stage.id:
            return
        if self._picture is not None:
            self._picture[1].removeNode()
            self._picture = None
        tex = self._picture_texture(stage.image) if stage.image is not None else None
        if tex is None:
            return
        from panda3d.core import CardMaker

        ratio = tex.getOrigFileXSize() / max(1, tex.getOrigFileYSize())
        h = 0.55  # of render2d's 2 units: about a quarter of the screen's height
        w = h * ratio / self.aspect
        cm = CardMaker("instruction-picture")
        cm.setFrame(-w / 2, w / 2, -0.95, -0.95 + h)
        card = self.layer.attachNewNode(cm.generate())
        card.setTexture(tex)
        card.setTransparency(TransparencyAttrib.M_alpha)
        self._picture = (stage.id, card)

    def instructor_text(self, live: dict, paused: bool) -> str:
        result = live["result"]
        total = (
            f"Course {result['score']}/{result['max']} ({result['percent']:g} %), "
            f"pass at {self.course.pass_percent:g} %"
        )
        if live["stage"] is None:
            verdict = "PASS" if result["pass"] else "FAIL"
            return f"COURSE  {self.course.title}\n{total}: {verdict}"
        r = live["stage_result"]
        phase = "READY" if live["ready"] else "LIVE"
        par = f"  par {r['par_s']:g} s" if r["par_s"] is not None else ""
        lines = [
            f"COURSE  stage {live['index'] + 1}/{live['count']}: {live['title']}",
            f"{phase}{' (paused)' if paused else ''}  {live['left_s']:4.1f} s left{par}",
        ]
        if r["first_shot_s"] is not None:
            splits = " ".join(f"{s:.2f}" for s in r["splits_s"][-6:])
            lines.append(
                f"Shots {r['shots']}: first {r['first_shot_s']:.2f} s, total {r['total_s']:.2f} s"
            )
            lines.append(f"Splits {splits}" if splits else "Splits -")
        else:
            lines += ["Shots 0: first -, total -", "Splits -"]
        hits = ", ".join(f"{k} {v}" for k, v in r["hits"].items()) or "no hits"
        lines.append(f"Stage {r['score']}/{r['max']} ({r['percent']:g} %): {hits}")
        lines.append(total)
        lines.append(KEYS_HELP)
        return "\n".join(lines)


def attach(app) -> CourseView | None:
    """The course overlay, when the app runs a course (engine/app.py calls this)."""
    if getattr(app.session.pack, "course", None) is None:
        return None
    return CourseView(app)
