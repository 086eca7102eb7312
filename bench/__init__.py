"""Benchmarks: scripts that print numbers (not pass/fail tests). See bench/README.md."""
