/*
 * bench: `runeval bench`, the sandbox lifecycle benchmark.
 *
 *	runeval bench --provider P[,Q...] [--iterations N] [--warmup W]
 *	    [--concurrency C] [--shape sequential|burst|staggered:MS]
 *	    [--snapshot] [--workload CMD] [--target EXPR]... [--out DIR]
 *	    [--ca-cert FILE] [--config FILE]
 *
 * Each iteration takes one sandbox through its life, each step timed as
 * a phase: provision (create until ready), upload (a small tar.gz,
 * checked and unpacked), exec (the workload, default `true`),
 * interpreter (python3 starting, where it is), preview (the URL of a
 * port), tti (time to interactive: a tiny HTTP server started in the
 * sandbox until its first 200 through the preview), snapshot and
 * restore (--snapshot, where the provider has snapshots: the sandbox
 * saved, then a sandbox made from it until ready; others say they have
 * none), teardown.  The first iteration is the cold one (its spans are
 * the provider "P:cold"); W warm-up iterations follow, not recorded;
 * the N-1 others are warm (provider "P").  Shapes: one at a time, C at
 * once in bursts, or one started every MS ms with at most C in flight.
 * Providers run one after another.
 *
 * Outputs in --out (default runs/bench-<time>): spans.jsonl (one span a
 * line), the reporter's renderings of it (summary.json with the
 * comparison block, report.md, metrics.prom with the
 * sandbox_provisioning_duration_*_ms gauges, junit.xml, waterfall.svg,
 * hyperfine.json), bench.json (configuration, runeval's own memory
 * growth over the iterations, HTTP requests and connections per
 * provider, notes) and latency.json (the devs task's shape: driver,
 * startType, samples[{durationMs,timestamp}], p50Ms, p95Ms, p99Ms, plus
 * every series).  On stderr: each provider's HTTP requests over how many
 * connections, and this process's RSS after the first sandbox and the
 * last.  --target EXPR is a reporter gate (`p95(create) < 30s`; create
 * is provision): exit 1 when one fails.  --config FILE gives options
 * (targets too) in YAML, the command line's winning (cli_config_words).
 * Exit 3 when a step failed, 2 on bad usage.
 *
 * `runeval lifecycle` is `bench --iterations 1` that writes no file:
 * provider daytona by default, plain provider labels, a line per step
 * (or spans with --json); its --snapshot S and --target T are what to
 * start from and the region, as in a job; --repeat N runs N in a row.
 */
#ifndef RUNEVAL_ORCHESTRATOR_BENCH_H
#define RUNEVAL_ORCHESTRATOR_BENCH_H

/* argv[0] is "bench" (or "lifecycle": one iteration, daytona). */
int bench_main(int argc, char **argv);

#endif
