"""The benchmarks' command line: bad arguments get one line naming the problem (no
traceback, nothing half-written), `bench all` writes its summary and says what ran, the
soak measures growth on a short run, and an interrupted clip encode leaves no cached clip.
Figures are not asserted: benchmarks are not tests."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import run_cli
from tools import bench_clips, bench_suite


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["render", "--sizes", "abc"], "expected WIDTHxHEIGHT, got 'abc'"),
        (["render", "--sizes", "0x0"], "0x0: sizes are even"),
        (["render", "--sizes", ","], "expected WIDTHxHEIGHT[,WIDTHxHEIGHT...]"),
        (["render", "--repeats", "0"], "--repeats: must be at least 1, got 0"),
        (["tracker", "--frames", "-5"], "--frames: must be at least 1, got -5"),
        (["branch", "--trials", "0"], "--trials: must be at least 1"),
        (["record", "--records", "-5"], "--records: must be at least 1"),
        (["record", "--seconds", "0"], "--seconds: must be a positive finite number"),
        (["startup", "--runs", "0"], "--runs: must be at least 1"),
        (["station", "--runs", "0"], "--runs: must be at least 1"),
        (["station", "--sizes", "abc"], "expected WIDTHxHEIGHT, got 'abc'"),
        (["station", "--seconds", "0"], "--seconds: must be a positive finite number"),
        (["theater", "--frames", "0"], "--frames: must be at least 1"),
        (["speech", "--tick-loop", "--rounds", "0"], "--rounds: must be at least 1"),
        (["speech", "--snr", "loud"], "--snr: expected dB or clean, got 'loud'"),
        (["speech", "--snr", "99"], "--snr: signal-to-noise ratios are -10 to 60 dB"),
        (["render", "--clip", "{tmp}/missing.mp4"], "missing.mp4: cannot read clip"),
        (["render", "--clip", "{tmp}/text.mp4"], "text.mp4: not a readable video"),
        (["soak", "--minutes", "1"], "--minutes 1 is too short"),
        (["all", "-o", "{tmp}/text.mp4"], "a file is there, not a folder"),
        (["all", "-o", "{tmp}/text.mp4/sub"], "cannot write there (Not a directory)"),
        (["all", "-o", "{tmp}/out", "--skip", "render,bogus"], "no benchmark bogus"),
    ],
)
def test_bad_arguments_get_one_line(tmp_path, args, says):
    (tmp_path / "text.mp4").write_text("not a video\n")
    proc = run_cli("bench", *(a.format(tmp=tmp_path) for a in args), timeout=120)
    assert proc.returncode == 2, proc.stderr[-1500:]
    assert "Traceback" not in proc.stderr, proc.stderr[-1500:]
    assert says in proc.stderr.strip().splitlines()[-1], proc.stderr[-500:]
    assert not (tmp_path / "out").exists()  # nothing written before the error


def test_bench_all_writes_the_summary_and_says_what_ran(tmp_path):
    names = [name for name, _, _ in bench_suite.SUITE]
    skip = ",".join(n for n in names if n != "community")
    out = tmp_path / "bench"
    proc = run_cli("bench", "all", "-o", str(out), "--quick", "--skip", skip, "--json", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["rc"] == 0 and got["exit_status"] == {"community": 0} and got["out"] == str(out)
    summary = (out / "summary.md").read_text()
    assert "| community (50 phones), vote to screen, ms median / p99 |" in summary
    assert "renderer not measured" in summary
    assert json.loads((out / "community.json").read_text())["votes_on_screen"] == 50
    assert {p.name for p in out.iterdir()} == {
        "community.json",
        "community.txt",
        "machine.json",
        "summary.md",
    }


def test_a_short_soak_measures_growth_over_its_whole_session():
    """Under 10 minutes the soak compared its first minute with itself (0 %, always), and
    below 4 fps each frame's time was clamped, so half the session never ran."""
    proc = run_cli("bench", "soak", "--minutes", "2", "--fps", "2", "--json", timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert [r["minute"] for r in got["rss_mb"]] == [1.0, 2.0]
    first, last = (r["mb"] for r in got["rss_mb"])
    assert got["growth_pct"] == pytest.approx(100 * (last - first) / first, abs=0.01)
    assert got["branches"] >= 59  # a branch every 2 s of the 120 s session
    assert "120 s of session" in proc.stderr


def test_an_interrupted_clip_encode_leaves_no_cached_clip(tmp_path, monkeypatch):
    """An encode stopped midway once left a short file under the cached name, which every
    later run then failed on. The clip is written under another name and renamed."""
    monkeypatch.setattr(bench_clips, "CACHE", tmp_path)
    monkeypatch.setattr(bench_clips, "REAL_SOURCE", tmp_path / "absent.mp4")
    real_encode = bench_clips._encode

    def stopped(path, *args):
        path.write_bytes(b"\0" * 48)  # what an interrupted writer leaves
        raise KeyboardInterrupt

    monkeypatch.setattr(bench_clips, "_encode", stopped)
    with pytest.raises(KeyboardInterrupt):
        bench_clips.make_clip(64, 36)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(bench_clips, "_encode", real_encode)
    path, desc = bench_clips.make_clip(64, 36)
    assert path == tmp_path / "synthetic-64x36.mp4" and "synthetic" in desc
    assert bench_clips.yuv_decode_fps(path)[1] == bench_clips.CLIP_FRAMES
    assert [p.name for p in tmp_path.iterdir()] == ["synthetic-64x36.mp4"]


def test_bench_record_json_carries_the_live_camera_figures():
    """The live window runs' figures were printed but left out of the JSON."""
    proc = run_cli("bench", "record", "--records", "500", "--seconds", "0.3", "--json", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    live = json.loads(proc.stdout)["trainee_camera_live"]
    assert set(live) == {"runs", "frames_median", "spread_ms_median", "spread_ms_max"}, live
    assert live["frames_median"] > 0


@pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb (apt-get install xvfb)")
def test_bench_station_times_one_window_and_two(monkeypatch):
    """Both kinds of run draw in real windows on a private Xvfb and report their rate."""
    monkeypatch.delenv("DISPLAY", raising=False)
    proc = run_cli(
        "bench",
        "station",
        "--sizes",
        "320x180",
        "--runs",
        "1",
        "--seconds",
        "1.5",
        "--json",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["display"] == "Xvfb" and got["instructor_size"] == "1280x720"
    (row,) = got["sizes"]
    assert row["size"] == "320x180"
    assert row["trainee_fps"] > 0 and row["station_fps"] > 0 and row["station_cpu_ms"] > 0
    assert "trainee + instructor" in proc.stderr


def test_bench_station_leaves_start_up_out_of_the_cpu_per_frame(monkeypatch):
    """Each run is paired with a short one: the CPU time they share (start-up, shut-down)
    cancels, and what is left is the frames' own. A pair that drew no more frames says so."""
    import tools.bench_station as station

    def fake_run(display, size, instructor, seconds):  # 1.5 s of start-up, 8 ms a frame
        frames = int(seconds * 100)
        return {"session_s": seconds, "frames": frames, "cpu_s": 1.5 + frames * 0.008}

    monkeypatch.setattr(station, "_run", fake_run)
    got = station._measure(":0", (320, 180), "none", 4.0)
    assert got["fps"] == 100 and abs(got["cpu_ms"] - 8.0) < 1e-9
    monkeypatch.setattr(station, "_run", lambda *a: {"session_s": 1, "frames": 5, "cpu_s": 2})
    assert station._measure(":0", (320, 180), "none", 4.0)["cpu_ms"] is None
