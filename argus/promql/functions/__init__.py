"""PromQL functions, grouped by kind: range kernels, element-wise math, labels, time, histograms."""

__all__: list[str] = []
