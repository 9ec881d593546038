"""Property: whatever a pack's manifest holds, loading it either succeeds or raises one
PackError, a single line that names the manifest. Never another exception, never a hang.

Two generators: structured mutations of a valid manifest (a value anywhere replaced by
any TOML value, keys dropped), and raw damage to its text (truncation, spliced bytes).
"""

from __future__ import annotations

import json
import math
import shutil
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.pack import PackError, load_pack

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"


def dump(doc: dict) -> str:
    return "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items()) + "\n"


scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["a", "b", "c", "media/a.mp4", "../x.mp4", "key", "hit", "end", "threat", "1", "2"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths_of(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths_of(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths_of(v, (*prefix, i))


def mutate(doc, path, new, drop):
    if not path:
        return new if isinstance(new, dict) else doc
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


@pytest.fixture
def pack(tmp_path_factory, fixture_pack):
    dst = tmp_path_factory.mktemp("fuzz") / "pack"
    shutil.copytree(fixture_pack, dst)
    return dst


def check(pack, text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    (pack / "scenario.toml").write_bytes(data)
    try:
        load_pack(pack)
    except PackError as exc:
        msg = str(exc)
        assert "\n" not in msg and msg.startswith(str(pack)), msg


@SETTINGS
@given(data=st.data())
def test_structured_mutations_give_a_pack_or_one_clear_error(pack, data):
    from tests.conftest import FIXTURE_MANIFEST

    doc = tomllib.loads(FIXTURE_MANIFEST)
    all_paths = list(paths_of(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(all_paths))
        try:
            doc = mutate(doc, path, data.draw(values), data.draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
        all_paths = list(paths_of(doc))
    check(pack, dump(doc))


@SETTINGS
@given(cut=st.integers(0, 1400), splice=st.binary(max_size=24), at=st.integers(0, 1400))
def test_damaged_text_gives_a_pack_or_one_clear_error(pack, cut, splice, at):
    from tests.conftest import FIXTURE_MANIFEST

    raw = FIXTURE_MANIFEST.encode()
    raw = raw[:cut] if cut < len(raw) else raw
    check(pack, raw[:at] + splice + raw[at:])
