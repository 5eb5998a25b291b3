"""Import of annotated data: our JSONL (both flavours), Prodigy, doccano, Label Studio, CSV.

Records are read with :func:`annotator.core.formats.read_records` and stored as they are:
their sentences are never re-segmented. Two passes over each file:

1. **Check** (nothing is stored): every label, after ``--map old=new``, must be in the
   project's schema and obey it (``none`` alone, one label in single mode); annotator
   names must be storable. Any problem in any file is one :class:`UserError` listing
   every unknown label, and nothing at all is stored.
2. **Store**, one transaction per document (all of a document's sentences, decisions and
   gold, or nothing of it): documents and sentences are matched or created
   (:mod:`.matching`), then decisions and gold are merged into the stored ones
   (:mod:`.merge`).

Modules:

- :mod:`.importer`: the entry points (:class:`AnnotatedImport`, :func:`import_annotated`):
  check every file, then store each one document by document.
- :mod:`.check`: pass 1 over one file (labels, annotator names, layout).
- :mod:`.labels`: ``--map old=new`` and the label checks against the project's schema.
- :mod:`.grouping`: a file's records per document; duplicate sentences merged; the
  document text rebuilt from its sentences.
- :mod:`.matching`: an imported document's documents and sentences, matched or created.
- :mod:`.merge`: its decisions and adjudicated gold, merged into the stored ones.
- :mod:`.refusals`: a file or a document that cannot be imported.
- :mod:`.summary`: what one file brought in (conflicts and refusals included).
- :mod:`.tables`: the tables an import reads and writes.
"""

from __future__ import annotations

from .check import check_file
from .grouping import rebuild_text
from .importer import AnnotatedImport, Progress, import_annotated
from .labels import parse_label_map
from .refusals import FileRefused, _Refused
from .summary import AnnotatedImportSummary, DecisionConflict, GoldConflict, RefusedDocument

__all__ = [
    "AnnotatedImport",
    "AnnotatedImportSummary",
    "DecisionConflict",
    "FileRefused",
    "GoldConflict",
    "Progress",
    "RefusedDocument",
    "_Refused",
    "check_file",
    "import_annotated",
    "parse_label_map",
    "rebuild_text",
]
