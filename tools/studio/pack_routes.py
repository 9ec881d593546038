"""Studio's routes for one pack (tools/studio/server.py): its manifest as a model with the
clips' frame counts and its guidebook, draft lint, saving (the on-disk check, a backup of
the guidebook), frames by index and zone tracking (tools/tracking.py). PackRoutes is mixed
into server.Studio, which gives it `library`, `frames` and `_json`. Every path a request
names is checked to stay inside its pack. Must not import tools.studio.server.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from content.lint import Finding, lint_pack
from content.media import VIDEO_SUFFIXES
from content.pack_manifest import MAX_GUIDEBOOK_BYTES
from sim.errors import UserError
from tools.studio import manifest
from tools.tracking import thin, track_polygon

MAX_TRACK_FRAMES = 20_000


def _finding(f: Finding) -> dict:
    return {
        "level": f.level,
        "line": f.line,
        "where": f.where,
        "message": f.message,
        "text": str(f),
    }


class PackRoutes:
    """The routes of server.Studio that read, check and write one pack, and its frames."""

    # helpers
    def _clip(self, pack_dir: Path, clip: str) -> Path:
        path = (pack_dir / str(clip)).resolve()
        if not path.is_relative_to(pack_dir) or path.suffix.lower() not in VIDEO_SUFFIXES:
            raise UserError(f"{clip!r}: not a clip inside the pack")
        if not path.is_file():
            raise UserError(f"{clip}: no such clip in the pack")
        return path

    def _guidebook_path(self, pack_dir: Path, model: dict) -> Path | None:
        rel = (model.get("meta") or {}).get("guidebook")
        if not isinstance(rel, str) or not rel:
            return None
        path = (pack_dir / rel).resolve()
        if not path.is_relative_to(pack_dir) or path.suffix.lower() != ".md":
            raise UserError(f"meta.guidebook {rel!r}: a .md file inside the pack")
        return path

    # routes
    async def pack(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        text, model = manifest.read(pack_dir)
        clips = {}
        for p in sorted((pack_dir / "media").glob("*")) if (pack_dir / "media").is_dir() else []:
            if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file():
                try:
                    clips[p.relative_to(pack_dir).as_posix()] = self.frames.info(p).as_json()
                except UserError as exc:
                    clips[p.relative_to(pack_dir).as_posix()] = {"error": str(exc)}
        for seg in (model.get("segments") or {}).values():
            clip = seg.get("clip") if isinstance(seg, dict) else None
            if isinstance(clip, str) and clip not in clips:
                try:
                    clips[clip] = self.frames.info(self._clip(pack_dir, clip)).as_json()
                except UserError as exc:
                    clips[clip] = {"error": str(exc)}
        guide = self._guidebook_path(pack_dir, model)
        guide_text = ""
        if guide is not None and guide.is_file():
            guide_text = guide.read_bytes()[:MAX_GUIDEBOOK_BYTES].decode("utf-8", "replace")
        findings = self.library.lint(request.path_params["pack"])
        return JSONResponse(
            {
                "id": request.path_params["pack"],
                "model": model,
                "digest": manifest.digest(text),
                "clips": clips,
                "guidebook": guide_text,
                "guidebook_digest": manifest.digest(guide_text),
                "findings": [_finding(f) for f in findings],
            }
        )

    async def lint(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        d = await self._json(request)
        try:
            text = manifest.render(pack_dir, d.get("model") or {})
        except (ValueError, TypeError) as exc:
            return JSONResponse(
                {
                    "findings": [
                        {
                            "level": "error",
                            "where": "",
                            "line": None,
                            "message": f"cannot write this: {exc}",
                            "text": str(exc),
                        }
                    ]
                }
            )
        findings = lint_pack(pack_dir, text=text)
        return JSONResponse({"findings": [_finding(f) for f in findings], "text": text})

    async def save(self, request: Request):
        pack_id = request.path_params["pack"]
        pack_dir = self.library.pack_dir(pack_id)
        d = await self._json(request)
        model = d.get("model")
        if not isinstance(model, dict):
            raise UserError("save: no model")
        guide_text = d.get("guidebook")
        guide = self._guidebook_path(pack_dir, model)
        if isinstance(guide_text, str) and guide is not None:
            if len(guide_text.encode()) > MAX_GUIDEBOOK_BYTES:
                raise UserError(f"guidebook over {MAX_GUIDEBOOK_BYTES} bytes")
            current = guide.read_text("utf-8", "replace") if guide.is_file() else ""
            if current != guide_text and manifest.digest(current) != d.get("guidebook_digest"):
                raise manifest.SaveConflict(f"{guide}: changed on disk since it was opened")
        new_digest = manifest.save(pack_dir, model, str(d.get("digest", "")))
        if isinstance(guide_text, str) and guide is not None:
            current = guide.read_text("utf-8", "replace") if guide.is_file() else ""
            if current != guide_text:
                if guide.is_file():
                    manifest.write_inside(pack_dir, guide.with_name(guide.name + ".bak"), current)
                manifest.write_inside(pack_dir, guide, guide_text)
        findings = self.library.lint(pack_id)
        return JSONResponse(
            {
                "digest": new_digest,
                "guidebook_digest": manifest.digest(
                    guide_text if isinstance(guide_text, str) else ""
                ),
                "findings": [_finding(f) for f in findings],
            }
        )

    async def frame(self, request: Request):
        pack_dir = self.library.pack_dir(request.path_params["pack"])
        q = request.query_params
        clip = self._clip(pack_dir, q.get("clip", ""))
        try:
            index = int(q.get("i", "0"))
            width = int(q.get("w", "0"))
        except ValueError:
            raise UserError("frame: i and w are whole numbers") from None
        data = self.frames.jpeg(clip, index, min(max(width, 0), 4096))
        return Response(
            data, media_type="image/jpeg", headers={"cache-control": "private, max-age=600"}
        )

    def _track(self, clip: Path, first: int, last: int, polygon, every_s: float) -> dict:
        """Track forwards from frame `first` to `last` (tracking on from a correction),
        with a reader of its own so the scrubber's stays where it is."""
        from tools.studio.frames import ClipReader

        own = ClipReader(clip)
        try:
            count = min(max(last - first + 1, 1), MAX_TRACK_FRAMES)
            frames = (
                (first + n, (first + n) / own.fps, own.frame(first + n)) for n in range(count)
            )
            track = track_polygon(frames, polygon)
            fps = own.fps
        finally:
            own.close()
        keys = thin(track.steps, every_s)
        lost = track.lost
        return {
            "fps": fps,
            "keys": [
                {
                    "frame": k.index,
                    "t": round(k.t, 3),
                    "polygon": k.polygon,
                    "confidence": k.confidence,
                }
                for k in keys
            ],
            "lost": None
            if lost is None
            else {
                "frame": lost.index,
                "t": round(lost.t, 3),
                "polygon": lost.polygon,
                "confidence": lost.confidence,
            },
        }

    async def track(self, request: Request):
        from starlette.concurrency import run_in_threadpool

        pack_dir = self.library.pack_dir(request.path_params["pack"])
        d = await self._json(request)
        clip = self._clip(pack_dir, str(d.get("clip", "")))
        poly = d.get("polygon")
        if not (isinstance(poly, list) and 3 <= len(poly) <= 64):
            raise UserError("track: a polygon of 3 to 64 points")
        try:
            poly = [[float(x), float(y)] for x, y in poly]
            first, last = int(d["from"]), int(d["to"])
            every = float(d.get("every_s", 0.2))
        except (KeyError, TypeError, ValueError):
            raise UserError("track: from, to (frames) and a polygon of [x, y]") from None
        result = await run_in_threadpool(self._track, clip, first, last, poly, max(every, 0.02))
        return JSONResponse(result)
