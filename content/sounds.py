"""The bundled sounds, synthesized: weapon reports, a dry click, and distractions (siren,
dog, radio traffic, crowd, shouting), plus the crude voice the demo clips speak with.

Nothing is recorded, so nothing carries licence terms and the repository holds no audio
files: each sound is a few lines of numpy, built on first use from a fixed seed (the same
samples every run, which keeps mixed session audio reproducible). Quality is "clearly
recognisable", not film sound; a pack that wants better ships its own files. All output is
float32 mono at `RATE`, peak at most 1.
"""

from __future__ import annotations

import functools

import numpy as np

RATE = 48_000

# -- building blocks ----------------------------------------------------------------------


def _t(duration_s: float) -> np.ndarray:
    return np.arange(round(duration_s * RATE)) / RATE


def _noise(duration_s: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(round(duration_s * RATE))


def _band(x: np.ndarray, lo_hz: float, hi_hz: float, soft: float = 0.3) -> np.ndarray:
    """Band-limit by shaping the spectrum (soft edges, no ringing worth hearing)."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    gain = np.ones_like(f)
    if lo_hz > 0:
        gain *= 1 / (1 + (lo_hz / np.maximum(f, 1e-3)) ** (2 / soft))
    if hi_hz < RATE / 2:
        gain *= 1 / (1 + (f / hi_hz) ** (2 / soft))
    return np.fft.irfft(spec * gain, len(x))


def _env(n: int, attack_s: float, decay_s: float) -> np.ndarray:
    """Linear attack, then exponential decay with time constant decay_s."""
    t = np.arange(n) / RATE
    a = np.minimum(1.0, t / max(attack_s, 1e-6))
    return a * np.exp(-np.maximum(0.0, t - attack_s) / decay_s)


def _reverb(x: np.ndarray, decay_s: float, wet: float, seed: int) -> np.ndarray:
    """A room: convolution with decaying noise (FFT), mixed under the dry sound."""
    ir = _noise(decay_s * 4, seed) * np.exp(-_t(decay_s * 4) / decay_s)
    ir = _band(ir, 150, 6000)
    ir /= np.sqrt(np.sum(ir**2)) + 1e-12
    n = len(x) + len(ir) - 1
    size = 1 << (n - 1).bit_length()
    wet_sig = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[:n]
    out = np.zeros(n)
    out[: len(x)] += x
    return out + wet * wet_sig


def _normal(x: np.ndarray, peak: float = 0.9) -> np.ndarray:
    m = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x * (peak / m) if m > 0 else x).astype(np.float32)


def _place(total_s: float, parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    out = np.zeros(round(total_s * RATE))
    for at_s, part in parts:
        i = round(at_s * RATE)
        n = min(len(part), len(out) - i)
        if n > 0:
            out[i : i + n] += part[:n]
    return out


# -- a voice: additive harmonics shaped by moving formants ---------------------------------

#: (F1, F2, F3) in Hz of a few vowels.
VOWELS = {
    "a": (800, 1200, 2500),
    "e": (500, 1900, 2500),
    "i": (300, 2300, 3000),
    "o": (500, 900, 2400),
    "u": (350, 800, 2300),
}


def voice(
    syllables: int,
    f0_hz: float = 120.0,
    seed: int = 0,
    rate_sps: float = 4.0,
    shout: bool = False,
    top_hz: float = 4500.0,
) -> np.ndarray:
    """Speech-like babble: `syllables` syllables of voiced vowels with noisy consonant
    onsets and a falling pitch contour. Recognisably a voice talking, not words."""
    rng = np.random.default_rng(seed)
    syl_s = 1.0 / rate_sps
    n = round(syllables * syl_s * RATE)
    t = np.arange(n) / RATE
    # pitch: a gentle fall over the phrase, a rise on each syllable's stress
    pos = (t / syl_s) % 1.0
    f0 = f0_hz * (1.1 - 0.2 * t / max(t[-1], 1e-6)) * (1 + 0.06 * np.sin(np.pi * pos))
    if shout:
        f0 = f0 * 1.5
    # formant tracks: one vowel per syllable, glided between
    names = list(VOWELS)
    picks = [VOWELS[names[rng.integers(len(names))]] for _ in range(syllables + 1)]
    idx = np.minimum((t / syl_s).astype(int), syllables - 1)
    frac = np.clip((pos - 0.7) / 0.3, 0, 1)  # glide over the last 30% of a syllable
    formants = [
        np.array([p[k] for p in picks])[idx] * (1 - frac)
        + np.array([p[k] for p in picks])[idx + 1] * frac
        for k in range(3)
    ]
    out = np.zeros(n)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    for h in range(1, int(top_hz / f0_hz) + 1):
        fh = h * f0
        amp = sum(
            g / (1 + ((fh - fk) / bw) ** 2)
            for fk, bw, g in zip(formants, (90, 120, 160), (1.0, 0.6, 0.25), strict=True)
        )
        out += amp * np.sin(h * phase) / h**0.3
    # syllable envelope: consonant gap, vowel swell
    env = np.sin(np.pi * np.clip((pos - 0.12) / 0.8, 0, 1)) ** 0.6
    out *= env
    # a consonant burst before each vowel
    burst = _band(rng.standard_normal(n), 2000, 7000) * ((pos < 0.12) & (pos > 0.02))
    out += 0.25 * burst * np.max(np.abs(out)) / (np.max(np.abs(burst)) + 1e-12)
    if shout:
        out = np.tanh(2.5 * out / (np.max(np.abs(out)) + 1e-12))
    return _normal(out, 0.7)


# -- the bundled sounds --------------------------------------------------------------------


def _report(crack_s: float, boom_hz: float, tail_s: float, seed: int) -> np.ndarray:
    n = round((tail_s * 5 + 0.05) * RATE)
    crack = _band(_noise(n / RATE, seed), 500, 12000) * _env(n, 0.0005, crack_s)
    boom = np.sin(2 * np.pi * boom_hz * np.arange(n) / RATE) * _env(n, 0.002, tail_s / 3)
    body = _band(_noise(n / RATE, seed + 1), 80, 2500) * _env(n, 0.001, tail_s)
    dry = 1.0 * crack / np.max(np.abs(crack)) + 0.6 * boom + 0.5 * body / np.max(np.abs(body))
    return _normal(_reverb(dry, tail_s * 1.5, 0.15, seed + 2), 0.95)


def pistol() -> np.ndarray:
    return _report(0.012, 110, 0.09, 11)


def rifle() -> np.ndarray:
    return _report(0.006, 70, 0.16, 21)


def taser() -> np.ndarray:
    """A five-second cycle: about 19 sharp arcs a second."""
    total = 5.0
    arc_n = round(0.004 * RATE)
    arcs = []
    for i in range(int(total * 19)):
        arc = _band(_noise(0.004, 100 + i), 1500, 14000) * _env(arc_n, 0.0002, 0.0012)
        arcs.append((i / 19.0, arc))
    hum = 0.05 * np.sin(2 * np.pi * 190 * _t(total))
    return _normal(_place(total, arcs) / 3 + hum, 0.8)


def oc_spray() -> np.ndarray:
    n = round(1.4 * RATE)
    hiss = _band(_noise(1.4, 31), 2500, 12000)
    env = np.minimum(1, _t(1.4) / 0.03) * np.clip((1.4 - _t(1.4)) / 0.25, 0, 1)
    sputter = 1 + 0.3 * _band(_noise(1.4, 32), 5, 30)  # pressure wobble
    return _normal(hiss * env * sputter[:n], 0.6)


def dry_click() -> np.ndarray:
    n = round(0.08 * RATE)
    click = _band(_noise(0.08, 41), 1500, 12000) * _env(n, 0.0002, 0.002)
    ping = np.sin(2 * np.pi * 3200 * np.arange(n) / RATE) * _env(n, 0.0005, 0.012)
    return _normal(click + 0.4 * ping, 0.7)


def siren() -> np.ndarray:
    """A wail passing: pitch sweeps 650-1450 Hz every 4 s, louder then fading."""
    total = 8.0
    t = _t(total)
    f = 1050 + 400 * np.sin(2 * np.pi * t / 4.0 - np.pi / 2)
    phase = 2 * np.pi * np.cumsum(f) / RATE
    tone = np.sin(phase) + 0.35 * np.sin(3 * phase) + 0.15 * np.sin(5 * phase)
    passing = np.exp(-(((t - total / 2) / (total / 3.5)) ** 2))
    return _normal(tone * passing, 0.7)


def dog() -> np.ndarray:
    barks = []
    for i, at in enumerate((0.0, 0.35, 0.7, 1.6, 1.9)):
        n = round(0.18 * RATE)
        t = np.arange(n) / RATE
        f0 = 520 * (1.1 - 0.5 * t / t[-1])
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        tone = sum(np.sin(h * phase) / h for h in range(1, 9))
        rough = _band(_noise(n / RATE, 50 + i), 300, 4000)
        bark = (tone + 0.8 * rough / np.max(np.abs(rough))) * _env(n, 0.01, 0.05)
        barks.append((at, _band(bark, 250, 5000)))
    return _normal(_reverb(_place(2.3, barks), 0.15, 0.2, 58), 0.8)


def radio() -> np.ndarray:
    """Radio traffic: squelch, a clipped band-limited voice, squelch tail."""
    talk = voice(10, 135, seed=61, rate_sps=5.0, top_hz=3200)
    talk = np.tanh(3 * talk)
    squelch = _band(_noise(0.12, 62), 800, 5000) * 0.4
    parts = [(0.0, squelch), (0.15, talk), (0.15 + len(talk) / RATE + 0.05, squelch)]
    mix = _place(0.15 + len(talk) / RATE + 0.2, parts)
    return _normal(_band(mix, 400, 3200), 0.6)


def crowd() -> np.ndarray:
    total = 5.0
    parts = []
    rng = np.random.default_rng(71)
    for k in range(7):
        syl = int(rng.integers(6, 16))
        f0 = float(rng.uniform(100, 240))
        v = voice(syl, f0, seed=72 + k, rate_sps=float(rng.uniform(3.5, 5.5)), top_hz=1800)
        parts.append((float(rng.uniform(0, total - len(v) / RATE)), v * rng.uniform(0.4, 1)))
    murmur = _band(_noise(total, 90), 200, 2000) * 0.15
    mix = _place(total, parts) + murmur
    fade = np.minimum(1, np.minimum(_t(total), total - _t(total)) / 0.5)
    return _normal(_reverb(mix * fade, 0.4, 0.3, 91)[: len(fade)], 0.6)


def shouting() -> np.ndarray:
    a = voice(3, 190, seed=81, rate_sps=4.0, shout=True)
    b = voice(4, 200, seed=82, rate_sps=4.5, shout=True)
    return _normal(_reverb(_place(2.4, [(0.0, a), (1.0, b)]), 0.25, 0.25, 83), 0.85)


def beep() -> np.ndarray:
    """A shot timer's start beep: 0.25 s of 2.5 kHz with soft edges."""
    t = _t(0.25)
    return _normal(np.sin(2 * np.pi * 2500 * t) * _env(len(t), 0.005, 0.02), 0.8)


SYNTHS = {
    "pistol": pistol,
    "rifle": rifle,
    "taser": taser,
    "oc-spray": oc_spray,
    "dry-click": dry_click,
    "siren": siren,
    "dog": dog,
    "radio": radio,
    "crowd": crowd,
    "shouting": shouting,
    "beep": beep,
}


@functools.cache
def bundled(name: str) -> np.ndarray:
    """The samples of a bundled sound (cached; KeyError for an unknown name)."""
    out = SYNTHS[name]()
    out.setflags(write=False)
    return out
