"""The records ``bench/forecast_fidelity.py`` reads (with their curves and their hash), and what it publishes.

The published JSON (``resque_core/assets/forecast_fidelity.json``, read by ``forecast.published``) carries the
library-wide headline and targets, the target the figures are for, the sha256 of the records, per shipped
records source its family's figures for each evidence a user may give, and each run's held-out forecasts
(``tests/forecast/test_published.py`` recomputes the headline from them and refits a few folds).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import sys
from dataclasses import dataclass

import pandas as pd

from resque_core.assets import asset_path
from resque_core.atomic_write import write_text
from resque_core.calibration.library import DEFAULT_FAMILY, FAMILIES, library_curves, library_records
from resque_core.forecast.curves import curves_path, empty_curves, read_curves_csv
from resque_core.forecast.published import FIDELITY_FILE, records_sha256, shipped_records_sha256
from resque_core.forecast.records import DEFAULT_CSV, RecordStore, default_records, load_records_csv
from resque_core.forecast.shipped import DEFAULT_SOURCE, LIBRARY_PREFIX
from resque_core.jsonable import strict_json

PUBLISHED_KEYS = (
    "records_sha256", "target", "n_runs", "n_curves", "n_types", "n_families", "n_cases", "level", "product_evidence",
    "mae_epochs", "mae_epochs_ci", "mae_epochs_acc_drop", "mae_epochs_index", "paired_diff_vs_acc_drop",
    "paired_diff_vs_acc_drop_ci", "coverage_80", "coverage_80_ci", "coverage_80_min_type", "coverage_80_min_type_name",
    "coverage_80_min_family_type", "coverage_80_min_family_type_name", "coverage_80_by_type",
    "coverage_80_by_family_type", "spearman_case_means", "spearman_case_means_ci", "ceiling_spearman_runs",
    "ceiling_spearman_case_means", "ceiling_per_family", "ceiling_spearman_runs_pooled",
    "ceiling_icc_case_means_pooled", "seed_icc_epochs", "paired_diff_index_free_vs_mean_conf",
    "paired_diff_index_free_vs_mean_conf_ci", "index_free_vs_mean_conf", "lofo_nested_mae_epochs",
    "lofo_nested_coverage_80", "lofo_nested_per_family", "lofo_mae_epochs", "lofo_coverage_80", "lofo_signal",
    "lofo_unit", "lofo_per_family", "lofo_mae_epochs_index", "lofo_mae_epochs_acc_drop", "targets", "heldout_runs",
)  # fmt: skip


@dataclass(frozen=True)
class Records:
    """What the benchmark runs on.

    Attributes:
        frame: the records; curves: their evaluation curves (no rows when none ship).
        sha256: ``forecast.published.records_sha256`` of the files read (the shipped ones for the library).
        sources: records source label ("library digits-mlp", "default calibration") -> its family key.
    """

    frame: pd.DataFrame
    curves: pd.DataFrame
    sha256: str
    sources: dict[str, str]


def read_records(name: str) -> Records:
    """'library', 'default', a records CSV (its curves beside it) or a record store (.db)."""
    if name == "library":
        return _library()
    if name == "default":
        return Records(default_records(), _curves_beside(DEFAULT_CSV), records_sha256(_with_curves(DEFAULT_CSV)),
                       {DEFAULT_SOURCE: _default_family()})  # fmt: skip
    path = pathlib.Path(name)
    if path.suffix == ".db":
        store = RecordStore(path)
        return Records(store.all(), store.curves(), records_sha256([path]), {})
    return Records(load_records_csv(name), _curves_beside(path), records_sha256(_with_curves(path)), {})


def _library() -> Records:
    """Every calibrated family (digits-cnn's records are the default calibration), with their curves, hashed as
    shipped; each family's records source as a forecast names it."""
    sources = {
        DEFAULT_SOURCE if spec.name == DEFAULT_FAMILY else LIBRARY_PREFIX + spec.name: spec.key
        for spec in FAMILIES.values()
        if spec.records_path.is_file()
    }
    return Records(library_records(), library_curves(), shipped_records_sha256(), sources)


def _default_family() -> str:
    return FAMILIES[DEFAULT_FAMILY].key


def _curves_beside(records: pathlib.Path) -> pd.DataFrame:
    path = curves_path(records)
    return read_curves_csv(path) if path.is_file() else empty_curves()


def _with_curves(records: pathlib.Path) -> list[pathlib.Path]:
    path = curves_path(records)
    return [pathlib.Path(records), *([path] if path.is_file() else [])]


def published(result: dict, argv: list[str] | None) -> dict:
    """The figures the product quotes (``resque_core.forecast.published``), with when and how."""
    out = {key: result.get(key) for key in PUBLISHED_KEYS}
    out["families"] = {name: figures["n_runs"] for name, figures in result["by_family"].items()}
    sources = {source: family for source, family in result.get("sources", {}).items() if family in result["by_family"]}
    out["by_source"] = {
        source: _source_figures(result["by_family"][family], family) for source, family in sources.items()
    }
    out["date"] = dt.date.today().isoformat()
    args = " ".join(argv if argv is not None else sys.argv[1:])
    out["command"] = f"python bench/forecast_fidelity.py {args}".strip()
    return out


def _source_figures(f: dict, family: str) -> dict:
    keys = ("n_runs", "n_types", "n_censored", "evidence", "index_vs_acc_drop", "paired_diff_index_vs_acc_drop",
            "paired_diff_index_vs_acc_drop_ci", "index_free_vs_mean_conf", "paired_diff_index_free_vs_mean_conf",
            "paired_diff_index_free_vs_mean_conf_ci")  # fmt: skip
    return {"family": family, **{k: f[k] for k in keys if k in f}}


def write_published(data: dict) -> pathlib.Path:
    """Write the published JSON atomically; its path."""
    path = asset_path(FIDELITY_FILE)
    write_text(path, strict_json(data, where="the published summary", indent=2) + "\n")
    return path
