"""Generates the bundled demo packs from their specs (tools/demo_packs.py): animated
clips with their soundtracks, each pack's scenario.toml with hit zones that follow the
drawn figures, its guidebook and its demo input script. Everything about a pack is in its
spec; this module is the machinery that writes any spec out, and knows no pack by name.

Run `sightline make-demo [DIR]` to rebuild them (the shipped copies live in
content/packs/). Tests check the shipped scenario.toml and guidebook
(tests/content/test_pack.py) and demo input scripts (tests/tools/test_make_demo.py) against
the specs; the clips are not re-rendered by tests (about 20 s), but the output is
deterministic: regenerating reproduces the shipped files, and the clips' pictures (the
MP4 bytes differ with the encoder's build: checked 2026-11-30, all 30 clips decode to the
same frames, within 2 levels in one frame of demo/down.mp4).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import cv2
import numpy as np

from content import sounds
from engine.video_out import H264Writer
from tools.demo_pack_spec import PackSpec, SegmentSpec, ZoneSpec
from tools.demo_packs import PACKS
from tools.figures import FPS, H, draw_figure, muzzle
from tools.progress import progress

__all__ = ["PACKS", "make_demo", "make_pack", "manifest"]

KEY_STEP_S = 0.2  # zone keyframe spacing


# -- sound ----------------------------------------------------------------------------------


def soundtrack(pack: PackSpec, seg: SegmentSpec) -> np.ndarray:
    """A segment's audio track (mono, sounds.RATE): the pack's ambience, the subject's
    voice, and the pistol's report on the frame its muzzle flash appears (a sync mark you
    can hear)."""
    rate = sounds.RATE
    n = round(seg.duration_s * rate)
    seed = zlib.crc32(f"{pack.folder}/{seg.name}".encode())
    lo, hi, level = pack.ambience
    rng = np.random.default_rng(seed)
    # filtered in the frequency domain, so it is circular: a looping segment loops cleanly
    bed = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * _bandpass(n, lo, hi), n)
    out = bed * (level / (np.abs(bed).max() + 1e-12))
    for i, (at, syllables, shout) in enumerate(seg.speech):
        line = sounds.voice(syllables, pack.voice_hz, seed=seed + i, shout=shout)
        j = round(at * rate)
        k = min(n, j + len(line))
        out[j:k] += line[: k - j] * (0.9 if shout else 0.6)
    if seg.flash_at_s is not None:
        bang = sounds.bundled("pistol")
        j = round(seg.flash_at_s * rate)
        k = min(n, j + len(bang))
        out[j:k] += bang[: k - j]
    return np.clip(out, -1, 1).astype(np.float32)


def _bandpass(n: int, lo: float, hi: float) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1 / sounds.RATE)
    return ((f >= lo) & (f <= hi)).astype(float)


# -- writing --------------------------------------------------------------------------------


def across_the_street(img: np.ndarray) -> np.ndarray:
    """A stylised second camera for a segment's alternate view: a bystander's wide shot
    from the other side (the picture mirrored and seen from further away, the rest of
    the street darker around it)."""
    h, w = img.shape[:2]
    far = cv2.resize(img[:, ::-1], (round(w * 0.72), round(h * 0.72)), interpolation=cv2.INTER_AREA)
    out = (cv2.blur(img[:, ::-1], (41, 41)) * 0.45).astype(np.uint8)
    y0, x0 = round(h * 0.2), round(w * 0.14)
    out[y0 : y0 + far.shape[0], x0 : x0 + far.shape[1]] = far
    return out


def clip_names(pack: PackSpec, seg: SegmentSpec) -> list[str]:
    """A segment's clips in the pack: one, or one per screen of a theater pack."""
    if pack.screens == 1:
        return [f"media/{seg.name}.mp4"]
    return [f"media/{seg.name}-{k}.mp4" for k in range(1, pack.screens + 1)]


def render_segment(
    pack: PackSpec, seg: SegmentSpec, bg: np.ndarray, paths: list[Path], camera=None
) -> None:
    """Draw the segment on the scene and write it: whole, or cut into one clip per
    screen (the middle one carries the soundtrack, as the player plays it). `camera` (a
    function of the frame) films it from elsewhere: an alternate view."""
    n = len(paths)
    w = bg.shape[1] // n
    outs = [
        H264Writer(
            path,
            w,
            H,
            FPS,
            crf=26,
            preset="slow",
            audio_rate=sounds.RATE if k == n // 2 else None,
            audio_bitrate=32_000,
        )
        for k, path in enumerate(paths)
    ]
    try:
        outs[n // 2].write_audio(soundtrack(pack, seg))
        for i in range(round(seg.duration_s * FPS)):
            t = i / FPS
            img = bg.copy()
            poses = seg.figures(t)
            for pose in sorted(poses, key=lambda p: p.ground):  # nearer figures last
                draw_figure(img, pose)
            if seg.flash_at_s is not None and 0 <= t - seg.flash_at_s < 0.1:
                tip = muzzle(poses[0])
                pt = (int(round(tip[0] * 16)), int(round(tip[1] * 16)))
                cv2.circle(img, pt, 40 * 16, (120, 230, 255), -1, cv2.LINE_AA, 4)
                cv2.circle(img, pt, 18 * 16, (240, 255, 255), -1, cv2.LINE_AA, 4)
            if camera is not None:
                img = camera(img)
            for k, out in enumerate(outs):
                out.write(np.ascontiguousarray(img[:, k * w : (k + 1) * w]), t)
    finally:
        for out in outs:
            out.close()


def zone_keys(spec: SegmentSpec, zone: ZoneSpec) -> list[dict]:
    n = round(spec.duration_s / KEY_STEP_S)
    return [
        {
            "t": round(i * KEY_STEP_S, 3),
            "polygon": zone.poly(spec.figures(i * KEY_STEP_S)[zone.figure]),
        }
        for i in range(n + 1)
    ]


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, float | int):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def manifest(pack: PackSpec) -> str:
    lines = [
        "# Sightline scenario pack, format version 1 (docs/scenario-format.md).",
        "# Generated by `sightline make-demo`; the hit zones follow the drawn figures.",
        "format_version = 1",
        f"title = {_toml_value(pack.title)}",
        f"start = {_toml_value(pack.start)}",
        "",
        "[meta]",
    ]
    meta = dict(pack.meta)
    env, subjects = meta.pop("environment"), meta.pop("subjects")
    lines += [f"{k} = {_toml_value(v)}" for k, v in meta.items()]
    lines += ["", "[meta.environment]"] + [f"{k} = {_toml_value(v)}" for k, v in env.items()]
    for s in subjects:
        lines += ["", "[[meta.subjects]]"] + [f"{k} = {_toml_value(v)}" for k, v in s.items()]
    if pack.audio:
        lines += ["", "[audio]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in pack.audio.items()]
    if pack.panorama:
        lines += ["", "[panorama]                         # a theater pack: docs/theater.md"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in pack.panorama.items()]
    for seg in pack.segments:
        names = clip_names(pack, seg)
        clip = (
            f"clip = {_toml_value(names[0])}"
            if len(names) == 1
            else f"clips = {_toml_value(names)}"
        )
        lines += ["", f"[segments.{seg.name}]", clip]
        if seg.loop:
            lines.append("loop = true")
        if seg.ending:
            lines.append("ending = true")
        if seg.views:  # the same moments from another camera (community sessions)
            views = [
                {"label": label, "clip": f"media/{seg.name}-view{i}.mp4"}
                for i, label in enumerate(seg.views, 1)
            ]
            lines.append(f"views = {_toml_value(views)}")
        for name, t in seg.cues:
            lines += [
                "",
                f"[[segments.{seg.name}.cues]]",
                f"name = {_toml_value(name)}",
                f"t = {t!r}",
            ]
        for name, t in seg.sounds:
            lines += [
                "",
                f"[[segments.{seg.name}.sounds]]",
                f"sound = {_toml_value(name)}",
                f"t = {t!r}",
            ]
        for tr in seg.transitions:
            lines += ["", f"[[segments.{seg.name}.transitions]]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in tr.items()]
        if seg.question:  # what a community session asks the room (sim/community.py)
            lines += ["", f"[segments.{seg.name}.question]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in seg.question.items()]
        for z in seg.zones:
            lines += [
                "",
                f"[[segments.{seg.name}.zones]]",
                f'name = "{z.name}"',
                f'role = "{z.role}"',
                f"points = {z.points}",
                "keys = [",
            ]
            lines += [f"  {_toml_value(k)}," for k in zone_keys(seg, z)]
            lines.append("]")
    if pack.rubric:
        lines += _rubric_lines(pack.rubric)
    return "\n".join(lines) + "\n"


def _rubric_lines(rubric: dict) -> list[str]:
    """`[rubric]` and one `[[rubric.items]]` each, its anchors as a sub-table."""
    table = {k: v for k, v in rubric.items() if k != "items"}
    lines = ["", "[rubric]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    for it in rubric["items"]:
        lines += ["", "[[rubric.items]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in it.items() if k != "anchors"]
        lines += ["", "[rubric.items.anchors]"]
        lines += [f"{level} = {_toml_value(text)}" for level, text in it["anchors"].items()]
    return lines


def make_pack(pack: PackSpec, out_dir: Path) -> list[Path]:
    media = out_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    bg = pack.scene()
    written = []
    for seg in progress(pack.segments, f"make-demo {pack.folder}", unit="clips"):
        paths = [out_dir / name for name in clip_names(pack, seg)]
        render_segment(pack, seg, bg, paths)
        written += paths
        for i, _ in enumerate(seg.views, 1):
            view = media / f"{seg.name}-view{i}.mp4"
            render_segment(pack, seg, bg, [view], across_the_street)
            written.append(view)
    (out_dir / "scenario.toml").write_text(manifest(pack))
    (out_dir / "guidebook.md").write_text(pack.guidebook)
    script = out_dir / "demo-inputs.jsonl"
    script.write_text("".join(json.dumps(e) + "\n" for e in pack.script))
    return [*written, out_dir / "scenario.toml", out_dir / "guidebook.md", script]


def make_demo(out_root: Path) -> list[Path]:
    """Write every demo pack into out_root/<folder>."""
    written = []
    for pack in PACKS:
        written += make_pack(pack, out_root / pack.folder)
    return written
