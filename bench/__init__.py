"""Benchmarks of the organisational chart at national size (not part of the tests)."""
