"""What the facilitator reveals after a question, and what the take-home report says:
the training points, the agency's policy passages, the law, the discussion questions.

A question names its own (`[segments.ID.question]` points, policy, discuss); where it
does not, they come from the pack's guidebook (its *Training points* section; its other
bullets that ask something) and the pack's `policy_refs` (the law). Pack text is
untrusted: it is shown as text, never as markup. Content and sim only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.pack import Pack
from content.policies import Library, strip_refs
from sim.community import Question, question_of

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
MAX_LINE = 600


@dataclass(frozen=True)
class Page:
    title: str
    lines: tuple[str, ...]


def guidebook_sections(text: str | None) -> dict[str, list[str]]:
    """Bullets by section heading (continuation lines joined), in order."""
    out: dict[str, list[str]] = {}
    heading = ""
    for raw in (text or "").splitlines():
        m = _HEADING.match(raw)
        if m:
            heading = m.group(1).strip()
            out.setdefault(heading, [])
            continue
        b = _BULLET.match(raw)
        if b:
            out.setdefault(heading, []).append(b.group(1).strip())
        elif raw.strip() and out.get(heading):
            out[heading][-1] += " " + raw.strip()
    return {h: [strip_refs(x)[:MAX_LINE] for x in lines] for h, lines in out.items()}


def _section(sections: dict[str, list[str]], name: str) -> list[str]:
    for heading, lines in sections.items():
        if heading.lower() == name.lower():
            return lines
    return []


def training_points(pack: Pack, q: Question) -> list[str]:
    if q.points is not None:
        return list(q.points)
    return _section(guidebook_sections(_guidebook(pack)), "Training points")


def discussion(pack: Pack, q: Question) -> list[str]:
    if q.discuss is not None:
        return list(q.discuss)
    sections = guidebook_sections(_guidebook(pack))
    return [line for lines in sections.values() for line in lines if line.endswith("?")]


def policy_lines(library: Library | None, q: Question) -> list[str]:
    if library is None:
        return []
    return [f"{p.heading}: {p.excerpt(320)}" for p in library.passages(q.policy)]


def reveal_pages(
    pack: Pack, seg_id: str, library: Library | None, officers: dict | None = None
) -> list[Page]:
    """The panels the facilitator reveals one by one after the question in `seg_id`;
    with `officers` (tools/community/perspectives.py), what trained officers did first."""
    from tools.community.perspectives import lines as officer_lines

    q = question_of(pack.scenario.segments[seg_id])
    if q is None:
        return []
    seen = (officers or {}).get(seg_id)
    pages = [
        Page("What trained officers did here", tuple(officer_lines(seen) if seen else ())),
        Page("What the training says", tuple(training_points(pack, q))),
        Page("What the policy says", tuple(policy_lines(library, q))),
        Page("What the law says", tuple(pack.meta.policy_refs)),
        Page("Let's discuss", tuple(discussion(pack, q))),
    ]
    return [p for p in pages if p.lines]


def _guidebook(pack: Pack) -> str | None:
    try:
        return pack.guidebook_text()
    except (OSError, UnicodeDecodeError):
        return None
