#!/usr/bin/env bash
# The overhead factor (fence's: sandboxed / unsandboxed) of bwrap,
# daytona-lite and Docker against local, for the bundled task app, in one
# run: `runeval --provider local,bwrap,daytona[,docker] --lite` one
# provider at a time (so that they do not compete for the machine), then
# the combined report's overhead block.  Docker is in the run when its
# provider is registered and an engine answers (DOCKER_HOST or the
# default socket).  Everything stays on this machine.
set -euo pipefail
BUILD=${BUILD:-build}
RUNEVAL=${RUNEVAL:-$BUILD/runeval}
SEEDS=${SEEDS:-20}
OUT=${OUT:-$(mktemp -d /tmp/runeval-overhead.XXXXXX)}
export RUNEVAL_STATE_DIR=${RUNEVAL_STATE_DIR:-$OUT/state}

providers=local,bwrap,daytona
if "$RUNEVAL" help --complete providers | grep -qx docker &&
	{ [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; } &&
	docker info >/dev/null 2>&1; then
	providers=$providers,docker
else
	echo "overhead: no Docker engine here: docker is left out" >&2
fi
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "providers: $providers; $SEEDS seeds each, one provider at a time"
rm -rf "$OUT/run"
"$RUNEVAL" --provider "$providers" --lite --seeds "$SEEDS" \
	--one-provider-at-a-time --out "$OUT/run" --env-file /dev/null \
	>"$OUT/report.txt" 2>&1 || { cat "$OUT/report.txt"; exit 1; }
python3 - "$OUT/run/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
oh = s["comparison"]["overhead"]
phases = ["provision", "upload", "start", "health", "rollout", "teardown"]
print("overhead factor against local (p50 sandboxed / p50 local):")
print("%-10s" % "provider" + "".join("%11s" % p for p in phases))
for prov, f in oh["factors"].items():
    print("%-10s" % prov + "".join(
        "%10.2fx" % f[p] if f.get(p) is not None else "%11s" % "-"
        for p in phases))
PY
echo "report: $OUT/run/report.md"
