/*
 * bench_int: what bench.c (the runs) and bench_out.c (the files) share.
 */
#ifndef RUNEVAL_ORCHESTRATOR_BENCH_INT_H
#define RUNEVAL_ORCHESTRATOR_BENCH_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "mode.h"
#include "provider.h"

#define BENCH_MAX_TARGETS 16

enum bench_shape { BENCH_SEQUENTIAL, BENCH_BURST, BENCH_STAGGERED };

struct bench_span {
	char provider[64];	/* "bwrap", or "bwrap:cold" */
	const char *phase;	/* static */
	double ms;
	bool ok;
	char ts[32];		/* UTC start, ISO-8601 with ms */
	char error[512];
};

struct bench {
	/* --- options ---------------------------------------------------- */
	const char *providers[CLI_MAX_PROVIDERS];
	size_t n_providers;
	unsigned iterations, warmup, concurrency;
	enum bench_shape shape;
	long stagger_ms;
	bool snapshot, json, lite;
	bool force;		/* --force: replace an earlier bench in out */
	bool no_interactive;	/* no interpreter, no time to interactive */
	bool lifecycle;		/* `runeval lifecycle`: plain provider
				   labels, lines or spans on stdout, no
				   file */
	const char *prog;	/* "bench" or "lifecycle", for messages */
	const char *workload, *out, *from_snapshot, *image, *region;
	const char *targets[BENCH_MAX_TARGETS];
	size_t n_targets;
	struct cli_words config;	/* --config FILE's words: the options
					   above point into them */
	/* --- the run ----------------------------------------------------- */
	pthread_mutex_t lock;	/* spans, seq, failed */
	FILE *spans_file;	/* OUT/spans.jsonl */
	struct bench_span *spans;
	size_t n_spans, cap_spans;
	unsigned seq;		/* sandbox names */
	int failed;		/* steps that failed */
	char job[64];
	struct mode_bundle *tgz;
	char **notes;		/* malloc'ed lines for bench.json */
	size_t n_notes;
	long rss_start_kb, rss_end_kb;	/* around the warm iterations */
	unsigned measured;	/* sandboxes between the two */
	long rss_first_kb;	/* after the first sandbox */
	unsigned made;		/* sandboxes through their life */
	size_t n_run;		/* providers begun (a signal stops the
				   rest) */
	struct {
		unsigned long requests, connects;
	} http[CLI_MAX_PROVIDERS];	/* per provider (rv_http_counts) */
};

/*
 * Parse argv (argv[0] is the command); *help for -h/--help.  --config
 * FILE (YAML, keys the long options) comes first, the command line
 * after it: a value given on both is the command line's, and targets
 * given there replace the file's.  Release b->config once done.
 */
enum rv_code bench_options(struct bench *b, int argc, char **argv,
			   bool *help, struct rv_err *err);
void bench_usage(FILE *f, bool lifecycle);

/*
 * The provider label of provider's spans: "P:cold" for the first
 * sandbox, "P" for the warm ones (lifecycle: "P" for all).
 */
void bench_label(const struct bench *b, const char *provider, bool cold,
		 char *buf, size_t size);

/* Record a note (printed and kept for bench.json). */
void bench_note(struct bench *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A --target as the reporter's gate: create is provision (malloc'ed). */
char *bench_gate(const char *target);

/*
 * Write bench.json, latency.json and the reporter's renderings of
 * spans.jsonl (gates from b->targets); the reporter's exit code (0, 1
 * a target failed, 2 bad input).
 */
int bench_write(struct bench *b);

#endif
