"""The worked example in docs/scenario-format.md is a valid pack."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from content.lint import lint_pack
from content.pack import load_pack
from tests.conftest import write_clip, write_wav

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"


def test_worked_example_loads_and_lints_clean(tmp_path):
    example = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S).group(1)
    (tmp_path / "scenario.toml").write_text(example)
    (tmp_path / "guidebook.md").write_text("# Guide\n")
    (tmp_path / "media").mkdir()
    for clip in re.findall(r'clip = "(media/[^"]+)"', example):
        write_clip(tmp_path / clip, (0, 0, 200), [i / 10 for i in range(100)], (160, 90))
    (tmp_path / "sounds").mkdir()
    for sound in re.findall(r'file = "(sounds/[^"]+\.wav)"', example):
        write_wav(tmp_path / sound, np.zeros(4800))
    pack = load_pack(tmp_path)
    assert pack.scenario.sounds["dispatch"].label == "Dispatch: vehicle stolen"
    assert pack.scenario.levels["distractor"] == 60
    assert [s.sound for s in pack.scenario.segments["window"].sounds] == ["siren"]
    assert pack.meta.category == "use-of-force" and pack.meta.subjects[0].role == "driver"
    assert [f for f in lint_pack(tmp_path) if f.level == "error"] == []
    kinds = {tr.trigger.kind for s in pack.scenario.segments.values() for tr in s.transitions}
    assert kinds == {"key", "time", "hit"}
    rubric = pack.scenario.rubric
    assert [it.id for it in rubric.items] == [
        "verbal-commands",
        "threat-recognition",
        "force-decision",
        "stop-when-threat-stops",
    ]
    assert rubric.items[1].anchors[7] == "Responds within half a second"
    assert [it.rule.kind for it in rubric.items if it.rule] == [
        "reaction",
        "no-shoot-hits",
        "shots-after",
    ]
    assert [f for f in lint_pack(tmp_path) if f.where.startswith("rubric")] == []
