"""Cached wrappers around ``resque_core`` calls, so switching pages never recomputes.

``st.cache_resource`` holds models, provider clients and the read-only dataset views (shared, not
copied); ``st.cache_data`` holds records, layer lists and reports (keyed by the plain
inputs that produced them). Every wrapper calls
the engine and nothing else. The index and the probe, whose computations report progress to a bar
drawn outside them, are kept in small bounded stores instead (see ``index_report``).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st

DATA_TTL_S = 3600
GRID_TTL_S = 900


@st.cache_resource(show_spinner=False, max_entries=8, ttl=DATA_TTL_S)
def data_pair(inputs: dict[str, Any], model_classes: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """``(original, new)`` of ``resque_core.data.build_pair``, the pair ``compute_index`` embeds, for display.

    ``inputs`` holds the data fields of an ``IndexRequest`` (original, new, shift, kind, seed, class_map);
    ``model_classes`` (the checkpoint's classes) picks the known and unknown classes of a task shift.
    A resource, not ``st.cache_data``: the datasets are read-only views (a large one would be
    pickled and copied on every rerun), shared safely like a model.
    """
    from resque_core.data import build_pair, open_source

    new = open_source(inputs["new"]) if inputs.get("new") else None
    pair = build_pair(
        open_source(inputs["original"]),
        new,
        kind=inputs.get("kind", "dist"),
        shift=inputs.get("shift"),
        seed=int(inputs.get("seed", 0)),
        model_classes=model_classes,
        class_map=inputs.get("class_map"),
    )
    return pair.original, pair.new


@st.cache_data(show_spinner=False, max_entries=8)
def class_check(data_inputs: dict[str, Any], model_inputs: dict[str, Any]) -> Any:
    """The ``ClassCheck`` of ``resque_core.index.class_check`` on the original data, as ``compute_index`` runs it."""
    from resque_core.data import open_source
    from resque_core.index.class_check import check_class_order, checked_part

    loaded = model(model_inputs, data_inputs["original"])
    source = checked_part(open_source(data_inputs["original"]), data_inputs.get("kind", "dist"), loaded.class_names)
    return check_class_order(loaded, source, seed=int(data_inputs.get("seed", 0)))


@st.cache_resource(show_spinner=False, max_entries=4)
def model(inputs: dict[str, Any], original: str | None = None) -> Any:
    """A ``LoadedModel`` (``ModelSource.load``), shared across sessions; ``inputs`` is ``ModelSource.inputs()``,
    ``original`` the source spec of its original data (a checkpoint without an input spec reads it there)."""
    from resque_core.data import open_source
    from resque_core.model.source import ModelSource

    data = (lambda: open_source(original)) if original else None  # opened only when the spec is missing
    return ModelSource.from_inputs(inputs).load(data=data)


@st.cache_data(show_spinner=False, max_entries=8)
def weights_hints(path: str) -> dict:
    """What a checkpoint's bare weights tell (``resque_core.model.weights.describe_weights``)."""
    import pathlib

    from resque_core.model.weights import describe_weights

    return describe_weights(pathlib.Path(path)) if pathlib.Path(path).is_file() else {}


@st.cache_data(show_spinner=False, max_entries=8, ttl=DATA_TTL_S)
def data_spec(original: str, arch: str | None) -> dict:
    """The input spec ``original``'s data suggests for ``arch`` (``resque_core.model.input_spec.data_spec``)."""
    from resque_core.data import open_source
    from resque_core.model.architectures import torchvision_classifiers
    from resque_core.model.input_spec import data_spec as engine_data_spec

    kind = "torchvision" if arch in torchvision_classifiers() else "resque"
    return engine_data_spec(open_source(original), {"kind": kind, "name": arch})[0].to_dict()


@st.cache_data(show_spinner=False, max_entries=8)
def layers(inputs: dict[str, Any], original: str | None = None) -> list[Any]:
    """Embeddable layers with output shapes (``resque_core.model.layers.list_layers``)."""
    from resque_core.model.layers import list_layers

    return list_layers(model(inputs, original))


INDEX_ENTRIES = 16
PROBE_ENTRIES = 4


@st.cache_resource(show_spinner=False)
def _stores() -> dict[str, OrderedDict]:
    return {}


def _computed_once(name: str, key: Any, entries: int, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per JSON-able ``key`` in the bounded store ``name`` (the oldest leave first),
    shared by every session: for results whose computation draws progress outside it, which a
    ``st.cache_data`` hit would replay."""
    store = _stores().setdefault(name, OrderedDict())
    text = json.dumps(key, sort_keys=True, default=str)
    if text not in store:
        store[text] = compute()
        while len(store) > entries:
            store.popitem(last=False)
    store.move_to_end(text)
    return store[text]


def index_report(request: dict[str, Any], progress: Callable[[int, int], None] | None = None) -> Any:
    """The ``IndexReport`` of ``resque_core.index.compute.compute_index`` for these inputs, computed once.

    Not ``st.cache_data``: it would refuse the progress callback, which updates a bar drawn outside
    it. Reports are immutable, so one bounded store shared by every session is safe.
    """
    from resque_core.index.compute import compute_index
    from resque_core.index.request import IndexRequest

    built = IndexRequest.from_inputs(request)
    return _computed_once("index", request, INDEX_ENTRIES, lambda: compute_index(built, progress))


@st.cache_data(show_spinner=False, max_entries=4)
def records(source: str, csv_bytes: bytes | None = None) -> Any:
    """Calibration records: the shipped ones ("default", or "library NAME": a library family's), or CSV
    bytes (an upload, a self-calibration, the local history).

    The bytes are saved under a file named after the source, so an engine message names it.
    """
    from resque_core.calibration.library import LIBRARY_PREFIX, shipped_records
    from resque_core.forecast.records import load_records_csv
    from ui.uploads import save_upload

    if source == "default" or source.startswith(LIBRARY_PREFIX):
        return shipped_records(source)
    return load_records_csv(save_upload(f"{source.replace(' ', '-')}.csv", csv_bytes or b""))


@st.cache_resource(show_spinner=False, max_entries=8)
def forecaster(source: str, index_kind: str, level: float, csv_bytes: bytes | None = None) -> Any:
    """A fitted ``Forecaster`` on the chosen records (fitting is the slow part; predicting is cheap)."""
    from resque_core.forecast.forecaster import Forecaster

    label = {"default": "default calibration", "upload": "uploaded history"}.get(source, source)
    return Forecaster(level=level).fit(records(source, csv_bytes), index_kind, source=label)


@st.cache_resource(show_spinner=False, max_entries=8)
def provider(
    name: str,
    api_key: str | None = None,
    api_url: str | None = None,
    postcode: str | None = None,
    csv_bytes: bytes | None = None,
    now: datetime | None = None,
) -> Any:
    """A carbon-intensity provider client (``resque_core.grid.factory.make_provider``).

    ``now`` pins the hour the illustrative profile starts at; the other providers ignore it.
    """
    from resque_core.grid.factory import make_provider

    return make_provider(name, api_key=api_key, api_url=api_url, postcode=postcode, csv=csv_bytes, now=now)


@st.cache_data(show_spinner=False, max_entries=8)
def report_html(scenarios_json: tuple[str, ...]) -> str:
    """The self-contained HTML report (``resque_core.reporting.export.to_html``) of these scenarios."""
    from resque_core.reporting.export import to_html
    from resque_core.reporting.scenario import Scenario

    return to_html([Scenario.from_json(text) for text in scenarios_json])


@st.cache_data(show_spinner=False)
def hardware_profiles() -> dict[str, dict]:
    """Hardware power profiles by name (``resque_core.retraining.hardware.load_hardware_profiles``)."""
    from resque_core.retraining.hardware import load_hardware_profiles

    return load_hardware_profiles()


def probe(
    data_inputs: dict[str, Any],
    model_inputs: dict[str, Any],
    steps: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """kWh and seconds per epoch from a training probe on the new data, repeated until stable
    (``resque_core.retraining.probe``), measured once per inputs; ``progress`` gets (rounds done, most rounds).

    A bounded store, not ``st.cache_data``, for the reason ``index_report`` gives: the progress bar
    is drawn outside it, and a cache hit would replay it.
    """
    from resque_core.data import Preprocessed
    from resque_core.retraining.probe import probe as run_probe

    def measure() -> Any:
        loaded = model(model_inputs, data_inputs.get("original"))
        _, new = data_pair(data_inputs, tuple(loaded.class_names))
        return run_probe(loaded.model, Preprocessed(new, loaded.input_spec), steps=steps, progress=progress)

    return _computed_once("probe", [data_inputs, model_inputs, steps], PROBE_ENTRIES, measure)
