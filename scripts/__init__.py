"""Tools run from the project root: ``python -m scripts.bench`` (benchmarks), ``python -m
scripts.load`` (load tests), the audit report and small helpers. A package so that these entries
resolve to this folder, not to another installed module called ``scripts``."""
