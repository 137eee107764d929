#!/bin/sh
# Before and after in one run: bench_ratios on another revision's code (default: main),
# then on this checkout, one after the other on the same machine and database server.
#
#   bench/before_after.sh [REV] [bench_ratios options, e.g. --quick]
#
# The earlier revision runs with this checkout's bench/ (the same harness and data for
# both), its own application code, and this checkout's virtualenv. BEFORE_OVERLAY lists
# files (space-separated) the earlier revision takes from this checkout instead, e.g.
# BEFORE_OVERLAY=portal/settings.py to give it the same database connection pool (without
# it, code from before the pool runs PostgreSQL out of connections under uvicorn).
# Only the ratios are comparable between the two tables: the absolute figures move with
# the machine's load.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-main}
[ $# -gt 0 ] && shift
before=$(mktemp -d "${TMPDIR:-/tmp}/tandem-before-XXXXXX")
trap 'rm -rf "$before"' EXIT
git -C "$here" archive "$rev" | tar -x -C "$before"
rm -rf "$before/bench" "$before/var"
cp -r "$here/bench" "$before/bench"
ln -s "$here/.venv" "$before/.venv"
for file in ${BEFORE_OVERLAY:-}; do
    cp "$here/$file" "$before/$file"
done
if [ -d "$here/portal/static/vendor" ]; then
    rm -rf "$before/portal/static/vendor"
    ln -s "$here/portal/static/vendor" "$before/portal/static/vendor"
fi
echo "== before: $rev ($(git -C "$here" rev-parse --short "$rev"))${BEFORE_OVERLAY:+, with this checkout's $BEFORE_OVERLAY} =="
(cd "$before" && "$here/.venv/bin/python" bench/run.py ratios "$@")
echo
echo "== after: this checkout ($(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD || echo ', with uncommitted changes')) =="
(cd "$here" && "$here/.venv/bin/python" bench/run.py ratios "$@")
