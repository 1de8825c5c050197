"""Analysing results: comparisons, survival, reports, sensitivity, validation, calibration."""
