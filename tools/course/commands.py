"""`sightline course run|plan|report|lint|script|make-backdrop` (docs/courses.md).

`run` is `sightline run` on the course's compiled pack, with the same options, and prints
the course result at the end (and stores a qualification with --trainee). `plan` prints
the schedule of a run; `report` scores a recording by re-simulating its inputs (the
recording's own course, checked by its hash like any pack); `script` writes an input
script from the plan. Must not import tools.cli.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from content.courses import lint_course, load_course, resolve
from sim.course import plan
from sim.course_model import END_S
from sim.course_scoring import score_log
from sim.errors import UserError


def course_command(args) -> int:
    return {
        "run": _run,
        "plan": _plan,
        "report": _report,
        "lint": _lint,
        "script": _script,
        "make-backdrop": _make_backdrop,
    }[args.action](args)


def course_length_s(course, tick_hz: int = 120) -> float:
    """Session seconds of a run in which every stage runs its full time, to the end."""
    stages = plan(course, tick_hz)["stages"]
    return stages[-1]["window"][1] - stages[-1]["window"][0] + stages[-1]["start"] + END_S


def _run(args) -> int:
    from tools.run_cmd import run_command

    root = resolve(args.course)
    course = load_course(root)
    if args.fps < 4:
        # engine.fixed_loop treats a frame over 0.25 s as a stall and skips the time: a
        # headless course at 2 fps ran half its session time and lost the later stages
        raise UserError(f"--fps {args.fps:g}: a course runs at 4 frames a second or more")
    args.pack = root
    args.command = "run"
    if args.seconds is None:  # headless runs stop: here, after the whole course
        args.seconds = course_length_s(course, args.tick_hz) + 1.0

    def after(pack, result) -> None:
        report = score_log(course, result.session.runtime.log())
        print(format_report(report))
        _store_qualification(args, course, report, result)

    args.after_run = after
    return run_command(args)


def _store_qualification(args, course, report: dict, result) -> None:
    """With --trainee: the course's result (and a qualification's date and due date) goes
    into the training records."""
    if not (getattr(args, "trainee", None) or []):
        return
    from tools.records.qualifications import store_qualification

    store_qualification(args, course, report, result)


def _plan(args) -> int:
    course = load_course(resolve(args.course))
    out = plan(course, args.tick_hz)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for stage in out["stages"]:
        st = course.stages[stage["index"]]
        t0, t1 = stage["window"]
        print(
            f"stage {stage['index'] + 1} {st.id}: beep at {stage['start']:.3f} s, "
            f"window {t0:.3f}-{t1:.3f} s"
        )
        for t in stage["targets"]:
            what = f"{t['shots']} shots" if t["shoot"] else "no-shoot"
            print(f"  {t['name']:<12} aim ({t['aim'][0]:.4f}, {t['aim'][1]:.4f})  {what}")
    return 0


def score_recording(path: Path, pack_dir: Path | None = None) -> dict:
    """The course result of a recorded run, re-simulated from its inputs."""
    from tools.recordings import load_recording

    rec = load_recording(path, pack_dir)
    course = getattr(rec.pack, "course", None)
    if course is None:
        raise UserError(f"{path}: not a recording of a course (it ran {rec.pack.title!r})")
    rt = rec.runtime()
    inputs = rec.inputs_by_tick()
    while rt.state.tick < rec.last_tick:
        rt.step(inputs.get(rt.state.tick + 1, []))
    rec.check()
    return score_log(course, rt.log())


def _report(args) -> int:
    report = score_recording(args.recording, args.course)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
    return 0


def format_report(report: dict) -> str:
    verdict = "PASS" if report["pass"] else "FAIL"
    lines = [
        f"Course: {report['course']}",
        f"Score: {report['score']} / {report['max']} ({report['percent']:g} %): {verdict} "
        f"(pass at {report['pass_percent']:g} %)"
        + ("" if report["complete"] else ", not finished"),
    ]
    for i, s in enumerate(report["stages"], 1):
        times = (
            f"first {s['first_shot_s']:.2f} s, total {s['total_s']:.2f} s"
            if s["first_shot_s"] is not None
            else "no shots"
        )
        par = ""
        if s["within_par"] is not None:
            par = ", within par" if s["within_par"] else f", over par ({s['par_s']:g} s)"
        hits = ", ".join(f"{k} {v}" for k, v in s["hits"].items()) or "no hits"
        extra = " (skipped)" if s["skipped"] else ""
        extra += f", {s['over_limit']} over the shot limit" if s["over_limit"] else ""
        extra += f", {s['no_shoot_hits']} no-shoot hits" if s["no_shoot_hits"] else ""
        lines.append(
            f"  {i}. {s['title']}: {s['score']}/{s['max']} ({s['percent']:g} %), "
            f"{s['shots']} shots, {times}{par}; {hits}{extra}"
        )
    return "\n".join(lines)


def _lint(args) -> int:
    worst = 0
    for name in args.courses:
        findings = lint_course(resolve(name))
        for f in findings:
            print(f)
        errors = sum(f.level == "error" for f in findings)
        worst = max(worst, 1 if errors else 0)
        if not findings:
            print(f"{name}: ok")
    return worst


def _script(args) -> int:
    from tools.course.script import script_from_plan, to_jsonl

    course = load_course(resolve(args.course))
    text = to_jsonl(script_from_plan(plan(course, args.tick_hz), hit=not args.miss))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _make_backdrop(args) -> int:
    from tools.course.backdrop import make_backdrop

    print(f"wrote {make_backdrop(args.out)}")
    return 0
