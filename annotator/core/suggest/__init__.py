"""Suggestions from a local model, trained offline on the project's own labels.

- :mod:`.normalise` Arabic/Latin normalisation; :mod:`.features` character n-gram TF-IDF
  (numpy only);
- :mod:`.prior` the cold-start keyword prior from the schema's hints and examples;
- :mod:`.model` the model (predict, decide, uncertainty, serialise; numpy only);
- :mod:`.training` fitting (scikit-learn: the optional ``annotator[suggest]`` extra);
- :mod:`.evaluation` / :mod:`.metrics` k-fold figures; :mod:`.sources` training data from
  the database; :mod:`.store` model versions in the database; :mod:`.project` the jobs.

Nothing here imports scikit-learn at import time: predicting with a stored model works
without it, and the CLI starts fast.
"""
