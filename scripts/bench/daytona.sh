#!/usr/bin/env bash
# Daytona benchmark, all on one daytona-lite started here (loopback only):
#
#  1. client: `runeval lifecycle --daytona` (C) against the official
#     TypeScript SDK (@daytonaio/sdk 0.218.0, tests/sdk) doing the same
#     lifecycle (create, wait, upload + check + unpack, exec, preview URL,
#     delete), each as a whole process, RUNS times each, interleaved.
#     Figure: median C wall time / median SDK wall time (target <= 0.25).
#  2. scale: `runeval --daytona --seeds 200 --sandboxes 8`, wall time
#     against the ideal (one sandbox's bring-up + the rollout work spread
#     over 8 sandboxes x concurrency, + one teardown).
#  3. readiness: how long after the app inside the sandbox accepts
#     connections runeval's health wait sees 200 through the preview proxy.
#
# Samples go to $OUT (default build/bench/daytona) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), SEEDS (200), M (8),
# SDK (tests/sdk: the npm package.json of the SDK conformance tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.bash
. scripts/bench/common.bash
bench_init daytona daytona-lite

bench_machine

# --- daytona-lite -----------------------------------------------------------
key=bench-$RANDOM$RANDOM$RANDOM
bench_start_lite daytona-lite "$key"
url=$lite_url
export DAYTONA_API_URL=$url DAYTONA_API_KEY=$key RUNEVAL_STATE_DIR=$tmp/state-runeval
unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET

# --- 1. C client against the official SDK ---------------------------------
bench_payload
C_CMD=("$BUILD/runeval" lifecycle --daytona --json)
SDK_CMD=()
if bench_sdk_ready "$SDK" @daytonaio/sdk; then
	SDK_CMD=(node scripts/bench/daytona_sdk_lifecycle.cjs "$SDK"
		"$tmp/payload.tar.gz" "$payload_sha")
fi
bench_clients daytona daytona-sdk

# --- 2. SEEDS seeds over M sandboxes against the ideal ---------------------
bench_scale daytona

# --- 3. readiness detection lag through the preview proxy ------------------
bench_readiness daytona

# the reporter: per provider and phase statistics, C against the SDK
bench_report
left=$(curl -s -H "Authorization: Bearer $key" "$url/sandbox" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"] if isinstance(d, dict) else d))' || echo '?')
echo "sandboxes left on daytona-lite: $left"
echo "samples: $OUT/*.jsonl"
