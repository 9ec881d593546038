"""Writing a session recording (sim/recording.py) without slowing the loop.

The recorder is a sink of the session's command bus: each tick it writes the tick's input
events, the state's digest and the commands, in that order (the start of the scenario, tick
0, writes its commands only). `run_header` is the first record: what was run, how, with
which pack (and its hash), so that replay, verify and the review can check it.

The sim thread hands records to a writer thread, which appends them and flushes to the
operating system at least every 100 ms: a process killed outright (kill -9) leaves a file
that reads back up to the last flush. The file is created readable by its owner only:
recordings hold trainee data; an existing symbolic link is refused (it was followed, and
its target truncated).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import queue
import stat
import threading
from pathlib import Path

from content.pack import MANIFEST, Pack
from sim.files import create_private, why
from sim.recording import MAGIC, RecordingError, command_record, encode_record, event_record

FLUSH_S = 0.1
_STOP = object()


def pack_hash(pack: Pack) -> str:
    """The manifest's bytes, and each clip's and sound file's size with its first and
    last MiB."""
    h = hashlib.sha256((pack.root / getattr(pack, "manifest", MANIFEST)).read_bytes())
    files = {c for s in pack.scenario.segments.values() for c in (s.screen_clips or (s.clip,))}
    files |= {v.clip for s in pack.scenario.segments.values() for v in s.views}
    files |= {s.file for s in pack.scenario.sounds.values() if s.file is not None}
    for clip in sorted(files):
        path = pack.clip_path(clip)
        size = path.stat().st_size
        h.update(f"{clip}:{size}".encode())
        with path.open("rb") as fh:
            h.update(fh.read(1 << 20))
            fh.seek(max(0, size - (1 << 20)))
            h.update(fh.read(1 << 20))
    return h.hexdigest()


def run_header(pack: Pack, cfg, screen_aspect: float) -> dict:
    """The recording's header for a run of `pack` with `cfg` (engine.config.RunConfig)."""
    from engine.trainee_camera import camera_path

    return {
        "format": 1,
        "program": "sightline 0.1.0",
        "title": pack.title,
        "pack": str(pack.root.resolve()),
        "pack_hash": pack_hash(pack),
        "config": {
            "tick_hz": cfg.tick_hz,
            "size": [cfg.width, cfg.height],
            "screen_aspect": screen_aspect,
            "fps": cfg.fps,
            "offscreen": cfg.offscreen,
            "devices": list(cfg.devices),
            "levels": dict(cfg.levels),
            "reports": dict(cfg.reports),
            "trainee_camera": camera_path(cfg.record).name if cfg.trainee_camera else None,
            "trainee_mic": bool(getattr(cfg, "trainee_mic", None)),
            "lane": getattr(getattr(cfg, "lane", None), "name", None),  # engine/lane.py
            **({"community": cfg.community.to_header()} if getattr(cfg, "community", None) else {}),
        },
    }


def _check_replaceable(path: Path) -> None:
    """What create_private would refuse at `path` itself: a link, a folder, a FIFO."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{path}: cannot write the recording ({why(exc)})") from None
    if stat.S_ISLNK(st.st_mode):
        raise RecordingError(f"{path}: cannot write the recording (a symbolic link)")
    if not stat.S_ISREG(st.st_mode):
        raise RecordingError(f"{path}: cannot write the recording (not a regular file)")


class Recorder:
    """Writes a session's records on its own thread, flushed within FLUSH_S.

    pending=True (a run): the records go to a hidden file beside `path` until `publish()`
    puts it in `path`'s place, once the run has started; `discard()` removes it. A run
    that failed while starting up (an unwritable --video-out, a bad microphone file) once
    left a header-only file where an earlier recording had been."""

    def __init__(self, path: str | Path, header: dict, pending: bool = False):
        self.path = Path(path)
        self._final: Path | None = None
        if pending:
            _check_replaceable(self.path)
            self._final = self.path
            self.path = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
            atexit.register(self._drop_pending)  # never published: a start that failed
        try:  # owner-only, also over an existing file; a link is refused, not followed
            fd = create_private(self.path)
        except (OSError, ValueError) as exc:
            where = self._final or self.path
            raise RecordingError(f"{where}: cannot write the recording ({why(exc)})") from None
        self._fh = os.fdopen(fd, "wb")
        self._fh.write(MAGIC + encode_record({"k": "header", **header}))
        self._fh.flush()
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self.records = 1
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def on_tick(self, state, commands, events) -> None:
        """The bus: one tick's inputs, digest and commands."""
        tick = state.tick
        for event in events:
            self.add(event_record(tick, event))
        if tick > 0:
            self.add({"k": "tick", "tick": tick, "d": state.digest})
        for cmd in commands:
            self.add(command_record(tick, cmd))

    def add(self, record: dict) -> None:
        """Called by the sim thread; never blocks on the disk."""
        self._q.put(record)

    def _run(self) -> None:
        while True:
            try:
                item = self._q.get(timeout=FLUSH_S)
            except queue.Empty:
                continue
            batch = [item]
            while True:  # take whatever else is waiting, then one write and one flush
                try:
                    batch.append(self._q.get_nowait())
                except queue.Empty:
                    break
            done = any(r is _STOP for r in batch)
            try:
                self._fh.write(b"".join(encode_record(r) for r in batch if r is not _STOP))
                self._fh.flush()
                self.records += sum(r is not _STOP for r in batch)
            except (OSError, ValueError) as exc:  # a full disk must not stop the session
                self.error = exc
            if done:
                return

    def publish(self) -> None:
        """A pending recording takes its place (replacing an earlier file there)."""
        if self._final is not None:
            os.replace(self.path, self._final)
            self.path, self._final = self._final, None

    def discard(self) -> None:
        """Close and remove a pending recording (the run did not start)."""
        self.close()
        self._drop_pending()

    def _drop_pending(self) -> None:
        if self._final is not None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        self._q.put(_STOP)
        self._thread.join(timeout=10)
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        finally:
            self._fh.close()
