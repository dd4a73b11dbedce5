"""The grid intensity and the price, as ``CostSettings`` fields: the Forecast page's and the Compare page's form
(each under its own widget keys, ``prefix``)."""

from __future__ import annotations

import streamlit as st

from resque_core.units import DEFAULT_CURRENCY, number_text
from ui.kept import kept
from ui.settings import DEMO_COST, DEMO_ZONE

__all__ = ["EXAMPLE_PRICE", "GRID", "PRICES", "grid_and_price"]

GRID = ("Annual average of a zone (offline)", "Type gCO2/kWh", "From the records")
# the demo's price stays the default, labelled an example, so forecasting again never drops the money figure
EXAMPLE_PRICE = f"Example: {number_text(DEMO_COST['price_per_kwh'])} {DEMO_COST['currency']}/kWh"
PRICES = (EXAMPLE_PRICE, "None", "Per kWh", "Per GPU-hour")


def grid_and_price(prefix: str = "fc") -> dict:
    """Grid intensity (a zone's annual average, typed, or the records') and the price, as ``CostSettings`` fields;
    the widgets' keys start with ``prefix`` ("fc_zone")."""
    grid = st.radio("Grid intensity", GRID, **kept(f"{prefix}_grid", options=GRID))
    fields: dict = {"intensity": "records"}
    if grid == GRID[0]:
        zone = st.text_input("Zone (country code)", **kept(f"{prefix}_zone", DEMO_ZONE))
        fields = {"intensity": "zone", "zone": zone}
    elif grid == GRID[1]:
        fields = {
            "intensity": "typed",
            "intensity_g_per_kwh": st.number_input("gCO2/kWh", 0.0, 2000.0, **kept(f"{prefix}_intensity", 300.0)),
        }
    price = st.radio(
        "Price",
        PRICES,
        **kept(f"{prefix}_price", options=PRICES),
        horizontal=True,
        help="The example price is the demo's, not yours: give yours.",
    )
    if price == EXAMPLE_PRICE:
        return {**fields, **{k: DEMO_COST[k] for k in ("price_per_kwh", "currency", "price_source")}}
    if price == "None":
        return fields
    currency = st.text_input("Currency (ISO code)", max_chars=3, **kept(f"{prefix}_currency", DEFAULT_CURRENCY))
    fields["currency"] = currency.strip().upper()
    if price == "Per kWh":
        fields["price_per_kwh"] = st.number_input(
            f"Price per kWh ({fields['currency']})", 0.0, 100.0, **kept(f"{prefix}_price_kwh", 0.30)
        )
    else:
        fields["hourly_rate"] = st.number_input(
            f"Price per hour ({fields['currency']})", 0.0, 1000.0, **kept(f"{prefix}_price_hour", 2.0)
        )
    return fields
