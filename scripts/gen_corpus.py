#!/usr/bin/env python3
"""Generate a deterministic multilingual benchmark corpus from our fixtures.

    python3 scripts/gen_corpus.py OUT_DIR --mb 100 [--html] [--seed 1]

Each generated article joins varied copies of one language's fixture texts (numbers changed,
paragraphs shuffled) up to a typical news article's length (about 5 KB of text), so documents
differ but stay realistic. With --html each article is wrapped in a page with boilerplate.
Same arguments, same bytes: the generator uses its own seeded PRNG.
"""
import argparse
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_fixtures(html):
    texts = []
    for p in sorted((REPO / "fixtures").rglob("*")):
        if p.suffix not in (".txt", ".html"):
            continue
        raw = p.read_bytes()
        for enc in ("utf-8-sig", "cp1252"):
            try:
                t = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if p.suffix == ".html" and not html:
            continue
        if p.suffix == ".txt" and html:
            continue
        texts.append((p.parent.name, p.suffix, t))
    return texts


def vary(text, rng):
    def num(m):
        s = m.group(0)
        if len(s) == 4 and s[:2] in ("19", "20"):
            return str(rng.randint(1990, 2024))
        return str(rng.randint(2, 999))
    paras = text.split("\n\n")
    head, body = paras[:1], paras[1:]
    rng.shuffle(body)
    return re.sub(r"(?<![\d.,])\d{1,4}(?![\d.,])", num, "\n\n".join(head + body))


def wrap_html(lang, body_text, i):
    paras = "\n".join(f"<p>{p}</p>" for p in body_text.split("\n\n") if p.strip())
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Article {i}</title>'
            f'<meta property="article:published_time" content="2024-03-{1 + i % 28:02d}"></head><body>'
            f'<nav><a href="/">Home</a> | <a href="/world">World</a></nav><article><h1>Article {i}</h1>'
            f"{paras}</article><footer>© 2024 Example News</footer></body></html>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--docs", type=int, default=0, help="number of documents (overrides --mb)")
    ap.add_argument("--html", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fixtures = load_fixtures(False)
    total, i = 0, 0
    limit = args.mb * 1e6
    while (args.docs and i < args.docs) or (not args.docs and total < limit):
        lang, _, text = fixtures[i % len(fixtures)]
        same = [t for (l, _, t) in fixtures if l == lang]
        parts = []
        while sum(len(p.encode()) for p in parts) < 5000:
            t = same[rng.randrange(len(same))] if parts else text
            if "<html" in t[:500].lower():
                t = re.sub(r"(?s)<(script|style)[^>]*>.*?</\\1>", " ", t)
                t = re.sub(r"<[^>]+>", " ", t)
            parts.append(vary(t, rng))
        body = "\n\n".join(parts)
        folder = args.out / lang / f"{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        if args.html:
            data = wrap_html(lang, body, i).encode()
            (folder / f"{i:07d}.html").write_bytes(data)
        else:
            data = body.encode()
            (folder / f"{i:07d}.txt").write_bytes(data)
        total += len(data)
        i += 1
    print(f"{i} documents, {total / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
