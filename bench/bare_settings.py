"""Tandem's settings, with the URLs of bench/bare.py added after Tandem's own: the
settings of the benchmark's web server (bench_ratios.py) and nothing else."""

from portal.settings import *  # noqa: F403 (every production setting, unchanged)

ROOT_URLCONF = "bare"
