#!/usr/bin/env python3
"""Measure newsfacts against the recognizers evaluation set (span P/R/F1 and value accuracy).

    python3 scripts/eval.py                       # every <kind>-<lang>.jsonl, plain table
    python3 scripts/eval.py --langs fr,en --kinds date,amount
    python3 scripts/eval.py --markdown            # table for docs/evaluation.md
    python3 scripts/eval.py --json out.json       # numbers, reusable as a --baseline
    python3 scripts/eval.py --baseline base.json --tolerance 0.02   # exit 1 on a drop
    python3 scripts/eval.py --floors [--enforce-floors]             # the issue's floors
    python3 scripts/eval.py --dump-misses date-fr # false negatives / positives, wrong values

For each file `<kind>-<lang>.jsonl` of `EVAL_DIR/recognizers/` (kinds: date, amount, number,
number_range) the script pipes one line per case, `{"id", "text", "lang", "published"?}`
(published = the case's reference_datetime, omitted when null), into one
`NEWSFACTS extract --jsonl` process and reads back `{"id", "lang", "records": [...]}` or
`{"id", "error": "..."}` lines, in any order. It does not build the binary: run
`cargo build --release` first (or pass `--bin`).

Records are scored with the functions of `EVAL_DIR/score.py` (imported by path, not copied):
  date files         <- "date" records;  value converted to the gold TIMEX form (below)
  amount files       <- "amount" records; value = {"value": unit_value, "iso_currency": currency}
                        The gold writes an amount in the unit the text states it in ("25 cent"
                        = 25 Cent, "een kwartje" = 1 Kwartje, "$5 million" = 5000000), which
                        is what the unit_value column holds; the value column is in the main
                        unit of the currency (0.25 EUR). The two are equal unless the text
                        uses a minor unit or a coin. iso_currency is compared only where the
                        gold gives one.
  number files       <- "count" records;  value = value (or min when only bounds are given)
  number_range files <- "count" records;  value = interval string like the gold's:
                        min+max -> "[min,max)", more_than -> "(v,)", at_least -> "[v,)",
                        less_than -> "(,v)", at_most / up_to -> "(,v]", else the plain value
Date values (informative only):
  day / month / year            -> "2019-05-14" / "2019-05" / "2019"
  ranges (date_end set)         -> "(start,end,PnY)" when both ends are years, "PnM" when both
                                   are months, else "PnD" between the two days (as the gold:
                                   "2014 to 2018" = (2014-01-01,2018-01-01,P4Y))
  week (Monday..Sunday)         -> "2019-W20";  quarter (first..last month) ->
                                   "(2019-01-01,2019-04-01,P3M)"
  relative record whose surface has no four-digit year (e.g. "14 mai" resolved with the
  reference date) -> year masked as "XXXX", the gold's form for such dates; not done with
  --include-relative, where the gold's resolved values are scored instead.

Exit status: 0 ok; 1 a baseline regression, or a failed floor with --enforce-floors;
2 usage error, missing binary or a file whose run failed.
"""
import argparse
import concurrent.futures
import datetime
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
DEFAULT_BIN = REPO_ROOT / "target" / "release" / "newsfacts"
EXTRA_ARGS = []  # appended after `extract --jsonl` (e.g. --rules DIR)
KINDS = ("date", "amount", "number", "number_range")
RECORD_KIND = {"date": "date", "amount": "amount", "number": "count", "number_range": "count"}
FILE_RE = re.compile(r"^(date|amount|number|number_range)-([a-z]{2,3})\.jsonl$")

# The floors, overlap mode: (languages, kind, metric, threshold).
FLOORS = [
    (("en", "fr", "es", "de", "pt", "it", "nl"), "date", "f1", 0.75),
    (("en", "fr", "es", "de", "pt", "it", "nl"), "amount", "f1", 0.85),
    (("en", "fr", "es", "de", "pt", "it", "nl"), "amount", "value_acc", 0.90),
    (("zh", "ja", "ko", "tr", "hi", "sv"), "date", "f1", 0.60),
    (("zh", "ja", "ko", "tr", "hi", "sv"), "amount", "f1", 0.70),
    (("ar",), "date", "f1", 0.60),
]
BASELINE_KINDS = ("date", "amount")


def die(msg):
    """A usage or setup error: message on stderr, exit 2."""
    sys.stderr.write(f"eval.py: {msg}\n")
    sys.exit(2)


def load_score_module(eval_dir):
    path = eval_dir / "score.py"
    if not path.is_file():
        die(f"{path}: not found (use --eval-dir to point at the eval folder)")
    spec = importlib.util.spec_from_file_location("newsfacts_eval_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------------------------
# Converting our records to the gold value forms


def _parse_day(s):
    try:
        return datetime.date.fromisoformat(s)
    except (TypeError, ValueError):
        return None


def _ym(s):
    """(year, month) of a "YYYY-MM" or "YYYY-MM-DD" string, else None."""
    m = re.match(r"^(\d{4})-(\d{2})", s or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def _add_months(y, m, n):
    k = y * 12 + (m - 1) + n
    return k // 12, k % 12 + 1


def _first_day(s):
    """The first day of a "YYYY", "YYYY-MM" or "YYYY-MM-DD" value."""
    if re.fullmatch(r"\d{4}", s or ""):
        return datetime.date(int(s), 1, 1)
    if re.fullmatch(r"\d{4}-\d{2}", s or ""):
        return datetime.date(int(s[:4]), int(s[5:7]), 1)
    return _parse_day(s)


def date_value(rec):
    """Our date record -> the gold's TIMEX-like value string (or None when unresolved)."""
    start, end, prec = rec.get("date_start"), rec.get("date_end"), rec.get("precision")
    if not start:
        return None
    if end == start:
        end = None
    if prec == "week":
        d, e = _parse_day(start), _parse_day(end) if end else None
        if d and (e is None or (e - d).days <= 6):
            y, w, _ = d.isocalendar()
            return f"{y}-W{w:02d}"
        if d and e:
            weeks = round(((e - d).days + 1) / 7)
            return f"({d},{e + datetime.timedelta(days=1)},P{weeks}W)"
    if prec == "quarter" and _ym(start):
        ys, ms = _ym(start)
        last = _ym(end) if end else _add_months(ys, ms, 2)
        if last:
            ye, me = _add_months(*last, 1)
            n = (ye * 12 + me) - (ys * 12 + ms)
            return f"({ys:04d}-{ms:02d}-01,{ye:04d}-{me:02d}-01,P{n}M)"
    if not end:
        return start
    if len(start) == 4 and len(end) == 4 and start.isdigit() and end.isdigit():
        return f"({start}-01-01,{end}-01-01,P{int(end) - int(start)}Y)"
    if len(start) == 7 and len(end) == 7 and _ym(start) and _ym(end):
        (ys, ms), (ye, me) = _ym(start), _ym(end)
        return f"({start}-01,{end}-01,P{(ye * 12 + me) - (ys * 12 + ms)}M)"
    d, e = _first_day(start), _first_day(end)
    if d and e:
        return f"({d},{e},P{(e - d).days}D)"
    return f"({start},{end})"


YEAR_IN_TEXT = re.compile(r"\d{4}")  # str regex: \d also matches Arabic-Indic, Devanagari …


def mask_year(value, rec):
    """XXXX for years that came from the reference date, not from the text."""
    if value and rec.get("relative") and not YEAR_IN_TEXT.search(rec.get("text") or ""):
        return re.sub(r"(?<![\dW-])\d{4}(?=-\d{2})", "XXXX", value)
    return value


def count_interval(rec):
    """A count record -> the gold number_range form ("[20,30)", "(30,)", …) or a plain value."""
    v, lo, hi, q = rec.get("value"), rec.get("min"), rec.get("max"), rec.get("qualifier")
    if lo is not None and hi is not None:
        return f"[{lo},{hi})"
    x = v if v is not None else (lo if lo is not None else hi)
    if x is not None:
        if q == "more_than":
            return f"({x},)"
        if q == "at_least":
            return f"[{x},)"
        if q == "less_than":
            return f"(,{x})"
        if q in ("at_most", "up_to"):
            return f"(,{x}]"
    if v is None and lo is not None:
        return f"[{lo},)"
    if v is None and hi is not None:
        return f"(,{hi}]"
    return v


def to_pred(kind, rec, include_relative):
    """One of our records -> a score.py prediction {start, end, text, value, ...}."""
    if kind == "date":
        value = date_value(rec)
        if not include_relative:
            value = mask_year(value, rec)
    elif kind == "amount":
        # The gold states an amount in the unit the text uses ("25 cent" = 25 Cent), which is
        # our unit_value; currency stays the ISO code (see the docstring).
        value = {"value": rec.get("unit_value"), "iso_currency": rec.get("currency")}
    elif kind == "number":
        value = next((rec.get(k) for k in ("value", "min", "max") if rec.get(k) is not None), None)
    else:
        value = count_interval(rec)
    return {"start": rec["start"], "end": rec["end"], "text": rec.get("text"), "value": value,
            "rule_id": rec.get("rule_id"), "record": rec}


# ---------------------------------------------------------------------------------------------
# Running the binary


class RunError(Exception):
    pass


def run_extract(cmd, lines, timeout):
    """Pipe the cases into one `extract --jsonl` process; returns (outputs by id, stats)."""
    stderr_file = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd + ["extract", "--jsonl"] + EXTRA_ARGS, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=stderr_file)
    except OSError as e:
        raise RunError(f"cannot start {shlex.join(cmd)}: {e}") from e

    def feed():
        try:
            for line in lines:
                obj = {"id": line["id"], "text": line["text"], "lang": line["lang"]}
                if line.get("reference_datetime"):
                    obj["published"] = line["reference_datetime"]
                proc.stdin.write((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"))
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the process died; reported below from its status and stderr

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    outputs, bad_lines = {}, []
    try:
        for raw in proc.stdout:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                outputs[obj["id"]] = obj
            except (ValueError, KeyError, TypeError):
                bad_lines.append(raw[:200].decode("utf-8", "replace").rstrip())
        rc = proc.wait()
    finally:
        if timer:
            timer.cancel()
        writer.join(timeout=5)
    stderr_file.seek(0)
    err = stderr_file.read().decode("utf-8", "replace").strip()
    stderr_file.close()
    if rc not in (0, 1):  # 1 = some documents failed (they come back as error lines)
        tail = "\n".join(err.splitlines()[-5:])
        why = f"killed after {timeout:g}s (--timeout)" if timed_out.is_set() else f"exit {rc}"
        raise RunError(f"{shlex.join(cmd)} extract --jsonl: {why}" + (f"\n{tail}" if tail else ""))
    return outputs, {"bad_lines": bad_lines, "stderr": err}


def evaluate_file(path, kind, lang, cmd, score, args):
    lines = [l for l in score.read_jsonl(path) if not args.split or l.get("split") == args.split]
    t0 = time.monotonic()
    outputs, stats = run_extract(cmd, lines, args.timeout)
    secs = time.monotonic() - t0
    want = RECORD_KIND[kind]
    preds, errors, offset_mismatch = {}, [], 0
    for line in lines:
        out = outputs.get(line["id"])
        if out is None:
            continue
        if out.get("error") is not None:
            errors.append((line["id"], str(out["error"])))
            continue
        recs = [r for r in out.get("records") or [] if r.get("kind") == want]
        if args.offsets == "byte":
            recs = score.bytes_to_chars(line["text"], recs)
        for r in recs:
            if r.get("text") is not None and line["text"][r["start"]:r["end"]] != r["text"]:
                offset_mismatch += 1
        preds[line["id"]] = [to_pred(kind, r, args.include_relative) for r in recs]
    res = score.score(lines, preds, args.include_relative)
    missing = sum(1 for l in lines if l["id"] not in outputs)
    return {
        "kind": kind, "lang": lang, "file": path.name, "lines": len(lines),
        "missing": missing, "errors": len(errors), "offset_mismatch": offset_mismatch,
        "bad_output_lines": len(stats["bad_lines"]), "seconds": round(secs, 3),
        "chars": sum(len(l["text"]) for l in lines),
        "overlap": res["overlap"], "exact": res["exact"],
        # not written to --json:
        "_lines": lines, "_preds": preds, "_errors": errors, "_stats": stats,
    }


# ---------------------------------------------------------------------------------------------
# Reports


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def value_cell(r):
    return f"{fmt(r['value_acc'])} ({r['value_ok']}/{r['value_n']})" if r["value_n"] else "-"


def micro_total(kind, results):
    """Micro-averaged row over the files of one kind."""
    rows = [r for r in results if r["kind"] == kind]
    out = {"kind": kind, "lang": "all", "lines": sum(r["lines"] for r in rows),
           "missing": sum(r["missing"] for r in rows), "errors": sum(r["errors"] for r in rows),
           "seconds": round(sum(r["seconds"] for r in rows), 3)}
    for mode in ("overlap", "exact"):
        c = {k: sum(r[mode][k] for r in rows) for k in ("tp", "fp", "fn", "neutral",
                                                         "value_ok", "value_n")}
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        rc = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        c.update(precision=p, recall=rc, f1=2 * p * rc / (p + rc) if p + rc else 0.0,
                 value_acc=c["value_ok"] / c["value_n"] if c["value_n"] else None)
        out[mode] = c
    return out


def table_rows(results):
    rows = []
    for kind in KINDS:
        per = sorted((r for r in results if r["kind"] == kind), key=lambda r: r["lang"])
        rows.extend(per)
        if len(per) > 1:
            rows.append(micro_total(kind, per))
    return rows


def print_table(results, out=sys.stdout):
    head = (f"{'kind':<13}{'lang':<5}{'P':>7}{'R':>7}{'F1':>7}{'exactF1':>9}"
            f"{'value acc (n)':>20}{'lines':>7}{'miss':>6}{'err':>5}{'secs':>8}")
    print(head, file=out)
    print("-" * len(head), file=out)
    for r in table_rows(results):
        o = r["overlap"]
        print(f"{r['kind']:<13}{r['lang']:<5}{fmt(o['precision']):>7}{fmt(o['recall']):>7}"
              f"{fmt(o['f1']):>7}{fmt(r['exact']['f1']):>9}{value_cell(o):>20}{r['lines']:>7}"
              f"{r['missing']:>6}{r['errors']:>5}{r['seconds']:>8.2f}", file=out)
    print("P/R/F1: overlap mode; miss: cases without an output line; err: error lines", file=out)


def print_markdown(results, meta, out=sys.stdout):
    print(f"Measured with `scripts/eval.py` on {meta['date']} ({meta['binary']}; "
          f"eval set `{meta['eval_set']}`{', split ' + meta['split'] if meta['split'] else ''}). "
          "P/R/F1 are overlap-mode span scores; exact F1 needs identical offsets; value "
          "accuracy is over matched spans with a non-relative gold value.\n", file=out)
    print("| kind | lang | P | R | F1 | exact F1 | value acc (n) | lines |", file=out)
    print("|---|---|---:|---:|---:|---:|---:|---:|", file=out)
    for r in table_rows(results):
        o = r["overlap"]
        lang = "**all**" if r["lang"] == "all" else r["lang"]
        print(f"| {r['kind']} | {lang} | {fmt(o['precision'])} | {fmt(o['recall'])} | "
              f"{fmt(o['f1'])} | {fmt(r['exact']['f1'])} | {value_cell(o)} | {r['lines']} |",
              file=out)


def check_floors(results):
    """[(status, message)] for each floor; status in PASS, FAIL, SKIP."""
    by_key = {(r["kind"], r["lang"]): r for r in results}
    checks = []
    for langs, kind, metric, threshold in FLOORS:
        for lang in langs:
            name = f"{kind}-{lang} overlap {'F1' if metric == 'f1' else 'value accuracy'}"
            r = by_key.get((kind, lang))
            if r is None:
                checks.append(("SKIP", f"{name} >= {threshold:.2f}: not measured in this run"))
                continue
            x = r["overlap"][metric]
            ok = x is not None and x >= threshold
            checks.append(("PASS" if ok else "FAIL", f"{name} {fmt(x)} >= {threshold:.2f}"))
    return checks


def compare_baseline(results, baseline, tolerance):
    """([regression messages], [other notes]) for date and amount overlap F1 per language."""
    base = baseline.get("results", baseline)
    regressions, notes = [], []
    for r in sorted(results, key=lambda r: (r["kind"], r["lang"])):
        if r["kind"] not in BASELINE_KINDS:
            continue
        key = f"{r['kind']}-{r['lang']}"
        b = base.get(key)
        if not b:
            notes.append(f"{key}: not in baseline")
            continue
        old, new = b["overlap"]["f1"], r["overlap"]["f1"]
        line = f"{key}: overlap F1 {old:.3f} -> {new:.3f} ({new - old:+.3f})"
        (regressions if old - new > tolerance else notes).append(line)
    return regressions, notes


def short(s, n=80):
    s = (s or "").replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def clip(text, start, end, width=70):
    a, b = max(0, start - width), min(len(text), end + width)
    return (("…" if a else "") + text[a:start] + "⟦" + text[start:end] + "⟧" + text[end:b]
            + ("…" if b < len(text) else "")).replace("\n", " ")


def dump_misses(res, score, limit, include_relative=False, out=sys.stdout):
    fns, fps, wrong = [], [], []
    for line in res["_lines"]:
        golds, preds, text = line["expected"], res["_preds"].get(line["id"], []), line["text"]
        pairs = score.match(preds, golds, "overlap")
        mp, mg = {i for i, _ in pairs}, {j for _, j in pairs}
        for j, g in enumerate(golds):
            if j not in mg:
                fns.append(f"[FN] {line['id']} «{g['text']}» {g['start']}-{g['end']} "
                           f"gold={json.dumps(g.get('value'), ensure_ascii=False)}\n"
                           f"     {clip(text, g['start'], g['end'])}")
        for i, p in enumerate(preds):
            if i in mp:
                continue
            touches = any(score.overlap(p, g) for g in golds)
            partial = line.get("annotation") == "partial"
            if not touches and (partial or any(score.overlap(p, g) for g in line.get("ignore", []))):
                continue  # neutral, as score.py counts it
            fps.append(f"[FP] {line['id']} «{short(text[p['start']:p['end']])}» {p['start']}-{p['end']} "
                       f"{p.get('rule_id')} pred={json.dumps(p['value'], ensure_ascii=False)}\n"
                       f"     {clip(text, p['start'], p['end'])}")
        for i, j in pairs:
            g, p = golds[j], preds[i]
            if g.get("value") is None or (g.get("relative") and not include_relative):
                continue
            if not score.value_equal(p.get("value"), g["value"]):
                wrong.append(f"[VALUE] {line['id']} gold «{g['text']}»="
                             f"{json.dumps(g['value'], ensure_ascii=False)} pred "
                             f"«{text[p['start']:p['end']]}»="
                             f"{json.dumps(p['value'], ensure_ascii=False)} {p.get('rule_id')}\n"
                             f"     record: {json.dumps(p['record'], ensure_ascii=False)}")
    name = f"{res['kind']}-{res['lang']}"
    print(f"\n== {name} (overlap mode): {len(fns)} false negatives, {len(fps)} false positives, "
          f"{len(wrong)} wrong values, {res['errors']} error lines", file=out)
    for title, items in (("false negatives", fns), ("false positives", fps),
                         ("wrong values", wrong)):
        if not items:
            continue
        shown = items if not limit else items[:limit]
        print(f"-- {title} ({len(shown)} of {len(items)})", file=out)
        for s in shown:
            print(s, file=out)
    for case_id, msg in res["_errors"][: limit or None]:
        print(f"[ERROR] {case_id}: {msg}", file=out)


# ---------------------------------------------------------------------------------------------


def parse_list(s, allowed=None, what="value"):
    if not s:
        return None
    items = [x.strip() for x in s.split(",") if x.strip()]
    if allowed:
        bad = [x for x in items if x not in allowed]
        if bad:
            die(f"unknown {what} {', '.join(bad)} (known: {', '.join(allowed)})")
    return set(items)


def binary_command(arg):
    if arg is None:
        if not DEFAULT_BIN.is_file():
            die(f"{DEFAULT_BIN}: binary not found; this script does not build it: "
                "run `cargo build --release` first, or pass --bin")
        return [str(DEFAULT_BIN)]
    if os.path.exists(arg):
        return [arg]
    cmd = shlex.split(arg)
    if not cmd or not (os.path.exists(cmd[0]) or any(
            os.access(os.path.join(d, cmd[0]), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep))):
        die(f"--bin {arg}: not found (this script does not build it: `cargo build --release`)")
    return cmd


def binary_version(cmd):
    try:
        out = subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or shlex.join(cmd)
    except (OSError, subprocess.SubprocessError):
        return shlex.join(cmd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                    help=f"folder holding score.py and recognizers/ (default: {DEFAULT_EVAL_DIR})")
    ap.add_argument("--bin", help="newsfacts binary, or a command line such as 'python3 stub.py' "
                    "(default: target/release/newsfacts; not built by this script)")
    ap.add_argument("--rules", help="rule folder passed to `extract --jsonl --rules` (default: the "
                    "rules built into the binary)")
    ap.add_argument("--langs", help="comma-separated languages (default: all)")
    ap.add_argument("--kinds", help=f"comma-separated kinds among {','.join(KINDS)} (default: all)")
    ap.add_argument("--split", help="only cases of this split (dev / heldout; default: all)")
    ap.add_argument("--include-relative", action="store_true",
                    help="also score values that depend on the reference date (score.py's option)")
    ap.add_argument("--offsets", choices=["char", "byte"], default="char",
                    help="unit of the binary's start/end (contract: char = code points)")
    ap.add_argument("--json", metavar="FILE", help="write the numbers as JSON (usable as --baseline)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    ap.add_argument("--baseline", metavar="FILE", help="JSON from --json to compare against: exit 1 "
                    "when a language's date or amount overlap F1 drops by more than --tolerance")
    ap.add_argument("--tolerance", type=float, default=0.02, help="allowed F1 drop (default 0.02)")
    ap.add_argument("--floors", action="store_true", help="check the issue's per-language floors")
    ap.add_argument("--enforce-floors", action="store_true", help="exit 1 when a floor fails "
                    "(implies --floors)")
    ap.add_argument("--dump-misses", metavar="KIND-LANG", action="append", default=[],
                    help="print false negatives, false positives and wrong values of a file "
                    "(repeatable; without --langs/--kinds only these files are run)")
    ap.add_argument("--dump-limit", type=int, default=50, help="items per category (0 = all)")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="files evaluated at once, one process each (default: min(4, cores))")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per file (0 = none)")
    ap.add_argument("--quiet", action="store_true", help="no per-file progress on stderr")
    args = ap.parse_args(argv)
    if args.rules:
        EXTRA_ARGS.extend(["--rules", args.rules])
    args.floors = args.floors or args.enforce_floors

    eval_dir = args.eval_dir.resolve()
    rec_dir = eval_dir / "recognizers"
    score = load_score_module(eval_dir)
    files = {}
    for p in sorted(rec_dir.glob("*.jsonl")):
        m = FILE_RE.match(p.name)
        if m:
            files[(m.group(1), m.group(2))] = p
    if not files:
        die(f"{rec_dir}: no <kind>-<lang>.jsonl files")

    kinds = parse_list(args.kinds, KINDS, "kind")
    langs = parse_list(args.langs, sorted({l for _, l in files}), "language")
    dumps = []
    for d in args.dump_misses:
        k, _, l = d.rpartition("-")
        if (k, l) not in files:
            die(f"--dump-misses {d}: no file {d}.jsonl in {rec_dir}")
        dumps.append((k, l))
    selected = [(k, l) for (k, l) in files if (not kinds or k in kinds) and (not langs or l in langs)]
    if dumps and not kinds and not langs:
        selected = dumps
    else:
        selected = sorted(set(selected) | set(dumps))
    if not selected:
        die("no file matches --langs/--kinds")

    cmd = binary_command(args.bin)
    results, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {pool.submit(evaluate_file, files[key], key[0], key[1], cmd, score, args): key
                for key in selected}
        for fut in concurrent.futures.as_completed(futs):
            kind, lang = futs[fut]
            try:
                r = fut.result()
            except RunError as e:
                failed.append(f"{kind}-{lang}")
                sys.stderr.write(f"eval.py: {kind}-{lang}: {e}\n")
                continue
            results.append(r)
            if not args.quiet:
                notes = [f"{r['missing']} without output" if r["missing"] else "",
                         f"{r['errors']} error lines" if r["errors"] else "",
                         f"{r['bad_output_lines']} unparsable output lines, e.g. "
                         f"{r['_stats']['bad_lines'][0]!r}" if r["bad_output_lines"] else "",
                         f"{r['offset_mismatch']} records whose text != text[start:end] "
                         f"(offset unit?)" if r["offset_mismatch"] else ""]
                notes = "; ".join(n for n in notes if n)
                if not r["lines"]:
                    notes += ("; " if notes else "") + f"no case{' in split ' + args.split if args.split else ''}"
                if r["lines"] and r["missing"] == r["lines"]:
                    notes += ("; " if notes else "") + ("no output line at all: does the binary "
                                                        "implement `extract --jsonl`?")
                sys.stderr.write(f"{kind}-{lang}: {r['lines']} lines in {r['seconds']:.2f}s, "
                                 f"overlap F1 {r['overlap']['f1']:.3f}{'; ' + notes if notes else ''}\n")

    meta = {"date": datetime.date.today().isoformat(), "binary": binary_version(cmd),
            "eval_set": os.path.relpath(rec_dir, REPO_ROOT), "split": args.split,
            "include_relative": args.include_relative}
    if args.markdown:
        print_markdown(results, meta)
    else:
        print_table(results)

    if args.json:
        public = {f"{r['kind']}-{r['lang']}": {k: v for k, v in r.items() if not k.startswith("_")}
                  for r in sorted(results, key=lambda r: (r["kind"], r["lang"]))}
        totals = {f"{k}-all": {kk: vv for kk, vv in micro_total(k, results).items()}
                  for k in KINDS if any(r["kind"] == k for r in results)}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(meta, generated_by="scripts/eval.py", results=public, totals=totals,
                           failed=failed), f, indent=1, ensure_ascii=False)
            f.write("\n")

    status = 2 if failed else 0
    if args.floors:
        checks = check_floors(results)
        print("\nFloors (overlap mode):")
        for st, msg in checks:
            print(f"  {st}  {msg}")
        n_fail = sum(st == "FAIL" for st, _ in checks)
        print(f"  {sum(st == 'PASS' for st, _ in checks)} pass, {n_fail} fail, "
              f"{sum(st == 'SKIP' for st, _ in checks)} not measured")
        if n_fail and args.enforce_floors:
            status = max(status, 1)
    if args.baseline:
        with open(args.baseline, encoding="utf-8") as f:
            baseline = json.load(f)
        regressions, notes = compare_baseline(results, baseline, args.tolerance)
        print(f"\nBaseline {args.baseline} (tolerance {args.tolerance}):")
        for n in notes:
            print(f"  ok    {n}")
        for n in regressions:
            print(f"  DROP  {n}")
        if regressions:
            print(f"  {len(regressions)} regression(s) beyond the tolerance")
            status = max(status, 1)
    for kind, lang in dumps:
        r = next((r for r in results if (r["kind"], r["lang"]) == (kind, lang)), None)
        if r:
            dump_misses(r, score, args.dump_limit, args.include_relative)
    if failed:
        sys.stderr.write(f"eval.py: {len(failed)} file(s) could not be evaluated: {', '.join(sorted(failed))}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
