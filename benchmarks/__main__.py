"""python -m benchmarks [--runs N] [NAME...]: run the suite and write benchmarks/RESULTS.md."""
import sys
from pathlib import Path

from translator.bench_suite import main

sys.exit(main(Path(__file__).resolve().parent, sys.argv[1:]))
