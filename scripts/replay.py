#!/usr/bin/env python3
"""Replay the shared recorded fixtures through modelbrief and write every weekly brief.

Reproduces the auditor's setup (shared/research/audit-2026-12/truth.md, section 1):
  * two windows: "2026" (openrouter, litellm, livebench) and "2025" (lmarena, aider, litellm);
  * one config per window, written to OUT/<window>/modelbrief.toml: the shipped
    config/modelbrief.toml minus its sources, with the database in OUT/<window>, retries 0,
    short timeouts and the absolute aliases file; the window's sources keep their shipped
    `kind` and point at the fixtures with file:// URLs (no network at all);
  * for every date of the union of the window's fixture dates, one
    `ingest --format json --source ...` at <date>T20:00:00Z, each source overridden through
    MODELBRIEF__SOURCES__<i>__URL to its latest fixture at or before that date (sources with
    no file yet are skipped);
  * for every ISO week from the first date's week to the week after the last date's
    (2026-W23..W29, 2025-W27..W42, as in truth.md): `brief --week W --format json|text|html`
    with --now = the Monday after the week, 09:00Z, into OUT/<window>/briefs/<week>.{json,txt,html}.
Logs: OUT/<window>/ingest.log (rc, files and JSON of every ingest), OUT/<window>/stderr.log.
It runs a private copy of the binary, so a rebuild during the run cannot mix two versions.

Run:   python3 scripts/replay.py [--out DIR] [--window 2025|2026|all] [--bin PATH]
Then:  python3 scripts/audit_lines.py DIR      (one line per claim, to mark true/false)
Standard library only (Python 3.11+). Never runs cargo; never contacts the network.
"""
import argparse, collections, datetime as dt, json, os, re, shutil, subprocess, sys, tempfile, time, tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The team's recorded fixtures (../shared/fixtures beside the checkout; --fixtures to point
# elsewhere). The project's own tests/fixtures hold only a subset of the dates.
FIXTURES = REPO.parent / "shared" / "fixtures"
# window -> [(source name in config/modelbrief.toml, fixture folder, livebench categories file)]
WINDOWS = {
    "2026": [("openrouter", "openrouter-models", None), ("litellm", "litellm-model-prices", None),
             ("livebench", "livebench", "livebench-categories/2026-01-19.json")],
    "2025": [("lmarena", "lmarena-text", None), ("aider", "aider-polyglot", None),
             ("litellm", "litellm-model-prices", None)],
}


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON escapes are valid TOML basic strings
    if isinstance(v, list):
        return "[" + ", ".join(map(toml_value, v)) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} as TOML")


def toml_key(k):
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def toml_dump(table, path=()):
    """Minimal TOML writer: scalars and inline tables, then [tables] and [[arrays of tables]]."""
    out, subs = [], []
    for k, v in table.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            subs.append((k, v, True))
        elif isinstance(v, dict) and path == ():  # top-level sections as [section]
            subs.append((k, v, False))
        else:
            out.append(f"{toml_key(k)} = {toml_value(v)}")
    for k, v, is_array in subs:
        name = ".".join(map(toml_key, path + (k,)))
        for item in (v if is_array else [v]):
            out += ["", f"[[{name}]]" if is_array else f"[{name}]", toml_dump(item, path + (k,))]
    return "\n".join(out)


def fixture_files(folder, year):
    return sorted(p for p in (FIXTURES / folder).iterdir() if p.name.startswith(year))


def run(cmd, env):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def replay(window, args, base_env, shipped):
    out = args.out / window
    (out / "briefs").mkdir(parents=True, exist_ok=True)
    for f in out.glob("modelbrief.db*"):  # a fresh database every run
        f.unlink()
    srcs = []  # (index, name, [fixture files])
    cfg = {k: v for k, v in shipped.items() if k != "sources"}
    cfg["database"] = {"path": str(out / "modelbrief.db")}
    cfg["fetch"] = {**cfg.get("fetch", {}), "retries": 0, "connect_timeout": "2s", "timeout": "20s"}
    cfg["identity"] = {**cfg.get("identity", {}), "aliases": str(REPO / "config" / "aliases.toml")}
    if "templates" in cfg.get("brief", {}):
        cfg["brief"]["templates"] = str((REPO / "config" / cfg["brief"]["templates"]).resolve())
    cfg["sources"] = []
    for i, (name, folder, cats) in enumerate(WINDOWS[window]):
        shipped_src = next(s for s in shipped["sources"] if s["name"] == name)
        files = fixture_files(folder, window)
        src = {"name": name, "kind": shipped_src["kind"], "url": files[0].as_uri()}
        if "categories_url" in shipped_src:
            src["categories_url"] = (FIXTURES / cats).as_uri()
        cfg["sources"].append(src)
        srcs.append((i, name, files))
    conf = out / "modelbrief.toml"
    conf.write_text("# written by scripts/replay.py\n" + toml_dump(cfg) + "\n")
    chk = run([args.bin, "--config", str(conf), "config", "check"], base_env)
    if chk.returncode not in (0, 1):  # 1: valid, but send/serve lack a key (not needed here)
        sys.exit(f"{conf}: config check failed (rc {chk.returncode}):\n{chk.stdout}{chk.stderr}")

    dates = sorted({dt.date.fromisoformat(f.stem.split(".")[0]) for _, _, fs in srcs for f in fs})
    stats, rcs, n_ingest = collections.Counter(), collections.Counter(), 0
    with open(out / "ingest.log", "w") as log, open(out / "stderr.log", "w") as err:
        for d in dates:
            now, env, cmd, used = f"{d}T20:00:00Z", dict(base_env), [], []
            for i, name, files in srcs:
                f = [f for f in files if dt.date.fromisoformat(f.stem.split(".")[0]) <= d]
                if f:
                    env[f"MODELBRIEF__SOURCES__{i}__URL"] = f[-1].as_uri()
                    cmd += ["--source", name]
                    used.append(f"{name}<-{f[-1].parent.name}/{f[-1].name}")
            p = run([args.bin, "--config", str(conf), "--now", now, "ingest", "--format", "json", *cmd], env)
            n_ingest += 1
            rcs[p.returncode] += 1
            try:
                results = json.loads(p.stdout)
            except ValueError:
                results = []
            for r in results:
                stats[r.get("status")] += 1
            short = " ".join(f"{r.get('source')}={r.get('status')}({r.get('rows')})" for r in results)
            log.write(f"{now} rc={p.returncode} {' '.join(used)}\n  {short}\n  {json.dumps(results) if results else p.stdout.strip()}\n")
            err.write(f"=== ingest {now} rc={p.returncode}\n{p.stderr}")
            print(f"[{window}] ingest {now} rc={p.returncode} {short}", flush=True)

        y, w, _ = dates[0].isocalendar()
        monday = dt.date.fromisocalendar(y, w, 1)
        last = dates[-1] + dt.timedelta(days=7)  # through the week after the last date's week
        heads = []
        while monday <= last:
            y, w, _ = monday.isocalendar()
            week, now = f"{y}-W{w:02d}", f"{monday + dt.timedelta(days=7)}T09:00:00Z"
            bad = []
            for fmt, ext in (("json", "json"), ("text", "txt"), ("html", "html")):
                p = run([args.bin, "--config", str(conf), "--now", now, "brief", "--week", week, "--format", fmt], base_env)
                (out / "briefs" / f"{week}.{ext}").write_text(p.stdout)
                err.write(f"=== brief {week} {fmt} rc={p.returncode}\n{p.stderr}")
                if p.returncode != 0:
                    bad.append(f"{fmt} rc={p.returncode}")
            try:
                j = json.loads((out / "briefs" / f"{week}.json").read_text())
                n = lambda k: len(j.get(k) or [])
                head = (f"new {n('new_models')}, prices {n('price_changes')}, ranks {n('rank_shifts')}, "
                        f"removed {n('removed_models')}, notices {n('notices')}, ctx {n('context_changes')}"
                        f", matchup {'yes' if j.get('matchup') else 'no'}")
            except ValueError:
                head = "no JSON"
            heads.append(f"  {week} (--now {now}): {head}" + (f"  FAILED: {', '.join(bad)}" if bad else ""))
            monday += dt.timedelta(days=7)
    return (f"window {window}: {n_ingest} ingests (rc {dict(rcs)}; source statuses {dict(stats)}), "
            f"{len(heads)} weeks written to {out / 'briefs'}\n" + "\n".join(heads))


def main():
    global FIXTURES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    debug, release = REPO / "target/debug/modelbrief", REPO / "target/release/modelbrief"
    newest = max((b for b in (debug, release) if b.exists()), key=lambda b: b.stat().st_mtime, default=debug)
    ap.add_argument("--bin", type=Path, default=newest, help=f"modelbrief binary (default: newest of debug/release, now {newest})")
    ap.add_argument("--out", type=Path, help="output folder (default: a new temp folder)")
    ap.add_argument("--window", choices=["2025", "2026", "all"], default="all")
    ap.add_argument("--fixtures", type=Path, default=FIXTURES, help=f"recorded fixtures (default {FIXTURES})")
    args = ap.parse_args()
    FIXTURES = args.fixtures.resolve()
    if not FIXTURES.is_dir():
        sys.exit(f"replay: no fixtures folder at {FIXTURES} (pass --fixtures DIR)")
    args.out = (args.out or Path(tempfile.mkdtemp(prefix="modelbrief-replay-"))).resolve()
    # run a private copy, so a rebuild of the binary mid-run cannot mix two versions in one replay
    snap_dir = tempfile.TemporaryDirectory(prefix="modelbrief-bin-")
    src_bin, args.bin = args.bin.resolve(), str(Path(snap_dir.name) / "modelbrief")
    for attempt in range(30):
        try:
            before = src_bin.stat()
            shutil.copy2(src_bin, args.bin)
            after = src_bin.stat()
            if (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size) and \
                    subprocess.run([args.bin, "--version"], capture_output=True).returncode == 0:
                break
        except OSError:
            pass
        time.sleep(10)  # being rebuilt: wait and copy again
    else:
        sys.exit(f"{src_bin}: could not take a stable copy of the binary")
    built = dt.datetime.fromtimestamp(after.st_mtime, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # a clean environment: no inherited MODELBRIEF_* settings (MODELBRIEF_NOW, ...), no proxies
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith("MODELBRIEF") and "proxy" not in k.lower()}
    base_env["NO_PROXY"] = "*"
    shipped = tomllib.loads((REPO / "config/modelbrief.toml").read_text())
    t0 = time.time()
    summaries = [replay(w, args, base_env, shipped) for w in (["2026", "2025"] if args.window == "all" else [args.window])]
    print(f"\n== summary (out: {args.out}, bin: {src_bin} built {built}, {time.time() - t0:.0f}s)")
    print("\n".join(summaries))


if __name__ == "__main__":
    main()
