"""Studio's TOML edits (tools/studio/manifest.py): only what changed is touched."""

from __future__ import annotations

import copy
import tomllib

from tools.studio.manifest import merge

TEXT = """# a pack written by hand
format_version = 1
title = "Hand made"   # keep this comment
start = "a"

[segments.a]
clip = "media/a.mp4"

# the first branch
[[segments.a.transitions]]
on = "key"
key = "1"
to = "b"

[[segments.a.transitions]]
on = "end"
to = "b"

[segments.b]
clip = "media/b.mp4"
ending = true
"""


def test_an_unchanged_model_gives_back_the_same_text():
    assert merge(TEXT, tomllib.loads(TEXT)) == TEXT


def test_a_changed_value_keeps_its_comment_and_everything_else():
    model = tomllib.loads(TEXT)
    model["title"] = "Edited"
    out = merge(TEXT, model)
    assert 'title = "Edited"   # keep this comment' in out
    assert out.replace('"Edited"', '"Hand made"') == TEXT


def test_items_added_and_removed_in_arrays_of_tables():
    model = tomllib.loads(TEXT)
    model["segments"]["a"]["transitions"].pop()  # the end transition
    model["segments"]["a"]["zones"] = [
        {
            "name": "z",
            "role": "threat",
            "keys": [
                {"t": 0.0, "polygon": [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]},
                {"t": 1.0, "polygon": [[0.3, 0.1], [0.4, 0.1], [0.4, 0.2]]},
            ],
        }
    ]
    model["segments"]["c"] = {"clip": "media/c.mp4", "ending": True}
    out = merge(TEXT, model)
    assert tomllib.loads(out) == model
    assert "# the first branch" in out and 'on = "end"' not in out
    assert "[[segments.a.zones]]" in out and "[segments.c]" in out
    # keyframes stay inline, one a line, not [[segments.a.zones.keys]] tables
    assert "zones.keys" not in out and "    {t = 0.0, polygon" in out
    back = copy.deepcopy(model)
    del back["segments"]["c"]
    del back["segments"]["a"]["zones"]
    assert tomllib.loads(merge(out, back)) == back
