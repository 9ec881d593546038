"""`sightline graph` and `sightline catalog` on the bundled packs."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import cv2

from content import PACKS_DIR
from content.pack import load_pack
from tools.cli import main


def test_graph_svg_names_every_segment_and_trigger(tmp_path):
    out = tmp_path / "g.svg"
    assert main(["graph", str(PACKS_DIR / "crisis"), "-o", str(out)]) == 0
    root = ET.parse(out).getroot()  # well-formed
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    pack = load_pack(PACKS_DIR / "crisis")
    assert set(pack.scenario.segments) <= texts
    assert {
        "[1] Calms down",
        "no shot by 5 s",
        "action: verbal-command",
        "hit on threat (oc)",
    } <= texts


def test_graph_png_is_drawn(tmp_path):
    out = tmp_path / "g.png"
    assert main(["graph", str(PACKS_DIR / "demo"), "-o", str(out)]) == 0
    img = cv2.imread(str(out))
    assert img is not None and img.shape[1] > 1000
    assert (img < 200).mean() > 0.02  # boxes, lines and text, not a blank page


def test_graph_rejects_other_formats(tmp_path, capsys):
    assert main(["graph", str(PACKS_DIR / "demo"), "-o", str(tmp_path / "g.gif")]) == 2
    assert ".svg or .png" in capsys.readouterr().err


def test_catalog_lists_and_filters(capsys):
    assert main(["catalog", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["pack"] for r in rows} == {"demo", "crisis", "intervene"}
    assert all(r["status"] == "ok" for r in rows)
    assert main(["catalog", "--where", "category=de-escalation", "--format", "csv"]) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["pack"] == "crisis" and row["light"] == "night"
    assert (
        main(
            ["catalog", "--where", "gender=male", "--where", "setting=outdoor", "--format", "json"]
        )
        == 0
    )
    assert {r["pack"] for r in json.loads(capsys.readouterr().out)} == {"demo", "intervene"}


def test_catalog_makeup_counts_subjects_and_categories(capsys):
    assert main(["catalog", "--makeup", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["packs"] == 3
    assert report["makeup"]["gender"] == {"female": 1, "male": 3}
    assert sum(report["makeup"]["category"].values()) == 3


def test_catalog_reports_broken_packs_and_bad_filters(tmp_path, capsys):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "scenario.toml").write_text("format_version = 1\n")
    assert main(["catalog", str(tmp_path), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"].startswith("broken:") and "title: missing" in row["status"]
    assert main(["catalog", "--where", "colour=red"]) == 2
    assert "KEY one of" in capsys.readouterr().err
