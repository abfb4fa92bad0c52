/*
 * summary: the numbers of a job, computed once for result.json and the
 * console: rollout counts, success rate, mean reward, the eval's outcome
 * (evalstats.h: pipeline and transport failures, the reward's interval,
 * pass rate, pass@k, statuses, tasks, tokens), and per-phase statistics
 * over the spans (durations in ms, by the reporter's stats.h).
 * summary_release() frees what summary_compute() made.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SUMMARY_H
#define RUNEVAL_ORCHESTRATOR_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "evalstats.h"
#include "stats.h"

struct job_outcome;

#define SUMMARY_MAX_PHASES 16

struct summary_phase {
	const char *phase;	/* borrowed from the spans */
	struct stats_summary s;	/* durations of its spans (reporter's stats) */
};

struct summary {
	size_t seeds, completed;	/* seeds: rollouts, seeds x epochs */
	size_t failed;		/* seeds - completed */
	size_t cancelled;	/* of the failed: interrupted or not run */
	size_t pipeline_failures;	/* of the completed: a status not
					   allowed */
	struct evalstats eval;
	double success_rate;	/* completed / seeds; NAN when no seeds */
	double mean_reward;	/* over completed; NAN when none */
	double mean_reward_all;	/* failed count as 0; NAN when no seeds */
	struct summary_phase phases[SUMMARY_MAX_PHASES];
	size_t n_phases;	/* in order of first appearance */
};

void summary_compute(const struct job_outcome *job, struct summary *out);
void summary_release(struct summary *s);

#endif
