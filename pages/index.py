"""Index: compute RESQUE for the loaded data and model, with progress; value vs noise floor, per class, PCA."""

from __future__ import annotations

import time

import streamlit as st

from resque_core import charts
from ui import actions, cache
from ui.errors import guard
from ui.results import index_metrics
from ui.routing import ensure_routed
from ui.state import MISSING, STALE, result, status

ensure_routed()

state = st.session_state


def render() -> None:
    """The index page."""
    st.title("Index")
    st.caption(
        "One forward pass of the old model over the original and the new data, batched, on the GPU when there "
        "is one. The index measures how far the new data moved in the model's representation."
    )

    if status(state, "data") == MISSING or status(state, "model") == MISSING:
        st.info(
            "No data or model chosen yet: use the defaults (digits with Gaussian noise 3, the shipped model) or "
            "pick your own on **Data & model**.",
            icon=":material/info:",
        )
        if st.button("Use the defaults", key="index_defaults"):
            with guard("loading the default data and model"):
                actions.load_data_and_model(state, dict(actions.DEFAULT_DATA), dict(actions.DEFAULT_MODEL))
                st.rerun()
        st.page_link("pages/data_model.py", label="Data & model", icon=":material/dataset:")
        return

    model_inputs = result(state, "model")
    layers = []
    with guard("listing the model's layers"):
        layers = cache.layers(model_inputs["checkpoint"], model_inputs["trust"])
    names = [layer.name for layer in layers]
    default = next((i for i, layer in enumerate(layers) if layer.name.endswith(":input")), 0)
    left, mid, right = st.columns([3, 1, 1])
    layer = left.selectbox(
        "Layer (default: the input of the final classifier)",
        names or [None],
        index=default if names else 0,
        key="index_layer",
        format_func=lambda n: (
            n if n is None else f"{n}  ·  {layers[names.index(n)].type}  ·  {layers[names.index(n)].output_shape}"
        ),
    )
    device = mid.selectbox("Device", ("auto", "cpu", "cuda", "mps"), key="index_device")
    batch = right.number_input("Batch size", 1, 4096, 256, key="index_batch")
    settings = {"layer": layer, "device": device, "batch_size": int(batch)}

    if st.button("Compute the index", type="primary", key="compute_index"):
        bar, started = st.progress(0.0, text="Starting…"), time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done} / {total} images, {rate:.0f} images/s")

        with guard("computing the index"):
            actions.run_index(state, settings, progress)
        bar.empty()

    report = result(state, "index")
    if report is None:
        return
    if status(state, "index") == STALE:
        st.warning(
            "The data or model changed since this index was computed: compute it again.", icon=":material/update:"
        )
    index_metrics(report)
    above = report.noise_floor is None or report.value > report.noise_floor
    st.caption(
        f"{report.n_original} original and {report.n_new} new images, layer `{report.layer}` on {report.device}, "
        f"{report.seconds:.2f} s. "
        + (
            "The shift is above the noise floor."
            if above
            else "The shift is within the noise floor: retraining may not be needed."
        )
    )
    left, right = st.columns(2)
    if report.per_class:
        left.plotly_chart(charts.per_class_bars(report.per_class, report.noise_floor), key="per_class_chart")
    if report.projection is not None:
        proj = report.projection
        origin = ["new" if flag else "original" for flag in proj.is_new]
        fig = charts.projection_scatter(proj.xy.tolist(), list(proj.label), origin)
        fig.update_layout(xaxis_title=f"PC 1 ({proj.explained[0]:.0%})", yaxis_title=f"PC 2 ({proj.explained[1]:.0%})")
        right.plotly_chart(fig, key="projection_chart")
    st.page_link("pages/forecast.py", label="Next: the forecast", icon=":material/arrow_forward:")


render()
