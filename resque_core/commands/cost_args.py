"""How a forecast is priced on the command line: where kWh per epoch comes from (``--probe``, ``--profile``,
``--watts``, ``--kwh-per-epoch``), the grid intensity and the price, read into one ``CostSettings`` (the Forecast
page builds the same object). ``forecast`` takes them all; ``compare`` the grid and the price."""

from __future__ import annotations

import argparse
from typing import Any

from resque_core.commands import number_args as num
from resque_core.units import DEFAULT_CURRENCY

__all__ = ["add_energy_arguments", "add_price_arguments", "cost_settings", "grid_and_price"]


def add_energy_arguments(parser: argparse.ArgumentParser) -> None:
    """Where kWh per epoch comes from (``CostSettings.energy``)."""
    energy = parser.add_mutually_exclusive_group()
    energy.add_argument("--kwh-per-epoch", type=num.energy_kwh, metavar="X", help="kWh per epoch on your hardware")
    energy.add_argument("--probe", action="store_true", help="measure kWh per epoch with a codecarbon probe here")
    energy.add_argument(
        "--profile",
        metavar="NAME",
        help="model time and kWh per epoch on a hardware profile (modeled): without --seconds-per-epoch from the "
        "model's FLOPs per training step (--devices, --precision, --images), with it from the board power x "
        "--utilization; names in resque_core/assets/hardware_profiles.json, e.g. nvidia-a100-sxm",
    )
    energy.add_argument(
        "--watts",
        type=num.power_w,
        metavar="W",
        help="model kWh per epoch from your hardware's power at full load, in W, x --utilization (modeled)",
    )
    parser.add_argument(
        "--utilization",
        type=num.share,
        metavar="U",
        help="share of the --profile or --watts power drawn on average, in (0, 1] "
        "(default 0.7, as on the dashboard; 1 = the upper bound)",
    )
    parser.add_argument(
        "--seconds-per-epoch",
        type=num.duration_s,
        metavar="S",
        help="seconds per epoch on your hardware (with --watts, default: the records' median; with --profile, "
        "default: modeled from the model's FLOPs)",
    )
    flops = parser.add_argument_group("--profile without --seconds-per-epoch: time and kWh from the model's FLOPs")
    flops.add_argument("--devices", type=num.at_least(1, 4096), metavar="N",
                       help="devices per epoch, data-parallel, 0.9 scaling per added one (default 1)")  # fmt: skip
    flops.add_argument("--precision", choices=("fp32", "mixed"), help="the profile's peak used (default fp32)")
    flops.add_argument("--images", type=num.at_least(1, 10**10), metavar="N",
                       help="images per retraining epoch (default: the records' training images)")  # fmt: skip


def add_price_arguments(parser: argparse.ArgumentParser) -> None:
    """Grid intensity and price (``CostSettings``)."""
    grid = parser.add_mutually_exclusive_group()
    grid.add_argument(
        "--intensity", type=num.intensity_g_per_kwh, metavar="G_PER_KWH", help="grid gCO2 per kWh (given)"
    )
    grid.add_argument(
        "--zone",
        metavar="CODE",
        help="grid intensity: the country's annual average from codecarbon's data (modeled), e.g. DE, FRA, GB",
    )
    parser.add_argument("--price-per-kwh", type=num.money, metavar="X", help="electricity price per kWh")
    parser.add_argument(
        "--hourly-rate", type=num.money, metavar="X", help="machine price per hour (not with --price-per-kwh)"
    )
    parser.add_argument(
        "--currency",
        default=DEFAULT_CURRENCY,
        type=str.upper,
        metavar="CODE",
        help=f"ISO 4217 code of the price, which names the money figure (default {DEFAULT_CURRENCY})",
    )


def cost_settings(args: argparse.Namespace) -> Any:
    """The ``CostSettings`` these flags ask for (the dashboard's Forecast page builds the same object)."""
    from resque_core.errors import EnergyError
    from resque_core.forecast.costing import CostSettings

    if args.utilization is not None and args.profile is None and args.watts is None:
        raise EnergyError("--utilization scales a modeled power: give it with --profile or --watts")
    given = {
        "kwh-per-epoch": args.kwh_per_epoch is not None,
        "probe": args.probe,
        "profile": args.profile is not None,
        "watts": args.watts is not None,
    }
    energy = next((basis for basis, chosen in given.items() if chosen), "records")  # argparse allows one at most
    flops = {k: v for k, v in (("devices", args.devices), ("precision", args.precision)) if v is not None}
    if energy == "profile" and args.seconds_per_epoch is None:
        energy = "flops"  # seconds per epoch on that hardware, modeled from the model's FLOPs
        if args.utilization is not None:
            raise EnergyError("--utilization scales a typed time: give --seconds-per-epoch with it, or neither")
    elif flops or args.images is not None:
        raise EnergyError("--devices, --precision and --images model the time from FLOPs: give --profile, "
                          "without --seconds-per-epoch")  # fmt: skip
    utilization = {} if args.utilization is None else {"utilization": args.utilization}
    return CostSettings(
        energy=energy,
        kwh_per_epoch=args.kwh_per_epoch,
        profile=args.profile,
        watts=args.watts,
        seconds_per_epoch=args.seconds_per_epoch,
        **grid_and_price(args),
        **utilization,
        **flops,
        images=args.images,
    )


def grid_and_price(args: argparse.Namespace) -> dict[str, Any]:
    """The ``CostSettings`` fields of ``add_price_arguments``' flags: the grid intensity and the price."""
    intensity = "zone" if args.zone is not None else "typed" if args.intensity is not None else "records"
    return {
        "intensity": intensity,
        "zone": args.zone,
        "intensity_g_per_kwh": args.intensity,
        "price_per_kwh": args.price_per_kwh,
        "hourly_rate": args.hourly_rate,
        "currency": args.currency,
    }
