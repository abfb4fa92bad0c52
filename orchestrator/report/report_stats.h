/*
 * report_stats: statistics of a report_set per provider and phase (over
 * all jobs, and per job), provider totals and the provider comparison.
 *
 * Samples are grouped with a counting sort that keeps input order, the
 * optional rolling window keeps the last N samples of each group, and each
 * group's successful durations are sorted once: O(n log n) overall.
 * Everything belongs to the report_stats and is freed by
 * report_stats_release(); the set must outlive it.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_STATS_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_STATS_H

#include <stdbool.h>

#include "report_set.h"
#include "stats.h"

#define REPORT_ALL_JOBS UINT32_MAX

struct report_group {
	uint32_t job;		/* index in set->jobs, or REPORT_ALL_JOBS */
	uint32_t provider, phase;	/* string ids */
	struct stats_summary st;
	double *sorted;		/* st.ok successful durations, ascending */
	double sum_ms;		/* of every duration in the window, failed
				   ones too: the time the phase took */
};

struct report_provider {
	uint32_t provider;	/* string id */
	size_t n, ok;		/* samples of every phase (in the window) */
	double total_ms;	/* job durations, else the sum of its spans */
	double score_ms;	/* sum of p50 over the common phases */
	bool ranked;		/* in the rankings: it ran rollouts when
				   others did, and is no cold series
				   beside warm ones (report_stats.c) */
};

struct report_stats {
	const struct report_set *set;
	size_t window;		/* 0: every sample */
	struct report_group *groups;	/* all jobs; provider, phase order */
	size_t n_groups;
	struct report_group *job_groups;	/* per job; job, provider, phase */
	size_t n_job_groups;
	struct report_provider *providers;	/* in order of appearance */
	size_t n_providers;
	size_t n_ranked;	/* providers[].ranked */
	uint32_t *phases;	/* phase ids, pipeline order first */
	size_t n_phases;
	uint32_t *common;	/* phases every provider has ok samples of,
				 * but rollout and http (parts of others)
				 * unless no other is shared */
	size_t n_common;
	int fastest, slowest, most_reliable;	/* provider index or -1 */
	double speed_difference;	/* slowest / fastest score, or NAN */
	uint32_t *prov_rank, *phase_rank;	/* display order by string id */
};

/* Compute everything for set; window 0 keeps every sample. */
void report_stats_compute(struct report_stats *st,
			  const struct report_set *set, size_t window);
void report_stats_release(struct report_stats *st);

/* The all-jobs group of provider and phase ids, or NULL. */
const struct report_group *report_stats_find(const struct report_stats *st,
					     uint32_t provider, uint32_t phase);

/* The same by names (for matching a baseline set), or NULL. */
const struct report_group *report_stats_find_named(
	const struct report_stats *st, const char *provider, const char *phase);

/* Is phase one that times a part of another (rollout, http)? */
bool report_stats_is_inner(const struct report_set *set, uint32_t phase);

/* Index of a provider by name in st->providers, or -1. */
int report_stats_provider(const struct report_stats *st, const char *name);

#endif
