"""Issue 14, packs: a pack is untrusted. Its manifest is read as a bounded regular file
inside the pack (a link to /dev/zero, a FIFO or a folder is one line, never a hang or a
traceback), a NUL in a path is a clear error, a deep dotted key is refused before the TOML
parser sees it, the error-line lookup is linear, and clips are bounded in decoded pixels
and checked to reach their stated end (a truncated clip is an error for run and lint)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import av
import numpy as np
import pytest

from content._locate import locate
from content.media import MAX_PIXELS, MediaError, probe_media
from content.pack import MANIFEST, PackError, load_pack
from engine.video_out import H264Writer
from tests.conftest import edit, run_cli


@contextmanager
def within(seconds: int):
    """Fail (instead of hanging the suite) when the block takes longer than `seconds`."""

    def expired(signum, frame):
        raise TimeoutError(f"took over {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


LOAD = (
    "import sys\n"
    "from content.pack import PackError, load_pack\n"
    "try:\n    load_pack(sys.argv[1])\n"
    "except PackError as exc:\n    print(exc)\n"
)


def load_in_subprocess(pack: Path) -> str:
    """The one-line PackError of loading `pack`, from a child with a timeout: the cases
    here once hung (a FIFO) or read without end (/dev/zero)."""
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(pack)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return out.stdout.strip()


def test_a_manifest_linked_to_dev_zero_is_refused(pack):
    (pack / MANIFEST).unlink()
    (pack / MANIFEST).symlink_to("/dev/zero")
    assert load_in_subprocess(pack) == f"{pack / MANIFEST}: a link that leads outside the pack"


def test_a_manifest_that_is_a_fifo_or_a_folder_is_one_line(pack):
    (pack / MANIFEST).unlink()
    os.mkfifo(pack / MANIFEST)
    assert load_in_subprocess(pack) == (
        f"{pack / MANIFEST}: cannot read (not a regular file: a device, FIFO or socket)"
    )
    (pack / MANIFEST).unlink()
    (pack / MANIFEST).mkdir()
    assert load_in_subprocess(pack) == f"{pack / MANIFEST}: cannot read (a folder, not a file)"


def test_a_nul_in_a_clip_path_is_a_pack_error(pack):
    edit(pack, 'clip = "media/b.mp4"', 'clip = "media/b\\u0000.mp4"')
    with pytest.raises(PackError, match=r"segments\.b\.clip: a NUL character"):
        load_pack(pack)


def test_a_long_line_in_a_multiline_string_is_located_at_once():
    """ "[" and 5,000 spaces made the old header pattern backtrack for four minutes."""
    text = 'title = """\n' + ("[" + " " * 5000 + "\n") * 3 + '"""\n[segments.a]\nclip = 1\n'
    with within(5):
        assert locate(text, "segments.a.clip") == 7


def test_a_very_deep_dotted_header_is_refused_before_parsing(pack):
    deep = "[" + ".".join(["a"] * 200_000) + "]\nx = 1\n"  # tomllib: minutes
    (pack / MANIFEST).write_text((pack / MANIFEST).read_text() + deep)
    with within(10), pytest.raises(PackError, match=r"scenario\.toml:\d+: a key of more than"):
        load_pack(pack)


def test_decoded_pixels_are_bounded_not_only_dimensions(tmp_path):
    """A small file of huge frames (4608x2592, each side within MAX_DIMENSION)."""
    clip = tmp_path / "huge.mp4"
    with H264Writer(clip, 4608, 2592, fps=30, crf=40, preset="ultrafast") as out:
        out.write(np.zeros((2592, 4608, 3), np.uint8), 0.0)
    assert clip.stat().st_size < 100_000 and MAX_PIXELS < 4608 * 2592
    with pytest.raises(MediaError, match=f"4608x2592 is over {MAX_PIXELS} pixels"):
        probe_media(clip)


def cut_clip(src: Path, dst: Path, keep: float) -> None:
    """`src` remuxed with its index first (as streaming encoders write it), then cut to
    `keep` of its bytes: the index still declares every frame."""
    whole = dst.with_suffix(".whole.mp4")
    with av.open(str(src)) as inp, av.open(str(whole), "w", options={"movflags": "faststart"}) as o:
        stream = o.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                o.mux(packet)
    data = whole.read_bytes()
    whole.unlink()
    dst.write_bytes(data[: int(len(data) * keep)])


def test_a_clip_truncated_at_the_end_is_an_error_for_run_and_lint(pack, tmp_path):
    shutil.copy(pack / "media" / "b.mp4", tmp_path / "b.mp4")
    cut_clip(tmp_path / "b.mp4", pack / "media" / "b.mp4", 0.5)
    with pytest.raises(PackError, match=r"b\.mp4: truncated or damaged: its video stops"):
        load_pack(pack)
    out = run_cli("lint", str(pack))
    assert out.returncode == 1 and "b.mp4: truncated or damaged" in out.stdout + out.stderr


def test_a_whole_clip_with_its_index_first_still_loads(pack, tmp_path):
    shutil.copy(pack / "media" / "b.mp4", tmp_path / "b.mp4")
    cut_clip(tmp_path / "b.mp4", pack / "media" / "b.mp4", 1.0)
    assert load_pack(pack).media["media/b.mp4"].duration_s == pytest.approx(2.0)


def test_numbers_are_not_counted_as_key_parts(pack):
    """A 64-vertex polygon holds 128 decimal points on one line: not a deep key."""
    ring = [[float(0.5 + 0.25 * np.cos(a)), float(0.5 + 0.25 * np.sin(a))] for a in range(64)]
    edit(pack, "polygon = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]", f"polygon = {ring}")
    assert load_pack(pack).scenario.segments["a"].zones[0].name == "left"


def test_a_guidebook_that_is_not_utf8_is_a_pack_error_not_a_crash_later(tmp_path):
    """lint said ok and the instructor's view, the review and the community screen then
    died with UnicodeDecodeError reading it."""
    from content import DEMO_PACK

    pack = tmp_path / "demo"
    shutil.copytree(DEMO_PACK, pack)
    guide = load_pack(pack).meta.guidebook
    assert guide
    (pack / guide).write_bytes(b"# Guide\n\x80\x81 not text\n")
    with pytest.raises(PackError, match=rf"meta\.guidebook: {guide}: not UTF-8 text \(byte 8\)"):
        load_pack(pack)
    proc = run_cli("lint", str(pack), timeout=120)
    assert proc.returncode == 1 and "not UTF-8 text" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("t\\u001b[31m red", "a control character (U+001B)"),
        ("t\\u0007", "a control character (U+0007)"),
        ("t\\u0000x", "a NUL character"),
        ("t\\u009b2J", "a control character (U+009B)"),
    ],
)
def test_control_characters_in_a_packs_text_are_refused(pack, text, says):
    """A title with ESC sequences recoloured the terminal `catalog` and `run` print it to,
    and a NUL broke `graph`; tab and newline stay allowed."""
    edit(pack, 'title = "fixture"', f'title = "{text}"')
    with pytest.raises(PackError, match=rf"title: {re.escape(says)} in the text"):
        load_pack(pack)


def test_tabs_and_newlines_stay_allowed(pack):
    edit(pack, 'label = "to b"', 'label = "to\\tb"')
    edit(pack, 'title = "fixture"', 'title = """two\nlines"""')
    loaded = load_pack(pack)
    assert loaded.scenario.title == "two\nlines"
    assert loaded.scenario.segments["a"].transitions[0].trigger.label == "to\tb"
