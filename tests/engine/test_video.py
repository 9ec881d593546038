"""Decoding and media-time sync, without Panda3D: the decoder, the player, a Session."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.pack import load_pack
from engine.fixed_loop import ManualClock
from engine.session import Session
from engine.video import ClipDecoder, VideoError, VideoPlayer
from sim.events import KeyPress, Pause, Resume
from tests.conftest import read_frame_code


def test_variable_frame_rate_clip_shows_each_frame_at_its_own_timestamp(vfr_clip):
    path, times = vfr_clip
    dec = ClipDecoder(path)
    try:
        for i, t in enumerate(times):
            # just before the next frame is due, this frame is still shown
            probe = (times[i + 1] - 0.002) if i + 1 < len(times) else t + 1.0
            for when in (t, probe):
                ts, img = dec.frame_at(when, block=True)
                assert ts == pytest.approx(t, abs=1e-3)
                assert img.shape == (314, 418, 3)
                assert read_frame_code(img) == ("a", i)
    finally:
        dec.close()


def test_decoder_started_mid_clip_shows_the_frame_current_at_that_time(vfr_clip):
    path, _ = vfr_clip
    dec = ClipDecoder(path, start_s=0.2)  # between frames at 0.183 and 0.300
    try:
        ts, img = dec.frame_at(0.2, block=True)
        assert ts == pytest.approx(0.183, abs=1e-3) and read_frame_code(img)[1] == 4
        assert dec.frame_at(0.31, block=True)[0] == pytest.approx(0.3, abs=1e-3)
    finally:
        dec.close()


def test_missing_clip_is_a_clear_error(tmp_path):
    dec = ClipDecoder(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match=r"nope\.mp4: cannot open video"):
        dec.frame_at(0.0, block=True)


def test_corrupt_clip_is_a_clear_error(tmp_path, vfr_clip):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(vfr_clip[0].read_bytes()[:700])  # header only, no frames
    dec = ClipDecoder(bad)
    with pytest.raises(VideoError, match=r"bad\.mp4"):
        dec.frame_at(0.0, block=True)


def test_player_reports_a_clip_that_breaks_mid_run_and_goes_on(tmp_path):
    player = VideoPlayer(lambda clip: tmp_path / clip, block=True)
    player.play("missing.mp4", 0.0)
    assert player.frame_at(0.5) is None  # no crash
    assert "missing.mp4" in player.warnings[0]
    player.close()


def test_player_seeks_when_media_time_jumps_back(fixture_pack: Path):
    player = VideoPlayer(lambda clip: fixture_pack / clip, block=True)
    player.play("media/a.mp4", 0.0)
    assert read_frame_code(player.frame_at(1.0)[1]) == ("a", 30)
    assert read_frame_code(player.frame_at(0.1)[1]) == ("a", 3)  # a loop wrapped
    player.close()


def run_session(pack_dir: Path, script, frames: int, fps: int = 30):
    clock = ManualClock()
    session = Session(load_pack(pack_dir), clock, tick_hz=120, block_video=True)
    session.schedule(script)
    shown = []
    for i in range(frames):
        clock.t = i / fps
        out = session.frame()
        shown.append((out.state, read_frame_code(out.video[1])))
    session.close()
    return session, shown


def test_video_follows_sim_time_and_branches_at_the_scripted_time(fixture_pack):
    _, shown = run_session(fixture_pack, [KeyPress(1.5, "2")], 60)
    for i, (state, (letter, index)) in enumerate(shown):
        t = i / 30
        if t < 1.5 - 1e-9:
            assert (letter, index) == ("a", i), f"frame {i}"
        else:  # the branch shows b's first frame on the frame at 1.5 s exactly
            assert (letter, index) == ("b", i - 45), f"frame {i}"
            assert state.segment == "b"


def test_a_paused_sim_pauses_the_video(fixture_pack):
    _, shown = run_session(fixture_pack, [Pause(0.5), Resume(1.0)], 45)
    codes = [code for _, code in shown]
    assert codes[15:31] == [("a", 15)] * 16  # frozen from 0.5 s to 1.0 s
    assert codes[31] == ("a", 16) and codes[44] == ("a", 29)  # resumes where it stopped


def test_end_of_clip_transition_plays_the_next_clip(fixture_pack):
    _, shown = run_session(fixture_pack, [], 75)
    assert shown[59][1] == ("a", 59)
    assert shown[60][1] == ("c", 0)  # a is 2.0 s long and ends into c
