"""``python -m resque_core report``: scenarios JSON (saved from the dashboard) and a model comparison
(``compare --json``'s output) -> HTML / CSV / JSON."""

from __future__ import annotations

import argparse

from resque_core.errors import ReportError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="turn a scenarios file (and/or a model comparison) into a self-contained HTML report (and/or CSV, JSON)",
        description="Build a report from a scenarios JSON file exported by the dashboard's Scenarios page, with a "
        "'Model comparison' section when --comparison names the JSON `compare --json` printed.",
    )
    parser.add_argument("--scenarios", metavar="FILE.json", help="scenarios file to report on")
    parser.add_argument(
        "--comparison",
        metavar="FILE.json",
        help="a model comparison to report (what `python -m resque_core compare ... --json` prints): its table, "
        "Pareto chart and recommendation, in the HTML report",
    )
    parser.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report (works offline)")
    parser.add_argument("--csv", metavar="OUT.csv", help="write one row per scenario")
    parser.add_argument("--json", metavar="OUT.json", help="write the scenarios back, normalised")
    parser.add_argument("--title", default="RESQUE retraining report", help="title of the HTML report")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from resque_core.reporting.compare_section import load_comparison
    from resque_core.reporting.export import write_report
    from resque_core.reporting.headline import headline_sentences
    from resque_core.reporting.scenario import load_scenarios

    chosen = {"html": args.html, "csv": args.csv, "json": args.json}
    outputs = [(path, setting) for setting, path in chosen.items() if path]
    if not outputs:
        raise ReportError("say what to write: --html OUT.html, --csv OUT.csv and/or --json OUT.json")
    if args.scenarios is None and args.comparison is None:
        raise ReportError("say what to report: --scenarios FILE.json and/or --comparison FILE.json")
    if args.scenarios is None and (args.csv or args.json):
        raise ReportError("--csv and --json write scenarios: give --scenarios FILE.json (a comparison goes in --html)")
    scenarios = load_scenarios(args.scenarios) if args.scenarios is not None else []
    comparison = load_comparison(args.comparison) if args.comparison is not None else None  # checked before writing
    for path, setting in outputs:
        written = write_report(scenarios, path, title=args.title, setting=setting, comparison=comparison)
        print(f"wrote {written} ({_contents(len(scenarios), comparison is not None and setting == 'html')})")
    for scenario in scenarios:  # the headline the Start page and the report open with, word for word
        sentences = headline_sentences(scenario)
        if sentences:
            print(f"{scenario.name}:\n" + "\n".join(f"  - {sentence}" for sentence in sentences))
    if comparison is not None:
        print(f"model comparison: {comparison.recommendation}")
    return 0


def _contents(n_scenarios: int, compared: bool) -> str:
    """What a written file holds: "2 scenarios", "1 scenario and a model comparison", "a model comparison"."""
    scenarios = f"{n_scenarios} scenario{'s' if n_scenarios != 1 else ''}" if n_scenarios else ""
    return " and ".join(part for part in (scenarios, "a model comparison" if compared else "") if part)
