"""`annotator model train|evaluate|show` as a user types them, and without scikit-learn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli_process
from tests.suggest_data import POLICY_LABELS, SEEDS_LABELS


@pytest.fixture
def labelled_db(cli, db_path: str) -> str:  # type: ignore[no-untyped-def]
    assert cli("import", str(ROOT / "seeds"), str(SEEDS_LABELS), "--db", db_path).code == 0
    return db_path


def test_train_show_and_evaluate_json(cli, labelled_db: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("model", "train", "--from", "annotator:reference", "--db", labelled_db, "--json")
    assert result.code == 0, result.err
    trained = json.loads(result.out)
    assert trained["version"] == 1 and trained["n_sentences"] == 106 and trained["schema"] == "privacy@1"
    assert trained["labels"]["data_sharing"] == {"positives": 35, "source": "model"}
    assert trained["labels"]["policy_change"] == {"positives": 1, "source": "prior"}
    assert set(trained["figures"]["macro"]) == {"precision", "recall", "f1"}

    shown = json.loads(cli("model", "show", "--db", labelled_db, "--json").out)
    assert shown["version"] == 1 and shown["positives"]["ads_use"] == 14

    result = cli("model", "evaluate", "--from", "annotator:reference", "--folds", "3", "--db", labelled_db, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["source"] == "annotator:reference" and report["folds"] == 3 and report["n_sentences"] == 106
    assert set(report["per_label"]["data_sharing"]) == {"precision", "recall", "f1", "support"}
    assert report["per_label"]["data_sharing"]["support"] == 35
    assert set(report["macro"]) == {"precision", "recall", "f1"} and 0 < report["macro"]["f1"] <= 1
    assert set(report["prior"]) == {"macro", "exact_match", "per_label"}
    assert report["per_label"]["user_rights"]["recall"] is None  # no example in the seeds: undefined, not 0
    assert (
        json.loads(cli("model", "show", "--db", labelled_db, "--json").out)["version"] == 1
    )  # evaluate stores nothing


def test_tables_for_people(cli, labelled_db: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("model", "train", "--from", "annotator:reference", "--db", labelled_db)
    assert result.code == 0
    assert "model version 1 (privacy@1): 106 sentences from annotator:reference" in result.out
    assert "macro mean" in result.out and "data_sharing" in result.out
    assert "suggest from the schema's hints only" in result.err and "policy_change" in result.err
    result = cli("model", "evaluate", "--from", "annotator:reference", "--folds", "2", "--db", labelled_db)
    assert result.code == 0 and "2-fold cross-validation, 106 sentences" in result.out and "hints alone" in result.out


def test_user_errors_are_one_line(cli, labelled_db: str) -> None:  # type: ignore[no-untyped-def]
    for args, message in (
        (("model", "train"), "no labelled sentences in training source 'gold'"),
        (("model", "train", "--from", "votes"), "'votes' is not a training source"),
        (("model", "evaluate", "--from", "annotator:nobody"), "no annotator named 'nobody'"),
    ):
        result = cli(*args, "--db", labelled_db)
        assert result.code == 2 and message in result.err and len(result.err.strip().splitlines()) == 1, result.err
    empty = cli("model", "show", "--db", labelled_db)
    assert "no model trained yet" in empty.out


def test_english_policy_sample_imports_with_its_labels(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", str(POLICY_LABELS), "--db", db_path).code == 0
    stats = json.loads(cli("stats", "--db", db_path, "--json").out)
    assert stats["sentences"] == 223 and stats["annotators"]["reference"]["labelled"] == 223


def _without_sklearn(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import sklearn` fails, as when the suggest extra is not installed."""
    blocker = tmp_path / "blocked" / "sklearn"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('scikit-learn is not installed (test)')\n")
    return {"PYTHONPATH": str(blocker.parent)}


def test_without_the_extra_every_model_command_says_how_to_install_it(tmp_path: Path, labelled_db: str) -> None:
    env = _without_sklearn(tmp_path)
    for args in (("model", "train"), ("model", "evaluate", "--folds", "2")):
        result = run_cli_process(*args, "--from", "annotator:reference", "--db", labelled_db, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == "error: suggestions need scikit-learn: pip install 'annotator[suggest]'"
    assert run_cli_process("model", "show", "--db", labelled_db, env=env).returncode == 0  # reading needs no extra
    for order in ("document", "uncertain"):
        result = run_cli_process(
            "annotate", "--annotator", "amal", "--suggest", "--order", order, "--db", labelled_db, env=env
        )
        assert result.returncode == 2
        assert result.stderr.strip() == "error: suggestions need scikit-learn: pip install 'annotator[suggest]'"
        assert "\x1b[" not in result.stdout  # failed before any screen opened


def test_annotate_order_errors_are_one_line(cli, labelled_db: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("annotate", "--order", "random", "--db", labelled_db)
    assert result.code == 2 and "--order 'random': expected document or uncertain" in result.err
    result = cli("annotate", "--order", "uncertain", "--db", labelled_db)
    assert result.code == 2 and "--order uncertain needs your name" in result.err


@pytest.mark.parametrize(
    ("folds", "message"),
    [
        ("1", "--folds 1: cross-validation needs at least 2 folds"),
        ("0", "--folds 0: cross-validation needs at least 2 folds"),
        ("-3", "--folds -3: cross-validation needs at least 2 folds"),
        ("106", "--folds 106: 106 labelled sentences (105 different texts) cannot be split into 106 folds"),
    ],
)
def test_evaluate_folds_out_of_range_is_one_line(cli, labelled_db: str, folds: str, message: str) -> None:  # type: ignore[no-untyped-def]
    for as_json in ((), ("--json",)):
        result = cli(
            "model", "evaluate", "--from", "annotator:reference", f"--folds={folds}", *as_json, "--db", labelled_db
        )
        assert result.code == 2 and result.err.strip() == f"error: {message}", result.err
        assert "Traceback" not in result.out + result.err and "Usage" not in result.out + result.err
