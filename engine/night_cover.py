"""The low-light pass's geometry at night (engine/lowlight.py): a few rectangles, each
knowing the cones in it, so that a software renderer shades few triangle edges."""

from __future__ import annotations

import numpy as np
from panda3d.core import (
    Geom,
    GeomEnums,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
    NodePath,
)


def _cover_format() -> GeomVertexFormat:
    arr = GeomVertexArrayFormat()
    arr.addColumn(InternalName.getVertex(), 3, GeomEnums.NT_float32, GeomEnums.C_point)
    arr.addColumn(InternalName.getTexcoord(), 2, GeomEnums.NT_float32, GeomEnums.C_texcoord)
    arr.addColumn(InternalName.make("slots"), 2, GeomEnums.NT_float32, GeomEnums.C_other)
    return GeomVertexFormat.registerFormat(GeomVertexFormat(arr))


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A cover of a (rows, columns) mask's true cells by rectangles: each row's runs, a run
    merged with the one just above it when both span the same columns. Arrays (row0, row1,
    col0, col1), the ends exclusive."""
    cy, cx = mask.shape
    m = np.zeros((cy, cx + 2), np.int8)
    m[:, 1:-1] = mask
    step = np.diff(m, axis=1)
    rows, i0 = np.nonzero(step == 1)  # row-major, so starts and ends pair up
    i1 = np.nonzero(step == -1)[1]
    j1 = rows + 1
    keep = np.ones(len(rows), bool)
    below: dict[tuple[int, int], int] = {}  # (i0, i1) -> the run reaching this row
    for k, (j, a, b) in enumerate(zip(rows.tolist(), i0.tolist(), i1.tolist(), strict=True)):
        up = below.get((a, b))
        if up is not None and j1[up] == j:
            j1[up] = j + 1
            keep[k] = False
        else:
            below[(a, b)] = k
    return rows[keep], j1[keep], i0[keep], i1[keep]


class NightCover:
    """The card's geometry at night: a few rectangles, each knowing the cones in it. The
    card is cut into blocks of about `block` pixels; each block is labelled with the cones
    whose box (the square around the cone's circle) overlaps it, and the blocks of one
    label are merged into rectangles (`runs`). Where no cone's box falls the light is the
    muzzle flash alone ("dark", drawn with uniform weights); a cone alone in its box is
    part 1, two overlapping part 2, three or more part 0 (the full sum per pixel). With
    boxes, not circles, a cone is one rectangle and the dark a few more (four cones: 15,
    against 1,524 triangles for the per-vertex grid this replaced, whose cells' and strips'
    edges cost llvmpipe more than the per-pixel light). Rebuilt when a beam, the card's
    scale or the view's aspect moves (about 0.1 ms)."""

    CLASSES = (1, 2, 0)  # the lit parts: one cone, two, any number

    def __init__(self, name: str, width: int, height: int, block: int = 20):
        nx, ny = max(1, round(width / block)), max(1, round(height / block))
        self.node = NodePath(name)
        self.parts = {
            c: self.node.attachNewNode(GeomNode(f"{name}-{c}")) for c in ("dark", *self.CLASSES)
        }
        self._shape = (ny, nx)
        self._key: tuple | None = None
        self._x = np.linspace(-1.0, 1.0, nx + 1)
        self._z = np.linspace(1.0, -1.0, ny + 1)  # row 0 at the top
        self._format = _cover_format()
        self.rectangles: dict[str | int, int] = {}  # of the last build, by part

    def labels(self, lights, aspect: float, sx: float, sz: float) -> np.ndarray:
        """Each block's cones as a bit mask (bit i: light i's box overlaps it), rows from
        the top. A light without radius or intensity lights nothing."""
        px = 0.5 + 0.5 * self._x * sx  # block edges on the view, normalized as the lights
        py = 0.5 - 0.5 * self._z * sz
        label = np.zeros(self._shape, np.int64)
        for i, (x, y, r, a) in enumerate(lights):
            if r <= 0 or a <= 0:
                continue
            r = r * (1.0 + 1e-3)
            dx = (np.clip(x, px[:-1], px[1:]) - x) * aspect  # to the block's nearest point
            dy = np.clip(y, py[:-1], py[1:]) - y
            label |= ((np.abs(dy)[:, None] < r) & (np.abs(dx)[None, :] < r)).astype(np.int64) << i
        return label

    def _geom(self, rects: list[tuple], slots: list[tuple[float, float]]) -> Geom | None:
        """Two triangles a rectangle (four vertices of its own: `slots` differ)."""
        if not rects:
            return None
        j0, j1, i0, i1 = (np.concatenate([r[k] for r in rects]) for k in range(4))
        sl = np.concatenate(
            [np.tile(np.float32(s), (len(r[0]), 1)) for r, s in zip(rects, slots, strict=True)]
        )
        n = len(j0)
        x0, x1, z0, z1 = self._x[i0], self._x[i1], self._z[j0], self._z[j1]
        v = np.zeros((n, 4, 7), np.float32)  # x, y, z, u, v, slot, slot
        for k, (xs, zs) in enumerate(((x0, z0), (x1, z0), (x0, z1), (x1, z1))):
            v[:, k, 0], v[:, k, 2] = xs, zs
            v[:, k, 3], v[:, k, 4] = 0.5 * (xs + 1), 0.5 * (zs + 1)
            v[:, k, 5:7] = sl
        vdata = GeomVertexData("night-cover", self._format, Geom.UH_dynamic)
        vdata.uncleanSetNumRows(4 * n)
        np.frombuffer(memoryview(vdata.modifyArray(0)), np.float32)[:] = v.ravel()
        idx = (np.arange(n, dtype=np.uint16)[:, None] * 4 + np.uint16([0, 2, 3, 0, 3, 1])).ravel()
        prim = GeomTriangles(Geom.UH_dynamic)
        prim.setIndexType(GeomEnums.NT_uint16)
        rows = prim.modifyVertices()
        rows.uncleanSetNumRows(len(idx))
        np.frombuffer(memoryview(rows), np.uint16)[:] = idx
        geom = Geom(vdata)
        geom.addPrimitive(prim)
        return geom

    def update(self, lights, aspect: float, sx: float, sz: float) -> None:
        """`lights`: (x, y, radius, intensity) in the view's normalized coordinates (origin
        top-left, radius in heights); `aspect`: the view's width / height; sx, sz: the
        card's scale in the view (-1..1 both ways)."""
        key = (tuple(tuple(round(float(v), 5) for v in lt) for lt in lights), aspect, sx, sz)
        if key == self._key:
            return
        self._key = key
        label = self.labels(lights, aspect, sx, sz)
        parts: dict[str | int, tuple[list, list]] = {c: ([], []) for c in self.parts}
        for value in np.unique(label).tolist():
            cones = [i for i in range(len(lights)) if value >> i & 1]
            part = "dark" if not cones else (len(cones) if len(cones) <= 2 else 0)
            slots = [*cones, -1, -1][:2] if part in (1, 2) else [-1, -1]
            parts[part][0].append(runs(label == value))
            parts[part][1].append((float(slots[0]), float(slots[1])))
        for part, (rects, slots) in parts.items():
            node = self.parts[part].node()
            node.removeAllGeoms()
            geom = self._geom(rects, slots)
            self.rectangles[part] = 0
            if geom is not None:
                node.addGeom(geom)
                self.rectangles[part] = geom.getPrimitive(0).getNumPrimitives() // 2
