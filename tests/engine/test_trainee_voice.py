"""The trainee's voice end to end (issue 17, "Done when"): a headless run of a pack with a
`said` transition, with --trainee-mic speech.wav (espeak-ng saying the phrase), branches
within 1.5 s of the phrase's end; the voice is recorded beside the recording, owner-only;
the replay verifies without recognizing again; the review lists the recognized phrase at
its time and embeds the voice. Needs EGL and espeak-ng (skipped, saying so, without)."""

from __future__ import annotations

import ctypes.util
import json
import stat

import numpy as np
import pytest

from drivers.microphone import RATE, read_wav
from tests.conftest import edit, make_fixture_pack, run_cli
from tests.speech_audio import needs_espeak, silence, speak, write_wav

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        ctypes.util.find_library("EGL") is None,
        reason="no libEGL: offscreen rendering needs the system GL libraries",
    ),
    needs_espeak,
]

SPOKEN_AT_S = 0.5


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    out = tmp_path_factory.mktemp("voice")
    pack = make_fixture_pack(out / "pack", duration_s=4.0)
    edit(
        pack,
        '[[segments.a.transitions]]\non = "end"',
        '[[segments.a.transitions]]\non = "said"\n'
        'phrases = ["show me your hands", "let me see your hands"]\nto = "b"\n\n'
        '[[segments.a.transitions]]\non = "end"',
    )
    phrase = speak("show me your hands")
    write_wav(out / "speech.wav", np.concatenate([silence(SPOKEN_AT_S), phrase, silence(2.0)]))
    proc = run_cli(
        "run",
        str(pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "3.5",
        "--record",
        str(out / "s.rec"),
        "--trainee-mic",
        str(out / "speech.wav"),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout, SPOKEN_AT_S + len(phrase) / RATE


def test_saying_the_phrase_branches_within_1_5_s_of_its_end(spoken):
    _, stdout, end_s = spoken
    (line,) = [ln for ln in stdout.splitlines() if "a -> b  (" in ln]
    t_s = float(line.split()[0])
    assert "said 'show me your hands'" in line
    assert end_s < t_s < end_s + 1.5, (end_s, t_s)


def test_the_voice_is_recorded_beside_the_session_owner_only(spoken):
    out, _, _ = spoken
    voice = out / "s.rec.voice.wav"
    assert stat.S_IMODE(voice.stat().st_mode) == 0o600
    samples = read_wav(voice)
    assert abs(len(samples) / RATE - 3.5) < 0.05  # timed in session seconds
    assert np.abs(samples[: round(SPOKEN_AT_S * RATE) - 400]).max() == 0  # silence first


def test_the_replay_verifies_from_the_recorded_phrase(spoken):
    out, _, _ = spoken
    proc = run_cli("replay", str(out / "s.rec"), "--verify")
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_replay_mixes_the_voice_in_at_its_time(spoken, tmp_path):
    """The replay's sound with the voice, minus the same replay without it (the recording
    copied away from its voice file), is the voice: at its session time, sample for
    sample (resampled to the mix rate)."""
    import shutil
    import wave

    out, _, end_s = spoken
    bare = tmp_path / "s.rec"
    shutil.copy(out / "s.rec", bare)  # the same recording, without its voice side file
    for rec, wav in ((out / "s.rec", tmp_path / "with.wav"), (bare, tmp_path / "without.wav")):
        proc = run_cli("replay", str(rec), "--audio-out", str(wav))
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert "trainee voice" in proc.stdout + proc.stderr  # the copy says it has none

    def mono(path):
        with wave.open(str(path)) as w:
            rate = w.getframerate()
            a = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
        return a[:, 0].astype(np.float64) / 32768.0, rate

    (with_voice, rate), (without, _) = mono(tmp_path / "with.wav"), mono(tmp_path / "without.wav")
    n = min(len(with_voice), len(without))
    diff = with_voice[:n] - without[:n]
    voice = read_wav(out / "s.rec.voice.wav") / 32768.0
    # the difference is voice where the voice file has speech, and nothing before it
    loud = np.flatnonzero(np.abs(diff) > 0.02) / rate
    assert loud[0] > SPOKEN_AT_S - 0.05 and loud[-1] < end_s + 0.05, (loud[0], loud[-1])
    want = np.interp(np.arange(n) * RATE / rate, np.arange(len(voice)), voice, right=0.0)
    span = slice(round(SPOKEN_AT_S * rate), round(end_s * rate))
    corr = np.corrcoef(diff[span], want[span])[0, 1]
    assert corr > 0.99, corr


def test_the_review_lists_the_phrase_at_its_time_and_plays_the_voice(spoken, tmp_path):
    out, _, end_s = spoken
    proc = run_cli("aar", str(out / "s.rec"), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = json.loads((tmp_path / "events.json").read_text())["events"]
    (said,) = [e for e in events if e["kind"] == "said"]
    (branch,) = [e for e in events if e["kind"] == "branch"]
    assert said["detail"].startswith("'show me your hands'")
    assert said["t_s"] == branch["t_s"] and end_s < said["t_s"] < end_s + 1.5
    report = (tmp_path / "report.html").read_text()
    assert 'src="trainee-voice.wav"' in report
    talk = report.split("Talk time: 1 utterance(s), ")[1].split(" s of")[0]
    assert 0.8 < float(talk) < 2.0  # the phrase lasts about 1.3 s
    assert "<title>said: &#x27;show me your hands&#x27;" in report  # on the timeline
    assert (tmp_path / "trainee-voice.wav").stat().st_size > RATE


def test_mic_mistakes_get_one_line(fixture_pack, tmp_path):
    for args, expected in (
        (["--trainee-mic", "x.wav"], "--trainee-mic is recorded with the session"),
        (["--trainee-mic", "0", "--record", str(tmp_path / "r")], "needs a live run"),
        (["--trainee-mic", "nope.wav", "--record", str(tmp_path / "r")], "no such WAV"),
    ):
        proc = run_cli("run", str(fixture_pack), "--offscreen", "--seconds", "0.5", *args)
        assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
