/*
 * timeline: every span of a job in start order, as the outputs show them
 * (result.json's spans, the summary's phase statistics, the renderings):
 * the phase spans (struct spans) merged with one "rollout" span per try
 * of the records.  A try is not stored as a span: the record holds its
 * last try (start, end, ok, error, sandbox) and its earlier ones (struct
 * rollout_try), which is all its span says.  A try made by an earlier run
 * of a resumed job has no start on this run's clock, and no span here:
 * the resume adds that run's spans, rollouts too, as phase spans (from
 * the result.json it wrote, resume.h).
 *
 *	struct timeline t;
 *	timeline_init(&t, &job->spans, job->rollouts, job->n_rollouts);
 *	for (const struct span *sp; (sp = timeline_next(&t)); )
 *		...
 *	timeline_release(&t);
 *
 * The spans must be sorted (spans_sort); equal starts keep phase spans
 * first, then the records in order.  A span returned is borrowed: valid
 * until the next call.  Memory: 16 bytes a try while it iterates.
 */
#ifndef RUNEVAL_ORCHESTRATOR_TIMELINE_H
#define RUNEVAL_ORCHESTRATOR_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "spans.h"

struct rollout;

struct timeline_ref {
	uint64_t start_ns;
	uint32_t rec;		/* index of the record */
	uint32_t try;		/* its earlier try, or UINT32_MAX: the last */
};

struct timeline {
	const struct spans *spans;
	const struct rollout *rs;
	struct timeline_ref *refs;	/* the tries, by start */
	size_t n_refs, next_ref, next_span;
	struct span cur;
};

void timeline_init(struct timeline *t, const struct spans *spans,
		   const struct rollout *rs, size_t n);

/* The next span, or NULL after the last. */
const struct span *timeline_next(struct timeline *t);

/*
 * Random access: the span of the try that is i-th by start (i <
 * t->n_refs; borrowed, valid until the next call), and how many tries
 * start before start_ns (where a phase span starting then goes).
 */
const struct span *timeline_try_at(struct timeline *t, size_t i);
size_t timeline_tries_before(const struct timeline *t, uint64_t start_ns);

/* How many spans the timeline holds. */
size_t timeline_count(const struct timeline *t);

void timeline_release(struct timeline *t);

#endif
