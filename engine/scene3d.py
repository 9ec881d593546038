"""3D overlays over the filmed scene, and the scene extensions that drive them.

The 3D scene (Panda3D's `render`, seen by a 60-degree camera at the origin looking down
+Y, Z up, metres) is drawn after the video and before the 2D markers, with its own depth
buffer, so props and targets sit over the picture and in front of one another.

Scene extensions are Python classes from installed packages, registered under the entry
point group `sightline.extensions`; a pack only names the one it wants (`[meta] extension`).
Nothing in a pack is ever executed. Hooks: on_enter(segment), on_tick(t_s), on_shot(x, y,
weapon) -> what it hit, on_exit(). Extensions present; they do not change the sim directly:
`ExtensionSink` feeds one from the session's bus, and what it reports hit goes back to the
sim as a TargetHit input, so it is recorded and a replay reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from panda3d.core import CardMaker, NodePath, PerspectiveLens, TextNode, Vec3

from sim.commands import PlayClip, ShotMarker
from sim.errors import UserError
from sim.events import TargetHit

GROUP = "sightline.extensions"
FOV_DEG = 60.0


class ExtensionError(UserError, RuntimeError):
    pass


class Scene3D:
    """What an extension may touch: the 3D root, a few spawning helpers, projection."""

    def __init__(
        self, render: NodePath, camera: NodePath, screen_aspect: float, output=None
    ) -> None:
        """`output`: the window the scene is drawn in, whose depth buffer is cleared only
        while the scene holds anything (`sync_depth_clear`)."""
        self.root = render.attachNewNode("sightline-3d")
        self.camera = camera
        self._output = output
        # render, the camera's own chain and the empty root: a scene with nothing to draw
        self._empty_nodes = (camera.getNumNodes() if render.isAncestorOf(camera) else 1) + 1
        self._clearing_depth: bool | None = None
        lens = PerspectiveLens()
        lens.setFov(FOV_DEG)
        lens.setAspectRatio(screen_aspect)
        lens.setNearFar(0.05, 500)
        camera.node().setLens(lens)
        camera.setPos(0, 0, 0)
        camera.setHpr(0, 0, 0)
        self.lens = lens
        self.sync_depth_clear()

    def spawn_plate(
        self, name: str, pos: tuple[float, float, float], size: float, colour=(0.55, 0.57, 0.6, 1)
    ) -> NodePath:
        """A square plate facing the camera, pivoting about its bottom edge."""
        pivot = self.root.attachNewNode(name)
        pivot.setPos(*pos)
        cm = CardMaker(f"{name}-face")
        cm.setFrame(-size / 2, size / 2, 0, size)
        face = pivot.attachNewNode(cm.generate())
        face.setColor(*colour)
        face.setTwoSided(True)
        return pivot

    def spawn_label(
        self, name: str, text: str, pos: tuple[float, float, float], scale: float = 0.15
    ) -> NodePath:
        node = TextNode(name)
        node.setText(text)
        node.setAlign(TextNode.A_center)
        label = self.root.attachNewNode(node)
        label.setPos(*pos)
        label.setScale(scale)
        label.setBillboardPointEye()
        return label

    def to_screen(self, point: tuple[float, float, float]) -> tuple[float, float] | None:
        """A world point to normalized trainee-screen coordinates (origin top-left)."""
        from panda3d.core import Point2, Point3

        p = self.camera.getRelativePoint(self.root.getParent(), Point3(*point))
        out = Point2()
        if not self.lens.project(p, out):
            return None
        return (out.x + 1) / 2, (1 - out.y) / 2

    def clear(self) -> None:
        self.root.getChildren().detach()

    def sync_depth_clear(self) -> None:
        """Clear the output's depth buffer (once a frame, before anything is drawn) only
        while the 3D scene holds a node beyond its camera and its empty root, wherever
        an extension put it. Nothing else in the window reads depth: the video card, the
        markers and every 2D layer draw without a depth test. On a software renderer a
        clear is a fill of the whole buffer: with ShowBase's defaults the depth clears
        were about 7 % of a 720p video frame's CPU time (perf, llvmpipe)."""
        if self._output is None:
            return
        need = self.root.getNumChildren() > 0 or (
            self.root.getTop().countNumDescendants() > self._empty_nodes
        )
        if need != self._clearing_depth:
            self._output.setClearDepthActive(need)
            self._clearing_depth = need


class SceneExtension:
    """Subclass this in your package and register it under `sightline.extensions`."""

    name = "extension"

    def __init__(self, scene: Scene3D):
        self.scene = scene

    def on_enter(self, segment: str) -> None: ...

    def on_tick(self, t_s: float) -> None: ...

    def on_shot(self, x_norm: float, y_norm: float, weapon: str, t_s: float) -> str | None:
        return None

    def on_exit(self) -> None: ...


class ExtensionSink:
    """A scene extension on the session's bus: segments entered and shots fired reach it in
    tick order; a hit it reports is handed to `report` (the live app puts it on the input
    queue; a replay passes None, since the recording already holds the hit)."""

    def __init__(self, extension: SceneExtension, report: Callable[[TargetHit], None] | None):
        self.extension, self.report = extension, report

    def on_tick(self, state, commands, events) -> None:
        for cmd in commands:
            if isinstance(cmd, PlayClip):
                self.extension.on_enter(cmd.segment)
            elif isinstance(cmd, ShotMarker):
                hit = self.extension.on_shot(cmd.x_norm, cmd.y_norm, cmd.weapon, state.t_s)
                if hit and self.report is not None:
                    self.report(TargetHit(state.t_s, hit, cmd.weapon))


def available() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_extension(name: str, scene: Scene3D) -> SceneExtension:
    ep = available().get(name)
    if ep is None:
        raise ExtensionError(
            f"the pack wants scene extension {name!r}, which is not installed "
            f"(installed: {', '.join(sorted(available())) or 'none'})"
        )
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, SceneExtension)):
        raise ExtensionError(f"entry point {name!r} is not a SceneExtension")
    return cls(scene)


__all__ = ["ExtensionError", "ExtensionSink", "Scene3D", "SceneExtension", "Vec3", "load_extension"]
