/*
 * report_eval: the eval's outcome in a report.  The result.json jobs of a
 * set are grouped by their identity (app and version, policy, model,
 * provider): jobs of one identity pool their rollouts into one outcome
 * (evalstats.h), jobs of different identities are never merged, also when
 * they share a provider.  Span files and hyperfine exports have no eval.
 *
 * report_eval_relabel() makes the same true of the timing statistics: when
 * jobs of different identities share a provider name, their samples get
 * the provider "<provider> (<what differs>)", e.g. "process (policy=noop)".
 *
 * With a baseline, each candidate group is paired with the baseline group
 * of the same identity (or the only one, when both sides have one group):
 * over the seeds both ran (each seed's mean reward over its epochs and
 * its pass, mean >= the threshold), the mean difference (candidate -
 * baseline) with its 95% interval, Wilcoxon's signed-rank test of the
 * differences, McNemar's test of pass/fail, and the seeds that flipped.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_EVAL_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evalstats.h"
#include "report_set.h"

#define REPORT_FLIPS_MAX 50	/* flipped seeds listed per direction */

struct report_eval_group {
	const char *app, *app_version, *policy, *model, *provider, *env_name;
	size_t *jobs;		/* indices in set->jobs */
	size_t n_jobs;
	char *name;		/* the job's name, or its identity when it
				   has several jobs (unique either way) */
	char *identity;		/* "app 1.2, policy reference, on process" */
	double threshold;
	struct evalstats st;	/* a shallow copy of its job's eval when
				   st_borrowed (report_job.eval) */
	bool st_borrowed;
};

struct report_evals {
	struct report_eval_group *groups;
	size_t n;
};

/*
 * Group and compute; threshold NAN takes each group's first job's
 * config.pass_threshold (1 when it has none).
 */
void report_evals_compute(struct report_evals *e, const struct report_set *set,
			  double threshold);
void report_evals_release(struct report_evals *e);

/* Give jobs of different identities on one provider distinct names. */
void report_eval_relabel(struct report_set *set);

struct report_pair {
	const struct report_eval_group *cand, *base;
	size_t n;			/* seeds both ran, with a reward */
	struct stats_ci diff;		/* of cand - base per seed */
	struct stats_wilcoxon wilcoxon;
	struct stats_mcnemar mcnemar;
	int64_t *fixed, *broke;		/* seeds: base fail -> cand pass, and
					   the other way (at most
					   REPORT_FLIPS_MAX each) */
	size_t n_fixed, n_broke;	/* all of them */
	double base_mean, cand_mean;		/* over the paired seeds */
	double base_pass_rate, cand_pass_rate;
};

struct report_pairs {
	struct report_pair *v;
	size_t n;
	char **unpaired;		/* candidate groups without a baseline */
	size_t n_unpaired;
};

void report_pairs_compute(struct report_pairs *p,
			  const struct report_evals *cand,
			  const struct report_evals *base);
void report_pairs_release(struct report_pairs *p);

/* The pair of a candidate group, or NULL. */
const struct report_pair *report_pair_of(const struct report_pairs *p,
					 const struct report_eval_group *g);

#endif
