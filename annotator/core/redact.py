"""Passwords in database URLs never reach output, logs or errors.

``postgresql://amal:s3cret@db.example.org/annotations`` is shown as
``postgresql://amal:***@db.example.org/annotations``. :func:`redact` masks every URL
password in any text (an error message that quotes the URL, a driver's message);
:func:`display_url` is the form every output uses for a database.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported only to parse a URL: error lines need none of it
    from sqlalchemy.engine import URL

MASK = "***"
# scheme://user:password@ -- the password runs to the last "@" before the host part
# (a password may itself contain "@"); the user part has no ":" "/" or whitespace.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s/]*)@")
# libpq also takes the password as a query parameter: ...?password=s3cret&sslmode=require
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&\s]*)", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[:;,.)\]]*")


def redact(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` (and every
    ``?password=``) replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    return _QUERY_PASSWORD.sub(_mask_query_password, text)


def _mask_query_password(match: re.Match[str]) -> str:
    # Text masked already ("?password=***: cannot connect", a message quoting display_url)
    # keeps the punctuation that follows the mask: masking again must not eat it.
    value = match["password"]
    if value.startswith(MASK) and _PUNCTUATION.fullmatch(value[len(MASK) :]):
        return match.group(0)
    return f"{match['head']}{MASK}"


def display_url(db: str | URL) -> str:
    """A database as the user should see it: a path as given, a URL without its password."""
    if not isinstance(db, str):  # a sqlalchemy URL
        return redact(db.render_as_string(hide_password=True))
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        # redact() again: an unencoded "@" in a password makes the parser take part of it
        # for the host, which render_as_string would then show.
        return redact(make_url(db).render_as_string(hide_password=True))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return redact(db)
