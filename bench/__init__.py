"""Benchmarks for the dispatch worker and the enrollment API (`make bench`)."""
