"""The policy library (issue 15 item 6): Markdown policies with front matter and PDFs by
their sidecar, read like untrusted data (bounded, no links followed, one problem per
broken file); links from rubric items and guidebooks resolved, linted, and shown on the
station's guidebook panel."""

from __future__ import annotations

import os

import pytest

from content.lint import lint_pack
from content.policies import (
    MAX_MD_BYTES,
    MAX_PASSAGE_CHARS,
    SAMPLES_DIR,
    PolicyError,
    guidebook_refs,
    load_library,
)

GOOD = """+++
id = "uof"
title = "Use of Force"
agency = "Test Agency"
effective = 2025-01-01
tags = ["use-of-force"]
+++
# Use of Force
## 3 Force
### 3.2 Deadly force
Only against an imminent threat.
### 3.3 Stop {#stop}
Stop when the threat stops.
```
## 9 not a heading inside a fence
```
## 4 Intervene
Intervene.
"""


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_sections_are_numbered_headings_and_run_to_the_next_of_their_level(tmp_path):
    lib = load_library([write(tmp_path / "p", "uof.md", GOOD)])
    assert lib.problems == []
    uof = lib.policies["uof"]
    assert [s.id for s in uof.sections] == ["", "3", "3.2", "stop", "4"]
    assert "imminent" in uof.section("3").text and "Stop when" in uof.section("3").text
    assert "Stop when" not in uof.section("3.2").text
    assert "9 not a heading" in uof.section("stop").text  # fenced: not a section
    p = lib.resolve("uof#3.2")
    assert p.heading == "Use of Force §3.2 Deadly force" and "imminent" in p.excerpt()
    assert lib.resolve("uof#stop").heading == "Use of Force §3.3 Stop"
    assert lib.resolve("uof").section is None
    assert "no section '9'" in lib.why_not("uof#9")
    assert "no policy 'nope'" in lib.why_not("nope#1")
    assert "not a policy link" in lib.why_not("use of force")


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.md", "# no front matter\n", "no front matter"),
        ("b.md", "+++\nid = 'b'\ntitle = 'B'\n", "no closing"),
        ("c.md", "+++\nid = 'c'\n+++\n", "a title is required"),
        ("d.md", "+++\nid = 'd'\ntitle = 'D'\nrun = 'rm -rf /'\n+++\n", "unknown key 'run'"),
        ("e.md", "+++\nid = '../etc'\ntitle = 'E'\n+++\n", "id '../etc'"),
        (
            "f.md",
            "+++\nid = 'f'\ntitle = 'F'\n+++\n## 1 a\n## 1 b\n",
            "two sections are numbered 1",
        ),
        ("g.md", "+++\n[" + "a." * 100 + "a]\n+++\n", "more than 64 dotted parts"),
        ("h.md", b"+++\nid = 'h'\xff\n+++\n", "not UTF-8"),
        ("i.md", "+++\nid = 'i'\ntitle = 'I'\n+++\n" + "x" * (MAX_MD_BYTES + 1), "over"),
        ("j.pdf", b"%PDF-1.4", "needs a sidecar j.pdf.toml"),
    ],
)
def test_a_broken_policy_file_is_one_problem_and_the_rest_loads(tmp_path, name, text, problem):
    folder = write(tmp_path / "p", "uof.md", GOOD)
    if isinstance(text, bytes):
        (folder / name).write_bytes(text)
    else:
        (folder / name).write_text(text)
    lib = load_library([folder])
    assert list(lib.policies) == ["uof"]
    (line,) = lib.problems
    assert line.startswith(str(folder / name)) and problem in line, line


def test_links_fifos_and_control_characters_are_refused_or_dropped(tmp_path):
    folder = write(tmp_path / "p", "uof.md", GOOD.replace("Intervene.", "Inter\x1b[31mvene\u202e."))
    (folder / "link.md").symlink_to(folder / "uof.md")
    os.mkfifo(folder / "fifo.md")  # read without bounds this would block forever
    (folder / "long.md").write_text(
        "+++\nid = 'long'\ntitle = 'L'\n+++\n## 1 Long\n" + "word " * 5000
    )
    lib = load_library([folder])
    assert sorted(lib.policies) == ["long", "uof"]
    assert any("link.md" in p and "symbolic link" in p for p in lib.problems)
    assert any("fifo.md" in p for p in lib.problems)
    assert "\x1b" not in lib.resolve("uof#4").text and "\u202e" not in lib.resolve("uof#4").text
    assert len(lib.resolve("long#1").text) <= MAX_PASSAGE_CHARS


def test_a_pdf_is_its_sidecar_title_and_pages_never_parsed(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "gen-orders.pdf").write_bytes(b"%PDF-1.7 not really parsed")
    (folder / "gen-orders.pdf.toml").write_text(
        'id = "go"\ntitle = "General Orders"\ntags = ["orders"]\n'
        '[[sections]]\nid = "300.4"\ntitle = "Deadly force"\npage = 12\n'
        'text = "Deadly force only against an imminent threat."\n'
        '[[sections]]\nid = "300.5"\ntitle = "Warning shots"\npage = 14\n'
    )
    lib = load_library([folder])
    assert lib.problems == []
    p = lib.resolve("go#300.4")
    assert p.heading == "General Orders §300.4 Deadly force, p. 12"
    assert "imminent" in p.text and lib.resolve("go#300.5").text == ""
    (folder / "bad.pdf").write_bytes(b"%PDF")
    (folder / "bad.pdf.toml").write_text('id = "bad"\ntitle = "B"\n[[sections]]\nid = "1"\n')
    assert any("page" in x for x in load_library([folder]).problems)


def test_the_library_comes_from_the_flag_then_the_environment_then_the_samples(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SIGHTLINE_POLICIES", raising=False)
    samples = load_library()
    assert samples.folders == (SAMPLES_DIR,) and samples.problems == []
    assert all(p.sample and "SAMPLE" in p.title for p in samples.policies.values())
    assert "(SAMPLE" in samples.resolve("use-of-force#3.2").heading
    mine = write(tmp_path / "mine", "uof.md", GOOD)
    monkeypatch.setenv("SIGHTLINE_POLICIES", str(mine))
    assert list(load_library().policies) == ["uof"]
    with pytest.raises(PolicyError, match="no such policy folder"):
        load_library([tmp_path / "missing"])


def test_lint_with_a_library_reports_links_it_cannot_resolve(pack, tmp_path):
    (pack / "guide.md").write_text(
        "## Training points\n- Commands first [policy: uof#3.2, uof#7]\n"
    )
    manifest = pack / "scenario.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[meta]\nguidebook = "guide.md"\n[rubric]\n[[rubric.items]]\nid = "v"\n'
        'label = "V"\npolicy = ["uof#3.3", "uof#4"]\n'
        'anchors = { 1 = "none" }\n'
    )
    assert [f for f in lint_pack(pack) if "policy" in f.where] == []  # no library: form only
    lib = load_library([write(tmp_path / "p", "uof.md", GOOD)])
    found = [f for f in lint_pack(pack, lib) if f.level == "error"]
    assert [(f.where, f.message.split(" (")[0]) for f in found] == [
        ("rubric.items[0].policy[0]", "policy 'uof' has no section '3.3'"),
        ("policy", "policy 'uof' has no section '7'"),
    ]
    assert found[0].line is not None and found[1].file.endswith("guide.md") and found[1].line == 2
    assert guidebook_refs((pack / "guide.md").read_text()) == ["uof#3.2", "uof#7"]


def test_the_guidebook_panel_shows_the_linked_passages(tmp_path):
    pytest.importorskip("panda3d")
    from engine.instructor_texts import training_points
    from sim.rubric import Rubric, RubricItem

    lib = load_library([write(tmp_path / "p", "uof.md", GOOD)])
    guide = "# G\n## Training points\n- Hands first [policy: uof#3.2]\n## Tactical\n- x\n"
    rubric = Rubric((RubricItem("stop", "Stop", policy=("uof#stop", "uof#3.2")),))
    text = training_points(guide, lib, rubric)
    assert text.startswith("- Hands first (policy uof#3.2)")
    assert "POLICY" in text and "Tactical" not in text
    assert text.index("§3.2 Deadly force") < text.index("§3.3 Stop")  # guidebook's first
    assert "Only against an imminent threat." in text
    assert text.count("§3.2") == 1
    assert training_points(guide, None, rubric) == "- Hands first (policy uof#3.2)"


@pytest.mark.parametrize("folder", ["demo", "crisis", "intervene"])
def test_the_bundled_packs_rubrics_link_the_sample_policies(folder):
    """Each bundled pack's rubric items name passages of the bundled sample policies; lint
    with that library finds every one, and the station's G panel quotes them."""
    pytest.importorskip("panda3d")
    from content import PACKS_DIR
    from content.pack import load_pack
    from engine.instructor_texts import training_points

    pack = load_pack(PACKS_DIR / folder)
    refs = list(dict.fromkeys(r for it in pack.scenario.rubric.items for r in it.policy))
    assert refs, f"{folder}: no rubric item links a policy"
    lib = load_library([SAMPLES_DIR])
    assert [f for f in lint_pack(PACKS_DIR / folder, policies=lib) if "polic" in f.message] == []
    assert len(lib.passages(refs)) == len(refs)  # each link found
    assert "POLICY" in training_points(pack.guidebook_text(), lib, pack.scenario.rubric)
