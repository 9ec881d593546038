"""Sightline Studio's server without a browser: the token, the API on a real uvicorn
server, saving that keeps the file right, frames by index, and the command line."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.triggers import TRIGGERS
from tests.conftest import read_frame_code
from tools.studio import library as library_mod
from tools.studio import manifest
from tools.studio.frames import ClipReader
from tools.studio.server import build_app, trigger_forms
from tools.web import ServerThread, free_port, guarded, new_token

PACKS = Path(__file__).resolve().parents[2] / "content" / "packs"
ROOT = Path(__file__).resolve().parents[2]


class Client:
    def __init__(self, port: int, token: str | None):
        self.port, self.token = port, token

    def __call__(self, method: str, path: str, body=None, raw: bytes | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Sightline-Token": self.token} if self.token else {}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        conn.close()
        if r.getheader("content-type", "").startswith("application/json"):
            return r.status, json.loads(payload)
        return r.status, payload


@pytest.fixture
def served(tmp_path):
    """A Studio on a copy of the bundled packs (tests may change them)."""
    lib = tmp_path / "lib"
    shutil.copytree(PACKS, lib)
    token, port = new_token(), free_port()
    app = build_app(lib)
    with ServerThread(guarded(app, token, port, "127.0.0.1"), port=port):
        yield lib, Client(port, token), Client(port, None)
    for run in app.state.studio.runs:  # a test that started `sightline run` ends it
        run.kill()
        run.wait(10)


def test_every_request_without_the_token_is_refused(served):
    _, _, anonymous = served
    for method, path in (
        ("GET", "/"),
        ("GET", "/api/library"),
        ("GET", "/api/packs/demo"),
        ("GET", "/api/packs/demo/frame?clip=media/approach.mp4&i=0"),
        ("POST", "/api/packs"),
        ("PUT", "/api/packs/demo"),
        ("GET", "/static/app.js"),
    ):
        status, body = anonymous(method, path)
        assert status == 403 and b"token" in body, (method, path)


def test_the_library_lists_the_bundled_packs_with_their_metadata_and_lint(served):
    _, client, _ = served
    status, packs = client("GET", "/api/library")
    assert status == 200
    by_id = {p["id"]: p for p in packs}
    assert set(by_id) == {"crisis", "demo", "intervene", "range"}
    assert by_id["demo"]["title"] == "Demo: the doorway"
    assert by_id["demo"]["meta"]["category"] == "use-of-force"
    assert by_id["intervene"]["meta"]["subjects"][0]["role"] == "partner officer"
    assert all(p["errors"] == 0 for p in packs)
    status, jpeg = client("GET", "/api/packs/demo/thumb")
    assert status == 200 and jpeg[:2] == b"\xff\xd8"


def test_the_trigger_forms_come_from_the_registry():
    forms = {f["kind"]: f for f in trigger_forms()}
    assert set(forms) == set(TRIGGERS)
    fields = {k: {f["key"]: f for f in v["fields"]} for k, v in forms.items()}
    assert fields["key"]["key"]["required"] and not fields["key"]["label"]["required"]
    assert fields["time"]["at"]["type"] == "number"
    assert fields["hit"]["weapon"]["options"] == ["firearm", "cew", "oc"]
    assert fields["action"]["action"]["type"] == "choice"
    assert fields["said"]["phrases"]["type"] == "list"
    assert fields["end"] == {}


def test_saving_keeps_comments_and_order_and_a_backup(served):
    lib, client, _ = served
    before = (lib / "demo" / "scenario.toml").read_text()
    status, d = client("GET", "/api/packs/demo")
    model = d["model"]
    model["title"] = "Demo: the doorway, edited"
    model["segments"]["approach"]["transitions"][0]["label"] = "Complies at once"
    status, r = client("PUT", "/api/packs/demo", {"model": model, "digest": d["digest"]})
    assert status == 200, r
    after = (lib / "demo" / "scenario.toml").read_text()
    assert tomllib.loads(after) == model
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 2  # two values; every comment, blank line and order kept
    assert (lib / "demo" / "scenario.toml.bak").read_text() == before
    assert r["digest"] == manifest.digest(after)


def test_saving_refuses_a_file_changed_on_disk_since_it_was_opened(served):
    lib, client, _ = served
    status, d = client("GET", "/api/packs/demo")
    path = lib / "demo" / "scenario.toml"
    path.write_text(path.read_text() + "\n# edited by hand meanwhile\n")
    edited = path.read_text()
    d["model"]["title"] = "mine"
    status, r = client("PUT", "/api/packs/demo", {"model": d["model"], "digest": d["digest"]})
    assert status == 409 and "changed on disk" in r["error"]
    assert path.read_text() == edited  # nothing lost


def test_draft_lint_reports_the_unsaved_model_without_writing(served):
    lib, client, _ = served
    _status, d = client("GET", "/api/packs/demo")
    d["model"]["segments"]["approach"]["transitions"][0]["to"] = "nowhere"
    before = (lib / "demo" / "scenario.toml").read_text()
    _, r = client("POST", "/api/packs/demo/lint", {"model": d["model"]})
    errors = [f for f in r["findings"] if f["level"] == "error"]
    assert errors and errors[0]["where"] == "segments.approach.transitions[0].to"
    assert errors[0]["line"]  # linked to its line in the draft
    assert (lib / "demo" / "scenario.toml").read_text() == before


def test_paths_cannot_leave_the_pack_or_the_library(served, tmp_path):
    lib, client, _ = served
    (tmp_path / "secret.mp4").write_bytes(b"x")
    for path in (
        "/api/packs/demo/frame?clip=../../secret.mp4&i=0",
        "/api/packs/demo/frame?clip=/etc/passwd&i=0",
        "/api/packs/..%2Fdemo",
    ):
        status, r = client("GET", path)
        assert status in (400, 404), path
    # a manifest that is a link out of the pack is not written through
    outside = tmp_path / "elsewhere.toml"
    shutil.copy(lib / "demo" / "scenario.toml", outside)
    status, d = client("GET", "/api/packs/demo")
    (lib / "demo" / "scenario.toml").unlink()
    (lib / "demo" / "scenario.toml").symlink_to(outside)
    original = outside.read_text()
    d["model"]["title"] = "through the link"
    status, r = client("PUT", "/api/packs/demo", {"model": d["model"], "digest": d["digest"]})
    assert status == 400 and "not a plain file inside the pack" in r["error"]
    assert outside.read_text() == original


def test_frames_are_served_exactly_by_index(fixture_pack):
    reader = ClipReader(fixture_pack / "media" / "b.mp4")
    assert reader.info.frames == 60
    for i in (0, 37, 5, 6, 59, 12, 13, 14):
        assert read_frame_code(reader.frame(i)) == ("b", i)
    reader.close()


def test_a_new_pack_from_an_upload_and_the_upload_limit(served, fixture_pack, monkeypatch):
    lib, client, _ = served
    clip = (fixture_pack / "media" / "a.mp4").read_bytes()
    status, r = client("POST", "/api/uploads?name=../x.sh", raw=b"#!/bin/sh")
    assert status == 400
    status, r = client("POST", "/api/uploads?name=door%20one.mp4", raw=clip)
    assert status == 200, r
    status, made = client("POST", "/api/packs", {"name": "door", "uploads": [r["upload"]]})
    assert status == 200, made
    assert (lib / "door" / "media" / "door-one.mp4").read_bytes() == clip
    assert not any((lib / ".studio-uploads").iterdir())  # the staging copy is gone
    monkeypatch.setattr(library_mod, "MAX_UPLOAD_BYTES", 1000)
    status, r = client("POST", "/api/uploads?name=big.mp4", raw=clip)
    assert status == 400 and "upload limit" in r["error"]
    assert not any((lib / ".studio-uploads").iterdir())
    status, r = client("POST", "/api/packs", {"name": "door", "paths": [str(fixture_pack)]})
    assert status == 400 and "already" in r["error"]


def test_the_preview_runs_the_draft_with_the_real_runtime(served):
    _, client, _ = served
    status, d = client("GET", "/api/packs/demo")
    status, r = client("POST", "/api/packs/demo/preview", {"model": d["model"]})
    assert status == 200 and r["state"]["segment"] == "approach"
    sid = r["sid"]
    keys = {k["key"]: k["to"] for k in r["state"]["keys"]}
    status, st = client("POST", f"/api/preview/{sid}/step", {"ticks": 3, "events": []})
    assert st["tick"] == 3
    key = next(iter(keys))
    status, st = client(
        "POST", f"/api/preview/{sid}/step", {"ticks": 1, "events": [{"type": "key", "key": key}]}
    )
    assert st["segment"] == keys[key] and "approach -> " in st["log"][-1]


def test_sightline_studio_prints_its_url_first_and_serves_the_library():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "studio",
            "content/packs",
            "--no-browser",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith(f"Studio at http://127.0.0.1:{port}/?token="), first
        token = first.rsplit("=", 1)[1]
        # the socket listens before the URL is printed: no waiting, no retrying
        status, packs = Client(port, token)("GET", "/api/library")
        assert status == 200 and {p["id"] for p in packs} == {
            "crisis",
            "demo",
            "intervene",
            "range",
        }
        assert Client(port, None)("GET", "/")[0] == 403
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_guidebook_is_saved_beside_the_manifest_with_its_backup(served):
    lib, client, _ = served
    guide = lib / "demo" / "guidebook.md"
    before = guide.read_text()
    _, d = client("GET", "/api/packs/demo")
    assert d["guidebook"] == before
    body = {
        "model": d["model"],
        "digest": d["digest"],
        "guidebook": before + "\n## Added in Studio\n- a point\n",
        "guidebook_digest": d["guidebook_digest"],
    }
    status, r = client("PUT", "/api/packs/demo", body)
    assert status == 200, r
    assert guide.read_text().endswith("## Added in Studio\n- a point\n")
    assert (lib / "demo" / "guidebook.md.bak").read_text() == before


def test_a_broken_pack_is_listed_with_its_error(served):
    lib, client, _ = served
    (lib / "broken").mkdir()
    (lib / "broken" / "scenario.toml").write_text("format_version = 1\ntitle = [\n")
    status, packs = client("GET", "/api/library")
    assert status == 200
    broken = next(p for p in packs if p["id"] == "broken")
    assert broken["errors"] == 1 and "TOML syntax" in broken["broken"]
    assert client("GET", "/api/packs/broken/thumb")[0] == 404
    status, r = client("GET", "/api/packs/broken")
    assert status == 400 and "TOML syntax" in r["error"]


def test_run_on_the_range_starts_sightline_run_on_the_saved_pack_once(served):
    lib, client, _ = served
    status, r = client("POST", "/api/packs/demo/run", {})
    assert status == 200 and r["started"] == f"sightline run {(lib / 'demo').resolve()}"
    status, r = client("POST", "/api/packs/demo/run", {})
    assert status == 400 and "still going" in r["error"]
