"""Index: compute RESQUE for the loaded data and model, with progress; value vs noise floor, per class, PCA."""

from __future__ import annotations

import time

import streamlit as st

from resque_core.model.source import ModelSource
from resque_core.reporting import charts
from ui import actions
from ui.errors import guard
from ui.kept import kept
from ui.plain_text import plain
from ui.results import index_metrics
from ui.routing import ensure_routed
from ui.settings import DataChoice, IndexSettings
from ui.stale import stale_mark
from ui.state import MISSING, result, status

ensure_routed()

state = st.session_state
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")


def ask_for_inputs() -> None:
    """No data or model yet: offer the defaults, or the Data & model page."""
    st.info(
        "No data or model chosen yet: use the defaults (digits with Gaussian noise 5, the shipped model) or "
        "pick your own on **Data & model**.",
        icon=":material/info:",
    )
    if st.button("Use the defaults", key="index_defaults"):
        with guard("loading the default data and model"):
            actions.load_data_and_model(state, DataChoice(), ModelSource())
            st.rerun()
    st.page_link("pages/data_model.py", label="Data & model", icon=":material/dataset:")


def settings_row() -> IndexSettings:
    """Layer (default pre-selected, with output shapes), device and batch size."""
    layers = []
    with guard("listing the model's layers"):
        layers = actions.layers(result(state, "model"), result(state, "data"))
    shown = {layer.name: f"{layer.name}  ·  {layer.type}  ·  {layer.output_shape}" for layer in layers}
    default = next((i for i, layer in enumerate(layers) if layer.name.endswith(":input")), 0)
    left, mid, right, last = st.columns([3, 1, 1, 1])
    layer = left.selectbox(
        "Layer (default: the input of the final classifier)",
        list(shown) or [None],
        **kept("index_layer", (list(shown) or [None])[default], options=list(shown) or [None]),
        format_func=lambda n: shown.get(n, str(n)),
    )
    device = mid.selectbox("Device", DEVICES, **kept("index_device", options=DEVICES))
    batch = right.number_input("Batch size", 1, 4096, **kept("index_batch", 256))
    precision = last.selectbox(
        "Embedding precision (GPU only)", PRECISIONS, **kept("index_precision", options=PRECISIONS)
    )
    unlabelled = st.toggle(
        "My new data has no labels",
        **kept("index_unlabelled", False),
        help="Group the new data by the old model's predicted class (the label-free index); the forecast then "
        "uses only label-free signals: this index and the old model's confidence.",
    )
    labels = "predicted" if unlabelled else "given"
    return IndexSettings(layer=layer, device=device, batch_size=int(batch), precision=precision, labels=labels)


def compute(settings: IndexSettings) -> None:
    """Run the index with a progress bar that shows images per second."""
    bar, started = st.progress(0.0, text="Starting…"), time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        bar.progress(min(done / max(total, 1), 1.0), text=f"{done} / {total} images, {rate:.0f} images/s")

    with guard("computing the index"):
        actions.run_index(state, settings, progress)
    bar.empty()


def show_report(report) -> None:
    """The index against its noise floor, per-class angles and the PCA projection."""
    stale_mark(state, ("index",), key="index_rerun")
    index_metrics(report)
    above = report.noise_floor is None or report.value > report.noise_floor
    verdict = "above the noise floor." if above else "within the noise floor: retraining may not be needed."
    st.caption(
        f"{report.n_original} original and {report.n_new} new images, layer `{report.layer}` on "
        f"{report.device}, {report.seconds:.2f} s. The shift is {verdict}"
    )
    if report.signals_text():
        st.caption(report.signals_text().capitalize() + ".")
    for note in report.notes:
        st.caption(plain(note))
    left, right = st.columns(2)
    if report.per_class:
        left.plotly_chart(charts.per_class_bars(report.per_class, report.noise_floor), key="per_class_chart")
    if report.projection is not None:
        proj = report.projection
        origin = ["new" if flag else "original" for flag in proj.is_new]
        fig = charts.projection_scatter(proj.xy.tolist(), list(proj.label), origin)
        fig.update_layout(xaxis_title=f"PC 1 ({proj.explained[0]:.0%})", yaxis_title=f"PC 2 ({proj.explained[1]:.0%})")
        right.plotly_chart(fig, key="projection_chart")


def render() -> None:
    """The Index page."""
    st.title("Index")
    st.caption(
        "One forward pass of the old model over the original and the new data, batched, on the GPU when "
        "there is one. The index measures how far the new data moved in the model's representation."
    )
    if status(state, "data") == MISSING or status(state, "model") == MISSING:
        ask_for_inputs()
        return
    settings = settings_row()
    if st.button("Compute the index", type="primary", key="compute_index"):
        compute(settings)
    report = result(state, "index")
    if report is not None:
        show_report(report)
        st.page_link("pages/forecast.py", label="Next: the forecast", icon=":material/arrow_forward:")


render()
