"""The `sightline` command line: one entry point, one subcommand per job.

Each subcommand is registered with `@command(name, help, arguments)` on its handler
(tools/cli/registry.py): `arguments` declares its flags on an argparse parser, the handler
runs it and returns the exit status. Handlers import their tools module when they run, so
`sightline --help` stays quick, and no tools module imports this package
(tests/test_architecture.py checks for import cycles).

The handlers live in modules by job: session.py (run, demo, replay, aar, render-frame),
packs.py (lint, graph, catalog, new, zones, make-demo), devices.py, training.py (the
training records, studies, courses), bench.py, and stations.py (studio, lanes, community,
theater). This module imports them all, so every subcommand is registered, and lists them
in HELP_ORDER.

Every expected failure (a broken pack, a bad input script, a missing clip, no GL) is a
`UserError` (sim/errors.py), printed as one line, `sightline: error: ...`, with exit status
2; tracebacks are for bugs.
"""

from __future__ import annotations

import argparse
import os
import sys

from sim.errors import EXIT_STATUS, UserError

# Importing a command module registers its subcommands.
from tools.cli import bench, devices, packs, session, stations, training  # noqa: F401
from tools.cli.packs import lint_command
from tools.cli.registry import COMMANDS, command

__all__ = ["COMMANDS", "HELP_ORDER", "build_parser", "command", "lint_command", "main"]

# Quiet OpenCV's and FFmpeg's own stderr chatter; our errors say what matters.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: The subcommands in the order `sightline --help` lists them (the order they had when
#: tools/cli.py was one file), not the order their modules are imported in.
HELP_ORDER = (
    "run",
    "demo",
    "replay",
    "aar",
    "lint",
    "graph",
    "catalog",
    "render-frame",
    "calibrate",
    "detect-shots",
    "displays",
    "devices",
    "emulate",
    "new",
    "zones",
    "make-demo",
    "trainee",
    "class",
    "records",
    "db",
    "study",
    "bench",
    "studio",
    "course",
    "lane",
    "lanes",
    "community",
    "theater",
)


def build_parser() -> argparse.ArgumentParser:
    if sorted(HELP_ORDER) != sorted(COMMANDS):  # a new subcommand needs its place there
        differ = sorted(set(HELP_ORDER) ^ COMMANDS.keys())
        raise ValueError(f"HELP_ORDER and the registered subcommands differ: {differ}")
    parser = argparse.ArgumentParser(
        prog="sightline",
        description="Sightline: an open use-of-force and de-escalation training simulator.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in HELP_ORDER:
        cmd = COMMANDS[name]
        p = sub.add_parser(
            name, help=cmd.help, description=cmd.description, formatter_class=cmd.formatter
        )
        cmd.arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        return 130
    except UserError as exc:
        print(f"sightline: error: {exc}", file=sys.stderr)
        return EXIT_STATUS
    except OSError as exc:
        # a path the user named that cannot be used (an output folder where a file is, a
        # file where a folder is, no permission): one line naming it, not a traceback
        if exc.filename is None or exc.strerror is None:
            raise
        print(f"sightline: error: {exc.filename}: {exc.strerror.lower()}", file=sys.stderr)
        return EXIT_STATUS
