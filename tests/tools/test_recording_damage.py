"""Issue 14: a recording is untrusted input. Whatever a file holds, `replay --verify` and
`aar` end (no hang), never with a traceback; damage (a flipped bit, a bad length, junk
appended, a tick out of order) is one line naming the byte, after the intact records
before it were used, and the exit status is not 0. Nothing a header says names a file
outside the recording's own side files, and the review is readable by its owner only."""

from __future__ import annotations

import io
import signal
import stat
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.recording import (
    MAGIC,
    MAX_RECORD,
    RecordingError,
    RecordReader,
    camera_side_file,
    encode_record,
)
from tests.tools.test_recordings import write_recording
from tools.cli import main
from tools.recordings import load_recording


def records_of(path: Path) -> tuple[dict, list[bytes]]:
    """(header, every later record as its encoded bytes) of a recording."""
    with path.open("rb") as fh:
        recs = [r for _, r in RecordReader(fh, str(path))]
    return recs[0], [encode_record(r) for r in recs[1:]]


def rewrite(path: Path, header: dict, records: list[bytes]) -> Path:
    path.write_bytes(MAGIC + encode_record(header) + b"".join(records))
    return path


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def rec(tmp_path, pack) -> Path:
    return write_recording(tmp_path / "s.rec", pack, ticks=60)


# -- security: the header names no file ---------------------------------------------------


@pytest.mark.parametrize("name", ["/etc/passwd", "../../etc/passwd", "other.rec.camera.mp4"])
def test_a_header_cannot_copy_a_local_file_into_the_review(rec, tmp_path, capsys, name):
    header, records = records_of(rec)
    (tmp_path / "other.rec.camera.mp4").write_bytes(b"another trainee's video")
    header["config"]["trainee_camera"] = name
    rewrite(rec, header, records)
    out = tmp_path / "review"
    rc, stdout, _ = cli(["aar", str(rec), "-o", str(out)], capsys)
    assert rc == 0
    assert f"the trainee camera video {rec}.camera.mp4 is missing" in stdout
    assert not (out / "trainee-camera.mp4").exists()
    assert "root:" not in (out / "report.html").read_text()


def test_a_camera_side_file_that_is_a_link_is_not_followed(rec, tmp_path, capsys):
    header, records = records_of(rec)
    header["config"]["trainee_camera"] = rec.name + ".camera.mp4"
    rewrite(rec, header, records)
    Path(f"{rec}.camera.mp4").symlink_to("/etc/passwd")
    out = tmp_path / "review"
    assert cli(["aar", str(rec), "-o", str(out)], capsys)[0] == 0
    assert not (out / "trainee-camera.mp4").exists()


def test_the_review_is_readable_by_its_owner_only(rec, tmp_path, capsys):
    header, records = records_of(rec)
    header["config"]["trainee_camera"] = rec.name + ".camera.mp4"
    rewrite(rec, header, records)
    Path(f"{rec}.camera.mp4").write_bytes(b"not really a video")
    out = tmp_path / "deep" / "review"
    assert cli(["aar", str(rec), "-o", str(out)], capsys)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = list(out.iterdir())
    assert {p.name for p in files} >= {"report.html", "events.csv", "trainee-camera.mp4"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


# -- damage: recovered up to it, named, exit non-zero ----------------------------------------


def damaged_variants(rec: Path) -> dict[str, tuple[bytes, str]]:
    """name: (file bytes, what the error must say)."""
    data = rec.read_bytes()
    header, records = records_of(rec)
    first = len(MAGIC) + len(encode_record(header))  # byte of the first record after it
    tenth = first + sum(len(r) for r in records[:10])
    flipped = bytearray(data)
    flipped[tenth + 12] ^= 0x10  # inside the 11th record's body
    length = bytearray(data)
    length[first] ^= 0x40  # the first record's length: 64 bytes more than it has
    return {
        "bit flip": (bytes(flipped), f"damaged at byte {tenth}: a record's CRC"),
        "length field": (bytes(length), f"damaged at byte {first}: "),
        "junk appended": (data + b"\x00\x17garbage, not a record" * 3, "damaged at byte"),
        "huge tick": (
            MAGIC
            + encode_record(header)
            + b"".join(records[:10])
            + encode_record({"k": "tick", "tick": 10**15, "d": b"x" * 16})
            + b"".join(records[10:]),
            "tick 1000000000000000 where tick",
        ),
    }


@pytest.mark.parametrize("variant", ["bit flip", "length field", "junk appended", "huge tick"])
def test_damage_is_named_after_the_intact_part_is_used(rec, tmp_path, capsys, variant):
    data, message = damaged_variants(rec)[variant]
    rec.write_bytes(data)
    rc, out, err = cli(["replay", str(rec), "--verify"], capsys)
    assert rc == 2 and message in err and err.count("\n") == 1, (out, err)
    assert "every tick matches before the damage" in out or variant == "length field"
    rc, out, err = cli(["aar", str(rec), "-o", str(tmp_path / "aar")], capsys)
    assert rc == 2 and message in err and err.count("\n") == 1
    assert (tmp_path / "aar" / "report.html").is_file()  # the review of the intact part


def test_a_bit_flip_keeps_the_records_before_it(rec):
    data, _ = damaged_variants(rec)["bit flip"]
    rec.write_bytes(data)
    loaded = load_recording(rec)
    assert loaded.last_tick > 5 and loaded.damage is not None
    with pytest.raises(RecordingError, match="damaged at byte"):
        loaded.check()


def test_a_torn_last_record_is_still_only_a_warning(rec, capsys):
    rec.write_bytes(rec.read_bytes()[:-5])
    rc, out, _ = cli(["replay", str(rec), "--verify"], capsys)
    assert rc == 0 and "verified 59 ticks" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, r: h["config"].update(screen_aspect=0), "screen_aspect 0"),
        (lambda h, r: h["config"].update(tick_hz=10**9), "tick_hz 1000000000"),
        (lambda h, r: h["config"].update(size="big"), "size 'big'"),
        (lambda h, r: h["config"].update(levels={"master": [1]}), "levels"),
        (lambda h, r: h.update(config=[1, 2]), "config is not a table"),
        (lambda h, r: h.update(pack=5), "pack is not a folder path"),
        (lambda h, r: h.update(extra=b"\x00bytes"), "not plain data"),
        (lambda h, r: r.insert(0, encode_record({"k": "tick", "d": b"x" * 16})), "tick None"),
        (
            lambda h, r: r.insert(
                0,
                encode_record(
                    {"k": "input", "tick": 1, "type": "KeyPress", "f": {"t_s": 0.0, "key": [1]}}
                ),
            ),
            "bad KeyPress: field 'key' is not str",
        ),
        (
            lambda h, r: r.insert(
                0,
                encode_record(
                    {
                        "k": "input",
                        "tick": 1,
                        "type": "Shot",
                        "f": {"t_s": 0.0, "x_norm": True, "y_norm": 0.5},
                    }
                ),
            ),
            "bad Shot: field 'x_norm' is not float",
        ),
        (
            lambda h, r: r.insert(
                0, encode_record({"k": "input", "tick": 1, "type": ["KeyPress"], "f": {}})
            ),
            "unknown input event",
        ),
    ],
    ids=[
        "aspect-0",
        "tick_hz-huge",
        "size-str",
        "levels-list",
        "config-list",
        "pack-int",
        "header-bytes",
        "no-tick",
        "unhashable-key",
        "bool-as-float",
        "type-list",
    ],
)
def test_type_confused_fields_are_one_line_errors(rec, capsys, change, message):
    header, records = records_of(rec)
    change(header, records)
    rewrite(rec, header, records)
    rc, out, err = cli(["replay", str(rec), "--verify"], capsys)
    assert rc == 2 and message in err and err.count("\n") == 1, (out, err)


def test_the_camera_side_file_rule_is_the_engines():
    from engine.trainee_camera import camera_path

    assert camera_side_file(Path("/x/s.rec")) == camera_path(Path("/x/s.rec"))


def test_what_a_record_may_expand_to_is_bounded(tmp_path):
    """A record of many nested empty tables once decoded to 70 times its size; lists and
    tables are now bounded in length and a record in bytes."""
    body = msgpack.packb({"k": "out", "x": [[]] * 5000})
    with pytest.raises(RecordingError, match="not a Sightline record"):
        from sim.recording import read_recording

        head = len(body).to_bytes(4, "little") + __import__("zlib").crc32(body).to_bytes(
            4, "little"
        )
        read_recording(io.BytesIO(MAGIC + head + body), "x.rec")
    assert MAX_RECORD == 64 << 10


def test_20_mib_of_valid_records_stay_within_memory(rec, tmp_path):
    """Measured in a subprocess: peak resident memory growth while verifying 20 MiB of
    valid records of the most expanding kind a record may be (issue 14: 1.5 GB)."""
    header, records = records_of(rec)
    out_rec = encode_record({"k": "out", "tick": 1, "x": [[{} for _ in range(60)]] * 200})
    body = b"".join(records[:5])
    n = (20 << 20) // len(out_rec)
    big = tmp_path / "big.rec"
    rewrite(big, header, [body, out_rec * n])
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from tools.recordings import load_recording\n"
        "load_recording(Path(sys.argv[2]))  # imports and the pack, before measuring\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "rec = load_recording(Path(sys.argv[1]))\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(big), str(rec)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) < 40, f"{out.stdout.strip()} MiB for 20 MiB of records"


# -- fuzz: any mutation ends, with 0, 1 or a one-line error --------------------------------

MUTATION = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 7)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=40), st.just(0)),
    st.tuples(st.just("splice"), st.integers(0, 10**6), st.binary(min_size=1, max_size=12)),
)


def mutate(data: bytes, mutations) -> bytes:
    buf = bytearray(data)
    for kind, a, b in mutations:
        if kind == "flip" and buf:
            buf[a % len(buf)] ^= 1 << b
        elif kind == "cut":
            del buf[a % (len(buf) + 1) :]
        elif kind == "append":
            buf += a
        elif kind == "splice" and buf:
            i = a % len(buf)
            buf[i : i + len(b)] = b
    return bytes(buf)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_recordings_end_cleanly(rec, tmp_path, mutations):
    data = mutate(rec.read_bytes(), mutations)  # rec itself stays whole
    bad = tmp_path / "m.rec"
    bad.write_bytes(data)
    err = io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        from contextlib import redirect_stderr

        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = main(["replay", str(bad), "--verify"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert rc in (0, 1, 2)
    if rc == 2:
        assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("sightline: error: ")
