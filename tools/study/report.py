"""`sightline study report REC... -o DIR [--json]`: the decisions of one or many study runs.

Each recording says which plan it followed by its pack's title (scenario.title_for); the
study's pack is written again from the study and seed into a temporary folder and the
recording is loaded against it (tools.recordings.load_recording checks the pack's hash, so
a recording of another study, another seed or changed stimuli is refused), then
re-simulated tick by tick: the shots come from the runtime's records with the zone each
hit. Per trial: a shot is any shot fired inside the decision window (from the moment the
object can be seen to the end of the stimulus clip), latency the time from the window's
start to the first one; explanations (`explanations`: scripts' `explain` inputs, and in
the explain step what the trainee said, the instructor's reason key or typed note) belong
to the trial under way, or between trials to the one just ended. Practice trials are not analysed.

Writes DIR/study-report.html (inline SVG plots), trials.csv (one row per trial, for R or
SPSS), report.json (groups, differences, the mixed model, trials); --json also prints it.
"""

from __future__ import annotations

import csv
import html
import itertools
import json
import tempfile
from pathlib import Path

from sim.events import Explain, Flag, FlagNote, KeyPress, Said
from sim.files import FileProblem, open_regular
from sim.recording import RecordingError, RecordReader
from tools.recordings import load_recording
from tools.study import stats
from tools.study.design import Plan, Study, load_study, make_plan
from tools.study.scenario import parse_title, write_pack


def _header(path: Path) -> dict:
    try:
        fh = open_regular(path)
    except FileProblem as exc:
        raise RecordingError(f"{path}: cannot read ({exc})") from None
    with fh:
        for _, record in RecordReader(fh, str(path)):
            if record.get("k") == "header":
                return record
            break
    raise RecordingError(f"{path}: no header")


def trials_of(
    path: Path, trainee: str, study_arg: str | Path | None = None
) -> tuple[Study, Plan, list[dict]]:
    """The counted trials of one recorded study run, as dicts (the report's `trials`)."""
    header = _header(path)
    found = parse_title(header.get("title"))
    if found is None:
        raise RecordingError(f"{path}: not a study run (its pack is not a generated study pack)")
    name, seed = found
    study = load_study(study_arg or name)
    plan = make_plan(study, seed)
    with tempfile.TemporaryDirectory(prefix="sightline-study-") as tmp:
        rec = load_recording(path, write_pack(plan, Path(tmp) / "pack"))
        rec.check()
        inputs = rec.inputs_by_tick()
        rt = rec.runtime()
        while rt.state.tick < rec.last_tick:
            rt.step(inputs.get(rt.state.tick + 1, []))
        shots = [s for s in rt.log().shots if s.fired]
    explains = explanations(rec.inputs, rec.tick_hz, plan)
    out = []
    for tr in plan.trials:
        t0, t1 = tr.window
        inside = [s for s in shots if s.segment == tr.segment and t0 - 1e-9 <= s.t_s <= t1 + 1e-9]
        first = inside[0] if inside else None
        out.append(
            {
                "index": tr.index,
                "trainee": trainee,
                "recording": path.name,
                "seed": seed,
                "stimulus": tr.stimulus.id,
                "actor": tr.stimulus.actor,
                "attributes": dict(tr.stimulus.attributes),
                "armed": tr.stimulus.armed,
                "object": tr.stimulus.object,
                "shot": first is not None,
                "shots": len(inside),
                "latency_ms": round((first.t_s - t0) * 1000, 3) if first else None,
                "zone": first.zone if first else None,
                "explain": " / ".join(explains.get(tr.segment, [])),
            }
        )
    return study, plan, out


def explanations(inputs: list, tick_hz: int, plan: Plan) -> dict[str, list[str]]:
    """Each trial's explanations, by segment id, in time order. `explain` inputs (scripts)
    count wherever they fall; the rest only in the explain step (after the trial's clip):
    what the trainee said (`said`, the trainee voice), the reason the instructor picked
    with a number key (the study's `reasons`, 1 for the first), and a note the instructor
    typed with F at the station (flag notes)."""
    reasons = plan.study.reasons
    out: dict[str, list[str]] = {}
    for tick, event in inputs:
        t_s = tick / tick_hz
        trial = plan.trial_at(t_s)
        if trial is None:
            continue
        text = ""
        if isinstance(event, Explain):
            text = event.text
        elif t_s < trial.iti_start_s:
            continue  # during the trial: a command to the subject, a branch key, a flag
        elif isinstance(event, Said):
            text = event.text or event.phrase
        elif isinstance(event, KeyPress):
            n = int(event.key)
            text = reasons[n - 1] if n <= len(reasons) else f"reason {n}"
        elif isinstance(event, Flag | FlagNote):
            text = event.note.strip()
        if text:
            out.setdefault(trial.segment, []).append(text)
    return out


def analyse(trials: list[dict], factors: tuple[str, ...]) -> dict:
    """Groups keyed "ATTRIBUTE=VALUE" (and "A=x,B=y" for combinations), differences between
    the values of each attribute, the mixed model, and warnings."""
    groups: dict[str, dict] = {"all": stats.group(trials)}
    differences: dict[str, dict] = {}
    for r in range(1, len(factors) + 1):
        for combo in itertools.combinations(factors, r):
            values = sorted({tuple(t["attributes"].get(f, "") for f in combo) for t in trials})
            for v in values:
                key = ",".join(f"{f}={x}" for f, x in zip(combo, v, strict=True))
                sel = [t for t in trials if tuple(t["attributes"].get(f, "") for f in combo) == v]
                groups[key] = stats.group(sel)
            if r == 1:
                f = combo[0]
                for (a,), (b,) in itertools.combinations(values, 2):
                    sa = [t for t in trials if t["attributes"].get(f) == a]
                    sb = [t for t in trials if t["attributes"].get(f) == b]
                    differences[f"{f}: {a} - {b}"] = stats.difference(
                        groups[f"{f}={a}"],
                        groups[f"{f}={b}"],
                        stats.correct_latencies(sa),
                        stats.correct_latencies(sb),
                    )
    small = [k for k, g in groups.items() if "warning" in g]
    warnings = []
    if small:
        warnings.append(
            f"{len(small)} of {len(groups)} groups have fewer than {stats.SMALL_CELL} armed or "
            f"unarmed trials: too few to say anything about them on their own (each group's "
            f"`warning` in the JSON); the smallest: {small[-1]}"
        )
    model = stats.mixed_model(trials, factors)
    if not model["fitted"]:
        warnings.append(model["warning"])
    return {
        "groups": groups,
        "differences": differences,
        "mixed_model": model,
        "warnings": warnings,
    }


def report(
    paths: list[Path],
    out_dir: Path,
    trainees: list[str] | None = None,
    study_arg: str | Path | None = None,
) -> dict:
    trainees = list(trainees or [])
    if trainees and len(trainees) != len(paths):
        raise RecordingError("give one --trainee per recording, in the same order, or none")
    all_trials: list[dict] = []
    study = None
    for i, path in enumerate(paths):
        who = trainees[i] if trainees else path.name.split(".")[0]
        s, _, tr = trials_of(path, who, study_arg)
        if study is not None and s.root != study.root:
            raise RecordingError(f"{path}: a run of study {s.name}, not {study.name}")
        study = s
        all_trials += tr
    if study is None:
        raise RecordingError("study report: no recordings given")
    result = {
        "study": study.name,
        "title": study.title,
        "factors": list(study.factors),
        "recordings": [p.name for p in paths],
        **analyse(all_trials, study.factors),
        "trials": all_trials,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")
    write_csv(all_trials, study.factors, out_dir / "trials.csv")
    (out_dir / "study-report.html").write_text(render_html(result))
    return result


def write_csv(trials: list[dict], factors: tuple[str, ...], path: Path) -> None:
    cols = [
        "trainee",
        "recording",
        "seed",
        "index",
        "stimulus",
        "actor",
        *factors,
        "armed",
        "object",
        "shot",
        "shots",
        "latency_ms",
        "zone",
        "explain",
    ]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for t in trials:
            row = {**t, **t["attributes"]}
            row["armed"], row["shot"] = int(t["armed"]), int(t["shot"])
            w.writerow(["" if row.get(c) is None else row.get(c) for c in cols])


# -- HTML -----------------------------------------------------------------------------------


def _fmt(v, nd=2) -> str:
    if v is None:
        return "–"
    return f"{v + 0.0:.{nd}f}" if isinstance(v, float) else str(v)


def _dot_plot(
    title: str,
    rows: list[tuple[str, float | None, list[float] | None]],
    lo: float,
    hi: float,
    unit: str = "",
    zero: float | None = None,
) -> str:
    """One row per group: a dot at the value, a line over its interval when there is one."""
    w, left, row_h = 560, 190, 26
    h = 34 + row_h * len(rows)
    span = (hi - lo) or 1.0
    num = (lambda v: f"{v:.0f}") if span >= 20 else (lambda v: f"{v + 0.0:.2f}")
    x = lambda v: left + (min(max(v, lo), hi) - lo) / span * (w - left - 20)  # noqa: E731
    parts = [
        f'<svg width="{w}" height="{h}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="4" y="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    if zero is not None:
        parts.append(
            f'<line x1="{x(zero):.1f}" y1="22" x2="{x(zero):.1f}" y2="{h - 4}" stroke="#999" '
            f'stroke-dasharray="3,3"/>'
        )
    for k in range(5):
        v = lo + span * k / 4
        parts.append(
            f'<text x="{x(v):.1f}" y="{h - 2}" font-size="10" text-anchor="middle" '
            f'fill="#555">{num(v)}{unit}</text>'
        )
    for i, (label, v, ci) in enumerate(rows):
        y = 30 + i * row_h + row_h / 2
        parts.append(f'<text x="4" y="{y + 4:.1f}" font-size="12">{html.escape(label)}</text>')
        if ci:
            parts.append(
                f'<line x1="{x(ci[0]):.1f}" y1="{y:.1f}" x2="{x(ci[1]):.1f}" y2="{y:.1f}" '
                f'stroke="#3465a4" stroke-width="2"/>'
            )
        if v is not None:
            parts.append(
                f'<circle cx="{x(v):.1f}" cy="{y:.1f}" r="5" fill="#204a87"/>'
                f'<text x="{x(v) + 8:.1f}" y="{y - 6:.1f}" font-size="10">{num(v)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _rate_bars(groups: dict, keys: list[str]) -> str:
    """Hit rate (shots at armed subjects) and false-alarm rate (shots at unarmed ones)."""
    w, left, row_h = 560, 190, 30
    h = 40 + row_h * len(keys)
    bw = w - left - 60
    parts = [
        f'<svg width="{w}" height="{h}" role="img" aria-label="rates">',
        '<text x="4" y="16" font-weight="bold">Shot when armed (blue) / shot when unarmed '
        "(red)</text>",
    ]
    for i, k in enumerate(keys):
        g = groups[k]
        y = 28 + i * row_h
        parts.append(f'<text x="4" y="{y + 14}" font-size="12">{html.escape(k)}</text>')
        for j, (v, colour) in enumerate(((g["hit_rate"], "#3465a4"), (g["fa_rate"], "#cc0000"))):
            v = v or 0.0
            parts.append(
                f'<rect x="{left}" y="{y + j * 12}" width="{v * bw:.1f}" height="10" '
                f'fill="{colour}"/>'
                f'<text x="{left + v * bw + 4:.1f}" y="{y + j * 12 + 9}" '
                f'font-size="10">{v:.0%}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def render_html(r: dict) -> str:
    g = r["groups"]
    singles = [k for k in g if k != "all" and "," not in k]
    e = html.escape
    body = [
        f"<h1>{e(r['title'])}</h1>",
        f"<p>Study <b>{e(r['study'])}</b>; recordings: {e(', '.join(r['recordings']))}; "
        f"{g['all']['trials']} trials. A shot at an armed subject is a hit, at an unarmed one "
        "a false alarm. d′ is how well shots follow the weapon (higher is better); c is the "
        "readiness to shoot (below 0: quicker to shoot). Force decisions should not differ "
        "between groups.</p>",
    ]
    if r["warnings"]:
        body.append(
            '<div class="warn"><b>Read with care:</b><ul>'
            + "".join(f"<li>{e(w)}</li>" for w in r["warnings"])
            + "</ul></div>"
        )
    body.append(_rate_bars(g, ["all", *singles]))
    body.append(
        _dot_plot(
            "Sensitivity d′ by group",
            [(k, g[k]["d_prime"], None) for k in ["all", *singles]],
            -1,
            4,
        )
    )
    body.append(
        _dot_plot(
            "Criterion c by group (below 0: quicker to shoot)",
            [(k, g[k]["c"], None) for k in ["all", *singles]],
            -1.5,
            1.5,
            zero=0,
        )
    )
    lats = [
        g[k]["latency_ms_median"]
        for k in ["all", *singles]
        if g[k]["latency_ms_median"] is not None
    ]
    if lats:
        body.append(
            _dot_plot(
                "Median time to a correct shot (ms)",
                [(k, g[k]["latency_ms_median"], None) for k in ["all", *singles]],
                0,
                max(lats) * 1.25,
            )
        )
    diffs = r["differences"]
    if diffs:
        dp = [(k, d["d_prime"]["diff"], d["d_prime"]["ci95"]) for k, d in diffs.items()]
        cc = [(k, d["c"]["diff"], d["c"]["ci95"]) for k, d in diffs.items()]
        body.append(
            _dot_plot("Difference in d′ between groups, with 95 % interval", dp, -3, 3, zero=0)
        )
        body.append(
            _dot_plot("Difference in c between groups, with 95 % interval", cc, -2, 2, zero=0)
        )
    cols = [
        "trials",
        "hits",
        "misses",
        "false_alarms",
        "correct_rejections",
        "hit_rate",
        "fa_rate",
        "d_prime",
        "c",
        "latency_ms_median",
    ]
    body.append(
        "<h2>Groups</h2><table><tr><th>group</th>"
        + "".join(f"<th>{c}</th>" for c in cols)
        + "</tr>"
    )
    for k, v in g.items():
        body.append(
            f"<tr><td>{e(k)}</td>" + "".join(f"<td>{_fmt(v[c])}</td>" for c in cols) + "</tr>"
        )
    body.append("</table>")
    m = r["mixed_model"]
    body.append("<h2>Mixed model</h2>")
    if not m["fitted"]:
        body.append(f"<p>{e(m['warning'])}</p>")
    else:
        for name, mm in m["models"].items():
            body.append(f"<h3>{e(name)}: {e(mm.get('formula', ''))}</h3>")
            if "error" in mm:
                body.append(f"<p>Could not be fitted: {e(mm['error'])}</p>")
                continue
            body.append(
                "<table><tr><th>term</th><th>estimate</th><th>95 % CI</th><th>p</th></tr>"
                + "".join(
                    f"<tr><td>{e(k)}</td><td>{c['estimate']:.3f}</td><td>{c['ci95'][0]:.3f} – "
                    f"{c['ci95'][1]:.3f}</td><td>{c['p']:.3f}</td></tr>"
                    for k, c in mm["coefficients"].items()
                )
                + "</table>"
            )
    body.append("<h2>Decisions and explanations</h2>")
    head = "".join(f"<th>{c}</th>" for c in ("#", "subject", "holds", "decision", "ms"))
    for who in sorted({t["trainee"] for t in r["trials"]}):
        body.append(f"<h3>{e(who)}</h3><table><tr>{head}<th>why (trainee)</th></tr>")
        for t in (t for t in r["trials"] if t["trainee"] == who):
            cls = "ok" if t["shot"] == t["armed"] else "bad"
            cells = (
                t["index"],
                e(", ".join(t["attributes"].values())),
                e(t["object"]),
                "shot" if t["shot"] else "held fire",
                _fmt(t["latency_ms"], 0),
                e(t["explain"]),
            )
            body.append(f'<tr class="{cls}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        body.append("</table>")
    style = (
        "body{font-family:sans-serif;margin:20px;max-width:1000px}"
        "table{border-collapse:collapse;margin:8px 0;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:3px 6px}"
        ".warn{background:#fff4ce;padding:6px 10px;border:1px solid #e0c060}"
        "tr.bad td{background:#fde0e0}svg{display:block;margin:10px 0}"
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{e(r["title"])}</title>'
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )


__all__ = ["analyse", "report", "trials_of"]
