"""Training subcommands: trainee, class, records and db (the training records and their
reports), study (counter-bias studies) and course (courses of fire, docs/courses.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UserError
from tools.cli.registry import (
    add_db_option,
    add_policies_option,
    add_run_options,
    add_trainee_options,
    command,
    policy_library,
    positive,
    tick_hz,
)

# -- training records: trainee, class, records, db ---------------------------------------


def _trainee_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("add", help="add a trainee to the records")
    a.add_argument("id", metavar="ID", help="the academy's ID for the trainee")
    a.add_argument("--name", required=True)
    a.add_argument("--class", dest="class_id", metavar="C", help="their class (cohort)")
    add_db_option(a)
    a = sub.add_parser("list", help="every trainee, their class and session count")
    a.add_argument("--json", action="store_true")
    add_db_option(a)
    a = sub.add_parser("show", help="a trainee's sessions, scores and levels")
    a.add_argument("id", metavar="ID")
    a.add_argument("--json", action="store_true")
    add_db_option(a)
    a = sub.add_parser(
        "report", help="a progress report (HTML, CSV, JSON): levels, reaction times, next"
    )
    a.add_argument("id", metavar="ID")
    _add_report_options(a)


def _add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    p.add_argument(
        "--library",
        type=Path,
        action="append",
        metavar="DIR",
        help="scenario packs to recommend from (repeatable; default: the bundled packs)",
    )
    add_policies_option(p)
    add_db_option(p)


def _report(args: argparse.Namespace, write) -> int:
    from content import PACKS_DIR
    from tools.records.db import database_url

    library = args.library or [PACKS_DIR]
    for folder in library:
        if not folder.is_dir():
            raise UserError(f"--library {folder}: no such folder")
    report = write(database_url(args.db), args.id, args.out, library, policy_library(args))
    print(f"wrote {report}")
    return 0


@command("trainee", "trainees in the training records: add, list, show", _trainee_arguments)
def _trainee(args: argparse.Namespace) -> int:
    if args.action == "report":
        from tools.reports.trainee import write_trainee_report

        return _report(args, write_trainee_report)
    from tools.records.commands import trainee_command

    return trainee_command(args)


def _class_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser(
        "report", help="a cohort's report (HTML, CSV, JSON): per trainee, per competency"
    )
    a.add_argument("id", metavar="C", help="the class (cohort) ID")
    _add_report_options(a)


@command("class", "a class (cohort) of trainees: report", _class_arguments)
def _class(args: argparse.Namespace) -> int:
    from tools.reports.cohort import write_class_report

    return _report(args, write_class_report)


def _records_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("import", help="store a recording's session (made without --trainee)")
    a.add_argument("recording", type=Path, metavar="REC")
    a.add_argument("--pack", type=Path, help="the pack, if it moved since the recording")
    add_trainee_options(a)
    a = sub.add_parser("export", help="everything about one trainee, as JSON")
    a.add_argument("id", metavar="ID")
    a.add_argument("-o", "--out", type=Path, metavar="FILE.json", help="default: stdout")
    add_db_option(a)
    a = sub.add_parser("delete", help="a trainee, their sessions, recordings and side files")
    a.add_argument("id", metavar="ID")
    add_db_option(a)
    a = sub.add_parser("purge", help="delete sessions (and their files) older than DAYS")
    a.add_argument("--older-than", type=positive, required=True, metavar="DAYS")
    a.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    add_db_option(a)


@command("records", "training records: import, export, delete, purge", _records_arguments)
def _records(args: argparse.Namespace) -> int:
    from tools.records.commands import records_command

    return records_command(args)


def _db_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    add_db_option(sub.add_parser("upgrade", help="migrate the records database's schema"))
    add_db_option(sub.add_parser("status", help="the schema the database and program are at"))


@command("db", "the records database: upgrade, status", _db_arguments)
def _db(args: argparse.Namespace) -> int:
    from tools.records.commands import db_command

    return db_command(args)


# -- studies: lint, plan, run, report ------------------------------------------------------


def _study_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("lint", help="is the design balanced? which cells are missing")
    a.add_argument("study", metavar="STUDY", help="study folder, or a bundled study's name")
    a = sub.add_parser("plan", help="the trial schedule of a run with this seed")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--json", action="store_true", help="as JSON (docs/studies.md)")
    a = sub.add_parser("run", help="run the study (the same options as run)")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True, help="the order; one per trainee")
    add_run_options(a)
    a = sub.add_parser("report", help="decisions by subject attributes over recordings")
    a.add_argument("recordings", type=Path, nargs="+", metavar="REC")
    a.add_argument("-o", "--out", type=Path, required=True, metavar="DIR")
    a.add_argument("--json", action="store_true", help="also print the report's JSON")
    a.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="ID",
        help="who made each recording, in order (default: the file name's stem)",
    )
    a.add_argument("--study", help="the study folder (default: the bundled one named)")
    a = sub.add_parser("pack", help="write a run's pack (for replay and aar --pack)")
    a.add_argument("study", metavar="STUDY")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("out", type=Path, metavar="DIR")
    a = sub.add_parser("make-demo", help="generate the demo study's stimuli and study.toml")
    a.add_argument("out", type=Path, nargs="?", default=Path("content/studies/demo"))


@command("study", "counter-bias studies: lint, plan, run, report", _study_arguments)
def _study(args: argparse.Namespace) -> int:
    from tools.study.commands import study_command

    return study_command(args)


# -- courses of fire (docs/courses.md) -----------------------------------------------------


def _course_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    a = sub.add_parser("run", help="run a course (the same options as run)")
    a.add_argument("course", metavar="COURSE", help="course folder, or a bundled course's name")
    add_run_options(a)
    a.add_argument("--script", type=Path, dest="inputs", metavar="FILE.jsonl", help="= --inputs")
    a = sub.add_parser("plan", help="the schedule of a run: stage starts, windows, aims")
    a.add_argument("course", metavar="COURSE")
    a.add_argument("--json", action="store_true", help="as JSON (docs/courses.md)")
    a.add_argument("--tick-hz", type=tick_hz, default=120, help="simulation rate (default 120)")
    a = sub.add_parser("report", help="score a recorded course run, per stage and in total")
    a.add_argument("recording", type=Path, metavar="REC")
    a.add_argument("--json", action="store_true", help="as JSON (docs/courses.md)")
    a.add_argument("--course", type=Path, metavar="DIR", help="the course, if it moved")
    a = sub.add_parser("lint", help="check course folders; exit 1 on any error")
    a.add_argument("courses", nargs="+", metavar="COURSE")
    a = sub.add_parser("script", help="an input script shooting every round at its aim")
    a.add_argument("course", metavar="COURSE")
    a.add_argument("--miss", action="store_true", help="every shot wide of every target")
    a.add_argument("-o", "--out", type=Path, metavar="FILE.jsonl")
    a.add_argument("--tick-hz", type=tick_hz, default=120, help="simulation rate (default 120)")
    a = sub.add_parser("make-backdrop", help="rebuild the bundled range backdrop clip")
    a.add_argument("out", type=Path, nargs="?", default=Path("content/courses/range.mp4"))


@command("course", "courses of fire: run, plan, report, lint, script", _course_arguments)
def _course(args: argparse.Namespace) -> int:
    from tools.course.commands import course_command

    if args.action == "run" and (args.trainee or args.instructor_name):
        from tools.records.sessions import check_run

        check_run(args)
    return course_command(args)
