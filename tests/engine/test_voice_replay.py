"""A replay mixes the trainee's recorded voice into the session sound (issue 17, item 4):
the mixer's review track (engine/trainee_mic.VoiceReplay) puts REC.voice.wav's samples at
their session times, through pauses, a muted master and seeks, without Panda3D."""

from __future__ import annotations

import numpy as np
import pytest

from content.pack import load_pack
from drivers.microphone import RATE as VOICE_RATE
from drivers.microphone import MicError
from engine.audio import AudioMixer
from engine.audio_format import CHANNELS, RATE
from engine.fixed_loop import ManualClock
from engine.session import Session
from engine.trainee_mic import VoiceReplay
from sim.events import Pause, Resume, SetLevel
from tests.engine.test_sound import ArraySink
from tests.speech_audio import write_wav


def _tone_voice(path, at_s: float, length_s: float, total_s: float) -> np.ndarray:
    """A 'voice': a 300 Hz tone at half scale from at_s for length_s, silence elsewhere."""
    voice = np.zeros(round(total_s * VOICE_RATE), np.int16)
    i0, n = round(at_s * VOICE_RATE), round(length_s * VOICE_RATE)
    voice[i0 : i0 + n] = (16384 * np.sin(2 * np.pi * 300 * np.arange(n) / VOICE_RATE)).astype(
        np.int16
    )
    write_wav(path, voice)
    return voice


def _replay(pack_dir, voice_path, events, seconds, fps=60, hz=120, voice_only=False):
    pack = load_pack(pack_dir)
    clock = ManualClock()
    session = Session(pack, clock, hz, block_video=True)
    sink = ArraySink()
    mixer = AudioMixer(pack.scenario, pack.root, pack.clip_path, hz, sink, block=True)
    mixer.tracks.append(VoiceReplay(voice_path, RATE, CHANNELS))
    session.subscribe(mixer, presents=True)
    if voice_only:  # the soundtrack muted, so that only the voice is left to compare
        events = [SetLevel(0.0, "scenario", 0), *events]
    session.schedule(events)
    for n in range(round(seconds * fps)):
        clock.t = n / fps
        session.frame()
    session.close()
    mixer.close()
    return sink.audio


def test_the_voice_plays_at_its_session_time(sync_pack, tmp_path):
    voice = _tone_voice(tmp_path / "v.wav", 1.0, 0.5, 2.5)
    audio = _replay(sync_pack, tmp_path / "v.wav", [], 2.4, voice_only=True)
    loud = np.flatnonzero(np.abs(audio[:, 0]) > 0.05)
    assert loud[0] / RATE == pytest.approx(1.0, abs=1e-3)
    assert loud[-1] / RATE == pytest.approx(1.5, abs=1e-3)
    # the samples themselves, resampled to the mix rate, on both channels, at unity gain
    want = np.interp(
        np.arange(round(1.1 * RATE), round(1.2 * RATE)) * VOICE_RATE / RATE,
        np.arange(len(voice)),
        voice / 32768.0,
    )
    got = audio[round(1.1 * RATE) : round(1.2 * RATE)]
    assert np.allclose(got[:, 0], want, atol=2e-3) and np.array_equal(got[:, 0], got[:, 1])


def test_a_pause_and_a_muted_master_do_not_silence_the_voice(sync_pack, tmp_path):
    # what the trainee said during a pause is still heard, where it was said
    _tone_voice(tmp_path / "v.wav", 1.2, 0.4, 2.5)
    events = [Pause(1.0), SetLevel(1.05, "master", 0), Resume(1.8)]
    audio = _replay(sync_pack, tmp_path / "v.wav", events, 2.4)
    during = audio[round(1.25 * RATE) : round(1.55 * RATE), 0]
    assert np.abs(during).max() > 0.45  # the tone at half scale
    assert np.abs(audio[round(1.65 * RATE) : round(1.75 * RATE)]).max() == 0.0


def test_no_voice_past_its_end_and_a_bad_file_is_one_line(sync_pack, tmp_path):
    _tone_voice(tmp_path / "v.wav", 0.1, 0.2, 0.5)
    track = VoiceReplay(tmp_path / "v.wav", RATE, CHANNELS)
    assert track.block(round(0.6 * RATE), 800) is None
    edge = track.block(round(0.45 * RATE), round(0.1 * RATE))  # straddles the end
    assert edge.shape == (round(0.1 * RATE), CHANNELS) and np.abs(edge).max() == 0.0
    (tmp_path / "bad.wav").write_bytes(b"RIFF....not a wave")
    with pytest.raises(MicError, match="the recorded voice cannot be played"):
        VoiceReplay(tmp_path / "bad.wav", RATE)
