#!/usr/bin/env bash
# E2B benchmark, all on one e2b-lite started here (loopback only):
#
#  1. client: `runeval lifecycle --e2b` (C) against the official E2B SDK
#     (e2b 2.51.0, tests/sdk) doing the same lifecycle (create, upload +
#     check + unpack, exec, port URL, kill: --no-interactive; then both
#     again with python3 -c pass and a python3 http.server until its first
#     200 through its port's host, no target), each as a whole process,
#     RUNS times each, interleaved.  Figure: median C wall time / median
#     SDK wall time (target <= 0.25).
#  2. scale: `runeval --e2b --seeds SEEDS --sandboxes M`, wall time against
#     the ideal from uncontended rollouts, and create->ready per sandbox
#     (provision start to the app's health 200), p50 and p95.
#  3. readiness: how long after the app inside the sandbox accepts
#     connections runeval's health wait sees 200 through the port proxy.
#
# Samples go to $OUT (default build/bench/e2b) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), SEEDS (200), M (8),
# UNCONTENDED (24: seeds of the one-at-a-time job), SDK (tests/sdk: the
# npm package.json of the SDK conformance tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.bash
. scripts/bench/common.bash
bench_init e2b e2b-lite

bench_machine
key=bench-$RANDOM$RANDOM$RANDOM
bench_start_lite "$tmp/state" "$key" "$tmp/lite.log"
lite_url=$lite_started_url
# the SDK's way to envd (E2B_SANDBOX_URL + E2b-Sandbox-Id/-Port), for both
export E2B_API_URL=$lite_url E2B_SANDBOX_URL=$lite_url E2B_API_KEY=$key \
	RUNEVAL_STATE_DIR=$tmp/state-runeval
unset E2B_DOMAIN

# --- 1. C client against the official SDK ---------------------------------
bench_payload
bench_client_pair e2b e2b

# --- 2. SEEDS seeds over M sandboxes, create->ready ------------------------
bench_scale e2b

# --- 3. readiness detection lag through the port proxy ---------------------
bench_readiness e2b

bench_report
left=$(curl -s -H "X-API-Key: $key" "$lite_url/v2/sandboxes" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' || echo '?')
echo "sandboxes left on e2b-lite: $left"
echo "samples: $OUT/*.jsonl"
