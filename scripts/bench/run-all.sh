#!/usr/bin/env bash
# Run every benchmark under scripts/bench/ (each one is self-contained and
# prints its figures); exit non-zero when one of them fails to run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/*.sh; do
	[[ $(basename "$b") == run-all.sh ]] && continue
	echo "== $(basename "$b")"
	bash "$b" || rc=1
done
exit $rc
