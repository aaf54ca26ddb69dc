"""Helpers shared by the tests and the benchmarks (not used by the pipeline itself)."""
