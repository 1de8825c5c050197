"""Analysing results: comparisons, survival, reports, sensitivity, validation and calibration.

Also the IPM components' annual law estimated from BPS data, with its held-out forecast test.
"""
