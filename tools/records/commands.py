"""What `sightline trainee`, `sightline records` and `sightline db` run (tools/cli/training.py
declares their flags). Each returns the exit status; problems are RecordsErrors (one
line). Output goes to stdout only because the user asked for it; nothing is logged."""

from __future__ import annotations

import json

from tools.records.db import database_url, shown


def trainee_command(args) -> int:
    from tools.records import store

    url = database_url(args.db)
    if args.action == "add":
        store.add_trainee(url, args.id, args.name, args.class_id)
        print(f"added trainee {args.id}")
    elif args.action == "list":
        rows = store.list_trainees(url)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            for r in rows:
                print(f"{r['id']:<16} {r['name']:<32} {r['class'] or '-':<12} {r['sessions']:>4}")
            print(f"{len(rows)} trainee(s)")
    else:
        record = store.show_trainee(url, args.id)
        if args.json:
            print(json.dumps(record, indent=2, ensure_ascii=False))
        else:
            print(_format_record(record))
    return 0


def _format_record(r: dict) -> str:
    lines = [f"{r['id']}  {r['name']}" + (f"  (class {r['class']})" if r["class"] else "")]
    for s in r["sessions"]:
        level = f"level {s['level']}" if s["level"] is not None else "no level"
        lines.append(
            f"  {s['date']}  {s['pack']:<28} {s['duration_s']:7.1f} s  "
            f"shots {s['shots']}, hits {s['hits']}, no-shoot {s['no_shoot_hits']}  {level}"
            + (f"  instructor {s['instructor']}" if s["instructor"] else "")
        )
        for item, lv in s["scores"].items():
            lines.append(f"      {item}: {'not observed' if lv is None else lv}")
    if r["levels"]:
        lines.append(
            "  latest levels: " + ", ".join(f"{k} {v}" for k, v in sorted(r["levels"].items()))
        )
    lines.append(f"  {len(r['sessions'])} session(s)")
    return "\n".join(lines)


def records_command(args) -> int:
    from tools.records import retention
    from tools.records.sessions import attribution_of, import_recording

    url = database_url(args.db)
    if args.action == "import":
        attribution = attribution_of(args)
        if not attribution.trainees:
            from tools.records.db import RecordsError

            raise RecordsError("records import: name the trainee(s) with --trainee [WEAPON=]ID")
        sid, new = import_recording(url, args.recording, args.pack, attribution)
        print(f"Records: session {sid} {'imported' if new else 'updated'} in {shown(url)}")
    elif args.action == "export":
        text = retention.export_json(url, args.id)
        if args.out is None:
            print(text, end="")
        else:
            retention.write_private(args.out, text)
            print(f"wrote {args.out}")
    elif args.action == "delete":
        removed = retention.delete_trainee(url, args.id)
        print(
            f"deleted trainee {args.id}: {removed.sessions} session(s), "
            f"{len(removed.files)} file(s)"
            + (
                f"; {removed.kept_shared} shared session(s) kept for the other trainees"
                if removed.kept_shared
                else ""
            )
        )
    else:
        removed = retention.purge(url, args.older_than, args.dry_run)
        verb = "would delete" if args.dry_run else "deleted"
        print(
            f"{verb} {removed.sessions} session(s) older than {args.older_than:g} days, "
            f"{len(removed.files)} file(s)"
        )
        if args.dry_run:
            for p in removed.files:
                print(f"  {p}")
    return 0


def db_command(args) -> int:
    from tools.records import db

    url = database_url(args.db)
    if args.action == "upgrade":
        before, after = db.upgrade(url)
        if before == after:
            print(f"{shown(url)}: schema {after}, up to date")
        else:
            print(f"{shown(url)}: schema {before or 'none'} -> {after}")
    else:
        current, head = db.status(url)
        state = "up to date" if current == head else "run `sightline db upgrade`"
        print(f"{shown(url)}: schema {current or 'none'}, this Sightline's {head}: {state}")
    return 0
