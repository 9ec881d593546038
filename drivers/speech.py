"""Offline speech recognition of the trainee's voice: voice activity, a timed transcript,
and spotting of the phrases a pack's `said` triggers list.

pocketsphinx 5 (its wheel carries the US English acoustic model, language model and
dictionary: nothing is downloaded at run time). Audio is 16 kHz mono int16
(drivers.microphone.RATE). Per utterance, found by pocketsphinx's Endpointer (voice
activity): a grammar decoder whose only sentences are the pack's phrases says which phrase
it sounds most like, and the general language model writes the transcript. A grammar of
phrases alone takes any talk for one of them (it has no other sentence to choose), so the
choice is checked: the utterance is decoded once more with a grammar of the phrases and
the transcript itself, the transcript weighted down by CHECK_WEIGHT; when the transcript
wins, the talk was something else and no phrase is reported (`sightline bench speech`
measures what the check gains and costs: README). An utterance is reported when the
Endpointer sees it end, so the delay from the end of a phrase to its event is about the
Endpointer's window (0.3 s) plus decoding.

`Recognizer.feed` is synchronous: headless runs call it in step with session time, so the
same audio gives the same events at the same ticks. A live microphone needs it beside the
tick loop: `RecognizerProcess` runs one in a child process (what the engine uses), and
`RecognizerThread` on a thread, which is simpler but stalls the loop, as pocketsphinx holds
the interpreter lock while it decodes (`sightline bench speech --tick-loop` measures both).
Must not import engine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from drivers.microphone import RATE
from sim.events import normalize_phrase

WINDOW_S = 0.3  # the Endpointer's look-back: speech ends this long after the last voiced frame
MAX_UTTERANCE_S = 15.0  # an utterance is cut here (a held noise must not grow without bound)
# the transcript's prior against the phrases in the check, tuned by bench speech: the
# language model's transcript of a command is often words that fit the audio better than
# the command itself ("so we are to you" for espeak's "show me your hands"), so it must be
# weighed down hard; below about 1e-25 the decoder's beam prunes it at once and the check
# never rejects anything
CHECK_WEIGHT = 1e-20


@dataclass(frozen=True, slots=True)
class Heard:
    """One utterance: when the speech started and ended and when it was recognized
    (seconds from the start of the audio), the pack phrase it matched ("" when none) and
    the transcript."""

    start_s: float
    end_s: float
    t_s: float
    phrase: str
    text: str


def _grammar(phrases: Sequence[str], other: str = "", weight: float | None = None) -> str:
    """The phrases as one JSGF rule; with `other`, a sentence that competes with them at
    `weight` (default CHECK_WEIGHT: the check)."""
    body = " | ".join(phrases)
    if other:
        body = f"/1/ ({body}) | /{CHECK_WEIGHT if weight is None else weight:g}/ ({other})"
    return f"#JSGF V1.0;\ngrammar said;\npublic <said> = {body} ;\n"


def match_phrase(hyp: str, phrases: Sequence[str]) -> str:
    """The phrase a grammar hypothesis stands for: itself, or the only phrase it is the
    start of when at least two words or half of it were decoded (the grammar decoder can
    drop a last word that trails into silence); "" otherwise."""
    words = normalize_phrase(hyp).split()
    if not words:
        return ""
    full = " ".join(words)
    if full in phrases:
        return full
    starts = [p for p in phrases if p.split()[: len(words)] == words]
    n = len(starts[0].split()) if len(starts) == 1 else 0
    if n and len(words) >= min(2, n) and len(words) * 2 >= n:
        return starts[0]
    return ""


class Recognizer:
    def __init__(self, phrases: Sequence[str] = (), transcript: bool = True, check: bool = True):
        from pocketsphinx import Decoder, Endpointer  # here: 38 MB of model

        self.ep = Endpointer(window=WINDOW_S, sample_rate=RATE)
        self.lm = Decoder(samprate=RATE, loglevel="FATAL") if transcript else None
        self.unknown: list[str] = []  # phrases with words the dictionary lacks
        self.phrases: tuple[str, ...] = ()
        self.grammar = None
        wanted = sorted({normalize_phrase(p) for p in phrases} - {""})
        if wanted:
            self.grammar = Decoder(samprate=RATE, loglevel="FATAL")
            ok = [p for p in wanted if all(self.grammar.lookup_word(w) for w in p.split())]
            self.unknown = [p for p in wanted if p not in ok]
            self.phrases = tuple(ok)
            if ok:
                self.grammar.add_jsgf_string("said", _grammar(ok))
                self.grammar.activate_search("said")
            else:
                self.grammar = None
        self._frame = self.ep.frame_bytes // 2  # samples per Endpointer frame
        self._buf = np.zeros(0, np.int16)
        self._done = 0  # samples given to the Endpointer
        self._start_s = 0.0
        self._utt_samples = 0
        self.check = check and self.lm is not None and self.grammar is not None
        self._speech: list[bytes] = []  # the utterance's audio, for the check
        self.busy_s = 0.0  # not measured here: see tools/bench_speech.py

    def _decoders(self):
        return [d for d in (self.grammar, self.lm) if d is not None]

    def feed(self, samples: np.ndarray) -> list[Heard]:
        """Hear `samples` (following the previous ones); the utterances that ended."""
        self._buf = np.concatenate([self._buf, np.asarray(samples, np.int16)])
        out: list[Heard] = []
        n = self._frame
        while len(self._buf) >= n:
            frame, self._buf = self._buf[:n], self._buf[n:]
            self._done += n
            heard = self._process(frame.tobytes())
            if heard is not None:
                out.append(heard)
        return out

    def _process(self, frame: bytes) -> Heard | None:
        was = self.ep.in_speech
        speech = self.ep.process(frame)
        if speech is None:
            return None
        if not was:
            self._start_s = self.ep.speech_start
            self._utt_samples = 0
            self._speech = []
            for d in self._decoders():
                d.start_utt()
        for d in self._decoders():
            d.process_raw(speech)
        if self.check:
            self._speech.append(speech)
        self._utt_samples += len(speech) // 2
        if self.ep.in_speech and self._utt_samples < MAX_UTTERANCE_S * RATE:
            return None
        if self.ep.in_speech:  # too long: cut it here and start again
            self.ep = type(self.ep)(window=WINDOW_S, sample_rate=RATE)
        return self._finish(self.ep.speech_end if not self.ep.in_speech else self.now_s())

    def now_s(self) -> float:
        return self._done / RATE

    def _finish(self, end_s: float) -> Heard:
        texts = []
        for d in self._decoders():
            d.end_utt()
            hyp = d.hyp()
            texts.append(hyp.hypstr if hyp is not None else "")
        phrase = match_phrase(texts[0], self.phrases) if self.grammar is not None else ""
        text = texts[-1] if self.lm is not None else phrase
        if phrase and self.check and not self._confirmed(normalize_phrase(text)):
            phrase = ""
        return Heard(self._start_s, end_s, self.now_s(), phrase, " ".join(text.split()))

    def _confirmed(self, transcript: str) -> bool:
        """Does the utterance sound more like one of the phrases than like the transcript
        the language model wrote (weighted down by CHECK_WEIGHT)? Decoded again, from the
        utterance's audio, by the grammar decoder with a second search."""
        words = transcript.split()
        if not words or transcript in self.phrases:
            return True  # nothing else to weigh it against, or the transcript agrees
        g = self.grammar
        if not all(g.lookup_word(w) for w in words):
            return True
        g.add_jsgf_string("check", _grammar(self.phrases, transcript))
        g.activate_search("check")
        try:
            g.start_utt()
            g.process_raw(b"".join(self._speech))
            g.end_utt()
            hyp = g.hyp()
        finally:
            g.activate_search("said")
        said = normalize_phrase(hyp.hypstr) if hyp is not None else ""
        return bool(said) and said != transcript and bool(match_phrase(said, self.phrases))

    def close(self) -> list[Heard]:
        """The end of the audio: an utterance still open is finished."""
        if not self.ep.in_speech:
            return []
        pad = np.zeros(int(WINDOW_S * RATE) + 2 * self._frame, np.int16)
        return self.feed(pad)


class RecognizerThread:
    """A Recognizer on its own thread (a live microphone): `submit` blocks of samples with
    the session time of their first sample; `on_heard(Heard with session times)` is called
    from the thread. The queue is bounded: while decoding is more than `max_blocks` behind,
    the blocks that find it full are dropped and counted. Decoding holds the interpreter
    lock, so this thread stalls the others (the engine uses RecognizerProcess)."""

    def __init__(
        self,
        recognizer: Recognizer,
        on_heard: Callable[[Heard], None],
        max_blocks: int = 500,
    ):
        self.rec, self.on_heard = recognizer, on_heard
        self._q: queue.Queue = queue.Queue(maxsize=max_blocks)
        self.dropped = 0
        self._origin_s: float | None = None
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def submit(self, t0_s: float, samples: np.ndarray) -> None:
        try:
            self._q.put_nowait((t0_s, samples))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                break
            t0_s, samples = item
            if self._origin_s is None:
                self._origin_s = t0_s - self.rec.now_s()
            for h in self.rec.feed(samples):
                self._emit(h)
        for h in self.rec.close():
            self._emit(h)

    def _emit(self, h: Heard) -> None:
        o = self._origin_s or 0.0
        self.on_heard(Heard(h.start_s + o, h.end_s + o, h.t_s + o, h.phrase, h.text))

    def stop(self, timeout_s: float = 5.0) -> None:
        self._q.put(None)
        self._thread.join(timeout_s)


def _serve(phrases: tuple[str, ...], inbox, outbox) -> None:  # the child process
    """RecognizerProcess's child: a Recognizer fed (t0_s, bytes) blocks until None; sends
    ("ready", unknown phrases) first, then ("heard", Heard fields in session seconds).
    It runs at a lower priority than the tick loop (nice 10): on a busy machine the
    recognition may come later, the picture and the sound not."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice
        os.nice(10)
    rec = Recognizer(phrases)
    outbox.put(("ready", rec.unknown))
    origin: float | None = None

    def send(h: Heard) -> None:
        o = origin or 0.0
        outbox.put(("heard", (h.start_s + o, h.end_s + o, h.t_s + o, h.phrase, h.text)))

    while True:
        item = inbox.get()
        if item is None:
            break
        t0_s, raw = item
        if origin is None:
            origin = t0_s - rec.now_s()
        for h in rec.feed(np.frombuffer(raw, np.int16)):
            send(h)
    for h in rec.close():
        send(h)
    outbox.put(None)


class RecognizerProcess:
    """RecognizerThread's interface with the Recognizer in a child process (started with
    spawn: a fork of a process running Panda3D's threads is not safe), so decoding never
    takes the interpreter lock from the tick loop. Blocks travel as bytes on a bounded
    queue (a block that finds it full is dropped and counted); `on_heard` is called from a
    reader thread of this process. `unknown` (phrases the dictionary lacks) is known once
    the child has loaded its model, which the constructor waits for (`ready_s`). Measured
    against the thread by `sightline bench speech --tick-loop`."""

    def __init__(
        self,
        phrases: Sequence[str],
        on_heard: Callable[[Heard], None],
        max_blocks: int = 500,
        ready_s: float = 60.0,
    ):
        ctx = multiprocessing.get_context("spawn")
        self.on_heard = on_heard
        self._in = ctx.Queue(maxsize=max_blocks)
        self._out = ctx.Queue()
        self.dropped = 0
        self.unknown: list[str] = []
        self._ready = threading.Event()
        self._proc = ctx.Process(
            target=_serve, args=(tuple(phrases), self._in, self._out), name="speech", daemon=True
        )
        self._proc.start()
        self._reader = threading.Thread(target=self._read, name="speech-results", daemon=True)
        self._reader.start()
        if not self._ready.wait(ready_s):
            self.stop(0.1)
            raise RuntimeError(f"the speech recognizer did not start within {ready_s:.0f} s")

    def submit(self, t0_s: float, samples: np.ndarray) -> None:
        try:
            self._in.put_nowait((t0_s, np.asarray(samples, np.int16).tobytes()))
        except queue.Full:
            self.dropped += 1

    def _read(self) -> None:
        while True:
            try:
                item = self._out.get(timeout=1.0)
            except queue.Empty:
                if not self._proc.is_alive():
                    break
                continue
            if item is None:
                break
            kind, value = item
            if kind == "ready":
                self.unknown = list(value)
                self._ready.set()
            else:
                self.on_heard(Heard(*value))

    def stop(self, timeout_s: float = 5.0) -> None:
        """The end of the audio: what the child still holds is recognized and delivered,
        then it exits (terminated if it has not within timeout_s)."""
        if self._proc.is_alive():
            with contextlib.suppress(queue.Full):
                self._in.put(None, timeout=timeout_s)
        self._reader.join(timeout_s)
        self._proc.join(timeout_s)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(1.0)
