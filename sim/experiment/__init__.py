"""Running experiments: designs, sweeps that save as they go, results folders, reproduction."""
