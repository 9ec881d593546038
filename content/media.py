"""Media probing: size, aspect, duration and decodability of a clip, with bounds.

Uses PyAV (FFmpeg) because it reports exact stream durations for variable-frame-rate
files, where OpenCV's frame count / fps is an estimate. Must not import engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UserError

MAX_MEDIA_BYTES = 8 * 1024**3
MAX_DIMENSION = 8192
#: Decoded pixels a frame may have (4096x2304, past 4K UHD): a 17 KB clip of 8000x8000
#: frames once passed the dimension check and took 1.9 GB to play.
MAX_PIXELS = 4096 * 2304
#: A clip whose packets stop this much before its stated duration is truncated.
TRUNCATED_SLACK_S = 0.5
MAX_DURATION_S = 4 * 3600.0
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")


class MediaError(UserError, ValueError):
    """A missing, oversized or undecodable clip; the message names the file."""


@dataclass(frozen=True)
class MediaInfo:
    width: int
    height: int
    aspect: float  # display width / height (sample aspect ratio applied)
    duration_s: float
    codec: str
    has_audio: bool = False  # an audio track: the segment's soundtrack


def _check_size(path: Path, what: str, limit: int) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError(f"{path}: cannot read {what} ({exc.strerror})") from None
    if size > limit:
        raise MediaError(f"{path}: {what} is {size} bytes, over {limit}")


def _duration(path: Path, stream, container, what: str) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    raise MediaError(f"{path}: {what} has no duration")


def _packets_end_s(container, stream, duration: float) -> float:
    """Where the clip's video packets really end, in seconds: read (not decoded) from a
    little before its stated end. A file cut short (an interrupted copy) keeps its index
    and duration but lacks the packets, and once passed with 37 of 180 frames."""
    import av

    start = max(0.0, duration - 2.0)
    end = 0.0
    try:
        container.seek(int(start / stream.time_base), stream=stream, any_frame=True)
        for packet in container.demux(stream):
            if packet.size and packet.pts is not None:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except av.FFmpegError:
        pass  # what was read before the damage counts
    return end


#: Where successful probes are remembered between runs (set empty to switch off).
CACHE_ENV = "SIGHTLINE_PROBE_CACHE"
_CACHE_EDGE_BYTES = 64 * 1024


def _cache_file() -> Path | None:
    where = os.environ.get(CACHE_ENV)
    if where is not None:
        return Path(where) if where else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sightline" / "media-probe.json"


def _cache_key(path: Path) -> str:
    """The file's identity: where, size, modification time and a digest of its first and
    last 64 KB (an in-place edit of the same size that keeps the time still misses)."""
    import hashlib

    st = path.stat()
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        digest.update(fh.read(_CACHE_EDGE_BYTES))
        fh.seek(max(0, st.st_size - _CACHE_EDGE_BYTES))
        digest.update(fh.read(_CACHE_EDGE_BYTES))
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{digest.hexdigest()}"


def probe_media(path: Path) -> MediaInfo:
    """Open a clip, decode its first frame and report its shape; MediaError otherwise.

    A clip already probed (same file, unchanged) is answered from a small cache: probing
    reads every packet to find truncation, which for long or 4K clips blocked start-up
    for seconds on every run. Only clips that passed are remembered."""
    import json

    _check_size(path, "clip", MAX_MEDIA_BYTES)
    cache, key, known = _cache_file(), None, {}
    if cache is not None:
        try:
            key = _cache_key(path)
            known = json.loads(cache.read_text()) if cache.is_file() else {}
            if key in known:
                return MediaInfo(**known[key])
        except (OSError, ValueError, TypeError):
            known = {}
    info = _probe(path)
    if cache is not None and key is not None:
        try:
            known = {k: v for k, v in list(known.items())[-511:]}  # bounded: newest 512
            known[key] = info.__dict__
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known))
            tmp.replace(cache)
        except OSError:
            pass
    return info


def _probe(path: Path) -> MediaInfo:
    import av  # deferred: only loading and linting packs need it

    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                raise MediaError(f"{path}: no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if not (0 < width <= MAX_DIMENSION and 0 < height <= MAX_DIMENSION):
                raise MediaError(f"{path}: frame size {width}x{height} is out of bounds")
            if width * height > MAX_PIXELS:
                raise MediaError(
                    f"{path}: frame size {width}x{height} is over {MAX_PIXELS} pixels (4096x2304)"
                )
            duration = _duration(path, stream, container, "clip")
            if duration <= 0.0:  # an mvhd of 0xffffffff read as "0.000 s is out of bounds"
                raise MediaError(f"{path}: no usable duration in its header (damaged?)")
            if not 0.0 < duration <= MAX_DURATION_S:
                raise MediaError(f"{path}: duration {duration:.3f} s is out of bounds")
            first = next(container.decode(stream), None)
            if first is None:
                raise MediaError(f"{path}: no decodable video frame")
            end = _packets_end_s(container, stream, duration)
            if end < duration - TRUNCATED_SLACK_S:
                stop = f"at {end:.2f} s" if end else f"before {max(0.0, duration - 2):.2f} s"
                raise MediaError(
                    f"{path}: truncated or damaged: its video stops {stop} of the "
                    f"{duration:.2f} s it declares"
                )
            sar = stream.sample_aspect_ratio
            aspect = width / height * (float(sar) if sar else 1.0)
            return MediaInfo(
                width,
                height,
                aspect,
                duration,
                stream.codec_context.name,
                bool(container.streams.audio),
            )
    except MediaError:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise MediaError(f"{path}: not a readable video ({exc})") from None


MAX_IMAGE_BYTES = 32 * 1024**2
#: A picture's pixels: an instruction picture or a target's image is a small part of a
#: screen; 8192x8192 decodes to 256 MB of RGBA.
MAX_IMAGE_PIXELS = 8192 * 8192


def probe_image(path: Path) -> tuple[int, int]:
    """A PNG or JPEG picture's (width, height), after checking its size and decoding it
    once; MediaError naming the file otherwise. The header's size is checked before any
    pixel is decoded (a 60000x60000 header in a 100-byte file)."""
    import av

    _check_size(path, "image", MAX_IMAGE_BYTES)
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                raise MediaError(f"{path}: not a picture")
            ctx = container.streams.video[0].codec_context
            w, h = ctx.width, ctx.height
            if not (w and h):  # FFmpeg leaves sizes past its own limits at 0
                raise MediaError(f"{path}: no usable picture size in its header")
            if not (0 < w <= MAX_DIMENSION and 0 < h <= MAX_DIMENSION) or w * h > MAX_IMAGE_PIXELS:
                raise MediaError(f"{path}: picture size {w}x{h} is out of bounds")
            if next(container.decode(video=0), None) is None:
                raise MediaError(f"{path}: no decodable picture")
            return w, h
    except MediaError:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise MediaError(f"{path}: not a readable picture ({exc})") from None


MAX_SOUND_BYTES = 16 * 1024**2
MAX_SOUND_S = 120.0
SOUND_SUFFIXES = (".wav", ".ogg", ".flac", ".mp3", ".m4a", ".opus")


@dataclass(frozen=True)
class SoundInfo:
    duration_s: float
    rate: int
    channels: int


def probe_sound(path: Path) -> SoundInfo:
    """Open a pack's sound file and check it against the bounds; MediaError otherwise."""
    import av

    _check_size(path, "sound", MAX_SOUND_BYTES)
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.audio:
                raise MediaError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
            if not (8000 <= rate <= 192_000 and 1 <= channels <= 8):
                raise MediaError(f"{path}: {rate} Hz, {channels} channels is out of bounds")
            duration = _duration(path, stream, container, "sound")
            if not 0.0 < duration <= MAX_SOUND_S:
                raise MediaError(
                    f"{path}: duration {duration:.3f} s is out of bounds (0-{MAX_SOUND_S:g} s)"
                )
            if next(container.decode(stream), None) is None:
                raise MediaError(f"{path}: no decodable audio")
            return SoundInfo(duration, rate, channels)
    except MediaError:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise MediaError(f"{path}: not a readable sound ({exc})") from None
