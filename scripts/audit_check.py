#!/usr/bin/env python3
"""Check every claim line of the replayed weekly briefs against the raw fixture files.

Run after scripts/replay.py:
    python3 scripts/replay.py --out OUT --window all
    python3 scripts/audit_check.py OUT [--fixtures DIR] [--window 2025|2026|all] [--tsv] [-v]

For every week of every window it splits OUT/<window>/briefs/<week>.txt into claim lines
(headline, top stories, each new model, each rank line, price line, listing-price line,
no-longer-listed line, context change, note, source line, chart series, matchup line) and prints
each with a verdict: `ok` (a mechanical check passed), `FLAG <reason>` (a check failed) or
`manual` (nothing mechanical applies). It ends with per-window counts and the flagged lines.

What it checks, against the raw fixture file each source had at the window end (its last
healthy pull before the week's Monday 00:00 UTC end, from the pulls table) and at the window
start, using OUT/<window>/modelbrief.db table model_aliases to know which raw rows stand for a
model key (and variant):
  * prices in new-model, price, listing-price and price-history lines equal the raw listing's
    price (LiteLLM input/output_cost_per_token x 1e6, OpenRouter pricing strings x 1e6), old and
    new sides, to the precision printed; "listed at" (first price) lines: the listing had no
    price at the start;
  * a new model: no raw row of any source at the window start maps to its key ("listed before");
    a model now generally available: no non-preview row of its key at the start; the names in
    "Also listed for the first time, by resellers only" likewise;
  * a no-longer-listed model: "last listed by S" -- S listed it at the start; plain removal -- no
    raw row of any source at the window end maps to its key/variant; "still listed by X" -- X
    really lists it at the end;
  * a rank line ("#a -> #b", "new at #b", "ties for #1", "new #1") and new-model score lines
    with a rank ("(#3)"): the score and the competition rank (1 + rows strictly higher, by the
    unrounded score) recomputed from the raw board (LMArena arena_score, Aider pass_rate_2,
    LiveBench category = mean of its tasks and overall = mean of categories, OpenRouter's
    Artificial Analysis indices); a "new #1" is flagged when another model's row has an equal
    score (a tie);
  * a context change: both values equal the raw field (OpenRouter context_length, LiteLLM
    max_input_tokens), as printed (K/M read as decimal or binary);
  * every top story names a model that appears in a section of the same brief, and any
    percentage it quotes is the one its section says;
  * a source line: the "last pulled"/"no successful pull since" date is the last pull before the
    window end in the pulls table.

What it does not check (these lines are `manual` or need a reader anyway): judgement -- whether
a true line is misleading (a catalogue backfill announced as new, a re-grade shown as a rank
move, a listing artefact shown as a price cut, a "removed" model still sold under another key),
notes and their counts, the headline counts, category boards (mixed-scale means), matchup cards
and verdicts, reseller-only and "is now free" framing, and anything a source does not publish.
An `ok` only means the numbers and presence claims match the raw files.

Standard library only (Python 3.11+). Runs in well under a minute on a full replay.
"""
import argparse, csv, datetime as dt, json, re, sqlite3, sys
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures"
FOLDER = {"openrouter": "openrouter-models", "litellm": "litellm-model-prices", "livebench": "livebench",
          "lmarena": "lmarena-text", "aider": "aider-polyglot"}
WINDOW_SOURCES = {"2026": ["openrouter", "litellm", "livebench"], "2025": ["lmarena", "aider", "litellm"]}
LB_CATS = "livebench-categories/2026-01-19.json"
AA = {"Artificial Analysis Intelligence Index": "intelligence_index",
      "Artificial Analysis Coding Index": "coding_index", "Artificial Analysis Agentic Index": "agentic_index"}


# ----------------------------------------------------------------------------- raw files
class Raw:
    """Loads fixture files once; each loader returns {raw id: row}."""

    def __init__(self, fixtures, window):
        self.fx, self.window, self.cache = fixtures, window, {}
        self.files = {}
        for s in WINDOW_SOURCES[window]:
            d = fixtures / FOLDER[s]
            self.files[s] = sorted((p.name[:10], p) for p in d.iterdir() if p.name.startswith(window)) if d.is_dir() else []
        p = fixtures / LB_CATS
        self.cats = json.loads(p.read_text()) if p.exists() else {}

    def file_for(self, source, day):
        """The fixture replay.py fed `source` on ingest day `day` (latest file at or before it)."""
        fs = [(d, p) for d, p in self.files.get(source, []) if d <= day]
        return fs[-1] if fs else (None, None)

    def rows(self, source, date):
        if date is None:
            return {}
        k = (source, date)
        if k not in self.cache:
            _, p = self.file_for(source, date)
            self.cache[k] = getattr(self, "_" + source)(p) if p else {}
        return self.cache[k]

    @staticmethod
    def _openrouter(p):
        return {m["id"]: m for m in json.loads(p.read_text())["data"]}

    @staticmethod
    def _litellm(p):
        j = json.loads(p.read_text())
        return {k: v for k, v in j.items() if isinstance(v, dict) and k != "sample_spec"}

    @staticmethod
    def _lmarena(p):
        with open(p, newline="") as f:
            return {r["model"]: r for r in csv.DictReader(f)}

    def _livebench(self, p):
        out = {}
        with open(p, newline="") as f:
            for r in csv.DictReader(f):
                m = r.pop("model")
                vals = {t: float(v) for t, v in r.items() if v not in ("", None)}
                cats = {}
                for c, ts in self.cats.items():
                    xs = [vals[t] for t in ts if t in vals]
                    if xs:
                        cats[c] = sum(xs) / len(xs)
                if cats:
                    cats["overall"] = sum(cats.values()) / len(cats)
                out[m] = {"tasks": vals, "cats": cats}
        return out

    @staticmethod
    def _aider(p):
        """Minimal reader of the Aider YAML list (top-level '- key: v' / '  key: v' scalars only)."""
        out, cur = [], None
        for line in p.read_text().splitlines():
            m = re.match(r"^(- |  )([A-Za-z_0-9]+): ?(.*)$", line)
            if not m:
                continue
            if m.group(1) == "- ":
                cur = {}
                out.append(cur)
            if cur is not None:
                v = m.group(3).strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                    v = v[1:-1]
                cur.setdefault(m.group(2), v)
        return {r["dirname"]: r for r in out if "dirname" in r}


def dec(x):
    try:
        return None if x is None or x == "" else Decimal(str(x))
    except InvalidOperation:
        return None


def price(source, row):
    """(input, output) USD per 1M tokens, each None when not listed."""
    if row is None:
        return None
    if source == "openrouter":
        p = row.get("pricing") or {}
        i, o = dec(p.get("prompt")), dec(p.get("completion"))
    elif source == "litellm":
        i, o = dec(row.get("input_cost_per_token")), dec(row.get("output_cost_per_token"))
    else:
        return None
    f = lambda v: None if v is None else float(v * 1000000)
    return (f(i), f(o))


def context(source, row):
    if row is None:
        return []
    if source == "openrouter":
        return [x for x in (row.get("context_length"), (row.get("top_provider") or {}).get("context_length")) if x]
    if source == "litellm":
        return [x for x in (row.get("max_input_tokens"), row.get("max_tokens")) if x]
    return []


def board_scores(raw, board, date_by_src):
    """(source, {raw id: unrounded score}) of a named board at the given snapshot dates, or None."""
    if board == "LMArena text":
        rows = raw.rows("lmarena", date_by_src.get("lmarena"))
        return "lmarena", {k: float(r["arena_score"]) for k, r in rows.items() if dec(r.get("arena_score")) is not None}
    if board == "Aider polyglot":
        rows = raw.rows("aider", date_by_src.get("aider"))
        return "aider", {k: float(r["pass_rate_2"]) for k, r in rows.items() if dec(r.get("pass_rate_2")) is not None}
    if board.startswith("LiveBench "):
        cat = board[len("LiveBench "):]
        if cat != "overall" and cat not in raw.cats:
            return None
        rows = raw.rows("livebench", date_by_src.get("livebench"))
        return "livebench", {k: r["cats"][cat] for k, r in rows.items() if cat in r["cats"]}
    if board in AA:
        rows = raw.rows("openrouter", date_by_src.get("openrouter"))
        out = {}
        for k, r in rows.items():
            v = ((r.get("benchmarks") or {}).get("artificial_analysis") or {}).get(AA[board])
            if isinstance(v, (int, float)):
                out[k] = float(v)
        return "openrouter", out
    return None


# ----------------------------------------------------------------------------- number matching
def shown(s):
    """'0.2885' -> (0.2885, half of its last printed digit)."""
    s = s.replace(",", "")
    d = len(s.split(".")[1]) if "." in s else 0
    return float(s), 0.5 * 10 ** -d


def same(txt, value, rel=0.006):
    """Does the printed number `txt` show the raw `value` (to its printed precision)?"""
    if value is None:
        return False
    v, half = shown(txt)
    if v == value:
        return True
    return abs(v - value) <= half + 1e-9 and abs(v - value) <= rel * abs(value) + 1e-9


def same_tokens(txt, value):
    """'131,072' / '128K' / '1.05M' against a raw token count (K, M decimal or binary)."""
    m = re.fullmatch(r"([\d.,]+)([KM]?)", txt)
    if not m or value is None:
        return False
    num, unit = m.groups()
    if not unit:
        return same(num, float(value), rel=0)
    for base in ((1000, 1024) if unit == "K" else (1000000, 1048576)):
        if same(num, value / base, rel=0.01):
            return True
    return False


def fmt_p(p):
    return "absent" if p is None else "/".join("none" if x is None else f"{x:g}" for x in p)


# ----------------------------------------------------------------------------- brief splitting
HEAD = {"TOP STORIES": "story", "NEW MODELS": "new", "RANKING SHIFTS": "rank", "MATCHUP OF THE WEEK": "matchup",
        "PRICE CHANGES (per 1M tokens)": "price", "CONTEXT WINDOWS": "context", "NO LONGER LISTED": "removed",
        "NOTES": "note", "SOURCES": "source"}


def split_items(text):
    """[(section, claim text with continuation lines joined by ' / ', extra)] for one text brief."""
    L = text.split("\n")
    out, sec, group, cur = [], "intro", None, None

    def flush():
        nonlocal cur
        if cur:
            out.append(cur)
        cur = None

    i = 0
    while i < len(L):
        l = L[i]
        if i + 1 < len(L) and L[i + 1] and re.fullmatch(r"=+", L[i + 1]):
            flush()
            sec = HEAD.get(l.strip(), "listing" if l.startswith("OTHER LISTINGS") else "other")
            group, i = None, i + 2
            continue
        if i == 0 and l.startswith("modelbrief "):
            out.append(("headline", l, None))
        elif l.startswith("The week ") or not l.strip():
            flush()
        elif l.startswith("Price history of the biggest moves"):
            flush()
            sec = "chart"
        elif l.startswith("Also listed for the first time"):
            flush()
            out.append(("reseller", l.strip(), None))
        elif sec == "rank":
            flush()
            if not l.startswith(" "):
                group = l.strip()
            else:
                out.append(("rank", f"{group}: {l.strip()}", group))
        elif sec == "matchup":
            out.append(("matchup", l.strip(), None))
        elif l.startswith("* "):
            flush()
            cur = [sec, l[2:], None]
        elif l.startswith("  ") and cur is not None:
            cur[1] += " / " + l.strip()
        else:
            flush()
            out.append((sec, l.strip(), None))
        i += 1
    flush()
    return [tuple(x) for x in out]


# ----------------------------------------------------------------------------- the checker
class Week:
    def __init__(self, win, raw, aliases, pulls, j, text):
        self.win, self.raw, self.al, self.pulls, self.j, self.text = win, raw, aliases, pulls, j, text
        w = j.get("window") or {}
        self.t_from, self.t_to = w.get("from", ""), w.get("to", "")
        self.start = {s: self.snap(s, self.t_from) for s in WINDOW_SOURCES[win]}
        self.end = {s: self.snap(s, self.t_to) for s in WINDOW_SOURCES[win]}

    def snap(self, source, t):
        """Ingest day of the source's last healthy pull before t (None: no pull yet)."""
        ds = [p[0] for p in self.pulls.get(source, []) if p[0] < t and p[1] in ("changed", "unchanged")]
        return ds[-1][:10] if ds else None

    def rows_of(self, source, key, variant=Ellipsis, when="end"):
        """Raw ids of `source` present at start/end that model_aliases maps to key (and variant)."""
        date = (self.end if when == "end" else self.start).get(source)
        rows = self.raw.rows(source, date)
        return [sm for sm, v in self.al.get((source, key), []) if sm in rows and (variant is Ellipsis or (v or None) == variant)]

    def listed(self, key, variant=Ellipsis, when="end", sources=None):
        return {s: r for s in (sources or WINDOW_SOURCES[self.win]) if (r := self.rows_of(s, key, variant, when))}

    # --- prices
    def check_sides(self, source, listing, body):
        """Parse 'input $a → $b, output $c' and compare with the raw listing at start and end."""
        row_s = self.raw.rows(source, self.start.get(source)).get(listing)
        row_e = self.raw.rows(source, self.end.get(source)).get(listing)
        ps, pe = price(source, row_s), price(source, row_e)
        ev = f"{source} {listing}: start {self.start.get(source)} {fmt_p(ps)}, end {self.end.get(source)} {fmt_p(pe)}"
        if row_e is None:
            return f"FLAG listing {listing} not in {source} at the window end", ev
        bad = []
        for n, side in enumerate(("input", "output")):
            m = re.search(side + r" (listed at )?\$([\d.,]+)(?: → \$([\d.,]+))?", body)
            if not m:
                continue
            first, a, b = m.groups()
            new = b or a
            if not same(new, pe[n]):
                bad.append(f"{side} new ${new} but raw {pe[n]}")
            if first:  # a first price: the listing had none at the start
                if ps is not None and ps[n] is not None:
                    bad.append(f"{side} 'listed at' but already priced {ps[n]:g} at the start")
            else:
                old = a
                if row_s is None:
                    # old side from another listing of the model (a paid listing beside a :free one)
                    continue
                if not same(old, ps[n]):
                    bad.append(f"{side} old ${old} but raw {ps[n]}")
        if row_s is None and "→" in body:
            ev += " (listing absent at start: old side not from this listing)"
        return ("FLAG " + "; ".join(bad) if bad else "ok"), ev

    def check_price(self, txt):
        m = re.search(r"source: (\S+) listing (\S+) \(([^)]*)\), as of (\S+)", txt)
        if not m:
            return "manual", "no source line"
        source, listing = m.group(1), m.group(2)
        v, ev = self.check_sides(source, listing, txt.split(" / source:")[0])
        if "old side not from this listing" in ev and v == "ok":
            key = self.key_of(txt)
            other = self.listed(key[0], Ellipsis, "start", [source]) if key else {}
            ev += f"; start rows of the key: {other.get(source, [])}"
            olds = re.findall(r"\$([\d.,]+) →", txt)
            ok_old = False
            for sm in other.get(source, []):
                p = price(source, self.raw.rows(source, self.start[source]).get(sm))
                if p and all(any(same(o, x) for x in p if x is not None) for o in olds):
                    ok_old = True
            if not ok_old:
                v = "FLAG old side: listing absent at start and no other listing of the key had that price"
        return v, ev

    def key_of(self, txt):
        m = re.search(r"\(([A-Za-z0-9][^()\s]*)\)(?::| by | -)", txt)
        if not m:
            return None
        k = m.group(1)
        return (k.split(":", 1)[0], k.split(":", 1)[1]) if ":" in k else (k, None)

    # --- new models
    def check_new(self, txt):
        m = re.search(r"\(([^()\s]+)\) by ", txt)
        if not m:
            return "manual", "no key"
        key = m.group(1).split(":")[0]
        flags, ev = [], []
        before = self.listed(key, Ellipsis, "start")
        if "now generally available" in txt:
            ga = {s: [r for r in rs if not any((v or "") and "preview" in (v or "") for sm, v in self.al[(s, key)] if sm == r)]
                  for s, rs in before.items()}
            ga = {s: r for s, r in ga.items() if r}
            if ga:
                flags.append(f"GA but non-preview rows at the start: {ga}")
            ev.append(f"start rows {before}")
        elif before:
            flags.append(f"listed before: {before}")
        m = re.search(r"\$([\d.,]+) in / \$([\d.,]+) out.*?\((\w+): ([^)]+)\)", txt)
        if m:
            src, listing = m.group(3), m.group(4)
            p = price(src, self.raw.rows(src, self.end.get(src)).get(listing))
            ev.append(f"{src} {listing} at {self.end.get(src)}: {fmt_p(p)}")
            if p is None:
                flags.append(f"price listing {listing} not in {src} at the end")
            elif not (same(m.group(1), p[0]) and same(m.group(2), p[1])):
                flags.append(f"price ${m.group(1)}/${m.group(2)} but raw {fmt_p(p)}")
        elif "$" in txt:
            ev.append("price not parsed")
        nm = next((n for n in self.j.get("new_models") or [] if n.get("model", "").split(":")[0] == key), {})
        sv = nm.get("score_variants") or {}
        for part in txt.split(" / "):
            sm = re.fullmatch(r"(.+?)(?:, as (.+?))?(?: \(([^()]+)\))?: ([\d.]+)(?: \(#(\d+)\))?", part)
            if not sm or "$" in part:
                continue
            board, as_, var, score, rank = sm.groups()
            b = board_scores(self.raw, board, self.end)
            if not b:
                continue
            src, scores = b
            variant = var if var else sv.get(src)
            if as_:  # "Aider polyglot, as openai/gpt-5 (low): 81.3": the variant is in the 'as' name
                mm = re.search(r"\(([^()]+)\)$", as_)
                variant = mm.group(1) if mm else variant
            cand = [(sm_, v) for sm_, v in self.al.get((src, key), []) if sm_ in scores]
            mine = [sm_ for sm_, v in cand if variant is None or (v or None) == variant] or [sm_ for sm_, _ in cand]
            if not mine:
                flags.append(f"{board}: no raw row of the key")
                continue
            best = max(mine, key=lambda r: scores[r])
            if not any(same(score, scores[r], rel=0.002) for r in mine):
                flags.append(f"{board} score {score} but raw {best} {scores[best]:g}")
            ev.append(f"{board} {best} {scores[best]:g}")
            if rank:
                # The rank of the row whose score is printed (a named variant's, not the best).
                row = next((r for r in mine if same(score, scores[r], rel=0.002)), best)
                rk = 1 + sum(1 for x in scores.values() if x > scores[row])
                ev[-1] += f" #{rk}"
                if rk != int(rank):
                    flags.append(f"{board} #{rank} but raw rank #{rk} ({row} {scores[row]:g})")
        return ("FLAG " + "; ".join(flags) if flags else "ok"), "; ".join(ev)

    def check_reseller(self, txt):
        names = [n.strip(" .") for n in txt.split(":", 1)[1].split(",")]
        bad = {}
        for n in names:
            b = self.listed(n, Ellipsis, "start")
            if b:
                bad[n] = b
        return ("FLAG listed before: " + str(bad) if bad else "ok"), f"{len(names)} keys, none listed at the start"

    # --- rank lines
    def check_rank(self, board, txt):
        m = re.match(r".*?: (?:#(\d+) → #(\d+)|new at #(\d+))\s+(.+) \(([^()]*?),? ?score ([\d.]+)\)$", txt)
        if not m:
            return "manual", "rank line not parsed"
        a, b, nb, name, kind, score = m.groups()
        new_rank = int(b or nb)
        js = [r for r in self.j.get("rank_shifts") or [] if r.get("leaderboard_name") == board
              and r.get("new_rank") == new_rank and (r.get("name") or "") == name.strip()]
        if not js:
            return "manual", "no matching JSON rank_shift"
        key, _, var = js[0]["model"].partition(":")
        var = var or None
        ev = []
        res = []
        for when, rank_txt in (("end", str(new_rank)), ("start", a)):
            bs = board_scores(self.raw, board, self.end if when == "end" else self.start)
            if bs is None:
                return "manual", f"board {board!r} not recomputed (category or unknown)"
            src, scores = bs
            mine = [sm for sm, v in self.al.get((src, key), []) if sm in scores and (v or None) == var]
            if when == "start" and rank_txt is None:
                if mine and nb:
                    res.append(f"'new at' but on the board at the start as {mine}")
                continue
            if not mine:
                res.append(f"no raw row of {js[0]['model']} on the board at the {when}")
                continue
            best = max(mine, key=lambda r: scores[r])
            s = scores[best]
            rk = 1 + sum(1 for x in scores.values() if x > s)
            ev.append(f"{when} {src} {best} {s:g} #{rk} of {len(scores)}")
            if rk != int(rank_txt):
                res.append(f"#{rank_txt} at the {when} but raw rank #{rk}")
            if when == "end":
                if not same(score, s, rel=0.002):
                    res.append(f"score {score} but raw {s:g}")
                others = {src_m for src_m, x in scores.items() if x == s and src_m not in
                          {sm for sm, _ in self.al.get((src, key), [])}}
                if rk == 1:
                    if "ties for #1" in kind and not others:
                        res.append("'ties for #1' but no other model has that score")
                    if "new #1" in kind and others:
                        res.append(f"'new #1' but tied with {sorted(others)}")
                    if others:
                        ev.append(f"tied with {sorted(others)}")
        return ("FLAG " + "; ".join(res) if res else "ok"), "; ".join(ev)

    # --- removals
    def check_removed(self, txt):
        k = self.key_of(txt)
        if not k:
            return "manual", "no key"
        key, var = k
        flags, ev = [], []
        m = re.search(r"last (?:listed by (\w+) )?on (\d{4}-\d\d-\d\d)", txt)
        src = m.group(1) if m and m.group(1) else (re.search(r": (\w+) no longer lists", txt) or [None, None])[1]
        if src and m:  # "last listed by S on D": S's pull of day D had a row of it
            rows = self.raw.rows(src, m.group(2))
            was = [sm for sm, v in self.al.get((src, key), []) if sm in rows and (v or None) == var]
            ev.append(f"{src} on {m.group(2)}: {was[:3]}")
            if not was:
                flags.append(f"{src} did not list it on {m.group(2)}")
        still = re.search(r"still listed by ([\w, ]+)", txt)
        maker = re.search(r"no longer lists ([\w-]+)'s own listing of it .*still sold via ([\w, -]+)", txt)
        if maker:  # only the maker's own row went: it must be gone, the routes named must remain
            routes = [r.strip() for r in maker.group(2).split(",") if r.strip()]
            ev.append(f"routes named: {routes}")
            if not self.listed(key, Ellipsis, "end", [src]):
                flags.append(f"'still sold via' but {src} has no row of {key} at the end")
        elif still:
            for x in [s.strip() for s in re.split(r",| and ", still.group(1)) if s.strip()]:
                rows = self.listed(key, var, "end", [x]) or self.listed(key, Ellipsis, "end", [x])
                ev.append(f"{x} at end: {rows.get(x, [])[:4]}")
                if not rows:
                    flags.append(f"'still listed by {x}' but {x} has no row of {key} at the end")
        else:
            now = self.listed(key, var, "end")
            if now:
                flags.append(f"removed but listed at the end: {now}")
            ev.append(f"no row of {key}{':' + var if var else ''} at the end" if not now else "")
        return ("FLAG " + "; ".join(flags) if flags else "ok"), "; ".join(e for e in ev if e)

    # --- context changes
    def check_context(self, txt):
        m = re.search(r": ([\d.,]+[KM]?) → ([\d.,]+[KM]?) tokens.*source: (\S+) listing (\S+), as of", txt)
        if not m:
            return "manual", "context line not parsed"
        a, b, src, listing = m.groups()
        cs = context(src, self.raw.rows(src, self.start.get(src)).get(listing))
        ce = context(src, self.raw.rows(src, self.end.get(src)).get(listing))
        ev = f"{src} {listing}: start {cs[:1]} end {ce[:1]}"
        bad = []
        if not any(same_tokens(a, x) for x in cs):
            bad.append(f"old {a} but raw {cs[:1] or 'absent'}")
        if not any(same_tokens(b, x) for x in ce):
            bad.append(f"new {b} but raw {ce[:1] or 'absent'}")
        return ("FLAG " + "; ".join(bad) if bad else "ok"), ev

    # --- chart series
    def check_chart(self, txt):
        m = re.search(r"\((\w+) listing (\S+)\)", txt)
        if not m:
            return "manual", ""
        src, listing = m.groups()
        bad = []
        for d, rest in re.findall(r"(\d{4}-\d\d-\d\d): ([^/]+(?:/ \$[\d.]+ out)?)", txt):
            p = price(src, self.raw.rows(src, d).get(listing))
            if "not listed" in rest:
                if p is not None:
                    bad.append(f"{d} 'not listed' but raw {fmt_p(p)}")
                continue
            nums = re.findall(r"\$([\d.,]+)", rest)
            if p is None or len(nums) != 2 or not (same(nums[0], p[0]) and same(nums[1], p[1])):
                bad.append(f"{d} {'/'.join(nums)} but raw {fmt_p(p)}")
        return ("FLAG " + "; ".join(bad) if bad else "ok"), f"{src} {listing}"

    # --- top stories
    def check_story(self, txt, body_items, idx):
        stories = self.j.get("top_stories") or []
        js = next((s for s in stories if s.get("text") == txt), None)
        note = ""
        if js is None:  # fall back on the story in the same place, and say so
            js = stories[idx] if idx < len(stories) else None
            note = "; text differs from JSON top_stories"
        if js is None:
            return "FLAG no JSON top story for this line", ""
        key = (js.get("model") or "").split(":")[0]
        name = js.get("name") or ""
        hits = [t for sec, t, _ in body_items if sec not in ("story", "headline", "matchup", "chart")
                and (f"({js.get('model')})" in t or f"({key})" in t or f"({key}:" in t or name in t)]
        if not hits:
            return f"FLAG {name} ({key}) is in no section of the brief", ""
        pcts = re.findall(r"[+−-][\d.]+%", txt)
        for p in pcts:
            if not any(p in t for t in hits):
                return f"FLAG {p} not said by its section", hits[0][:80] + note
        m = re.search(r"#(\d+) on (.+?)(?: \(|, |$)", txt)
        if m:  # "#3 on X" / "new #1 on X" / "shares #1 on X": its section gives that rank on X
            n, board = m.groups()
            if not any(board in t and re.search(rf"#{n}\b", t) for t in hits):
                return f"FLAG '#{n} on {board}' not said by its section", hits[0][:80] + note
        return "ok", f"in: {hits[0][:80]}" + note

    # --- sources
    def check_source(self, txt):
        m = re.match(r"(\w+): (ok|stale|failing) \((.*)\)$", txt)
        if not m:
            return "manual", ""
        src, status, detail = m.groups()
        pulls = [p for p in self.pulls.get(src, []) if p[0] < self.t_to]
        good = [p for p in pulls if p[1] in ("changed", "unchanged")]
        last = pulls[-1][0][:10] if pulls else None
        ev = f"pulls before the end: last {last}, last healthy {good[-1][0][:10] if good else None}"
        if detail == "not pulled yet":
            return ("ok" if not pulls else f"FLAG 'not pulled yet' but pulled {last}"), ev
        d = re.search(r"(?:last pulled|pulled) (\d{4}-\d\d-\d\d)", detail)
        if d and d.group(1) != last:
            return f"FLAG last pull {d.group(1)} but pulls table says {last}", ev
        d = re.search(r"no successful pull since (\d{4}-\d\d-\d\d)", detail)
        if d and (not good or d.group(1) != good[-1][0][:10]):
            return "FLAG last success date differs from the pulls table", ev
        return "ok", ev

    # --- notes with a mechanical part (alias re-pointing prices, stale/not pulled, no fresh data)
    def check_note(self, txt):
        m = re.match(r"(\S+) now costs \$([\d.,]+)/\$([\d.,]+) per 1M tokens \(was \$([\d.,]+)/\$([\d.,]+)\)", txt)
        if m:
            alias, ni, no, oi, oo = m.groups()
            for src in ("openrouter", "litellm"):
                pe = price(src, self.raw.rows(src, self.end.get(src)).get(alias))
                ps = price(src, self.raw.rows(src, self.start.get(src)).get(alias))
                if pe is not None:
                    ok = ps is not None and same(ni, pe[0]) and same(no, pe[1]) and same(oi, ps[0]) and same(oo, ps[1])
                    return ("ok" if ok else f"FLAG alias price: raw start {fmt_p(ps)}, end {fmt_p(pe)}"), \
                        f"{src} {alias}: start {fmt_p(ps)} end {fmt_p(pe)}"
            return "FLAG alias not in any source at the end", ""
        m = re.match(r"(\w+) is stale: last success (\d{4}-\d\d-\d\d)", txt)
        if m:
            good = [p for p in self.pulls.get(m.group(1), []) if p[0] < self.t_to and p[1] in ("changed", "unchanged")]
            last = good[-1][0][:10] if good else None
            return ("ok" if last == m.group(2) else f"FLAG last success is {last}"), f"last healthy pull {last}"
        m = re.match(r"(\w+) has not been pulled yet", txt)
        if m:
            n = [p for p in self.pulls.get(m.group(1), []) if p[0] < self.t_to]
            return ("ok" if not n else f"FLAG pulled {n[-1][0][:10]}"), f"{len(n)} pulls before the end"
        return "manual", ""

    def check_intro(self, txt):
        if txt.startswith("No fresh data"):
            inside = [(s, p[0]) for s, ps in self.pulls.items() for p in ps
                      if self.t_from <= p[0] < self.t_to and p[1] in ("changed", "unchanged")]
            return ("ok" if not inside else f"FLAG healthy pulls in the window: {inside[:3]}"), f"{len(inside)} healthy pulls in the window"
        return "manual", ""

    def run(self):
        items = split_items(self.text)
        out = []
        n_story = 0
        for sec, txt, extra in items:
            try:
                if sec == "story":
                    v = self.check_story(txt, items, n_story)
                    n_story += 1
                elif sec == "new":
                    v = self.check_new(txt)
                elif sec == "reseller":
                    v = self.check_reseller(txt)
                elif sec == "rank":
                    v = self.check_rank(extra, txt)
                elif sec in ("price", "listing"):
                    v = self.check_price(txt)
                elif sec == "context":
                    v = self.check_context(txt)
                elif sec == "removed":
                    v = self.check_removed(txt)
                elif sec == "chart":
                    v = self.check_chart(txt)
                elif sec == "source":
                    v = self.check_source(txt)
                elif sec == "note":
                    v = self.check_note(txt)
                elif sec == "intro":
                    v = self.check_intro(txt)
                else:
                    v = ("manual", "")
            except Exception as e:  # a line whose shape changed: say so, never crash the audit
                v = (f"FLAG checker error {type(e).__name__}: {e}", "")
            out.append((sec, txt, v[0], v[1]))
        return out


def load_window(out_dir, win, fixtures):
    db = out_dir / win / "modelbrief.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    aliases = defaultdict(list)
    for s, sm, k, v in con.execute("select source, source_model, model_key, variant from model_aliases"):
        aliases[(s, k)].append((sm, v or None))
    pulls = defaultdict(list)
    for s, t, st in con.execute("select source, started_at, status from pulls order by started_at"):
        pulls[s].append((t.replace(".000Z", "Z"), st))
    con.close()
    return Raw(fixtures, win), aliases, pulls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="the --out folder of scripts/replay.py")
    ap.add_argument("--fixtures", type=Path, default=FIXTURES, help=f"recorded fixtures (default {FIXTURES})")
    ap.add_argument("--window", choices=["2025", "2026", "all"], default="all")
    ap.add_argument("--tsv", action="store_true", help="tab-separated: window, week, section, verdict, claim, evidence")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the raw evidence under each line")
    args = ap.parse_args()
    wins = [w for w in (["2025", "2026"] if args.window == "all" else [args.window]) if (args.out / w / "briefs").is_dir()]
    if not wins:
        sys.exit(f"audit_check: no OUT/<window>/briefs under {args.out}")
    if not args.fixtures.is_dir():
        sys.exit(f"audit_check: no fixtures folder at {args.fixtures} (pass --fixtures DIR)")
    counts, flagged = {}, []
    if args.tsv:
        print("window\tweek\tsection\tverdict\tclaim\tevidence")
    for win in wins:
        raw, aliases, pulls = load_window(args.out, win, args.fixtures.resolve())
        c = counts[win] = Counter()
        for txt_path in sorted((args.out / win / "briefs").glob("*.txt")):
            week = txt_path.stem
            jp = txt_path.with_suffix(".json")
            try:
                j = json.loads(jp.read_text())
            except (OSError, ValueError) as e:
                j = {}
                print(f"# {win} {week}: no usable JSON ({e}); checks needing it are manual", file=sys.stderr)
            wk = Week(win, raw, aliases, pulls, j, txt_path.read_text())
            if not args.tsv:
                print(f"\n## {win} {week}  window {wk.t_from} .. {wk.t_to}  snapshots: "
                      + ", ".join(f"{s} {wk.start[s]}→{wk.end[s]}" for s in WINDOW_SOURCES[win]))
            for sec, txt, verdict, ev in wk.run():
                c["lines"] += 1
                c["flagged" if verdict.startswith("FLAG") else verdict] += 1
                if verdict.startswith("FLAG"):
                    flagged.append((win, week, sec, verdict, txt))
                if args.tsv:
                    print("\t".join([win, week, sec, verdict, txt, ev]).replace("\n", " "))
                else:
                    print(f"{week} {sec:<8} {verdict if len(verdict) < 60 else verdict[:57] + '...':<12} | {txt}")
                    if args.verbose and ev:
                        print(f"{'':18}raw: {ev}")
    out = sys.stdout if not args.tsv else sys.stderr
    print("\n== counts", file=out)
    for win, c in counts.items():
        print(f"window {win}: {c['lines']} lines, {c['ok']} ok, {c['flagged']} flagged, {c['manual']} manual", file=out)
    print(f"\n== flagged lines ({len(flagged)})", file=out)
    for win, week, sec, verdict, txt in flagged:
        print(f"{win} {week} {sec}: {verdict}\n    {txt}", file=out)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.stderr.close()
