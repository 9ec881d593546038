"""The pack loader: the demo pack loads, and every broken pack gets one clear line."""

from __future__ import annotations

import os
import shutil

import pytest

from content import DEMO_PACK
from content.pack import PackError, load_pack
from content.pack_manifest import MAX_MANIFEST_BYTES
from tests.conftest import FIXTURE_MANIFEST, edit


def test_demo_pack_loads_with_at_least_three_branches_from_the_start():
    pack = load_pack(DEMO_PACK)
    sc = pack.scenario
    start = sc.segments[sc.start]
    keys = [t for t in start.transitions if t.trigger.kind == "key"]
    assert len(keys) >= 3
    assert all(info.codec == "h264" for info in pack.media.values())
    assert sum(p.stat().st_size for p in (DEMO_PACK / "media").iterdir()) < 5 * 1024**2


@pytest.mark.parametrize("folder", ["demo", "crisis", "intervene", "range"])
def test_shipped_packs_match_their_generator(folder):
    from content import PACKS_DIR
    from tools.make_demo import PACKS, manifest

    spec = next(p for p in PACKS if p.folder == folder)
    assert (PACKS_DIR / folder / "scenario.toml").read_text() == manifest(spec)
    assert (PACKS_DIR / folder / "guidebook.md").read_text() == spec.guidebook


def test_bundled_packs_together_use_every_trigger_kind():
    from content import PACKS_DIR
    from sim.triggers import TRIGGER_KINDS

    used = {
        tr.trigger.kind
        for d in PACKS_DIR.iterdir()
        if (d / "scenario.toml").exists()
        for seg in load_pack(d).scenario.segments.values()
        for tr in seg.transitions
    }
    assert used == set(TRIGGER_KINDS)


def test_fixture_pack_segment_out_defaults_to_clip_duration(fixture_pack):
    seg = load_pack(fixture_pack).scenario.segments["a"]
    assert seg.out_s == pytest.approx(2.0, abs=0.04)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('to = "b"', 'to = "bb"', "segments.a.transitions[0].to: no segment named 'bb'"),
        ('key = "3"', 'key = "2"', "segments.a.transitions[1].key: key 2 is already used"),
        ('on = "end"', 'on = "teleport"', "segments.a.transitions[2].on: unknown trigger"),
        ('clip = "media/b.mp4"', 'clip = "../../etc/passwd.mp4"', "must be a path inside the pack"),
        ('clip = "media/b.mp4"', 'clip = "/etc/passwd.mp4"', "must be a path inside the pack"),
        ('clip = "media/b.mp4"', 'clip = "media/missing.mp4"', "file not found in the pack"),
        ('clip = "media/b.mp4"', 'clip = "scenario.toml"', "must end in .mp4"),
        ('role = "threat"', 'role = "friend"', "segments.b.zones[0].role: 'friend' is not one of"),
        ("{ t = 1.0,", "{ t = 9.0,", "segments.b.zones[0].keys[1].t: 9.0 s is outside"),
        (
            "format_version = 1",
            "format_version = 7",
            "format_version: this Sightline reads version 1",
        ),
        ('start = "a"', "start = 3", "start: expected a string, got int"),
        ("ending = true", 'ending = "yes"', "segments.b.ending: expected true or false"),
        (
            '[[segments.a.transitions]]\non = "key"\nkey = "2"',
            '[[segments.a.transitions]]\non = "key',
            "TOML syntax",
        ),
    ],
)
def test_broken_manifest_gives_one_line_naming_file_and_key_path(pack, old, new, expected):
    edit(pack, old, new)
    with pytest.raises(PackError) as err:
        load_pack(pack)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(pack / "scenario.toml")) or msg.startswith(str(pack))
    assert expected in msg


def test_toml_syntax_error_names_the_line(pack):
    edit(pack, 'title = "fixture"', 'title = "fixture')
    with pytest.raises(PackError, match=r"line \d+"):
        load_pack(pack)


def test_symlink_out_of_the_pack_is_refused(pack, tmp_path, vfr_clip):
    outside = tmp_path / "outside.mp4"
    shutil.copy(vfr_clip[0], outside)
    os.symlink(outside, pack / "media" / "link.mp4")
    edit(pack, 'clip = "media/b.mp4"', 'clip = "media/link.mp4"')
    with pytest.raises(PackError, match="leads outside the pack"):
        load_pack(pack)


def test_corrupt_clip_is_named(pack):
    (pack / "media" / "b.mp4").write_bytes(b"\x00" * 4096)
    with pytest.raises(PackError, match=r"segments\.b\.clip: .*b\.mp4: not a readable video"):
        load_pack(pack)


def test_oversized_manifest_is_refused_before_parsing(pack):
    (pack / "scenario.toml").write_text("#" * (MAX_MANIFEST_BYTES + 1))
    with pytest.raises(PackError, match="over the"):
        load_pack(pack)


def test_missing_manifest_and_non_folder(tmp_path):
    with pytest.raises(PackError, match="not a scenario pack folder"):
        load_pack(tmp_path / "nothing")
    with pytest.raises(PackError, match="missing"):
        load_pack(tmp_path)


def test_nothing_in_the_manifest_is_executed(pack, tmp_path):
    marker = tmp_path / "pwned"
    text = FIXTURE_MANIFEST.replace(
        'title = "fixture"', f"title = \"__import__('os').system('touch {marker}')\""
    )
    (pack / "scenario.toml").write_text(text)
    assert "__import__" in load_pack(pack).scenario.title
    assert not marker.exists()
