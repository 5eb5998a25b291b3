"""Segmentation benchmark: our ``segment()`` against syntok alone on the same text, in the same run.

    python benchmarks/bench_segment.py                  # 10 MB of each corpus (about 3 minutes)
    python benchmarks/bench_segment.py --mb 5 --repeat 3
    python benchmarks/bench_segment.py --compare        # also the candidates of docs/segmentation.md
    python benchmarks/bench_segment.py --corpus policy  # one corpus only

Corpora, built the same way in every child process, segmented document by document as the
import does, each repeated to ``--mb`` MB:
- ``seeds``: the five seed articles (4 Arabic, 1 Polish; seeds/);
- ``legal``: English legal prose, the licence texts every Debian system ships in
  /usr/share/common-licenses (GPL, Apache, MPL...: 0.25 MB, the closest English text at hand
  to a privacy policy; skipped where the folder is missing);
- ``policy``: Automattic's privacy policy in Markdown (benchmarks/data/automattic_privacy,
  36 KB: links, bold, bullet lists), a real policy;
- ``pydoc``: Python's own documentation topics (``pydoc_data.topics``, 0.75 MB shipped with
  the interpreter): English prose full of code samples, tables and identifiers, the hardest
  text here for the fast pass.

Methods, each in a child process of its own (so each peak RSS is its own):
- ``syntok``: syntok alone, its tokenizer and segmenter on every line (its fastest way:
  ``syntok.segmenter.analyze`` on whole paragraphs is slower still, 0.45-0.7 MB/s here);
- ``previous``: annotator's segmenter before the fast pass (the syntok pass with our rules on
  every line, ``segment_syntok.segment_stretch``): the spans ``segment()`` must reproduce;
- ``ours``: ``annotator.core.segment.segment``.
Rounds are interleaved (syntok, previous, ours, syntok, ...) and the best round of each is
kept; MB/s are given per elapsed (wall) and per CPU second: on a shared machine the elapsed
times move with the load, CPU time is steadier, and the ratio uses CPU time. Then boundary
F1 on the gold (tests/data/gold_segmentation/) per language.

``--compare`` adds the candidates weighed in docs/segmentation.md (sentencex alone and with
our rules when the ``sentencex`` package is installed; our regex candidates with our rules
and no syntok), F1 on the gold and speed on a small corpus.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from syntok.segmenter import segment as syntok_segment  # noqa: E402
from syntok.tokenizer import Tokenizer  # noqa: E402

from annotator.core.segment import segment  # noqa: E402
from annotator.core.segment_rules import CLOSERS_ORIGINAL, LINE_BREAK_RE, TERMINALS_ORIGINAL, norm_lang, strip_span  # noqa: E402
from annotator.core.segment_syntok import segment_stretch  # noqa: E402

GOLD = ROOT / "tests" / "data" / "gold_segmentation"
SEEDS = ROOT / "seeds"
GOLD_BY_LANG = {
    "ar": [
        "000_427e261dc324c1f6",
        "001_4d6402208f1e7e78",
        "002_50e3bceca4959f80",
        "003_a9364fc6cc56f80c",
        "arabic_news",
    ],
    "pl": ["004_07191d38325b842d", "polish_news"],
    "en": ["english_policy", "english_policy_2"],
}
Segmenter = Callable[[str, str | None], list[tuple[int, int]]]


# --------------------------------------------------------------------------- corpora


LICENSES = Path("/usr/share/common-licenses")


def corpus(name: str, megabytes: float) -> list[str]:
    """Documents of one corpus, repeated until they hold ``megabytes`` MB of UTF-8."""
    if name == "seeds":
        base = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    elif name == "policy":
        base = [(ROOT / "benchmarks" / "data" / "automattic_privacy" / "Privacy-Policy.md").read_text(encoding="utf-8")]
    elif name == "legal":
        paths = sorted({path.resolve() for path in LICENSES.iterdir() if path.is_file()})
        base = [path.read_text(encoding="utf-8", errors="replace") for path in paths]
    else:
        from pydoc_data.topics import topics

        base = [topics[key] for key in sorted(topics)]
    size = sum(len(doc.encode()) for doc in base)
    return base * max(1, round(megabytes * 1e6 / size))


def corpora() -> list[str]:
    return ["seeds", "legal", "policy", "pydoc"] if LICENSES.is_dir() else ["seeds", "policy", "pydoc"]


# --------------------------------------------------------------------------- methods


def by_line(segment_line: Callable[[str, str | None], list[tuple[int, int]]]) -> Segmenter:
    """A segmenter that cuts at line breaks and hands each line to ``segment_line``."""

    def run(text: str, lang: str | None = None) -> list[tuple[int, int]]:
        code, spans, start = norm_lang(lang), [], 0
        for mo in LINE_BREAK_RE.finditer(text):
            spans += [(start + s, start + e) for s, e in segment_line(text[start : mo.start()], code)]
            start = mo.end()
        return spans + [(start + s, start + e) for s, e in segment_line(text[start:], code)]

    return run


_SYNTOK_TOKENIZER = Tokenizer(replace_not_contraction=False)


def syntok_line(line: str, lang: str | None) -> list[tuple[int, int]]:
    spans = []
    for sentence in syntok_segment(_SYNTOK_TOKENIZER.tokenize(line)):
        tokens = [token for token in sentence if token.value]
        if tokens:
            spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
    return spans


_STOP_RUN = re.compile(
    "[" + re.escape(TERMINALS_ORIGINAL) + "][" + re.escape(TERMINALS_ORIGINAL + CLOSERS_ORIGINAL) + "]*\\s+"
)


def regex_rules_line(line: str, lang: str | None) -> list[tuple[int, int]]:
    return segment_stretch(line, lang, lambda mapped: [mo.end() for mo in _STOP_RUN.finditer(mapped)])


def sentencex_line(line: str, lang: str | None) -> list[tuple[int, int]]:
    import sentencex

    if not line.strip():
        return []
    spans = [
        strip_span(line, b["start_index"], b["end_index"])
        for b in sentencex.get_sentence_boundaries(lang or "en", line)
    ]
    return [(s, e) for s, e in spans if s < e]


def sentencex_rules_line(line: str, lang: str | None) -> list[tuple[int, int]]:
    import sentencex

    if not line.strip():
        return []
    cuts = [b["start_index"] for b in sentencex.get_sentence_boundaries(lang or "en", line)][1:]
    return segment_stretch(line, lang, lambda _mapped: cuts)


METHODS: dict[str, Segmenter] = {
    "syntok": by_line(syntok_line),
    "previous": by_line(segment_stretch),
    "ours": segment,
}
CANDIDATES: dict[str, tuple[str, Segmenter]] = {
    "syntok": ("syntok alone (tokenizer + segmenter, each line)", by_line(syntok_line)),
    "previous": ("previous: syntok + our rules on every line", by_line(segment_stretch)),
    "sentencex": ("sentencex alone (each line)", by_line(sentencex_line)),
    "sentencex+rules": ("sentencex + our rules", by_line(sentencex_rules_line)),
    "regex+rules": ("regex candidates + our rules, no syntok", by_line(regex_rules_line)),
    "ours": ("chosen: regex pass + syntok for ambiguous stretches", segment),
}


# --------------------------------------------------------------------------- measuring


def child(method: str, corpus_name: str, megabytes: float) -> dict[str, float]:
    """Runs in a child process: build the corpus, segment it once, report."""
    docs = corpus(corpus_name, megabytes)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fn = METHODS[method]
    wall, cpu = time.perf_counter(), time.process_time()
    spans = [fn(doc, None) for doc in docs]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "mb": sum(len(doc.encode()) for doc in docs) / 1e6,
        "wall": wall,
        "cpu": cpu,
        "sentences": sum(map(len, spans)),
        "rss_before_mb": rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(method: str, corpus_name: str, megabytes: float) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", method, corpus_name, str(megabytes)]
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT).stdout)


def boundary_f1(segmenter: Segmenter, lang: str) -> float:
    """Boundary F1 (sentence ends) on the gold of one language, the language given as import gives it."""
    gold, predicted = set(), set()
    for stem in GOLD_BY_LANG[lang]:
        local = GOLD / f"{stem}.txt"
        text = (local if local.exists() else SEEDS / f"{stem}.txt").read_text(encoding="utf-8")
        pos = 0
        for sentence in json.loads((GOLD / f"{stem}.json").read_text(encoding="utf-8")):
            pos = text.index(sentence, pos) + len(sentence)
            gold.add((stem, pos))
        predicted |= {(stem, end) for _, end in segmenter(text, lang)}
    hits = len(gold & predicted)
    return 2 * hits / (len(gold) + len(predicted)) if hits else 0.0


def speed_table(megabytes: float, repeat: int, names: list[str]) -> None:
    print(
        f"{'corpus':8} {'method':9} {'MB':>6} {'wall s':>7} {'MB/s':>7} {'CPU s':>7} {'MB/CPU-s':>9} {'sentences':>10} {'RSS before':>10} {'peak RSS':>9}"
    )
    for corpus_name in names:
        best: dict[str, dict[str, float]] = {}
        for _ in range(repeat):
            for method in METHODS:
                result = run_child(method, corpus_name, megabytes)
                if method not in best or result["cpu"] < best[method]["cpu"]:
                    best[method] = result
        for method, r in best.items():
            print(
                f"{corpus_name:8} {method:9} {r['mb']:6.1f} {r['wall']:7.2f} {r['mb'] / r['wall']:7.2f} {r['cpu']:7.2f} "
                f"{r['mb'] / r['cpu']:9.2f} {r['sentences']:10,} {r['rss_before_mb']:8.0f} MB {r['peak_rss_mb']:6.0f} MB"
            )
        same = best["ours"]["sentences"] == best["previous"]["sentences"]
        print(
            f"{corpus_name:8} ratio (CPU): ours {best['syntok']['cpu'] / best['ours']['cpu']:.1f}x syntok alone "
            f"(goal >= 5x), {best['previous']['cpu'] / best['ours']['cpu']:.1f}x the previous segmenter; "
            f"wall: {best['syntok']['wall'] / best['ours']['wall']:.1f}x / {best['previous']['wall'] / best['ours']['wall']:.1f}x; "
            f"sentences {'the same as' if same else 'DIFFERENT from'} the previous segmenter"
        )


def f1_table() -> None:
    print("\nboundary F1 on the gold (sentence ends):")
    for name in ("syntok", "ours"):
        label, segmenter = CANDIDATES[name]
        print(f"  {label:52} " + "  ".join(f"{lang} {boundary_f1(segmenter, lang):.3f}" for lang in GOLD_BY_LANG))


def compare_table(megabytes: float) -> None:
    try:
        import sentencex  # noqa: F401
    except ImportError:
        skipped = {"sentencex", "sentencex+rules"}
        print("\n(sentencex is not installed: pip install sentencex to compare it)")
    else:
        skipped = set()
    texts = {name: corpus(name, megabytes) for name in corpora()}
    print(f"\ncandidates: F1 on the gold; CPU MB/s on {megabytes:g} MB of each corpus")
    for key, (label, segmenter) in CANDIDATES.items():
        if key in skipped:
            continue
        rates = []
        for name, docs in texts.items():
            cpu = time.process_time()
            for doc in docs:
                segmenter(doc, None)
            rates.append(f"{name} {sum(len(doc.encode()) for doc in docs) / 1e6 / (time.process_time() - cpu):6.2f}")
        f1 = "  ".join(f"{lang} {boundary_f1(segmenter, lang):.3f}" for lang in GOLD_BY_LANG)
        print(f"  {label:52} {f1}   " + "  ".join(rates))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=10.0, help="MB of each corpus (default 10)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of each method; the best is kept")
    parser.add_argument("--compare", action="store_true", help="also the candidates (on --compare-mb MB)")
    parser.add_argument("--compare-mb", type=float, default=1.0)
    parser.add_argument(
        "--corpus", action="append", choices=["seeds", "legal", "policy", "pydoc"], help="only this corpus (repeatable)"
    )
    args = parser.parse_args()
    speed_table(args.mb, args.repeat, [name for name in corpora() if not args.corpus or name in args.corpus])
    f1_table()
    if args.compare:
        compare_table(args.compare_mb)


if __name__ == "__main__":
    main()
