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
def source(spec: str) -> Any:
    """An opened data source (``resque_core.data.open_source``): a zip is extracted once, whatever reads it.

    A resource, not ``st.cache_data``: datasets are read-only views (a large one would be pickled and
    copied on every rerun), shared safely like a model. An uploaded zip is extracted beside the upload,
    inside its session's folder, so the copy goes with the session (``ui.uploads.extraction_folder``).
    """
    from resque_core.data import open_source
    from ui.uploads import extraction_folder

    return open_source(spec, extract_to=extraction_folder(spec))


@st.cache_resource(show_spinner=False, max_entries=4)
def model(inputs: dict[str, Any], original: str | None = None) -> Any:
    """A ``LoadedModel`` (``ModelSource.load``), shared across sessions; ``inputs`` is ``ModelSource.inputs()``,
    ``original`` the source spec of its original data (a checkpoint without an input spec reads it there)."""
    from resque_core.model.source import ModelSource

    data = (lambda: source(original)) if original else None  # opened only when the spec is missing
    return ModelSource.from_inputs(inputs).load(data=data)


@st.cache_resource(show_spinner=False, max_entries=8)
def class_check(data_inputs: dict[str, Any], model_inputs: dict[str, Any]) -> Any:
    """The ``ClassCheck`` of ``resque_core.index.class_check`` on the original data, as ``compute_index`` runs it."""
    from resque_core.index.class_check import check_class_order, checked_part

    loaded = model(model_inputs, data_inputs["original"])
    part = checked_part(source(data_inputs["original"]), data_inputs.get("kind", "dist"), loaded.class_names)
    return check_class_order(loaded, part, seed=int(data_inputs.get("seed", 0)))


def request(data_inputs: dict[str, Any], model_inputs: dict[str, Any], index_inputs: dict | None = None) -> Any:
    """The ``IndexRequest`` of these inputs, its sources opened through ``source`` (one extraction each)."""
    from resque_core.index.request import IndexRequest

    data = {**data_inputs, "original": source(data_inputs["original"])}
    data["new"] = source(data_inputs["new"]) if data_inputs.get("new") else None
    return IndexRequest.from_inputs({**data, **model_inputs, **(index_inputs or {})})


@st.cache_resource(show_spinner=False, max_entries=4, ttl=DATA_TTL_S)
def prepared(data_inputs: dict[str, Any], model_inputs: dict[str, Any]) -> tuple[Any, Any]:
    """``(loaded, pair)`` of ``resque_core.index.compute.prepare_index``, with this module's model and class
    check: the page loads a model, extracts a zip and checks its classes once per request, whatever shows them."""
    from resque_core.index.compute import prepare_index

    loaded = model(model_inputs, data_inputs["original"])
    given = data_inputs.get("class_map") not in (None, "", "auto")
    check = None if given else class_check(data_inputs, model_inputs)
    return prepare_index(request(data_inputs, model_inputs), loaded=loaded, check=check)


def data_pair(data_inputs: dict[str, Any], model_inputs: dict[str, Any]) -> tuple[Any, Any]:
    """``(original, new)``: the pair ``compute_index`` embeds (``resque_core.data.build_pair``), for display."""
    pair = prepared(data_inputs, model_inputs)[1]
    return pair.original, pair.new


@st.cache_data(show_spinner=False, max_entries=8)
def weights_hints(path: str) -> dict:
    """What a checkpoint's bare weights tell (``resque_core.model.weights.describe_weights``)."""
    import pathlib

    from resque_core.model.weights import describe_weights

    return describe_weights(pathlib.Path(path)) if pathlib.Path(path).is_file() else {}


@st.cache_data(show_spinner=False, max_entries=8, ttl=DATA_TTL_S)
def data_spec(original: str, arch: str | None) -> dict:
    """The input spec ``original``'s data suggests for ``arch`` (``resque_core.model.input_spec.data_spec``)."""
    from resque_core.model.architectures import torchvision_classifiers
    from resque_core.model.input_spec import data_spec as engine_data_spec

    kind = "torchvision" if arch in torchvision_classifiers() else "resque"
    return engine_data_spec(source(original), {"kind": kind, "name": arch})[0].to_dict()


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


def index_report(
    data_inputs: dict[str, Any],
    model_inputs: dict[str, Any],
    index_inputs: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """The ``IndexReport`` of ``resque_core.index.compute.index_of`` on the ``prepared`` model and pair, computed once.

    Not ``st.cache_data``: it would refuse the progress callback, which updates a bar drawn outside
    it. Reports are immutable, so one bounded store shared by every session is safe.
    """
    from resque_core.index.compute import index_of

    def compute() -> Any:
        loaded, pair = prepared(data_inputs, model_inputs)
        return index_of(request(data_inputs, model_inputs, index_inputs), loaded, pair, progress)

    key = [data_inputs, model_inputs, index_inputs]
    return _computed_once("index", key, INDEX_ENTRIES, compute)


RECORDS_LABELS = {"upload": "uploaded history"}  # the page's records choice -> the forecast's name for them


@st.cache_resource(show_spinner=False, max_entries=4)
def records(choice: str, csv_bytes: bytes | None = None, family: Any = None) -> Any:
    """The ``Records`` of ``resque_core.forecast.pipeline.choose_records``: "default" (the shipped ones for
    ``family``), or CSV bytes (an upload, a self-calibration, the recorded runs), saved under a file named
    after the choice so that an engine message names it."""
    from resque_core.forecast.pipeline import choose_records
    from ui.uploads import save_upload

    if choice == "default":
        return choose_records("default", family)
    if choice == "recorded runs":  # the store itself, read now: its runs' curves come with them
        return choose_records("db")
    path = save_upload(f"{choice.replace(' ', '-')}.csv", csv_bytes or b"")
    return choose_records(path, label=RECORDS_LABELS.get(choice, choice))


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
def report_html(scenarios_json: tuple[str, ...], comparison_json: str | None = None) -> str:
    """The self-contained HTML report (``resque_core.reporting.export.to_html``) of these scenarios, with a model
    comparison (``compare --json``'s text, read back as ``report --comparison`` reads it) when given."""
    from resque_core.reporting.compare_section import comparison_from_json
    from resque_core.reporting.export import to_html
    from resque_core.reporting.scenario import Scenario

    comparison = comparison_from_json(comparison_json) if comparison_json is not None else None
    return to_html([Scenario.from_json(text) for text in scenarios_json], comparison=comparison)


@st.cache_data(show_spinner=False)
def hardware_profiles() -> dict[str, dict]:
    """Hardware power profiles by name (``resque_core.energy.hardware.load_hardware_profiles``)."""
    from resque_core.energy.hardware import load_hardware_profiles

    return load_hardware_profiles()


def probe(
    data_inputs: dict[str, Any],
    model_inputs: dict[str, Any],
    steps: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """kWh and seconds per epoch from a training probe on the new data (``retraining.probe_model.probe_epoch``, as
    ``forecast --probe`` runs it), measured once per inputs; ``progress`` gets (rounds done, most rounds).

    A bounded store, not ``st.cache_data``, for the reason ``index_report`` gives: the progress bar
    is drawn outside it, and a cache hit would replay it.
    """
    from resque_core.retraining.probe_model import probe_epoch

    def measure() -> Any:
        loaded, pair = prepared(data_inputs, model_inputs)
        return probe_epoch(loaded, pair, steps=steps, progress=progress)

    return _computed_once("probe", [data_inputs, model_inputs, steps], PROBE_ENTRIES, measure)


@st.cache_data(show_spinner="Refining what is left (the first run on this server fits the refinement)…", max_entries=64)
def run_summary(run_id: str, updated_at: str, status: str, with_history: bool, _run: Any) -> dict[str, Any]:
    """``live.summary.run_summary`` of a tracked run, once per stored state of the run (each evaluation and the
    end write a new ``updated_at``); ``_run`` is that ``LiveRun``, not hashed."""
    from resque_core.live.summary import run_summary as summary

    return summary(_run, with_history=with_history)
