"""`sightline study lint | plan | run | report | make-demo` (docs/studies.md). The argument
parsers are in tools/cli/training.py (they share the run options); the work is here."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from sim.errors import UserError
from tools.study.design import cells, lint_study, load_study, make_plan
from tools.study.scenario import write_pack


def study_command(args: argparse.Namespace) -> int:
    return {
        "lint": _lint,
        "plan": _plan,
        "run": _run,
        "report": _report,
        "pack": _pack,
        "make-demo": _make,
    }[args.action](args)


def _pack(args: argparse.Namespace) -> int:
    """The pack a run with this seed played: `replay` and `aar` take it with --pack (the
    run's own copy was a temporary folder)."""
    if args.out.exists() and any(args.out.iterdir()):
        raise UserError(f"{args.out}: not empty; give a new folder")
    write_pack(make_plan(load_study(args.study), args.seed), args.out)
    print(f"wrote {args.out}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    study = load_study(args.study)
    problems = lint_study(study)
    table = cells(study)
    print(
        f"{study.root}: {len(study.stimuli)} stimuli, {len(table)} attribute cells "
        f"({' x '.join(study.factors)}), {study.trials} trials + {study.practice} practice"
    )
    for p in problems:
        print(f"error: {p}")
    if not problems:
        print("balanced: every attribute combination meets armed and unarmed subjects equally")
    return 1 if problems else 0


def _plan(args: argparse.Namespace) -> int:
    plan = make_plan(load_study(args.study), args.seed)
    if args.json:
        print(json.dumps(plan.as_json(), indent=1))
        return 0
    for t in (*plan.practice, *plan.trials):
        s = t.stimulus
        print(
            f"{t.segment:18s}  {t.start_s:7.2f} s  window {t.window[0]:.2f}-{t.window[1]:.2f}  "
            f"{'armed  ' if s.armed else 'unarmed'}  {s.object:7s} "
            + ", ".join(f"{k}={v}" for k, v in s.attributes.items())
        )
    print(f"{plan.seconds:.2f} s in all")
    return 0


def _run(args: argparse.Namespace) -> int:
    from tools.run_cmd import run_command

    study = load_study(args.study)
    problems = lint_study(study)
    if problems:
        raise UserError(
            f"{study.root}: the design is not balanced ({problems[0]}); see `sightline study lint`"
        )
    plan = make_plan(study, args.seed)
    with tempfile.TemporaryDirectory(prefix="sightline-study-") as tmp:
        args.pack = write_pack(plan, Path(tmp) / "pack")
        args.command = "run"
        # no shot markers on the trainee screen: where a shot landed, in the colour of the
        # zone's role, would tell armed from unarmed before the trainee explains
        args.no_markers = True
        if args.seconds is None:
            args.seconds = plan.seconds + 1.0
        print(
            f"Study {study.name}, seed {args.seed}: {len(plan.practice)} practice + "
            f"{len(plan.trials)} trials, {plan.seconds:.1f} s"
        )
        return run_command(args)


def _report(args: argparse.Namespace) -> int:
    from tools.study.report import report

    result = report(args.recordings, args.out, args.trainee, args.study)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"wrote {args.out / 'study-report.html'}, trials.csv, report.json")
        for w in result["warnings"]:
            print(f"warning: {w}")
    return 0


def _make(args: argparse.Namespace) -> int:
    from tools.study.demo import make_demo_study

    for p in make_demo_study(args.out):
        print(p)
    return 0
