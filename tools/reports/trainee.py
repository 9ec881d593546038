"""`sightline trainee report ID -o DIR`: one trainee's progress report.

Writes, owner-only, into DIR (created 0700):
  report.html          levels per competency over the sessions (a chart and a table with
                       the standard and the linked policy passages), reaction times over
                       the sessions, every session, and the next scenarios to train
  progress.json        all of it as data
  sessions.csv         one row a session
  levels.csv           one row a competency scored in a session
  reactions.csv        one row a cue in a session, with the trainee's reaction time
  recommendations.csv  the next scenarios, ranked (the rule is in recommend.py)
"""

from __future__ import annotations

from pathlib import Path

from content.policies import Library
from tools.reports import charts
from tools.reports.common import (
    e,
    page,
    passage_rows,
    passages_html,
    private_dir,
    verdict,
    write_csv,
    write_json,
    write_private,
)
from tools.reports.progress import Packs, trainee_progress
from tools.reports.recommend import RULE, library_packs, recommend

SESSION_FIELDS = [
    "n",
    "id",
    "date",
    "pack",
    "difficulty",
    "instructor",
    "duration_s",
    "shots",
    "hits",
    "no_shoot_hits",
    "level",
    "level_name",
    "passed",
]
LEVEL_FIELDS = ["trainee", "session", "date", "pack", "item", "label", "level", "standard"]
REACTION_FIELDS = ["trainee", "session", "date", "pack", "cue", "t_s", "response", "reaction_s"]
RECOMMEND_FIELDS = [
    "rank",
    "pack",
    "difficulty",
    "trains",
    "gap",
    "difficulty_fit",
    "times_trained",
    "why",
    "path",
]


def build(url: str, trainee_id: str, library: list[Path], policies: Library | None, packs=None):
    """The progress data with recommendations and linked passages (the JSON export)."""
    packs = packs or Packs()
    data = trainee_progress(url, trainee_id, packs)
    data["recommendations"] = recommend(data, library_packs(library, packs))
    data["recommendation_rule"] = RULE
    for c in data["competencies"]:
        c["passages"] = passage_rows(policies.passages(c["policy"])) if policies else []
    return data


def level_rows(data: dict) -> list[dict]:
    labels = {c["id"]: c for c in data["competencies"]}
    return [
        {
            "trainee": data["trainee"]["id"],
            "session": s["n"],
            "date": s["date"],
            "pack": s["pack"],
            "item": item,
            "label": labels.get(item, {}).get("label", item),
            "level": level,
            "standard": labels.get(item, {}).get("standard"),
        }
        for s in data["sessions"]
        for item, level in s["scores"].items()
    ]


def reaction_rows(data: dict) -> list[dict]:
    return [
        {
            "trainee": data["trainee"]["id"],
            "session": s["n"],
            "date": s["date"],
            "pack": s["pack"],
            **r,
        }
        for s in data["sessions"]
        for r in s.get("reactions", [])
    ]


def _x_labels(data: dict) -> list[str]:
    return [f"#{s['n']} {(s['date'] or '')[:10]}" for s in data["sessions"]]


def levels_chart(data: dict) -> str:
    series = {
        c["label"]: [(x["session"] - 1, x["level"]) for x in c["levels"]]
        for c in data["competencies"]
    }
    sc = data["scale"]
    std = sc["standard"]
    return charts.line_chart(
        series,
        _x_labels(data),
        sc["low"],
        sc["high"],
        "level",
        shade_below=std,
        line_at=std,
        line_label=f"standard {std}" if std else "",
    )


def reactions_chart(data: dict) -> str:
    series: dict[str, list] = {}
    for s in data["sessions"]:
        for r in s.get("reactions", []):
            if r["reaction_s"] is not None:
                series.setdefault(f"from '{r['cue']}'", []).append((s["n"] - 1, r["reaction_s"]))
    top = max((v for pts in series.values() for _, v in pts), default=1.0)
    return charts.line_chart(
        series,
        _x_labels(data),
        0.0,
        max(1.0, round(top * 1.2 + 0.05, 1)),
        "reaction (s)",
        whole=False,
    )


def competency_table(data: dict, policies: Library | None) -> list[str]:
    out = [
        "<table><tr><th>competency</th><th>latest</th><th>best</th><th>standard</th>"
        "<th>sessions scored</th><th>what the latest level looks like</th></tr>"
    ]
    for c in data["competencies"]:
        latest = c["latest"]
        anchor = _anchor(c, latest)
        cls = ' class="below"' if c["below"] else ""
        out.append(
            f"<tr{cls}><td>{e(c['label'])}"
            + (" (critical)" if c["critical"] else "")
            + f"<div class=note>{e(c['id'])}</div></td>"
            f"<td>{'-' if latest is None else latest}{' below standard' if c['below'] else ''}</td>"
            f"<td>{'-' if c['best'] is None else c['best']}</td>"
            f"<td>{'-' if c['standard'] is None else c['standard']}</td>"
            f"<td>{len(c['levels'])}</td><td class=anchor>{e(anchor)}"
            + (passages_html(policies.passages(c["policy"])) if policies else "")
            + "</td></tr>"
        )
    if not data["competencies"]:
        out.append("<tr><td colspan=6>no rubric scores yet</td></tr>")
    out.append("</table>")
    return out


def _anchor(c: dict, level) -> str:
    """The anchor written for the level, else the nearest one below it."""
    if level is None or not c["anchors"]:
        return ""
    below = [int(k) for k in c["anchors"] if int(k) <= level]
    return f"{max(below)}: {c['anchors'][str(max(below))]}" if below else ""


def recommendations_html(recs: list[dict], policies: Library | None) -> list[str]:
    out = [f"<p class=note>How they are ranked: {e(RULE)}</p>"]
    if not recs:
        out.append(
            "<p>No pack in the library trains the competencies to work on (or none "
            "has been scored yet).</p>"
        )
        return out
    out.append(
        "<table><tr><th>#</th><th>scenario</th><th>difficulty</th><th>trains</th><th>why</th></tr>"
    )
    for r in recs:
        out.append(
            f"<tr><td>{r['rank']}</td><td>{e(r['pack'])}<div class=note>{e(r['path'])}</div>"
            f"</td><td>{e(r['difficulty'] or '-')}</td><td>{e(', '.join(r['trains_labels']))}"
            f"</td><td>{e(r['why'])}"
            + (passages_html(policies.passages(r["policy"])) if policies else "")
            + "</td></tr>"
        )
    out.append("</table>")
    return out


def sessions_table(data: dict) -> list[str]:
    out = [
        "<table><tr><th>#</th><th>date (UTC)</th><th>scenario</th><th>instructor</th>"
        "<th>level</th><th>result</th><th>shots, hits, no-shoot</th><th>reaction times</th></tr>"
    ]
    for s in data["sessions"]:
        level = "-" if s["level"] is None else f"{s['level']} {s['level_name']}"
        reacts = (
            ", ".join(
                f"{r['cue']} {r['reaction_s']:.2f} s"
                if r["reaction_s"] is not None
                else f"{r['cue']} none"
                for r in s.get("reactions", [])
            )
            or s.get("reactions_note", "")
            or "no cues"
        )
        out.append(
            f"<tr><td>{s['n']}</td><td>{e((s['date'] or '').replace('T', ' '))}</td>"
            f"<td>{e(s['pack'])}</td><td>{e(s['instructor'] or '-')}</td><td>{e(level)}</td>"
            f"<td>{verdict(s['passed'])}</td><td>{s['shots']}, {s['hits']}, "
            f"{s['no_shoot_hits']}</td><td>{e(reacts)}</td></tr>"
        )
    if not data["sessions"]:
        out.append("<tr><td colspan=8>no sessions yet</td></tr>")
    out.append("</table>")
    return out


def write_trainee_report(
    url: str, trainee_id: str, out_dir: Path, library: list[Path], policies: Library | None
) -> Path:
    data = build(url, trainee_id, library, policies)
    private_dir(out_dir)
    t, o = data["trainee"], data["overall"]
    level = "-" if o["level"] is None else f"{o['level']} ({o['level_name']})"
    body = [
        f"<h1>Progress report: {e(t['name'])}</h1>",
        f'<p class="sub">Trainee {e(t["id"])}'
        + (f" &middot; class {e(t['class'])}" if t["class"] else "")
        + f" &middot; {o['sessions']} session(s), {o['passed_sessions']} passed &middot; "
        f"latest overall level {e(level)} {verdict(o['passed']) if o['sessions'] else ''}"
        f" &middot; generated {e(data['generated'])}</p>",
        "<h2>Levels per competency</h2>",
        "<p class=note>The level that counted in each session (the instructor's latest score, "
        "else the automatic rule's); the shaded band is below the standard (the pass level).</p>",
        levels_chart(data),
        *competency_table(data, policies),
        "<h2>Reaction times</h2>",
        "<p class=note>From each cue to the trainee's first response in that segment (their "
        "trigger pull or a coded action), paused time left out; re-simulated from each "
        "session's recording.</p>",
        reactions_chart(data),
        "<h2>Sessions</h2>",
        *sessions_table(data),
        "<h2>Next scenarios</h2>",
        *recommendations_html(data["recommendations"], policies),
        "<h2>Data</h2><p>Also as <a href=progress.json>progress.json</a>, "
        "<a href=sessions.csv>sessions.csv</a>, <a href=levels.csv>levels.csv</a>, "
        "<a href=reactions.csv>reactions.csv</a> and "
        "<a href=recommendations.csv>recommendations.csv</a>.</p>",
    ]
    write_json(out_dir / "progress.json", data)
    write_csv(out_dir / "sessions.csv", data["sessions"], SESSION_FIELDS)
    write_csv(out_dir / "levels.csv", level_rows(data), LEVEL_FIELDS)
    write_csv(out_dir / "reactions.csv", reaction_rows(data), REACTION_FIELDS)
    write_csv(
        out_dir / "recommendations.csv",
        [dict(r, trains=" ".join(r["trains"])) for r in data["recommendations"]],
        RECOMMEND_FIELDS,
    )
    report = out_dir / "report.html"
    write_private(report, page(f"Progress report: {t['name']}", body))
    return report
