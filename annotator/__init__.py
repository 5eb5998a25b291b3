"""annotator: tag the sentences of documents with privacy categories, in a terminal."""

__version__ = "0.1.0"
