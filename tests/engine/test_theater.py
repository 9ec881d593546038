"""The range theater rendered (issue 19): adjacent projectors' pictures composed the way
they overlap give even light across the seams (within 2 % after gamma); a scripted
headless theater run writes one video per screen, whose seams blend, with the side-screen
threat hit and scored; a theater pack on one screen shows the centre window (or the
letterboxed strip) and its shots are panorama coordinates; the alignment pattern renders
on every projector.

Rendering runs in subprocesses (one ShowBase a process). What cannot be checked without
projectors: real keystone and mesh alignment on a wall, the projectors' own gamma and
black level, and colour matching between them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from content import PACKS_DIR
from content.theater import load_theater, new_theater_text, write_new
from engine.video_out import H264Writer
from sim.panorama import angle_to_content, content_to_angle
from tests.conftest import run_cli

pytestmark = pytest.mark.render
GREY = 200
GAMMA = 2.2


def grey_theater_pack(root: Path, size=(1024, 256)) -> Path:
    """A one-segment theater pack whose panorama is one flat grey."""
    (root / "media").mkdir(parents=True)
    w, h = size
    with H264Writer(root / "media" / "grey.mp4", w, h, fps=10, crf=0, preset="ultrafast") as out:
        for i in range(10):
            out.write(np.full((h, w, 3), GREY, np.uint8), i / 10)
    (root / "scenario.toml").write_text(
        'format_version = 1\ntitle = "grey"\nstart = "g"\n\n[panorama]\ndegrees = 180\n\n'
        '[segments.g]\nclip = "media/grey.mp4"\nending = true\n'
    )
    return root


def theater_file(path: Path, screens=3, degrees=180, overlap=15, size="480x270") -> Path:
    w, h = (int(v) for v in size.split("x"))
    write_new(path, new_theater_text(screens, degrees, overlap, (w, h)))
    return path


def light(img: np.ndarray) -> np.ndarray:
    """Linear light of each pixel (mean over colour)."""
    return ((img.astype(np.float64) / 255.0) ** GAMMA).mean(axis=-1)


@pytest.mark.parametrize("projection", ["flat", "curved"])
def test_summed_light_across_each_overlap_is_even_within_two_percent(tmp_path, projection):
    pack = grey_theater_pack(tmp_path / "pack")
    tpath = theater_file(tmp_path / "t.toml")
    if projection == "curved":
        tpath.write_text(tpath.read_text().replace('projection = "flat"', 'projection = "curved"'))
    theater = load_theater(tpath)
    proc = run_cli(
        "render-frame", str(pack), "--theater", str(tpath), "--t", "0.5", "-o", str(tmp_path / "o")
    )
    assert proc.returncode == 0, proc.stderr
    shots = [cv2.imread(str(tmp_path / "o" / f"screen-{k}.png")) for k in (1, 2, 3)]
    assert all(s.shape == (270, 480, 3) for s in shots)
    rows = slice(100, 170)  # the middle band (a flat screen foreshortens nothing there)
    lit = [light(s[rows]).mean(axis=0) for s in shots]  # per column
    full = lit[1][240]  # one projector alone, mid screen (the grey after H.264: ~197)
    assert full == pytest.approx((GREY / 255) ** GAMMA, rel=0.05)
    for k in (0, 1):
        left, right = theater.projectors[k], theater.projectors[k + 1]
        w = shots[k].shape[1]
        cols = np.arange(w)
        angles = content_to_angle((cols + 0.5) / w, left.geometry)
        overlap = angles >= right.arc[0]
        assert overlap.sum() > 30  # the overlap is some 70 columns wide at 480 px
        s_right = angle_to_content(angles[overlap], right.geometry) * w - 0.5
        from_right = np.interp(s_right, np.arange(w), lit[k + 1])
        total = lit[k][overlap] + from_right
        assert np.abs(total / full - 1).max() < 0.02, (total / full).round(3)
        # and each alone ramps: the left one fades out towards its right edge
        assert lit[k][overlap][-3:].mean() < 0.1 * full
        assert lit[k][overlap][:3].mean() > 0.9 * full


def test_scripted_headless_theater_run_writes_three_screen_videos_and_scores_the_side_hit(
    tmp_path,
):
    tpath = theater_file(tmp_path / "t.toml", size="320x180")
    out = tmp_path / "screens"
    proc = run_cli(
        "run",
        str(PACKS_DIR / "range"),
        "--theater",
        str(tpath),
        "--offscreen",
        "--inputs",
        str(PACKS_DIR / "range" / "demo-inputs.jsonl"),
        "--video-out-dir",
        str(out),
        "--instructor-video-out",
        str(tmp_path / "station.mp4"),
        "--fps",
        "10",
        "--seconds",
        "7",
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    assert "street -> down  (hit in gunman)" in text, text
    assert "gunman (threat)" in text and "score: 10" in text, text
    frames = {}
    for k in (1, 2, 3):
        path = out / f"screen-{k}.mp4"
        assert f"Screen video written to: {path.resolve()} (70 frames)" in text, text
        cap = cv2.VideoCapture(str(path))
        cap.set(cv2.CAP_PROP_POS_FRAMES, 20)
        ok, frames[k] = cap.read()
        assert ok and frames[k].shape == (180, 320, 3)
    # the seams blend: each picture darkens towards a neighbour's edge, not at the outer ones
    edge = lambda img, cols: img[:, cols].astype(float).mean()  # noqa: E731
    for k in (1, 2):
        assert edge(frames[k], slice(316, 320)) < 0.2 * edge(frames[k], slice(200, 240))
        assert edge(frames[k + 1], slice(0, 4)) < 0.2 * edge(frames[k + 1], slice(80, 120))
    assert edge(frames[1], slice(0, 4)) > 0.5 * edge(frames[1], slice(80, 120))
    # the instructor's live picture is the whole panorama: a 4:1 strip, letterboxed
    cap = cv2.VideoCapture(str(tmp_path / "station.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 20)
    ok, station = cap.read()
    assert ok
    pic = station[62:478, 14:756]  # the picture area of a 1280x720 station (live card)
    rows = pic.astype(float).mean(axis=(1, 2))
    lit = np.flatnonzero(rows > 20)
    assert 0.2 < len(lit) / len(rows) < 0.6, rows.round()  # a wide strip, bars above and below


def test_a_theater_pack_on_one_screen_shows_the_centre_window(tmp_path):
    """No --theater: the range pack runs on one 16:9 screen as the centre of its arc (its
    `single_screen = "window"`), the scripted shot (panorama x 0.87) is off that window
    but still scored: shots are panorama coordinates whatever the screen shows."""
    video = tmp_path / "one.mp4"
    proc = run_cli(
        "run",
        str(PACKS_DIR / "range"),
        "--offscreen",
        "--size",
        "320x180",
        "--inputs",
        str(PACKS_DIR / "range" / "demo-inputs.jsonl"),
        "--video-out",
        str(video),
        "--fps",
        "10",
        "--seconds",
        "6",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "gunman (threat)" in proc.stdout, proc.stdout
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 10)
    ok, img = cap.read()
    assert ok
    # the centre window fills the screen (no letterbox bars) and shows the doorway's
    # lit door in the middle, not the whole strip
    assert img[:8].mean() > 20 and img[-8:].mean() > 20
    # the run's frame at 1 s is what render-frame draws for a theater pack on one screen
    size = ("--size", "320x180")
    proc = run_cli(
        "render-frame", str(PACKS_DIR / "range"), "--t", "1", *size, "-o", str(tmp_path / "f.png")
    )
    assert proc.returncode == 0, proc.stderr
    frame = cv2.imread(str(tmp_path / "f.png"))
    assert np.abs(frame.astype(int) - img.astype(int)).mean() < 6
    # and the middle of the window is the doorway's lit door (the centre of the arc)
    assert frame[40:120, 150:170].mean() > 90


def test_pattern_writes_every_projector(tmp_path):
    tpath = theater_file(tmp_path / "t.toml", screens=5, degrees=300, size="320x180")
    proc = run_cli("theater", "pattern", str(tpath), "-o", str(tmp_path / "p"))
    assert proc.returncode == 0, proc.stderr
    for k in range(1, 6):
        img = cv2.imread(str(tmp_path / "p" / f"screen-{k}.png"))
        assert img.shape == (180, 320, 3)
        assert img[:, 100:220].mean() > 60  # the grey card, lit
    first = cv2.imread(str(tmp_path / "p" / "screen-1.png"))
    assert first[:, -3:].mean() < 0.3 * first[:, 100:220].mean()  # its soft right edge


def test_a_plain_pack_is_refused_on_a_theater(tmp_path, fixture_pack):
    tpath = theater_file(tmp_path / "t.toml")
    proc = run_cli("run", str(fixture_pack), "--theater", str(tpath), "--offscreen")
    assert proc.returncode == 2
    assert "--theater needs a pack authored for a panorama" in proc.stderr


def test_low_light_and_a_flashlight_cone_run_on_across_a_seam(tmp_path):
    """A cone centred on the seam of screens 2 and 3, in the dark: composed the way the
    projectors overlap, the light across the overlap is what one projector spanning the
    whole arc shows there (curved screens, so both sample the panorama alike)."""
    pack = grey_theater_pack(tmp_path / "pack")
    three = theater_file(tmp_path / "three.toml", overlap=15, size="480x270")
    three.write_text(three.read_text().replace('projection = "flat"', 'projection = "curved"'))
    one = tmp_path / "one.toml"
    write_new(one, new_theater_text(1, 180, 0, (1280, 270), "curved"))
    th = load_theater(three)
    seam = (th.projectors[1].arc[1] + th.projectors[2].arc[0]) / 2  # degrees
    beam = f"{0.5 + seam / 180:.4f},0.5"
    for name, tpath in (("three", three), ("one", one)):
        proc = run_cli(
            "render-frame",
            str(pack),
            "--theater",
            str(tpath),
            "--t",
            "0.5",
            "--lowlight",
            "0.1",
            "--flashlight",
            beam,
            "-o",
            str(tmp_path / name),
        )
        assert proc.returncode == 0, proc.stderr
    s2, s3 = (cv2.imread(str(tmp_path / "three" / f"screen-{k}.png")) for k in (2, 3))
    whole = cv2.imread(str(tmp_path / "one" / "screen-1.png"))
    rows = slice(125, 145)  # through the cone's centre
    l2, l3, lw = (light(img[rows]).mean(axis=0) for img in (s2, s3, whole))
    p2, p3 = th.projectors[1].geometry, th.projectors[2].geometry
    w = s2.shape[1]
    angles = np.linspace(th.projectors[2].arc[0] + 0.5, th.projectors[1].arc[1] - 0.5, 40)
    at = lambda lit, geo: np.interp(angle_to_content(angles, geo) * w - 0.5, np.arange(w), lit)  # noqa: E731
    composed = at(l2, p2) + at(l3, p3)
    reference = np.interp((angles + 90) / 180 * whole.shape[1] - 0.5, np.arange(whole.shape[1]), lw)
    assert reference.max() > 1.3 * reference.min()  # the cone falls off across the overlap
    assert np.abs(composed - reference).max() < 0.03 * reference.max(), (composed, reference)


def test_a_camera_tracker_on_screen_3_reports_shots_in_panorama_coordinates(tmp_path):
    """The theater file gives screen 3 a laser tracker (an emulated one on a pty): its shot
    near the top-left of its picture is recorded at the panorama point screen 3 shows
    there, not at the tracker's own coordinates."""
    from sim.panorama import output_to_panorama
    from tests.drivers.test_links import wait_for
    from tools.emulate import Emulator

    emu = Emulator("laser-tracker", tmp_path / "tracker", interval_s=0.05)
    emu.positions = [(0.1, 0.2)]
    tpath = theater_file(tmp_path / "t.toml", size="320x180")
    text = tpath.read_text()
    third = text.rindex("# tracker = ")
    tpath.write_text(text[:third] + f'tracker = "laser-tracker:{emu.link}@w1"  ' + text[third:])
    args = ["run", str(PACKS_DIR / "range"), "--theater", str(tpath), "--offscreen"]
    app = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", *args, "--fps", "10", "--seconds", "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # shoot once the host has the port open and has spoken (shots sent before that
        # are flushed with the port's input when it opens)
        assert wait_for(lambda: len(emu.received) > 0, timeout_s=120), app.poll()
        emu.shots_left = 1
        out, err = app.communicate(timeout=300)
    finally:
        if app.poll() is None:
            app.kill()
        emu.close()
    assert app.returncode == 0, err[-2000:]
    pano = load_theater(tpath)
    x, y = output_to_panorama(0.1, 0.2, pano.projectors[2].geometry, pano_of_range())
    shots = [line for line in out.splitlines() if " w1 firearm " in line]
    assert len(shots) == 1, out
    assert f"({x:.3f}, {y:.3f})" in shots[0], (shots, x, y)


def pano_of_range():
    from content.pack import load_pack

    return load_pack(PACKS_DIR / "range").scenario.panorama


def test_the_screens_frames_go_side_by_side_into_the_panorama_texture(caplog):
    """PanoramaSource hands over each screen's frame; TheaterView copies each straight into
    its place (no stitched copy first): the texture is the frames side by side, a new
    token uploads again, and a frame of another height is scaled to fit."""
    from engine.theater import TheaterView

    view = TheaterView([], None)
    view.texture = TheaterView.make_texture()
    rng = np.random.default_rng(2)
    parts = [rng.integers(0, 255, (36, w, 3), dtype=np.uint8) for w in (64, 48, 64)]
    view.show_pano(parts, "a")
    got = np.frombuffer(view.texture.getRamImage(), np.uint8).reshape(36, 176, 3)
    assert (got == np.hstack(parts)).all()
    view.show_pano(parts, "a")  # the same token: nothing uploaded
    view.show_pano(parts[::-1], "b")
    got = np.frombuffer(view.texture.getRamImage(), np.uint8).reshape(36, 176, 3)
    assert (got == np.hstack(parts[::-1])).all() and view.uploads == 2
    # a clip that changed size mid-stream: scaled to the others' height, said once, and
    # the session goes on
    view.show_pano([parts[0], np.zeros((18, 32, 3), np.uint8)], "c")
    got = np.frombuffer(view.texture.getRamImage(), np.uint8).reshape(36, 128, 3)
    assert (got[:, :64] == parts[0]).all() and (got[:, 64:] == 0).all()
    assert "differ in height (64x36, 32x18)" in caplog.text


PLANES_RENDER = """
import sys
import cv2, numpy as np
from content.theater import load_theater, new_theater_text, write_new
from engine.yuv_planes import YuvFrame
from sim.panorama import Panorama
from tools.theater_cmd import _render

path, mode, matrix, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
write_new(path, new_theater_text(3, 180, 15, (320, 180)))
theater = load_theater(path)
w, h = 240, 180  # a screen's clip: three side by side make the panorama
parts = []
for k in range(3):  # one smooth picture across the three (as a panorama is)
    yy, xx = np.mgrid[0:h, k * w : (k + 1) * w].astype(np.float32)
    y = (40 + 75 * (1 + np.sin(xx / 37)) * (0.5 + 0.5 * np.sin(yy / 23))).astype(np.uint8)
    u = np.full((h // 2, w // 2 + 8), 0, np.uint8)  # rows padded past the picture
    v = np.full_like(u, 0)
    cy, cx = np.mgrid[0 : h // 2, k * w // 2 : (k + 1) * w // 2].astype(np.float32)
    u[:, : w // 2] = (128 + 60 * np.sin(cx / 17)).astype(np.uint8)
    v[:, : w // 2] = (128 + 60 * np.cos(cy / 13 - cx / 29)).astype(np.uint8)
    yp = np.zeros((h, w + 16), np.uint8)
    yp[:, :w] = y
    m = "bt601" if k == 2 and mode.startswith("mixed") else matrix
    if mode == "nv12":  # U and V interleaved, as hardware decoders give them; rows padded
        uv = np.zeros((h // 2, w + 16), np.uint8)
        uv[:, 0:w:2], uv[:, 1:w:2] = u[:, : w // 2], v[:, : w // 2]
        parts.append(YuvFrame((yp, uv), (w, w), w, h, "nv12", m, False))
    else:
        parts.append(YuvFrame((yp, u, v), (w, w // 2, w // 2), w, h, "yuv", m, False))
frame = [p.to_bgr() for p in parts] if mode.endswith("bgr") else parts
shots = _render(theater, Panorama(180), frame, lambda v: v.update(False, [], 0.0, 0.0))
np.save(out, np.stack(shots))
"""


def _theater_shots(tmp_path, mode, matrix="bt709"):
    out = tmp_path / f"{mode}-{matrix}.npy"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PLANES_RENDER,
            str(tmp_path / f"{mode}.toml"),
            mode,
            matrix,
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    return np.load(out).astype(int), proc.stderr


@pytest.mark.parametrize(
    ("layout", "matrix"), [("planes", "bt709"), ("planes", "bt601"), ("nv12", "bt709")]
)
def test_the_theater_draws_yuv_planes_as_their_bgr_conversion(tmp_path, layout, matrix):
    """The screens' YUV planes (rows padded, chroma halved; or NV12, as hardware decoders
    give them) side by side in the plane textures and converted in the projector shader
    give every projector the picture that the same frames converted to BGR on the CPU
    give, with each clip's own matrix."""
    planes, _ = _theater_shots(tmp_path, layout, matrix)
    bgr, _ = _theater_shots(tmp_path, "bgr", matrix)
    assert planes.shape == bgr.shape == (3, 180, 320, 3)
    assert bgr.std() > 20  # a picture, not black
    diff = np.abs(planes - bgr)
    assert diff.mean() < 1.0 and np.percentile(diff, 99.9) <= 6, (diff.mean(), diff.max())


def test_theater_frames_of_different_colour_matrices_are_converted_on_the_cpu(tmp_path):
    mixed, err = _theater_shots(tmp_path, "mixed")
    assert "converting them on the CPU" in err
    cpu, _ = _theater_shots(tmp_path, "mixed-bgr")  # screen 3's clip bt601, the rest bt709
    assert np.abs(mixed - cpu).max() <= 1  # the same conversion, the same picture


RUN_THEATER = """
import sys
import engine.theater_app as ta
ta.TheaterApp.PLANES_ON_SOFTWARE = sys.argv[1] == "planes"
from tools.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_a_theater_run_on_planes_shows_what_it_shows_on_bgr(tmp_path):
    """The range pack's three screen clips through the session's and the other screens'
    players as YUV planes (forced here: on a software renderer a run keeps BGR) give each
    projector the picture of a BGR run, seams and all."""
    tpath = theater_file(tmp_path / "t.toml", size="320x180")
    shots = {}
    for source in ("planes", "bgr"):
        out = tmp_path / source
        args = ["run", str(PACKS_DIR / "range"), "--theater", str(tpath), "--offscreen"]
        args += ["--video-out-dir", str(out), "--fps", "10", "--seconds", "2"]
        proc = subprocess.run(
            [sys.executable, "-c", RUN_THEATER, source, *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        for k in (1, 2, 3):
            cap = cv2.VideoCapture(str(out / f"screen-{k}.mp4"))
            cap.set(cv2.CAP_PROP_POS_FRAMES, 12)
            ok, shots[source, k] = cap.read()
            assert ok
    for k in (1, 2, 3):
        a, b = shots["planes", k].astype(int), shots["bgr", k].astype(int)
        assert b.mean() > 30  # a picture
        assert np.abs(a - b).mean() < 2.0, (k, np.abs(a - b).mean())
