#!/usr/bin/env bash
# Runs the whole suite (unit, integration, interop) on the compiled output and closes with one
# plain line "N passed, N failed" counted by tap. Integration tests need root: they build
# network namespaces. Extra arguments go to tap (e.g. a single dist/test/... file).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# tap skips git-ignored paths (dist/) when it looks for tests itself, so name them.
if [ $# -eq 0 ]; then
  mapfile -t files < <(find dist/test -name '*.test.js' | sort)
  set -- "${files[@]}"
fi
npx tap --reporter=terse "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
echo "tests: ${pass:-0} passed, ${fail:-0} failed"
if [ -z "$summary" ]; then
  echo "test/run.sh: tap printed no summary: treating the run as failed" >&2
  exit 1
fi
exit "$status"
