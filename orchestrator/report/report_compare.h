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

#endif
