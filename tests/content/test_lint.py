"""`sightline lint` finds each planted fault, and every bundled pack lints clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from content import PACKS_DIR
from content.lint import lint_pack
from tests.conftest import edit
from tools.cli import main

BUNDLED = sorted(d for d in PACKS_DIR.iterdir() if (d / "scenario.toml").exists())


@pytest.mark.parametrize("pack", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_pack_lints_clean(pack):
    assert lint_pack(pack) == []


def messages(pack: Path) -> list[str]:
    return [str(f) for f in lint_pack(pack) if f.level == "error"]


def test_fixture_pack_has_no_errors(pack):
    assert messages(pack) == []


def test_deleted_clips_are_all_reported_with_their_lines(pack):
    (pack / "media" / "b.mp4").unlink()
    (pack / "media" / "c.mp4").unlink()
    errs = messages(pack)
    assert len(errs) == 2
    assert all("file not found in the pack" in e for e in errs)
    assert any("scenario.toml:26: segments.b.clip" in e for e in errs)


def test_undecodable_clip(pack):
    (pack / "media" / "c.mp4").write_bytes(b"not a video at all" * 100)
    assert any("segments.c.clip" in e and "not a readable video" in e for e in messages(pack))


def test_dangling_transition(pack):
    edit(pack, 'to = "b"', 'to = "nowhere"')
    (err,) = messages(pack)
    assert "segments.a.transitions[0].to: no segment named 'nowhere'" in err
    assert "scenario.toml:12:" in err  # the `to = ` line


def test_truncated_manifest(pack):
    text = (pack / "scenario.toml").read_text()
    (pack / "scenario.toml").write_text(text[: len(text) // 2])
    (err,) = messages(pack)
    assert "TOML syntax" in err or "missing" in err


def test_unreachable_segment(pack):
    edit(pack, '[[segments.a.transitions]]\non = "key"\nkey = "3"\nto = "c"\n', "")
    edit(pack, 'on = "end"\nto = "c"', 'on = "end"\nto = "b"')
    assert any("segments.c: unreachable" in e for e in messages(pack))


def test_dead_end_and_no_reachable_ending(pack):
    edit(pack, "ending = true\n[[segments.b.zones]]", "[[segments.b.zones]]")
    assert any("segments.b: dead end" in e for e in messages(pack))
    edit(
        pack,
        '[segments.b]\nclip = "media/b.mp4"\n',
        '[segments.b]\nclip = "media/b.mp4"\nloop = true\n[[segments.b.transitions]]\n'
        'on = "key"\nkey = "1"\nto = "b"\n',
    )
    assert any("segments.b: no ending can be reached" in e for e in messages(pack))


def test_clashing_hotkeys(pack):
    edit(pack, 'key = "3"', 'key = "2"')
    (err,) = messages(pack)
    assert "segments.a.transitions[1].key: key 2 is already used by transitions[0]" in err


def test_keyframe_outside_its_clip(pack):
    edit(pack, "{ t = 1.0,", "{ t = 7.5,")
    (err,) = messages(pack)
    assert "segments.b.zones[0].keys[1].t: 7.5 s is outside the segment" in err


def test_cue_outside_its_clip(pack):
    edit(pack, "[segments.b]\n", '[segments.b]\ncues = [{ name = "late", t = 9.0 }]\n')
    (err,) = messages(pack)
    assert "segments.b.cues[0].t: 9.0 s is outside" in err


def test_missing_metadata_is_a_warning_not_an_error(pack):
    levels = {(f.level, f.where) for f in lint_pack(pack)}
    assert ("warning", "meta.category") in levels
    assert all(level == "warning" for level, _ in levels)


def test_cli_exit_codes_and_json(pack, capsys):
    assert main(["lint", str(BUNDLED[0])]) == 0
    (pack / "media" / "a.mp4").unlink()
    capsys.readouterr()
    assert main(["lint", "--json", str(pack), str(BUNDLED[0])]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in out] == [False, True]
    finding = next(f for f in out[0]["findings"] if f["level"] == "error")
    assert finding["where"] == "segments.a.clip" and finding["line"] == 7


def test_a_clip_without_sound_is_a_warning_not_an_error(pack, sync_pack):
    silent = [f for f in lint_pack(pack) if "no audio track" in str(f)]
    assert {f.where for f in silent} == {"segments.a.clip", "segments.b.clip", "segments.c.clip"}
    assert all(f.level == "warning" for f in silent)
    assert not [f for f in lint_pack(sync_pack) if "no audio track" in str(f)]


def test_a_deleted_clip_is_named_and_its_zone_times_are_not_blamed(pack):
    # issue 14: lint said "1.2 s is outside the segment (0.0..1.0)" and never named the clip
    edit(pack, "{ t = 1.0,", "{ t = 1.2,")
    (pack / "media" / "b.mp4").unlink()
    (err,) = messages(pack)
    assert "segments.b.clip: 'media/b.mp4': file not found in the pack" in err


def test_every_error_is_reported_in_one_pass(pack):
    edit(pack, 'to = "b"', 'to = "nowhere"')  # segment a
    edit(pack, 'key = "3"', 'key = "2"')  # segment a again: a second, separate problem
    edit(pack, 'role = "threat"', 'role = "villain"')  # segment b
    edit(pack, "[segments.c]\n", '[segments.c]\ncues = [{ name = "late", t = 9.0 }]\n')
    edit(pack, 'start = "a"', 'start = "a"\n[meta]\ncategory = "cooking"')
    (pack / "media" / "c.mp4").unlink()
    errs = messages(pack)
    expected = [
        "meta.category: 'cooking' is not one of",
        "segments.a.transitions[0].to: no segment named 'nowhere'",
        "segments.a.transitions[1].key: key 2 is already used by transitions[0]",
        "segments.b.zones[0].role: 'villain' is not one of",
        "segments.c.clip: 'media/c.mp4': file not found in the pack",
    ]
    for text in expected:
        assert sum(text in e for e in errs) == 1, (text, errs)
    assert len(errs) == len(expected), errs
    # the cue of the clipless segment is not judged against a made-up end
    assert not any("cues[0]" in e for e in errs)


def test_cues_outside_two_segments_are_both_reported(pack):
    edit(pack, "[segments.b]\n", '[segments.b]\ncues = [{ name = "late", t = 9.0 }]\n')
    edit(
        pack,
        "[segments.c]\n",
        '[segments.c]\ncues = [{ name = "x", t = 0.5 }, { name = "later", t = 8.0 }]\n',
    )
    errs = messages(pack)
    assert len(errs) == 2
    assert any("segments.b.cues[0].t: 9.0 s is outside" in e for e in errs)
    assert any("segments.c.cues[1].t: 8.0 s is outside" in e for e in errs)


def test_duplicate_zone_names_in_a_segment(pack):
    edit(pack, 'name = "mover"', 'name = "left"')  # another segment: fine
    assert messages(pack) == []
    edit(
        pack,
        "[segments.c]\n",
        '[[segments.b.zones]]\nname = "left"\nrole = "cover"\n'
        "polygon = [[0, 0], [0.1, 0], [0.1, 0.1]]\n\n[segments.c]\n",
    )
    (err,) = messages(pack)
    assert "segments.b.zones[1].name: 'left' is already the name of zones[0]" in err
    assert "scenario.toml:37:" in err  # its name line


def test_todo_labels_left_by_new_are_warnings(pack):
    edit(pack, 'label = "to b"', 'label = "TODO: what happens"')
    (todo,) = [f for f in lint_pack(pack) if "placeholder" in f.message]
    assert todo.level == "warning" and todo.where == "segments.a.transitions[0].label"
    assert todo.line == 11


def test_keys_the_loader_never_reads_are_warned_about(pack):
    """A misspelt key was ignored without a word: `poitns = 5` left the zone's points at
    0, `lable` left a transition unlabelled, `strat` left the start to the default."""
    edit(pack, 'start = "a"', 'start = "a"\nstrat = "b"')
    edit(pack, 'label = "to b"', 'lable = "to b"')
    edit(pack, 'role = "no-shoot"', 'role = "no-shoot"\npoitns = 5')
    edit(pack, "{ t = 1.0, polygon", "{ t = 1.0, tt = 2, polygon")
    found = [(f.level, f.where, f.line) for f in lint_pack(pack) if "not used" in f.message]
    assert found == [
        ("warning", "strat", 5),
        ("warning", "segments.a.transitions[0].lable", 12),
        ("warning", "segments.a.zones[0].poitns", 24),
        ("warning", "segments.b.zones[0].keys[1].tt", 33),
    ], found
    lines = (pack / "scenario.toml").read_text().splitlines()
    assert [lines[n - 1].split()[0] for _, _, n in found] == ["strat", "lable", "poitns", "keys"]
    edit(pack, 'clip = "media/c.mp4"', 'clip = "media/missing.mp4"')  # an error: no guesses
    assert not [f for f in lint_pack(pack) if "not used" in f.message]


def test_an_error_in_a_segment_or_meta_brings_no_false_knock_on_findings(pack):
    """A segment left out for its own error made every transition to it 'no segment
    named', and a bad meta key made category and summary 'missing' (both were there)."""
    edit(pack, '[segments.b]\nclip = "media/b.mp4"', '[segments.b]\nclip = "media/b.mp4"\nin = -5')
    edit(
        pack,
        'title = "fixture"',
        'title = "fixture"\n[meta]\ncategory = "judgement"\nsummary = "s"\nguidebook = "../x.md"',
    )
    edit(pack, 'start = "a"\n', "")
    edit(pack, 'title = "fixture"', 'title = "fixture"\nstart = "a"')
    found = lint_pack(pack)
    errors = [f.where for f in found if f.level == "error"]
    assert errors == ["meta.guidebook", "segments.b"], found
    assert "segments.b:" in str(found[1]) and "in" in found[1].message
    assert not [f for f in found if f.where in ("meta.category", "meta.summary")], found


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (
            ("[segments.a]\n", "[meta]\nduration_s = -15\n\n[segments.a]\n"),
            "meta.duration_s",
            "0 to 24 h",
        ),
        (
            (
                'clip = "media/c.mp4"',
                'clip = "media/c.mp4"\nviews = [{ label = "v", clip = "media/a.mp4", in = 1e12 }]',
            ),
            "segments.c.views[0].in",
            "past the clip's end",
        ),
        (
            ('role = "no-shoot"', 'role = "no-shoot"\nkeys = [{ t = 0.0, polygon = [] }]'),
            "segments.a.zones[0].keys",
            "a polygon or keys, not both",
        ),
    ],
)
def test_values_once_accepted_without_a_word(pack, change, where, says):
    edit(pack, *change)
    errors = [f for f in lint_pack(pack) if f.level == "error"]
    assert [(f.where, says in f.message) for f in errors] == [(where, True)], errors


def test_a_toml_syntax_error_has_its_line_in_the_json(pack):
    (pack / "scenario.toml").write_text((pack / "scenario.toml").read_text() + "x = = 1\n")
    (finding,) = lint_pack(pack)
    assert finding.line == len((pack / "scenario.toml").read_text().splitlines())
