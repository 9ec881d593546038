"""What the trainee said, in the after-action review (tools/aar.py): the words beside each
decision, and the time from each cue to the first verbal command.

A debrief asks "what did you say before you fired?" and "how soon did you give a command?".
So each decision (a branch the scenario took, a shot or dry trigger pull, the scenario's
end) gets the utterances since the decision before it; and reaction to a cue is measured
twice: to the first response of any kind, and to the first VERBAL COMMAND, which is a
recognized pack phrase (a `said` input with a phrase) or the instructor's V key (the
coded action verbal-command). An utterance that matched no phrase is talk, not a command:
it is listed, counted in talk time, and never taken for a reaction.

Reads a re-simulated session (tools.aar_replay.Replayed); writes nothing itself. Must not import
engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.aar_replay import Replayed

VERBAL_ACTION = "verbal-command"  # the station's V key (engine/instructor_console.py)


def words(phrase: str, text: str) -> str:
    """An utterance as the review writes it: the recognized phrase in single quotes (with
    the transcript when it says more), else the transcript in double quotes."""
    out = f"'{phrase}'" if phrase else f'"{text}"'
    if phrase and text and text != phrase:
        out += f' (transcript: "{text}")'
    return out


def decisions(rp: Replayed) -> list[dict]:
    """Each decision in time order, {t_s, kind (branch, shot, dry, end), segment, detail,
    said: [{t_s, phrase, text, words}]}: `said` holds the utterances after the previous
    decision up to and including this one's tick (a phrase that fired a branch is
    recognized on the branch's tick, so it is beside it)."""
    rt = rp.rt
    out: list[dict] = []
    for b in rt.branches:
        out.append(
            {
                "t_s": b.t_s,
                "kind": "branch",
                "segment": b.from_segment,
                "detail": f"{b.from_segment} -> {b.to_segment} ({b.trigger})",
            }
        )
    for s in rt.shots:
        if not s.fired:
            what = f"dry trigger pull ({s.dry_reason or 'did not fire'})"
        else:
            what = f"shot: {s.zone} ({s.role})" if s.zone else "shot: miss"
        out.append(
            {
                "t_s": s.t_s,
                "kind": "shot" if s.fired else "dry",
                "segment": s.segment,
                "detail": f"{s.weapon} {what}",
            }
        )
    for t_s, segment, how in rp.endings:
        out.append({"t_s": t_s, "kind": "end", "segment": segment, "detail": how})
    # a shot that branches comes before its branch: the words were said before the shot
    order = {"shot": 0, "dry": 0, "branch": 1, "end": 2}
    out.sort(key=lambda d: (d["t_s"], order[d["kind"]]))
    prev = -1.0
    for d in out:
        d["said"] = [
            {**u, "words": words(u["phrase"], u["text"])}
            for u in rp.utterances
            if prev < u["t_s"] <= d["t_s"] + 1e-9
        ]
        prev = max(prev, d["t_s"])
    return out


def said_text(said: list[dict]) -> str:
    """The utterances beside a decision, one line: "2.10 s 'drop the knife'; ..."."""
    return "; ".join(f"{u['t_s']:.2f} s {u['words']}" for u in said)


def verbal_commands(rp: Replayed) -> list[tuple[float, str, str]]:
    """(session s, segment, what) of each verbal command, in time order."""
    out = [
        (u["t_s"], u["segment"], f"said: {words(u['phrase'], u['text'])}")
        for u in rp.utterances
        if u["phrase"]
    ]
    out += [
        (a.t_s, a.segment, "action: verbal command (V)")
        for a in rp.rt.actions
        if a.action == VERBAL_ACTION
    ]
    return sorted(out, key=lambda r: r[0])


def talk(rp: Replayed) -> dict:
    """Talk time: utterances, seconds of speech, and their share of the session."""
    session_s = max(rp.rt.state.t_s, 1e-9)
    spoke = sum(u["spoke_s"] for u in rp.utterances)
    return {
        "utterances": len(rp.utterances),
        "commands": sum(1 for u in rp.utterances if u["phrase"]),
        "talk_s": round(spoke, 3),
        "session_s": round(session_s, 3),
        "share": round(spoke / session_s, 4),
    }
