"""`sightline bench render --json` gives the keys issue 20 names, and the renderer's own
bound beside them. A smoke run at 320x180: the figures are not asserted (benchmarks are
not tests), only that each is there and is a positive number."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.render


def test_bench_render_json_has_the_ratio_and_its_ceiling():
    proc = run_cli(
        "bench",
        "render",
        "--sizes",
        "320x180",
        "--repeats",
        "1",
        "--seconds",
        "0.5",
        "--json",
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    (size,) = got["sizes"]
    assert size["size"] == "320x180"
    for key in ("decode_fps", "pipeline_fps", "ratio", "fill_fps", "ceiling_ratio"):
        assert size[key] > 0, (key, size)
    assert size["ceiling_ratio"] <= 1.0
    assert "fill-only" in proc.stderr  # the table says what the ceiling is


@pytest.mark.parametrize("source", ["planes", "bgr"])
def test_bench_theater_json_says_what_it_uploaded(source):
    args = ["bench", "theater", "--size", "320x180", "--frames", "3", "--repeats", "1"]
    proc = run_cli(*args, "--source", source, "--json", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["source"] == source and got["size"] == "320x180"
    assert [r["screens"] for r in got["rows"]] == [1, 3, 5]
    assert all(r["fps"] > 0 for r in got["rows"]) and got["rows"][0]["cost_ratio"] == 1.0
