"""The forecast: calibration records, the forecaster with calibrated intervals, its fidelity, and costing."""
