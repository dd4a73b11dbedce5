"""``python -m resque_core schedule``: when to start a job so that it emits the least CO2."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime

from resque_core.commands import number_args as num
from resque_core.errors import ScheduleError
from resque_core.jsonable import strict_json
from resque_core.units import co2_text, duration_text, energy_text, number_text

_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)  # --now, --deadline
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration_s(text: str, what: str = "--duration") -> float:
    """Seconds in a duration like "3h", "90m", "1h30m" or "45s", at most a year (``what`` names the option)."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ScheduleError(f"{what}: duration {text!r}: write it like 3h, 90m, 1h30m or 45s.")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total_s = hours * 3600 + minutes * 60 + seconds
    if not 0 < total_s <= num.MAX_DURATION_S:
        raise ScheduleError(f"{what}: duration {text!r} must be longer than zero and at most a year (8760h).")
    return total_s


def check_api_url(text: str) -> str:
    """``--api-url`` as given, when it is an http(s) URL with a host (urllib3 would only warn, then fail)."""
    from resque_core.grid.http import is_http_url

    if not is_http_url(text):
        raise argparse.ArgumentTypeError(f"must be an http:// or https:// URL with a host, not {text!r}")
    return text.strip()


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 time in UTC (a time without offset is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ScheduleError(f"{what} {text!r} is not an ISO 8601 time such as 2026-11-24T06:00Z.") from exc
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not _EARLIEST <= moment < _LATEST:  # a year either side stays within what datetime can hold
        raise ScheduleError(f"{what} {text!r} must lie between {_EARLIEST.year} and {_LATEST.year}.")
    return moment


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schedule`` sub-command."""
    p = subparsers.add_parser(
        "schedule",
        help="find the lowest-carbon start time for a job",
        description="Find the start time (or, for an interruptible job, the slots) with the least CO2 "
        "in a grid carbon-intensity forecast, and what that saves against starting now.",
    )
    p.add_argument("--provider", required=True, help="electricitymaps|uk|csv|offline|illustrative, or several "
                   "comma-separated to fall back in order (e.g. electricitymaps,offline)")  # fmt: skip
    p.add_argument("--zone", help="zone: Electricity Maps zone or country code (DE, FR, GB...); 'GB' for uk")
    p.add_argument("--duration", required=True, help="job length, e.g. 3h, 90m, 1h30m, 45s")
    p.add_argument("--energy-kwh", type=num.energy_kwh, required=True, help="job energy in kWh")
    p.add_argument("--deadline", help="the job must end by then (ISO 8601; UTC if no offset)")
    p.add_argument("--interruptible", action="store_true", help="the job can pause: find the cleanest slots")
    p.add_argument("--csv", help="CSV with columns datetime, carbon_intensity (gCO2eq/kWh)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--api-url", type=check_api_url, help="base URL of the first provider's service "
                   "(Electricity Maps default: ELECTRICITYMAPS_API_URL or the public v3 URL)")  # fmt: skip
    p.add_argument("--postcode", help="UK postcode or outward code for the regional UK forecast")
    p.add_argument("--horizon", default="24h", help="how far ahead to look (default 24h)")
    p.add_argument("--now", help="treat this time as now (ISO 8601), e.g. to replay a CSV or pin the "
                   "illustrative profile, which starts at the hour that holds now")  # fmt: skip
    p.add_argument("--tz", default="UTC", help="time zone for the text output, e.g. Europe/Berlin")
    p.add_argument(
        "--timeout",
        type=num.timeout_s,
        default=10.0,
        help="limit for each HTTP call as a whole (connect, headers and body), seconds (default 10)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fetch the intensity, plan the job, print the result."""
    from resque_core.grid.base import minute_now
    from resque_core.grid.factory import PROVIDERS, make_chain
    from resque_core.grid.job import schedule_job

    names = [n.strip() for n in args.provider.split(",") if n.strip()]
    unknown = [n for n in names if n not in PROVIDERS]
    if not names or unknown:
        raise ScheduleError(f"--provider {args.provider!r}: use one or more of {', '.join(PROVIDERS)}.")
    zone = args.zone or ("GB" if names[0] == "uk" else "custom" if names[0] == "csv" else None)
    if zone is None:
        raise ScheduleError(f"--zone is required with --provider {names[0]} (e.g. --zone DE).")
    duration_s = parse_duration_s(args.duration)
    horizon_s = parse_duration_s(args.horizon, "--horizon")
    now = parse_time(args.now, "--now") if args.now else minute_now()
    deadline = parse_time(args.deadline, "--deadline") if args.deadline else None
    urls = {names[0]: args.api_url} if args.api_url else {}
    chain = make_chain(names, api_urls=urls, postcode=args.postcode, csv=args.csv, timeout_s=args.timeout, now=now)
    result, _ = schedule_job(
        chain, zone, duration_s, args.energy_kwh,
        now=now, horizon_s=horizon_s, deadline=deadline, interruptible=args.interruptible,
    )  # fmt: skip
    print(strict_json(result.to_dict(), indent=2) if args.json else plan_to_text(result, args.tz))
    return 0


def plan_to_text(result, tz_name: str = "UTC") -> str:
    """A few lines for a terminal, times shown in ``tz_name``."""
    from resque_core.grid.schedule import in_timezone

    def show(moment: datetime) -> str:
        return in_timezone(moment, tz_name).strftime("%Y-%m-%d %H:%M %Z")

    lines = [
        f"Source: {result.source} [{result.kind}], zone {result.zone}",
        f"Job:    {duration_text(result.duration_s)}, {energy_text(result.energy_kwh)}",
        f"Now:    {show(result.now)}  {result.now_intensity_g_per_kwh:.0f} gCO2eq/kWh  "
        f"{co2_text(result.co2_now_kg)} CO2eq",
        f"Best:   {show(result.best_start)} to {show(result.best_end)}  "
        f"{result.best_intensity_g_per_kwh:.0f} gCO2eq/kWh  {co2_text(result.co2_best_kg)} CO2eq",
    ]
    lines += [f"        slot {show(s.start)} to {show(s.end)}  {s.intensity_g_per_kwh:.0f} g/kWh" for s in result.slots]
    lines += [f"Saved:  {co2_text(result.co2_saved_kg)} CO2eq ({number_text(result.saved_pct, 3)}%)", result.note]
    lines += [f"Note:   {n}" for n in result.notes]
    return "\n".join(lines)
