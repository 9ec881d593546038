"""Sounds in a pack: its own files, scheduled sounds, levels and reports; every mistake
one line naming the file, line and key path; files bounded and kept inside the pack."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from content.media import MAX_SOUND_S
from content.pack import PackError, load_pack
from tests.conftest import SYNC_RATE, write_wav


@pytest.fixture
def spack(tmp_path, sync_pack):
    dst = tmp_path / "pack"
    shutil.copytree(sync_pack, dst)
    return dst


def append(pack, text: str):
    path = pack / "scenario.toml"
    path.write_text(path.read_text() + text)
    return pack


def test_pack_sounds_levels_and_reports_load(spack):
    text = (spack / "scenario.toml").read_text()
    text = text.replace(
        "[segments.b]", '[[segments.a.sounds]]\nsound = "mark"\nt = 1.0\n\n[segments.b]'
    )
    text += '\n[audio]\nmaster = 90\ndistractor = 50\n[audio.reports]\nfirearm = "rifle"\n'
    (spack / "scenario.toml").write_text(text)
    sc = load_pack(spack).scenario
    assert sc.sounds["mark"].file == "sounds/mark.wav" and sc.sounds["mark"].bus == "distractor"
    assert "siren" in sc.sounds  # the bundled sounds are there too
    assert sc.levels == {"master": 90, "scenario": 100, "effects": 80, "distractor": 50}
    assert sc.reports["firearm"] == "rifle"
    assert [(s.sound, s.t_s) for s in sc.segments["a"].sounds] == [("mark", 1.0)]


@pytest.mark.parametrize(
    "extra, expected",
    [
        (
            '\n[sounds.x]\nfile = "../outside.wav"\n',
            "sounds.x.file: '../outside.wav' must be a path inside",
        ),
        (
            '\n[sounds.x]\nfile = "sounds/none.wav"\n',
            "sounds.x.file: 'sounds/none.wav': file not found",
        ),
        (
            '\n[sounds.x]\nfile = "sounds/mark.exe"\n',
            "sounds.x.file: 'sounds/mark.exe' must end in",
        ),
        (
            '\n[sounds.x]\nfile = "sounds/mark.wav"\nbus = "loud"\n',
            "sounds.x.bus: 'loud' is not one of effects, distractor",
        ),
        ('\n[sounds.x]\nfile = "sounds/mark.wav"\ncode = "rm"\n', "sounds.x: unknown key 'code'"),
        ("\n[audio]\nmaster = 120\n", "audio.master: a level is a whole percent, 0-100"),
        ("\n[audio]\nbass = 10\n", "audio: unknown key 'bass'"),
        (
            '\n[audio.reports]\nfirearm = "cannon"\n',
            "audio.reports.firearm: no sound named 'cannon'",
        ),
        ('\n[audio.reports]\nbow = "pistol"\n', "audio.reports.bow: must be one of"),
    ],
)
def test_sound_mistakes_get_one_line_naming_where(spack, extra, expected):
    append(spack, extra)
    with pytest.raises(PackError) as err:
        load_pack(spack)
    msg = str(err.value)
    assert expected in msg and "\n" not in msg
    assert msg.startswith(f"{spack / 'scenario.toml'}:")


def test_a_scheduled_sound_must_exist_and_fall_inside_its_segment(spack):
    text = (spack / "scenario.toml").read_text()
    bad = text.replace(
        "[segments.b]", '[[segments.a.sounds]]\nsound = "meow"\nt = 1.0\n\n[segments.b]'
    )
    (spack / "scenario.toml").write_text(bad)
    with pytest.raises(PackError, match=r"segments\.a\.sounds\[0\]\.sound: no sound named 'meow'"):
        load_pack(spack)
    late = text.replace(
        "[segments.b]", '[[segments.a.sounds]]\nsound = "dog"\nt = 9.0\n\n[segments.b]'
    )
    (spack / "scenario.toml").write_text(late)
    with pytest.raises(PackError, match=r"segments\.a\.sounds\[0\]\.t: 9.0 s is outside"):
        load_pack(spack)


def test_sound_files_are_bounded_and_must_decode(spack):
    write_wav(spack / "sounds" / "long.wav", np.zeros(int((MAX_SOUND_S + 1) * 8000)), rate=8000)
    append(spack, '\n[sounds.long]\nfile = "sounds/long.wav"\n')
    with pytest.raises(PackError, match=r"sounds\.long\.file: .*duration .* out of bounds"):
        load_pack(spack)
    (spack / "sounds" / "long.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(PackError, match=r"sounds\.long\.file: .*not a readable sound"):
        load_pack(spack)


def test_a_symlinked_sound_leading_out_of_the_pack_is_refused(spack, tmp_path):
    outside = write_wav(tmp_path / "secret.wav", np.zeros(SYNC_RATE // 10))
    os.symlink(outside, spack / "sounds" / "link.wav")
    append(spack, '\n[sounds.link]\nfile = "sounds/link.wav"\n')
    with pytest.raises(PackError, match="leads outside the pack"):
        load_pack(spack)
