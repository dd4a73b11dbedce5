"""``python -m resque_core layers``: list a model's layers with their output shapes."""

from __future__ import annotations

import argparse

from resque_core.commands.model_args import add_model_arguments, model_source
from resque_core.jsonable import strict_json


def register(subparsers) -> None:
    """Add the ``layers`` sub-command."""
    p = subparsers.add_parser(
        "layers",
        help="list a checkpoint's layers and their output shapes",
        description="List every named layer of the model with its per-sample output shape (one dry run). "
        "The default embedding layer, the input of the final linear classifier, is marked with *.",
    )
    add_model_arguments(p)
    p.add_argument(
        "--original",
        metavar="SOURCE",
        help="data the model was trained on (digits, a folder, .zip, .npz): its image size and channels give "
        "the input spec when the checkpoint has none and no --input-spec is given, as in the index command",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the checkpoint and print its layers."""
    from resque_core.model.layers import default_layer, list_layers

    data = None
    if args.original is not None:
        from resque_core.data import open_source

        data = lambda: open_source(args.original)  # noqa: E731  (opened only when the spec is needed)
    loaded = model_source(args).load(data=data)
    layers = list_layers(loaded)
    default = default_layer(loaded.model)
    if args.json:
        rows = [
            {"name": i.name, "type": i.type, "output_shape": i.output_shape, "default": i.name == default}
            for i in layers
        ]
        print(strict_json(rows))
        return 0
    width = max(len(i.name) for i in layers) + 2
    print(
        f"{loaded.format} checkpoint {loaded.source}: {len(loaded.class_names)} classes, input {loaded.input_spec.size}"
    )
    for info in layers:
        mark = "*" if info.name == default else " "
        shape = "x".join(map(str, info.output_shape)) if info.output_shape is not None else "-"
        print(f"{mark} {info.name:<{width}} {info.type:<20} {shape}")
    return 0
