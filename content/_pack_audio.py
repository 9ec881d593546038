"""Reading a pack's own sounds (`[sounds.NAME]`: a file inside the pack, its bus and
label) and its `[audio]` table (starting levels, the report of each weapon kind).

Internal to content/pack.py's load_pack; imports content and sim only.
"""

from __future__ import annotations

from pathlib import Path

from content.media import SOUND_SUFFIXES, MediaError, probe_sound
from content.pack_manifest import _ID, MAX_SOUNDS, _Doc, _inside
from sim.events import WEAPON_KINDS
from sim.sounds import BUILTIN_SOUNDS, BUSES, DEFAULT_LEVELS, DEFAULT_REPORTS, LEVELS, SoundDef


def _audio(
    doc: _Doc, root: Path, data: dict, probe: bool
) -> tuple[dict[str, SoundDef], dict[str, int], dict[str, str]]:
    """The pack's own sounds (`[sounds.NAME]`), and `[audio]`: starting levels and the
    report of each weapon kind."""
    table = doc.get(data, "sounds", "", dict, {})
    if len(table) > MAX_SOUNDS:
        raise doc.fail("sounds", f"{len(table)} sounds, over {MAX_SOUNDS}")
    sounds = dict(BUILTIN_SOUNDS)
    for name, spec in table.items():
        sound = doc.attempt(_sound_def, doc, root, name, spec, probe)
        if sound is not None:
            sounds[name] = sound
    audio = doc.get(data, "audio", "", dict, {})
    unknown = set(audio) - {*LEVELS, "reports"}
    if unknown:
        raise doc.fail(
            "audio", f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(LEVELS)}, reports)"
        )
    levels = dict(DEFAULT_LEVELS)
    for control in LEVELS:
        pct = doc.get(audio, control, "audio", int, levels[control])
        if isinstance(pct, bool) or not 0 <= pct <= 100:
            raise doc.fail(f"audio.{control}", "a level is a whole percent, 0-100")
        levels[control] = pct
    reports = dict(DEFAULT_REPORTS)
    rtable = doc.get(audio, "reports", "audio", dict, {})
    for kind, name in rtable.items():
        if kind not in WEAPON_KINDS:
            raise doc.fail(f"audio.reports.{kind}", f"must be one of {', '.join(WEAPON_KINDS)}")
        if not isinstance(name, str) or name not in sounds:
            raise doc.fail(f"audio.reports.{kind}", f"no sound named {name!r}")
        reports[kind] = name
    return sounds, levels, reports


def _sound_def(doc: _Doc, root: Path, name: str, spec: object, probe: bool) -> SoundDef:
    w = f"sounds.{name}"
    if not _ID.match(name) or len(name) > 32:
        raise doc.fail(w, "sound names are 1-32 letters, digits, '_' or '-'")
    if not isinstance(spec, dict):
        raise doc.fail(w, "expected a table with file, and optionally bus and label")
    unknown = set(spec) - {"file", "bus", "label"}
    if unknown:
        raise doc.fail(w, f"unknown key {sorted(unknown)[0]!r} (expected file, bus, label)")
    rel = doc.get(spec, "file", w, str)
    path = _inside(doc, root, rel, f"{w}.file", SOUND_SUFFIXES)
    if probe:
        try:
            probe_sound(path)
        except MediaError as exc:
            raise doc.fail(f"{w}.file", str(exc)) from None
    return SoundDef(
        name,
        doc.choice(spec, "bus", w, BUSES[1:], "distractor"),
        doc.get(spec, "label", w, str, name),
        rel,
    )
