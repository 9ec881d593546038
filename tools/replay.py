"""`sightline replay REC`: play a recording again in the engine (the recorded inputs fed
back at their ticks), or with --verify re-simulate it and compare the state digest of every
tick: exit 0 when every tick matches, 1 at the first divergence (naming the tick), 2 when
the recording or its pack cannot be used (tools.recordings reads and checks both), and 2
after checking the intact part of a damaged recording (naming the byte where it ends).
Must not import tools.cli.
"""

from __future__ import annotations

from pathlib import Path

from sim.recording import RecordingError
from tools.recordings import TORN_TAIL, load_recording
from tools.run_cmd import check_audio_out, format_summary


def play_command(args) -> int:
    """Play a recorded session in the engine: the recorded inputs are fed back at the very
    ticks they were applied, so the trainee view (and the instructor's) shows it again."""
    from engine.config import RunConfig
    from engine.panda_setup import have_display
    from engine.replay import KEYS, PlaybackClock, ReplayController

    check_audio_out(args.audio_out)
    recording = load_recording(args.recording, args.pack)
    for warning in recording.warnings:
        print(f"warning: {warning}")
    config, pack_dir, pack = recording.config, recording.pack_dir, recording.pack
    hz = recording.tick_hz
    script = []
    for tick, event in recording.inputs:
        fields = {f: getattr(event, f) for f in event.__slots__}
        script.append(type(event)(**{**fields, "t_s": tick / hz}))
    last = recording.last_tick
    offscreen = args.offscreen or not have_display()
    width, height = (int(v) for v in config.get("size", (1280, 720)))
    on_trainee, on_instructor = displays_for_replay(args, offscreen, width, height)
    clock = PlaybackClock()
    camera_file = recording.camera_file  # its own side file, never a path the header names
    cfg = RunConfig(
        offscreen=offscreen,
        width=width,
        height=height,
        tick_hz=hz,
        script=script,
        seconds=last / hz + 1 / hz if offscreen else None,
        video_out=args.video_out,
        instructor="buffer" if args.instructor_video_out else "auto",
        instructor_video_out=args.instructor_video_out,
        interactive=False,
        clock=clock,
        audio="auto" if not offscreen else "none",
        audio_out=args.audio_out,
        levels=recording.levels,
        reports={str(k): str(v) for k, v in (config.get("reports") or {}).items()},
        community=recording.community,  # a community session re-asks its questions
        camera_replay=camera_file,
        voice_replay=recording.voice_file,  # its own side file, as the camera's
        trainee_display=on_trainee,
        instructor_display=on_instructor,
    )
    from engine.theater_app import open_app  # a theater pack replays on one screen

    app = open_app(pack, cfg, None, None)
    if recording.community is not None:  # what the room saw: question, chart, panels
        from content.policies import load_library
        from tools.community.commands import show_room

        show_room(app, pack, load_library())
    if not offscreen:  # the reviewer's controls
        controller = ReplayController(app.session, clock, script)
        for key in KEYS:
            if key != "escape":
                app.base.accept(key, controller.key, [key])
                if key in ("n", "[", "]", "."):  # held, or pressed again quickly
                    app.base.accept(f"{key}-repeat", controller.key, [key])
        app.base.accept("escape", app.stop)
        print("Replay controls: " + ", ".join(f"{k} = {v}" for k, v in KEYS.items()))
    run = app.run()
    print(f"Replay of {args.recording}")
    print(format_summary(pack_dir, run.session.runtime, run, cfg))
    recording.check()  # played up to the damage; now say where it is (exit 2)
    return 0


def displays_for_replay(args, offscreen: bool, width: int, height: int):
    """--trainee-display / --instructor-display for a replay. The replay re-runs every hit
    test at the screen's aspect, so the trainee window keeps the recorded one: the whole
    display when its aspect is the recorded one, else a borderless window of the recorded
    size at the display's corner (said so)."""
    from dataclasses import replace

    from engine.displays import resolve

    on_trainee, on_instructor = resolve(args.trainee_display, args.instructor_display, offscreen)
    if on_trainee is not None and on_trainee.width * height != on_trainee.height * width:
        print(
            f"note: display {on_trainee.index} is {on_trainee.width}x{on_trainee.height}; the "
            f"recording is {width}x{height}, kept so that its hits test the same"
        )
        on_trainee = replace(on_trainee, width=width, height=height)
    return on_trainee, on_instructor


def replay_command(args) -> int:
    from tools.records.sessions import store_replay

    store_replay(args)  # with --trainee/--instructor-name: the recording's session stored
    if not args.verify:
        return play_command(args)
    return verify(args.recording, args.pack)


def verify(path: Path, pack_dir: Path | None = None) -> int:
    """Re-simulate from the recorded inputs; 0 when every tick's digest matches, 1 (after
    printing the tick) at the first that does not."""
    recording = load_recording(path, pack_dir)
    inputs = recording.inputs_by_tick()
    digests = recording.digests
    runtime = recording.runtime()
    for tick, digest in digests:
        while runtime.state.tick < tick:
            runtime.step(inputs.get(runtime.state.tick + 1, []))
        if runtime.state.digest != digest:
            print(
                f"{path}: DIVERGED at tick {tick} ({tick / runtime.tick_hz:.3f} s): the "
                f"re-simulated state differs from the recorded one"
            )
            return 1
    if not digests:  # nothing was compared: not a verified recording (said before a
        recording.check()  # "every tick matches" of 0 ticks; damage named first)
        raise RecordingError(f"{path}: no tick records: nothing to verify")
    last = digests[-1][0]
    note = f" ({TORN_TAIL})" if recording.torn_tail else ""
    if recording.damage is not None:
        note = " before the damage"
    print(
        f"{path}: verified {len(digests)} ticks, {len(recording.inputs)} inputs, "
        f"up to {last / runtime.tick_hz:.3f} s: every tick matches{note}"
    )
    recording.check()  # a damaged file is not verified as a whole: exit 2, naming the byte
    return 0
