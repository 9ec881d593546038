"""One reader for a recording (tools.recordings.load_recording) behind `replay`,
`replay --verify` and `aar`: each refuses a pack whose content changed since the recording
with the same one-line error, and names --pack when the pack moved. The recordings here
are written straight from the sim (no rendering), the way engine/session.py writes them."""

from __future__ import annotations

import shutil

import pytest

from content.pack import load_pack
from engine.recorder import pack_hash
from sim import events as ev
from sim.recording import MAGIC, RecordingError, encode_record, event_record
from tests.conftest import edit
from tools.cli import main
from tools.recordings import TORN_TAIL, load_recording

TICK_HZ = 120
INPUTS = {  # tick: events applied at it
    36: [ev.Flag(0.3, "look")],
    60: [ev.KeyPress(0.5, "2")],
    96: [ev.Shot(0.8, 0.1, 0.5)],
}
CHANGED = "this pack is not the one recorded (its content changed)"


def write_recording(path, pack_dir, ticks: int = 150, header: dict | None = None):
    """A recording of `ticks` ticks of the pack at `pack_dir`, with INPUTS applied."""
    from sim.runtime import ScenarioRuntime

    pack = load_pack(pack_dir)
    header = header or {
        "k": "header",
        "format": 1,
        "program": "test",
        "pack": str(pack_dir.resolve()),
        "pack_hash": pack_hash(pack),
        "config": {"tick_hz": TICK_HZ, "screen_aspect": 16 / 9},
    }
    records = [encode_record(header)]
    rt = ScenarioRuntime(pack.scenario, TICK_HZ, 16 / 9)
    for tick in range(1, ticks + 1):
        events = INPUTS.get(tick, [])
        records += [encode_record(event_record(tick, e)) for e in events]
        rt.step(events)
        records.append(encode_record({"k": "tick", "tick": tick, "d": rt.state.digest}))
    path.write_bytes(MAGIC + b"".join(records))
    return path


@pytest.fixture
def recording(tmp_path, pack):
    return write_recording(tmp_path / "s.rec", pack)


def test_load_recording_returns_header_pack_inputs_and_digests(recording, pack):
    rec = load_recording(recording)
    assert rec.header["k"] == "header" and rec.pack.root.resolve() == pack.resolve()
    assert rec.tick_hz == TICK_HZ and rec.last_tick == 150 and len(rec.digests) == 150
    assert [(t, type(e).__name__) for t, e in rec.inputs] == [
        (36, "Flag"),
        (60, "KeyPress"),
        (96, "Shot"),
    ]
    assert not rec.torn_tail and rec.warnings == []


def test_verify_and_aar_accept_the_pack_recorded(recording, tmp_path, capsys):
    assert main(["replay", str(recording), "--verify"]) == 0
    assert "verified 150 ticks, 3 inputs" in capsys.readouterr().out
    assert main(["aar", str(recording), "-o", str(tmp_path / "aar")]) == 0
    assert (tmp_path / "aar" / "report.html").is_file()


@pytest.mark.parametrize(
    "argv",
    [["replay", "--verify"], ["aar", "-o", "OUT"], ["replay", "--offscreen"]],
    ids=["verify", "aar", "replay"],
)
def test_every_command_refuses_a_changed_pack_with_the_same_error(
    recording, pack, tmp_path, capsys, argv
):
    edit(pack, 'title = "fixture"', 'title = "fixture, edited since"')
    argv = [a.replace("OUT", str(tmp_path / "aar")) for a in argv]
    assert main([argv[0], str(recording), *argv[1:]]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"sightline: error: {pack}: {CHANGED}, so a replay cannot be exact"
    assert not (tmp_path / "aar").exists()  # aar wrote nothing


def test_a_changed_clip_is_a_changed_pack(recording, pack, capsys):
    with (pack / "media" / "b.mp4").open("ab") as fh:
        fh.write(b"\0")  # one byte more: the size is hashed with the clip's ends
    assert main(["replay", str(recording), "--verify"]) == 2
    assert CHANGED in capsys.readouterr().err


def test_a_moved_pack_is_named_and_found_with_pack(recording, pack, tmp_path, capsys):
    moved = shutil.move(pack, tmp_path / "moved")
    assert main(["aar", str(recording), "-o", str(tmp_path / "aar")]) == 2
    err = capsys.readouterr().err
    assert f"{pack}, is not there; give its new place with --pack" in err
    assert main(["replay", str(recording), "--verify", "--pack", str(moved)]) == 0


def test_a_torn_recording_verifies_with_a_note_and_aar_warns(recording, tmp_path, capsys):
    recording.write_bytes(recording.read_bytes()[:-5])
    assert main(["replay", str(recording), "--verify"]) == 0
    assert f"every tick matches ({TORN_TAIL})" in capsys.readouterr().out
    assert main(["aar", str(recording), "-o", str(tmp_path / "aar")]) == 0
    assert f"warning: {TORN_TAIL}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"k": "header", "config": {"tick_hz": "fast"}}, "tick_hz 'fast'"),
        ({"k": "header", "config": {"tick_hz": 0}}, "tick_hz 0"),
        ({"k": "header", "config": []}, "config is not a table"),
        ({"k": "header"}, "no pack path; name the pack with --pack"),
    ],
)
def test_a_bad_header_is_a_recording_error(tmp_path, pack, header, message):
    path = write_recording(tmp_path / "bad.rec", pack, ticks=2, header=header)
    with pytest.raises(RecordingError, match=message):
        load_recording(path)


def test_a_missing_file_is_a_recording_error(tmp_path):
    with pytest.raises(RecordingError, match="cannot read"):
        load_recording(tmp_path / "nope.rec")
