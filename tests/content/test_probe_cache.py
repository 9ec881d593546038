"""Issue 20: a clip probed once is answered from the cache while unchanged, and probed
again (an error when damaged) once it changes."""

from __future__ import annotations

import json

import pytest

from content import media
from tests.conftest import write_clip


def test_an_unchanged_clip_is_answered_from_the_cache_and_a_changed_one_is_probed(
    tmp_path, monkeypatch
):
    cache = tmp_path / "probe.json"
    monkeypatch.setenv(media.CACHE_ENV, str(cache))
    clip = tmp_path / "a.mp4"
    write_clip(clip, (40, 90, 160), [i / 30 for i in range(30)])
    first = media.probe_media(clip)
    assert cache.is_file() and len(json.loads(cache.read_text())) == 1
    probed = []
    monkeypatch.setattr(media, "_probe", lambda p: probed.append(p))
    assert media.probe_media(clip) == first and probed == []  # from the cache
    monkeypatch.undo()
    monkeypatch.setenv(media.CACHE_ENV, str(cache))
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])  # truncated
    with pytest.raises(media.MediaError):
        media.probe_media(clip)
    assert len(json.loads(cache.read_text())) == 1  # failures are not remembered


def test_the_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv(media.CACHE_ENV, "")
    clip = tmp_path / "a.mp4"
    write_clip(clip, (40, 90, 160), [i / 30 for i in range(30)])
    assert media.probe_media(clip).duration_s > 0
