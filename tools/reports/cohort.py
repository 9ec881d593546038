"""`sightline class report C -o DIR`: a cohort's report.

Each trainee's progress is read as for their own report (tools/reports/trainee.py);
the class report puts them side by side. Writes, owner-only, into DIR (created 0700):
  report.html          a table per trainee, the cohort's latest levels per competency
                       (a dot per trainee, a bar at the median), and who is below standard
  class.json           all of it as data, each trainee's progress included
  trainees.csv         one row a trainee
  competencies.csv     one row a competency: how many scored, median, lowest, highest,
                       how many below standard
  below-standard.csv   one row a trainee below standard, with why
  levels.csv           every trainee's levels, one row a competency scored in a session
  reactions.csv        every trainee's reaction times
"""

from __future__ import annotations

import statistics
from pathlib import Path

from content.policies import Library
from tools.reports import charts
from tools.reports.common import (
    e,
    page,
    passages_html,
    private_dir,
    verdict,
    write_csv,
    write_json,
    write_private,
)
from tools.reports.progress import Packs, class_members
from tools.reports.trainee import (
    LEVEL_FIELDS,
    REACTION_FIELDS,
    build,
    level_rows,
    reaction_rows,
)

TRAINEE_FIELDS = [
    "id",
    "name",
    "sessions",
    "passed_sessions",
    "level",
    "level_name",
    "passed",
    "below",
    "next",
]
COMP_FIELDS = ["id", "label", "standard", "scored", "median", "lowest", "highest", "below"]
BELOW_FIELDS = ["id", "name", "why"]


def build_class(url: str, class_id: str, library: list[Path], policies: Library | None) -> dict:
    info, ids = class_members(url, class_id)
    packs = Packs()
    members = [build(url, tid, library, policies, packs) for tid in ids]
    rows, comps, below = [], {}, []
    for m in members:
        t, o = m["trainee"], m["overall"]
        weak = [c for c in m["competencies"] if c["below"]]
        reasons = [f"{c['label']} {c['latest']} (standard {c['standard']})" for c in weak]
        if o["passed"] is False:
            reasons.insert(0, f"latest session failed (overall level {o['level']})")
        rows.append(
            {
                "id": t["id"],
                "name": t["name"],
                "sessions": o["sessions"],
                "passed_sessions": o["passed_sessions"],
                "level": o["level"],
                "level_name": o["level_name"],
                "passed": o["passed"],
                "below": "; ".join(c["label"] for c in weak),
                "next": m["recommendations"][0]["pack"] if m["recommendations"] else "",
            }
        )
        if reasons:
            below.append({"id": t["id"], "name": t["name"], "why": "; ".join(reasons)})
        for c in m["competencies"]:
            k = comps.setdefault(
                c["id"],
                {
                    "id": c["id"],
                    "label": c["label"],
                    "standard": c["standard"],
                    "policy": c["policy"],
                    "members": [],
                },
            )
            if c["latest"] is not None:
                k["members"].append((t["name"], c["latest"]))
    for k in comps.values():
        values = [v for _, v in k["members"]]
        k.update(
            scored=len(values),
            median=statistics.median(values) if values else None,
            lowest=min(values, default=None),
            highest=max(values, default=None),
            below=sum(1 for v in values if k["standard"] is not None and v < k["standard"]),
        )
    scales = [m["scale"] for m in members if m["sessions"]]
    return {
        "class": info,
        "trainees": rows,
        "competencies": sorted(comps.values(), key=lambda k: k["label"].lower()),
        "below_standard": below,
        "scale": {
            "low": min((s["low"] for s in scales), default=1),
            "high": max((s["high"] for s in scales), default=7),
            "standard": min((s["standard"] for s in scales if s["standard"]), default=None),
        },
        "members": members,
    }


def write_class_report(
    url: str, class_id: str, out_dir: Path, library: list[Path], policies: Library | None
) -> Path:
    data = build_class(url, class_id, library, policies)
    private_dir(out_dir)
    info, sc = data["class"], data["scale"]
    title = f"Class report: {info['name'] or info['id']}"
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">Class {e(info["id"])} &middot; {len(data["trainees"])} trainee(s)'
        + (
            f" &middot; {e(info['starts_on'])} to {e(info['ends_on'] or '')}"
            if info["starts_on"]
            else ""
        )
        + "</p>",
        "<h2>Trainees</h2><table><tr><th>trainee</th><th>sessions (passed)</th>"
        "<th>latest level</th><th>latest result</th><th>below standard in</th>"
        "<th>next scenario</th></tr>",
    ]
    for r in data["trainees"]:
        level = "-" if r["level"] is None else f"{r['level']} {r['level_name']}"
        cls = ' class="below"' if r["below"] or r["passed"] is False else ""
        body.append(
            f"<tr{cls}><td>{e(r['name'])}<div class=note>{e(r['id'])}</div></td>"
            f"<td>{r['sessions']} ({r['passed_sessions']})</td><td>{e(level)}</td>"
            f"<td>{verdict(r['passed']) if r['sessions'] else '-'}</td>"
            f"<td>{e(r['below'] or '-')}</td><td>{e(r['next'] or '-')}</td></tr>"
        )
    if not data["trainees"]:
        body.append("<tr><td colspan=6>no trainees in this class</td></tr>")
    body += [
        "</table><h2>Cohort levels per competency</h2>",
        "<p class=note>Each trainee's latest level (a dot each, a bar at the median); the "
        "shaded part is below the standard.</p>",
        charts.dot_plot(
            [(k["label"], k["members"]) for k in data["competencies"]],
            sc["low"],
            sc["high"],
            standard=sc["standard"],
        ),
        "<table><tr><th>competency</th><th>scored</th><th>median</th><th>lowest</th>"
        "<th>highest</th><th>standard</th><th>below standard</th></tr>",
    ]
    for k in data["competencies"]:
        body.append(
            f"<tr><td>{e(k['label'])}"
            + (passages_html(policies.passages(k["policy"])) if policies else "")
            + f"</td><td>{k['scored']}</td><td>{_n(k['median'])}</td><td>{_n(k['lowest'])}</td>"
            f"<td>{_n(k['highest'])}</td><td>{_n(k['standard'])}</td><td>{k['below']}</td></tr>"
        )
    body.append("</table><h2>Below standard</h2>")
    if data["below_standard"]:
        body.append("<table><tr><th>trainee</th><th>why</th></tr>")
        body += [
            f"<tr class=below><td>{e(b['name'])} ({e(b['id'])})</td><td>{e(b['why'])}</td></tr>"
            for b in data["below_standard"]
        ]
        body.append("</table>")
    else:
        body.append("<p>No trainee is below standard in their latest scores.</p>")
    body.append(
        "<h2>Data</h2><p>Also as <a href=class.json>class.json</a>, "
        "<a href=trainees.csv>trainees.csv</a>, <a href=competencies.csv>competencies.csv</a>, "
        "<a href=below-standard.csv>below-standard.csv</a>, <a href=levels.csv>levels.csv</a> "
        "and <a href=reactions.csv>reactions.csv</a>.</p>"
    )
    write_json(out_dir / "class.json", data)
    write_csv(out_dir / "trainees.csv", data["trainees"], TRAINEE_FIELDS)
    write_csv(out_dir / "competencies.csv", data["competencies"], COMP_FIELDS)
    write_csv(out_dir / "below-standard.csv", data["below_standard"], BELOW_FIELDS)
    write_csv(
        out_dir / "levels.csv", [r for m in data["members"] for r in level_rows(m)], LEVEL_FIELDS
    )
    write_csv(
        out_dir / "reactions.csv",
        [r for m in data["members"] for r in reaction_rows(m)],
        REACTION_FIELDS,
    )
    report = out_dir / "report.html"
    write_private(report, page(title, body))
    return report


def _n(v) -> str:
    return "-" if v is None else f"{v:g}"
