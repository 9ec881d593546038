"""The command line as a user meets it: help, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tools.cli import main


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


def test_missing_pack_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope"), "--offscreen"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not a scenario pack folder" in err


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
