"""The instructor's hotkeys: turns key presses into timestamped sim input events.

A small state machine with no Panda3D in it, so it is tested by pressing keys in code.
Every control the instructor has becomes an event on the input queue (recorded and
replayed like a shot); only what is shown on the instructor's own screen (help, menus,
the guidebook, the review panel) stays here.

  1-9        branch (or pick from an open menu)     space   pause / resume
  F          flag this moment, then type a note and Enter (Esc: no note)
  R          replay the current segment              J       jump to any segment (menu)
  L          low light on / off                      O       flashlight reveal on / off
  H          the trainee's hit markers on / off      M       inject a malfunction (menu)
  V C D B I  code a trainee action: verbal command, cover taken, distance created,
             backup requested, intervened
  S          play a sound: a distraction (menu)      A       audio levels (menu, stays open)
  G          the guidebook's training points         Tab     the review panel
  E          score the rubric: an item, then its level (or not observed), then a
             comment and Enter (required on the extremes; Esc: no score)
  F1 or ?    this help                               Esc Esc end the scenario (again: quit)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.events import (
    ACTIONS,
    EndScenario,
    Flag,
    FlagNote,
    InputEvent,
    JumpTo,
    KeyPress,
    Malfunction,
    Pause,
    PlaySound,
    Resume,
    Score,
    SetLevel,
    SetView,
    TraineeAction,
)
from sim.rubric import AUTOMATIC, Rubric, counted, score_session
from sim.runtime import SessionLog, SimState
from sim.sounds import LEVELS, SoundDef

LEVEL_STEP = 10

ACTION_KEYS = dict(zip("vcdbi", ACTIONS, strict=True))
ESC_CONFIRM_S = 3.0
MENU_PAGE = 9

HELP = [
    ("1-9", "branch (the keys the segment offers)"),
    ("space", "pause / resume"),
    ("F", "flag this moment (type a note, Enter)"),
    ("R", "replay the current segment"),
    ("J", "jump to any segment"),
    ("L / O", "low light / flashlight reveal"),
    ("H", "trainee hit markers on / off"),
    ("M", "inject a weapon malfunction"),
    ("T / X", "threat device: fire (capped locally) / disarm all stress devices"),
    ("[ / ]", "a course: repeat / skip the stage"),
    ("S", "play a sound: siren, dog, radio, crowd..."),
    ("A", "audio levels: master, scenario, effects, distractor"),
    ("V C D B I", "code: verbal command, cover, distance, backup, intervened"),
    ("G", "guidebook training points"),
    ("E", "score the rubric: item, level, comment"),
    ("Tab", "review panel"),
    ("F1 / ?", "this help"),
    ("Esc Esc", "end the scenario (again: quit)"),
]


def menu_sounds(scenario) -> list[SoundDef]:
    """What the S menu offers: the pack's own sounds first, then the bundled
    distractions (the reports and the dry click come from the weapons)."""
    own = [s for s in scenario.sounds.values() if s.file is not None]
    bundled = [s for s in scenario.sounds.values() if s.file is None and s.bus == "distractor"]
    return own + bundled


@dataclass
class Menu:
    title: str
    # (label, event to emit, or None when the pick opens something else); a label may
    # be a function, read each time it is shown
    items: list[tuple[str | Callable[[], str], Callable[[], InputEvent | None]]]
    page: int = 0
    sticky: bool = False  # stays open after a pick (levels: press again and again)

    def visible(self) -> list[tuple[int, str]]:
        start = self.page * MENU_PAGE
        return [
            (i + 1, label() if callable(label) else label)
            for i, (label, _) in enumerate(self.items[start : start + MENU_PAGE])
        ]


@dataclass
class ScoreEntry:
    """A rubric score being given: item and level picked, the comment being typed."""

    item: str
    level: int | None
    weapon: str
    comment: str = ""
    required: bool = False  # the level needs a comment (the scale's extremes)


@dataclass
class InstructorConsole:
    emit: Callable[[InputEvent], None]
    state: Callable[[], SimState]
    segments: list[str]
    weapons: list[str] = field(default_factory=lambda: ["w1"])
    sounds: list[SoundDef] = field(default_factory=list)  # what S offers, in menu order
    menu: Menu | None = None
    note: str | None = None  # text being typed for the latest flag
    help_open: bool = False
    guidebook_open: bool = False
    review_open: bool = False
    _message: str = ""
    message_seq: int = 0  # counts messages, so the view can time each one out
    quit_requested: bool = False
    rubric: Rubric | None = None  # the pack's, for the E panel
    log: Callable[[], SessionLog] | None = None  # the sim's records, for scores so far
    score: ScoreEntry | None = None  # a score whose comment is being typed
    _esc_at: float | None = None
    _end_sent: bool = False

    @property
    def message(self) -> str:
        """The latest line for the instructor ("flag saved"); the view shows each for a
        few seconds (engine/instructor_view.py MESSAGE_S)."""
        return self._message

    @message.setter
    def message(self, text: str) -> None:
        self._message = text
        self.message_seq += 1

    def key(self, name: str, now_s: float) -> None:
        """A key press, by Panda3D's name ('f', 'space', 'escape', 'f1', 'enter', '3')."""
        if self.note is not None:
            return self._note_key(name)
        if self.score is not None:
            return self._score_key(name)
        if name == "escape":
            return self._escape(now_s)
        self._esc_at = None
        if self.menu is not None:
            return self._menu_key(name)
        st = self.state()
        if name in "123456789" and len(name) == 1:
            self.emit(KeyPress(0.0, name))
        elif name == "space":
            self.emit(Resume(0.0) if st.paused else Pause(0.0))
        elif name == "f":
            self.emit(Flag(0.0, ""))
            self.note = ""
            self.message = "flagged: type a note and Enter (Esc for none)"
        elif name == "r":
            self.emit(JumpTo(0.0, st.segment))
        elif name == "j":
            self.menu = Menu(
                "Jump to segment", [(s, lambda s=s: JumpTo(0.0, s)) for s in self.segments]
            )
        elif name == "m":
            if len(self.weapons) == 1:
                self.emit(Malfunction(0.0, self.weapons[0]))
                self.message = f"malfunction injected: {self.weapons[0]}"
            else:
                self.menu = Menu(
                    "Malfunction for weapon",
                    [(w, lambda w=w: Malfunction(0.0, w)) for w in self.weapons],
                )
        elif name == "s":
            if not self.sounds:
                self.message = "this pack has no sounds to play"
            else:
                self.menu = Menu(
                    "Play a sound",
                    [(snd.label, lambda n=snd.name: PlaySound(0.0, n)) for snd in self.sounds],
                )
        elif name == "a":
            self.menu = self._levels_menu()
        elif name == "l":
            self.emit(SetView(0.0, "low-light", not st.low_light))
        elif name == "o":
            self.emit(SetView(0.0, "flashlight", not st.flashlight))
        elif name == "h":
            self.emit(SetView(0.0, "markers", not st.markers))
        elif name in ACTION_KEYS:
            self.emit(TraineeAction(0.0, ACTION_KEYS[name]))
            self.message = f"coded: {ACTION_KEYS[name].replace('-', ' ')}"
        elif name in ("f1", "?"):
            self.help_open = not self.help_open
        elif name == "g":
            self.guidebook_open = not self.guidebook_open
        elif name == "tab":
            self.review_open = not self.review_open
        elif name == "e":
            self._rubric_menu()

    def text(self, char: str) -> None:
        """A typed character (Panda3D's keystroke event), used while typing a note."""
        if self.note is not None and char.isprintable() and len(self.note) < 200:
            self.note += char
        elif self.score is not None and char.isprintable() and len(self.score.comment) < 200:
            self.score.comment += char

    def weapon_seen(self, weapon: str) -> None:
        if weapon not in self.weapons:
            self.weapons.append(weapon)

    def _note_key(self, name: str) -> None:
        if name == "enter":
            if self.note.strip():
                self.emit(FlagNote(0.0, self.note.strip()))
            self.note, self.message = None, "flag saved"
        elif name == "escape":
            self.note, self.message = None, "flag saved without a note"
        elif name == "backspace":
            self.note = self.note[:-1]

    def _levels_menu(self) -> Menu:
        """Down and up for each control. The emitted level is absolute (what the
        instructor saw plus or minus a step), so a replay sets exactly the same."""
        pending: dict[str, int] = {}  # levels sent but not yet applied by a tick

        def now(control: str) -> int:
            return pending.get(control, self.state().levels[LEVELS.index(control)])

        def change(control: str, step: int) -> InputEvent:
            pending[control] = max(0, min(100, now(control) + step))
            return SetLevel(0.0, control, pending[control])

        items = []
        for control in LEVELS:
            for word, step in (("quieter", -LEVEL_STEP), ("louder", LEVEL_STEP)):
                label = lambda c=control, w=word: f"{c:<10} {now(c):3d} %   {w}"  # noqa: E731
                items.append((label, lambda c=control, d=step: change(c, d)))
        return Menu("Audio levels", items, sticky=True)

    def _menu_key(self, name: str) -> None:
        menu = self.menu
        if name in "123456789" and len(name) == 1:
            index = menu.page * MENU_PAGE + int(name) - 1
            if index < len(menu.items):
                event = menu.items[index][1]()
                if event is not None:
                    self.emit(event)
                if not menu.sticky and self.menu is menu:  # a pick may open the next menu
                    self.menu = None
        elif name == "0" and len(menu.items) > MENU_PAGE:
            menu.page = (menu.page + 1) % -(-len(menu.items) // MENU_PAGE)

    # -- the rubric panel: E, then item, then level, then a comment ---------------------

    def _scores_so_far(self, weapon: str) -> tuple[dict[str, int | None], set[str]]:
        """The counted level of each item for `weapon` (the instructor's latest, else the
        rule's from the records so far) and the items whose level is the rule's."""
        if self.log is None or self.rubric is None:
            return {}, set()
        sheet = score_session(self.rubric, self.log())
        mine = [s for s in sheet.scores if s.weapon == weapon]
        levels = counted(mine)
        given = {s.item for s in mine if s.source != AUTOMATIC}
        return levels, {item for item in levels if item not in given}

    def item_label(self, item, weapon: str) -> str:
        """'Verbal commands   5 acceptable, competent' or '... auto 6 so far'."""
        levels, auto = self._scores_so_far(weapon)
        if item.id not in levels:
            now = "not scored" + ("  (automatic at the end)" if item.automatic else "")
        else:
            now = self.rubric.scale.describe(levels[item.id])
            if item.id in auto:
                ended = self.state().ended or self._end_sent
                now = f"auto {now}" + ("" if ended else " so far")
        return f"{item.label:<28} {now}"

    def _rubric_menu(self) -> None:
        if self.rubric is None:
            self.message = "this pack has no rubric"
            return
        if len(self.weapons) > 1:
            self.menu = Menu(
                "Score the rubric for weapon",
                [(w, lambda w=w: self._items_menu(w)) for w in self.weapons],
            )
        else:
            self._items_menu(self.weapons[0] if self.weapons else "w1")

    def _items_menu(self, weapon: str) -> None:
        self.menu = Menu(
            f"Score the rubric ({weapon}): pick an item",
            [
                (lambda it=it: self.item_label(it, weapon), lambda it=it: self._levels(it, weapon))
                for it in self.rubric.items
            ],
        )

    def _levels(self, item, weapon: str) -> None:
        scale = self.rubric.scale
        picks: list[tuple[str, Callable[[], None]]] = []
        for level in scale.levels:  # low to high: on a 1-7 scale, key N is level N
            anchor = item.anchor(level)
            label = scale.describe(level) + (f"  {anchor}" if anchor else "")
            picks.append((label, lambda lv=level: self._comment(item, lv, weapon)))
        picks.append(("not observed", lambda: self._comment(item, None, weapon)))
        self.menu = Menu(f"{item.label} ({weapon}): level", picks)

    def _comment(self, item, level: int | None, weapon: str) -> None:
        self.menu = None
        required = self.rubric.scale.needs_comment(level)
        self.score = ScoreEntry(item.id, level, weapon, required=required)
        self.message = f"{item.label}: type a comment and Enter" + (
            " (required for this level)" if required else ""
        )

    def _score_key(self, name: str) -> None:
        entry = self.score
        if name == "enter":
            if entry.required and not entry.comment.strip():
                self.message = f"a score of {entry.level} needs a comment"
                return
            self.emit(Score(0.0, entry.item, entry.level, entry.weapon, entry.comment.strip()))
            shown = "not observed" if entry.level is None else entry.level
            self.score, self.message = None, f"scored {entry.item}: {shown}"
        elif name == "escape":
            self.score, self.message = None, "score not given"
        elif name == "backspace":
            entry.comment = entry.comment[:-1]

    def _escape(self, now_s: float) -> None:
        if self.menu is not None or self.help_open:
            self.menu, self.help_open = None, False
            return
        if self._esc_at is not None and now_s - self._esc_at <= ESC_CONFIRM_S:
            self._esc_at = None
            if self.state().ended or self._end_sent:
                self.quit_requested = True
            else:
                self.emit(EndScenario(0.0))
                self._end_sent = True  # the tick that applies it may not have run yet
                self.message = "scenario ended (Esc twice again to quit)"
            return
        self._esc_at = now_s
        self.message = (
            "Esc again to quit"
            if self.state().ended or self._end_sent
            else "Esc again to end the scenario"
        )
