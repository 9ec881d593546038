"""What the after-action review says about the people and the rubric of one session.

Who trained: from the training records when the recording's session is stored there
(found by the recording's path), else from `sightline aar --trainee [WEAPON=]ID` (names
looked up in the records when there are records), else nobody: the review stays per
weapon. The default records file is only read when it exists (a review never creates
one); `--db`/SIGHTLINE_DB are opened as asked.

The rubric: sim.rubric.score_session over the re-simulated session, the one function the
station and the records store use, so the review shows what they showed and stored: each
weapon's items with the level that counted (the instructor's latest, else the rule's),
who gave it, its comment, the behaviour anchor for it and the linked policy passages,
then the overall level and pass or fail against the pack's standard.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from content.policies import Library
from sim.rubric import AUTOMATIC, Rubric, ScoreSheet
from tools.reports.common import e, passage_rows, passages_html, verdict


@dataclass
class People:
    """Who and when, for the review's header."""

    trainees: list[tuple[str | None, str, str]] = field(default_factory=list)  # weapon, id, name
    instructor: str | None = None
    date: str | None = None  # ISO, UTC
    date_source: str = ""  # "records" or "the recording file's time"
    source: str = ""  # where the trainees came from: "records", "--trainee" or ""

    def trainee_for(self, weapon: str) -> tuple[str, str] | None:
        for w, tid, name in self.trainees:
            if w == weapon:
                return tid, name
        for w, tid, name in self.trainees:
            if w is None:
                return tid, name
        return None


def _records_url(db: str | None) -> str | None:
    from tools.records.db import ENV_VAR, database_url, default_path

    if db or os.environ.get(ENV_VAR):
        return database_url(db)
    return database_url() if default_path().is_file() else None


def people_of(
    recording: Path, duration_s: float, attribution=None, db: str | None = None
) -> People:
    """The session's people (see the module docstring). `attribution`: a
    tools.records.store.Attribution from --trainee/--instructor-name, or None."""
    from tools.records.queries import recording_session

    people = People()
    url = _records_url(db)
    names: dict[str, str] = {}
    if url is not None:
        asked = [tid for _, tid in attribution.trainees] if attribution is not None else []
        found = recording_session(url, str(recording.resolve()), asked)
        names = found["names"]
        if "trainees" in found:
            people.trainees = found["trainees"]
            people.instructor = found["instructor"]
            people.date, people.date_source = found["date"], "records"
            people.source = "records" if people.trainees else ""
    if attribution is not None and attribution.trainees:
        people.trainees = [(w, tid, names.get(tid, tid)) for w, tid in attribution.trainees]
        people.source = "--trainee"
    if attribution is not None and attribution.instructor:
        people.instructor = attribution.instructor
    if people.date is None:
        try:
            ended = dt.datetime.fromtimestamp(recording.stat().st_mtime, dt.UTC)
        except OSError:
            ended = None
        if ended is not None:
            started = ended - dt.timedelta(seconds=duration_s)
            people.date = started.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            people.date_source = "the recording file's time"
    return people


def header_html(people: People, pack_title: str) -> str:
    """The review's 'who, when, what' lines."""
    if people.trainees:
        who = ", ".join(
            f"{e(name)} ({e(tid)}{', ' + e(w) if w else ''})" for w, tid, name in people.trainees
        )
        src = " (from the training records)" if people.source == "records" else ""
    else:
        who, src = "not named: per weapon (name them with <code>--trainee [WEAPON=]ID</code>)", ""
    date = (people.date or "unknown").replace("T", " ").replace("Z", " UTC")
    date_note = f" ({e(people.date_source)})" if people.date_source != "records" else ""
    return (
        '<table class="people">'
        f"<tr><th>trainee(s)</th><td>{who}{src}</td></tr>"
        f"<tr><th>date</th><td>{e(date)}{date_note}</td></tr>"
        f"<tr><th>instructor</th><td>{e(people.instructor or 'not named')}</td></tr>"
        f"<tr><th>scenario pack</th><td>{e(pack_title)}</td></tr></table>"
    )


def score_rows(rubric: Rubric | None, sheet: ScoreSheet, people: People) -> list[dict]:
    """Every score given or computed (scores.csv), marking the one that counted."""
    if rubric is None:
        return []
    out = []
    for r in sheet.results:
        who = people.trainee_for(r.weapon)
        mine = [sc for sc in sheet.scores if sc.weapon == r.weapon]
        for sc in mine:
            item = rubric.item(sc.item)
            out.append(
                {
                    "weapon": r.weapon,
                    "trainee": who[0] if who else "",
                    "item": sc.item,
                    "label": item.label if item else sc.item,
                    "level": sc.level,
                    "source": sc.source,
                    "comment": sc.comment,
                    "t_s": round(sc.t_s, 3) if sc.t_s is not None else None,
                }
            )
    return out


def _counted_score(sheet: ScoreSheet, weapon: str, item_id: str):
    """The score record that counted for the item: the instructor's latest, else the rule's."""
    mine = [sc for sc in sheet.scores if sc.weapon == weapon and sc.item == item_id]
    given = [sc for sc in mine if sc.source != AUTOMATIC]
    return given[-1] if given else (mine[-1] if mine else None)


def rubric_html(
    rubric: Rubric | None, sheet: ScoreSheet, people: People, policies: Library | None
) -> str:
    if rubric is None:
        return "<p>This pack has no rubric: nothing was scored.</p>"
    sc_ = rubric.scale
    out = [
        f"<p class=note>Scale {sc_.low}-{sc_.high} ("
        + ", ".join(f"{b.low}-{b.high} {e(b.name)}" for b in sc_.bands)
        + f"); the standard: an overall level of at least {rubric.pass_level}"
        + (", and no critical item below it" if any(i.critical for i in rubric.items) else "")
        + ". The overall level is the items' levels averaged by weight, rounded half up. "
        "An instructor's score counts over the automatic rule's.</p>"
    ]
    for r in sheet.results:
        who = people.trainee_for(r.weapon)
        name = (
            f"{e(who[1])} ({e(who[0])}), weapon {e(r.weapon)}" if who else f"weapon {e(r.weapon)}"
        )
        out.append(f"<h3>{name}</h3>")
        out.append(
            "<table><tr><th>item</th><th>level</th><th>scored by</th>"
            "<th>behaviour anchor</th><th>policy</th></tr>"
        )
        for it in rubric.items:
            level = r.levels.get(it.id)
            sc = _counted_score(sheet, r.weapon, it.id)
            if sc is None:
                by = "not scored"
            elif sc.source == AUTOMATIC:
                by = f'automatic <span class="auto">({e(it.rule.describe())})</span>'
            else:
                by = "instructor" + (f" at {sc.t_s:.1f} s" if sc.t_s is not None else "")
            comment = (
                f'<div class="note">{e(sc.comment)}</div>' if sc is not None and sc.comment else ""
            )
            anchor = it.anchor(level) if level is not None else ""
            if level is not None and not anchor:
                near = [lv for lv in it.anchors if lv <= level]
                anchor = f"(nearest, {max(near)}) {it.anchors[max(near)]}" if near else ""
            cls = ' class="below"' if level is not None and level < rubric.pass_level else ""
            out.append(
                f"<tr{cls}><td>{e(it.label)}{' (critical)' if it.critical else ''}</td>"
                f"<td>{e(sc_.describe(level))}</td><td>{by}{comment}</td>"
                f'<td class="anchor">{e(anchor)}</td>'
                f"<td>{passages_html(policies.passages(it.policy)) if policies else ''}</td></tr>"
            )
        out.append("</table>")
        overall = sc_.describe(r.level) if r.level is not None else "not observed"
        out.append(
            f"<p><b>Overall level: {e(overall)}</b> &middot; against the standard "
            f"({rubric.pass_level}): {verdict(r.passed)}</p>"
        )
    if not sheet.results:
        out.append("<p>No weapon was scored.</p>")
    return "\n".join(out)


def rubric_json(rubric: Rubric | None, sheet: ScoreSheet, people: People, policies) -> dict:
    if rubric is None:
        return {}
    return {
        "pass_level": rubric.pass_level,
        "scale": [rubric.scale.low, rubric.scale.high],
        "results": [
            {
                "weapon": r.weapon,
                "trainee": (people.trainee_for(r.weapon) or (None,))[0],
                "levels": r.levels,
                "level": r.level,
                "level_name": rubric.scale.name(r.level) if r.level is not None else None,
                "passed": r.passed,
            }
            for r in sheet.results
        ],
        "policy": {
            it.id: passage_rows(policies.passages(it.policy)) if policies else list(it.policy)
            for it in rubric.items
            if it.policy
        },
    }
