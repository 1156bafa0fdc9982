"""Benchmarks: figures, not tests (bench/README.md). A package, so that they share helpers."""
