"""Performance benchmarks for kemitraan (issue 6): ``make bench`` or ``python -m benchmarks.run``."""
