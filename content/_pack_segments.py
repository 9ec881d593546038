"""Reading one `[segments.ID]` table of a pack: its clip (or a theater's clips, one per
screen), in and out, transitions, zones, cues, sounds, question, views and stress effects,
each checked and bounded (content/pack_manifest.py holds the limits and `_inside`), and
every clip probed once.

Internal to content/pack.py's load_pack; imports content and sim only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from content.media import VIDEO_SUFFIXES, MediaError, MediaInfo, probe_media
from content.pack_manifest import (
    _ID,
    MAX_CUES,
    MAX_POINTS,
    MAX_SCREEN_CLIPS,
    MAX_SEGMENT_SOUNDS,
    MAX_TRANSITIONS,
    MAX_VERTICES,
    MAX_VIEWS,
    MAX_ZONES,
    NUM,
    PackError,
    _Doc,
    _Fields,
    _inside,
    _policy_links,
    _unknown_keys,
)
from sim.community import PROMPT, Choice, Question
from sim.events import STRESS_EFFECTS
from sim.hit_zones import ROLES, Zone
from sim.scenario import Cue, Effect, Segment, SoundCue, Transition, View
from sim.triggers import TRIGGER_KINDS, TRIGGERS

QUESTION_KEYS = ("prompt", "at", "choices", "points", "policy", "discuss", "ask")


class _SegmentLoader:
    def __init__(
        self, doc: _Doc, root: Path, probe: bool, collect_media: bool, panorama: bool = False
    ):
        self.doc, self.root, self.probe, self.collect = doc, root, probe, collect_media
        self.panorama = panorama  # the pack has a [panorama] table: `clips` are allowed
        self.media: dict[str, MediaInfo] = {}
        self.problems: list[str] = []
        self._checked: set[str] = set()

    def segment(self, seg_id: str, table: dict, where: str) -> Segment:
        doc = self.doc
        screen_clips: tuple[str, ...] = ()
        if "clips" in table:  # a theater pack's clips, one per screen (docs/theater.md)
            screen_clips, info = self._screen_clips(table, where)
            clip = screen_clips[len(screen_clips) // 2]
        else:
            clip = doc.get(table, "clip", where, str)
            info = self._media(clip, f"{where}.clip")
        in_s = doc.get(table, "in", where, NUM, 0.0)
        if info is not None:
            out_s = doc.get(table, "out", where, NUM, info.duration_s)
            if out_s > info.duration_s + 0.05:
                raise doc.fail(
                    f"{where}.out", f"{out_s} s is past the clip's end ({info.duration_s:.3f} s)"
                )
        elif self.collect:
            # The clip is reported; without it the segment's end is unknown, so nothing is
            # checked against it (math.inf) rather than against a made-up end.
            out_s = doc.get(table, "out", where, NUM, math.inf)
        else:
            out_s = doc.get(table, "out", where, NUM)
        if not 0.0 <= in_s < out_s:
            raise doc.fail(where, f"needs 0 <= in < out, got in={in_s} out={out_s}")
        each = self._each
        transitions = doc.get(table, "transitions", where, list, [])
        if len(transitions) > MAX_TRANSITIONS:
            raise doc.fail(f"{where}.transitions", f"over {MAX_TRANSITIONS} transitions")
        zones = doc.get(table, "zones", where, list, [])
        if len(zones) > MAX_ZONES:
            raise doc.fail(f"{where}.zones", f"over {MAX_ZONES} zones")
        cues = doc.get(table, "cues", where, list, [])
        if len(cues) > MAX_CUES:
            raise doc.fail(f"{where}.cues", f"over {MAX_CUES} cues")
        sounds = doc.get(table, "sounds", where, list, [])
        if len(sounds) > MAX_SEGMENT_SOUNDS:
            raise doc.fail(f"{where}.sounds", f"over {MAX_SEGMENT_SOUNDS} sounds")
        trs = each(self.transition, transitions, f"{where}.transitions")
        effects = doc.get(table, "effects", where, list, [])
        if len(effects) > MAX_CUES:
            raise doc.fail(f"{where}.effects", f"over {MAX_CUES} effects")
        return Segment(
            id=seg_id,
            clip=clip,
            in_s=in_s,
            out_s=out_s,
            media_aspect=(info.aspect * max(1, len(screen_clips))) if info else 16 / 9,
            loop=doc.get(table, "loop", where, bool, False),
            ending=doc.get(table, "ending", where, bool, False),
            transitions=trs,
            zones=each(lambda z, w: self.zone(z, w, in_s, out_s), zones, f"{where}.zones"),
            cues=each(self.cue, cues, f"{where}.cues"),
            sounds=each(self.sound, sounds, f"{where}.sounds"),
            question=self.question(table, f"{where}.question", trs),
            views=self.views(table, where),
            effects=each(self.effect, effects, f"{where}.effects"),
            screen_clips=screen_clips,
        )

    def _screen_clips(self, table: dict, where: str) -> tuple[tuple[str, ...], MediaInfo | None]:
        """`clips`: 2-8 clips of one size, left to right (not with `clip`); the middle
        one's MediaInfo (its duration is the segment's)."""
        doc = self.doc
        if "clip" in table:
            raise doc.fail(f"{where}.clips", "give either clip (one panoramic) or clips, not both")
        if not self.panorama:
            raise doc.fail(f"{where}.clips", "clips one per screen need a [panorama] table")
        clips = doc.get(table, "clips", where, list)
        if not 2 <= len(clips) <= MAX_SCREEN_CLIPS or not all(isinstance(c, str) for c in clips):
            raise doc.fail(f"{where}.clips", f"expected 2 to {MAX_SCREEN_CLIPS} clip paths")
        infos = [self._media(c, f"{where}.clips[{i}]") for i, c in enumerate(clips)]
        known = [(i, m) for i, m in enumerate(infos) if m is not None]
        for i, m in known[1:]:
            first = known[0][1]
            if (m.width, m.height) != (first.width, first.height):
                raise doc.fail(
                    f"{where}.clips[{i}]",
                    f"{m.width}x{m.height}, but clips[{known[0][0]}] is "
                    f"{first.width}x{first.height}: a segment's screen clips share one size",
                )
        return tuple(clips), infos[len(clips) // 2]

    def _each(self, read: Any, items: list, where: str) -> tuple:
        """read(item, "where[i]") for each item; when collecting, one that fails is
        recorded and left out. Note that a transition left out this way can make its
        target look unreachable to lint."""
        out = (self.doc.attempt(read, item, f"{where}[{i}]") for i, item in enumerate(items))
        return tuple(x for x in out if x is not None)

    def _media(self, clip: str, where: str) -> MediaInfo | None:
        if clip in self.media or clip in self._checked:
            return self.media.get(clip)
        self._checked.add(clip)
        try:
            resolved = _inside(self.doc, self.root, clip, where, VIDEO_SUFFIXES)
            if not self.probe:
                return None
            info = probe_media(resolved)
        except PackError as exc:
            if self.collect and "must be a path inside" not in str(exc):
                self.problems.append(str(exc))
                return None
            raise
        except MediaError as exc:
            err = self.doc.fail(where, str(exc))
            if self.collect:
                self.problems.append(str(err))
                return None
            raise err from None
        self.media[clip] = info
        return info

    def transition(self, table: object, where: str) -> Transition:
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table")
        on = doc.get(table, "on", where, str)
        to = doc.get(table, "to", where, str)
        kind = TRIGGERS.get(on)
        if kind is None:
            raise doc.fail(
                f"{where}.on", f"unknown trigger {on!r} (expected {', '.join(TRIGGER_KINDS)})"
            )
        return Transition(kind.parse(_Fields(doc, table, where)), to)

    def question(self, seg_table: dict, where: str, trs: tuple) -> Question | None:
        """`[segments.ID.question]`: what a community session asks the room here
        (sim/community.py); checked against the graph by Scenario.validate."""
        doc = self.doc
        table = doc.get(seg_table, "question", where.rsplit(".", 1)[0], dict, None)
        if table is None:
            return None
        _unknown_keys(doc, table, where, QUESTION_KEYS)
        raw = doc.get(table, "choices", where, list, [])
        choices = []
        for i, item in enumerate(raw):
            cw = f"{where}.choices[{i}]"
            if not isinstance(item, dict):
                raise doc.fail(cw, "expected a table with label and to")
            _unknown_keys(doc, item, cw, ("label", "to"))
            choices.append(Choice(doc.get(item, "label", cw, str), doc.get(item, "to", cw, str)))
        if not choices:  # the segment's key branches, with the pack's prompt and texts
            for tr in trs:
                if tr.trigger.kind == "key":
                    choices.append(Choice(tr.trigger.label or f"Branch {tr.trigger.key}", tr.to))
        points = doc.strings(table, "points", where) if "points" in table else None
        discuss = doc.strings(table, "discuss", where) if "discuss" in table else None
        return Question(
            tuple(choices),
            doc.get(table, "prompt", where, str, PROMPT),
            doc.get(table, "at", where, NUM, None),
            points,
            _policy_links(doc, table, where),
            discuss,
            doc.get(table, "ask", where, bool, True),
        )

    def views(self, seg_table: dict, seg_where: str) -> tuple[View, ...]:
        """`views = [{ label, clip, in }]`: the same moments from other cameras, each a
        video in the pack (checked like the segment's clip)."""
        doc, where = self.doc, f"{seg_where}.views"
        raw = doc.get(seg_table, "views", seg_where, list, [])
        if len(raw) > MAX_VIEWS:
            raise doc.fail(where, f"over {MAX_VIEWS} views")
        out = []
        for i, item in enumerate(raw):
            vw = f"{where}[{i}]"
            if not isinstance(item, dict):
                raise doc.fail(vw, "expected a table with label and clip")
            _unknown_keys(doc, item, vw, ("label", "clip", "in"))
            clip = doc.get(item, "clip", vw, str)
            info = self._media(clip, f"{vw}.clip")
            in_s = doc.get(item, "in", vw, NUM, 0.0)
            if in_s < 0:
                raise doc.fail(f"{vw}.in", "must be 0 or more")
            if info is not None and in_s >= info.duration_s:  # 1e12 was accepted
                raise doc.fail(
                    f"{vw}.in", f"{in_s:g} s is past the clip's end ({info.duration_s:.3f} s)"
                )
            out.append(View(doc.get(item, "label", vw, str), clip, in_s))
        return tuple(out)

    def cue(self, table: object, where: str) -> Cue:
        if not isinstance(table, dict):
            raise self.doc.fail(where, "expected a table with name and t")
        return Cue(self.doc.get(table, "name", where, str), self.doc.get(table, "t", where, NUM))

    def sound(self, table: object, where: str) -> SoundCue:
        if not isinstance(table, dict):
            raise self.doc.fail(where, "expected a table with sound and t")
        return SoundCue(
            self.doc.get(table, "sound", where, str), self.doc.get(table, "t", where, NUM)
        )

    def effect(self, table: object, where: str) -> Effect:
        """A stress effect: device, at (media s) or cue, intensity (%), duration_ms. What
        the pack asks for; the local safety limit decides what the device does."""
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table with device and at or cue")
        for key in table:
            if key not in ("device", "at", "cue", "intensity", "duration_ms"):
                raise doc.fail(f"{where}.{key}", "unknown key")
        at, cue = doc.get(table, "at", where, NUM, None), doc.get(table, "cue", where, str, None)
        if (at is None) == (cue is None):
            raise doc.fail(where, "give one of at (media s) or cue (a cue's name)")
        intensity = doc.get(table, "intensity", where, int, 50)
        duration = doc.get(table, "duration_ms", where, int, 200)
        if not (0 <= intensity <= 100 and 1 <= duration <= 10_000):
            raise doc.fail(where, "intensity is 0-100 (%), duration_ms 1-10000")
        return Effect(
            doc.choice(table, "device", where, STRESS_EFFECTS), intensity, duration, at, cue
        )

    def zone(self, table: object, where: str, in_s: float, out_s: float) -> Zone:
        doc = self.doc
        if not isinstance(table, dict):
            raise doc.fail(where, "expected a table")
        name = doc.get(table, "name", where, str)
        if not _ID.match(name):
            raise doc.fail(f"{where}.name", "zone names are 1-64 letters, digits, '_' or '-'")
        role = doc.choice(table, "role", where, ROLES)
        points = doc.get(table, "points", where, int, 0)
        if abs(points) > MAX_POINTS:
            raise doc.fail(f"{where}.points", f"must be within -{MAX_POINTS}..{MAX_POINTS}")
        if "polygon" in table and "keys" in table:  # keys were silently ignored
            raise doc.fail(f"{where}.keys", "a zone has a polygon or keys, not both")
        if "polygon" in table:
            keys = [(in_s, self.polygon(table["polygon"], f"{where}.polygon"))]
        else:
            raw = doc.get(table, "keys", where, list)
            if not raw:
                raise doc.fail(f"{where}.keys", "needs at least one key")
            keys = []
            for i, key in enumerate(raw):
                kw = f"{where}.keys[{i}]"
                if not isinstance(key, dict):
                    raise doc.fail(kw, "expected a table with t and polygon")
                t = doc.get(key, "t", kw, NUM)
                if not in_s - 1e-6 <= t <= out_s + 1e-6:
                    raise doc.fail(f"{kw}.t", f"{t} s is outside the segment ({in_s}..{out_s})")
                if keys and t <= keys[-1][0]:
                    raise doc.fail(f"{kw}.t", "key times must increase")
                keys.append((t, self.polygon(key.get("polygon"), f"{kw}.polygon")))
            if len({len(p) for _, p in keys}) != 1:
                raise doc.fail(f"{where}.keys", "every key needs the same number of vertices")
        return Zone(name, role, tuple(keys), points)

    def polygon(self, raw: object, where: str) -> np.ndarray:
        if not isinstance(raw, list) or not 3 <= len(raw) <= MAX_VERTICES:
            raise self.doc.fail(where, f"expected a list of 3 to {MAX_VERTICES} [x, y] points")
        pts = []
        for i, p in enumerate(raw):
            ok = (
                isinstance(p, list)
                and len(p) == 2
                and all(isinstance(v, NUM) and not isinstance(v, bool) for v in p)
            )
            if not ok or not all(-0.5 <= v <= 1.5 for v in p):
                raise self.doc.fail(f"{where}[{i}]", "expected [x, y] normalized (0..1)")
            pts.append((float(p[0]), float(p[1])))
        return np.asarray(pts, dtype=np.float64)
