"""Analysing results: comparisons, survival, reports, sensitivity, validation, calibration, and the
IPM components' annual law estimated from BPS data with its held-out forecast test."""
