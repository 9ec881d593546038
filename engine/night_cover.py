"""The low-light pass's geometry at night (engine/lowlight.py): a few rectangles, each
knowing the cones in it, so that a software renderer shades few triangle edges."""

from __future__ import annotations

from itertools import pairwise

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


def tile(boxes: list[tuple[int, int, int, int, int]], rows: int, cols: int) -> list[list[int]]:
    """Rectangles covering a rows x cols grid of blocks once, each of one label (the bit
    mask of the boxes over it). `boxes`: (bit, row0, row1, col0, col1), ends exclusive. The
    boxes' edges cut the grid into slabs of rows and, in each, into cells; cells of one
    label side by side merge, and a run merges with the one just above it when both span
    the same columns with the same label. [row0, row1, col0, col1, label] each."""
    row_cuts = sorted({0, rows, *(b[1] for b in boxes), *(b[2] for b in boxes)})
    col_cuts = sorted({0, cols, *(b[3] for b in boxes), *(b[4] for b in boxes)})
    out: list[list[int]] = []
    above: dict[tuple[int, int, int], int] = {}  # (col0, col1, label) -> its rectangle
    for r0, r1 in pairwise(row_cuts):
        live = [(bit, c0, c1) for bit, b0, b1, c0, c1 in boxes if b0 <= r0 and r1 <= b1]
        here: dict[tuple[int, int, int], int] = {}
        start, label = 0, None
        for c0, c1 in pairwise(col_cuts):
            cell = sum(1 << bit for bit, b0, b1 in live if b0 <= c0 and c1 <= b1)
            if cell != label:
                if label is not None:
                    here[(start, c0, label)] = 0
                start, label = c0, cell
        here[(start, cols, label)] = 0
        for run in here:
            k = above.get(run)
            if k is None:
                out.append([r0, r1, run[0], run[1], run[2]])
                k = len(out) - 1
            else:
                out[k][1] = r1
            here[run] = k
        above = here
    return out


class NightCover:
    """The card's geometry at night: a few rectangles, each knowing the cones in it. The
    card is cut into blocks of about `block` pixels; each block is labelled with the cones
    whose box (the square around the cone's circle) overlaps it, and the blocks of one
    label are merged into rectangles (`tile`, from the boxes' edges). Where no cone's box
    falls the light is the muzzle flash alone ("dark", drawn with uniform weights); a cone
    alone in its box is part 1, two overlapping part 2, three or more part 0 (the full sum
    per pixel). With
    boxes, not circles, a cone is one rectangle and the dark a few more (four cones: 15
    rectangles, 30 triangles, against 1,524 triangles for the per-vertex grid this
    replaced, whose cells' and strips' edges cost llvmpipe more than the per-pixel light).
    Rebuilt when a beam, the card's scale or the view's aspect moves: 0.27 ms a frame for
    one moving beam, 0.39 for four (the grid's rebuild: 0.16 and 0.25)."""

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

    def boxes(self, lights, aspect: float, sx: float, sz: float) -> list[tuple]:
        """Each light's box in blocks: (light, row0, row1, col0, col1), rows from the top,
        ends exclusive: the blocks that the square around its circle overlaps. A light
        without radius or intensity lights nothing, and has none."""
        lit = [(i, lt) for i, lt in enumerate(lights) if lt[2] > 0 and lt[3] > 0]
        if not lit:
            return []
        x, y, r = (np.array([float(lt[k]) for _, lt in lit])[:, None] for k in range(3))
        r = r * (1.0 + 1e-3)
        px = 0.5 + 0.5 * self._x * sx  # block edges on the view, normalized as the lights
        py = 0.5 - 0.5 * self._z * sz
        # each light's distance to each block's nearest point, across and down
        cols = np.abs(np.clip(x, px[:-1], px[1:]) - x) * aspect < r
        rows = np.abs(np.clip(y, py[:-1], py[1:]) - y) < r
        out = []
        for k, (i, _) in enumerate(lit):
            if rows[k].any() and cols[k].any():
                r0, c0 = int(rows[k].argmax()), int(cols[k].argmax())
                r1 = len(rows[k]) - int(rows[k][::-1].argmax())
                c1 = len(cols[k]) - int(cols[k][::-1].argmax())
                out.append((i, r0, r1, c0, c1))
        return out

    def labels(self, lights, aspect: float, sx: float, sz: float) -> np.ndarray:
        """Each block's cones as a bit mask (bit i: light i's box overlaps it)."""
        label = np.zeros(self._shape, np.int64)
        for i, r0, r1, c0, c1 in self.boxes(lights, aspect, sx, sz):
            label[r0:r1, c0:c1] |= 1 << i
        return label

    def _build(self, parts: dict[str | int, tuple[list, list]]) -> None:
        """Two triangles a rectangle, four vertices of its own (`slots` differ), in one
        vertex table the parts share, each part indexing its own rectangles."""
        rects = [r for part in parts.values() for r in part[0]]
        slots = [s for part in parts.values() for s in part[1]]
        for node in self.parts.values():
            node.node().removeAllGeoms()
        self.rectangles = {part: len(p[0]) for part, p in parts.items()}
        if not rects:
            return
        j0, j1, i0, i1 = np.asarray(rects, np.intp)[:, :4].T
        n = len(j0)
        x0, x1, z0, z1 = self._x[i0], self._x[i1], self._z[j0], self._z[j1]
        v = np.empty((n, 4, 7), np.float32)  # x, y, z, u, v, slot, slot
        v[:, :, 0] = np.stack([x0, x1, x0, x1], axis=1)
        v[:, :, 1] = 0.0
        v[:, :, 2] = np.stack([z0, z0, z1, z1], axis=1)
        v[:, :, 3:5] = 0.5 * (v[:, :, [0, 2]] + 1.0)
        v[:, :, 5:7] = np.asarray(slots, np.float32)[:, None, :]
        vdata = GeomVertexData("night-cover", self._format, Geom.UH_dynamic)
        vdata.uncleanSetNumRows(4 * n)
        np.frombuffer(memoryview(vdata.modifyArray(0)), np.float32)[:] = v.ravel()
        first = 0
        for part, count in self.rectangles.items():
            if not count:
                continue
            quad = np.arange(first, first + count, dtype=np.uint16)[:, None] * 4
            idx = (quad + np.uint16([0, 2, 3, 0, 3, 1])).ravel()
            first += count
            prim = GeomTriangles(Geom.UH_dynamic)
            prim.setIndexType(GeomEnums.NT_uint16)
            rows = prim.modifyVertices()
            rows.uncleanSetNumRows(len(idx))
            np.frombuffer(memoryview(rows), np.uint16)[:] = idx
            geom = Geom(vdata)
            geom.addPrimitive(prim)
            self.parts[part].node().addGeom(geom)

    def update(self, lights, aspect: float, sx: float, sz: float) -> None:
        """`lights`: (x, y, radius, intensity) in the view's normalized coordinates (origin
        top-left, radius in heights); `aspect`: the view's width / height; sx, sz: the
        card's scale in the view (-1..1 both ways)."""
        key = (tuple(tuple(round(float(v), 5) for v in lt) for lt in lights), aspect, sx, sz)
        if key == self._key:
            return
        self._key = key
        parts: dict[str | int, tuple[list, list]] = {c: ([], []) for c in self.parts}
        for rect in tile(self.boxes(lights, aspect, sx, sz), *self._shape):
            cones = [i for i in range(len(lights)) if rect[4] >> i & 1]
            part = "dark" if not cones else (len(cones) if len(cones) <= 2 else 0)
            parts[part][0].append(rect)
            parts[part][1].append(tuple([*cones, -1, -1][:2]) if part in (1, 2) else (-1, -1))
        self._build(parts)
