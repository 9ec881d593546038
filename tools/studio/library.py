"""Studio's library: the packs in one folder, their summaries and lint, and new packs
from footage (files on this machine or uploaded into a staging folder).

A pack is a direct subfolder holding a scenario.toml; its id is the folder name (the
scenario-format id rule), and every path is checked to stay inside the library. Uploads
are written in chunks to LIBRARY/.studio-uploads/<random>/, bounded by MAX_UPLOAD_BYTES,
and removed once a pack is made from them. Lint results are cached by the manifest's
digest and modification time, so the library screen does not probe every clip each time.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import tomllib
from pathlib import Path

from content.lint import lint_pack
from content.media import VIDEO_SUFFIXES
from content.pack_manifest import MANIFEST, PackError, read_manifest
from sim.errors import UserError
from tools.authoring import new_pack
from tools.studio.manifest import digest

UPLOADS = ".studio-uploads"
MAX_UPLOAD_BYTES = 4 * 1024**3
MAX_UPLOADS_PENDING = 64
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FILE = re.compile(r"^[A-Za-z0-9_. -]{1,120}$")


class Library:
    def __init__(self, root: Path):
        self.root = root.resolve()
        if not self.root.is_dir():
            raise UserError(f"{root}: not a folder (give the folder your packs are in)")
        self._lint: dict[str, tuple[tuple, list]] = {}
        self._lock = threading.Lock()

    # -- packs ---------------------------------------------------------------------------

    def pack_dir(self, pack_id: str) -> Path:
        if not _ID.match(pack_id):
            raise UserError(f"{pack_id!r}: not a pack name")
        path = (self.root / pack_id).resolve()
        if not path.is_relative_to(self.root) or not (path / MANIFEST).is_file():
            raise UserError(f"{pack_id}: no such pack in {self.root}")
        return path

    def pack_ids(self) -> list[str]:
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and _ID.match(p.name) and (p / MANIFEST).is_file()
        )

    def lint(self, pack_id: str) -> list:
        path = self.pack_dir(pack_id)
        manifest = path / MANIFEST
        try:
            text = read_manifest(path)[0].text
        except PackError:
            return lint_pack(path)  # one finding: the manifest cannot be read
        key = (digest(text), manifest.stat().st_mtime_ns)
        with self._lock:
            hit = self._lint.get(pack_id)
        if hit and hit[0] == key:
            return hit[1]
        findings = lint_pack(path)
        with self._lock:
            self._lint[pack_id] = (key, findings)
        return findings

    def summary(self, pack_id: str) -> dict:
        path = self.pack_dir(pack_id)
        out: dict = {"id": pack_id, "title": pack_id, "meta": {}, "segments": 0}
        try:
            text = read_manifest(path)[0].text
            data = tomllib.loads(text)
            out["title"] = str(data.get("title", pack_id))
            out["meta"] = data.get("meta", {}) if isinstance(data.get("meta"), dict) else {}
            segs = data.get("segments", {})
            out["segments"] = len(segs) if isinstance(segs, dict) else 0
            out["start"] = str(data.get("start", ""))
        except (PackError, tomllib.TOMLDecodeError) as exc:
            out["broken"] = str(exc)
        findings = self.lint(pack_id)
        out["errors"] = sum(f.level == "error" for f in findings)
        out["warnings"] = sum(f.level == "warning" for f in findings)
        out["first_error"] = next((str(f) for f in findings if f.level == "error"), "")
        return out

    def thumbnail_source(self, pack_id: str) -> tuple[Path, float] | None:
        """(clip, media seconds) of the frame that stands for the pack: its start
        segment (a theater pack's: the middle screen), a second in (or its middle, when
        shorter)."""
        path = self.pack_dir(pack_id)
        try:
            data = tomllib.loads(read_manifest(path)[0].text)
            seg = data["segments"][data["start"]]
            # a theater pack's segment has one clip per screen: the middle one stands for it
            name = seg.get("clip") or seg["clips"][len(seg["clips"]) // 2]
            clip = (path / name).resolve()
            t0 = float(seg.get("in", 0.0))
            out = float(seg.get("out", t0 + 2.0))
        except (PackError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
            return None
        if not clip.is_relative_to(path) or not clip.is_file():
            return None
        return clip, min(t0 + 1.0, (t0 + out) / 2)

    # -- new packs -----------------------------------------------------------------------

    async def upload(self, filename: str, chunks) -> str:
        """Store an uploaded video (an async iterable of byte chunks, written as they
        come); returns its upload id."""
        name = Path(filename).name
        if not _FILE.match(name) or Path(name).suffix.lower() not in VIDEO_SUFFIXES:
            raise UserError(
                f"{filename!r}: upload a video named with letters, digits, spaces, '.', '_' "
                f"or '-' ({', '.join(VIDEO_SUFFIXES)})"
            )
        staging = self.root / UPLOADS
        staging.mkdir(exist_ok=True)
        if sum(1 for _ in staging.iterdir()) >= MAX_UPLOADS_PENDING:
            raise UserError(f"{staging}: {MAX_UPLOADS_PENDING} uploads waiting; make a pack first")
        uid = secrets.token_hex(8)
        folder = staging / uid
        folder.mkdir()
        size = 0
        try:
            with open(folder / name, "xb") as f:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise UserError(f"{name}: over the {MAX_UPLOAD_BYTES} bytes upload limit")
                    f.write(chunk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return f"{uid}/{name}"

    def _upload_path(self, upload_id: str) -> Path:
        uid, _, name = upload_id.partition("/")
        if not re.fullmatch(r"[0-9a-f]{16}", uid) or not _FILE.match(name):
            raise UserError(f"{upload_id!r}: no such upload")
        path = self.root / UPLOADS / uid / name
        if not path.is_file():
            raise UserError(f"{upload_id!r}: no such upload")
        return path

    def new(self, name: str, title: str, paths: list[str], uploads: list[str]) -> str:
        if not _ID.match(name or ""):
            raise UserError(f"{name!r}: a pack name is 1-64 letters, digits, '_' or '-'")
        target = self.root / name
        if target.exists():
            raise UserError(f"{name}: a pack or folder of that name is already in the library")
        videos = [Path(p).expanduser() for p in paths if p.strip()]
        for v in videos:
            if not v.is_file():
                raise UserError(f"{v}: no such file")
        videos += [self._upload_path(u) for u in uploads]
        if not videos:
            raise UserError("give at least one video (a path on this machine or an upload)")
        try:
            new_pack(target, videos, title or None)
        except BaseException:
            if target.exists() and not (target / MANIFEST).exists():
                shutil.rmtree(target, ignore_errors=True)
            raise
        for u in uploads:
            shutil.rmtree(self._upload_path(u).parent, ignore_errors=True)
        return name
