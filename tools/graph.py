"""`sightline graph PACK -o FILE.svg|.png`: the branch graph of a pack.

Segments are boxes laid out left to right by their distance from the start (unreachable
ones in a last column, outlined in red); each transition is an arrow labelled with its
trigger, coloured by kind (instructor keys blue, automatic grey, shots red, coded actions
green). The start has a green outline; endings are filled dark red. The layout is computed
once and drawn either as SVG (text) or PNG (OpenCV).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from content.pack import Pack

NODE_W, NODE_H, COL_W, ROW_GAP, MARGIN, PORT = 190, 64, 370, 30, 40, 18
LABEL_CHARS = 27


@dataclass
class Node:
    id: str
    x: float
    y: float
    h: float
    lines: list[str]
    start: bool
    ending: bool
    reachable: bool


@dataclass
class Edge:
    src: str
    dst: str
    label: str
    colour: tuple[int, int, int]  # RGB, the trigger kind's own (sim.triggers)


def _ranks(sc) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Longest-path layers over the graph without its back edges (found by DFS from the
    start), so that every forward transition points right."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = done
    order: list[str] = []

    def dfs(u: str) -> None:
        state[u] = 1
        for v in sc.segments[u].successors():
            if state.get(v) == 1:
                back.add((u, v))
            elif v not in state:
                dfs(v)
        state[u] = 2
        order.append(u)

    dfs(sc.start)
    for seg_id in sc.segments:  # unreachable parts, after everything else
        if seg_id not in state:
            dfs(seg_id)
    rank = dict.fromkeys(sc.segments, 0)
    for u in reversed(order):  # topological order of the forward graph
        for v in sc.segments[u].successors():
            if (u, v) not in back and u != v:
                rank[v] = max(rank[v], rank[u] + 1)
    return rank, back


def layout(pack: Pack) -> tuple[dict[str, Node], list[Edge], tuple[int, int]]:
    sc = pack.scenario
    reach = sc.reachable()
    rank, _ = _ranks(sc)
    if any(s not in reach for s in sc.segments):
        last = max(rank[s] for s in reach) + 1
        for s in sc.segments:
            if s not in reach:
                rank[s] = max(rank[s], last)
    columns: dict[int, list[str]] = {}
    for seg_id in sc.segments:
        columns.setdefault(rank[seg_id], []).append(seg_id)
    nodes = {}
    height = 0.0
    for r, ids in sorted(columns.items()):
        y = MARGIN + 20
        for seg_id in ids:
            seg = sc.segments[seg_id]
            h = max(NODE_H, PORT * (len(seg.transitions) + 1))
            flags = [f for f, on in (("loop", seg.loop), ("ending", seg.ending)) if on]
            detail = f"{seg.in_s:g}-{seg.out_s:g} s" + (f" ({', '.join(flags)})" if flags else "")
            nodes[seg_id] = Node(
                seg_id,
                MARGIN + r * COL_W,
                y,
                h,
                [seg_id, detail],
                seg_id == sc.start,
                seg.ending,
                seg_id in reach,
            )
            y += h + ROW_GAP
        height = max(height, y)
    edges = [
        Edge(seg.id, tr.to, _label(tr.trigger), tr.trigger.colour)
        for seg in sc.segments.values()
        for tr in seg.transitions
    ]
    n_back = sum(1 for e in edges if nodes[e.dst].x <= nodes[e.src].x and e.src != e.dst)
    width = MARGIN * 2 + max(rank.values()) * COL_W + NODE_W + 40
    return nodes, edges, (int(width), int(height + MARGIN + 14 * n_back))


def _label(trigger) -> str:
    text = trigger.graph_label()
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "~"


def _bezier(c: list[tuple[float, float]]) -> list[tuple[float, float]]:
    t = np.linspace(0, 1, 24)[:, None]
    p = [np.array(q) for q in c]
    curve = (
        (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]
    )
    return [tuple(map(float, q)) for q in curve]


def _routes(nodes: dict[str, Node], edges: list[Edge], height: float):
    """Each edge leaves its own port on the right of its source (ports ordered by target
    height), with its label just above the port; forward edges curve into the target's
    left side, backward ones run along a lane under the diagram."""
    by_src: dict[str, list[Edge]] = {}
    for e in edges:
        by_src.setdefault(e.src, []).append(e)
    lane = long_lane = 0
    for src, out in by_src.items():
        a = nodes[src]
        out = sorted(out, key=lambda e: nodes[e.dst].y)
        for i, e in enumerate(out):
            b = nodes[e.dst]
            px, py = a.x + NODE_W, a.y + PORT * (i + 1)
            if b is a:
                pts = _bezier(
                    [(px, py), (px + 60, py - 30), (px + 60, a.y - 20), (a.x + NODE_W * 0.75, a.y)]
                )
            elif b.x > a.x + COL_W:  # skips columns: run under the boxes in between
                between = [n.y + n.h for n in nodes.values() if a.x < n.x < b.x]
                ly = max(between) + 14 + 12 * long_lane
                long_lane += 1
                tx, ty = b.x, b.y + b.h / 2
                down = _bezier([(px + 150, py), (px + 200, py), (px + 180, ly), (px + 240, ly)])
                up = _bezier([(tx - 150, ly), (tx - 90, ly), (tx - 70, ty), (tx, ty)])
                pts = [(px, py), *down, *up]
            elif b.x > a.x:
                tx, ty = b.x, b.y + b.h / 2
                curve = _bezier([(px + 150, py), (px + 220, py), (tx - 70, ty), (tx, ty)])
                pts = [(px, py), *curve]
            else:
                ly = height - MARGIN + 14 * lane
                lane += 1
                gx = b.x - 24
                pts = [
                    (px, py),
                    (px + 150, py),
                    (px + 170, py),
                    (px + 170, ly),
                    (gx, ly),
                    (gx, b.y + b.h / 2),
                    (b.x, b.y + b.h / 2),
                ]
            yield e, pts, (px + 6, py - 4)


def to_svg(pack: Pack) -> str:
    nodes, edges, (w, h) = layout(pack)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<text x="{MARGIN}" y="24" font-size="15" font-weight="bold">'
        f"{html.escape(pack.title)}</text>",
    ]
    for e, pts, (lx, ly) in _routes(nodes, edges, h):
        colour = "rgb({},{},{})".format(*e.colour)
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.6" '
            f'marker-end="url(#arrow)"/>'
        )
        out.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" fill="{colour}" '
            f'paint-order="stroke" stroke="white" stroke-width="3">'
            f"{html.escape(e.label)}</text>"
        )
    for n in nodes.values():
        fill = "rgb(120,20,20)" if n.ending else "rgb(245,245,245)"
        text = "white" if n.ending else "black"
        stroke = (
            "rgb(200,0,0)" if not n.reachable else "rgb(20,150,40)" if n.start else "rgb(60,60,60)"
        )
        width = 3 if n.start or not n.reachable else 1.2
        out.append(
            f'<rect x="{n.x}" y="{n.y}" width="{NODE_W}" height="{n.h}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>'
        )
        for i, line in enumerate(n.lines):
            weight = ' font-weight="bold" font-size="14"' if i == 0 else ""
            out.append(
                f'<text x="{n.x + NODE_W / 2}" y="{n.y + n.h / 2 - 4 + i * 20}" '
                f'text-anchor="middle" fill="{text}"{weight}>{html.escape(line)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(pack: Pack, path: Path, scale: float = 2.0) -> None:
    nodes, edges, (w, h) = layout(pack)
    img = np.full((int(h * scale), int(w * scale), 3), 255, np.uint8)

    def p(x, y):
        return int(round(x * scale)), int(round(y * scale))

    def text(s, x, y, colour, size=0.45, bold=1, centre=True, halo=False):
        font = cv2.FONT_HERSHEY_SIMPLEX
        (tw, _), _ = cv2.getTextSize(s, font, size * scale, bold)
        org = (int(x * scale - (tw / 2 if centre else 0)), int(y * scale))
        if halo:
            cv2.putText(img, s, org, font, size * scale, (255, 255, 255), bold + 4, cv2.LINE_AA)
        cv2.putText(img, s, org, font, size * scale, colour, bold, cv2.LINE_AA)

    text(pack.title, MARGIN, 24, (0, 0, 0), 0.6, 2, centre=False)
    labels = []
    for e, pts, (lx, ly) in _routes(nodes, edges, h):
        colour = e.colour[::-1]
        poly = np.array([p(x, y) for x, y in pts], np.int32)
        cv2.polylines(img, [poly], False, colour, max(1, int(1.6 * scale)), cv2.LINE_AA)
        tip, before = np.array(pts[-1]), np.array(pts[-2])
        d = (tip - before) / (np.linalg.norm(tip - before) + 1e-9)
        side = np.array([-d[1], d[0]])
        head = [tip, tip - 9 * d + 4.5 * side, tip - 9 * d - 4.5 * side]
        cv2.fillConvexPoly(img, np.array([p(*q) for q in head], np.int32), colour, cv2.LINE_AA)
        labels.append((e.label, lx, ly, colour))
    for n in nodes.values():
        fill = (20, 20, 120) if n.ending else (245, 245, 245)
        stroke = (0, 0, 200) if not n.reachable else (40, 150, 20) if n.start else (60, 60, 60)
        cv2.rectangle(img, p(n.x, n.y), p(n.x + NODE_W, n.y + n.h), fill, -1, cv2.LINE_AA)
        cv2.rectangle(
            img,
            p(n.x, n.y),
            p(n.x + NODE_W, n.y + n.h),
            stroke,
            int((3 if n.start or not n.reachable else 1.2) * scale),
            cv2.LINE_AA,
        )
        colour = (255, 255, 255) if n.ending else (0, 0, 0)
        text(n.lines[0], n.x + NODE_W / 2, n.y + n.h / 2 - 2, colour, 0.55, 2)
        text(n.lines[1], n.x + NODE_W / 2, n.y + n.h / 2 + 18, colour, 0.4, 1)
    for label, lx, ly, colour in labels:  # labels last, over the lines
        text(label, lx, ly, colour, 0.4, 1, centre=False, halo=True)
    if not cv2.imwrite(str(path), img):
        raise OSError(f"{path}: cannot write PNG")


def write_graph(pack: Pack, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(to_svg(pack), encoding="utf-8")
    elif suffix == ".png":
        to_png(pack, out)
    else:
        raise ValueError(f"{out}: graph output must end in .svg or .png")
