"""Inter-annotator agreement: pure, vectorised numpy functions (no UI, no database).

Input conventions
-----------------
* nominal ``codes``: ``(n_items, n_annotators)`` int array, ``-1`` = missing,
  values ``0..q-1``.
* multi-label ``masks``: ``(n_items, n_annotators)`` int64 bitmasks of label
  sets (bit i = ``label_ids[i]``), ``-1`` = missing; ``0`` (the empty set) is a
  real rating.

Definitions
-----------
Units are items (sentences); a rating is one annotator's saved label set on one
item. A skipped item, or one the annotator never saw, is *missing*: it is not
"none" and not the empty set. For item i, ``m_i`` is its number of ratings and
``n_ic`` the number of them with value c. An item is *pairable* when
``m_i >= 2``. **N items** = items with at least one rating; **N pairable
items** = items with ``m_i >= 2``. ``n = sum m_i`` and ``n_c = sum n_ic`` over
the pairable items.

* **Per label**: the binary recoding of each present rating (1 if the label is
  in the set, else 0; missing stays missing). *Prevalence* = share of all
  present ratings that contain the label.
* **Overall**: multi-label schema: the nominal statistics over exact label
  sets (each distinct set is one category) and alpha with MASI distance; Gwet's
  AC1 is null (no fixed q). Single-label schema (one label per rating): the
  nominal statistics over the label, q = number of labels (MASI alpha then
  equals nominal alpha).
* **Percent agreement**: ``P_i = sum_c n_ic (n_ic - 1) / (m_i (m_i - 1))``, the
  share of agreeing annotator pairs on item i, averaged over pairable items.
* **Cohen's kappa** of annotators a, b: on the items both rated,
  ``(p_o - p_e) / (1 - p_e)``, ``p_o`` = share of equal values,
  ``p_e = sum_c p_a(c) p_b(c)`` from each annotator's own marginals on those
  items. *Mean*: unweighted mean over the pairs where kappa is defined.
* **Fleiss' kappa**: ``(P - P_e) / (1 - P_e)``, ``P`` = percent agreement above,
  ``P_e = sum_c pi_c^2``, ``pi_c = (1/N) sum_i n_ic / m_i`` over the N items with
  at least one rating. With complete data (every rated item has the same number
  of ratings) this is exactly Fleiss (1971): ``pi_c`` is the pooled share of c.
  With missing ratings it is Gwet's missing-data form (Handbook of Inter-Rater
  Reliability, 4th ed., 2014; R ``irrCAC::fleiss.kappa.raw``): each ``P_i`` uses
  the item's own ``m_i``, only pairable items enter ``P``, every rated item
  (single-rating ones included) enters ``pi_c`` with weight 1.
* **Krippendorff's alpha** (nominal), from the coincidence matrix of the
  pairable items: ``1 - D_o / D_e``,
  ``D_o = 1 - (1/n) sum_i sum_c n_ic (n_ic - 1) / (m_i - 1)``,
  ``D_e = 1 - sum_c n_c (n_c - 1) / (n (n - 1))``. With complete data,
  ``alpha = 1 - (1 - fleiss) (n - 1) / n``.
* **Alpha with MASI distance** (Passonneau 2006) over label sets:
  ``d(A, B) = 1 - J * M``, ``J = |A & B| / |A | B|``, ``M`` = 1 if A = B, 2/3 if
  one is a subset of the other, 1/3 if they intersect otherwise, 0 if disjoint
  (``d(A, A) = 0``, the empty set included). ``D_o = (1/n) sum_i 1/(m_i - 1)
  sum_{a != b} d(x_ia, x_ib)``, ``D_e = sum_{c,k} n_c n_k d(c, k) / (n (n - 1))``
  over the distinct sets c, k.
* **Gwet's AC1**: ``(p_a - p_e) / (1 - p_e)``, ``p_a`` = percent agreement,
  ``p_e = sum_c pi_c (1 - pi_c) / (q - 1)``, ``pi_c`` as for Fleiss (Gwet 2014,
  ``irrCAC::gwet.ac1.raw``), q = number of categories of the schema (2 per label).
* **Undefined**: a coefficient that is 0/0 is ``None`` (JSON null, "n/a"),
  never 1, 0 or NaN: no pairable item (for Cohen: no item both rated), or a
  single value used, so that the expected disagreement is 0 (alpha, MASI
  alpha, Fleiss, Cohen). Percent agreement and AC1 are not 0/0 when a single
  value is used (``p_e < 1``): both are then 1.
* **Bootstrap CI** (alpha and MASI alpha): resample the pairable items with
  replacement B times (``numpy.random.default_rng(seed)``), recompute alpha,
  drop undefined resamples, 95% percentile interval (2.5th and 97.5th
  percentiles, linear interpolation). Null when B = 0, alpha is undefined, or
  no resample is defined.

Computation
-----------
Every float is formed from integer totals, in a fixed order: per number of ratings m,
the sum of the items' equal pairs and the count of each value (``nominal``). The
per-label figures come from ``(m, o)`` histograms (o = ratings with the label) and 2x2
tables per annotator pair, counted from the exact-set codes and their item patterns,
or with bit tests on the masks (``labels``); they are the single functions' floats on
the label's binary codes. The counts are summed over chunks of rows: the mask matrix
stays the only large object (no per-label copy), and no figure depends on the chunk size.

API
---
``compute_agreement(masks, annotators, label_ids, mode, labels_subset,
bootstrap, seed, progress) -> AgreementReport`` and the single metrics below.
"""

from .bootstrap import bootstrap_alpha_ci, bootstrap_alpha_masi_ci
from .masi import (
    binary_recode,
    exact_set_codes,
    krippendorff_alpha_masi,
    masi_distance,
    single_label_codes,
)
from .nominal import (
    cohen_kappa,
    cohen_kappa_mean,
    cohen_kappa_pairwise,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_nominal,
    percent_agreement,
)
from .report import (
    AgreementReport,
    LabelAgreement,
    MetricSet,
    OverallAgreement,
    PairAgreement,
    build_rating_matrix,
    compute_agreement,
    encode_label_set,
    pair_key,
    shortfall,
)

__all__ = [
    "AgreementReport",
    "LabelAgreement",
    "MetricSet",
    "OverallAgreement",
    "PairAgreement",
    "binary_recode",
    "bootstrap_alpha_ci",
    "bootstrap_alpha_masi_ci",
    "build_rating_matrix",
    "cohen_kappa",
    "cohen_kappa_mean",
    "cohen_kappa_pairwise",
    "compute_agreement",
    "encode_label_set",
    "exact_set_codes",
    "fleiss_kappa",
    "gwet_ac1",
    "krippendorff_alpha_masi",
    "krippendorff_alpha_nominal",
    "masi_distance",
    "pair_key",
    "percent_agreement",
    "shortfall",
    "single_label_codes",
]
