"""`sightline bench speech`: how well the trainee-voice recognizer (drivers/speech.py)
spots a pack's phrases, how soon, and at what cost, on a test set it builds itself.

The set: each command phrase and each distractor sentence (talk that is none of them)
spoken by espeak-ng in several voices at several speeds, one after another with gaps, over
the bundled crisis pack's soundtrack and white noise, mixed at stated signal-to-noise
ratios (speech power over the power of soundtrack plus noise). The audio is fed to the
recognizer one tick (1/120 s) at a time, as a headless run does. Reported per SNR:
  recall     command phrases recognized as themselves / command phrases spoken
  precision  correct phrase events / all phrase events (a distractor taken for a command,
             or one command for another, counts against it)
  delay      end of the phrase (the synthesized audio's end) to its event: median, p99
  RTF        processing time / audio time, one core (the recognizer is one thread)
espeak-ng is a Debian package (tools/setup.sh installs it with the test packages).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from drivers.microphone import RATE, read_wav
from drivers.speech import Recognizer

COMMANDS = ["show me your hands", "let me see your hands", "drop the knife", "let's talk"]
DISTRACTORS = ["what is your name", "it is going to be okay", "where do you live"]
VOICES = ["en-us", "en-gb", "en-us+f3"]
SPEEDS_WPM = [140, 175, 210]
SNRS_DB = [None, 20.0, 10.0, 5.0]  # None: clean
GAP_S = 1.5
SOUNDTRACK_PACK = "crisis"


def soundtrack() -> np.ndarray:
    """The crisis pack's clip audio, 16 kHz mono (the scenario the trainee talks over)."""
    import av

    from content import PACKS_DIR
    from drivers.microphone import to_rate

    out = []
    for clip in sorted((PACKS_DIR / SOUNDTRACK_PACK / "media").glob("*.mp4")):
        with av.open(str(clip)) as c:
            if not c.streams.audio:
                continue
            rs = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in c.decode(audio=0):
                for f in rs.resample(frame):
                    out.append(f.to_ndarray().reshape(-1))
    a = np.concatenate(out) if out else np.zeros(RATE, np.int16)
    return to_rate(a, RATE)


def speak(text: str, voice: str, wpm: int, tmp: Path) -> np.ndarray:
    path = tmp / "s.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return read_wav(path)


def build_set(tmp: Path, rng: np.random.Generator):
    """(speech track, [(start s, end s, phrase or "")]) in a fixed shuffled order."""
    items = [(t, t) for t in COMMANDS] + [(t, "") for t in DISTRACTORS]
    utts = [(text, want, v, s) for text, want in items for v in VOICES for s in SPEEDS_WPM]
    order = rng.permutation(len(utts))
    parts, truth, t = [np.zeros(round(RATE * GAP_S), np.int16)], [], GAP_S
    for i in order:
        text, want, voice, wpm = utts[i]
        a = speak(text, voice, wpm, tmp)
        parts += [a, np.zeros(round(RATE * GAP_S), np.int16)]
        truth.append((t, t + len(a) / RATE, want))
        t += len(a) / RATE + GAP_S
    return np.concatenate(parts), truth


def mix(speech: np.ndarray, bed: np.ndarray, snr_db: float | None, rng) -> np.ndarray:
    s = speech.astype(np.float64)
    if snr_db is None:
        return speech
    noise = np.resize(bed.astype(np.float64), len(s))
    noise = noise / (np.sqrt(np.mean(noise**2)) or 1.0) + rng.normal(0, 1.0, len(s))
    voiced = s[np.abs(s) > 100]
    p_speech = np.mean(voiced**2) if len(voiced) else 1.0
    noise *= np.sqrt(p_speech / 10 ** (snr_db / 10) / np.mean(noise**2))
    return np.clip(s + noise, -32768, 32767).astype(np.int16)


def score(heard, truth) -> dict:
    hits, wrong, delays, found = 0, 0, [], set()
    for h in heard:
        if not h.phrase:
            continue
        # the utterance this event belongs to: the last one that ended before it
        i = max((k for k, (a, b, _) in enumerate(truth) if b <= h.t_s + 0.05), default=None)
        if i is None or truth[i][2] != h.phrase or i in found or h.t_s - truth[i][1] > GAP_S:
            wrong += 1
            continue
        found.add(i)
        hits += 1
        delays.append(h.t_s - truth[i][1])
    spoken = sum(1 for _, _, w in truth if w)
    return {
        "recall": hits / spoken,
        "precision": hits / (hits + wrong) if hits + wrong else 1.0,
        "delays": delays,
        "false": wrong,
    }


def bench_speech(args: argparse.Namespace) -> int:
    if shutil.which("espeak-ng") is None:
        print("bench speech: espeak-ng is not installed (apt-get install espeak-ng)")
        return 1
    rng = np.random.default_rng(17)
    with tempfile.TemporaryDirectory() as tmp:
        speech, truth = build_set(Path(tmp), rng)
    bed = soundtrack()
    n_cmd = sum(1 for *_, w in truth if w)
    print(
        f"speech test set: {len(truth)} utterances ({n_cmd} commands, "
        f"{len(truth) - n_cmd} distractors), voices {', '.join(VOICES)}, "
        f"{'/'.join(map(str, SPEEDS_WPM))} words a minute, {len(speech) / RATE:.0f} s; "
        f"noise: the {SOUNDTRACK_PACK} pack's soundtrack plus white noise"
    )
    print(f"{'SNR':>6} {'recall':>7} {'precision':>9} {'delay median':>12} {'p99':>6} {'RTF':>6}")
    rows = []
    for snr in SNRS_DB:
        audio = mix(speech, bed, snr, rng)
        rec = Recognizer(COMMANDS)
        heard, step = [], RATE // 120
        t0 = time.process_time()
        for i in range(0, len(audio), step):
            heard += rec.feed(audio[i : i + step])
        heard += rec.close()
        rtf = (time.process_time() - t0) / (len(audio) / RATE)
        s = score(heard, truth)
        d = np.array(s["delays"]) if s["delays"] else np.array([np.nan])
        print(
            f"{'clean' if snr is None else f'{snr:g} dB':>6} {s['recall']:7.2f} "
            f"{s['precision']:9.2f} {np.median(d):10.2f} s {np.percentile(d, 99):4.2f} s "
            f"{rtf:6.3f}"
        )
        rows.append(
            {
                "snr_db": snr,
                "recall": round(s["recall"], 4),
                "precision": round(s["precision"], 4),
                "delay_s_median": round(float(np.median(d)), 4),
                "delay_s_p99": round(float(np.percentile(d, 99)), 4),
                "rtf": round(rtf, 4),
            }
        )
    args.result = {"utterances": len(truth), "snrs": rows}
    return 0
