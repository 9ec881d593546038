"""`sightline replay REC --verify`: re-simulate a recording from its inputs and compare the
state digest of every tick. Exit 0 when every tick matches, 1 at the first divergence
(naming the tick), 2 when the recording or its pack cannot be used."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from content.pack import load_pack
from sim.recording import RecordingError, event_from, read_recording
from sim.runtime import ScenarioRuntime


def play_command(args) -> int:
    """Play a recorded session in the engine: the recorded inputs are fed back at the very
    ticks they were applied, so the trainee view (and the instructor's) shows it again."""
    from engine.app import RunConfig, SightlineApp
    from engine.panda_setup import have_display
    from engine.replay import KEYS, PlaybackClock, ReplayController
    from tools.run_cmd import check_audio_out, format_summary

    check_audio_out(args.audio_out)
    with args.recording.open("rb") as fh:
        result = read_recording(fh, str(args.recording))
    header = result.records[0] if result.records else {}
    if header.get("k") != "header":
        raise RecordingError(f"{args.recording}: no header")
    config = header.get("config") or {}
    pack_dir = args.pack or Path(str(header.get("pack", "")))
    pack = load_pack(pack_dir)
    hz = int(config.get("tick_hz", 120))
    script, last = [], 0
    for i, rec in enumerate(result.records[1:], 1):
        if rec["k"] == "input":
            event = event_from(rec, f"{args.recording}: record {i}")
            fields = {f: getattr(event, f) for f in event.__slots__}
            script.append(type(event)(**{**fields, "t_s": int(rec["tick"]) / hz}))
        elif rec["k"] == "tick":
            last = max(last, int(rec["tick"]))
    offscreen = args.offscreen or not have_display()
    width, height = (int(v) for v in config.get("size", (1280, 720)))
    clock = PlaybackClock()
    camera = config.get("trainee_camera")
    camera_file = args.recording.parent / str(camera) if camera else None
    if camera_file is not None and not camera_file.is_file():
        print(f"note: the trainee camera video {camera_file} is missing; replaying without it")
        camera_file = None
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
        levels={str(k): int(v) for k, v in (config.get("levels") or {}).items()},
        reports={str(k): str(v) for k, v in (config.get("reports") or {}).items()},
        camera_replay=camera_file,
    )
    app = SightlineApp(pack, cfg)
    if not offscreen:  # the reviewer's controls

        def repoint() -> None:
            if app.instructor_view is not None:
                app.instructor_view.runtime = app.session.runtime

        controller = ReplayController(app.session, clock, script, on_seek=repoint)
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
    return 0


def replay_command(args) -> int:
    if not args.verify:
        return play_command(args)
    path: Path = args.recording
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        result = read_recording(fh, str(path))
    records = result.records
    if not records or records[0].get("k") != "header":
        raise RecordingError(f"{path}: no header")
    header = records[0]
    config = header.get("config") or {}
    pack_dir = args.pack or Path(str(header.get("pack", "")))
    pack = load_pack(pack_dir)
    from engine.recorder import pack_hash

    if pack_hash(pack) != header.get("pack_hash"):
        raise RecordingError(
            f"{pack_dir}: this pack is not the one recorded (its content "
            f"changed), so a replay cannot be exact"
        )
    inputs: dict[int, list] = defaultdict(list)
    digests: list[tuple[int, bytes]] = []
    for i, rec in enumerate(records[1:], 1):
        where = f"{path}: record {i}"
        if rec["k"] == "input":
            inputs[int(rec["tick"])].append(event_from(rec, where))
        elif rec["k"] == "tick":
            digests.append((int(rec["tick"]), bytes(rec["d"])))
    runtime = ScenarioRuntime(
        pack.scenario,
        int(config.get("tick_hz", 120)),
        float(config.get("screen_aspect", 16 / 9)),
        {str(k): int(v) for k, v in (config.get("levels") or {}).items()},
    )
    for tick, digest in digests:
        while runtime.state.tick < tick:
            runtime.step(inputs.get(runtime.state.tick + 1, []))
        if runtime.state.digest != digest:
            print(
                f"{path}: DIVERGED at tick {tick} ({tick / runtime.tick_hz:.3f} s): the "
                f"re-simulated state differs from the recorded one"
            )
            return 1
    last = digests[-1][0] if digests else 0
    note = " (the recording ends early: its last record was cut short)" if result.torn_tail else ""
    print(
        f"{path}: verified {len(digests)} ticks, {sum(map(len, inputs.values()))} inputs, "
        f"up to {last / runtime.tick_hz:.3f} s: every tick matches{note}"
    )
    return 0
