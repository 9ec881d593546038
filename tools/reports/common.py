"""What the report pages share: the page shell and its style, owner-only files, CSV and
JSON exports, and policy passages as HTML."""

from __future__ import annotations

import csv
import html
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from sim.files import PRIVATE_DIR_MODE, create_private

e = html.escape

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { margin-bottom: 0; } .sub { color: #555; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px;
         vertical-align: top; }
th { background: #f3f3f3; }
"""
#: the classes report pages and the after-action review's rubric share
CLASSES = """
.pass { color: #1b7f3b; font-weight: bold; }
.fail { color: #b3261e; font-weight: bold; } .undecided { color: #666; }
.below { background: #fdecea; } .note { color: #555; font-size: 13px; }
.auto { color: #555; font-size: 12px; } .anchor { color: #444; font-size: 13px; }
.policy { border-left: 3px solid #3c8dbc; margin: 6px 0; padding: 2px 10px;
          background: #f5f9fc; font-size: 13px; }
.policy .head { font-weight: bold; } .policy pre { white-space: pre-wrap;
          font-family: inherit; margin: 4px 0; }
.sample { color: #b3261e; font-size: 12px; }
"""


def page(title: str, body: Iterable[str]) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{STYLE}{CLASSES}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def private_dir(path: Path) -> Path:
    """The report folder, created owner-only (and made so when it exists)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def write_private(path: Path, text: str) -> Path:
    """Write text to a file readable by its owner only (refusing a symbolic link)."""
    with os.fdopen(create_private(path), "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fields})
    return write_private(path, buf.getvalue())


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _number(value):
        return "'" + value  # a spreadsheet must not run a cell as a formula
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_json(path: Path, data) -> Path:
    return write_private(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def verdict(passed: bool | None) -> str:
    if passed is None:
        return '<span class="undecided">not decided</span>'
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def passages_html(passages) -> str:
    """content.policies Passages as quoted blocks (escaped: policies are untrusted)."""
    out = []
    for p in passages:
        sample = (
            ' <span class="sample">sample policy, not an agency\'s</span>'
            if p.policy.sample
            else ""
        )
        text = p.text
        body = f"<pre>{e(text)}</pre>" if text else ""
        if p.policy.kind == "pdf":
            body += f'<div class="note">{e(p.policy.path.name)} (PDF: see the page named)</div>'
        out.append(
            f'<div class="policy"><span class="head">{e(p.heading)}</span>{sample}'
            f' <span class="note">[{e(p.ref)}]</span>{body}</div>'
        )
    return "\n".join(out)


def passage_rows(passages) -> list[dict]:
    """Passages for the JSON exports."""
    return [
        {
            "ref": p.ref,
            "policy": p.policy.title,
            "sample": p.policy.sample,
            "section": p.section.id if p.section else None,
            "title": p.section.title if p.section else p.policy.title,
            "page": p.section.page if p.section else None,
            "file": p.policy.path.name,
        }
        for p in passages
    ]
