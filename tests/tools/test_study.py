"""Counter-bias studies (issue 16): the statistics against worked examples computed by hand,
the balance of the design over many seeds, lint's missing cells, the plan against the
runtime's own timeline, and a headless scripted run of the demo study whose report equals
the figures computed from the script itself (the issue's "Done when")."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from sim.events import Explain, InputError, parse_event
from sim.hit_zones import point_in_polygon, screen_to_media
from tests.conftest import run_cli, write_script
from tools.study import stats
from tools.study.design import SCREEN_ASPECT, cells, lint_study, load_study, make_plan

DEMO = Path(__file__).resolve().parents[2] / "content" / "studies" / "demo"


# -- statistics, by hand ---------------------------------------------------------------------


def test_sdt_matches_hand_worked_examples():
    # 8 of 10 armed shot, 2 of 10 unarmed shot: H = 8.5/11 = .7727, F = 2.5/11 = .2273,
    # z(H) = 0.7479 = -z(F): d' = 1.4957, c = 0
    g = stats.sdt(8, 2, 2, 8)
    assert g["hit_rate"] == 0.8 and g["fa_rate"] == 0.2 and g["trials"] == 20
    assert g["d_prime"] == pytest.approx(1.4957, abs=1e-3)
    assert g["c"] == pytest.approx(0.0, abs=1e-9)
    # perfect: H = 10.5/11 = .9545 (z 1.6906), F = .5/11 = .0455: d' = 3.3812, c = 0
    g = stats.sdt(10, 0, 0, 10)
    assert g["hit_rate"] == 1.0 and g["fa_rate"] == 0.0
    assert g["d_prime"] == pytest.approx(3.3812, abs=1e-3)
    # 6 of 8 and 3 of 8: H = 6.5/9 = .7222 (z .5895), F = 3.5/9 = .3889 (z -.2822):
    # d' = .8717, c = -(.5895 - .2822)/2 = -.1537 (a readiness to shoot)
    g = stats.sdt(6, 2, 3, 5)
    assert g["d_prime"] == pytest.approx(0.8717, abs=1e-3)
    assert g["c"] == pytest.approx(-0.1537, abs=1e-3)


def test_difference_of_d_prime_has_the_delta_method_interval():
    # var z(H) = H(1-H) / (n phi(z)^2): .7727: .17562/(10 x .090963) = .19307; .9545:
    # .043388/(10 x .0091321) = .47512; four terms sum 1.33637, se 1.15602, d' diff
    # 1.4957 - 3.3812 = -1.8855, 95 % interval -1.8855 -+ 1.96 x 1.15602 = [-4.151, 0.380]
    a, b = stats.sdt(8, 2, 2, 8), stats.sdt(10, 0, 0, 10)
    d = stats.difference(a, b, [400.0], [300.0])
    assert d["d_prime"]["diff"] == pytest.approx(-1.8855, abs=1e-3)
    assert d["d_prime"]["ci95"] == pytest.approx([-4.151, 0.380], abs=1e-3)
    assert d["c"]["ci95"] == pytest.approx([-1.133, 1.133], abs=1e-3)
    # rates: .8 - 1.0, Wald se sqrt(.16/10 + 0) = .1265: [-.448, .048]
    assert d["hit_rate"]["ci95"] == pytest.approx([-0.448, 0.048], abs=2e-3)
    assert d["latency_ms_median"]["diff"] == 100.0


def test_a_small_group_carries_a_warning_and_no_model_is_fitted():
    trials = [
        {
            "armed": i % 2 == 0,
            "shot": i % 2 == 0,
            "latency_ms": 400.0,
            "trainee": "T",
            "actor": "a",
            "attributes": {"f": "x"},
        }
        for i in range(6)
    ]
    g = stats.group(trials)
    assert g["hits"] == 3 and g["correct_rejections"] == 3 and "too few" in g["warning"]
    m = stats.mixed_model(trials, ("f",))
    assert not m["fitted"] and "at least" in m["warning"]


def test_the_mixed_model_fits_with_enough_data():
    pytest.importorskip("statsmodels")
    import random

    rng = random.Random(1)
    trials = []
    for trainee in ("T1", "T2", "T3", "T4"):
        for i in range(32):
            armed, tone = i % 2 == 0, ("light", "dark")[i // 2 % 2]
            shot = armed or rng.random() < 0.2
            trials.append(
                {
                    "armed": armed,
                    "shot": shot,
                    "trainee": trainee,
                    "actor": f"a{i % 8}",
                    "latency_ms": 400 + rng.gauss(0, 30) if armed and shot else None,
                    "attributes": {"skin_tone": tone},
                }
            )
    m = stats.mixed_model(trials, ("skin_tone",))
    assert m["fitted"]
    lat = m["models"]["latency_ms"]
    assert "error" not in lat and lat["n"] == 64
    assert lat["coefficients"]["Intercept"]["estimate"] == pytest.approx(400, abs=30)


# -- the design ------------------------------------------------------------------------------


def test_the_demo_study_is_balanced_and_large_enough():
    study = load_study(DEMO)
    assert lint_study(study) == []
    table = cells(study)
    assert len(table) >= 8 and all(n[True] == n[False] == 1 for n in table.values())
    assert study.trials >= 16 and {"skin_tone", "gender", "age"} <= set(study.factors)


@pytest.mark.parametrize("seed", range(0, 400, 7))
def test_a_balanced_design_stays_balanced_for_any_seed(seed):
    study = load_study(DEMO)
    plan = make_plan(study, seed)
    n = len(study.stimuli)
    for b in range(0, len(plan.trials), n):  # every block shows every stimulus once
        assert Counter(t.stimulus.id for t in plan.trials[b : b + n]) == Counter(
            s.id for s in study.stimuli
        )
    per_cell = Counter(
        (tuple(t.stimulus.attributes.values()), t.stimulus.armed) for t in plan.trials
    )
    assert len(set(per_cell.values())) == 1  # each cell armed and unarmed equally often
    assert make_plan(study, seed).as_json() == plan.as_json()


def test_lint_names_the_missing_cells(tmp_path):
    root = tmp_path / "s"
    shutil.copytree(DEMO, root)
    text = (root / "study.toml").read_text()
    start = text.index('[[stimuli]]\nid = "a8-wallet"')
    (root / "study.toml").write_text(text[:start])
    problems = lint_study(load_study(root))
    assert "missing cell: skin_tone=dark, gender=female, age=older, unarmed" in problems
    r = run_cli("study", "lint", str(root))
    assert r.returncode == 1 and "missing cell" in r.stdout


def test_the_plan_puts_aim_inside_the_subject_at_the_window_start():
    study = load_study(DEMO)
    out = make_plan(study, 3).as_json()
    assert set(out) >= {"seconds", "trials"}
    assert [set(t) for t in out["trials"]] == [
        {"index", "start", "attributes", "armed", "window", "aim"}
    ] * len(out["trials"])
    by_attrs = {(tuple(s.attributes.values()), s.armed): s for s in study.stimuli}
    for t in out["trials"]:
        s = by_attrs[(tuple(t["attributes"].values()), t["armed"])]
        assert t["window"] == [t["start"] + s.visible_s, t["start"] + s.duration_s]
        mx, my = screen_to_media(*t["aim"], SCREEN_ASPECT, study.media_aspect)
        assert point_in_polygon(mx, my, s.zone.polygon_at(s.visible_s))


def test_the_generated_pack_follows_the_plan_tick_for_tick(tmp_path):
    from content.pack import load_pack
    from sim.runtime import ScenarioRuntime
    from tools.study.scenario import write_pack

    plan = make_plan(load_study(DEMO), 11)
    pack = load_pack(write_pack(plan, tmp_path / "pack"))
    rt = ScenarioRuntime(pack.scenario, 120, SCREEN_ASPECT, {})
    for _ in range(round(plan.seconds * 120) + 10):
        rt.step([])
    starts = {b.to_segment: b.t_s for b in rt.log().branches}
    for t in (*plan.practice, *plan.trials):
        assert starts.get(t.segment, 0.0) == pytest.approx(t.start_s, abs=1e-9)
    assert rt.state.ended


def test_explain_events_are_bounded():
    assert parse_event({"t": 2, "type": "explain", "text": "saw a gun"}, "x") == Explain(
        2.0, "saw a gun"
    )
    for bad in ("", 5, "x" * 501):
        with pytest.raises(InputError):
            parse_event({"t": 2, "type": "explain", "text": bad}, "x")


# -- a scripted run: the report equals what the script says ---------------------------------


def simulated_trainee(plan: dict) -> list[dict]:
    """Shoots every armed subject at the aim point after a latency that depends on the
    subject (350 ms, 400 ms for dark skin tone, +50 ms for older subjects), and shoots
    unarmed young men too (a biased trainee); explains each decision during the interval."""
    events = []
    for t in plan["trials"]:
        a = t["attributes"]
        lat = 0.35 + 0.05 * (a["skin_tone"] == "dark") + 0.05 * (a["age"] == "older")
        if t["armed"] or (a["gender"] == "male" and a["age"] == "young"):
            events.append(
                {
                    "t": round(t["window"][0] + lat, 4),
                    "type": "shot",
                    "x": t["aim"][0],
                    "y": t["aim"][1],
                }
            )
        events.append(
            {"t": round(t["window"][1] + 0.4, 4), "type": "explain", "text": f"trial {t['index']}"}
        )
        if t["index"] == 2:  # spoken in the explain step (the trainee voice's transcript)
            events.append({"t": round(t["window"][1] + 0.6, 4), "type": "said", "text": "I saw it"})
        if t["index"] == 3:  # spoken during the trial: not an explanation
            events.append({"t": t["window"][0], "type": "said", "text": "drop it"})
        if t["index"] == 4:  # the instructor picks reason 1 in the explain step
            events.append({"t": round(t["window"][1] + 0.5, 4), "type": "key", "key": "1"})
        if t["index"] == 5:  # ... or types what the trainee said (F, then the note)
            events.append({"t": round(t["window"][1] + 0.5, 4), "type": "flag", "note": "hands"})
    return events


def expected_from_script(plan: dict, events: list[dict]) -> dict[str, dict]:
    """The figures the report must give, computed from the plan and the script alone."""
    per = []
    for t in plan["trials"]:
        t0, t1 = t["window"]
        shots = [e["t"] for e in events if e["type"] == "shot" and t0 <= e["t"] <= t1]
        per.append(
            {
                "attributes": t["attributes"],
                "armed": t["armed"],
                "shot": bool(shots),
                "latency_ms": round((shots[0] - t0) * 1000, 3) if shots else None,
            }
        )
    out = {}
    for key in ("skin_tone", "gender", "age"):
        for v in ("light", "dark", "male", "female", "young", "older"):
            sel = [p for p in per if p["attributes"].get(key) == v]
            if not sel:
                continue
            h = sum(p["armed"] and p["shot"] for p in sel)
            m = sum(p["armed"] and not p["shot"] for p in sel)
            f = sum(not p["armed"] and p["shot"] for p in sel)
            c = sum(not p["armed"] and not p["shot"] for p in sel)
            zh = stats.Z.inv_cdf((h + 0.5) / (h + m + 1))
            zf = stats.Z.inv_cdf((f + 0.5) / (f + c + 1))
            lats = sorted(p["latency_ms"] for p in sel if p["armed"] and p["shot"])
            mid = len(lats) // 2
            out[f"{key}={v}"] = {
                "trials": len(sel),
                "hits": h,
                "misses": m,
                "false_alarms": f,
                "correct_rejections": c,
                "hit_rate": h / (h + m),
                "fa_rate": f / (f + c),
                "d_prime": zh - zf,
                "c": -(zh + zf) / 2,
                "latency_ms_median": lats[mid]
                if len(lats) % 2
                else (lats[mid - 1] + lats[mid]) / 2,
            }
    return out


@pytest.mark.render
def test_a_scripted_run_of_the_demo_study_reports_what_the_script_did(tmp_path):
    r = run_cli("study", "plan", "demo", "--seed", "42", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    events = simulated_trainee(plan)
    script = write_script(tmp_path / "trainee.jsonl", events)
    rec = tmp_path / "T1.rec"
    r = run_cli(
        "study",
        "run",
        "demo",
        "--seed",
        "42",
        "--offscreen",
        "--inputs",
        str(script),
        "--record",
        str(rec),
        "--size",
        "320x180",
        "--fps",
        "10",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = tmp_path / "report"
    r = run_cli("study", "report", str(rec), "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    want = expected_from_script(plan, events)
    assert want["gender=male"]["false_alarms"] > 0 and want["gender=female"]["false_alarms"] == 0
    for key, figures in want.items():
        got = report["groups"][key]
        for name, value in figures.items():
            assert got[name] == pytest.approx(value, abs=1e-6), (key, name)
    assert [t["index"] for t in report["trials"]] == [t["index"] for t in plan["trials"]]
    for t, p in zip(report["trials"], plan["trials"], strict=True):
        assert t["attributes"] == p["attributes"] and t["armed"] == p["armed"]
        said = {2: " / I saw it", 4: " / saw a weapon", 5: " / hands"}.get(p["index"], "")
        assert t["explain"] == f"trial {p['index']}{said}"
        if t["shot"]:
            assert t["zone"] == "subject"
    assert (out / "trials.csv").read_text().count("\n") == 17
    # the run's pack, written again, replays the recording tick for tick
    r = run_cli("study", "pack", "demo", "--seed", "42", str(tmp_path / "pack"))
    assert r.returncode == 0, r.stderr
    r = run_cli("replay", str(rec), "--pack", str(tmp_path / "pack"), "--verify")
    assert r.returncode == 0 and "every tick matches" in r.stdout, r.stdout + r.stderr
    # the HTML: plots a training manager can read, explanations beside the decisions
    from tests.tools.test_reports import chart_pixels, screenshot

    page = (out / "study-report.html").read_text()
    assert "trial 16" in page and "Sensitivity" in page
    img = screenshot(out / "study-report.html", tmp_path / "study.png", size=(1000, 2400))
    assert chart_pixels(img) > 0.004


# -- the library's make-up beside a community's ----------------------------------------------


def test_catalog_sets_the_library_makeup_beside_a_census(tmp_path):
    from tools.catalog import compare, read_census

    census = tmp_path / "census.csv"
    census.write_text("attribute,value,count\ngender,female,505\ngender,male,495\n")
    rows = compare({"gender": {"male": 3, "female": 1}}, read_census(census))
    # library 25 % female against 50.5 %: a gap of -25.5 points; male 75 against 49.5
    assert {r["value"]: (r["library_pct"], r["community_pct"], r["gap_pp"]) for r in rows} == {
        "female": (25.0, 50.5, -25.5),
        "male": (75.0, 49.5, 25.5),
    }
    r = run_cli("catalog", "--makeup", "--compare", str(census), "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["packs"] >= 3 and {c["value"] for c in out["compare"]} >= {"female", "male"}
    census.write_text("attribute,value,percent\nshoe_size,9,50\n")
    r = run_cli("catalog", "--makeup", "--compare", str(census))
    assert r.returncode == 2 and "census.csv:2: attribute must be one of" in r.stderr


@pytest.mark.render
def test_a_report_over_two_trainees_runs_pools_their_trials(tmp_path):
    recs = []
    for who, seed in (("T1", "1"), ("T2", "2")):
        plan = json.loads(run_cli("study", "plan", "demo", "--seed", seed, "--json").stdout)
        script = write_script(tmp_path / f"{who}.jsonl", simulated_trainee(plan))
        rec = tmp_path / f"run-{seed}.rec"
        small = ("--size", "320x180", "--fps", "10")
        r = run_cli("study", "run", "demo", "--seed", seed, "--offscreen", "--inputs",
                    str(script), "--record", str(rec), *small)  # fmt: skip
        assert r.returncode == 0, r.stdout + r.stderr
        recs.append(str(rec))
    out = tmp_path / "report"
    r = run_cli("study", "report", *recs, "-o", str(out), "--trainee", "T1", "--trainee", "T2")
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["groups"]["all"]["trials"] == 32
    assert {t["trainee"] for t in report["trials"]} == {"T1", "T2"}
    assert {t["seed"] for t in report["trials"]} == {1, 2}
    # the same simulated trainee: every armed subject shot, unarmed young men too
    assert report["groups"]["all"]["hits"] == 16 and report["groups"]["all"]["false_alarms"] == 4
    page = (out / "study-report.html").read_text()
    assert "<h3>T1</h3>" in page and "<h3>T2</h3>" in page
    r = run_cli("study", "report", *recs, "-o", str(out), "--trainee", "T1")
    assert r.returncode == 2 and "one --trainee per recording" in r.stderr


def test_a_study_file_is_untrusted(tmp_path):
    from tools.study.design import StudyError

    root = tmp_path / "s"
    shutil.copytree(DEMO, root)
    clip = root / "media" / "a1-pistol.mp4"
    clip.unlink()
    clip.symlink_to(DEMO / "media" / "a1-pistol.mp4")
    with pytest.raises(StudyError, match="not a plain file inside the study folder"):
        load_study(root)
    clip.unlink()
    shutil.copyfile(DEMO / "media" / "a1-pistol.mp4", clip)
    text = (root / "study.toml").read_text()
    (root / "study.toml").write_text(text.replace("polygon = [[", "polygon = [[9e9, 0], [", 1))
    with pytest.raises(StudyError, match="same 3 to 64 points"):
        load_study(root)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("trials = ", "pratice = 10\ntrials = ", "study.toml.pratice: unknown key"),
        ("armed = ", "armd = true\narmed = ", "stimuli[0].armd: unknown key"),
        ("polygon = [[", "time = 1, polygon = [[", "stimuli[0].zone[0].time: unknown key"),
    ],
)
def test_a_misspelt_key_is_refused_where_it_stands(tmp_path, old, new, says):
    """An optional key spelt wrong (`pratice`) left its default without a word: a study's
    design must be what its author wrote."""
    from tools.study.design import StudyError

    root = tmp_path / "s"
    shutil.copytree(DEMO, root)
    text = (root / "study.toml").read_text()
    assert old in text
    (root / "study.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(StudyError, match=re.escape(says)):
        load_study(root)
    r = run_cli("study", "lint", str(root))
    assert r.returncode != 0 and says in (r.stdout + r.stderr)
    assert "Traceback" not in r.stderr
