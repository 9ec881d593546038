"""Shared fixtures: small generated packs whose frames say what they are.

Every frame of a fixture clip is split in two: the left half holds the frame index in
binary as BITS black/white vertical stripes, the right half is the segment's colour. That
survives H.264 and letterboxing, so a test can read off any rendered or decoded frame
which clip and which frame it shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.video_out import H264Writer
from tools.sync_pack import (
    SYNC_RATE,
    make_sync_pack,
    onsets,
    read_wav,
    write_sync_clip,
    write_wav,
)

BITS = 7
COLOURS = {"a": (0, 0, 200), "b": (0, 200, 0), "c": (200, 0, 0)}  # BGR


#: glibc's checking allocator (glibc 2.34+): heap corruption aborts at the next malloc
#: or free instead of much later, so heap stress tests catch it far more often.
MALLOC_DEBUG_LIBS = (
    "/lib/x86_64-linux-gnu/libc_malloc_debug.so.0",
    "/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0",
    "/lib/aarch64-linux-gnu/libc_malloc_debug.so.0",
    "/usr/lib64/libc_malloc_debug.so.0",
)


def checking_allocator_env() -> dict[str, str]:
    """Environment for a child process that runs under glibc's checking allocator, or {}
    where this system has none (the stress then runs with the plain allocator)."""
    for lib in MALLOC_DEBUG_LIBS:
        if Path(lib).exists():
            return {"LD_PRELOAD": lib, "MALLOC_CHECK_": "3"}
    return {}


def write_clip(
    path: Path,
    colour: tuple[int, int, int],
    times_s: list[float],
    size: tuple[int, int] = (320, 180),
) -> None:
    w, h = size
    with H264Writer(path, w, h, fps=30, crf=12, preset="ultrafast") as out:
        for i, t in enumerate(times_s):
            img = np.zeros((h, w, 3), np.uint8)
            stripe = (w // 2) // BITS
            for bit in range(BITS):
                if i >> bit & 1:
                    img[:, bit * stripe : (bit + 1) * stripe] = 255
            img[:, w // 2 :] = colour
            out.write(img, t)


def read_frame_code(img: np.ndarray) -> tuple[str, int]:
    """(segment letter, frame index) of a fixture frame, from its centre area."""
    h, w = img.shape[:2]
    rows = img[h // 3 : 2 * h // 3]
    stripe = (w // 2) / BITS
    index = 0
    for bit in range(BITS):
        x0, x1 = int(bit * stripe + stripe / 4), int((bit + 1) * stripe - stripe / 4)
        if rows[:, x0:x1].mean() > 128:
            index |= 1 << bit
    right = rows[:, 5 * w // 8 : 7 * w // 8].reshape(-1, 3).mean(axis=0)
    letter = min(COLOURS, key=lambda k: np.abs(np.array(COLOURS[k]) - right).sum())
    return letter, index


FIXTURE_MANIFEST = """
format_version = 1
title = "fixture"
start = "a"

[segments.a]
clip = "media/a.mp4"
[[segments.a.transitions]]
on = "key"
key = "2"
label = "to b"
to = "b"
[[segments.a.transitions]]
on = "key"
key = "3"
to = "c"
[[segments.a.transitions]]
on = "end"
to = "c"
[[segments.a.zones]]
name = "left"
role = "no-shoot"
polygon = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]

[segments.b]
clip = "media/b.mp4"
ending = true
[[segments.b.zones]]
name = "mover"
role = "threat"
keys = [
  { t = 0.0, polygon = [[0.0, 0.4], [0.2, 0.4], [0.2, 0.6], [0.0, 0.6]] },
  { t = 1.0, polygon = [[0.8, 0.4], [1.0, 0.4], [1.0, 0.6], [0.8, 0.6]] },
]

[segments.c]
clip = "media/c.mp4"
ending = true
"""


def make_fixture_pack(root: Path, duration_s: float = 2.0, fps: int = 30) -> Path:
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    times = [i / fps for i in range(round(duration_s * fps))]
    for name, colour in COLOURS.items():
        write_clip(media / f"{name}.mp4", colour, times)
    (root / "scenario.toml").write_text(FIXTURE_MANIFEST)
    return root


@pytest.fixture(scope="session")
def fixture_pack(tmp_path_factory) -> Path:
    return make_fixture_pack(tmp_path_factory.mktemp("pack"))


@pytest.fixture(scope="session")
def vfr_clip(tmp_path_factory) -> tuple[Path, list[float]]:
    """A variable-frame-rate H.264 clip at an odd size (418x314) and its frame times."""
    times = [0.0, 0.033, 0.066, 0.150, 0.183, 0.300, 0.333, 0.366, 0.500, 0.533, 0.9]
    path = tmp_path_factory.mktemp("vfr") / "vfr_418x314.mp4"
    write_clip(path, COLOURS["a"], times, size=(418, 314))
    return path, times


@pytest.fixture
def pack(tmp_path, fixture_pack) -> Path:
    """A private, editable copy of the fixture pack."""
    dst = tmp_path / "pack"
    shutil.copytree(fixture_pack, dst)
    return dst


def edit(pack: Path, old: str, new: str) -> Path:
    """Replace the first `old` in the pack's manifest (which must contain it)."""
    text = (pack / "scenario.toml").read_text()
    assert old in text
    (pack / "scenario.toml").write_text(text.replace(old, new, 1))
    return pack


def run_cli(*args: str, timeout: float = 180, env: dict | None = None):
    """`sightline ARGS...` in a subprocess (one Panda3D ShowBase per process)."""
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def write_script(path: Path, events: list[dict]) -> Path:
    """An input script: one JSON event per line."""
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


# -- sound: clips whose flashes and beeps mark the same instants ---------------------------

__all__ = ["SYNC_RATE", "make_sync_pack", "onsets", "read_wav", "write_sync_clip", "write_wav"]


@pytest.fixture(scope="session")
def sync_pack(tmp_path_factory) -> Path:
    return make_sync_pack(tmp_path_factory.mktemp("sync"))
