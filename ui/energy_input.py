"""The Forecast page's "Energy per epoch" choice, read into ``CostSettings`` fields: the records, a hardware profile
at a typed time, typed watts, a probe, or a hardware profile with the time modeled from the model's FLOPs."""

from __future__ import annotations

import streamlit as st

from resque_core.forecast.costing import DEFAULT_UTILIZATION
from ui import actions
from ui.kept import kept
from ui.state import result

ENERGY = (
    "From the calibration records",
    "Hardware profile",
    "Type watts",
    "Measure a probe here",
    "Hardware profile, time from the model's FLOPs",
)


def flops_basis() -> dict:
    """A hardware profile you may not have: time and kWh per epoch modeled from the model's FLOPs per training step
    on the new data's images (``forecast --profile NAME --devices N`` without ``--seconds-per-epoch``)."""
    fields = {
        "energy": "flops",
        "profile": profile_choice("fc_flops_profile"),
        "devices": int(st.number_input("Devices (data-parallel)", 1, 4096, **kept("fc_devices", 1))),
        "precision": st.radio(
            "Precision", ("fp32", "mixed"), horizontal=True, **kept("fc_precision", options=("fp32", "mixed"))
        ),
    }
    index = result(st.session_state, "index")
    if index is not None:
        fields["images"] = int(index.n_new)  # one retraining epoch runs over the new data
    st.caption(
        "Modeled, not measured: the model's FLOPs per training step (counted by PyTorch at its input spec) over the "
        "new data's images, at the profile's datasheet peak x a utilization (learned on measured hardware, else a "
        "documented default), each added device at 0.9 of one."
    )
    return fields


def energy_basis() -> dict:
    """Energy per epoch (``CostSettings`` fields): the records, a hardware profile, typed watts, or a probe."""
    energy = st.radio("Energy per epoch", ENERGY, **kept("fc_energy", options=ENERGY))
    fields: dict = {"energy": "records"}
    if energy == ENERGY[1]:
        fields = {"energy": "profile", "profile": profile_choice("fc_profile")}
    elif energy == ENERGY[2]:
        watts = st.number_input("Power at full load (W)", 1.0, 1e4, **kept("fc_watts", 300.0))
        fields = {"energy": "watts", "watts": watts}
    elif energy == ENERGY[4]:
        fields = flops_basis()
    elif energy == ENERGY[3]:
        fields = {"energy": "probe"}
        st.number_input("Probe: training steps per round", 1, 1000, **kept("fc_probe_steps", 20))  # --probe-steps
        st.caption(
            "A few training steps of your model on the new data under codecarbon (an estimate without "
            "power counters), repeated until the rounds agree, extrapolated to one epoch."
        )
    if fields["energy"] in ("profile", "watts"):
        fields["seconds_per_epoch"] = st.number_input(
            "Seconds per epoch on that hardware", 0.1, 1e6, **kept("fc_sec_epoch", 60.0)
        )
        fields["utilization"] = st.slider(
            "Average utilization",
            0.1,
            1.0,
            **kept("fc_util", DEFAULT_UTILIZATION),
            help="Share of that power drawn on average (1 = the upper bound). Energy here is modeled.",
        )
    return fields


def profile_choice(key: str, label: str = "Profile", default: str | None = None) -> str:
    """A hardware profile, chosen by its label (the Forecast and Compare pages' selectbox)."""
    profiles = actions.hardware_profiles()
    return st.selectbox(label, list(profiles), **kept(key, default, options=list(profiles)),
                        format_func=lambda n: profiles[n].get("label", n))  # fmt: skip
