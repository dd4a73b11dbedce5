"""Data & model: the original and new datasets (or a simulated shift / new classes) and the checkpoint."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from resque_core.data import SHIFT_TYPES
from resque_core.model.source import ModelSource
from ui import actions
from ui.errors import error_text, guard
from ui.kept import kept
from ui.plain_text import file_name, literal, plain
from ui.restore import restore, shown
from ui.routing import ensure_routed
from ui.settings import DataChoice
from ui.state import result
from ui.widgets import checkpoint_picker, class_samples, dataset_picker, show_problems, thumbnails

ensure_routed()

state = st.session_state
MODES = ("Simulated shift", "New classes (task shift)", "Another dataset")


def new_data(inputs: dict) -> str:
    """The new data's widgets; fills the request's new/shift/kind/seed and returns the mode chosen."""
    mode = st.radio("New data", MODES, **kept("new_mode", options=MODES), horizontal=True)
    if mode == MODES[2]:
        inputs["new"] = dataset_picker("new", "Source of the new data")
        inputs["kind"] = (
            "task" if st.toggle("It has new classes (task shift)", **kept("new_is_task", False)) else "dist"
        )
    elif mode == MODES[1]:
        inputs["kind"] = "task"
        st.caption(
            "The new data is the original data's classes the model does not know (for the digits 0-4 "
            "model: digits 5-9). Pick that checkpoint below."
        )
    if mode == MODES[0] or st.toggle("Also corrupt the new data", **kept("extra_shift", False)):
        kind = st.selectbox("Shift type", SHIFT_TYPES, **kept("shift_type", options=SHIFT_TYPES))
        inputs["shift"] = f"{kind}:{st.slider('Level', 1, 5, **kept('shift_level', 3))}"
    inputs["seed"] = int(st.number_input("Seed", 0, 2**31 - 1, **kept("shift_seed", 0)))
    if mode == MODES[0]:
        st.caption(
            "The original and new sets are two class-stratified splits of the original data that overlap "
            "(50/30/20), the new one corrupted by the shift: the paper's setup."
        )
    return mode


def apply(data: DataChoice, model: ModelSource) -> None:
    """Load the checkpoint, then the data; store both only when both load (else keep the previous state).

    When the original data's classes look out of the model's order and no class map is confirmed, the
    data is not stored: the check's proposal waits for the user (``class_proposal``).
    """
    with guard("loading the checkpoint") as g_model:
        actions.loaded_model(model, data)
    if g_model.failed:
        return
    state.pop("class_proposal", None)
    state.pop("low_accuracy", None)
    with guard("loading the data") as g_data:
        check = None if data.class_map else actions.class_check(data, model)
        if check is not None and check.proposal:
            state["class_proposal"] = {"data": data, "model": model, "check": check}
        elif check is not None and check.near_chance and not data.accept_low_accuracy:
            state["low_accuracy"] = {"data": data, "model": model, "check": check}
        else:
            actions.load_data_and_model(state, data, model)
    if not g_data.failed and "class_proposal" not in state and "low_accuracy" not in state:
        st.success("Data and model loaded. Next: compute the index.", icon=":material/check:")


def class_proposal() -> None:
    """The class-order check's proposal, with the button that confirms it and loads the data relabeled."""
    proposal = state.get("class_proposal")
    if proposal is None:
        return
    check, holder = proposal["check"], st.empty()
    with holder.container():
        st.warning(plain(error_text(check.refusal())), icon=":material/swap_horiz:")
        rows = [(name, out, check.model_classes[out]) for name, out in check.proposal.items()]
        st.dataframe(pd.DataFrame(rows, columns=["data class", "model output", "model class"]), hide_index=True)
        confirmed = st.button("Apply this class mapping", key="apply_class_map", type="primary")
    if confirmed:
        holder.empty()
        data, model = replace(proposal["data"], class_map=check.class_map), proposal["model"]
        state["confirmed_class_map"] = {"original": data.original, "model": model.inputs(), "map": check.class_map}
        apply(data, model)


def low_accuracy() -> None:
    """The refusal of a model that scores near chance on its original data, with the box that accepts it."""
    refused = state.get("low_accuracy")
    if refused is None:
        return
    holder = st.empty()
    with holder.container():
        st.error(literal(error_text(refused["check"].low_accuracy_refusal())), icon=":material/error:")
        accepted = st.checkbox("Use this model anyway", key="accept_low_accuracy")
    if accepted:
        holder.empty()
        data, model = replace(refused["data"], accept_low_accuracy=True), refused["model"]
        state["accepted_low_accuracy"] = {"original": data.original, "model": model.inputs()}
        apply(data, model)


def _for_this(key: str, original: str | None, model: ModelSource) -> dict:
    """What the user confirmed under ``key`` for this original data and checkpoint ({} for another pair)."""
    confirmed = state.get(key) or {}
    same = confirmed.get("original") == original and confirmed.get("model") == model.inputs()
    return confirmed if same else {}


def confirmed_map(original: str | None, model: ModelSource) -> str | None:
    """The class map the user confirmed for this original data and checkpoint, if any."""
    return _for_this("confirmed_class_map", original, model).get("map")


def accepted_low(original: str | None, model: ModelSource) -> bool:
    """Whether the user accepted this checkpoint's near-chance accuracy on this original data."""
    return bool(_for_this("accepted_low_accuracy", original, model))


def show_loaded(data: DataChoice, model: ModelSource) -> None:
    """Class counts side by side, sample thumbnails, validation notes and the model's description."""
    loaded = actions.loaded_model(model, data)
    orig_ds, new_ds = actions.data_pair(data, model)
    st.header("What is loaded")
    shift = f", shift {data.shift}" if data.shift else ""
    st.markdown(f"**RESQUE_{data.kind}**: {len(orig_ds)} original and {len(new_ds)} new samples{shift}.")
    if data.class_map:
        st.caption(f"The original data's classes are relabeled as the model's outputs: {literal(data.class_map)}.")
    counts = pd.DataFrame({"original": pd.Series(orig_ds.class_counts()), "new": pd.Series(new_ds.class_counts())})
    st.dataframe(counts.fillna(0).astype(int).T.rename_axis("samples per class"), width="stretch")
    show_problems(list(getattr(orig_ds, "problems", [])), "Original data")
    show_problems(list(getattr(new_ds, "problems", [])), "New data")
    for column, dataset, title in zip(st.columns(2), (orig_ds, new_ds), ("Original", "New"), strict=True):
        thumbnails(column, class_samples(dataset, per_class=2), title)
        column.caption(f"{title} samples, two per class")
    acc = measured_accuracy(data, model, loaded.accuracy)
    spec = loaded.input_spec
    st.markdown(
        f"Model: **{loaded.format}** checkpoint ({literal(file_name(model.checkpoint))}), {len(loaded.class_names)} "
        f"classes, input {spec.channels}×{spec.size[0]}×{spec.size[1]}{acc}."
    )
    for note in (loaded.meta.get(k) for k in ("input_spec_source", "stem_note", "layer_note")):
        if note:
            st.info(plain(note[:1].upper() + note[1:].rstrip(".") + "."), icon=":material/info:")


def measured_accuracy(data: DataChoice, model: ModelSource, recorded: float | None) -> str:
    """The model's accuracy measured on a sample of the original data given (beside the checkpoint's own figure)."""
    if data.class_map:
        return f", checkpoint's recorded accuracy {recorded:.1%}" if recorded is not None else ""
    check = actions.class_check(data, model)
    if check.n_images == 0:
        return ""
    own = f"; the checkpoint records {recorded:.1%} on its own held-out split" if recorded is not None else ""
    return f", accuracy {check.accuracy:.1%} on a sample of {check.n_images} images of this original data{own}"


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
        st.header("Original data")
        inputs["original"] = dataset_picker("orig", "Source of the original data")
    with right:
        st.header("New data")
        mode = new_data(inputs)
    st.header("Checkpoint")
    model = None
    with guard("reading the checkpoint settings"):
        model = checkpoint_picker(inputs["original"])
    ready = inputs["original"] is not None and (mode != MODES[2] or inputs["new"] is not None) and model is not None
    if st.button("Use this data and model", type="primary", key="apply_data", disabled=not ready):
        original = inputs["original"]
        choice = DataChoice(
            **inputs, class_map=confirmed_map(original, model), accept_low_accuracy=accepted_low(original, model)
        )
        apply(choice, model)
    if not ready:
        st.caption("Choose every source above to continue.")
    class_proposal()
    low_accuracy()
    data, model = result(state, "data"), result(state, "model")
    if data is not None and model is not None:
        with guard("showing the data"):
            show_loaded(data, model)
    shown(state)


render()
