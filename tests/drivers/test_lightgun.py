"""Open-source light guns: the command stream a session sends, checked by an emulator
that parses it the way the OpenFIRE firmware does."""

from __future__ import annotations

import pytest

from drivers.lightgun import LightGun, parse_commands
from tests.conftest import run_cli, write_script
from tests.drivers.test_links import wait_for
from tools.emulate import Emulator


def test_commands_use_the_guns_padding_byte():
    assert LightGun("openfire")._cmd("F0", 2, 1) == b"F0x2x1"
    assert LightGun("gun4ir")._cmd("F0", 2, 1) == b"F0.2.1"


def test_parser_reads_run_together_commands_and_skips_noise():
    assert parse_commands(b"S6M3x0M4x1junkF0x2x1FDAx12E") == [
        ("S6",),
        ("M3", "0"),
        ("M4", "1"),
        ("F0", "2", "1"),
        ("FDA", "12"),
        ("E",),
    ]


def run_against_gun(tmp_path, fixture_pack, events, seconds):
    emu = Emulator("openfire", tmp_path / "gun")
    script = tmp_path / "in.jsonl"
    write_script(script, events)
    try:
        proc = run_cli(
            "run",
            str(fixture_pack),
            "--offscreen",
            "--size",
            "320x180",
            "--seconds",
            str(seconds),
            "--inputs",
            str(script),
            "--device",
            f"openfire:{emu.link}",
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-1500:]
        # the last bytes may still be in the pty when the run exits
        assert wait_for(lambda: emu.received.endswith(b"E")), bytes(emu.received)
    finally:
        emu.close()
    return proc.stdout, emu.commands, bytes(emu.received)


@pytest.mark.render
def test_scripted_headless_run_drives_the_gun(tmp_path, fixture_pack):
    _, cmds, received = run_against_gun(
        tmp_path,
        fixture_pack,
        [
            {"t": 0.2, "type": "shot", "x": 0.9, "y": 0.1},
            {"t": 0.4, "type": "malfunction", "weapon": "w1"},
            {"t": 0.6, "type": "shot", "x": 0.9, "y": 0.1},
            {"t": 0.8, "type": "shot", "x": 0.1, "y": 0.5},
        ],
        seconds=1.2,
    )
    assert cmds[0] == ("S6",) and cmds[-1] == ("E",)  # take control, give it back
    assert received.count(b"E") == 1 and received.endswith(b"E")
    assert cmds.count(("F0", "2", "1")) == 2  # one pulse per shot fired...
    assert cmds.count(("F1", "2", "1")) == 1  # ...and a rumble for the dry pull
    assert ("R0", "0", "20") in cmds  # pulse timing set at the handoff


@pytest.mark.render
def test_an_empty_magazine_gives_no_recoil_and_the_display_counts_down(tmp_path, fixture_pack):
    stdout, cmds, _ = run_against_gun(
        tmp_path,
        fixture_pack,
        [
            {"t": 0.1, "type": "magazine", "weapon": "w1", "inserted": True, "rounds": 1},
            {"t": 0.3, "type": "shot", "x": 0.9, "y": 0.1},
            {"t": 0.5, "type": "shot", "x": 0.9, "y": 0.1},
        ],
        seconds=0.8,
    )
    assert cmds.count(("F0", "2", "1")) == 1  # one round: one recoil
    assert ("F1", "2", "1") not in cmds  # an empty gun does not rumble either
    assert [c for c in cmds if c[0] == "FDA"] == [("FDA", "1"), ("FDA", "0")]
    assert "DRY: empty" in stdout
