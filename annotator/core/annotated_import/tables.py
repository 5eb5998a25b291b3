"""The tables an import reads and writes, and the size of its bulk statements."""

from __future__ import annotations

from annotator.core.models import Annotation as AnnotationRow
from annotator.core.models import Annotator, Document, Event, Sentence
from annotator.core.models import Gold as GoldRow

D = Document.__table__  # type: ignore[attr-defined]
S = Sentence.__table__  # type: ignore[attr-defined]
A = AnnotationRow.__table__  # type: ignore[attr-defined]
G = GoldRow.__table__  # type: ignore[attr-defined]
E = Event.__table__  # type: ignore[attr-defined]
AN = Annotator.__table__  # type: ignore[attr-defined]

INSERT_BATCH = 5000
