#!/usr/bin/env python3
"""Score main-text extraction on the news_html evaluation set.

For every page listed in news_html/manifest.jsonl, runs `CMD FILE` (the
program prints the page's main text on stdout) and checks the page's
`must_contain` snippets (should be found) and `must_not_contain` snippets
(boilerplate, should be absent). Matching rule, as in the set's README:
whitespace-normalized substring; snippets containing CJK characters are
also tried with all whitespace removed on both sides.

With --meta, also runs `CMD --meta FILE` and reports how often a title,
a published date and a language come back, and how often the language
agrees with the manifest's label.

Python 3 standard library only. Exit status: 0, or 1 when a --floor-*
threshold is missed, 2 on usage errors.
"""

import argparse
import collections
import json
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

WS = re.compile(r"\s+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def norm(s):
    return WS.sub(" ", s).strip()


def squash(s):
    return WS.sub("", s)


def default_eval_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.environ.get("NEWS_HTML_DIR", ""),
        os.path.join(here, "..", "..", "shared", "eval", "news_html"),
        os.path.join(here, "..", "shared", "eval", "news_html"),
        os.path.join(os.getcwd(), "..", "shared", "eval", "news_html"),
    ]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, "manifest.jsonl")):
            return os.path.normpath(c)
    return None


def run(cmd, args, timeout):
    """Returns (stdout text, ok, seconds)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd + args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "", False, time.perf_counter() - start
    except OSError as e:
        sys.exit(f"cannot run {shlex.join(cmd)}: {e}")
    out = proc.stdout.decode("utf-8", errors="replace")
    return out, proc.returncode == 0, time.perf_counter() - start


def found(snippet, text_norm, text_squashed):
    s = norm(snippet)
    if s in text_norm:
        return True
    return bool(CJK.search(s)) and squash(s) in text_squashed


def primary(tag):
    if not tag:
        return None
    p = re.split(r"[-_]", str(tag).strip().lower())[0]
    return {"nb": "no", "nn": "no"}.get(p, p)


def score_page(entry, eval_dir, cmd, args):
    path = os.path.join(eval_dir, entry["file"])
    out, ok, secs = run(cmd, [path], args.timeout)
    text_norm = norm(out)
    text_sq = squash(out)
    res = {
        "file": entry["file"],
        "lang": entry.get("lang") or "?",
        "bytes": os.path.getsize(path),
        "seconds": secs,
        "exit_ok": ok,
        "empty": not text_norm,
        "contain_hit": [],
        "contain_miss": [],
        "not_contain_present": [],
        "not_contain_absent": [],
    }
    for s in entry.get("must_contain") or []:
        (res["contain_hit"] if found(s, text_norm, text_sq) else res["contain_miss"]).append(s)
    for s in entry.get("must_not_contain") or []:
        key = "not_contain_present" if found(s, text_norm, text_sq) else "not_contain_absent"
        res[key].append(s)
    if args.meta:
        mout, mok, _ = run(cmd, ["--meta", path], args.timeout)
        meta = {}
        if mok:
            try:
                meta = json.loads(mout)
            except ValueError:
                meta = {}
        res["meta"] = meta if isinstance(meta, dict) else {}
    return res


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cmd", default="target/release/newsfacts text",
                    help='program and arguments; the page path is appended (default: "%(default)s")')
    ap.add_argument("--dir", default=None, help="news_html directory (default: ../shared/eval/news_html)")
    ap.add_argument("--jobs", type=int, default=1, help="pages run in parallel (default 1)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per page")
    ap.add_argument("--lang", default=None, help="only pages with these manifest languages (comma list)")
    ap.add_argument("--meta", action="store_true", help="also run CMD --meta FILE and score the metadata")
    ap.add_argument("--floor-contain", type=float, default=None, metavar="X",
                    help="exit 1 when must_contain found %% < X")
    ap.add_argument("--floor-not-contain", type=float, default=None, metavar="Y",
                    help="exit 1 when must_not_contain present %% > Y")
    ap.add_argument("--json", action="store_true", help="machine-readable summary on stdout")
    ap.add_argument("--verbose", action="store_true", help="list misses and boilerplate found, per page")
    args = ap.parse_args()

    eval_dir = args.dir or default_eval_dir()
    if not eval_dir or not os.path.isfile(os.path.join(eval_dir, "manifest.jsonl")):
        print("news_html/manifest.jsonl not found; pass --dir", file=sys.stderr)
        return 2
    cmd = shlex.split(args.cmd)
    if not cmd:
        print("empty --cmd", file=sys.stderr)
        return 2

    with open(os.path.join(eval_dir, "manifest.jsonl"), encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    if args.lang:
        wanted = set(args.lang.split(","))
        entries = [e for e in entries if e.get("lang") in wanted]

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda e: score_page(e, eval_dir, cmd, args), entries))

    per_lang = collections.defaultdict(lambda: [0, 0, 0, 0, 0])  # hit, total, present, total_not, pages
    for r in results:
        pl = per_lang[r["lang"]]
        pl[0] += len(r["contain_hit"])
        pl[1] += len(r["contain_hit"]) + len(r["contain_miss"])
        pl[2] += len(r["not_contain_present"])
        pl[3] += len(r["not_contain_present"]) + len(r["not_contain_absent"])
        pl[4] += 1
    hit = sum(v[0] for v in per_lang.values())
    total = sum(v[1] for v in per_lang.values())
    present = sum(v[2] for v in per_lang.values())
    total_not = sum(v[3] for v in per_lang.values())
    empty = [r["file"] for r in results if r["empty"]]
    failed = [r["file"] for r in results if not r["exit_ok"]]
    total_bytes = sum(r["bytes"] for r in results)
    total_secs = sum(r["seconds"] for r in results)

    summary = {
        "pages": len(results),
        "must_contain_found_pct": round(pct(hit, total), 2),
        "must_contain_found": hit,
        "must_contain_total": total,
        "must_not_contain_present_pct": round(pct(present, total_not), 2),
        "must_not_contain_present": present,
        "must_not_contain_total": total_not,
        "pages_zero_output": len(empty),
        "pages_zero_output_files": empty,
        "pages_nonzero_exit": len(failed),
        "pages_perfect": sum(1 for r in results if not r["contain_miss"] and not r["not_contain_present"]),
        "per_lang": {
            lang: {
                "pages": v[4],
                "must_contain_found_pct": round(pct(v[0], v[1]), 2),
                "must_contain_total": v[1],
                "must_not_contain_present_pct": round(pct(v[2], v[3]), 2),
                "must_not_contain_total": v[3],
            }
            for lang, v in sorted(per_lang.items())
        },
        "html_mb": round(total_bytes / 1e6, 3),
        "wall_seconds_including_process_start": round(total_secs, 3),
    }
    if args.meta:
        metas = [(r, r.get("meta") or {}) for r in results]
        lang_pairs = [(primary(e.get("lang")), primary(m.get("lang")))
                      for e, (_, m) in zip(entries, metas)]
        with_lang = [p for p in lang_pairs if p[1]]
        summary["meta"] = {
            "title_pct": round(pct(sum(1 for _, m in metas if m.get("title")), len(metas)), 2),
            "published_pct": round(pct(sum(1 for _, m in metas if m.get("published")), len(metas)), 2),
            "lang_pct": round(pct(len(with_lang), len(metas)), 2),
            "lang_agrees_pct_of_given": round(pct(sum(1 for a, b in with_lang if a == b), len(with_lang)), 2),
        }
    if args.verbose:
        summary["misses"] = {
            r["file"]: {"missing": r["contain_miss"], "boilerplate_present": r["not_contain_present"]}
            for r in results if r["contain_miss"] or r["not_contain_present"]
        }
        if args.meta:
            summary["meta_values"] = {r["file"]: r.get("meta") for r in results}

    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"pages: {len(results)}  ({summary['html_mb']} MB, "
              f"{summary['wall_seconds_including_process_start']} s incl. process start)")
        print(f"must_contain found:       {summary['must_contain_found_pct']:6.2f} %  ({hit}/{total})")
        print(f"must_not_contain present: {summary['must_not_contain_present_pct']:6.2f} %  ({present}/{total_not})")
        print(f"pages with zero output:   {len(empty)}" + (f"  {empty}" if empty else ""))
        print(f"pages with non-zero exit: {len(failed)}")
        print(f"pages fully right:        {summary['pages_perfect']}")
        print("per language (pages, contain %, not-contain %):")
        for lang, v in summary["per_lang"].items():
            nc = f"{v['must_not_contain_present_pct']:6.2f}" if v["must_not_contain_total"] else "     -"
            print(f"  {lang:3} {v['pages']:3}  {v['must_contain_found_pct']:6.2f}  {nc}")
        if args.meta:
            m = summary["meta"]
            print(f"meta: title {m['title_pct']} %, published {m['published_pct']} %, "
                  f"lang {m['lang_pct']} % (agrees with label: {m['lang_agrees_pct_of_given']} %)")
        if args.verbose:
            for r in results:
                if r["contain_miss"] or r["not_contain_present"]:
                    print(f"\n{r['file']} [{r['lang']}]")
                    for s in r["contain_miss"]:
                        print(f"  MISSING  {s[:120]}")
                    for s in r["not_contain_present"]:
                        print(f"  PRESENT  {s[:120]}")
            if args.meta:
                print()
                for r in results:
                    print(f"META {r['file']}: {json.dumps(r.get('meta'), ensure_ascii=False)}")

    code = 0
    if args.floor_contain is not None and summary["must_contain_found_pct"] < args.floor_contain:
        print(f"FAIL: must_contain found {summary['must_contain_found_pct']} % < floor {args.floor_contain} %",
              file=sys.stderr)
        code = 1
    if args.floor_not_contain is not None and summary["must_not_contain_present_pct"] > args.floor_not_contain:
        print(f"FAIL: must_not_contain present {summary['must_not_contain_present_pct']} % > "
              f"ceiling {args.floor_not_contain} %", file=sys.stderr)
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
