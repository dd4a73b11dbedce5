"""The Compare page's form: the candidate checkpoints (the session's, the shipped ones, uploads, each with its
architecture) and the settings every option shares, as the engine's ``Candidate`` list and ``CompareSettings``."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

import streamlit as st

from resque_core.assets import asset_path
from resque_core.compare.candidates import THIS_MACHINE, Candidate, CompareSettings, named_candidates
from resque_core.forecast.costing import CostSettings
from resque_core.model.source import ModelSource
from ui import actions
from ui.energy_input import profile_choice
from ui.grid_price_input import grid_and_price
from ui.kept import kept
from ui.plain_text import file_name, literal
from ui.state import digest, result
from ui.target_input import target_settings
from ui.uploads import limit_mb, own_upload, save_upload
from ui.widgets import FROM_FILE, architectures

__all__ = ["SHIPPED", "compare_settings", "chosen_candidates"]

SHIPPED = {  # checkpoint -> how the quick pick reads
    "default": "Default digits model (SmallCNN, digits 0-9)",
    str(asset_path("family_digits_mlp.pt")): "Shipped digits MLP (family_digits_mlp.pt)",
}
SESSION = "This session's checkpoint"
UPLOADED = "cmp_uploads_restored"  # session-state key: the paths of the checkpoints uploaded here
BUDGETS = ("The calibration runs' epoch cap", "A number of epochs", "kWh per option")


def chosen_candidates(state: MutableMapping) -> list[Candidate]:
    """The candidates picked, the shipped ones, the session's checkpoint and uploads, each named uniquely."""
    trust = st.toggle("Trust these files (allow full pickles)", **kept("cmp_trust", False))
    if trust:
        st.warning(
            "A full pickle can run any code when it is loaded. Only trust files you made yourself or got from "
            "someone you trust.",
            icon=":material/warning:",
        )
    picks = dict(SHIPPED)
    session = result(state, "model")
    if session is not None and session.checkpoint not in ("default", "default-0-4"):
        picks[SESSION] = f"{SESSION} ({file_name(session.checkpoint)}, from Data & model)"
    start = kept("cmp_picks", [SESSION, *SHIPPED] if SESSION in picks else list(SHIPPED))
    chosen = st.multiselect(
        "Candidates", list(picks), default=[p for p in start["value"] if p in picks], key=start["key"],
        format_func=picks.get,
    )  # fmt: skip
    models = [session if pick == SESSION else ModelSource(pick, trust) for pick in chosen]
    models += [ModelSource(path, trust, arch=arch) for path, arch in _uploads()]
    return named_candidates(models)


def _uploads() -> list[tuple[str, str | None]]:
    """The uploaded checkpoints and the architecture chosen for each (None: recorded in the file)."""
    files = st.file_uploader(
        "More candidates: your checkpoints (.pt, .pth, TorchScript)",
        type=["pt", "pth", "ckpt", "bin", "tar"],
        accept_multiple_files=True,
        key="cmp_uploads",
        help=f"Up to {limit_mb()} MB each. Bare weights need their architecture, chosen below each file.",
    )
    if files:
        st.session_state[UPLOADED] = [str(save_upload(f.name, f.getvalue())) for f in files]
    paths = [p for p in st.session_state.get(UPLOADED, []) if own_upload(p)]
    if paths and not files:
        names = ", ".join(Path(p).name for p in paths)
        st.caption(f"In use: {literal(names)}, uploaded earlier in this session. Upload files to change them.")
    options = [FROM_FILE, *architectures()]
    chosen = []
    for path in paths:
        guess = actions.checkpoint_hints(path).get("arch")
        label = f"Architecture of {Path(path).name}"
        key = f"cmp_arch_{digest(path.encode())}"
        arch = st.selectbox(label, options, **kept(key, guess if guess in options else FROM_FILE, options=options))
        chosen.append((path, None if arch == FROM_FILE else arch))
    return chosen


def compare_settings() -> CompareSettings:
    """The target, budget, hardware, grid and price every option shares (``InputError`` on a value refused)."""
    target = target_settings("cmp", "the best candidate's")
    budget = st.radio("Budget the expected accuracy is read at", BUDGETS, **kept("cmp_budget", options=BUDGETS))
    budgets: dict = {}
    if budget == BUDGETS[1]:
        budgets["budget_epochs"] = st.number_input("Epochs", 1.0, 1e6, **kept("cmp_budget_epochs", 10.0))
    elif budget == BUDGETS[2]:
        kwh = st.number_input("kWh per option", 0.000001, 1e9, format="%.6f", **kept("cmp_budget_kwh", 0.001))
        budgets["budget_kwh"] = kwh
    left, right = st.columns(2)
    with left:
        profile = profile_choice("cmp_profile", "Hardware the time and energy are modeled on", THIS_MACHINE)
        devices = st.number_input("Devices", 1, 4096, **kept("cmp_devices", 1), help="0.9 scaling per added one")
        precision = st.radio("Precision", ("fp32", "mixed"), **kept("cmp_precision", options=("fp32", "mixed")))
        level = st.slider("Interval coverage", 0.5, 0.95, step=0.05, **kept("cmp_level", 0.8))
        share = st.slider(
            "Meets the target when this share of its similar runs reached it", 0.5, 1.0, step=0.05,
            **kept("cmp_min_p", 0.8),
        )  # fmt: skip
    with right:
        cost = CostSettings(**grid_and_price("cmp"))
    chosen = {"target_acc": target["target_value"]} if target["target_kind"] == "acc" else {}
    chosen = chosen or {"target_drop": target["target_value"]}
    return CompareSettings(
        **chosen, **budgets, profile=profile, devices=int(devices), precision=precision, level=float(level),
        min_p_reach=float(share), cost=cost,
    )  # fmt: skip
