"""A run that fails while starting up loses nothing that was there before, and a run that
is terminated finishes its outputs: an academy's recordings are its evidence."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import av
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.render


def _run(fixture_pack, *extra):
    return run_cli("run", str(fixture_pack), "--offscreen", "--seconds", "1", *extra, timeout=180)


def test_a_run_that_fails_to_start_keeps_the_recording_already_there(tmp_path, fixture_pack):
    """--record used to truncate the file before the rest of start-up: a bad --video-out
    or --trainee-mic then left a header-only stub where an earlier recording had been (a
    32 KB recording became 329 bytes)."""
    rec = tmp_path / "session.slrec"
    first = _run(fixture_pack, "--record", str(rec))
    assert first.returncode == 0, first.stderr[-1500:]
    before = rec.read_bytes()
    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "noise.wav").write_bytes(bytes(range(256)) * 4)
    for extra, says in (
        (["--video-out", str(tmp_path / "folder.mp4")], "cannot write video (is a directory)"),
        (["--trainee-mic", str(tmp_path / "noise.wav")], "noise.wav: not a PCM WAV file"),
    ):
        proc = _run(fixture_pack, "--record", str(rec), *extra)
        assert proc.returncode == 2, proc.stderr[-1500:]
        assert "Traceback" not in proc.stderr, proc.stderr[-1500:]
        assert says in proc.stderr.strip().splitlines()[-1], proc.stderr[-500:]
        assert rec.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.mp4", "noise.wav", rec.name]
    again = run_cli("replay", str(rec), "--verify", timeout=120)
    assert again.returncode == 0 and "every tick matches" in again.stdout, again.stderr
    second = _run(fixture_pack, "--record", str(rec), "--seconds", "2")  # a run that starts
    assert second.returncode == 0, second.stderr[-1500:]
    assert rec.read_bytes() != before and not list(tmp_path.glob(".*part"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_terminated_run_finishes_its_video(tmp_path, sig):
    """SIGTERM (a service manager, `kill`) used to end the process where it stood: the
    MP4 had no index and could not be played. Now the run stops as at its end; Ctrl+C
    (SIGINT) the same, where it ended some runs with a summary and others without."""
    from tools.bench_shot import make_pack  # one looping clip: the run goes on until killed

    video = tmp_path / "trainee.mp4"
    cmd = [sys.executable, "-m", "tools.cli", "run", str(make_pack(tmp_path / "pack"))]
    cmd += ["--offscreen", "--size", "320x180", "--seconds", "3600", "--video-out", str(video)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not video.exists() or video.stat().st_size < 20000):
        time.sleep(0.2)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-1500:]
    assert f"the run was stopped by signal {int(sig)}" in out + err, (out, err[-1500:])
    with av.open(str(video)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 0 and f"({frames} frames" in out, out
