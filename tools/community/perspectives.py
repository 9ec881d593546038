"""Perspectives: beside the room's choices, what happened in trained officers' sessions
of the same pack at the same segment, from the training records.

For each question's segment, each stored session of the pack (matched by the pack's
content hash, so the segments are the same) is read from its recording: the segment
that followed the question's segment on its first visit (its PlayClip outputs, read
without re-simulating) is counted under the choice that leads there ("something else"
when none does, e.g. the clip ran out). Only counts are kept, never who; and nothing is
shown for a segment fewer than MIN_SESSIONS sessions reached, so that a small group
cannot be picked out. A recording that is gone or unreadable is left out.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from content.pack import Pack
from sim.community import question_of
from sim.files import FileProblem, open_regular
from sim.recording import RecordingError, RecordReader

MIN_SESSIONS = 5
OTHER = "something else"
MAX_SESSIONS = 2000  # recordings read for one pack


def segments_played(path: Path) -> list[str]:
    """The segments a recording played, in order (its start and each branch)."""
    try:
        fh = open_regular(path)
    except FileProblem:
        return []
    out: list[str] = []
    with fh:
        try:
            for _, rec in RecordReader(fh, str(path)):
                if rec.get("k") == "out" and rec.get("type") == "PlayClip":
                    seg = (rec.get("f") or {}).get("segment")
                    if isinstance(seg, str):
                        out.append(seg)
        except RecordingError:
            return []
    return out


def officer_choices(pack: Pack, recordings: list[str]) -> dict[str, dict[str, int]]:
    """Per question segment with at least MIN_SESSIONS sessions reaching it: how many
    went on down each choice (labels in the question's order, then OTHER)."""
    asked = {
        seg_id: q
        for seg_id, seg in pack.scenario.segments.items()
        if (q := question_of(seg)) is not None
    }
    counts: dict[str, Counter] = {seg_id: Counter() for seg_id in asked}
    for path in recordings[:MAX_SESSIONS]:
        played = segments_played(Path(path))
        for seg_id, q in asked.items():
            if seg_id in played[:-1]:
                nxt = played[played.index(seg_id) + 1]
                label = next((c.label for c in q.choices if c.to == nxt), OTHER)
                counts[seg_id][label] += 1
    out = {}
    for seg_id, c in counts.items():
        if sum(c.values()) >= MIN_SESSIONS:
            labels = [*asked[seg_id].labels(), OTHER]
            out[seg_id] = {label: c[label] for label in labels if label != OTHER or c[label]}
    return out


def from_records(pack: Pack, db: str | None) -> dict[str, dict[str, int]]:
    """officer_choices for `pack` from the records database (`--db`, else the default);
    empty when the records cannot be read (a session for the room goes on without)."""
    from engine.recorder import pack_hash
    from sim.errors import UserError
    from tools.records.db import database_url
    from tools.records.queries import pack_recordings

    try:
        paths = pack_recordings(database_url(db), pack_hash(pack))
    except (UserError, OSError) as exc:
        print(f"note: no officers' perspectives ({exc})")
        return {}
    return officer_choices(pack, paths)


def lines(choices: dict[str, int]) -> list[str]:
    total = sum(choices.values())
    return [
        f"{label}: {n} of {total} sessions ({round(100 * n / total)}%)"
        for label, n in choices.items()
    ]
