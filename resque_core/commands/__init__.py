"""The command line's sub-commands, one module each: ``register(subparsers)`` adds its parser.

``python -m resque_core COMMAND --help`` describes each; ``resque_core.cli`` assembles them.
"""

__all__ = [
    "calibrate",
    "calibration_output",
    "class_map_arg",
    "forecast",
    "index",
    "layers",
    "model_args",
    "number_args",
    "report",
    "schedule",
    "sweep_args",
    "validate",
]
