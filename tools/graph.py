"""`sightline graph PACK -o FILE.svg|.png`: the branch graph of a pack, laid out by Graphviz.

Segments are boxes, each transition an arrow labelled with its trigger and coloured by
its kind (sim.triggers: `colour`, `graph_label()`). The start has a green outline;
unreachable segments a dashed red one. A segment is marked by what happens when its clip
ends: a plain ending (no way on) is filled dark red; a segment that is an ending but also
has transitions out (the demo's "draw": a hit leads on, otherwise the scenario ends) is
outlined dark red and says "ends unless a branch fires"; loops say so.

Graphviz's `dot` (the Debian package graphviz) does the layout and draws both formats,
driven through the `graphviz` Python package (which writes DOT and runs `dot`, nothing
more). Edges run left to right by rank, with few crossings, which a hand layout did not
manage on the demo pack. Must not import tools.cli.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from content.pack import Pack
from sim.errors import UserError

INSTALL_DOT = "apt-get install graphviz (Debian, Ubuntu), or see https://graphviz.org/download/"
PNG_DPI = 144
ENDING = "#781414"  # dark red: the scenario ends here
START = "#149628"
UNREACHABLE = "#c80000"


@dataclass
class Node:
    id: str
    lines: list[str]  # the id, then its times and what happens at its end
    start: bool
    ending: bool  # the scenario can end here (`ending = true`)
    exits: int  # transitions out
    reachable: bool

    @property
    def plain_ending(self) -> bool:
        """An ending with no way on: the scenario always ends here."""
        return self.ending and not self.exits


@dataclass
class Edge:
    src: str
    dst: str
    label: str
    colour: tuple[int, int, int]  # RGB, the trigger kind's own (sim.triggers)


def _end_note(seg) -> str:
    """What happens at the clip's end, said truthfully."""
    if seg.ending:
        return "(ending)" if not seg.transitions else "(ends unless a branch fires)"
    return "(loop)" if seg.loop else ""


def layout(pack: Pack) -> tuple[dict[str, Node], list[Edge], str]:
    """The graph to draw: nodes, edges and the title (Graphviz places them)."""
    sc = pack.scenario
    reach = sc.reachable()
    nodes = {}
    for seg_id, seg in sc.segments.items():
        times = f"{seg.in_s:g}-{seg.out_s:g} s" if seg.out_s != float("inf") else "clip missing"
        note = _end_note(seg)
        nodes[seg_id] = Node(
            seg_id,
            [
                seg_id,
                times,
                *([note] if note else []),
                *([] if seg_id in reach else ["(unreachable)"]),
            ],
            seg_id == sc.start,
            seg.ending,
            len(seg.transitions),
            seg_id in reach,
        )
    edges = [
        Edge(seg.id, tr.to, tr.trigger.graph_label(), tr.trigger.colour)
        for seg in sc.segments.values()
        for tr in seg.transitions
    ]
    return nodes, edges, pack.title


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def to_dot(pack: Pack):
    """The graph as a graphviz.Digraph (its `.source` is the DOT text)."""
    try:
        import graphviz
    except ImportError:
        raise UserError(
            "the branch graph needs the graphviz Python package: pip install graphviz"
        ) from None
    nodes, edges, title = layout(pack)
    g = graphviz.Digraph("branches")
    g.attr(
        rankdir="LR",
        label=title,
        labelloc="t",
        fontname="sans-serif",
        fontsize="18",
        nodesep="0.35",
        ranksep="0.9",
        bgcolor="white",
        pad="0.3",
    )
    g.attr("node", shape="box", style="rounded,filled", fontname="sans-serif", fontsize="12")
    g.attr("edge", fontname="sans-serif", fontsize="11", penwidth="1.6", arrowsize="0.8")
    for n in nodes.values():
        attrs = {"fillcolor": "#f5f5f5", "color": "#3c3c3c", "penwidth": "1.2"}
        if n.plain_ending:
            attrs.update(fillcolor=ENDING, fontcolor="white", color=ENDING)
        elif n.ending:
            attrs.update(fillcolor="#f7e3e3", color=ENDING, penwidth="2.5")
        if n.start:
            attrs.update(color=START, penwidth="3")
        if not n.reachable:
            attrs.update(color=UNREACHABLE, penwidth="3", style="rounded,filled,dashed")
        # Pack text is escaped (graphviz.escape: a backslash or <...> means something to
        # DOT); the lines are then joined with DOT's own centred line break.
        label = graphviz.nohtml("\\n".join(graphviz.escape(line) for line in n.lines))
        g.node(n.id, label=label, **attrs)
    for e in edges:
        colour = _hex(e.colour)
        g.edge(e.src, e.dst, label=graphviz.escape(e.label), color=colour, fontcolor=colour)
    return g


#: The longest dot may take: 300 segments of 3 key branches each ran for minutes.
DOT_TIMEOUT_S = 60


def render(pack: Pack, fmt: str) -> bytes:
    """The graph drawn by `dot` as SVG or PNG bytes; UserError naming the package when
    `dot` is missing."""
    import subprocess

    g = to_dot(pack)
    if fmt == "png":
        g.attr(dpi=str(PNG_DPI))
    try:  # dot itself, to bound its time (graphviz's pipe() has no timeout)
        proc = subprocess.run(
            ["dot", f"-T{fmt}"],
            input=g.source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_S,
        )
    except FileNotFoundError:
        raise UserError(
            f"the branch graph is drawn by Graphviz's dot, which is not installed: {INSTALL_DOT}"
        ) from None
    except subprocess.TimeoutExpired:
        raise UserError(
            f"Graphviz's dot took over {DOT_TIMEOUT_S} s to lay out {len(pack.scenario.segments)} "
            "segments: stopped (a pack this tangled is better read through `sightline lint`)"
        ) from None
    if proc.returncode != 0:
        first = proc.stderr.decode(errors="replace").strip().splitlines()[:1]
        raise UserError(f"Graphviz's dot failed: {first[0] if first else proc.returncode}")
    return proc.stdout


def write_graph(pack: Pack, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ValueError(f"{out}: graph output must end in .svg or .png")
    out.write_bytes(render(pack, suffix[1:]))
