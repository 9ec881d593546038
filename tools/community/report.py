"""`sightline community report REC -o DIR [--json]`: the take-home summary of a community
session, for the room to keep.

Per question: the choices and how many phones chose each, what the scenario went on
with, what the training points say, the policy passages and the law, and the questions
to discuss. The counts come from re-simulating the recording (the recorded votes fed
back at their ticks, as `replay --verify` does), so the summary is what the screen
showed. No personal data: a recording of a community session holds no names and no
addresses, and the summary leaves out even the phones' per-session numbers.
JSON: {"title", "pack", "questions": [{"number", "segment", "prompt", "choices":
{LABEL: count}, "votes", "chosen", "decided_by", "training_points", "policy", "law",
"discussion"}]}. Must not import tools.cli.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from sim.errors import UserError
from sim.files import create_private
from tools.community.texts import discussion, policy_lines, training_points
from tools.recordings import load_recording


def summarize(
    recording_path: Path,
    pack_dir: Path | None = None,
    library=None,
    perspectives: bool = False,
    db: str | None = None,
) -> dict:
    recording = load_recording(recording_path, pack_dir)
    if recording.community is None:
        raise UserError(f"{recording_path}: not a community session (no room voted in it)")
    runtime = recording.runtime()
    inputs = recording.inputs_by_tick()
    for tick in range(1, recording.last_tick + 1):
        runtime.step(inputs.get(tick, []))
    recording.check()  # a damaged file: the part before the damage was summarized, then exit 2
    pack = recording.pack
    officers = {}
    if perspectives:
        from tools.community.perspectives import from_records

        officers = from_records(pack, db)
    questions = []
    from sim.community import question_of

    for q in runtime.room.questions:
        asked = question_of(pack.scenario.segments[q.segment])
        questions.append(
            {
                "number": q.number,
                "segment": q.segment,
                "prompt": q.prompt,
                "choices": q.result(),
                "votes": sum(q.counts),
                "chosen": q.chosen,
                "decided_by": q.decided_by,
                "training_points": training_points(pack, asked) if asked else [],
                "policy": policy_lines(library, asked) if asked else [],
                "law": list(pack.meta.policy_refs),
                "discussion": discussion(pack, asked) if asked else [],
                "officers": officers.get(q.segment),  # None: not asked, or under 5 sessions
            }
        )
    return {"title": pack.title, "pack": pack.root.name, "questions": questions}


def write_report(
    recording_path: Path,
    out_dir: Path,
    as_json: bool,
    pack_dir: Path | None,
    library,
    perspectives: bool = False,
    db: str | None = None,
) -> list[Path]:
    summary = summarize(recording_path, pack_dir, library, perspectives, db)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if as_json:
        written.append(_write(out_dir / "community.json", json.dumps(summary, indent=2) + "\n"))
    written.append(_write(out_dir / "community.html", to_html(summary)))
    return written


def _write(path: Path, text: str) -> Path:
    import os

    try:
        fd = create_private(path)
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot write the report ({exc})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def to_html(summary: dict) -> str:
    """A page to print or share: plain HTML, every pack text escaped."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(summary['title'])}: what the room decided</title>",
        "<style>body{font:1.05rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "padding:0 1rem}table{border-collapse:collapse}td,th{padding:.25rem .6rem;"
        "border-bottom:1px solid #ccc;text-align:left}.bar{background:#c88a00;height:.8rem}"
        "</style></head><body>",
        f"<h1>{e(summary['title'])}</h1>",
        "<p>What the room decided, and what the training says. No names or other personal "
        "data are kept.</p>",
    ]
    for q in summary["questions"]:
        total = q["votes"] or 1
        parts.append(f"<h2>Question {q['number']}: {e(q['prompt'])}</h2>")
        parts.append("<table><tr><th>Choice</th><th>Votes</th><th></th></tr>")
        for label, n in q["choices"].items():
            width = round(200 * n / total)
            parts.append(
                f"<tr><td>{e(label)}</td><td>{n}</td>"
                f"<td><div class='bar' aria-hidden='true' style='width:{width}px'></div></td></tr>"
            )
        parts.append("</table>")
        if q["chosen"]:
            parts.append(
                f"<p>The scenario went on with: <b>{e(q['chosen'])}</b> ({e(q['decided_by'])}).</p>"
            )
        if q.get("officers"):
            from tools.community.perspectives import lines

            parts.append("<h3>What trained officers did here</h3><ul>")
            parts += [f"<li>{e(line)}</li>" for line in lines(q["officers"])]
            parts.append("</ul>")
        for title, key in (
            ("What the training says", "training_points"),
            ("What the policy says", "policy"),
            ("What the law says", "law"),
            ("To discuss", "discussion"),
        ):
            if q[key]:
                parts.append(f"<h3>{title}</h3><ul>")
                parts += [f"<li>{e(line)}</li>" for line in q[key]]
                parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
