"""Benchmarks that prove the quality targets of DESIGN.md §6; run with `make bench`."""
