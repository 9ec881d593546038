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
`--no-check` leaves out the recognizer's check of each phrase against the transcript
(drivers/speech.py), to compare.
espeak-ng is a Debian package (tools/setup.sh installs it with the test packages).

`--tick-loop` measures instead what live recognition costs the tick loop: the crisis pack
run live (host clock, 60 frames a second, 120 ticks, the sound mixer on the bus) for
`--seconds`, first alone, then with the clean test set played into a RecognizerThread as
a live microphone would (the frame hands over the samples due by then), then into a
RecognizerProcess. Printed per run: work per tick (the frame's time in Session.frame over
its ticks) median and p99, frames that started more than a tick late, frames whose work
overran the 16.7 ms frame, what was recognized, and the p99 ratios to the run alone.
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
    by_phrase: dict[str, int] = {}
    for h in heard:
        if not h.phrase:
            continue
        # the utterance this event belongs to: the last one that ended before it
        i = max((k for k, (a, b, _) in enumerate(truth) if b <= h.t_s + 0.05), default=None)
        if i is None or truth[i][2] != h.phrase or i in found or h.t_s - truth[i][1] > GAP_S:
            wrong += 1
            continue
        found.add(i)
        by_phrase[h.phrase] = by_phrase.get(h.phrase, 0) + 1
        hits += 1
        delays.append(h.t_s - truth[i][1])
    spoken = sum(1 for _, _, w in truth if w)
    return {
        "recall": hits / spoken,
        "precision": hits / (hits + wrong) if hits + wrong else 1.0,
        "delays": delays,
        "false": wrong,
        "by_phrase": {
            p: f"{by_phrase.get(p, 0)}/{sum(1 for *_, w in truth if w == p)}" for p in COMMANDS
        },
    }


FRAME_HZ = 60
TICK_HZ = 120


def _loop_run(speech: np.ndarray, mode: str, seconds: float) -> dict:
    """One live-paced run of the crisis pack; `mode` none, thread or process."""
    import threading

    from content import PACKS_DIR
    from content.pack import load_pack
    from drivers.input_queue import host_now_s
    from drivers.speech import RecognizerProcess, RecognizerThread
    from engine.audio import AudioMixer
    from engine.audio_sinks import NullSink
    from engine.session import Session

    pack = load_pack(PACKS_DIR / SOUNDTRACK_PACK)
    heard = []
    rec = None
    if mode == "thread":
        rec = RecognizerThread(Recognizer(COMMANDS), heard.append)
    elif mode == "process":
        rec = RecognizerProcess(COMMANDS, heard.append)
    session = Session(pack, host_now_s, TICK_HZ, 16 / 9)
    mixer = AudioMixer(pack.scenario, pack.root, pack.clip_path, TICK_HZ, NullSink())
    session.subscribe(mixer, presents=True)
    ticks = [0]

    class Count:
        def on_tick(self, state, commands, events) -> None:
            ticks[0] += 1

    session.subscribe(Count())
    per_tick, work, late = [], [], []
    wake = threading.Event()
    period = 1 / FRAME_HZ
    start = due = host_now_s()
    fed = 0
    cpu0 = time.process_time()
    while True:
        now = host_now_s()
        if now >= start + seconds:
            break
        if now < due:
            wake.wait(due - now)
            now = host_now_s()
        late.append(now - due)
        due = max(due + period, now - period)  # a long stall is not caught up in a burst
        before = ticks[0]
        t0 = time.perf_counter()
        if rec is not None:  # what MicPath.pump does each frame: the samples due by now
            upto = min(len(speech), round((now - start) * RATE))
            if upto > fed:
                rec.submit((fed / RATE), speech[fed:upto])
                fed = upto
        session.frame()
        spent = time.perf_counter() - t0
        work.append(spent)
        if ticks[0] > before:
            per_tick += [spent / (ticks[0] - before)] * (ticks[0] - before)
    cpu = time.process_time() - cpu0
    session.close()
    mixer.close()
    dropped = 0
    if rec is not None:
        rec.stop(30.0)
        dropped = rec.dropped
    return {
        "per_tick": per_tick,
        "work": work,
        "late": late,
        "heard": sum(1 for h in heard if h.phrase),
        "dropped": dropped,
        "cpu": cpu / seconds,  # this process's CPU, all threads, per second of run
    }


def _pooled(runs: list[dict]) -> dict:
    """The rounds of one mode together."""
    ms = np.concatenate([r["per_tick"] for r in runs]) * 1000
    work = np.concatenate([r["work"] for r in runs])
    late = np.concatenate([r["late"] for r in runs])
    return {
        "ticks": len(ms),
        "tick_median_ms": float(np.median(ms)),
        "tick_p99_ms": float(np.percentile(ms, 99)),
        "frame_p99_ms": float(np.percentile(work * 1000, 99)),
        "late": int(np.sum(late > 1 / TICK_HZ)),
        "overrun": int(np.sum(work > 1 / FRAME_HZ)),
        "frames": len(work),
        "heard": sum(r["heard"] for r in runs),
        "dropped": sum(r["dropped"] for r in runs),
        "cpu": float(np.mean([r["cpu"] for r in runs])),
    }


def bench_tick_loop(args: argparse.Namespace, speech: np.ndarray) -> int:
    seconds = float(args.seconds)
    audio = speech[: round(seconds * RATE)]
    print(
        f"tick loop: the {SOUNDTRACK_PACK} pack live, {args.rounds} rounds of {seconds:g} s "
        f"for each, interleaved; {FRAME_HZ} "
        f"frames and {TICK_HZ} ticks a second, mixer on the bus; recognition fed "
        f"{len(audio) / RATE:.0f} s of the test set's speech as a live microphone"
    )
    modes = ("none", "thread", "process")
    rounds: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(int(args.rounds)):  # interleaved: a change in the machine's load
        for mode in modes:  # falls on every mode alike
            rounds[mode].append(_loop_run(audio, mode, seconds))
    runs = {m: _pooled(r) for m, r in rounds.items()}
    base = runs["none"]
    print(
        f"{'recognition':<12} {'ticks':>6} {'tick med ms':>11} {'p99 ms':>7} {'frame p99':>9} "
        f"{'late':>5} {'overrun':>7} {'frames':>6} {'heard':>5} {'CPU':>5} {'p99 ratio':>9}"
    )
    for mode, r in runs.items():
        print(
            f"{mode:<12} {r['ticks']:>6} {r['tick_median_ms']:>11.3f} {r['tick_p99_ms']:>7.3f} "
            f"{r['frame_p99_ms']:>9.2f} {r['late']:>5} {r['overrun']:>7} {r['frames']:>6} "
            f"{r['heard']:>5} "
            f"{100 * r['cpu']:>4.0f}% {r['tick_p99_ms'] / base['tick_p99_ms']:>9.2f}"
        )
    print(
        "late: frames that started more than one tick (8.3 ms) after they were due; "
        "overrun: frames whose work took more than a frame (16.7 ms); CPU: this process, "
        "all its threads (the child process's is not in it)"
    )
    args.result = {"tick_loop": runs}  # `bench speech --tick-loop --json`
    return 0


def bench_speech(args: argparse.Namespace) -> int:
    if shutil.which("espeak-ng") is None:
        print("bench speech: espeak-ng is not installed (apt-get install espeak-ng)")
        return 1
    rng = np.random.default_rng(17)
    with tempfile.TemporaryDirectory() as tmp:
        speech, truth = build_set(Path(tmp), rng)
    if getattr(args, "tick_loop", False):
        return bench_tick_loop(args, speech)
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
    wanted = getattr(args, "snr", None) or SNRS_DB
    for snr in [*SNRS_DB, *(x for x in wanted if x not in SNRS_DB)]:
        audio = mix(speech, bed, snr, rng)  # every level draws its noise, measured or not:
        if snr not in wanted:  # a level's figures do not depend on which others are asked
            continue
        rec = Recognizer(COMMANDS, check=not getattr(args, "no_check", False))
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
        print("       found: " + ", ".join(f"'{p}' {n}" for p, n in s["by_phrase"].items()))
        rows.append(
            {
                "snr_db": snr,
                "recall": round(s["recall"], 4),
                "precision": round(s["precision"], 4),
                # nothing heard: no delay (JSON has no NaN)
                "delay_s_median": round(float(np.median(d)), 4) if s["delays"] else None,
                "delay_s_p99": round(float(np.percentile(d, 99)), 4) if s["delays"] else None,
                "rtf": round(rtf, 4),
            }
        )
    args.result = {"utterances": len(truth), "snrs": rows}
    return 0
