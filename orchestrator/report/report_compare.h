/*
 * report_compare: a candidate against a baseline, per provider and phase.
 *
 * Groups are matched by provider and phase name.  For each pair: the
 * ratio of the medians (candidate / baseline) and the two-sided
 * Mann-Whitney U p-value of the successful durations (stats.h).  With
 * fewer than REPORT_MIN_N samples on a side the row carries a warning:
 * such a p-value cannot show a difference (benchstat's rule).
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_COMPARE_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_COMPARE_H

#include "report_stats.h"

#define REPORT_MIN_N 6

struct report_cmp {
	const struct report_group *base, *cand;
	const char *provider, *phase;	/* borrowed from the candidate set */
	double ratio;		/* cand p50 / base p50; NAN if undefined */
	struct stats_mwu mwu;
	bool few;		/* n < REPORT_MIN_N on either side */
};

struct report_comparison {
	struct report_cmp *rows;	/* candidate order */
	size_t n;
	char **only_cand, **only_base;	/* "provider/phase" without a pair */
	size_t n_only_cand, n_only_base;
};

void report_compare(const struct report_stats *cand,
		    const struct report_stats *base,
		    struct report_comparison *out);
void report_comparison_release(struct report_comparison *c);

/*
 * The overhead factor of each sandboxed provider against the one that
 * ran the same job unsandboxed on this host (`process`, local mode), in
 * fence's definition: sandboxed / unsandboxed, here the ratio of the
 * medians, for every phase both have ok samples of (the rollout latency
 * is the "rollout" phase).  No rows when there is no such baseline or
 * no other provider.
 */
#define REPORT_OVERHEAD_BASELINE "process"

struct report_overhead_row {
	const char *provider, *phase;	/* borrowed from the set */
	double base_ms, ms;		/* the two p50s */
	double factor;			/* ms / base_ms; NAN when base is 0 */
};

struct report_overhead {
	struct report_overhead_row *rows;	/* provider, phase order */
	size_t n;
};

void report_overhead(const struct report_stats *st,
		     struct report_overhead *out);
void report_overhead_release(struct report_overhead *o);

#endif
