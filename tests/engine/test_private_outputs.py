"""Issue 14: trainee data is owner-only everywhere. The recording, the trainee camera video
and --video-out/--instructor-video-out (all H264Writer) and --audio-out (WavSink) are
created 0600, also over an existing wider file, and none follows a symbolic link to
truncate its target. Also the run flags that were tracebacks or never ended."""

from __future__ import annotations

import stat

import numpy as np
import pytest

from engine.audio_format import AudioError
from engine.audio_sinks import WavSink
from engine.recorder import Recorder
from engine.video_out import H264Writer, VideoOutError
from sim.recording import RecordingError
from tests.conftest import run_cli


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def open_each(kind: str, path):
    if kind == "recording":
        Recorder(path, {"format": 1}).close()
    elif kind == "video":
        with H264Writer(path, 32, 32, preset="ultrafast") as out:
            out.write(np.zeros((32, 32, 3), np.uint8), 0.0)
    else:
        sink = WavSink(path)
        sink.write(np.zeros((10, 2), np.float32))
        sink.close()


ERRORS = {"recording": RecordingError, "video": VideoOutError, "audio": AudioError}
KINDS = ["recording", "video", "audio"]
SUFFIX = {"recording": ".rec", "video": ".mp4", "audio": ".wav"}


@pytest.mark.parametrize("kind", KINDS)
def test_outputs_are_created_owner_only_also_over_a_wider_file(tmp_path, kind):
    new, old = tmp_path / f"new{SUFFIX[kind]}", tmp_path / f"old{SUFFIX[kind]}"
    old.write_bytes(b"x")
    old.chmod(0o644)
    for path in (new, old):
        open_each(kind, path)
        assert mode(path) == 0o600 and path.stat().st_size > 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_link_is_refused_and_its_target_kept(tmp_path, kind):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / f"session{SUFFIX[kind]}"
    link.symlink_to(target)
    with pytest.raises(ERRORS[kind], match=f"{link}: cannot write .*symbolic link"):
        open_each(kind, link)
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--tick-hz", "0", "ticks a second are 1 to 1000, got 0"),
        ("--seconds", "inf", "must be a positive finite number, got inf"),
    ],
)
def test_bad_run_flags_are_usage_errors(flag, value, message):
    out = run_cli("run", "content/packs/demo", "--offscreen", flag, value, timeout=60)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
