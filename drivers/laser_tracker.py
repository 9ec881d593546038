"""Finding laser shots in a camera's view of the screen.

Per frame: the signal is each pixel's smallest channel (equal to ShootOFF's (255-S)*V / 255:
a laser's core saturates to near-white, so it is bright *and* colourless, while bright
coloured video is not); a per-pixel running average (about 200 ms) is the background.
Candidates rise well above their background, both absolutely and as a share of the
headroom left, and are not already bright (lights, glare). A frame with too many
candidates is motion (the projected video moving, a light switched on) and is skipped.
Candidates are grouped (8-connected); a group is a spot when it is big enough, compact and
round enough; its position is the rise-weighted centroid (sub-pixel). Its colour comes from
the ring just outside the saturated core: red or green by the chroma it adds over the
background. A spot close to the previous one within a few frames is the same shot (long
pulses, dot jitter). Must not import engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

BACKGROUND_SHARE = 0.9
IR_MAX_CHROMA = 6.0  # mean (max - min channel) of the halo below which a spot is infrared


@dataclass(frozen=True)
class Spot:
    frame: int
    t_s: float
    x: float  # pixels of the camera frame, sub-pixel
    y: float
    color: str  # "red", "green" or "ir"
    size: int  # pixels in the spot
    strength: float  # mean rise of the signal over its background


@dataclass
class TrackerSettings:
    warmup_frames: int = 5
    min_rise: float = 30.0  # of 255: about 11.7 % of full scale
    headroom_share: float = 0.25  # the rise must also be this share of (255 - background)
    bright_limit: float = 245.0  # pixels whose background is brighter cannot fire
    motion_share: float = 0.002  # more candidates than this share of the frame: motion
    motion_avg_share: float = 0.0004  # or more than this on average over the last ~200 ms
    min_size_share: float = 0.000025  # smallest spot, as a share of the frame (7 px at VGA)
    max_size_share: float = 0.004
    min_fill: float = 0.45  # spot pixels / area of the circle of its bounding box
    aspect: tuple[float, float] = (0.4, 2.5)
    merge_frames: int = 4  # a spot this close in frames and space is the same shot
    merge_radius_share: float = 0.06  # of the frame width
    background_s: float = 0.2


@dataclass
class LaserTracker:
    width: int
    height: int
    fps: float
    settings: TrackerSettings = field(default_factory=TrackerSettings)

    def __post_init__(self) -> None:
        self._avg: np.ndarray | None = None
        self._bg_r: np.ndarray | None = None  # background red and green: their difference
        self._bg_g: np.ndarray | None = None  # is the background R-G the colour rule reads
        self._frame = 0
        self._recent: list[Spot] = []  # shots still "on" (for merging long pulses)
        self.motion_frames = 0
        n = self.width * self.height
        s = self.settings
        self._alpha = 1.0 / max(5.0, self.fps * s.background_s)
        self._min_size = max(3, int(n * s.min_size_share))
        self._max_size = max(self._min_size + 1, round(n * s.max_size_share))
        self._motion = n * s.motion_share
        self._motion_avg_limit = n * s.motion_avg_share
        self._motion_avg = 0.0
        self._merge_r = self.width * s.merge_radius_share
        self._sig: np.ndarray | None = None
        self._signalled: np.ndarray | None = None  # the frame `_sig` was computed from
        # The rule, per signal level: a pixel of signal `sig` fires when its background is
        # at most _highest_avg[sig] (sig - avg >= min_rise, sig - avg >= share * (255 -
        # avg), avg < bright_limit, each solved for avg), so a frame's whole test is one
        # table lookup and one compare instead of arithmetic on every pixel.
        levels = np.arange(256, dtype=np.float64)
        self._highest_avg = np.minimum.reduce(
            [
                levels - s.min_rise,
                (levels - 255.0 * s.headroom_share) / (1.0 - s.headroom_share),
                np.full(256, np.nextafter(np.float32(s.bright_limit), np.float32(0))),
            ]
        ).astype(np.float32)

    def _buffers(self, h: int, w: int) -> None:
        """Per-frame work arrays, allocated once: every full-frame step below writes into
        one of these (cv2 `dst=`), so a frame allocates nothing the size of the image."""
        self._sig = np.empty((h, w), np.uint8)
        # cv2.split into arrays it is given is 40x faster here than letting it allocate
        # three new planes (fresh pages, each larger than the mmap threshold) every frame
        self._planes = [np.empty((h, w), np.uint8) for _ in range(3)]
        self._limit = np.empty((h, w), np.float32)
        self._cand = np.empty((h, w), np.uint8)

    def signal(self, frame_bgr: np.ndarray) -> np.ndarray:
        """The min-channel signal of a frame (uint8, a buffer reused next frame): the
        flashlight tracker reads the same image instead of computing it again."""
        h, w = frame_bgr.shape[:2]
        if self._sig is None or self._sig.shape != (h, w):
            self._buffers(h, w)
        b, g, r = cv2.split(frame_bgr, self._planes)
        cv2.min(b, g, dst=self._sig)
        cv2.min(self._sig, r, dst=self._sig)
        self._bgr = (b, g, r)
        self._signalled = frame_bgr
        return self._sig

    def process(
        self, frame_bgr: np.ndarray, t_s: float, sig: np.ndarray | None = None
    ) -> list[Spot]:
        """The new shots that start in this frame. `sig` is this frame's `signal()` when
        the caller computed it already (it is recomputed unless it came from this frame).

        Every full-frame step is one OpenCV pass into a preallocated buffer (about 0.05 ms
        each at 640x480); the candidate rule is ShootOFF's, as a lookup (`_highest_avg`).
        Only when some pixel fires is anything more done, and the grouping runs on the
        bounding box of the candidates alone (the same components, offset), not on the
        whole frame."""
        index = self._frame
        self._frame += 1
        self._img = frame_bgr
        if sig is None or self._signalled is not frame_bgr:
            sig = self.signal(frame_bgr)
        _, g, r = self._bgr
        if self._avg is None:
            self._avg = sig.astype(np.float32)
            self._bg_r, self._bg_g = r.astype(np.float32), g.astype(np.float32)
            return []
        avg = self._avg
        s = self.settings
        cand = cv2.compare(
            avg, cv2.LUT(sig, self._highest_avg, dst=self._limit), cv2.CMP_LE, dst=self._cand
        )
        found: list[Spot] = []
        count = cv2.countNonZero(cand)
        self._motion_avg += (count - self._motion_avg) * self._alpha
        if index >= s.warmup_frames and count:
            if count > self._motion or self._motion_avg > self._motion_avg_limit:
                self.motion_frames += 1
            else:
                found = self._spots(cand, sig, avg, index, t_s)
        # the background absorbs everything, spots included: a held laser or a light
        # switched on becomes background within a few hundred ms instead of firing forever
        cv2.accumulateWeighted(sig, avg, self._alpha)
        cv2.accumulateWeighted(r, self._bg_r, self._alpha)
        cv2.accumulateWeighted(g, self._bg_g, self._alpha)
        return self._dedupe(found)

    def _spots(self, cand, sig, avg, index, t_s) -> list[Spot]:
        s = self.settings
        bx, by, bw, bh = cv2.boundingRect(cv2.findNonZero(cand))
        roi = cand[by : by + bh, bx : bx + bw]
        n, labels_roi, stats, _ = cv2.connectedComponentsWithStats(roi, connectivity=8)
        labels = None
        out = []
        for i in range(1, n):
            x0, y0, w, h, size = (int(v) for v in stats[i])
            if not self._min_size <= size <= self._max_size:
                continue
            if not s.aspect[0] <= w / h <= s.aspect[1]:
                continue
            if size / (math.pi * ((w + h) / 4) ** 2) < s.min_fill:
                continue
            if labels is None:  # the labels in full-frame coordinates, for the ring
                labels = np.zeros(cand.shape, np.int32)
                labels[by : by + bh, bx : bx + bw] = labels_roi
            x0, y0 = x0 + bx, y0 + by
            ys, xs = np.nonzero(labels[y0 : y0 + h, x0 : x0 + w] == i)
            weights = sig[y0 + ys, x0 + xs] - avg[y0 + ys, x0 + xs]
            cx = float((xs * weights).sum() / weights.sum()) + x0
            cy = float((ys * weights).sum() / weights.sum()) + y0
            out.append(
                Spot(
                    index,
                    t_s,
                    cx,
                    cy,
                    self._colour(labels, i, x0, y0, w, h),
                    size,
                    float(weights.mean()),
                )
            )
        return out

    def _colour(self, labels, i, x0, y0, w, h) -> str:
        pad = 3
        ya, yb = max(0, y0 - pad), min(self.height, y0 + h + pad)
        xa, xb = max(0, x0 - pad), min(self.width, x0 + w + pad)
        core = (labels[ya:yb, xa:xb] == i).astype(np.uint8)
        ring = cv2.dilate(core, np.ones((5, 5), np.uint8)) & (1 - core)
        if not ring.any():
            return "red"
        ring = ring.astype(bool)
        patch = self._img[ya:yb, xa:xb][ring].astype(np.int16)
        if float((patch.max(axis=1) - patch.min(axis=1)).mean()) < IR_MAX_CHROMA:
            return "ir"  # an infrared laser on a monochrome (IR) camera: a colourless halo
        # red minus green around the core, now and in the background
        halo = float((patch[:, 2] - patch[:, 1]).mean())
        bg_r, bg_g = self._bg_r[ya:yb, xa:xb][ring], self._bg_g[ya:yb, xa:xb][ring]
        background = float((bg_r - bg_g).mean())
        # Mostly what the laser adds over the background, as ShootOFF scores it (it subtracts
        # 0.8 of the background); 0.9 classifies all 58 expected shots of the nine ShootOFF
        # recordings correctly, 0.8 turns one red shot over green foliage green.
        return "red" if halo - BACKGROUND_SHARE * background >= 0 else "green"

    def _dedupe(self, spots: list[Spot]) -> list[Spot]:
        """A spot near a shot still on (seen within merge_frames) continues that shot."""
        s = self.settings
        self._recent = [r for r in self._recent if self._frame - 1 - r.frame <= s.merge_frames]
        out = []
        for spot in sorted(spots, key=lambda sp: -sp.strength):
            near = [
                i
                for i, r in enumerate(self._recent)
                if math.hypot(spot.x - r.x, spot.y - r.y) <= self._merge_r
            ]
            if near:
                r = self._recent[near[0]]  # keep where it started; extend its life
                self._recent[near[0]] = Spot(
                    spot.frame, r.t_s, r.x, r.y, r.color, r.size, r.strength
                )
                continue
            self._recent.append(spot)
            out.append(spot)
        return out


def detect_video(
    path: str, settings: TrackerSettings | None = None, on_frame=None, stats: dict | None = None
) -> list[Spot]:
    """The laser shots in a recorded camera video; on_frame(frames_done, total) is told
    as it goes (the command line shows progress with it). `stats`, when given, gets the
    frames decoded and the frames the file declares: decoding stops at damage, and the
    shots after it are not found."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise OSError(f"{path}: cannot open video (missing, or not a video file)")
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    tracker = LaserTracker(w, h, fps, settings or TrackerSettings())
    shots: list[Spot] = []
    frames = 0
    while True:
        ok, img = cap.read()
        if not ok:
            if frames == 0:
                raise OSError(f"{path}: no decodable video frame")
            break
        frames += 1
        shots += tracker.process(img, cap.get(cv2.CAP_PROP_POS_MSEC) / 1000)
        if on_frame is not None:
            on_frame(frames, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    if stats is not None:
        stats.update(frames=frames, declared=max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT))))
    return shots


@dataclass
class FlashlightTracker:
    """An IR flashlight's beam on the screen: a large bright blob held on, not a pulse.
    `process` returns (on, x, y) in camera pixels every frame while the beam is on, and
    once with on=False when it goes off; a blob must be seen for `hold_frames` frames
    in a row to count (a laser pulse is small and short)."""

    width: int
    height: int
    level: int = 200  # of the min-channel signal
    min_area_share: float = 0.0015
    hold_frames: int = 3

    def __post_init__(self) -> None:
        self._seen = 0
        self._missed = 0
        self.on = False
        self._min_area = max(20, int(self.width * self.height * self.min_area_share))

    def process(
        self, frame_bgr: np.ndarray, sig: np.ndarray | None = None
    ) -> tuple[bool, float, float] | None:
        """`sig`: the frame's min-channel signal when the laser tracker computed it already
        (LaserTracker.signal). Grouping runs only when enough pixels are lit for a beam at
        all, so an ordinary frame costs one threshold and one count."""
        if sig is None:
            b, g, r = cv2.split(frame_bgr)
            sig = cv2.min(cv2.min(b, g), r)
        _, mask = cv2.threshold(sig, self.level - 1, 1, cv2.THRESH_BINARY)
        n, stats, centroids = 0, None, None
        if cv2.countNonZero(mask) >= self._min_area:
            n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        best = max(range(1, n), key=lambda i: stats[i, cv2.CC_STAT_AREA], default=None)
        if best is not None and stats[best, cv2.CC_STAT_AREA] >= self._min_area:
            self._seen, self._missed = self._seen + 1, 0
            if self._seen >= self.hold_frames:
                self.on = True
                x, y = centroids[best]
                return True, float(x), float(y)
            return None
        self._seen, self._missed = 0, self._missed + 1
        if self.on and self._missed >= self.hold_frames:
            self.on = False
            return False, 0.0, 0.0
        return None
