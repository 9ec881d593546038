"""Session sound without Panda3D: the mixer behind a Session driven by a hand-set clock.

The sync pack's clips carry a white frame and a beep on the same instants, so the picture
the Session hands out and the audio the mixer writes can be compared directly."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from content import sounds as bundled
from content.pack import load_pack
from engine.audio import AudioMixer, level_gain
from engine.audio_format import RATE
from engine.audio_sinks import NullSink
from engine.fixed_loop import ManualClock
from engine.session import Session
from sim.events import KeyPress, Malfunction, Pause, PlaySound, Resume, SetLevel, Shot
from sim.runtime import ScenarioRuntime, ShotMarker, StartSound
from tests.conftest import onsets, write_sync_clip


class ArraySink(NullSink):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[np.ndarray] = []

    def write(self, block: np.ndarray) -> None:
        self.blocks.append(block.copy())
        super().write(block)

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks)


def run(pack_dir, events, seconds, fps=60, levels=None, reports=None, hz=120):
    """(flash onsets in the picture, the mixed audio (n, 2), the session)."""
    pack = load_pack(pack_dir)
    clock = ManualClock()
    # the report table (weapon id or kind -> sound) is the sim's: the runtime chooses each
    # shot's report and says so in a StartSound(source="report")
    session = Session(pack, clock, hz, block_video=True, levels=levels, reports=reports)
    sink = ArraySink()
    mixer = AudioMixer(pack.scenario, pack.root, pack.clip_path, hz, sink, block=True)
    session.audio = session.subscribe(mixer, presents=True)  # a handle for the tests
    session.schedule(events)
    bright = []
    for n in range(round(seconds * fps)):
        clock.t = n / fps
        out = session.frame()
        bright.append(out.video[1].mean() if out.video else 0.0)
    session.close()
    mixer.close()
    flashes = [
        n / fps for n in range(len(bright)) if bright[n] > 128 and (n == 0 or bright[n - 1] <= 128)
    ]
    return flashes, sink.audio, session


def test_soundtrack_follows_the_picture_across_a_pause_and_a_branch(sync_pack):
    # pause 1.0-1.713 s (a media-time gap that is not a whole frame), branch to b at 3.0 s
    flashes, audio, _ = run(sync_pack, [Pause(1.0), Resume(1.713), KeyPress(3.0, "2")], seconds=6.5)
    beeps = onsets(audio[:, 0], RATE, 0.2)
    pause_len = math.ceil(1.713 * 120) / 120 - 1.0  # resumed on the first tick at/after
    expected = [0.5, 1.5 + pause_len, 3.0 + 0.3, 3.0 + 1.3, 3.0 + 2.3]
    assert flashes == pytest.approx(expected, abs=1 / 60 + 1e-9)
    assert len(beeps) == len(flashes) == 5
    # each beep starts with the frame that shows its flash: within one output frame,
    # and never before the picture's own media time
    drift = np.array(beeps) - np.array(expected)
    assert np.all(np.abs(drift) < 0.5e-3), drift
    assert np.all(np.array(flashes) - np.array(beeps) < 1 / 60 + 1e-6)


def test_a_pause_is_silent_and_freezes_sounds_in_flight(sync_pack):
    # the siren starts at 0.2 s, the instructor pauses at 1.0 s for a second
    _, audio, _ = run(sync_pack, [PlaySound(0.2, "siren"), Pause(1.0), Resume(2.0)], seconds=3.0)
    paused = audio[round(1.01 * RATE) : round(1.99 * RATE)]
    assert np.abs(paused).max() == 0.0
    # after the pause the siren goes on from where it stopped (0.8 s into it)
    siren = bundled.bundled("siren") * level_gain(70)  # distractor level by default
    after = audio[round(2.0 * RATE) + 400 : round(2.0 * RATE) + 4800, 0]
    resumed_at = round(0.8 * RATE) + 400
    assert np.allclose(after, siren[resumed_at : resumed_at + len(after)], atol=1e-4)


def test_levels_scale_each_bus_and_the_master(sync_pack):
    _, full, _ = run(sync_pack, [], seconds=1.0, levels={"master": 100, "scenario": 100})
    _, half, _ = run(sync_pack, [], seconds=1.0, levels={"master": 50, "scenario": 100})
    beep = slice(round(0.5 * RATE), round(0.53 * RATE))
    assert np.abs(half[beep]).max() == pytest.approx(
        np.abs(full[beep]).max() * level_gain(50), rel=1e-3
    )
    # the instructor mutes the scenario bus mid-run: the next beep is gone
    _, muted, _ = run(sync_pack, [SetLevel(0.3, "scenario", 0)], seconds=1.0)
    assert np.abs(muted[beep]).max() == 0.0


def test_each_weapon_kind_makes_its_report(sync_pack):
    events = [
        Shot(0.8, 0.5, 0.5, "w1", "firearm"),
        Shot(1.6, 0.5, 0.5, "w2", "firearm"),  # mapped to a rifle on the command line
        Shot(2.4, 0.5, 0.5, "w3", "cew"),
        Malfunction(2.0, "w1"),
        Shot(2.2, 0.5, 0.5, "w1", "firearm"),  # dead trigger: a dry click
    ]
    _, audio, session = run(sync_pack, events, seconds=3.0, reports={"w2": "rifle"})
    started = session.audio.started
    assert [name for _, name in started] == ["pistol", "rifle", "dry-click", "taser"]
    # each starts on the sample of the tick that registered the shot
    ticks = [s.tick for s in session.runtime.shots]
    assert [at for at, _ in started] == [t * RATE // 120 for t in ticks]
    # and really is in the mix there: the pistol's first 20 ms, at the effects level
    at = started[0][0]
    pistol = bundled.bundled("pistol")[:960] * level_gain(80)
    assert np.allclose(audio[at : at + 960, 0], pistol, atol=1e-4)


def mix_commands(pack_dir, commands_at: dict, ticks: int, hz: int = 120):
    """(the mixed audio, the mixer) of `ticks` ticks of the pack's start state, with the
    given commands on the given ticks: the mixer alone, fed as the Session feeds it."""
    pack = load_pack(pack_dir)
    base = ScenarioRuntime(pack.scenario, hz).state
    sink = ArraySink()
    mixer = AudioMixer(pack.scenario, pack.root, pack.clip_path, hz, sink, block=True)
    for tick in range(ticks):
        mixer.on_tick(replace(base, tick=tick), commands_at.get(tick, []))
    mixer.close()
    return sink.audio, mixer


def test_a_report_plays_from_the_sims_start_sound_on_the_shots_tick(fixture_pack):
    marker = ShotMarker(0.5, 0.5, "w1", None, None, "firearm")
    audio, mixer = mix_commands(
        fixture_pack, {10: [marker, StartSound("pistol", "effects", "report")]}, ticks=30
    )
    assert mixer.started == [(10 * RATE // 120, "pistol")]  # the tick's first sample
    at = 10 * RATE // 120
    assert np.abs(audio[:at]).max() == 0.0  # the clip is silent: nothing before the shot
    pistol = bundled.bundled("pistol")[:960] * level_gain(80)  # the effects level
    assert np.allclose(audio[at : at + 960, 0], pistol, atol=1e-4)


def test_a_shot_marker_alone_makes_no_sound(fixture_pack):
    """The mixer no longer chooses a report: a shot with no StartSound is silent."""
    marker = ShotMarker(0.5, 0.5, "w1", None, None, "firearm")
    audio, mixer = mix_commands(fixture_pack, {10: [marker]}, ticks=30)
    assert mixer.started == [] and mixer.dropped == []
    assert np.abs(audio).max() == 0.0


def test_a_report_is_mixed_like_any_started_sound(fixture_pack):
    """Source "report" gets what every StartSound gets: the bus it names, its level, the
    tick's first sample; so a report mapped to a distractor-bus sound plays on that bus."""
    outputs = {}
    for source in ("report", "instructor", "pack"):
        commands = {5: [StartSound("rifle", "effects", source)], 12: []}
        commands[12] = [StartSound("siren", "distractor", source)]
        outputs[source], _ = mix_commands(fixture_pack, commands, ticks=40)
    assert np.abs(outputs["report"]).max() > 0.1
    assert np.array_equal(outputs["report"], outputs["instructor"])
    assert np.array_equal(outputs["report"], outputs["pack"])


def test_a_report_never_delays_the_shot(sync_pack, tmp_path):
    """Shots register on the same tick with sound on or off, and with the pack's own
    sound file broken (it is reported, the session goes on)."""
    events = [Shot(0.8, 0.5, 0.5), Shot(1.3, 0.2, 0.5), PlaySound(1.0, "mark")]
    _, _, with_sound = run(sync_pack, events, seconds=2.0)
    pack = load_pack(sync_pack)
    plain = Session(pack, ManualClock(), 120, block_video=True)
    plain.schedule(events)
    for n in range(120):
        plain.loop._clock.t = n / 60
        plain.frame()
    plain.close()
    assert [s.tick for s in with_sound.runtime.shots] == [s.tick for s in plain.runtime.shots]
    assert with_sound.runtime.state.digest == plain.runtime.state.digest

    import shutil

    broken = tmp_path / "pack"
    shutil.copytree(sync_pack, broken)
    garbage = b"RIFF....WAVEfmt garbage"
    (broken / "sounds" / "mark.wav").write_bytes(garbage)
    with pytest.raises(ValueError, match=r"sounds\.mark\.file"):
        load_pack(broken)  # a broken file is refused when the pack loads, naming it
    shutil.copy(sync_pack / "sounds" / "mark.wav", broken / "sounds" / "mark.wav")
    loaded = load_pack(broken)
    (broken / "sounds" / "mark.wav").write_bytes(garbage)  # ...broken after loading
    clock = ManualClock()
    session = Session(loaded, clock, 120, block_video=True)
    session.audio = session.subscribe(
        AudioMixer(loaded.scenario, loaded.root, loaded.clip_path, 120, NullSink(), block=True),
        presents=True,
    )
    session.schedule(events)
    for n in range(120):
        clock.t = n / 60
        session.frame()
    session.close()
    session.audio.close()
    assert [s.tick for s in session.runtime.shots] == [s.tick for s in plain.runtime.shots]
    assert any("mark.wav" in w for w in session.audio.warnings)
    assert session.audio.dropped == ["mark: not loaded"]


def test_a_clip_without_an_audio_track_plays_silence(fixture_pack):
    _, audio, session = run(fixture_pack, [Shot(0.5, 0.9, 0.5)], seconds=1.0)
    assert np.abs(audio[: round(0.5 * RATE)]).max() == 0.0  # silent clip, no error
    assert np.abs(audio[round(0.5 * RATE) :]).max() > 0.3  # the shot is heard
    assert session.audio.warnings == []


def test_a_looping_segment_loops_its_sound(tmp_path):
    root = tmp_path / "loop"
    (root / "media").mkdir(parents=True)
    write_sync_clip(root / "media" / "a.mp4", 1.0, (0.25,), 1000.0)
    (root / "scenario.toml").write_text(
        'format_version = 1\ntitle = "loop"\nstart = "a"\n'
        '[segments.a]\nclip = "media/a.mp4"\nloop = true\n'
        '[[segments.a.sounds]]\nsound = "dog"\nt = 0.0\n'
    )
    flashes, audio, session = run(root, [], seconds=3.2, levels={"distractor": 0})
    assert flashes == pytest.approx([0.25, 1.25, 2.25], abs=1 / 60)
    assert onsets(audio[:, 0], RATE, 0.2) == pytest.approx([0.25, 1.25, 2.25], abs=1e-3)
    # the segment's scheduled sound starts again on every pass
    assert [r.sound for r in session.runtime.sounds] == ["dog"] * 4


def test_clip_audio_at_another_rate_keeps_its_timing(tmp_path):
    """A 44.1 kHz track is resampled to the mix rate chunk by chunk; beeps stay put."""
    from engine.clip_audio import ClipAudio
    from engine.video_out import H264Writer

    rate, path = 44_100, tmp_path / "c44.mp4"
    audio = np.zeros(rate * 5, np.float32)
    beep = 0.5 * np.cos(2 * np.pi * 1000 * np.arange(int(0.03 * rate)) / rate)
    marks = (0.5, 0.995, 2.0, 3.7)  # one straddles the 1 s chunk boundary
    for t in marks:
        audio[round(t * rate) : round(t * rate) + len(beep)] = beep
    with H264Writer(path, 160, 90, 30, audio_rate=rate) as out:
        for i in range(150):
            out.write(np.zeros((90, 160, 3), np.uint8), i / 30)
        out.write_audio(audio)
    clip = ClipAudio(path)
    mixed = np.concatenate([clip.decode_chunk(i) for i in range(5)])[:, 0]
    clip.close()
    assert onsets(mixed, RATE, 0.2) == pytest.approx(marks, abs=0.5e-3)


def test_few_clip_files_stay_open_for_sound(tmp_path, monkeypatch):
    """A pack with many clips: at most OPEN_CLIPS files are held open; an evicted clip
    opens again when it is needed."""
    import engine.clip_audio as audio

    monkeypatch.setattr(audio, "OPEN_CLIPS", 2)
    for name in "abc":
        write_sync_clip(tmp_path / f"{name}.mp4", 1.0, (0.25,), 1000.0)
    cache = audio.ClipAudioCache(lambda clip: tmp_path / clip, budget_bytes=0)
    for clip in ["a.mp4", "b.mp4", "c.mp4", "a.mp4"]:
        ready, data = cache.chunk(clip, 0, block=True)
        assert ready and onsets(data[:, 0], RATE, 0.2) == pytest.approx([0.25], abs=1e-3)
    assert list(cache._clips) == ["c.mp4", "a.mp4"]
    cache.close()


def test_the_demo_pistol_is_heard_on_its_muzzle_flash():
    """The bundled doorway pack's draw clip: the flash frame and the report in its own
    soundtrack fall on the same instant (the audible sync mark of the demo)."""
    import cv2

    from content import PACKS_DIR
    from engine.clip_audio import ClipAudio

    path = PACKS_DIR / "demo" / "media" / "draw.mp4"
    cap = cv2.VideoCapture(str(path))
    means = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        means.append(img.astype(float).mean())
    flash_s = (int(np.argmax(np.diff(means))) + 1) / 30
    clip = ClipAudio(path)
    track = np.concatenate([clip.decode_chunk(i) for i in range(4)])[:, 0]
    clip.close()
    bang = min(onsets(track, RATE, 0.5), key=lambda t: abs(t - flash_s))
    assert flash_s == pytest.approx(3.3, abs=1e-6)
    assert bang == pytest.approx(flash_s, abs=0.005)


def test_the_limiter_bends_peaks_and_leaves_the_rest_alone():
    from engine.audio import KNEE, soft_limit

    x = np.linspace(-3, 3, 6001, dtype=np.float32)[:, None].repeat(2, axis=1)
    y = soft_limit(x)
    assert np.abs(y).max() <= 1.0  # full scale at most (float32 rounds tanh(11) to 1)
    quiet = np.abs(x) <= KNEE
    assert np.array_equal(y[quiet], x[quiet])
    assert np.all(np.diff(y[:, 0]) >= 0)  # still monotonic: no folding, no clicks
    assert np.array_equal(soft_limit(x * 0.1), x * 0.1)


def test_a_replay_seek_keeps_the_sound_going_from_the_new_place(sync_pack):
    """Scrubbing a replay: sounds in flight stop, nothing is played for the ticks skipped
    over, and the soundtrack carries on from the new time without a gap in the output."""
    pack = load_pack(sync_pack)
    clock = ManualClock()
    session = Session(pack, clock, 120, block_video=True)
    sink = ArraySink()
    session.audio = session.subscribe(
        AudioMixer(pack.scenario, pack.root, pack.clip_path, 120, sink, block=True), presents=True
    )
    session.schedule([PlaySound(0.1, "siren")])
    for n in range(61):  # to 1.0 s
        clock.t = n / 60
        session.frame()
    before = sink.samples
    session.seek(0.3, [PlaySound(0.1, "siren")])  # back: re-simulated, silently
    assert session.audio.voices == [] and sink.samples == before
    assert session.runtime.state.tick == 36
    for n in range(60):  # the new loop counts session time from the clock at the seek
        clock.t = 1.0 + n / 60
        session.frame()
    session.close()
    session.audio.close()
    audio = sink.audio[before:, 0]
    # output resumes with tick 37 (media 37/120 s): the beep at media 0.5 s follows
    # 0.5 - 37/120 s later, with no block lost at the jump
    assert onsets(audio, RATE, 0.2)[0] == pytest.approx(0.5 - 37 / 120, abs=1e-4)
    assert len(audio) % 400 == 0
