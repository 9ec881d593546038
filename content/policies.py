"""The policy library: an agency's written policies (Markdown, or PDF with a sidecar), so
rubric items and guidebook training points can link to the passage they train, and the
station and the reports can show it.

A library is one or more folders (`--policies DIR`, else `SIGHTLINE_POLICIES`, a list of
folders separated by ':', else the bundled samples in content/policies/, which say they
are samples). In a folder:

  NAME.md       TOML front matter between '+++' lines (id, title, and optionally agency,
                effective, version, tags, sample), then Markdown. Each heading is a
                passage: its id is the section number it starts with ("## 4.2 Deadly
                force" is 4.2) or an explicit '{#id}' at its end; the passage runs to the
                next heading of the same or a higher level.
  NAME.pdf      with NAME.pdf.toml beside it (id, title, ..., and [[sections]] with id,
                title, page and optionally a short `text`): the PDF itself is never
                opened. Its text is not extracted (see docs/reports.md: a PDF parser is
                a large attack surface for untrusted files, and none is a dependency), so
                a PDF's passage is its title and page, plus the sidecar's text if any.

A link is "DOC" (the whole policy) or "DOC#SECTION" ("use-of-force#4.2"). Rubric items
carry them in `policy = [...]` (read in content/pack_manifest.py); guidebook lines carry them as
'[policy: use-of-force#4.2, ...]' (`guidebook_refs`).

Policies are untrusted data like packs: regular files only (no links followed, no FIFOs),
every size bounded, control characters dropped, nothing executed or rendered as HTML here
(reports escape what they show). A broken file is one problem line in `problems` and is
left out; the rest of the library still loads. Standard library and sim only; must not
import engine, drivers or tools.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import UserError
from sim.files import FileProblem, read_bounded

SAMPLES_DIR = Path(__file__).parent / "policies"
ENV_VAR = "SIGHTLINE_POLICIES"

MAX_FILES = 200  # policy files in one folder
MAX_MD_BYTES = 512 * 1024
MAX_SIDECAR_BYTES = 64 * 1024
MAX_SECTIONS = 500  # passages in one policy
MAX_PASSAGE_CHARS = 6000  # a passage's text is cut (and says so) beyond this
MAX_TITLE = 200
MAX_REFS = 16  # links on one rubric item or guidebook line
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
REF = re.compile(
    r"(?P<doc>[A-Za-z0-9][A-Za-z0-9._-]{0,63})(?:#(?P<section>[A-Za-z0-9][A-Za-z0-9._-]{0,63}))?"
)
_GUIDE_REF = re.compile(r"\[policy:\s*([^\]\n]{1,600})\]", re.I)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.{0,300}?)[ \t]*#*[ \t]*$")
_EXPLICIT = re.compile(r"\{#([A-Za-z0-9][A-Za-z0-9._-]{0,63})\}\s*$")
_NUMBER = re.compile(r"^(?:§\s*|Section\s+)?([0-9]{1,4}(?:\.[0-9]{1,4}){0,5})\.?(?=\s|$)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
FRONT_KEYS = ("id", "title", "agency", "effective", "version", "tags", "sample")
SIDECAR_KEYS = (*FRONT_KEYS, "sections")
SECTION_KEYS = ("id", "title", "page", "text")


class PolicyError(UserError):
    """A policy library that cannot be used at all (a folder that is not there)."""


def check_ref(text: object) -> str | None:
    """Why `text` is not a policy link ("DOC" or "DOC#SECTION"), or None."""
    if not isinstance(text, str) or not REF.fullmatch(text):
        return (
            f"{str(text)[:80]!r} is not a policy link: DOC or DOC#SECTION, e.g. "
            "'use-of-force#4.2' (letters, digits, '.', '_', '-')"
        )
    return None


def clean(text: str, limit: int) -> str:
    """Untrusted text made safe to show: control and direction-override characters
    dropped, at most `limit` characters (cut with '...')."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\t", "    "))
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


@dataclass(frozen=True)
class Section:
    """One passage of a policy."""

    id: str  # "4.2", or "" for a heading without a number or {#id}
    title: str
    level: int  # the heading's level (1-6); PDF sections: 1
    text: str  # Markdown body (bounded); a PDF's: the sidecar's text or ""
    page: int | None = None  # PDF page


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    path: Path
    kind: str  # "markdown" or "pdf"
    agency: str = ""
    effective: str = ""
    version: str = ""
    tags: tuple[str, ...] = ()
    sample: bool = False  # a bundled sample, not any agency's policy
    sections: tuple[Section, ...] = ()

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class Passage:
    """What a link points at, ready to show: "Use of force (SAMPLE) 4.2 Deadly force"."""

    ref: str
    policy: Policy
    section: Section | None  # None: the whole policy

    @property
    def heading(self) -> str:
        p = self.policy
        title = p.title + (" (SAMPLE)" if p.sample and "sample" not in p.title.lower() else "")
        if self.section is None:
            return title
        s = self.section
        page = f", p. {s.page}" if s.page is not None else ""
        numbered = s.title.startswith(s.id) or _NUMBER.match(s.title)
        label = s.title if numbered else f"{s.id} {s.title}".strip()
        return f"{title} {chr(0xA7)}{label}{page}"

    @property
    def text(self) -> str:
        if self.section is not None:
            return self.section.text
        if self.policy.kind == "pdf":
            return ""
        return "\n".join(s.title for s in self.policy.sections)  # its contents

    def excerpt(self, limit: int = 400) -> str:
        """The text on one line, cut at `limit` characters (for the station)."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


@dataclass
class Library:
    policies: dict[str, Policy] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    folders: tuple[Path, ...] = ()

    def resolve(self, ref: str) -> Passage | None:
        m = REF.fullmatch(ref) if isinstance(ref, str) else None
        if m is None:
            return None
        policy = self.policies.get(m["doc"])
        if policy is None:
            return None
        if m["section"] is None:
            return Passage(ref, policy, None)
        section = policy.section(m["section"])
        return None if section is None else Passage(ref, policy, section)

    def why_not(self, ref: str) -> str | None:
        """Why a link does not resolve (for lint), or None when it does."""
        bad = check_ref(ref)
        if bad:
            return bad
        m = REF.fullmatch(ref)
        policy = self.policies.get(m["doc"])
        if policy is None:
            known = ", ".join(sorted(self.policies)[:8]) or "none"
            return f"no policy {m['doc']!r} in the library (it has: {known})"
        if m["section"] and policy.section(m["section"]) is None:
            ids = ", ".join(s.id for s in policy.sections if s.id)[:200] or "none"
            return f"policy {m['doc']!r} has no section {m['section']!r} (it has: {ids})"
        return None

    def passages(self, refs) -> list[Passage]:
        return [p for p in (self.resolve(r) for r in refs) if p is not None]


# -- reading ---------------------------------------------------------------------------


def library_folders(flag: list[Path] | Path | None = None) -> tuple[Path, ...]:
    """`--policies` (one or several), else $SIGHTLINE_POLICIES, else the bundled samples."""
    if flag:
        return tuple(flag) if isinstance(flag, list | tuple) else (Path(flag),)
    env = os.environ.get(ENV_VAR, "")
    if env.strip():
        return tuple(Path(p) for p in env.split(os.pathsep) if p.strip())
    return (SAMPLES_DIR,)


def load_library(folders=None) -> Library:
    """Every policy in the folders (library_folders(folders)). The first policy with an
    id wins; a later one with the same id is a problem. A folder that is not there is a
    PolicyError; a broken file is a problem and is skipped."""
    lib = Library(folders=library_folders(folders))
    for folder in lib.folders:
        if not folder.is_dir():
            raise PolicyError(f"{folder}: no such policy folder")
        files = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in (".md", ".pdf") and not p.name.startswith(".")
        )
        if len(files) > MAX_FILES:
            lib.problems.append(
                f"{folder}: over {MAX_FILES} policy files; the first {MAX_FILES} read"
            )
            files = files[:MAX_FILES]
        for path in files:
            try:
                policy = _read_pdf(path) if path.suffix.lower() == ".pdf" else _read_markdown(path)
            except _Bad as exc:
                lib.problems.append(f"{path}: {exc}")
                continue
            if policy.id in lib.policies:
                lib.problems.append(
                    f"{path}: id {policy.id!r} is already {lib.policies[policy.id].path.name}'s"
                )
                continue
            lib.policies[policy.id] = policy
    return lib


class _Bad(Exception):
    """One file's problem (no path; load_library adds it)."""


def _text_of(path: Path, limit: int) -> str:
    try:
        if path.is_symlink():
            raise FileProblem("a symbolic link, refused: it could point anywhere")
        data = read_bounded(path, limit)
    except FileProblem as exc:
        raise _Bad(str(exc)) from None
    except OSError as exc:
        raise _Bad(exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise _Bad(f"over {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(f"not UTF-8 text (byte {exc.start})") from None


def _meta(table: dict, allowed: tuple[str, ...], path: Path) -> dict:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise _Bad(f"unknown key {unknown[0]!r} (expected {', '.join(allowed)})")
    out: dict = {}
    pid = table.get("id", path.name.split(".")[0])
    if not isinstance(pid, str) or not ID.fullmatch(pid):
        raise _Bad(f"id {str(pid)[:40]!r}: 1-64 letters, digits, '.', '_' or '-'")
    out["id"] = pid
    title = table.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("a title is required")
    out["title"] = clean(title.strip(), MAX_TITLE)
    for key in ("agency", "effective", "version"):
        out[key] = clean(str(table.get(key, "")), MAX_TITLE)  # a TOML date: as written
    tags = table.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 32 or not all(isinstance(t, str) for t in tags):
        raise _Bad("tags: a list of at most 32 strings")
    out["tags"] = tuple(clean(t, 64) for t in tags)
    sample = table.get("sample", False)
    if not isinstance(sample, bool):
        raise _Bad("sample: true or false")
    out["sample"] = sample
    return out


def _toml(text: str, what: str) -> dict:
    if text.count("\n") > 2000 or max((len(x) for x in text.split("\n")), default=0) > 4000:
        raise _Bad(f"{what}: over 2000 lines or a line over 4000 characters")
    if any(line.count(".") > 64 for line in text.split("\n") if line.lstrip().startswith("[")):
        raise _Bad(f"{what}: a table header of more than 64 dotted parts")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Bad(f"{what}: {exc}") from None


def _read_markdown(path: Path) -> Policy:
    text = _text_of(path, MAX_MD_BYTES).lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "+++":
        raise _Bad("no front matter: start the file with '+++', id, title, tags, then '+++'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise _Bad("the front matter has no closing '+++'") from None
    meta = _meta(_toml("\n".join(lines[1:end]), "front matter"), FRONT_KEYS, path)
    sections = _sections(lines[end + 1 :])
    return Policy(path=path.resolve(), kind="markdown", sections=sections, **meta)


def _sections(lines: list[str]) -> tuple[Section, ...]:
    """Each heading a passage, to the next heading of the same or a higher level."""
    heads: list[tuple[int, int, str, str]] = []  # (line, level, id, title)
    fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else _HEADING.match(line)
        if m is None:
            continue
        title = m.group(2)
        explicit = _EXPLICIT.search(title)
        if explicit:
            sid, title = explicit.group(1), title[: explicit.start()].rstrip()
        else:
            num = _NUMBER.match(title)
            sid = num.group(1) if num else ""
        heads.append((i, len(m.group(1)), sid, clean(title, MAX_TITLE)))
        if len(heads) > MAX_SECTIONS:
            raise _Bad(f"over {MAX_SECTIONS} headings")
    out, seen = [], set()
    for n, (i, level, sid, title) in enumerate(heads):
        end = next((j for j, lv, _, _ in heads[n + 1 :] if lv <= level), len(lines))
        body = "\n".join(lines[i + 1 : end]).strip("\n")
        if sid in seen:
            raise _Bad(f"two sections are numbered {sid}")
        if sid:
            seen.add(sid)
        out.append(Section(sid, title, level, clean(body, MAX_PASSAGE_CHARS)))
    return tuple(out)


def _read_pdf(path: Path) -> Policy:
    """A PDF by its sidecar (NAME.pdf.toml): the PDF itself is only checked to be a
    regular file; its text is not read."""
    sidecar = path.with_name(path.name + ".toml")
    if not sidecar.exists():
        raise _Bad(f"a PDF needs a sidecar {sidecar.name} (id, title, tags, [[sections]])")
    try:
        if path.is_symlink():
            raise _Bad("a symbolic link, refused: it could point anywhere")
        if not path.is_file():
            raise _Bad("not a regular file")
    except OSError as exc:
        raise _Bad(exc.strerror or str(exc)) from None
    table = _toml(_text_of(sidecar, MAX_SIDECAR_BYTES), sidecar.name)
    raw_sections = table.pop("sections", [])
    meta = _meta(table, FRONT_KEYS, path)
    if not isinstance(raw_sections, list) or len(raw_sections) > MAX_SECTIONS:
        raise _Bad(f"{sidecar.name}: sections: a list of at most {MAX_SECTIONS} tables")
    sections, seen = [], set()
    for i, raw in enumerate(raw_sections):
        w = f"{sidecar.name}: sections[{i}]"
        if not isinstance(raw, dict) or set(raw) - set(SECTION_KEYS):
            raise _Bad(f"{w}: a table of {', '.join(SECTION_KEYS)}")
        sid, title, page = raw.get("id"), raw.get("title", ""), raw.get("page")
        if not isinstance(sid, str) or not ID.fullmatch(sid) or sid in seen:
            raise _Bad(f"{w}.id: a unique id such as '4.2'")
        seen.add(sid)
        if not isinstance(title, str):
            raise _Bad(f"{w}.title: text")
        if not (isinstance(page, int) and not isinstance(page, bool) and 1 <= page <= 100_000):
            raise _Bad(f"{w}.page: the page number (1 or more)")
        text = raw.get("text", "")
        if not isinstance(text, str):
            raise _Bad(f"{w}.text: text")
        sections.append(
            Section(sid, clean(title, MAX_TITLE), 1, clean(text, MAX_PASSAGE_CHARS), page)
        )
    return Policy(path=path.resolve(), kind="pdf", sections=tuple(sections), **meta)


# -- links in guidebooks -----------------------------------------------------------------


def guidebook_refs(text: str | None) -> list[str]:
    """The policy links written in a guidebook ('[policy: a#1, b#2]'), in order, once each."""
    out: dict[str, None] = {}
    for m in _GUIDE_REF.finditer(text or ""):
        for ref in m.group(1).split(","):
            out.setdefault(ref.strip(), None)
    return list(out)[: MAX_REFS * 8]


def strip_refs(text: str) -> str:
    """The guidebook text with its '[policy: ...]' markers written as '(policy a#1)'."""
    return _GUIDE_REF.sub(
        lambda m: "(policy " + ", ".join(r.strip() for r in m.group(1).split(",")) + ")", text
    )
