"""Data & model: the original and new datasets (or a simulated shift / new classes) and the checkpoint."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resque_core.data import SHIFT_TYPES
from resque_core.model.source import ModelSource
from ui import actions
from ui.errors import guard
from ui.restore import restore
from ui.routing import ensure_routed
from ui.settings import DataChoice
from ui.state import result
from ui.widgets import checkpoint_picker, class_samples, dataset_picker, short_caption, show_problems

ensure_routed()

state = st.session_state
MODES = ("Simulated shift", "New classes (task shift)", "Another dataset")


def new_data(inputs: dict) -> str:
    """The new data's widgets; fills the request's new/shift/kind/seed and returns the mode chosen."""
    mode = st.radio("New data", MODES, key="new_mode", horizontal=True)
    if mode == MODES[2]:
        inputs["new"] = dataset_picker("new", "Source of the new data")
        inputs["kind"] = "task" if st.toggle("It has new classes (task shift)", key="new_is_task") else "dist"
    elif mode == MODES[1]:
        inputs["kind"] = "task"
        st.caption(
            "The new data is the original data's classes the model does not know (for the digits 0-4 "
            "model: digits 5-9). Pick that checkpoint below."
        )
    if mode == MODES[0] or st.toggle("Also corrupt the new data", key="extra_shift"):
        kind = st.selectbox("Shift type", SHIFT_TYPES, key="shift_type")
        inputs["shift"] = f"{kind}:{st.slider('Level', 1, 5, 3, key='shift_level')}"
    inputs["seed"] = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="shift_seed"))
    if mode == MODES[0]:
        st.caption(
            "The original and new sets are two class-stratified splits of the original data that overlap "
            "(50/30/20), the new one corrupted by the shift: the paper's setup."
        )
    return mode


def apply(data: DataChoice, model: ModelSource) -> None:
    """Load the checkpoint, then the data; store both only when both load (else keep the previous state)."""
    with guard("loading the checkpoint") as g_model:
        actions.loaded_model(model, data)
    if g_model.failed:
        return
    with guard("loading the data") as g_data:
        actions.load_data_and_model(state, data, model)
    if not g_data.failed:
        st.success("Data and model loaded. Next: compute the index.", icon=":material/check:")


def show_loaded(data: DataChoice, model: ModelSource) -> None:
    """Class counts side by side, sample thumbnails, validation notes and the model's description."""
    loaded = actions.loaded_model(model, data)
    orig_ds, new_ds = actions.data_pair(data, model)
    st.subheader("What is loaded")
    shift = f", shift {data.shift}" if data.shift else ""
    st.markdown(f"**RESQUE_{data.kind}**: {len(orig_ds)} original and {len(new_ds)} new samples{shift}.")
    counts = pd.DataFrame({"original": pd.Series(orig_ds.class_counts()), "new": pd.Series(new_ds.class_counts())})
    st.dataframe(counts.fillna(0).astype(int).T, width="stretch")
    show_problems(list(getattr(orig_ds, "problems", [])), "Original data")
    show_problems(list(getattr(new_ds, "problems", [])), "New data")
    for column, dataset, title in zip(st.columns(2), (orig_ds, new_ds), ("Original", "New"), strict=True):
        samples = class_samples(dataset, per_class=2)
        column.image([s[0] for s in samples], caption=[short_caption(s[1]) for s in samples], width=64, clamp=True)
        column.caption(f"{title} samples, two per class")
    acc = f", accuracy {loaded.accuracy:.1%} on held-out original data" if loaded.accuracy is not None else ""
    spec = loaded.input_spec
    st.markdown(
        f"Model: **{loaded.format}** checkpoint ({model.checkpoint}), {len(loaded.class_names)} "
        f"classes, input {spec.channels}×{spec.size[0]}×{spec.size[1]}{acc}."
    )
    for note in (loaded.meta.get("input_spec_source"), loaded.meta.get("layer_note")):
        if note:
            st.info(note[:1].upper() + note[1:].rstrip(".") + ".", icon=":material/info:")


def render() -> None:
    """The Data & model page."""
    st.title("Data & model")
    st.caption(
        "Pick what the model was trained on, what it must now handle, and the checkpoint. Files stay on "
        "this server; nothing is sent anywhere."
    )
    restore(state, MODES)  # on return, the widgets show the loaded choice, not their defaults
    inputs: dict = {"original": None, "new": None, "shift": None, "kind": "dist", "seed": 0}
    left, right = st.columns(2)
    with left:
        st.subheader("Original data")
        inputs["original"] = dataset_picker("orig", "Source of the original data")
    with right:
        st.subheader("New data")
        mode = new_data(inputs)
    st.subheader("Checkpoint")
    model = None
    with guard("reading the checkpoint settings"):
        model = checkpoint_picker(inputs["original"])
    ready = inputs["original"] is not None and (mode != MODES[2] or inputs["new"] is not None) and model is not None
    if st.button("Use this data and model", type="primary", key="apply_data", disabled=not ready):
        apply(DataChoice(**inputs), model)
    if not ready:
        st.caption("Choose every source above to continue.")
    data, model = result(state, "data"), result(state, "model")
    if data is not None and model is not None:
        with guard("showing the data"):
            show_loaded(data, model)


render()
