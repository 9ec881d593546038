"""The process heap: Panda3D's allocator kept off the program break, so that it cannot
corrupt glibc's heap, and freed memory handed back to the system once a minute.

Panda3D's Linux wheels allocate through their own dlmalloc (`MemoryHook` in libp3dtool),
which grows its heap with `sbrk()`; glibc's malloc grows its main arena with `sbrk()` too.
`sbrk` is not thread-safe, and each allocator takes back (trims) the top of the break when
it believes it owns it. While Panda3D draws it releases the GIL and allocates; a decoder
thread, llvmpipe's rasterizer threads or FFmpeg allocate from glibc at the same moment, and
whenever glibc has handed one of them its main arena (it does so once it has made 8 arenas
a core) both allocators move the break at once: both are given the same memory, or one
takes back memory the other is using. glibc then reports "break adjusted to free malloc
space", "corrupted double-linked list" or a malloc assertion, or a later malloc segfaults.
This was the crash of `tests/engine/test_decoder_stress.py` and of `run --theater`; it
needs no FFmpeg at all (tests/engine/test_heap.py reproduces it with zlib threads).

The fix: before Panda3D is loaded, map one inaccessible page at the program break, so
that the break can no longer grow. dlmalloc's first `sbrk` then fails, and it takes every
later segment from `mmap` (once its contiguous `sbrk` fails it stops trying it); glibc's
main arena falls back to `mmap` as well (its documented "non-contiguous" mode). Neither
allocator moves the break again, and each is thread-safe on its own.

`engine/__init__.py` calls `guard_program_break()`, so importing anything from `engine`
(as the `sightline` command, the tools and the tests do before they touch Panda3D) places
the guard. `SIGHTLINE_BRK_GUARD=0` leaves the break alone (to reproduce the crash).

Handing memory back: a session allocates and frees decoded frames all the time (each
branch closes decoders and opens others, in threads), and glibc keeps what is freed in
its arenas for reuse; only the top of an arena goes back to the system by itself. Over an
hour that spare memory grew resident memory by 7-9 % on the Session path (`sightline bench
soak`). `HeapTrimmer` calls glibc's `malloc_trim(0)`, which returns every wholly free page
of every arena, once a minute of session time (`Session.frame` calls it): the same soak
stays within 3 % and starts about 28 MB lower. A call takes about 1 ms (0.85 median,
1.45 max over an hour of a drawn session), on the frame after a branch at the earliest.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import mmap
import os
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Set to "0" to leave the program break alone (the reproducer's control runs).
ENV = "SIGHTLINE_BRK_GUARD"
_MAP_FIXED_NOREPLACE = 0x100000  # Linux 4.17+; older kernels take the address as a hint
_PROT_NONE = 0

_guard_at: int | None = None
_tried = False


def guard_program_break() -> int | None:
    """Map an inaccessible page at the program break (once a process). Returns its
    address, or None where it was not placed (not Linux, turned off, or refused)."""
    global _guard_at, _tried
    if _tried:
        return _guard_at
    _tried = True
    if not sys.platform.startswith("linux") or os.environ.get(ENV, "1") == "0":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        sbrk = libc.sbrk
        sbrk.restype = ctypes.c_void_p
        sbrk.argtypes = [ctypes.c_ssize_t]
        mmap_ = libc.mmap
        mmap_.restype = ctypes.c_void_p
        mmap_.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_long,
        ]
        munmap = libc.munmap
        munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    except (OSError, AttributeError) as exc:  # no C library by that name: nothing to guard
        log.debug("program break guard not placed: %s", exc)
        return None
    page = mmap.PAGESIZE
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_FIXED_NOREPLACE
    for _ in range(8):  # the break may move between reading it and mapping (other threads)
        brk = sbrk(0)
        if not brk or brk == ctypes.c_void_p(-1).value:
            break
        want = (brk + page - 1) // page * page
        got = mmap_(want, page, _PROT_NONE, flags, -1, 0)
        if got == want:
            _guard_at = want
            if "panda3d.core" in sys.modules:
                log.warning("program break guarded after Panda3D was loaded: import engine first")
            return want
        if got not in (None, ctypes.c_void_p(-1).value):  # an old kernel mapped it elsewhere
            munmap(got, page)
            break
    log.warning("program break guard not placed (errno %d)", ctypes.get_errno())
    return None


def guarded_at() -> int | None:
    """Where the guard page is, if it was placed."""
    return _guard_at


# -- handing freed memory back -------------------------------------------------------------


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once; None where there is none (not Linux, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def trim_heap() -> bool:
    """Return the allocator's wholly free pages to the system (glibc's malloc_trim(0)).
    False where there is no glibc (nothing is done)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class HeapTrimmer:
    """Calls `trim` at most once every `interval_s` of the time passed in (session time:
    an accelerated session trims as often per session minute as a live one)."""

    def __init__(self, interval_s: float = 60.0, trim: Callable[[], bool] = trim_heap):
        self.interval_s = interval_s
        self.trim = trim
        self.trims = 0
        self._next_s = interval_s

    def maybe_trim(self, now_s: float) -> bool:
        """Trim if the interval has passed since the last trim; True if it did."""
        if now_s < self._next_s:
            return False
        self._next_s = now_s + self.interval_s
        self.trims += 1
        self.trim()
        return True
