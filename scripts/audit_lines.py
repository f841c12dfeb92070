#!/usr/bin/env python3
"""Print every claim of the replayed weekly briefs, one line per item, for a human to mark.

Reads OUT/<window>/briefs/*.json as written by scripts/replay.py (`brief --format json`) and
prints one line per new model, price change, rank shift (with its kind and significance),
removed model, context change, notice, source-health entry, price-history series and matchup
row/verdict, each prefixed "<window> <week> <section>#<n>" and followed by a blank MARK column
("true / misleading / false").
Keys it does not know (the schema only ever grows: top_stories, listing_price_changes, ...) and
unknown fields inside known items are printed generically, so nothing is silently dropped.

Run:  python3 scripts/audit_lines.py OUT [OUT/2026 | path/to/week.json ...] > claims.txt
      (--tsv for tab-separated columns to paste into a spreadsheet)
Standard library only (Python 3.11+).
"""
import argparse, json, sys
from pathlib import Path

SKIP = {"edition", "window"}  # printed in the per-week header instead


def v(x):
    """Compact value: null for None, trimmed floats, JSON for containers."""
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:g}"
    if isinstance(x, (dict, list)):
        return json.dumps(x, ensure_ascii=False, separators=(",", ":"))
    return str(x)


def extra(item, used):
    rest = {k: x for k, x in item.items() if k not in used}
    return ("  | " + ", ".join(f"{k}={v(x)}" for k, x in rest.items())) if rest else ""


def g(d, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def new_model(m):
    scores = ", ".join(f"{k}={v(s)}" for k, s in (m.get("scores") or {}).items())
    line = (f"{'' if m.get('notable', True) else '[reseller-only line] '}{v(m.get('name'))} ({v(m.get('model'))})"
            f" by {v(m.get('provider'))}; ${v(m.get('input_per_mtok'))} in / ${v(m.get('output_per_mtok'))} out"
            f" [{v(m.get('price_basis'))}]; context {v(m.get('context'))}; reasoning {v(m.get('reasoning'))};"
            f" listed by {v(m.get('sources'))}; first seen {v(m.get('first_seen'))}")
    return line + (f"; scores: {scores}" if scores else "") + extra(m, {
        "model", "name", "provider", "sources", "input_per_mtok", "output_per_mtok", "price_basis",
        "context", "reasoning", "scores", "first_seen", "notable"})


def price_change(p):
    return (f"{v(p.get('kind'))}: {v(p.get('name'))} ({v(p.get('model'))}) {v(p.get('source'))}:{v(p.get('listing'))}"
            f" [{v(p.get('basis'))}] in ${v(g(p, 'input_per_mtok', 'old'))} -> ${v(g(p, 'input_per_mtok', 'new'))},"
            f" out ${v(g(p, 'output_per_mtok', 'old'))} -> ${v(g(p, 'output_per_mtok', 'new'))}"
            f" ({v(p.get('pct'))}%; in {v(p.get('input_pct'))}%, out {v(p.get('output_pct'))}%) as of {v(p.get('as_of'))}"
            + extra(p, {"model", "name", "source", "listing", "basis", "input_per_mtok", "output_per_mtok",
                        "pct", "input_pct", "output_pct", "kind", "as_of"}))


def rank_shift(r):
    sig = "" if r.get("significant", True) else " [NOT significant: JSON only, not in the text/html]"
    prev = f"; displaces {v(r.get('previous_leader'))}" if r.get("previous_leader") else ""
    return (f"{v(r.get('kind'))}: {v(r.get('leaderboard_name') or r.get('leaderboard'))}: {v(r.get('name'))} ({v(r.get('model'))})"
            f" #{v(r.get('old_rank'))} -> #{v(r.get('new_rank'))}, score {v(r.get('old_score'))} -> {v(r.get('score'))}"
            f"{prev} as of {v(r.get('as_of'))}{sig}"
            + extra(r, {"leaderboard", "leaderboard_name", "model", "name", "old_rank", "new_rank", "score",
                        "old_score", "significant", "kind", "as_of", "previous_leader"}))


def removed(r):
    return (f"{v(r.get('name'))} ({v(r.get('model'))}) removed from {v(r.get('source'))}: last seen {v(r.get('last_seen'))},"
            f" confirmed {v(r.get('confirmed_at'))}" + extra(r, {"model", "name", "source", "last_seen", "confirmed_at"}))


def context(c):
    return (f"{v(c.get('kind'))}: {v(c.get('name'))} ({v(c.get('model'))}) {v(c.get('source'))}:{v(c.get('listing'))}"
            f" context {v(c.get('old'))} -> {v(c.get('new'))} as of {v(c.get('as_of'))}"
            + extra(c, {"model", "name", "source", "listing", "old", "new", "kind", "as_of"}))


def notice(n):
    return f"[{v(n.get('kind'))}] {v(n.get('source'))}: {v(n.get('text'))}" + extra(n, {"kind", "source", "text"})


def source(s):
    return (f"{v(s.get('name'))}: {v(s.get('status'))}, last success {v(s.get('last_success'))}, last pull"
            f" {v(s.get('last_pull'))}, error {v(s.get('error'))}"
            + extra(s, {"name", "status", "last_success", "last_pull", "error"}))


def history(h):
    pts = "; ".join(f"{v(p.get('at'))[:10]} {v(p.get('input_per_mtok'))}/{v(p.get('output_per_mtok'))}"
                    for p in h.get("points") or [])
    return (f"chart: {v(h.get('name'))} ({v(h.get('model'))}) {v(h.get('source'))}:{v(h.get('listing'))}: {pts}"
            + extra(h, {"model", "name", "source", "listing", "points"}))


def generic(item):
    if isinstance(item, dict):
        return ", ".join(f"{k}={v(x)}" for k, x in item.items())
    return v(item)


def matchup(m):
    c = m.get("comparison") or {}
    a, b = c.get("a") or {}, c.get("b") or {}
    yield (f"{v(m.get('leaderboard_name') or m.get('leaderboard'))}: new #1 {v(a.get('name'))} ({v(a.get('model'))})"
           f" vs displaced {v(b.get('name'))} ({v(b.get('model'))})" + extra(m, {"leaderboard", "leaderboard_name", "comparison"}))
    for row in c.get("categories") or []:
        yield "category " + " | ".join(map(v, row)) if isinstance(row, list) else generic(row)
    for who, p in (("a", a), ("b", b)):
        yield (f"{who}={v(p.get('name'))}: ${v(p.get('input_per_mtok'))} in / ${v(p.get('output_per_mtok'))} out"
               f" [{v(p.get('price_basis'))}], context {v(p.get('context'))}, reasoning {v(p.get('reasoning'))},"
               f" speed {v(p.get('speed'))}" + extra(p, {"model", "name", "provider", "categories", "benchmarks",
               "input_per_mtok", "output_per_mtok", "price_basis", "context", "reasoning", "speed"}))
    ba, bb = a.get("benchmarks") or {}, b.get("benchmarks") or {}
    for k in sorted(set(ba) & set(bb)):  # the text card's benchmark rows (derived from the profiles)
        d = ba[k] - bb[k] if all(isinstance(x, (int, float)) for x in (ba[k], bb[k])) else None
        yield f"shared benchmark {k}: {v(ba[k])} vs {v(bb[k])} ({v(d if d is None else round(d, 3))})"
    if c.get("biggest_gap") is not None:
        yield "biggest gap: " + generic(c["biggest_gap"])
    yield f"verdict: {v(c.get('verdict'))}"
    for k, x in c.items():
        if k not in {"a", "b", "categories", "biggest_gap", "verdict"}:
            yield f"{k}: {v(x)}"


FORMAT = {"new_models": new_model, "price_changes": price_change, "rank_shifts": rank_shift,
          "removed_models": removed, "context_changes": context, "notices": notice,
          "sources": source, "price_history": history}


def claims(j):
    for key, val in j.items():
        if key in SKIP or val in (None, [], {}):
            continue
        if key == "matchup" and isinstance(val, dict):
            items = list(matchup(val))
        elif isinstance(val, list):
            fmt = FORMAT.get(key, generic)
            items = []
            for it in val:
                try:
                    items.append(fmt(it))
                except Exception:  # an item whose shape changed: print it raw
                    items.append(generic(it))
        elif isinstance(val, dict):
            items = [f"{k}: {v(x)}" for k, x in val.items()]
        else:
            items = [v(val)]
        for n, text in enumerate(items, 1):
            yield key, n, text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", type=Path, help="replay OUT dir, OUT/<window> dir, or brief .json files")
    ap.add_argument("--tsv", action="store_true", help="tab-separated: window, week, section, n, claim, mark")
    args = ap.parse_args()
    files = []
    for p in args.paths:
        files += [p] if p.is_file() else sorted(p.glob("briefs/*.json")) or sorted(p.glob("*/briefs/*.json"))
    if not files:
        sys.exit("no briefs/*.json found under " + ", ".join(map(str, args.paths)))
    total = 0
    for f in files:
        window = f.parent.parent.name if f.parent.name == "briefs" else "-"
        try:
            j = json.loads(f.read_text())
        except ValueError as e:
            print(f"{window} {f.stem} ERROR: {f} is not JSON ({e})")
            continue
        week = j.get("edition") or f.stem
        if not args.tsv:
            w = j.get("window") or {}
            print(f"\n## {window} {week}  ({v(w.get('from'))} .. {v(w.get('to'))})  {f}")
        for key, n, text in claims(j):
            total += 1
            print("\t".join([window, week, key, str(n), text, ""]) if args.tsv
                  else f"{window} {week} {key}#{n}: {text}   [MARK: ]")
    print(f"\n# {total} lines from {len(files)} briefs", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # piped into head/less
        sys.stderr.close()
