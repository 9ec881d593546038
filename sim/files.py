"""Opening files named from outside: packs, input scripts and recordings to read, trainee
data to write.

Reading: a name from a pack, a script or the command line may be a FIFO (open() would block
forever), /dev/zero or a huge file (a read without end), a folder (a traceback) or hold a
NUL (a ValueError). `open_regular` opens without blocking and accepts a regular file
alone; `read_bounded` reads at most a limit. Each problem is a FileProblem whose message
is a short reason without the path: the caller raises its own UserError naming the file
and what it is.

Writing: `create_private` creates (or truncates) a file readable by its owner only, also
when it existed with wider permissions, and refuses a symbolic link rather than follow it
and truncate whatever it points at.

Standard library only (sim's rule: no panda3d, serial or cv2), no clock.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

PRIVATE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


class FileProblem(Exception):
    """Why a file cannot be used: a short phrase, no path ("a folder, not a file"), for
    messages like f"{path}: cannot read the input script ({problem})"."""


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link, refused: it could point anywhere"
    if exc.errno == errno.ENOENT:
        return "no such file"
    return (exc.strerror or str(exc)).lower()


def open_regular(path: str | Path) -> BinaryIO:
    """A regular file opened for reading; FileProblem for anything else, never blocking."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except ValueError:
        raise FileProblem("a NUL character in the name") from None
    except OSError as exc:
        raise FileProblem(_reason(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise FileProblem("a folder, not a file")
        if not stat.S_ISREG(mode):
            raise FileProblem("not a regular file: a device, FIFO or socket")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The whole of a regular file of at most `limit` bytes; FileProblem otherwise."""
    with open_regular(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileProblem(f"over {limit} bytes")
    return data


def create_private(path: str | Path) -> int:
    """A file descriptor for writing `path`, created or truncated, mode 0600, never through
    a symbolic link or into a FIFO or device. OSError otherwise (`why` words it)."""
    fd = os.open(
        path,
        os.O_WRONLY
        | os.O_CREAT
        | os.O_TRUNC
        | os.O_NOFOLLOW
        | os.O_NONBLOCK  # a FIFO with no reader fails (ENXIO) instead of blocking
        | getattr(os, "O_CLOEXEC", 0),
        PRIVATE_MODE,
    )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.set_blocking(fd, True)
        os.fchmod(fd, PRIVATE_MODE)  # also when the file existed with wider permissions
    except BaseException:
        os.close(fd)
        raise
    return fd


def why(exc: OSError | ValueError) -> str:
    """A short reason for a failed create_private (or open), without the path."""
    if isinstance(exc, ValueError):
        return "a NUL character in the name"
    return _reason(exc)
