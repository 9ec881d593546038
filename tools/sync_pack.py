"""A scenario pack for measuring sound against picture: every clip is black with one white
frame at each mark, and its audio track beeps on the same instants. Used by the tests and
by `sightline bench audio`; the helpers read and write the WAV files they compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.video_out import H264Writer

SYNC_RATE = 48_000
SYNC_FLASHES = {"a": (0.5, 1.5, 2.5, 3.5), "b": (0.3, 1.3, 2.3)}
SYNC_BEEP_HZ = {"a": 1000.0, "b": 2000.0}
SYNC_DURATION = {"a": 4.0, "b": 3.0}

SYNC_MANIFEST = """
format_version = 1
title = "sync"
start = "a"

[segments.a]
clip = "media/a.mp4"
[[segments.a.transitions]]
on = "key"
key = "2"
to = "b"
[[segments.a.transitions]]
on = "end"
to = "b"

[segments.b]
clip = "media/b.mp4"
ending = true

[sounds.mark]
file = "sounds/mark.wav"
label = "Timing mark"
"""


def write_wav(path: Path, samples: np.ndarray, rate: int = SYNC_RATE) -> Path:
    """A mono 16-bit WAV file."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(samples as float (n, channels), rate) of a 16-bit WAV file."""
    import wave

    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return data.reshape(-1, w.getnchannels()) / 32767.0, w.getframerate()


def write_sync_clip(path: Path, duration_s: float, flashes: tuple, beep_hz: float) -> None:
    """Black 30 fps video with one white frame at each flash time, and an AAC track with a
    30 ms beep starting on the same instant (cosine phase: loud from its first sample)."""
    fps, size = 30, (160, 90)
    audio = np.zeros(round(duration_s * SYNC_RATE), np.float32)
    beep = 0.5 * np.cos(2 * np.pi * beep_hz * np.arange(int(0.03 * SYNC_RATE)) / SYNC_RATE)
    for t in flashes:
        i = round(t * SYNC_RATE)
        audio[i : i + len(beep)] = beep
    flash_frames = {round(t * fps) for t in flashes}
    with H264Writer(path, *size, fps=fps, crf=18, preset="ultrafast", audio_rate=SYNC_RATE) as out:
        for i in range(round(duration_s * fps)):
            img = np.full((size[1], size[0], 3), 255 if i in flash_frames else 0, np.uint8)
            out.write(img, i / fps)
        out.write_audio(audio)


def make_sync_pack(root: Path) -> Path:
    """Two segments (a: 4 s, b: 3 s; key 2 branches), and a pack sound `mark`."""
    (root / "media").mkdir(parents=True, exist_ok=True)
    for name, flashes in SYNC_FLASHES.items():
        write_sync_clip(
            root / "media" / f"{name}.mp4", SYNC_DURATION[name], flashes, SYNC_BEEP_HZ[name]
        )
    (root / "sounds").mkdir(exist_ok=True)
    t = np.arange(int(0.02 * SYNC_RATE)) / SYNC_RATE
    write_wav(root / "sounds" / "mark.wav", 0.8 * np.cos(2 * np.pi * 3000 * t))
    (root / "scenario.toml").write_text(SYNC_MANIFEST)
    return root


def onsets(signal: np.ndarray, rate: float, threshold: float, quiet_s: float = 0.1) -> list[float]:
    """Times (s) where |signal| first rises over threshold after quiet_s below it."""
    loud = np.flatnonzero(np.abs(signal) > threshold)
    if not len(loud):
        return []
    gaps = np.flatnonzero(np.diff(loud) > quiet_s * rate)
    return [s / rate for s in [loud[0], *loud[gaps + 1]]]
