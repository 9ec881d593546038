"""Pack authoring subcommands: lint (check packs), graph (draw the branch graph), catalog
(the library's packs and make-up), new (a pack from your footage), zones (track a hit
zone from one box) and make-demo (regenerate the bundled packs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.errors import UserError
from tools.cli.registry import command, policy_library

# -- lint, graph, catalog -------------------------------------------------------------------


def _lint_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("packs", type=Path, nargs="+", metavar="PACK")
    p.add_argument("--json", action="store_true", help="machine-readable findings")
    p.add_argument(
        "--policies",
        type=Path,
        action="append",
        metavar="DIR",
        help="also check that the packs' policy links resolve in this policy library "
        "(repeatable; without it, only the links' form is checked)",
    )


@command("lint", "check scenario packs; exit 1 on any error", _lint_arguments)
def lint_command(args: argparse.Namespace) -> int:
    import json

    from content.lint import findings_json, lint_pack

    library = policy_library(args) if args.policies else None
    results = {str(p): lint_pack(p, library) for p in args.packs}
    if args.json:
        print(json.dumps(findings_json(results), indent=2))
    else:
        for pack, findings in results.items():
            errors = sum(f.level == "error" for f in findings)
            for f in findings:
                print(f)
            warnings = len(findings) - errors
            print(
                f"{pack}: "
                + ("ok" if not findings else f"{errors} error(s), {warnings} warning(s)")
            )
    return 1 if any(f.level == "error" for fs in results.values() for f in fs) else 0


def _graph_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, metavar="FILE.svg|.png")


@command("graph", "draw a pack's branch graph to SVG or PNG", _graph_arguments)
def _graph(args: argparse.Namespace) -> int:
    from content.pack import load_pack
    from tools.graph import write_graph

    if args.out.suffix.lower() not in (".svg", ".png"):
        raise UserError(f"{args.out}: graph output must end in .svg or .png")
    write_graph(load_pack(args.pack, collect_media=True), args.out)
    print(f"wrote {args.out}")
    return 0


def _catalog_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, nargs="?", help="folder of packs (default: bundled)")
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep packs matching (repeatable), e.g. category=de-escalation",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument(
        "--makeup",
        action="store_true",
        help="report counts per category and per subject attribute instead",
    )
    p.add_argument(
        "--compare",
        type=Path,
        metavar="CENSUS.csv",
        help="with --makeup: subjects' shares beside a community's (attribute,value,percent)",
    )


@command("catalog", "list packs and their metadata; the library's make-up", _catalog_arguments)
def _catalog(args: argparse.Namespace) -> int:
    from content import PACKS_DIR
    from tools.catalog import catalog

    root = args.dir or PACKS_DIR
    if not root.is_dir():
        raise UserError(f"{root}: not a folder")
    try:
        if args.compare is not None and not args.makeup:
            raise UserError("--compare sets the library's make-up beside a census: add --makeup")
        print(catalog(root, args.where, args.format, args.makeup, args.compare))
    except ValueError as exc:  # a bad --where or --format
        raise UserError(str(exc)) from None
    return 0


# -- authoring: new, zones, make-demo ----------------------------------------------------


def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path, help="folder to create")
    p.add_argument(
        "--from",
        dest="videos",
        type=Path,
        nargs="+",
        required=True,
        metavar="VIDEO",
        help="clips, the first one is the start",
    )
    p.add_argument("--title", help="scenario title (default: the folder name)")


@command("new", "start a pack from your own footage", _new_arguments)
def _new(args: argparse.Namespace) -> int:
    from tools import authoring

    manifest = authoring.new_pack(args.pack, args.videos, args.title)
    print(f"wrote {manifest}")
    print(
        f"next: edit it, then `sightline lint {args.pack}` and "
        f"`sightline zones {args.pack} SEGMENT --at T --box X,Y,W,H`"
    )
    return 0


def _zones_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", type=Path)
    p.add_argument("segment")
    p.add_argument("--at", type=float, default=0.0, metavar="T", help="media s of the frame")
    p.add_argument("--box", metavar="X,Y,W,H", help="the zone on that frame, normalized")
    p.add_argument("--name", default="subject")
    p.add_argument("--role", default="threat", help="threat, no-shoot or cover")
    p.add_argument("--points", type=int, default=0)
    p.add_argument("--every", type=float, default=0.2, help="keyframe spacing in s")
    p.add_argument(
        "--replace",
        action="store_true",
        help="track again a zone the segment already has under --name, in its place",
    )
    p.add_argument(
        "--preview", type=Path, metavar="FILE.png", help="write a contact sheet of the tracked zone"
    )
    p.add_argument(
        "--frame-out",
        type=Path,
        metavar="FILE.png",
        help="without --box: write the frame at --at with a grid to pick a box",
    )


@command("zones", "track a hit zone through a segment from one box", _zones_arguments)
def _zones(args: argparse.Namespace) -> int:
    from tools import authoring

    if args.box is None:
        out = args.frame_out or Path(f"{args.segment}-{args.at:g}s.png")
        authoring.write_grid_frame(args.pack, args.segment, args.at, out)
        print(
            f"wrote {out}: read the zone's box off its grid, then run again with "
            f"--box X,Y,W,H (normalized)"
        )
        return 0
    try:
        box = tuple(float(v) for v in args.box.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise UserError(f"--box {args.box!r}: expected X,Y,W,H")
    tracked = authoring.add_tracked_zone(
        args.pack,
        args.segment,
        args.name,
        args.role,
        args.at,
        box,
        args.points,
        args.every,
        args.preview,
        args.replace,
    )
    print(
        f"{'replaced' if tracked.replaced else 'added'} zone {args.name!r} "
        f"{'in' if tracked.replaced else 'to'} {args.segment}: {len(tracked.keys)} keyframes"
    )
    if tracked.confidence:
        print(
            "confidence per keyframe: "
            + ", ".join(
                f"{k['t']:g} s {c:.2f}"
                for k, c in zip(tracked.keys, tracked.confidence, strict=True)
            )
        )
    if tracked.lost_at_s is not None:
        print(
            f"warning: the tracker lost the target at {tracked.lost_at_s:.2f} s (confidence "
            f"{tracked.lost_confidence:.2f}) and stopped there; the zone holds its last "
            f"tracked position after it: correct it at that frame and track on "
            f"(`sightline studio`), or run zones again with --at {tracked.lost_at_s:.2f}"
        )
    if args.preview:
        print(f"wrote {args.preview}")
    return 0


def _make_demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "out",
        type=Path,
        nargs="?",
        help="folder to write the packs into (default: the bundled packs folder)",
    )


@command(
    "make-demo",
    "regenerate the bundled demo packs (clips, manifests, guidebooks)",
    _make_demo_arguments,
)
def _make_demo(args: argparse.Namespace) -> int:
    from content import PACKS_DIR
    from tools.make_demo import make_demo

    for path in make_demo(args.out or PACKS_DIR):
        print(f"wrote {path}")
    return 0
