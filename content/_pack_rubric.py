"""Reading a pack's `[rubric]` table: the scale, its bands, proficiency names, the levels
that need a comment, the pass level, and `[[rubric.items]]` with their rules (sim/rubric.py
checks them; each RubricError becomes a located PackError here).

Internal to content/pack.py's load_pack; imports content and sim only.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from content.pack_manifest import (
    _ID,
    NUM,
    _Doc,
    _Fields,
    _policy_links,
    _raise,
    _unknown_keys,
)
from sim.rubric import MAX_ITEMS as MAX_RUBRIC_ITEMS
from sim.rubric import Rubric, RubricItem
from sim.rubric_rules import RULE_KINDS, RULES, RuleFieldError
from sim.rubric_scale import Band, RubricError, Scale

RUBRIC_KEYS = ("scale", "bands", "names", "comment_required", "pass_level", "items")
ITEM_KEYS = ("id", "label", "anchors", "rule", "weight", "critical", "policy")
_LEVEL_KEY = re.compile(r"^-?[0-9]{1,3}$")


def _rubric_checked(doc: _Doc, fn: Any, *args: Any) -> Any:
    """fn(*args) with a RubricError (which starts with its key path) as a located
    PackError."""
    try:
        return fn(*args)
    except RubricError as exc:
        where, _, msg = str(exc).partition(": ")
        raise doc.fail(where, msg) from None


def _level_table(doc: _Doc, table: dict, where: str) -> dict[int, str]:
    """{1 = "text", 7 = "text"}: levels (TOML keys are text) to short text."""
    out = {}
    for key in table:
        if not _LEVEL_KEY.match(key):
            raise doc.fail(f"{where}.{key}", "keys are levels of the scale (1, 2, ... 7)")
        out[int(key)] = doc.get(table, key, where, str)
    return out


def _whole_levels(doc: _Doc, table: dict, key: str, where: str) -> list[int] | None:
    raw = doc.get(table, key, where, list, None)
    if raw is not None and not all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        raise doc.fail(f"{where}.{key}", "expected a list of whole levels")
    return raw


def _scale(doc: _Doc, table: dict) -> Scale:
    w = "rubric"
    span = _whole_levels(doc, table, "scale", w) or [1, 7]
    if len(span) != 2:
        raise doc.fail("rubric.scale", "expected [lowest, highest], e.g. [1, 7]")
    bands = []
    for i, raw in enumerate(doc.get(table, "bands", w, list, [])):
        bw = f"rubric.bands[{i}]"
        if not isinstance(raw, dict):
            raise doc.fail(bw, "expected a table with name, from, to and acceptable")
        _unknown_keys(doc, raw, bw, ("name", "from", "to", "acceptable"))
        bands.append(
            Band(
                doc.get(raw, "name", bw, str),
                doc.get(raw, "from", bw, int),
                doc.get(raw, "to", bw, int),
                doc.get(raw, "acceptable", bw, bool, True),
            )
        )
    required = _whole_levels(doc, table, "comment_required", w)
    scale = Scale(
        span[0],
        span[1],
        tuple(bands),
        _level_table(doc, doc.get(table, "names", w, dict, {}), "rubric.names"),
        None if required is None else frozenset(required),
    )
    _rubric_checked(doc, scale.validate)
    return scale


def _rubric_item(doc: _Doc, raw: object, where: str, scale: Scale) -> RubricItem:
    if not isinstance(raw, dict):
        raise doc.fail(where, "expected a table with id, label and anchors")
    _unknown_keys(doc, raw, where, ITEM_KEYS)
    item_id = doc.get(raw, "id", where, str)
    if not _ID.match(item_id):
        raise doc.fail(f"{where}.id", "item ids are 1-64 letters, digits, '_' or '-'")
    rule = None
    rule_table = doc.get(raw, "rule", where, dict, None)
    if rule_table is not None:
        rw = f"{where}.rule"
        kind = RULES.get(doc.choice(rule_table, "kind", rw, RULE_KINDS))
        allowed = ("kind", *(f.name for f in dataclasses.fields(kind)))
        _unknown_keys(doc, rule_table, rw, allowed)
        try:
            rule = kind.parse(_Fields(doc, rule_table, rw), scale)
        except RuleFieldError as exc:  # a parameter of the wrong shape
            raise doc.fail(f"{rw}.{exc.key}", exc.msg) from None
    weight = doc.get(raw, "weight", where, NUM, 1.0)
    item = RubricItem(
        item_id,
        doc.get(raw, "label", where, str),
        _level_table(doc, doc.get(raw, "anchors", where, dict, {}), f"{where}.anchors"),
        rule,
        weight,
        doc.get(raw, "critical", where, bool, False),
        _policy_links(doc, raw, where),
    )
    _rubric_checked(doc, item.validate, scale, where)
    return item


def _rubric(doc: _Doc, data: dict) -> Rubric | None:
    """`[rubric]` (the scale, bands, proficiency names, levels needing a comment, the pass
    level) and `[[rubric.items]]`; None when the pack has none. Each item is checked
    against the scale here, so lint reports every bad item and keeps the good ones."""
    table = doc.get(data, "rubric", "", dict, None)
    if table is None:
        return None
    _unknown_keys(doc, table, "rubric", RUBRIC_KEYS)
    scale = _scale(doc, table)
    raw_items = doc.get(table, "items", "rubric", list, [])
    if not raw_items:
        raise doc.fail("rubric.items", "a rubric needs at least one item ([[rubric.items]])")
    if len(raw_items) > MAX_RUBRIC_ITEMS:
        raise doc.fail("rubric.items", f"{len(raw_items)} items, over {MAX_RUBRIC_ITEMS}")
    items: list[RubricItem] = []
    first: dict[str, int] = {}
    for i, raw in enumerate(raw_items):
        where = f"rubric.items[{i}]"
        item = doc.attempt(_rubric_item, doc, raw, where, scale)
        if item is None:
            continue
        if item.id in first:
            doc.attempt(
                _raise,
                doc.fail(
                    f"{where}.id", f"{item.id!r} is already the id of items[{first[item.id]}]"
                ),
            )
            continue
        first[item.id] = i
        items.append(item)
    pass_level = doc.get(table, "pass_level", "rubric", int, None)
    rubric = Rubric(tuple(items), scale, pass_level)
    _rubric_checked(doc, rubric.validate)
    return rubric
