"""``python -m resque_core report``: scenarios JSON (saved from the dashboard) -> HTML / CSV / JSON."""

from __future__ import annotations

import argparse

from resque_core.errors import ReportError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="turn a scenarios file into a self-contained HTML report (and/or CSV, JSON)",
        description="Build a report from a scenarios JSON file exported by the dashboard's Scenarios page.",
    )
    parser.add_argument("--scenarios", required=True, metavar="FILE.json", help="scenarios file to report on")
    parser.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report (works offline)")
    parser.add_argument("--csv", metavar="OUT.csv", help="write one row per scenario")
    parser.add_argument("--json", metavar="OUT.json", help="write the scenarios back, normalised")
    parser.add_argument("--title", default="RESQUE retraining report", help="title of the HTML report")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from resque_core.reporting.export import write_report
    from resque_core.reporting.headline import headline_sentences
    from resque_core.reporting.scenario import load_scenarios

    chosen = {"html": args.html, "csv": args.csv, "json": args.json}
    outputs = [(path, setting) for setting, path in chosen.items() if path]
    if not outputs:
        raise ReportError("say what to write: --html OUT.html, --csv OUT.csv and/or --json OUT.json")
    scenarios = load_scenarios(args.scenarios)
    for path, setting in outputs:
        written = write_report(scenarios, path, title=args.title, setting=setting)
        print(f"wrote {written} ({len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''})")
    for scenario in scenarios:  # the headline the Start page and the report open with, word for word
        sentences = headline_sentences(scenario)
        if sentences:
            print(f"{scenario.name}:\n" + "\n".join(f"  - {sentence}" for sentence in sentences))
    return 0
