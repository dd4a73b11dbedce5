"""Retraining: the real retraining loop, its targets and results, energy meters and hardware profiles."""
