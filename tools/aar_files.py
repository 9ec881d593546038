"""The after-action review's files beside its page (tools/aar.py): the frame grab of each
shot (the clip lit as the trainee saw it, zones and shot drawn on it), the trainee camera's
frame at a shot, the recording's own camera and voice side files copied in, and the report
folder kept owner-only (trainee data). Knows nothing of the page's layout.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import cv2
import numpy as np

from sim.errors import UserError
from sim.files import (
    PRIVATE_DIR_MODE,
    PRIVATE_MODE,
    FileProblem,
    create_private,
    open_regular,
    why,
)
from sim.hit_zones import screen_to_media
from sim.recording import camera_side_file, voice_side_file
from tools.aar_timeline import ROLE_COLOURS


def frame_grab(pack, rt, shot, out: Path, width: int = 480, look=(0.0, ())) -> bool:
    """The clip's frame at the shot with the zones and the shot drawn on it, lit as the
    trainee view showed it: `look` is (night mix, flashlight beams) at the shot's tick
    (Replayed.looks); the muzzle flash is left out, so the grab shows what the trainee
    saw as they fired."""
    from tools.render_frame import night_look

    seg = pack.scenario.segments[shot.segment]
    cap = cv2.VideoCapture(str(pack.clip_path(seg.clip)))
    cap.set(cv2.CAP_PROP_POS_MSEC, shot.media_t_s * 1000)
    ok, img = cap.read()
    cap.release()
    if not ok:
        return False
    img = night_look(img, look[0], list(look[1]), rt.screen_aspect, seg.media_aspect)
    h, w = img.shape[:2]
    for zone in seg.zones:
        poly = (zone.polygon_at(shot.media_t_s) * [w, h]).astype(np.int32)
        colour = tuple(int(ROLE_COLOURS[zone.role][i : i + 2], 16) for i in (5, 3, 1))
        cv2.polylines(img, [poly], True, colour, 2, cv2.LINE_AA)
    m = screen_to_media(shot.x_norm, shot.y_norm, rt.screen_aspect, seg.media_aspect)
    if m is not None:
        c = (round(m[0] * w), round(m[1] * h))
        cv2.circle(img, c, 14, (0, 0, 0), 5, cv2.LINE_AA)
        cv2.circle(img, c, 14, (0, 0, 255), 2, cv2.LINE_AA)
        cv2.circle(img, c, 2, (0, 0, 255), -1, cv2.LINE_AA)
    img = cv2.resize(img, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return bool(cv2.imwrite(str(out), img))


def _copy_side_file(src: Path, out: Path) -> str | None:
    """Copy one of the recording's own side files into the report, owner-only; its name
    there, or None. Only a regular file, never a link: the header says whether there is
    one, never where (a hostile header once named /etc/passwd and had it copied here)."""
    try:
        if not stat.S_ISREG(src.lstat().st_mode):
            return None
        fh = open_regular(src)
    except (OSError, FileProblem):
        return None
    with fh, os.fdopen(create_private(out), "wb") as dst:
        shutil.copyfileobj(fh, dst, 1 << 20)
    return out.name


def _voice_audio(recording: Path, header: dict, out_dir: Path) -> str | None:
    """The session's trainee voice (REC.voice.wav) in the report, as the camera."""
    if not (header.get("config") or {}).get("trainee_mic"):
        return None
    return _copy_side_file(voice_side_file(recording), out_dir / "trainee-voice.wav")


def _camera_video(recording: Path, header: dict, out_dir: Path) -> str | None:
    """The session's trainee camera video (sim.recording.camera_side_file) in the report."""
    if not (header.get("config") or {}).get("trainee_camera"):
        return None
    return _copy_side_file(camera_side_file(recording), out_dir / "trainee-camera.mp4")


def _private_dir(out_dir: Path) -> dict[str, int]:
    """Create the report folder owner-only (trainee data: frames, the camera video); the
    modification times of what it already holds, for _make_private."""
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
            out_dir.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
        except (OSError, ValueError) as exc:
            raise UserError(f"{out_dir}: cannot create the report folder ({why(exc)})") from None
    return {p.name: p.lstat().st_mtime_ns for p in out_dir.iterdir()}


def _make_private(out_dir: Path, before: dict[str, int]) -> None:
    """Every file this report wrote (new, or rewritten since `before`) readable by its
    owner only; links and anything else already there are left alone."""
    for p in out_dir.iterdir():
        st = p.lstat()
        if stat.S_ISREG(st.st_mode) and before.get(p.name) != st.st_mtime_ns:
            p.chmod(PRIVATE_MODE)


def camera_grab(video: Path, t_s: float, out: Path, width: int = 240) -> bool:
    """The trainee camera's frame at session time t_s (its file is timed in session s)."""
    cap = cv2.VideoCapture(str(video))
    best = None
    while True:
        ok, img = cap.read()
        if not ok or cap.get(cv2.CAP_PROP_POS_MSEC) / 1000 > t_s + 1e-4:
            break
        best = img
    cap.release()
    if best is None:
        return False
    h, w = best.shape[:2]
    best = cv2.resize(best, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return bool(cv2.imwrite(str(out), best))
