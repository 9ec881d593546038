"""The trainee microphone and offline recognition (issue 17): a WAV file is heard in step
with session time; pocketsphinx finds the utterances, says which pack phrase each was and
transcribes it; speech that is none of the phrases is not taken for one."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.microphone import RATE, FileMic, MicError, input_devices, read_wav
from drivers.speech import Recognizer, RecognizerProcess, RecognizerThread, match_phrase
from tests.speech_audio import needs_espeak, silence, speak, write_wav

PHRASES = ["show me your hands", "let me see your hands", "drop the knife"]


def test_a_file_mic_hands_over_samples_up_to_session_time(tmp_path):
    wav = write_wav(tmp_path / "m.wav", np.arange(RATE, dtype=np.int16))
    mic = FileMic(wav)
    assert len(mic.until(0.25)) == RATE // 4
    assert mic.until(0.25).size == 0
    rest = mic.until(1.5)  # past the end: silence, so the side file stays timed
    assert len(rest) == RATE + RATE // 4 and rest[-1] == 0 and rest[0] == RATE // 4


def test_a_stereo_44k_file_becomes_16k_mono(tmp_path):
    import wave

    with wave.open(str(tmp_path / "s.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44_100)
        w.writeframes(np.full((44_100, 2), 1000, "<i2").tobytes())
    samples = read_wav(tmp_path / "s.wav")
    assert len(samples) == RATE and int(samples[100]) == 1000


def test_a_file_that_is_not_a_wav_is_one_error(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"not audio")
    with pytest.raises(MicError, match="not a PCM WAV"):
        read_wav(tmp_path / "x.wav")


def test_a_hypothesis_maps_to_a_phrase_only_when_unambiguous():
    assert match_phrase("show me your hands", PHRASES) == "show me your hands"
    assert match_phrase("show me your", PHRASES) == "show me your hands"  # last word lost
    assert match_phrase("let me see", PHRASES) == "let me see your hands"
    assert match_phrase("let me", PHRASES) == ""  # two words of five
    assert match_phrase("show", PHRASES) == ""  # one word of four
    assert match_phrase("", PHRASES) == ""


def test_devices_lists_microphones_or_says_why_not():
    found, why = input_devices()
    assert found or why


@needs_espeak
def test_a_spoken_phrase_is_spotted_soon_after_it_ends():
    speech = speak("show me your hands")
    audio = np.concatenate([silence(1.0), speech, silence(1.5)])
    rec = Recognizer(PHRASES)
    heard = []
    for i in range(0, len(audio), RATE // 120):  # one tick of audio at a time
        heard += rec.feed(audio[i : i + RATE // 120])
    end_s = 1.0 + len(speech) / RATE
    assert [h.phrase for h in heard] == ["show me your hands"]
    assert 0.0 < heard[0].t_s - end_s < 1.0
    assert abs(heard[0].start_s - 1.0) < 0.4


@needs_espeak
def test_other_talk_is_transcribed_but_is_no_phrase():
    audio = np.concatenate([silence(0.5), speak("it is a nice day today"), silence(1.5)])
    (heard,) = Recognizer(PHRASES).feed(audio)
    assert heard.phrase == "" and heard.text


@needs_espeak
@pytest.mark.parametrize("voice", ["en-us", "en-gb"])
def test_talk_the_grammar_takes_for_a_phrase_is_checked_against_the_transcript(voice):
    """A grammar of phrases alone maps "what is your name" (espeak, 140 words a minute) to
    a command; checked against the language model's transcript, it is no phrase."""
    audio = np.concatenate([silence(0.5), speak("what is your name", 140, voice), silence(1.0)])
    commands = [*PHRASES, "let's talk"]
    (unchecked,) = Recognizer(commands, check=False).feed(audio)
    (checked,) = Recognizer(commands).feed(audio)
    assert unchecked.phrase in commands  # what the check is for
    assert checked.phrase == "" and checked.text == unchecked.text


def test_phrases_the_dictionary_lacks_are_named():
    rec = Recognizer(["show me your hands", "zorblax quux"], transcript=False)
    assert rec.phrases == ("show me your hands",) and rec.unknown == ["zorblax quux"]


@needs_espeak
def test_the_recognizer_thread_reports_in_session_time():
    import threading

    audio = np.concatenate([silence(0.5), speak("drop the knife"), silence(1.5)])
    got, done = [], threading.Event()

    def on_heard(h):
        got.append(h)
        done.set()

    thread = RecognizerThread(Recognizer(PHRASES, transcript=False), on_heard)
    for i in range(0, len(audio), 1600):
        thread.submit(10.0 + i / RATE, audio[i : i + 1600])
    assert done.wait(30)
    thread.stop()
    assert got[0].phrase == "drop the knife" and 10.5 < got[0].start_s < got[0].t_s < 13.5


@needs_espeak
def test_the_recognizer_process_reports_in_session_time_and_names_unknown_phrases():
    """The live path's recognizer in a child process (a thread held up the tick loop:
    bench speech --tick-loop): the same answers as the thread, and what the child still
    held when the audio stops is delivered before stop() returns."""
    audio = np.concatenate([silence(0.5), speak("drop the knife"), silence(0.2)])
    got = []
    proc = RecognizerProcess([*PHRASES, "zorblax quux"], got.append)
    assert proc.unknown == ["zorblax quux"]
    for i in range(0, len(audio), 1600):
        proc.submit(10.0 + i / RATE, audio[i : i + 1600])
    proc.stop(30.0)  # the utterance is still open at the end: finished on the way out
    assert [h.phrase for h in got] == ["drop the knife"] and got[0].text
    assert 10.3 < got[0].start_s < got[0].end_s < got[0].t_s < 13.5
    assert not proc._proc.is_alive() and proc.dropped == 0


def test_sightline_devices_lists_microphones_or_says_why_not():
    from tests.conftest import run_cli

    proc = run_cli("devices")
    assert proc.returncode == 0, proc.stderr
    assert "microphones:" in proc.stdout
