"""Calibration: simulate shifts of a model's data, retrain on each within a budget, and record what it cost."""
