"""Panda3D's allocator must stay off the program break, and freed memory goes back to the
system once a minute (engine/heap.py).

Panda3D's wheels allocate through their own dlmalloc, which grows with sbrk() as glibc's
main arena does; the two moving the break from two threads at once corrupted the heap
(the decoder stress's and `run --theater`'s crashes). The first test checks the mechanism
(deterministic); the second runs the reproducer that needs no FFmpeg: Panda3D drawing
(the GIL released, its allocator busy) beside threads that malloc from glibc's main arena
(MALLOC_ARENA_MAX=1 hands it to every thread). Without the guard that reproducer crashed
in 5 of 8 runs of 20 s ("break adjusted to free malloc space", malloc assertions,
SIGSEGV), with it in 0 of 8; the decoder stress figures are in docs/performance.md."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from content.pack import load_pack
from engine.fixed_loop import ManualClock
from engine.heap import HeapTrimmer
from engine.session import Session
from sim.events import KeyPress
from tests.conftest import checking_allocator_env

ROOT = Path(__file__).resolve().parents[2]

WHERE = r"""
import numpy as np
import engine, engine.heap
from panda3d.core import PTAUchar
arrays = [PTAUchar.emptyArray(20000) for _ in range(300)]  # Panda3D's own heap
heap = [line.split()[0] for line in open("/proc/self/maps") if "[heap]" in line]
lo, hi = (int(v, 16) for v in heap[0].split("-")) if heap else (0, 0)
inside = sum(lo <= np.frombuffer(memoryview(a), np.uint8).ctypes.data < hi for a in arrays)
print(inside, engine.heap.guarded_at() or 0, hi)
"""

REPRO = r"""
import os, random, sys, threading, time, zlib
from engine.panda_setup import configure
configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from panda3d.core import CardMaker, TextNode
base = ShowBase(windowType="offscreen")
stop = False
data = os.urandom(1 << 16) * 4
def churn(seed):  # deflate's state is five 64 KB mallocs, made and freed without the GIL
    r = random.Random(seed)
    while not stop:
        zlib.compress(data[: r.randint(1000, len(data))], r.randint(1, 9))
threads = [threading.Thread(target=churn, args=(i,), daemon=True) for i in range(3)]
for t in threads:
    t.start()
cm = CardMaker("c")
cm.setFrame(-0.1, 0.1, -0.1, 0.1)
rng = random.Random(7)
kept, frames = [], 0
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    for _ in range(20):  # scene nodes and text made and dropped: Panda3D's allocator
        np_ = base.aspect2d.attachNewNode(TextNode(f"n{frames}"))
        text = "".join(chr(rng.randint(33, 126)) for _ in range(20))
        np_.node().setText(f"t{frames} {text}")
        np_.setPos(rng.uniform(-1, 1), 0, rng.uniform(-1, 1))
        np_.setScale(0.05)
        np_.attachNewNode(cm.generate())
        kept.append(np_)
    while len(kept) > 300:
        kept.pop(0).removeNode()
    base.graphicsEngine.renderFrame()
    frames += 1
stop = True
for t in threads:
    t.join()
print("frames", frames)
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


needs_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the program break guard is Linux-only"
)


@needs_linux
def test_panda3d_allocates_off_the_break_once_engine_is_imported():
    proc = _python(WHERE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    inside, guard, heap_end = (int(v) for v in proc.stdout.split())
    assert guard, "no guard page was placed"
    assert heap_end <= guard, "the break grew past the guard page"
    assert inside == 0, f"{inside} of 300 Panda3D arrays were allocated on the program break"


@needs_linux
def test_without_the_guard_panda3d_allocates_on_the_break():
    """The control: shows the first test can fail, and says when the guard stops mattering."""
    proc = _python(WHERE, env={"SIGHTLINE_BRK_GUARD": "0"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    inside, guard, _ = (int(v) for v in proc.stdout.split())
    assert guard == 0
    if inside == 0:
        pytest.skip("this Panda3D no longer allocates from the program break: guard not needed")
    assert inside > 0


@needs_linux
@pytest.mark.render
@pytest.mark.skipif(
    ctypes.util.find_library("EGL") is None,
    reason="no libEGL: offscreen rendering needs the system GL libraries",
)
def test_drawing_beside_threads_on_glibcs_main_arena_keeps_the_heap_whole():
    seconds = os.environ.get("SIGHTLINE_HEAP_S", "10")
    env = {"MALLOC_ARENA_MAX": "1", **checking_allocator_env()}
    proc = _python(REPRO, seconds, env=env, timeout=float(seconds) + 120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[1]) > 20, proc.stdout  # it did draw


# -- handing freed memory back ---------------------------------------------------------------

FREED = r"""
import ctypes
from engine.heap import trim_heap

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def rss_kb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))

blocks = [libc.malloc(1024) for _ in range(60_000)]  # 60 MB in small blocks, as frames'
for b in blocks:                                     # planes and Python objects come
    ctypes.memset(b, 1, 1024)
held = rss_kb()
for b in blocks[:-1]:  # the last one stays: the arena's top cannot shrink by itself
    libc.free(b)
freed = rss_kb()
print(held, freed, rss_kb() if not trim_heap() else rss_kb())
"""


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION")),
    reason="malloc_trim is glibc's",
)
def test_trimming_hands_freed_memory_back_that_free_alone_keeps():
    out = _python(FREED)
    assert out.returncode == 0, out.stderr
    held, freed, trimmed = (int(v) for v in out.stdout.split())
    assert held - freed < 15_000, "free() alone gave most of it back: nothing left to show"
    assert freed - trimmed > 40_000, (held, freed, trimmed)


def test_the_trimmer_trims_once_an_interval_of_the_time_it_is_given():
    calls = []
    trimmer = HeapTrimmer(60.0, trim=lambda: calls.append(1) or True)
    got = [trimmer.maybe_trim(t) for t in (0, 59.9, 60.0, 60.1, 119.9, 120.0, 500.0, 500.5)]
    assert got == [False, False, True, False, False, True, True, False]
    assert len(calls) == trimmer.trims == 3


def test_a_session_trims_once_a_minute_of_session_time_and_never_on_a_branch_frame(
    fixture_pack,
):
    pack = load_pack(fixture_pack)
    clock = ManualClock()
    session = Session(pack, clock, 120, block_video=True)
    trimmed_at: list[float] = []
    session.heap = HeapTrimmer(0.5, trim=lambda: trimmed_at.append(session.state.t_s) or True)
    session.schedule([KeyPress(0.5, "2")])  # a branch at the first trim's time
    branch_frames = []
    for n in range(40):  # 1.3 s of 30 fps frames
        clock.t = n / 30
        out = session.frame()
        if out.entered and n > 0:
            branch_frames.append(out.state.t_s)
    session.close()
    assert len(branch_frames) == 1 and branch_frames[0] >= 0.5
    assert len(trimmed_at) == 2  # at 0.5 s (put off by the branch's frame) and a half later
    assert branch_frames[0] not in trimmed_at and trimmed_at[0] > branch_frames[0]
