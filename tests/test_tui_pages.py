"""The page cache behind the sentence view: keyset pages, LRU, the session's overlay."""

from __future__ import annotations

from annotator.core.entities import AnnotationState, SentenceRow
from annotator.tui.pages import PageCache


def _loader(calls: list[tuple[int, int, int]], total: int = 1000):  # type: ignore[no-untyped-def]
    def load(document_id: int, first: int, limit: int) -> list[SentenceRow]:
        calls.append((document_id, first, limit))
        return [
            SentenceRow(document_id * 10_000 + i, document_id, i, 0, 1, f"s{i}", "pl")
            for i in range(first, min(total, first + limit))
        ]

    return load


def test_a_miss_reads_one_page_and_neighbours_are_reported_for_prefetch() -> None:
    calls: list[tuple[int, int, int]] = []
    cache = PageCache(_loader(calls), page_size=100, max_pages=3)
    assert cache.get(1, 250).text == "s250"  # type: ignore[union-attr]
    assert calls == [(1, 200, 100)]
    assert cache.get(1, 299).text == "s299" and len(calls) == 1  # type: ignore[union-attr]
    assert cache.missing_around(1, 250, 1000) == [1, 3]
    assert cache.missing_around(1, 0, 1000) == [0, 1]  # no page -1
    assert cache.get(1, 5000) is None and cache.get(1, -1) is None


def test_lru_keeps_at_most_max_pages() -> None:
    calls: list[tuple[int, int, int]] = []
    cache = PageCache(_loader(calls), page_size=10, max_pages=2)
    cache.get(1, 0)
    cache.get(1, 10)
    cache.get(1, 0)  # page 0 is now the most recent
    cache.get(1, 20)  # evicts page 1
    assert len(cache) == 2 and cache.has_page(1, 0) and not cache.has_page(1, 1)


def test_overlay_wins_over_an_older_page() -> None:
    cache = PageCache(_loader([]), page_size=10)
    row = cache.get(2, 3)
    assert row is not None and row.state is None
    saved = AnnotationState(labels=("none",), status="labelled")
    cache.set_state(row.id, saved)
    cache.put_page(2, 0, cache.load_page(2, 0))  # a prefetch read before the commit
    assert cache.get(2, 3).state == saved  # type: ignore[union-attr]
    assert cache.known_state(row.id, 2, 3) == (True, saved)
    assert cache.known_state(999_999, 2, 3) == (False, None)
