"""Checking a pack before anyone trains on it: `sightline lint`.

Reports, in one pass, as findings with a level, a file, a line where known and a key path:
  - everything the loader refuses (syntax, types, dangling transitions, clashing hotkeys,
    keyframes, cues or trigger times outside their clip, paths leaving the pack): the
    loader runs collecting (load_pack(collect=True)), so every problem is reported, not
    just the first;
  - every missing or undecodable clip (and nothing about times in a segment whose clip
    is missing: its end is unknown);
  - two zones of one segment with the same name (hits and reports name the zone);
  - segments that can never play (unreachable from the start), once the graph loads
    without errors;
  - dead ends: segments with no way on that are not endings, and segments from which no
    ending can be reached;
  - metadata a library needs (category, summary), and labels still reading "TODO" as
    `sightline new` wrote them, as warnings;
  - a community question that a time or no-shot transition can leave before it is asked
    (a warning);
  - the rubric: what the loader refuses (anchors, rule levels or the pass level outside
    the scale, duplicate item ids, unknown rule kinds or parameters), a rule measuring
    from a cue no segment has (an error: it could never score), and an item with no
    behaviour anchors (a warning: the instructor scores it without a description);
  - a theater pack's panorama (content/theater_lint.py): clips, zones off the arc;
  - with a policy library (`--policies`), links from rubric items, community questions
    and the guidebook to policy passages that the library does not have.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from content._locate import locate
from content.pack import MANIFEST, Pack, PackError, load_pack
from content.policies import Library, guidebook_refs
from content.theater_lint import panorama_findings

_PLACE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?: (?P<rest>.*)$")


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.level}: {place}: " + (f"{self.where}: " if self.where else "") + self.message


def _from_error(text: str, level: str = "error") -> Finding:
    m = _PLACE.match(text)
    if not m:
        return Finding(level, "", None, "", text)
    rest = m.group("rest")
    where, sep, msg = rest.partition(": ")
    if not sep or " " in where:
        where, msg = "", rest
    return Finding(
        level, m.group("file"), int(m.group("line")) if m.group("line") else None, where, msg
    )


def lint_pack(
    root: str | Path, policies: Library | None = None, text: str | None = None
) -> list[Finding]:
    """Every finding for one pack; with a policy library, links into it that do not
    resolve are errors too (without one, only their shape is checked). `text` lints that
    manifest (an unsaved draft) in place of the pack's file."""
    root = Path(root)
    try:
        pack = load_pack(root, collect=True, text=text)
    except PackError as exc:
        if (root / "course.toml").is_file():  # a course of fire has its own lint
            return [_from_error(f"{root}: a course folder: check it with `sightline course lint`")]
        return [_from_error(str(exc))]
    findings = sorted((_from_error(p) for p in pack.problems), key=lambda f: f.line or 0)
    findings += _zone_findings(pack)
    if not pack.problems:
        # A transition left out for an error would make its target look unreachable or a
        # segment look like a dead end: the graph is judged once it loads whole.
        findings += _graph_findings(pack)
    findings += _meta_findings(pack)
    if not pack.problems:  # an item skipped for an error leaves its keys unread
        findings += [
            _finding(pack, "warning", where, "not used: an unknown key (a typo?), ignored")
            for where in pack.unread
        ]
    findings += _todo_findings(pack)
    findings += _question_findings(pack)
    findings += _sound_findings(pack)
    findings += _rubric_findings(pack)
    findings += panorama_findings(pack, _finding)  # content/theater_lint.py
    if policies is not None:
        findings += _policy_findings(pack, policies)
    return findings


def _finding(pack: Pack, level: str, where: str, message: str) -> Finding:
    manifest = pack.root / MANIFEST
    return Finding(level, str(manifest), locate(pack.manifest_text, where), where, message)


def _graph_findings(pack: Pack) -> list[Finding]:
    sc = pack.scenario
    out = []
    from_start = sc.reachable()
    for seg_id in sc.segments:
        if seg_id not in from_start:
            out.append(
                _finding(
                    pack,
                    "error",
                    f"segments.{seg_id}",
                    f"unreachable: no path leads here from the start ({sc.start!r})",
                )
            )
    endings = {s.id for s in sc.segments.values() if s.ending}
    if not endings:
        out.append(
            _finding(
                pack,
                "error",
                "segments",
                "no segment is an ending (set ending = true on the last ones)",
            )
        )
    for seg in sc.segments.values():
        if seg.ending or seg.id not in from_start:
            continue
        if not seg.transitions:
            out.append(
                _finding(
                    pack,
                    "error",
                    f"segments.{seg.id}",
                    "dead end: no transitions and not an ending "
                    + ("(it loops forever)" if seg.loop else "(it holds its last frame forever)"),
                )
            )
        elif endings and not (sc.reachable(seg.id) & endings):
            out.append(
                _finding(pack, "error", f"segments.{seg.id}", "no ending can be reached from here")
            )
    return out


def _zone_findings(pack: Pack) -> list[Finding]:
    out = []
    for seg in pack.scenario.segments.values():
        first: dict[str, int] = {}
        for i, zone in enumerate(seg.zones):
            if zone.name in first:
                out.append(
                    _finding(
                        pack,
                        "error",
                        f"segments.{seg.id}.zones[{i}].name",
                        f"{zone.name!r} is already the name of zones[{first[zone.name]}] "
                        "(hits and reports name the zone: rename one, or `sightline zones "
                        "--replace` to track it again)",
                    )
                )
            else:
                first[zone.name] = i
    return out


def _todo_findings(pack: Pack) -> list[Finding]:
    """Labels `sightline new` left as "TODO: ..." (the instructor's station shows them)."""
    out = []
    for seg in pack.scenario.segments.values():
        for i, tr in enumerate(seg.transitions):
            label = getattr(tr.trigger, "label", "")
            if isinstance(label, str) and label.lstrip().upper().startswith("TODO"):
                out.append(
                    _finding(
                        pack,
                        "warning",
                        f"segments.{seg.id}.transitions[{i}].label",
                        f"{label!r} is still the placeholder `sightline new` wrote: the "
                        "instructor's station shows it",
                    )
                )
    return out


def _question_findings(pack: Pack) -> list[Finding]:
    """A community question (sim/community.py) that an automatic transition can leave
    before: the room would never be asked there."""
    from sim.community import opens_at_s, question_of

    out = []
    for seg in pack.scenario.segments.values():
        q = question_of(seg)
        if q is None:
            continue
        at = opens_at_s(seg, q)
        for i, tr in enumerate(seg.transitions):
            early = getattr(tr.trigger, "at_s", None)
            early = getattr(tr.trigger, "by_s", early)
            if early is not None and early < at:
                where = "question" if seg.question is not None else "transitions"
                out.append(
                    _finding(
                        pack,
                        "warning",
                        f"segments.{seg.id}.{where}",
                        f"transitions[{i}] ({tr.trigger.describe()}) can leave the segment "
                        f"before a community session asks the room at {at:g} s",
                    )
                )
    return out


def _segment_left_out(pack: Pack) -> bool:
    """A segment was left out for an error of its own: its cues and zones are unknown,
    so a rule naming them cannot be judged (it would be a false error)."""
    return any(re.search(r": segments\.[^.:\s]+[.:]", p) for p in pack.problems)


def _meta_findings(pack: Pack) -> list[Finding]:
    if any(": meta." in p or ": meta:" in p for p in pack.problems):
        return []  # [meta] was left out for that error: its keys are not missing
    out = []
    for key, value in (("category", pack.meta.category), ("summary", pack.meta.summary)):
        if not value:
            out.append(
                _finding(pack, "warning", f"meta.{key}", "missing: the catalog and reports need it")
            )
    return out


def _sound_findings(pack: Pack) -> list[Finding]:
    out = []
    for seg in pack.scenario.segments.values():
        info = pack.media.get(seg.clip)
        if info is not None and not info.has_audio:
            out.append(
                _finding(
                    pack,
                    "warning",
                    f"segments.{seg.id}.clip",
                    "no audio track: this segment plays in silence (a clip's own audio is "
                    "its dialogue and ambience)",
                )
            )
    return out


def _rubric_findings(pack: Pack) -> list[Finding]:
    rubric = pack.scenario.rubric
    if rubric is None:
        return []
    cues = {c.name for seg in pack.scenario.segments.values() for c in seg.cues}
    items = _item_indices(pack)
    out = []
    for it in rubric.items:
        where = f"rubric.items[{items.get(it.id, 0)}]"
        for name in it.rule.cues() if it.rule is not None else ():
            if name not in cues and not _segment_left_out(pack):
                out.append(
                    _finding(
                        pack,
                        "error",
                        f"{where}.rule",
                        f"no segment has a cue named {name!r} (known: "
                        f"{', '.join(sorted(cues)) or 'none'}): the rule could never score",
                    )
                )
        if not it.anchors:
            out.append(
                _finding(
                    pack,
                    "warning",
                    f"{where}.anchors",
                    "no behaviour anchors: the instructor scores it without a description",
                )
            )
    return out


def _policy_findings(pack: Pack, library: Library) -> list[Finding]:
    """Links from rubric items and community questions (`policy = [...]`) and the
    guidebook ('[policy: ...]') that the library cannot resolve."""
    out = []
    rubric = pack.scenario.rubric
    items = _item_indices(pack)
    for it in rubric.items if rubric is not None else ():
        for i, ref in enumerate(it.policy):
            why = library.why_not(ref)
            if why:
                where = f"rubric.items[{items.get(it.id, 0)}].policy[{i}]"
                out.append(_finding(pack, "error", where, why))
    for seg in pack.scenario.segments.values():  # community questions (sim/community.py)
        for i, ref in enumerate(seg.question.policy if seg.question else ()):
            why = library.why_not(ref)
            if why:
                out.append(_finding(pack, "error", f"segments.{seg.id}.question.policy[{i}]", why))
    try:
        guide = pack.guidebook_text()
    except (OSError, UnicodeDecodeError):
        guide = None  # the loader reports an unreadable guidebook
    for ref in guidebook_refs(guide):
        why = library.why_not(ref)
        if why:
            path = pack.root / (pack.meta.guidebook or "")
            line = next((n for n, text in enumerate(guide.split("\n"), 1) if ref in text), None)
            out.append(Finding("error", str(path), line, "policy", why))
    return out


def _item_indices(pack: Pack) -> dict[str, int]:
    """Each rubric item's index as written (items the loader refused are left out of the
    rubric, so its own indices can differ)."""
    try:
        raw = tomllib.loads(pack.manifest_text)
        written = raw["rubric"]["items"]
        return {
            it["id"]: i
            for i, it in reversed(list(enumerate(written)))
            if isinstance(it, dict) and isinstance(it.get("id"), str)
        }
    except (KeyError, TypeError, ValueError, OSError):
        return {}


def findings_json(results: dict[str, list[Finding]]) -> list[dict]:
    return [
        {
            "pack": pack,
            "ok": not any(f.level == "error" for f in fs),
            "findings": [asdict(f) for f in fs],
        }
        for pack, fs in results.items()
    ]
