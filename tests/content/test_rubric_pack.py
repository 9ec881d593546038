"""A pack's rubric: `[rubric]` and `[[rubric.items]]` load into sim.rubric types, every
bad value is one located error (all of them under lint), and lint finds rules measuring
from cues no segment has."""

from __future__ import annotations

from pathlib import Path

import pytest

from content import PACKS_DIR
from content.lint import lint_pack
from content.pack import PackError, load_pack
from sim.rubric_rules import NoShootHits, Reaction, ShotsAfter, VerbalBeforeShot

RUBRIC = """
[[segments.b.cues]]
name = "threat down"
t = 0.5

[rubric]
pass_level = 4

[[rubric.items]]
id = "verbal-commands"
label = "Verbal commands"
rule = { kind = "verbal-before-shot" }
anchors = { 1 = "No commands", 4 = "Clear, but late", 7 = "Clear, early, repeated" }

[[rubric.items]]
id = "force-decision"
label = "Force decision"
critical = true
rule = { kind = "no-shoot-hits", levels = [7, 2, 1] }

[rubric.items.anchors]
1 = "Shoots the bystander"
7 = "Only the threat"

[[rubric.items]]
id = "stop"
label = "Stops when the threat stops"
weight = 2
rule = { kind = "shots-after", cue = "threat down" }
anchors = { 7 = "Stops" }

[[rubric.items]]
id = "cover"
label = "Use of cover"
anchors = { 7 = "Uses the door frame" }
"""


def with_rubric(pack: Path, rubric: str = RUBRIC) -> Path:
    manifest = pack / "scenario.toml"
    manifest.write_text(manifest.read_text() + rubric)
    return pack


def line_of(pack: Path, text: str) -> int:
    lines = (pack / "scenario.toml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_rubric_loads_with_its_scale_items_anchors_and_rules(pack):
    rubric = load_pack(with_rubric(pack)).scenario.rubric
    assert rubric.pass_level == 4 and (rubric.scale.low, rubric.scale.high) == (1, 7)
    assert [it.id for it in rubric.items] == ["verbal-commands", "force-decision", "stop", "cover"]
    verbal, force, stop, cover = rubric.items
    assert verbal.anchors == {1: "No commands", 4: "Clear, but late", 7: "Clear, early, repeated"}
    assert verbal.rule == VerbalBeforeShot() and verbal.automatic
    assert force.rule == NoShootHits((7, 2, 1)) and force.critical
    assert force.anchors == {1: "Shoots the bystander", 7: "Only the threat"}  # a sub-table
    assert stop.rule == ShotsAfter("threat down", (7, 1)) and stop.weight == 2.0
    assert cover.rule is None and not cover.automatic
    assert [f for f in lint_pack(pack) if f.where.startswith("rubric")] == []


def test_a_pack_without_a_rubric_has_none(pack):
    assert load_pack(pack).scenario.rubric is None


def test_a_scale_of_its_own(pack):
    with_rubric(
        pack,
        """
[rubric]
scale = [0, 4]
names = { 0 = "novice", 2 = "competent", 4 = "expert" }
bands = [
  { name = "fail", from = 0, to = 1, acceptable = false },
  { name = "pass", from = 2, to = 4 },
]
comment_required = [0]

[[rubric.items]]
id = "react"
label = "Reaction"
rule = { kind = "reaction", cue = "x", response = "any", levels_s = [0.5, 1, 2] }
anchors = { 0 = "None", 4 = "At once" }
""",
    )
    rubric = load_pack(pack).scenario.rubric
    scale = rubric.scale
    assert scale.describe(3) == "3 pass, competent" and scale.needs_comment(0)
    assert not scale.needs_comment(4) and rubric.pass_level == 2
    assert rubric.items[0].rule == Reaction("x", (0.5, 1.0, 2.0), "any")


BAD = [
    ('anchors = { 7 = "Uses the door frame" }', 'anchors = { 9 = "Too good" }',
     "rubric.items[3].anchors.9: level 9 is outside the scale (1-7)"),
    ('id = "cover"', 'id = "stop"', "rubric.items[3].id: 'stop' is already the id of items[2]"),
    ('kind = "shots-after"', 'kind = "magic"', "rubric.items[2].rule.kind: 'magic' is not one of"),
    ('cue = "threat down" }', 'cue = "threat down", levls = [7, 1] }',
     "rubric.items[2].rule: unknown key 'levls'"),
    ("levels = [7, 2, 1]", "levels = [7, 2, 0]",
     "rubric.items[1].rule.levels[2]: 0 is outside the scale"),
    ("levels = [7, 2, 1]", 'levels = "seven"', "rubric.items[1].rule.levels: expected a list"),
    ("pass_level = 4", "pass_level = 9", "rubric.pass_level: 9 is outside the scale"),
    ("pass_level = 4", "pass = 4", "rubric: unknown key 'pass'"),
    ('label = "Use of cover"', 'label = "Use of cover"\npolicies = ["x"]',
     "rubric.items[3]: unknown key 'policies'"),
    ('label = "Use of cover"', 'label = "Use of cover"\npolicy = "x"',
     "rubric.items[3].policy: expected a list"),
    ('label = "Use of cover"', 'label = "Use of cover"\npolicy = ["use of force#4"]',
     "rubric.items[3].policy[0]: 'use of force#4' is not a policy link"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD, ids=[m for _, _, m in BAD])
def test_each_bad_value_is_one_located_error(pack, old, new, message):
    with_rubric(pack, RUBRIC.replace(old, new, 1))
    with pytest.raises(PackError) as err:
        load_pack(pack)
    assert message in str(err.value)
    assert str(err.value).startswith(f"{pack / 'scenario.toml'}:")


def test_lint_reports_every_bad_item_and_keeps_the_good_ones(pack):
    bad = (
        RUBRIC.replace('anchors = { 7 = "Uses the door frame" }', 'anchors = { 0 = "x" }')
        .replace('id = "cover"', 'id = "stop"')  # the same item: both errors are its
        .replace("levels = [7, 2, 1]", "levels = [7, 2, 8]")
    )
    with_rubric(pack, bad)
    errors = [f for f in lint_pack(pack) if f.level == "error"]
    assert [f.where for f in errors] == [
        "rubric.items[1].rule.levels[2]",
        "rubric.items[3].anchors.0",
    ]
    assert errors[1].line == line_of(pack, 'anchors = { 0 = "x" }')
    rubric = load_pack(pack, collect=True).scenario.rubric
    assert [it.id for it in rubric.items] == ["verbal-commands", "stop"]


def test_lint_finds_a_rule_cue_no_segment_has_and_items_without_anchors(pack):
    with_rubric(pack, RUBRIC.replace('cue = "threat down" }', 'cue = "threat dwon" }'))
    manifest = pack / "scenario.toml"
    manifest.write_text(manifest.read_text().replace('anchors = { 7 = "Stops" }\n', ""))
    findings = [
        (f.level, f.where, f.line, f.message)
        for f in lint_pack(pack)
        if f.where.startswith("rubric")
    ]
    assert findings == [
        (
            "error",
            "rubric.items[2].rule",
            line_of(pack, 'cue = "threat dwon"'),
            "no segment has a cue named 'threat dwon' (known: threat down): the rule could "
            "never score",
        ),
        (
            "warning",
            "rubric.items[2].anchors",
            line_of(pack, 'id = "stop"') - 1,
            "no behaviour anchors: the instructor scores it without a description",
        ),
    ]


@pytest.mark.parametrize("folder", ["demo", "crisis", "intervene"])
def test_every_bundled_pack_has_a_rubric_with_anchored_items(folder):
    rubric = load_pack(PACKS_DIR / folder).scenario.rubric
    assert rubric is not None and len(rubric.items) >= 4
    assert all(it.anchors and min(it.anchors) == 1 and max(it.anchors) == 7 for it in rubric.items)
    assert any(it.automatic for it in rubric.items) and any(not it.automatic for it in rubric.items)
    assert any(it.critical for it in rubric.items)
