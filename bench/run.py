"""Run benchmarks: `make bench` (all) or `make bench ARGS="notify"` (those whose name matches).

Each `bench/bench_<name>.py` has `run(args)`; it builds its own data with the generators
in that file, in a throwaway database, and prints its figures. Nothing here is part of
the test suite, and no test asserts a time.
"""

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="substrings of benchmark names to run")
    parser.add_argument("--quick", action="store_true", help="smaller data, for a smoke run")
    args = parser.parse_args()

    from common import bench_database, setup_django

    setup_django()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [m for m in modules if not args.names or any(n in m for n in args.names)]
    if not chosen:
        print(f"no benchmark matches {args.names}; available: {', '.join(modules)}")
        return 1
    for name in chosen:
        module = importlib.import_module(name)
        with bench_database():
            module.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
