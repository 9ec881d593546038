"""Bad paths and files named on the command line get one line naming them, not a
traceback (found by a sweep of every subcommand with broken input)."""

from __future__ import annotations

import pytest

from content import DEMO_PACK
from tests.conftest import run_cli


def _one_line(proc, says: str) -> None:
    assert proc.returncode == 2, (proc.stdout[-500:], proc.stderr[-1500:])
    assert "Traceback" not in proc.stderr, proc.stderr[-1500:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("sightline: error: ") and says in last, last


def test_an_output_that_cannot_be_written_is_named(tmp_path):
    (tmp_path / "folder.svg").mkdir()
    _one_line(
        run_cli("graph", str(DEMO_PACK), "-o", str(tmp_path / "folder.svg")),
        "folder.svg: is a directory",
    )
    out = tmp_path / "frame.txt"
    _one_line(
        run_cli("render-frame", str(DEMO_PACK), "-o", str(out)),
        "frame.txt: the frame is written as .png (or .jpg)",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "needs the columns attribute, value and percent"),
        (b"attribute,value,percent\n", "no figures (a header and no rows)"),
        (b"attribute,value,percent\ngender,a\rb,1\n", "census.csv:2: not CSV"),
    ],
)
def test_a_census_with_nothing_to_compare_is_an_error(tmp_path, content, says):
    census = tmp_path / "census.csv"
    census.write_bytes(content)
    proc = run_cli("catalog", str(DEMO_PACK.parent), "--makeup", "--compare", str(census))
    _one_line(proc, says)


def test_an_empty_library_has_an_empty_makeup(tmp_path):
    proc = run_cli("catalog", str(tmp_path), "--makeup")
    assert proc.returncode == 0 and proc.stdout.startswith("0 pack(s)"), proc.stderr[-1500:]


def test_a_records_database_that_is_not_one_is_named(tmp_path):
    other = tmp_path / "notes.toml"
    other.write_text('title = "not a database"\n' * 200)
    before = other.read_bytes()
    proc = run_cli("db", "status", "--db", f"sqlite:///{other}")
    _one_line(proc, "cannot open the records database")
    assert "file is not a database" in proc.stderr and other.read_bytes() == before


def _damage_second_half(clip) -> None:
    """Random bytes over the second half of the clip's frame data (its index intact): it
    passes the probe, decodes up to the damage, then stops."""
    import numpy as np

    data = bytearray(clip.read_bytes())
    box = data.index(b"mdat") - 4  # the box: 4 bytes of size, "mdat", the frames
    end = box + int.from_bytes(data[box : box + 4], "big")
    start = (box + 8 + end) // 2
    data[start:end] = np.random.default_rng(7).bytes(end - start)
    clip.write_bytes(bytes(data))


def test_a_video_damaged_midway_is_said_once_and_its_shots_counted_as_partial(tmp_path):
    import shutil

    from tests.conftest import make_fixture_pack

    pack = make_fixture_pack(tmp_path / "pack", duration_s=6.0)
    shutil.copy(pack / "media" / "a.mp4", tmp_path / "camera.mp4")
    _damage_second_half(tmp_path / "camera.mp4")
    proc = run_cli("detect-shots", str(tmp_path / "camera.mp4"))
    assert proc.returncode == 1, proc.stderr[-1500:]
    assert "decoding stopped at frame" in proc.stderr and "of the 180 it declares" in proc.stderr
    _damage_second_half(pack / "media" / "a.mp4")
    run = run_cli("run", str(pack), "--offscreen", "--seconds", "5", "--fps", "10")
    assert run.returncode == 0, run.stderr[-1500:]
    assert run.stderr.count("decoding stopped after") == 1, run.stderr[-3000:]


@pytest.mark.parametrize("fps", ["0.5", "100000"])
def test_a_run_frame_rate_out_of_range_is_refused(fps):
    """--fps 100000 made a second of session take minutes, looking like a hang."""
    proc = run_cli("run", str(DEMO_PACK), "--offscreen", "--fps", fps)
    assert proc.returncode == 2 and "frames a second are 1 to 240" in proc.stderr, proc.stderr


def test_verifying_a_recording_with_no_ticks_says_only_that(tmp_path):
    """A recording cut inside its first records printed 'every tick matches' (of none)
    and then 'no tick records'."""
    rec = tmp_path / "r.slrec"
    proc = run_cli("run", str(DEMO_PACK), "--offscreen", "--seconds", "0.5", "--record", str(rec))
    assert proc.returncode == 0, proc.stderr[-1500:]
    from sim.recording import iter_records

    with rec.open("rb") as fh:  # cut where the first tick record begins
        cut = next(at for at, record in iter_records(fh, str(rec)) if record["k"] == "tick")
    (tmp_path / "cut.slrec").write_bytes(rec.read_bytes()[:cut])
    got = run_cli("replay", str(tmp_path / "cut.slrec"), "--verify")
    assert got.returncode == 2 and "every tick matches" not in got.stdout, got.stdout
    _one_line(got, "cut.slrec: no tick records: nothing to verify")


def test_graphviz_that_takes_too_long_is_stopped_with_one_line(monkeypatch):
    """A pack of 300 tangled segments kept dot laying out for minutes with no limit."""
    from content.pack import load_pack
    from sim.errors import UserError
    from tools import graph

    pack = load_pack(DEMO_PACK)
    assert graph.render(pack, "svg").startswith(b"<?xml")
    monkeypatch.setattr(graph, "DOT_TIMEOUT_S", 0.001)
    with pytest.raises(UserError, match=r"took over 0.001 s to lay out \d+ segments: stopped"):
        graph.render(pack, "svg")


def test_a_bad_tracker_in_a_theater_file_names_the_file_and_projector(tmp_path):
    """It said `--device 'nonsense': ...`, an option that had not been given."""
    from content import PACKS_DIR

    th = tmp_path / "th.toml"
    made = run_cli("theater", "new", "--screens", "3", "--degrees", "180", "-o", str(th))
    assert made.returncode == 0, made.stderr
    text = th.read_text()
    at = text.index("\n", text.index("[[projectors]]")) + 1
    th.write_text(text[:at] + 'tracker = "nonsense"\n' + text[at:])
    proc = run_cli(
        "run", str(PACKS_DIR / "range"), "--theater", str(th), "--offscreen", "--seconds", "1",
        "--size", "320x180",
    )  # fmt: skip
    _one_line(proc, "th.toml: projectors[0].tracker: use KIND:PATH[@wN]")


def test_inputs_that_did_not_apply_are_in_the_summary(tmp_path):
    """A jump to an unknown segment and a shot after the run's last frame were dropped
    without a word: the summary looked as if the script had played whole."""
    script = tmp_path / "in.jsonl"
    script.write_text(
        '{"t": 0.5, "type": "jump", "segment": "nowhere"}\n'
        '{"t": 2.7, "type": "shot", "x": 0.5, "y": 0.5}\n'
    )
    proc = run_cli(
        "run", str(DEMO_PACK), "--offscreen", "--fps", "2", "--seconds", "3", "--inputs",
        str(script),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert "Not applied: 0.500 s: jump to unknown segment 'nowhere'" in proc.stdout
    assert (
        "Scripted inputs after the session's end (2.500 s), not applied: 1, the first at "
        "2.700 s" in proc.stdout
    ), proc.stdout


def test_a_report_for_no_weapon_is_refused():
    """--report bazooka=pistol was accepted and did nothing."""
    proc = run_cli("run", str(DEMO_PACK), "--offscreen", "--report", "bazooka=pistol")
    _one_line(proc, "--report bazooka=pistol: the weapon is an id (w1, w2, ...) or a kind")
