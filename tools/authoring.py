"""Authoring from your own footage.

`sightline new PACK --from VIDEO...` scaffolds a pack: copies the clips into PACK/media,
probes their durations, and writes a commented manifest skeleton (the first clip offers
the instructor a key for each other clip; the others are endings) and a guidebook
template. `sightline zones PACK SEGMENT --at T --box X,Y,W,H --name N --role R` tracks a
box drawn on one frame through the segment (tools/tracking.py), forwards and backwards,
with a confidence per keyframe, stopping where it loses the target, and appends the
keyframes to the manifest for a human to correct (a zone of the same name is refused, or
with --replace taken out first); without --box it writes that frame with a grid
(--frame-out) to help pick the box.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from content._locate import locate
from content.media import VIDEO_SUFFIXES, probe_media
from content.pack import CATEGORIES, MANIFEST, PackError, load_pack
from sim.errors import UserError
from sim.hit_zones import ROLES, Zone
from tools.progress import Progress, progress
from tools.tracking import Step, thin, track_polygon

MAX_TRACK_FRAMES = 20_000


class AuthoringError(UserError, RuntimeError):
    pass


def _segment_id(stem: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "clip"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def new_pack(pack: Path, videos: list[Path], title: str | None = None) -> Path:
    if pack.exists() and any(pack.iterdir()):
        raise AuthoringError(f"{pack}: already exists and is not empty")
    if not videos:
        raise AuthoringError("give at least one video with --from")
    for v in videos:
        if v.suffix.lower() not in VIDEO_SUFFIXES:
            raise AuthoringError(f"{v}: not a video file ({', '.join(VIDEO_SUFFIXES)})")
        probe_media(v)  # a clear MediaError before anything is written
    (pack / "media").mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    segments = []
    for v in progress(videos, "copying clips"):
        seg = _segment_id(v.stem, taken)
        dst = pack / "media" / f"{seg}{v.suffix.lower()}"
        shutil.copyfile(v, dst)
        info = probe_media(dst)
        segments.append((seg, dst.relative_to(pack).as_posix(), info.duration_s))
    (pack / MANIFEST).write_text(_skeleton(title or pack.name, segments))
    (pack / "guidebook.md").write_text(
        f"# {title or pack.name}\n\n## Training points\n- \n\n## Tactical\n- \n\n"
        "## Legal, moral and ethical\n- \n\n## Human performance\n- \n"
    )
    return pack / MANIFEST


def _skeleton(title: str, segments: list[tuple[str, str, float]]) -> str:
    first = segments[0][0]
    lines = [
        "# Sightline scenario pack, format version 1: see docs/scenario-format.md.",
        "# Written by `sightline new`: fill in the metadata, the branches and the zones,",
        "# then check it with `sightline lint` and draw it with `sightline graph`.",
        "format_version = 1",
        f"title = {json.dumps(title)}",
        f"start = {json.dumps(first)}",
        "",
        "[meta]",
        'summary = ""',
        f"# category = one of {', '.join(CATEGORIES)}",
        "# difficulty = basic, intermediate or advanced",
        "objectives = []",
        "policy_refs = []",
        'guidebook = "guidebook.md"',
        "",
        "[meta.environment]",
        '# light = "day"        # day, night or low-light',
        '# setting = "indoor"   # indoor or outdoor',
        'place = ""',
        "",
        "# [[meta.subjects]]",
        '# role = "subject"',
        '# age_band = ""',
        '# gender = ""',
        '# race_ethnicity = ""',
    ]
    for i, (seg, clip, duration) in enumerate(segments):
        lines += [
            "",
            f"[segments.{seg}]",
            f"clip = {json.dumps(clip)}",
            f"out = {duration:.3f}  # the clip's end; trim as needed",
        ]
        if i == 0 and len(segments) > 1:
            for k, (other, _, _) in enumerate(segments[1:9], 1):
                lines += [
                    "",
                    f"[[segments.{seg}.transitions]]",
                    'on = "key"',
                    f'key = "{k}"',
                    'label = "TODO: what happens"',
                    f'to = "{other}"',
                ]
        else:
            lines.append("ending = true")
    return "\n".join(lines) + "\n"


# -- zone tracking ---------------------------------------------------------------------------


@dataclass
class Tracked:
    keys: list[dict]  # {"t": s, "polygon": [[x, y] * 4]}
    lost_at_s: float | None  # where the tracker lost the box, if it did
    replaced: int = 0  # zones of the same name taken out (--replace)
    confidence: list[float] = field(default_factory=list)  # per key (tools/tracking.py)
    lost_confidence: float | None = None  # the confidence at lost_at_s


def segment_frames(path: Path, in_s: float, out_s: float) -> list[tuple[float, np.ndarray]]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise AuthoringError(f"{path}: cannot open video")
    cap.set(cv2.CAP_PROP_POS_MSEC, in_s * 1000)
    frames = []
    bar = Progress(f"decoding {path.name}", unit="frames")
    while len(frames) < MAX_TRACK_FRAMES:
        ok, img = cap.read()
        if not ok:
            break
        t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000
        if t > out_s + 1e-6:
            break
        if t >= in_s - 1e-6:
            frames.append((t, img))
        bar.update(len(frames), f"{t:.1f} of {out_s:.1f} s")
    cap.release()
    bar.close()
    if not frames:
        raise AuthoringError(f"{path}: no frames between {in_s} and {out_s} s")
    return frames


def track_box(
    frames: list[tuple[float, np.ndarray]],
    at_s: float,
    box: tuple[float, float, float, float],
    every_s: float,
) -> Tracked:
    """Track a normalized box (x, y, w, h) from the frame at at_s towards both ends, each
    way until the clip ends or the tracker loses the target (tools/tracking.py: it stops
    there rather than drift onto something else)."""
    start = min(range(len(frames)), key=lambda i: abs(frames[i][0] - at_s))
    x, y, bw, bh = box
    poly = [[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]]
    steps: dict[int, Step] = {}
    lost: list[Step] = []
    bar = Progress("tracking", len(frames), "frames")
    for order in (range(start, len(frames)), range(start, -1, -1)):
        result = track_polygon(((i, frames[i][0], frames[i][1]) for i in order), poly)
        steps.update({s.index: s for s in result.steps})
        if result.lost is not None:
            lost.append(result.lost)
        bar.update(len(steps))
    bar.close()
    keys = thin(list(steps.values()), every_s)
    first_lost = min(lost, key=lambda s: abs(s.t - at_s)) if lost else None
    return Tracked(
        [{"t": round(k.t, 3), "polygon": k.polygon} for k in keys],
        first_lost.t if first_lost else None,
        confidence=[k.confidence for k in keys],
        lost_confidence=first_lost.confidence if first_lost else None,
    )


def zone_block(segment: str, name: str, role: str, points: int, keys: list[dict]) -> str:
    out = [
        "",
        "# tracked by `sightline zones` from one box: check and correct by hand",
        f"[[segments.{segment}.zones]]",
        f"name = {json.dumps(name)}",
        f"role = {json.dumps(role)}",
        f"points = {points}",
        "keys = [",
    ]
    for k in keys:
        poly = ", ".join(f"[{x}, {y}]" for x, y in k["polygon"])
        out.append(f"  {{ t = {k['t']}, polygon = [{poly}] }},")
    out.append("]")
    return "\n".join(out) + "\n"


def add_tracked_zone(
    pack_dir: Path,
    segment: str,
    name: str,
    role: str,
    at_s: float,
    box: tuple[float, float, float, float],
    points: int = 0,
    every_s: float = 0.2,
    preview: Path | None = None,
    replace: bool = False,
) -> Tracked:
    if role not in ROLES:
        raise AuthoringError(f"--role must be one of {', '.join(ROLES)}")
    pack = load_pack(pack_dir)
    seg = pack.scenario.segments.get(segment)
    if seg is None:
        raise AuthoringError(
            f"{pack_dir}: no segment named {segment!r} "
            f"(segments: {', '.join(pack.scenario.segments)})"
        )
    if not seg.in_s <= at_s <= seg.out_s:
        raise AuthoringError(f"--at {at_s} is outside {segment} ({seg.in_s}..{seg.out_s} s)")
    if not (all(0 <= v <= 1 for v in box) and box[2] > 0 and box[3] > 0):
        raise AuthoringError("--box is X,Y,W,H normalized to the video frame (0..1)")
    same = [i for i, z in enumerate(seg.zones) if z.name == name]
    if same and not replace:
        raise AuthoringError(
            f"{segment} already has a zone named {name!r}: add --replace to track it again "
            "in its place, or give another --name"
        )
    manifest = pack_dir / MANIFEST
    before = manifest.read_text(encoding="utf-8")
    kept = _without_zones(before, segment, same)  # checked before the slow tracking
    frames = segment_frames(pack.clip_path(seg.clip), seg.in_s, seg.out_s)
    tracked = track_box(frames, at_s, box, every_s)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    manifest.write_text(kept + zone_block(segment, name, role, points, tracked.keys), "utf-8")
    try:
        load_pack(pack_dir)
    except PackError as exc:
        manifest.write_text(before, encoding="utf-8")
        raise AuthoringError(
            f"the tracked zone did not fit the pack, nothing written: {exc}"
        ) from None
    if preview is not None:
        write_preview(frames, tracked.keys, preview)
    tracked.replaced = len(same)
    return tracked


_TABLE = re.compile(r'^\s*\[\[?\s*[A-Za-z0-9_."\s-]+\]\]?\s*(#.*)?$')  # [a.b] or [[a.b]]


def _without_zones(text: str, segment: str, indices: list[int]) -> str:
    """The manifest without the `[[segments.SEGMENT.zones]]` tables at these indices (and
    the comment `zones` wrote above each), for --replace; a zone written some other way
    (an inline `zones = [...]`) is for a human to edit."""
    lines = text.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    for i in indices:
        line = locate(text, f"segments.{segment}.zones[{i}]")
        head = lines[line - 1].strip() if line else ""
        if not (head.startswith("[[") and head.rstrip("]").rstrip().endswith("zones")):
            raise AuthoringError(
                f"segments.{segment}.zones[{i}] is not a [[segments.{segment}.zones]] table: "
                "edit the manifest by hand to replace it"
            )
        start = end = line - 1
        end += 1
        while end < len(lines) and not _TABLE.match(lines[end]):
            end += 1
        while start > 0 and lines[start - 1].startswith("# tracked by `sightline zones`"):
            start -= 1
        while start > 0 and not lines[start - 1].strip():
            start -= 1
        while end > start + 1 and not lines[end - 1].strip():  # keep the next one's gap
            end -= 1
        cut.append((start, end))
    for start, end in sorted(cut, reverse=True):
        del lines[start:end]
    return "".join(lines)


def write_preview(frames, keys, path: Path, columns: int = 4, rows: int = 3) -> None:
    """A contact sheet of frames across the segment with the tracked zone drawn."""
    zone = Zone("preview", "threat", tuple((k["t"], np.array(k["polygon"])) for k in keys))
    picks = np.linspace(0, len(frames) - 1, columns * rows).astype(int)
    tiles = []
    for i in picks:
        t, img = frames[i]
        img = img.copy()
        h, w = img.shape[:2]
        pts = (zone.polygon_at(t) * [w, h]).astype(np.int32)  # as the runtime interpolates
        cv2.polylines(img, [pts], True, (0, 255, 0), max(2, w // 300), cv2.LINE_AA)
        cv2.putText(
            img,
            f"{t:.2f} s",
            (10, 30),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9,
            (0, 255, 255),
            2,
            cv2.LINE_AA,
        )
        tiles.append(cv2.resize(img, (320, int(320 * h / w))))
    sheet = np.vstack([np.hstack(tiles[r * columns : (r + 1) * columns]) for r in range(rows)])
    if not cv2.imwrite(str(path), sheet):
        raise AuthoringError(f"{path}: cannot write the preview")


def write_grid_frame(pack_dir: Path, segment: str, at_s: float, out: Path) -> None:
    """The frame at at_s with a 10% grid and labels, to read a box off it."""
    pack = load_pack(pack_dir)
    seg = pack.scenario.segments.get(segment)
    if seg is None:
        raise AuthoringError(f"{pack_dir}: no segment named {segment!r}")
    cap = cv2.VideoCapture(str(pack.clip_path(seg.clip)))
    cap.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000)
    ok, img = cap.read()
    if not ok:
        raise AuthoringError(f"{seg.clip}: no frame at {at_s} s")
    h, w = img.shape[:2]
    for i in range(1, 10):
        x, y = int(w * i / 10), int(h * i / 10)
        cv2.line(img, (x, 0), (x, h), (0, 255, 255), 1)
        cv2.line(img, (0, y), (w, y), (0, 255, 255), 1)
        cv2.putText(
            img,
            f"{i / 10:.1f}",
            (x + 2, 14),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (0, 255, 255),
            1,
            cv2.LINE_AA,
        )
        cv2.putText(
            img,
            f"{i / 10:.1f}",
            (2, y - 3),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4,
            (0, 255, 255),
            1,
            cv2.LINE_AA,
        )
    if not cv2.imwrite(str(out), img):
        raise AuthoringError(f"{out}: cannot write the frame")
