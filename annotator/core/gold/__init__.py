"""Gold labels: the rules that compute them (pure), and later their storage.

:mod:`.rules` is the one definition of the unanimous and majority rules, used by the
export (``--gold``), the format layer (``choose_gold``) and ``gold --auto``.
"""

from .rules import AUTO_POLICIES, GOLD_POLICIES, MIN_ANNOTATORS, GoldPolicy, check_policy, rule_gold

__all__ = ["AUTO_POLICIES", "GOLD_POLICIES", "MIN_ANNOTATORS", "GoldPolicy", "check_policy", "rule_gold"]
