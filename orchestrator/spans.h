/*
 * spans: the phase clock.  Every timed thing of a job (a phase, one
 * rollout) is a span on CLOCK_MONOTONIC, relative to the job's start;
 * the wall clock is read once, at the start, for correlation.
 *
 *	size_t i = spans_begin(&s, "health", "local-0", -1);
 *	...
 *	spans_end(&s, i, rc, attempts, rc ? err.msg : NULL);
 *
 * Indices stay valid while the list grows.  Phase names are borrowed
 * (string literals); sandbox labels and errors are copied.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SPANS_H
#define RUNEVAL_ORCHESTRATOR_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_err.h"

struct provider_attempt;

struct span {
	const char *phase;
	char *sandbox;		/* or NULL for job-level spans */
	long seed;		/* -1 unless a rollout */
	uint64_t start_ns;	/* monotonic, absolute */
	uint64_t end_ns;	/* 0 while open */
	unsigned attempts;
	bool ok;
	char *error;		/* one line, redacted; NULL when ok */
	struct provider_attempt *attempt_log;	/* remote calls, or NULL */
	size_t n_attempt_log;
};

struct spans {
	uint64_t t0_ns;		/* job start, monotonic */
	uint64_t wall0_ns;	/* job start, epoch */
	struct span *v;
	size_t n, cap;
};

/* Start the clock (t0 = now). */
void spans_init(struct spans *s);
void spans_release(struct spans *s);

/* Open a span now; returns its index. */
size_t spans_begin(struct spans *s, const char *phase, const char *sandbox,
		   long seed);

/* Close span i now: ok when rc == RV_OK; error may be NULL. */
void spans_end(struct spans *s, size_t i, enum rv_code rc,
	       unsigned attempts, const char *error);

/* Add a finished span with explicit times (rollouts time themselves). */
void spans_add(struct spans *s, const char *phase, const char *sandbox,
	       long seed, uint64_t start_ns, uint64_t end_ns, bool ok,
	       unsigned attempts, const char *error);

/* Give span i a copy of n attempts (its attempts become n if more). */
void spans_set_attempt_log(struct spans *s, size_t i,
			   const struct provider_attempt *v, size_t n);

/* Move every span of from into to (from is left empty). */
void spans_take(struct spans *to, struct spans *from);

/* Milliseconds from the job start to t (monotonic ns). */
double spans_offset_ms(const struct spans *s, uint64_t t);

/* Duration of span i in ms (up to now when still open). */
double spans_ms(const struct spans *s, size_t i);

/* Sort by start time (stable for equal starts). */
void spans_sort(struct spans *s);

#endif
