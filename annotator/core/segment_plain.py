"""When the fast pass of :mod:`annotator.core.segment` may decide a sentence end alone.

Each predicate answers for one run of terminals whether syntok plus our rules (the syntok
pass, :mod:`annotator.core.segment_syntok`) would certainly cut there, or certainly not;
anything else is left to the syntok pass. They are written against syntok's code (its
tokenizer's words and symbols, its state at a sentence's first word, the brackets it skips)
and held to it by the differential tests in tests/test_segment.py: a predicate that says
"plain" where syntok would decide otherwise changes a span, and the tests fail.
"""

from __future__ import annotations

import re
import unicodedata

from syntok._segmentation_states import State as _SyntokState
from syntok.tokenizer import Tokenizer as _SyntokTokenizer

from annotator.core.segment_rules import (
    CHAR_MAP,
    CLOSERS_ORIGINAL,
    ENUMERATOR,
    NON_FINAL_ABBREVIATIONS,
    NON_FINAL_ABBREVIATIONS_PL,
    NON_FINAL_BEFORE_DIGIT,
    TERMINALS_ORIGINAL,
    WORD_OPENERS,
    keep_cut,
)
from annotator.core.segment_syntok import is_urlish

# Closers syntok keeps with the sentence before it: closing brackets, at most one quote
# (a second one makes syntok keep going), closing brackets again.
_BRACKETS_AFTER = ")]}\uff09\uff3d\uff5d"
_QUOTES_AFTER = "\"'\u00b4\u2019\u00ab\u00bb\u201c\u201d\u2018\u2039\u203a"
_PLAIN_CLOSERS = re.compile(
    "[" + re.escape(_BRACKETS_AFTER) + "]*(?:[" + re.escape(_QUOTES_AFTER) + "][" + re.escape(_BRACKETS_AFTER) + "]*)?"
)

# Brackets as syntok knows them: a terminal inside brackets may be skipped by syntok.
_OPENING_BRACKETS = "".join(sorted(_SyntokState.opening_brackets))
_CLOSING_BRACKETS = "".join(sorted(_SyntokState.closing_brackets))
BRACKET = re.compile("[" + re.escape(_OPENING_BRACKETS + _CLOSING_BRACKETS) + "]")
_OPENING_BRACKET = re.compile("[" + re.escape(_OPENING_BRACKETS) + "]")
_NOT_LONE_SYMBOLS = frozenset(_OPENING_BRACKETS + _CLOSING_BRACKETS + TERMINALS_ORIGINAL + ",;:\u060c\u061b")

# Combining marks that may sit inside a word (Arabic harakat, Latin diacritics). They are
# not letters for Python or for syntok, but syntok keeps them inside the word they mark.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
_MARK_RE = re.compile(f"[{_MARKS}]")
# Opening quotes/brackets that may lead the word before a terminal (those last_word strips).
_LEADING = "".join(sorted(ch for ch in set(WORD_OPENERS + CLOSERS_ORIGINAL) if ch.translate(CHAR_MAP) in WORD_OPENERS))
# Letters (marks inside) joined by hyphens, as in "e-handlu": syntok's last token is the part
# after the last hyphen.
_HYPHENS = _SyntokTokenizer._hyphens
_HYPHEN_RE = re.compile("[" + re.escape(_HYPHENS) + "]")
_LETTERS = rf"[^\W\d_](?:(?:[^\W\d_]|[{_MARKS}])*[^\W\d_])?"
_PLAIN_WORD = re.compile(
    "[" + re.escape(_LEADING) + "]*"
    f"({_LETTERS}(?:[{re.escape(_HYPHENS)}]{_LETTERS})*)"
    "([" + re.escape(_QUOTES_AFTER) + "]?)"
)
_PLAIN_NUMBER = re.compile("[" + re.escape(_LEADING) + r"]*\d\d+[" + re.escape(_QUOTES_AFTER) + "]?")
_MONTH = re.compile("|".join(sorted(_SyntokState.months, key=len, reverse=True)))  # as a prefix: "Mar", "March"
_BARE_WORD = re.compile(f"{_LETTERS}(?:[{re.escape(_HYPHENS)}]{_LETTERS})*")
_GAP = " \t\u00a0"  # the spaces the fast pass reads words between
_BRACKET_WINDOW = 70  # syntok skips a bracket shorter than this ...
_BRACKET_TOKENS = 48  # ... if it finds the closing bracket among the next 49 tokens
_WORD_WINDOW = 64  # a word longer than this before a terminal is not plain
_BRACKET_WORD_WINDOW = 256  # a bracket inside a longer word (a long link) leaves the depth unknown
_URL_WINDOW = 512  # a link longer than this before a stop is not plain
ENUMERATOR_LENGTH = 7  # the longest word ENUMERATOR matches before its stop: "(mdclxv"
_ABBREVIATION_WINDOW = 16  # longer than any abbreviation of the rules

# Words before a terminal after which syntok may keep the sentence going.
_SYNTOK_NOT_PLAIN = frozenset(_SyntokState.abbreviations) | frozenset(_SyntokState.roman_numerals) | {"no", "No", "NO"}


def _syntok_last_token(core: str) -> str:
    """The last token syntok's tokenizer makes of a letters-only word (it splits "iPhone"
    into "i" + "Phone" at every lowercase-to-uppercase transition)."""
    if core.islower() or core.isupper():
        return core
    category = unicodedata.category
    for idx in range(len(core) - 1, 0, -1):
        if category(core[idx]) == "Lu" and category(core[idx - 1]) == "Ll":
            return core[idx:]
    return core


def plain_boundary(
    line: str,
    stretch_start: int,
    term_start: int,
    terminals: str,
    closers: str,
    next_start: int,
    lang: str | None,
    ambiguous: bool,
) -> bool:
    """The ``terminals`` at ``term_start`` end a sentence for certain (the caller has checked
    that a space and a letter, not lowercase, follow at ``next_start``): the word before is
    plain and neither syntok nor our rules go on. ``ambiguous``: the stretch since
    ``stretch_start`` goes to the syntok pass, which may cut inside it."""
    if not _PLAIN_CLOSERS.fullmatch(closers):
        return False
    window = max(stretch_start, term_start - _WORD_WINDOW)
    space = max(
        line.rfind(" ", window, term_start),
        line.rfind("\t", window, term_start),
        line.rfind("\u00a0", window, term_start),
    )
    if space >= 0:
        word_start = space + 1
    elif window == stretch_start:
        word_start = stretch_start  # the only word of its sentence
    else:
        return False  # a token longer than the window
    if line[term_start - 1] == ")":
        return _plain_after_bracket(line, stretch_start, term_start - 1)
    if _symbol_after_word(line, word_start, term_start - 1):
        return True  # 'of "types.ModuleType". For', '*iterable*. Each': syntok ends after the symbol
    # Our rules never end a sentence whose piece is only a list enumerator ("iv.", "10."). The
    # piece starts at the stretch, or at the word if the syntok pass may cut just before it.
    piece_start = word_start if ambiguous else stretch_start
    if term_start - piece_start <= ENUMERATOR_LENGTH and ENUMERATOR.match(
        (line[piece_start:term_start] + terminals + closers).translate(CHAR_MAP)
    ):
        return False
    word = _PLAIN_WORD.fullmatch(line, word_start, term_start)
    if word is None:
        # A number of two digits or more ("in 2018. The"; one digit may be a list item for
        # syntok): syntok goes on only before a month ("2018. Mar").
        number = _PLAIN_NUMBER.fullmatch(line, word_start, term_start)
        return number is not None and not _MONTH.match(line, next_start)
    core, pre_closer = word.groups()
    if not core.isalpha() and not _MARK_RE.sub("", _HYPHEN_RE.sub("", core)).isalpha():
        return False  # a numeric character such as "²" (syntok's rules for numbers apply)
    token = _syntok_last_token(_HYPHEN_RE.split(core)[-1])
    if len(token) < 2 or token in _SYNTOK_NOT_PLAIN:
        return False
    if not pre_closer and not closers:
        mapped = (core + terminals).translate(CHAR_MAP)  # the word our rules look up
        if mapped in NON_FINAL_ABBREVIATIONS or (lang == "pl" and mapped in NON_FINAL_ABBREVIATIONS_PL):
            return False
    return True


# Characters that make the first word of a sentence more than one plain token for syntok's
# first state: a terminal or an opening bracket right after that word.
_NOT_IN_FIRST_WORD = frozenset(TERMINALS_ORIGINAL + _OPENING_BRACKETS + ";")


def plain_url_end(line: str, term_start: int, next_start: int, lang: str | None) -> bool:
    """A single ``.`` at ``term_start`` ends a link or address (``[Github](https://...).``,
    ``privacy@acme.com.``) and a capital letter follows after the spaces at ``next_start``: our
    rules cut there whatever syntok does (the syntok pass adds a cut after a URL-like word ending
    in a stop before a capitalised word, and nothing vetoes it). syntok's own reading of the
    stop only changes the state it starts the next sentence in: its first state when it cuts,
    its inner state when it goes on. The two read the next sentence alike unless its first word
    is followed by a terminal or an opening bracket (the first state takes ``Word (x).`` as a
    candidate end, the inner one skips the bracket), so that is checked here too. The caller
    checks that no bracket is open (syntok would look for its end past the stop)."""
    if term_start == 0 or line[term_start - 1] in TERMINALS_ORIGINAL:
        return False
    following = line[next_start]
    if not following.isupper():
        return False
    word_start = term_start
    limit = max(0, term_start - _URL_WINDOW)
    while word_start > limit and not line[word_start - 1].isspace():
        word_start -= 1
    if word_start == limit and limit > 0:
        return False  # a word too long to look at
    word = line[word_start : term_start + 1].translate(CHAR_MAP)
    if not is_urlish(word[:-1]):
        return False
    if not keep_cut(word, line[next_start : next_start + 2].translate(CHAR_MAP), lang):
        return False
    # The next sentence's first word: no terminal or opening bracket in it or right after it.
    idx = next_start
    limit = min(len(line), next_start + _WORD_WINDOW)
    while idx < len(line) and not line[idx].isspace():
        if idx >= limit or line[idx] in _NOT_IN_FIRST_WORD:
            return False
        idx += 1
    while idx < len(line) and line[idx] in _GAP:
        idx += 1
    return idx == len(line) or not (line[idx].isspace() or line[idx] in _NOT_IN_FIRST_WORD)


def vetoed_after_brackets(line: str, term_start: int, closers: str, following: str) -> bool:
    """Terminals right after a letter or digit, then one closing bracket (``be!)``), then a
    lowercase letter or a clause mark (``,`` ``;`` ``:`` ``،`` ``؛``), with or without spaces:
    syntok's tokenizer makes each of these characters a token after a word, and syntok takes
    the bracket into the sentence after a terminal, or ends a bracket it skipped there (one
    that opens a sentence: ``(Hi There!):``), so any cut it proposes is at the next token, which
    our rules veto. (With two brackets, ``a.)) m``, syntok may cut between them.)"""
    return (
        term_start > 0
        and line[term_start - 1].isalnum()
        and len(closers) == 1
        and closers in _CLOSING_BRACKETS
        and (following.islower() or following in ",;:\u060c\u061b")
    )


def is_lone_symbol(char: str) -> bool:
    """syntok makes ``char`` a token of its own at the edge of a word, and reads it as no
    terminal, bracket or clause mark, nor as a one-letter word (a cased symbol such as "Ⓙ"
    is one for its rules); our rules read it as no space."""
    return (
        not char.isalnum()
        and not char.isspace()
        and not char.isupper()
        and not char.islower()
        and char != "\u200b"
        and char not in _NOT_LONE_SYMBOLS
    )


def symbol_before_word(line: str, idx: int) -> bool:
    """A symbol right before a word ('"Dane', '«نص', '*name*', '—Tak'): syntok cuts before it
    after a plain stop as before a letter, and no rule looks at what follows it."""
    return line[idx + 1 : idx + 2].isalnum() and is_lone_symbol(line[idx])


def _symbol_after_word(line: str, word_start: int, idx: int) -> bool:
    """A symbol right after a letter or digit and right before the terminal ('"-O".',
    '*iterable*.', '«فيسبوك».'): syntok's token before the stop is that symbol, so the word
    behind it does not matter; no brackets in the word (syntok's bracket rules)."""
    return (
        idx - 1 >= word_start
        and line[idx - 1].isalnum()
        and is_lone_symbol(line[idx])
        and not BRACKET.search(line, word_start, idx)
    )


def _plain_after_bracket(line: str, stretch_start: int, close: int) -> bool:
    """``(...)`` ends right before the terminal (``line[close]`` is the ``)``): plain when syntok
    skips the bracket as part of its sentence and then reads the stop as after a word. It does
    when the bracket is short (under 70 characters, at most 48 tokens: syntok's limits) and
    comes after two plain words; right after a sentence's first word it reads the bracket as
    a candidate end instead and takes the stop into the next sentence ("arguments (if any).
    Syntax" stays one sentence), which the syntok pass reproduces."""
    if not _OPENING_BRACKET.search(line, stretch_start, close):
        # A ")" that closes nothing in its line (the bracket opened on the line before): a
        # token like any symbol, plain after a word ("list).  The", 'raises "Error").  This').
        idx = close - 1
        while idx >= stretch_start and is_lone_symbol(line[idx]):
            idx -= 1
        return idx >= stretch_start and line[idx].isalnum()
    opening = line.rfind("(", max(stretch_start, close - _BRACKET_WINDOW + 2), close)
    if opening <= stretch_start or BRACKET.search(line, opening + 1, close) or line[opening - 1] not in _GAP:
        opening = _skipped_bracket(line, stretch_start, close)  # longer, or brackets inside
        if opening < 0:
            return False
    else:
        content = line[opening + 1 : close]
        if len(content) - sum(content.count(space) for space in _GAP) > _BRACKET_TOKENS:
            opening = _skipped_bracket(line, stretch_start, close)
            if opening < 0:
                return False
        elif not (_is_bracket_token(line, opening) and _is_bracket_token(line, close)):
            return False
    word_end = opening - 1
    for _ in range(2):  # the two words before the bracket, each a token syntok moves in its sentence
        while word_end > stretch_start and line[word_end - 1] in _GAP:
            word_end -= 1
        window = max(stretch_start, word_end - _WORD_WINDOW)
        space = max(line.rfind(gap, window, word_end) for gap in _GAP)
        if space < 0 and window > stretch_start:
            return False
        word_start = max(space + 1, stretch_start)
        if word_start >= word_end or not _BARE_WORD.fullmatch(line, word_start, word_end):
            return False
        word_end = word_start
    return True


_LONG_BRACKET_WINDOW = 400  # a bracket longer than this before a stop is not plain
_OPENERS_TRIED = 4  # the nearest "(" after a space that may open the bracket closed at the stop
_SYNTOK_TERMINALS = _SyntokState.terminals
_SYNTOK_OPENING = _SyntokState.opening_brackets
_SYNTOK_CLOSING = _SyntokState.closing_brackets
_BRACKET_TOKENIZER = _SyntokTokenizer(replace_not_contraction=False)


def _skipped_bracket(line: str, stretch_start: int, close: int) -> int:
    """Where the ``(`` is that syntok pairs with the ``)`` at ``close`` and skips as part of its
    sentence (its rules, replayed on its own tokens: the closing bracket among the next 49
    tokens, brackets inside stacked, and shorter than 70 characters or not looking like a
    sentence: a first word in title case and a terminal after the last word); -1 if none.
    Only a ``(`` after a space is tried: its word starts there, so syntok's tokenizer, which
    splits each whitespace-delimited word on its own, gives the same tokens in the line."""
    lo = max(stretch_start + 1, close - _LONG_BRACKET_WINDOW)
    opening = close
    for _ in range(_OPENERS_TRIED):
        opening = line.rfind("(", lo, opening)
        if opening < 0:
            return -1
        if line[opening - 1] not in _GAP:
            continue
        tokens = [token.value for token in _BRACKET_TOKENIZER.tokenize(line[opening : close + 1].translate(CHAR_MAP))]
        if tokens[0] != "(" or tokens[-1] != ")" or not _is_bracket_token(line, close):
            continue  # (a ")" in a word of symbols only is no token of its own in the line)
        stack, idx, first_is_title, last_is_terminal = 1, 1, None, False
        while idx < len(tokens) and idx < 50:  # syntok's __find_end_of_bracketed_text
            value = tokens[idx]
            if first_is_title is None and value.isalnum():
                first_is_title = value.istitle()
            elif first_is_title and value.isalnum():
                last_is_terminal = idx + 1 < len(tokens) and tokens[idx + 1] in _SYNTOK_TERMINALS
            if value in _SYNTOK_OPENING:
                stack += 1
            elif value in _SYNTOK_CLOSING:
                stack -= 1
                if not stack:
                    break
            idx += 1
        if stack or idx != len(tokens) - 1:
            continue  # not this bracket's pair, or found too far for syntok
        if close + 1 - opening < _BRACKET_WINDOW or not (first_is_title and last_is_terminal):
            return opening
        return -1
    return -1


def abbreviation_before(
    line: str, stretch_start: int, term_start: int, term_end: int, following: str, lang: str | None
) -> bool:
    """The word ending at ``term_end`` is one of our abbreviations after which no sentence
    ends (``m.in.``, ``np.``, ``e.g.``; ``ok.`` before a digit): the rules veto a cut there."""
    window = max(stretch_start, term_start - _ABBREVIATION_WINDOW)
    space = max(
        line.rfind(" ", window, term_start),
        line.rfind("\t", window, term_start),
        line.rfind("\u00a0", window, term_start),
    )
    if space < 0 and window > stretch_start:
        return False
    word = line[max(space + 1, stretch_start) : term_end].translate(CHAR_MAP).lstrip(WORD_OPENERS)
    if word in NON_FINAL_ABBREVIATIONS or (lang == "pl" and word in NON_FINAL_ABBREVIATIONS_PL):
        return True
    return following.isdigit() and (word in NON_FINAL_BEFORE_DIGIT or word.lower() in NON_FINAL_BEFORE_DIGIT)


def inside_a_word(line: str, term_start: int, next_start: int, closers: str) -> bool:
    """The terminals at ``term_start`` (closers after them, no space) sit inside a word: a
    letter or digit before them and another later in the word. syntok's tokenizer keeps them
    inside a token then ("3.5", "a.b.com", "x.__init__("), so no sentence ends there, except
    where it splits the word: "..." and a stop between a lowercase and an uppercase letter
    ("end.Next"). (It splits before a bracket too, "end.(Next", but never cuts a sentence at a
    token that follows without a space unless that token is a word in title case.)"""
    if term_start == 0 or not line[term_start - 1].isalnum():
        return False
    run = line[term_start : next_start - len(closers)].translate(CHAR_MAP)
    if "..." in run:
        return False
    category = unicodedata.category
    if (
        not closers
        and run in (".", "!", "?")
        and category(line[term_start - 1]) == "Ll"
        and category(line[next_start]) == "Lu"
    ):
        return False
    limit = min(len(line), next_start + _WORD_WINDOW)
    for idx in range(next_start, limit):
        char = line[idx]
        if char.isalnum():
            return True
        if char.isspace() or char == "\u200b":  # a word ends there for syntok or for our rules
            return False
    return False


_UNKNOWN_DEPTH = 1 << 30  # brackets we could not count cheaply: no boundary is plain after them


# Where syntok's tokenizer splits words: Unicode White_Space (str.isspace without the
# information separators \x1c-\x1f) and the zero-width space.
_SEPARATOR = "(?:[^\\S\x1c-\x1f]|\u200b)"
_NEXT_SEPARATOR = re.compile(_SEPARATOR)
_LAST_SEPARATOR = re.compile(".*" + _SEPARATOR, re.DOTALL)
_ALNUM = re.compile(r"[^\W_]")  # str.isalnum


def _is_bracket_token(line: str, idx: int) -> bool | None:
    """syntok's tokenizer makes the bracket at ``line[idx]`` a token of its own: always inside
    or at the edge of a word with a letter or digit, never in a run of symbols such as ``»)``
    (one token). None when the word around it is too long to look at."""
    window = max(0, idx - _BRACKET_WORD_WINDOW)
    before = _LAST_SEPARATOR.match(line, window, idx)
    if before is not None:
        lo = before.end()
    elif window == 0:
        lo = 0
    else:
        return None
    limit = min(len(line), idx + 1 + _BRACKET_WORD_WINDOW)
    after = _NEXT_SEPARATOR.search(line, idx + 1, limit)
    if after is not None:
        hi = after.start()
    elif limit == len(line):
        hi = limit
    else:
        return None
    return hi - lo == 1 or _ALNUM.search(line, lo, hi) is not None


def bracket_depth(line: str, start: int, end: int, depth: int) -> int:
    """``depth``, the brackets syntok sees open, carried over ``line[start:end]``. syntok looks
    for the closing bracket ahead of an opening one, so a stretch may end only where every
    bracket it opened is closed: then syntok decides the stretch the same alone as in its line.
    A closing bracket with nothing open is ignored, as syntok does."""
    for mo in BRACKET.finditer(line, start, end):
        if depth >= _UNKNOWN_DEPTH:
            break
        is_token = _is_bracket_token(line, mo.start())
        if is_token is None:
            return _UNKNOWN_DEPTH
        if not is_token:
            continue
        if mo.group() in _OPENING_BRACKETS:
            depth += 1
        elif depth:
            depth -= 1
    return depth
