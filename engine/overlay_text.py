"""Text and flat panels for the 2D overlays (the instructor station, the community room's
screen): `Label`, a TextNode that makes its glyphs again only when its text changes and can
cut each line to a width, and `panel`, a coloured card. Imports Panda3D only; the overlays
own their layout and colours."""

from __future__ import annotations

from panda3d.core import CardMaker, NodePath, TextNode, TransparencyAttrib


class Label:
    """A line (or a wrapped block) of text at (x, y) in the parent's units."""

    def __init__(
        self,
        parent: NodePath,
        x: float,
        y: float,
        scale: float,
        colour,
        align=TextNode.A_left,
        wrap: float | None = None,
        max_w: float | None = None,
        name: str = "text",
        bin_sort: int | None = None,
    ):
        """`wrap`: word-wrap width in the text's own units; `max_w` (the parent's units):
        each line is cut to this width with '...', so it never runs over a neighbour;
        `bin_sort`: drawn in the fixed bin at this sort (over cards sorted lower)."""
        self.max_w = max_w / scale if max_w else None  # in the node's own units
        self.node = TextNode(name)
        self.node.setAlign(align)
        self.node.setTextColor(*colour)
        if wrap:
            self.node.setWordwrap(wrap)
        self.np = parent.attachNewNode(self.node)
        if bin_sort is not None:
            self.np.setBin("fixed", bin_sort)
        self.np.setScale(scale)
        self.np.setPos(x, 0, y)
        self._text = None

    def set(self, text: str, colour=None) -> None:
        if colour is not None:
            self.node.setTextColor(*colour)
        if text != self._text:
            self._text = text
            if self.max_w is not None:
                text = "\n".join(self._fit(line) for line in text.split("\n"))
            self.node.setText(text)

    def _fit(self, line: str) -> str:
        if self.node.calcWidth(line) <= self.max_w:
            return line
        while line and self.node.calcWidth(line + "...") > self.max_w:
            line = line[:-1]
        return line.rstrip() + "..."


def panel(
    parent: NodePath, x0: float, x1: float, y0: float, y1: float, colour, name: str = "panel"
) -> NodePath:
    """A flat card over x0..x1, y0..y1 in the parent's units; blended when colour's alpha
    is under 1."""
    cm = CardMaker(name)
    cm.setFrame(x0, x1, y0, y1)
    node = parent.attachNewNode(cm.generate())
    node.setColor(*colour)
    if colour[3] < 1:
        node.setTransparency(TransparencyAttrib.M_alpha)
    return node
