"""Measured and generated data: loaders, cycle segmentation and per-cycle metrics."""
