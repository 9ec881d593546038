"""The command line as a user meets it: help, and one-line errors with exit status 2."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from tools.cli import COMMANDS, build_parser, main
from tools.cli.registry import Command


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("run", "demo", "bench", "make-demo"):
        assert cmd in out


def test_console_script_entry_point_runs():
    out = subprocess.run(
        [sys.executable, "-m", "tools.cli", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "--video-out" in out.stdout


def _parsers(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """Every parser of the command tree, nested subcommands too, with the words to it."""
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*words, name))


def test_every_subcommand_help_renders():
    """argparse formats a help text only when asked for it: a bare % in a help string would
    be a traceback on `sightline ... --help`, not on any run."""
    found = dict(_parsers(build_parser()))
    for words, parser in found.items():
        assert parser.format_help().startswith(f"usage: {' '.join(('sightline', *words))} ")
    assert {("bench", "theater"), ("records", "purge"), ("lanes", "console")} <= found.keys()


def test_a_subcommand_missing_from_the_help_order_fails_loudly(monkeypatch):
    """The help lists subcommands in HELP_ORDER (tools/cli/__init__.py), not in the order
    their modules register them: one registered but left out of it must not vanish."""
    monkeypatch.setitem(COMMANDS, "unplaced", Command("x", lambda p: None, lambda a: 0))
    with pytest.raises(ValueError, match="unplaced"):
        build_parser()


def test_missing_pack_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope"), "--offscreen"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a scenario pack folder" in err
    assert f"{tmp_path / 'nope'}: does not exist" in err  # issue 14: say so
    (tmp_path / "file").write_text("x")
    assert main(["run", str(tmp_path / "file"), "--offscreen"]) == 2
    assert "does not exist" not in capsys.readouterr().err  # it exists: not a pack folder


def test_an_empty_manifest_names_the_version_and_the_format_doc(tmp_path, capsys):
    (tmp_path / "scenario.toml").write_text("")
    assert main(["run", str(tmp_path), "--offscreen"]) == 2
    err = capsys.readouterr().err
    assert "format_version: missing" in err
    assert "format_version = 1" in err and "docs/scenario-format.md" in err


class _NoApp:
    """Stands in for engine.app.SightlineApp: what run_command says before it runs."""

    def __init__(self, *args, **kwargs):
        raise KeyboardInterrupt


def test_headless_run_without_video_out_says_how_to_get_a_video(fixture_pack, monkeypatch, capsys):
    import engine.app

    monkeypatch.setattr(engine.app, "SightlineApp", _NoApp)
    assert main(["run", str(fixture_pack), "--offscreen"]) == 130
    assert "add --video-out FILE.mp4" in capsys.readouterr().out


def test_a_second_demo_keeps_the_first_video(tmp_path, monkeypatch, capsys):
    import engine.app
    from tools.defaults import DEMO_VIDEO

    monkeypatch.setattr(engine.app, "SightlineApp", _NoApp)
    monkeypatch.chdir(tmp_path)
    DEMO_VIDEO.parent.mkdir(parents=True)
    DEMO_VIDEO.write_bytes(b"the first run")
    assert main(["demo", "--offscreen"]) == 130
    (kept,) = DEMO_VIDEO.parent.glob("demo-*.mp4")
    assert kept.read_bytes() == b"the first run" and not DEMO_VIDEO.exists()
    out = capsys.readouterr().out
    assert f"previous demo video is kept as {kept}" in out
    assert "add --video-out" not in out  # the demo writes one


def test_bad_input_script_names_file_and_line(tmp_path, fixture_pack, capsys):
    script = tmp_path / "inputs.jsonl"
    script.write_text('{"t": 1, "type": "key", "key": "2"}\n{"t": 2, "type": "shot", "x": 3}\n')
    assert main(["run", str(fixture_pack), "--offscreen", "--inputs", str(script)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{script}:2" in err and "'x' = 3" in err


def test_video_out_must_be_an_mp4_name(tmp_path, fixture_pack, capsys):
    assert (
        main(["run", str(fixture_pack), "--offscreen", "--video-out", str(tmp_path / "x.gif")]) == 2
    )
    assert "use a .mp4 name" in capsys.readouterr().err
