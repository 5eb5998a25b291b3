"""The whole agreement report (overall, per label, pairwise) as pydantic models.

``compute_agreement(...).model_dump()`` is the JSON shape of ``annotator
agreement --json``; ``model_dump_json()`` serialises it (undefined -> null).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ._arrays import as_mask_matrix
from .bootstrap import (
    MasiAlphaStat,
    NominalAlphaStat,
    Progress,
    percentile_interval,
    run_bootstrap,
)
from .labels import (
    DEFAULT_CHUNK_ROWS,
    bootstrap_patterns,
    label_counts,
    label_counts_from_sets,
    label_metrics,
    label_pair_kappas,
)
from .masi import MasiData, set_codes, single_label_codes
from .nominal import NominalData, mean_defined

Interval = Annotated[list[float], Field(min_length=2, max_length=2)]
MAX_LABELS = 63


class MetricSet(BaseModel):
    """The coefficients reported for one variable (the overall label or one label)."""

    model_config = ConfigDict(frozen=True)

    n_items: int
    n_pairable_items: int
    percent_agreement: float | None
    cohen_kappa_mean: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    gwet_ac1: float | None
    alpha_ci: Interval | None = None


class LabelAgreement(MetricSet):
    """Per-label (binary: label in the set or not) figures."""

    prevalence: float | None


class OverallAgreement(MetricSet):
    """Exact label sets (multi-label) or the label (single-label), plus MASI alpha."""

    krippendorff_alpha_masi: float | None
    alpha_masi_ci: Interval | None = None


class PairAgreement(BaseModel):
    """One annotator pair: Cohen's kappa overall and per label, on the items both rated."""

    model_config = ConfigDict(frozen=True)

    n_items: int
    cohen_kappa: float | None
    per_label: dict[str, float | None]


class AgreementReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    n_items: int
    n_pairable_items: int
    annotators: list[str]
    overall: OverallAgreement
    per_label: dict[str, LabelAgreement]
    pairwise: dict[str, PairAgreement]


def pair_key(a: str, b: str) -> str:
    """Key of an annotator pair in ``AgreementReport.pairwise``: sorted names joined by '|'."""
    x, y = sorted((a, b))
    return f"{x}|{y}"


def encode_label_set(labels: Sequence[str], label_ids: Sequence[str]) -> int:
    """Bitmask of a set of label ids (bit i = ``label_ids[i]``)."""
    index = {lab: i for i, lab in enumerate(label_ids)}
    mask = 0
    for lab in labels:
        try:
            mask |= 1 << index[lab]
        except KeyError:
            raise ValueError(f"unknown label {lab!r}") from None
    return mask


def build_rating_matrix(
    item_index: object,
    annotator_index: object,
    values: object,
    n_items: int,
    n_annotators: int,
) -> np.ndarray:
    """Scatter long-format ratings (one row per rating) into an ``(n_items, n_annotators)``
    int64 matrix, -1 where there is no rating. Raises on a duplicate (item, annotator)."""
    items = np.asarray(item_index, dtype=np.int64)
    anns = np.asarray(annotator_index, dtype=np.int64)
    vals = np.asarray(values, dtype=np.int64)
    if not (items.shape == anns.shape == vals.shape) or items.ndim != 1:
        raise ValueError("item_index, annotator_index and values must be 1-D of equal length")
    out = np.full((n_items, n_annotators), -1, dtype=np.int64)
    if items.size == 0:
        return out
    if items.min() < 0 or items.max() >= n_items or anns.min() < 0 or anns.max() >= n_annotators:
        raise ValueError("item or annotator index out of range")
    flat = items * n_annotators + anns
    if np.bincount(flat, minlength=n_items * n_annotators).max() > 1:
        raise ValueError("duplicate rating for one (item, annotator)")
    out.reshape(-1)[flat] = vals
    return out


def _metrics(
    data: NominalData,
    pairs: dict[tuple[int, int], tuple[int, float | None]],
    n_categories: int | None,
) -> dict[str, object]:
    return {
        "n_items": data.n_items,
        "n_pairable_items": data.n_pairable_items,
        "percent_agreement": data.percent_agreement(),
        "cohen_kappa_mean": mean_defined([k for _, k in pairs.values()]),
        "fleiss_kappa": data.fleiss_kappa(),
        "krippendorff_alpha": data.krippendorff_alpha(),
        "gwet_ac1": None if n_categories is None else data.gwet_ac1(n_categories),
    }


def compute_agreement(
    masks: np.ndarray,
    annotators: list[str],
    label_ids: list[str],
    mode: Literal["multi", "single"] = "multi",
    labels_subset: list[str] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    progress: Progress | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> AgreementReport:
    """Every agreement figure of issue 5 for one ``(n_items, n_annotators)`` mask matrix.

    ``masks[i, a]`` is annotator ``annotators[a]``'s label set on item i as a
    bitmask over ``label_ids`` (-1 = missing). ``mode="single"`` requires one
    label per rating. ``labels_subset`` restricts the per-label entries (in
    the given order); the overall figures always use the full label sets.
    ``bootstrap`` = number of resamples B for the alpha CIs (0 = no CI),
    ``seed`` seeds ``numpy.random.default_rng``; ``progress(done, B)`` is called
    after each chunk of resamples. Counts are summed over chunks of ``chunk_rows``
    items (the per-label ones: ``labels``): the report does not depend on it.
    """
    mk = as_mask_matrix(masks)
    if mode not in ("multi", "single"):
        raise ValueError("mode must be 'multi' or 'single'")
    if len(annotators) != mk.shape[1] or len(set(annotators)) != len(annotators):
        raise ValueError("annotators must be distinct names, one per column of masks")
    if len(set(label_ids)) != len(label_ids) or not 0 < len(label_ids) <= MAX_LABELS:
        raise ValueError(f"label_ids must be 1..{MAX_LABELS} distinct ids")
    if mk.size and int(mk.max()) >= (1 << len(label_ids)):
        raise ValueError("a mask has a bit beyond the last label id")
    selected = list(label_ids) if labels_subset is None else list(labels_subset)
    unknown = [lab for lab in selected if lab not in label_ids]
    if unknown or len(set(selected)) != len(selected):
        raise ValueError(f"labels_subset: unknown or repeated labels {unknown or selected}")
    if bootstrap < 0:
        raise ValueError("bootstrap must be >= 0")

    # the exact label sets, coded once (narrow integers): the nominal figures (multi-label),
    # MASI and the per-label counts read them
    codes, uniques = set_codes(mk, chunk_rows)
    if mode == "single":
        overall_data = NominalData(single_label_codes(mk))
        overall_q: int | None = len(label_ids)
    else:
        overall_data = NominalData(codes)
        overall_q = None
    masi = MasiData.from_codes(codes, uniques, overall_data.m, chunk_rows)
    bits = [label_ids.index(lab) for lab in selected]
    counts = label_counts_from_sets(codes, uniques, bits, chunk_rows) or label_counts(mk, bits, chunk_rows)
    del codes
    if mode == "multi" and counts.set_pairs is not None:
        overall_pairs = counts.set_pairs  # the exact sets' joint tables, counted already
    else:
        overall_pairs = overall_data.cohen_kappa_pairs()
    label_pairs = {lab: label_pair_kappas(counts, k) for k, lab in enumerate(selected)}

    overall = _metrics(overall_data, overall_pairs, overall_q)
    overall["krippendorff_alpha_masi"] = masi.alpha()
    per_label: dict[str, dict[str, object]] = {}
    for k, lab in enumerate(selected):
        entry = label_metrics(counts.hist[k])
        entry["cohen_kappa_mean"] = mean_defined([kappa for _, kappa in label_pairs[lab].values()])
        per_label[lab] = entry

    if bootstrap > 0:
        targets: list[tuple[dict[str, object], str, NominalAlphaStat | MasiAlphaStat]] = []
        if overall["krippendorff_alpha"] is not None:
            targets.append((overall, "alpha_ci", NominalAlphaStat(overall_data)))
        if overall["krippendorff_alpha_masi"] is not None:
            targets.append((overall, "alpha_masi_ci", MasiAlphaStat(masi)))
        for k, lab in enumerate(selected):
            if per_label[lab]["krippendorff_alpha"] is not None:
                stat = NominalAlphaStat.from_patterns(*bootstrap_patterns(counts.hist[k]))
                targets.append((per_label[lab], "alpha_ci", stat))
        rng = np.random.default_rng(seed)
        samples = run_bootstrap(
            [t[2] for t in targets],
            overall_data.n_pairable_items,
            bootstrap,
            rng,
            progress,
        )
        for (entry, key, _), vals in zip(targets, samples, strict=True):
            entry[key] = percentile_interval(vals)

    pairwise: dict[str, PairAgreement] = {}
    for a, b in combinations(range(mk.shape[1]), 2):
        n_both, kappa = overall_pairs[(a, b)]
        pairwise[pair_key(annotators[a], annotators[b])] = PairAgreement(
            n_items=n_both,
            cohen_kappa=kappa,
            per_label={lab: label_pairs[lab][(a, b)][1] for lab in selected},
        )

    return AgreementReport(
        n_items=overall_data.n_items,
        n_pairable_items=overall_data.n_pairable_items,
        annotators=list(annotators),
        overall=OverallAgreement.model_validate(overall),
        per_label={lab: LabelAgreement.model_validate(e) for lab, e in per_label.items()},
        pairwise=dict(sorted(pairwise.items())),
    )


def shortfall(report: AgreementReport, rated_by: dict[str, int]) -> str | None:
    """Why every coefficient is undefined, in one sentence (None when some can be computed).

    ``rated_by`` maps each annotator of the selection to their number of labelled sentences.
    Names are returned as given: the display layer makes them safe to show.
    """
    with_ratings = [name for name, n in rated_by.items() if n > 0]
    if len(with_ratings) < 2:
        found = ", ".join(f"{name} ({n})" for name, n in rated_by.items()) or "none"
        return (
            "agreement needs at least two annotators with labelled sentences in this selection; "
            f"found {len(with_ratings)}: {found}. Every coefficient is undefined (n/a)."
        )
    if report.n_pairable_items == 0:
        return "no sentence was labelled by two annotators in this selection: every coefficient is undefined (n/a)."
    return None
