"""A trigger kind is one class (issue 13): a kind added to sim.triggers.TRIGGERS is parsed
from a pack, validated, fired by the runtime, shown by the station and drawn in the branch
graph with nothing else touched. The kind here waits for a flag the instructor raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from content.lint import lint_pack
from content.pack import PackError, load_pack
from sim.events import Flag, KeyPress
from sim.runtime import ScenarioRuntime
from sim.scenario import ScenarioError
from sim.triggers import TRIGGER_KINDS, TRIGGERS, TriggerBase
from tests.conftest import edit


@dataclass(frozen=True)
class FlaggedTrigger(TriggerBase):
    """The instructor raises a flag whose note starts with `note`."""

    note: str
    kind: ClassVar[str] = "flagged"
    station: ClassVar[str] = "trainee"
    colour: ClassVar[tuple[int, int, int]] = (150, 0, 150)

    @classmethod
    def parse(cls, fields):
        return cls(fields.get("note", str))

    def validate(self, seg, where: str) -> None:
        if not self.note:
            raise ScenarioError(f"{where}.note: must not be empty")

    def describe(self) -> str:
        return f"flag '{self.note}'"

    def on_input(self, event) -> bool:
        return isinstance(event, Flag) and event.note.startswith(self.note)


@pytest.fixture
def flagged(monkeypatch):
    monkeypatch.setitem(TRIGGERS, "flagged", FlaggedTrigger)


def with_flag_transition(pack, note: str):
    return edit(
        pack,
        '[[segments.a.transitions]]\non = "end"',
        f'[[segments.a.transitions]]\non = "flagged"\nnote = "{note}"\nto = "b"\n\n'
        '[[segments.a.transitions]]\non = "end"',
    )


def test_the_built_in_kinds_are_the_table():
    assert TRIGGER_KINDS == ("key", "end", "time", "hit", "shot", "no-shot", "action", "said")
    for kind, cls in TRIGGERS.items():
        assert cls.kind == kind and cls.station in ("key", "countdown", "trainee")


def test_a_new_kind_is_one_class(flagged, pack):
    loaded = load_pack(with_flag_transition(pack, "hands"))
    (tr,) = [t for t in loaded.scenario.segments["a"].transitions if t.trigger.kind == "flagged"]
    assert tr.trigger == FlaggedTrigger("hands")
    assert [f for f in lint_pack(pack) if f.level == "error"] == []
    rt = ScenarioRuntime(loaded.scenario, 120)
    rt.step([Flag(0.01, "other")])
    assert rt.state.segment == "a"
    rt.step([Flag(0.02, "hands shown")])
    assert rt.state.segment == "b"
    assert (rt.branches[-1].kind, rt.branches[-1].trigger) == ("flagged", "flag 'hands'")
    # the branch graph draws it in its own colour, with its own label
    from tools.graph import layout

    _, edges, _ = layout(loaded)
    assert [(e.label, e.colour) for e in edges if e.label.startswith("flag")] == [
        ("flag 'hands'", (150, 0, 150))
    ]


def test_a_new_kinds_validation_and_an_unknown_kind_are_line_numbered_errors(flagged, pack):
    with pytest.raises(PackError, match=r"transitions\[2\]\.note: must not be empty"):
        load_pack(with_flag_transition(pack, ""))


def test_an_unknown_kind_names_every_kind_there_is(pack):
    with pytest.raises(PackError, match=r"unknown trigger 'flagged'.*key, end, time"):
        load_pack(with_flag_transition(pack, "hands"))


def test_keys_still_branch_and_flags_do_not_without_the_kind(pack):
    rt = ScenarioRuntime(load_pack(pack).scenario, 120)
    rt.step([Flag(0.01, "hands")])
    assert rt.state.segment == "a"
    rt.step([KeyPress(0.02, "2")])
    assert rt.state.segment == "b"
