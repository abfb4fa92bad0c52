/*
 * evalstats: the outcome of an eval, from its rollouts; one computation
 * for result.json's summary (the runner) and every rendering of the
 * reporter.
 *
 * A rollout is *completed* when the task app answered it with a reward
 * (class EVALSTATS_OK, or EVALSTATS_PIPELINE: a success_status other than
 * success that was not allowed); a *transport* failure has no reward.  It
 * *passed* when completed with reward >= the threshold.  Means are over
 * completed rollouts (mean_reward, with its 95% interval) or over all of
 * them with a missing reward counted as 0 (mean_reward_all); the pass rate
 * is over all.  pass@k is the unbiased estimator averaged over seeds, a
 * seed's attempts being all its rollouts (epochs and repeats); k up to
 * the fewest attempts of any seed (max_k).  Tasks, difficulties and
 * statuses beyond EVALSTATS_MAX_NAMES distinct names are counted under
 * "(other)", so a hostile app cannot make the outcome grow without bound.
 *
 * Ownership: the outcome owns copies of every name; the input is only read.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_EVALSTATS_H
#define RUNEVAL_ORCHESTRATOR_REPORT_EVALSTATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_infer.h"

#define EVALSTATS_MAX_NAMES 200
#define EVALSTATS_OTHER "(other)"

enum evalstats_class {
	EVALSTATS_OK,		/* answered, status success or allowed */
	EVALSTATS_PIPELINE,	/* answered with a status not allowed */
	EVALSTATS_TRANSPORT,	/* no reward: HTTP error, timeout, ... */
};

struct evalstats_rollout {
	int64_t seed;
	unsigned epoch;			/* 1-based */
	double reward;			/* NAN when none */
	enum evalstats_class cls;
	const char *status;		/* never NULL */
	const char *task, *difficulty;	/* or NULL */
	int64_t tokens[3];		/* prompt, completion, total; -1 */
};

struct evalstats_slice {		/* one task, difficulty or status */
	char *name;
	size_t n, completed, passed, failures;
	double mean_reward;		/* over completed; NAN when none */
};

struct evalstats_seed {	/* 32 bytes: one a seed, for the job's life */
	int64_t seed;
	double mean_reward;		/* over completed; NAN when none */
	uint32_t n, completed, passed;
	int16_t task, difficulty;	/* slice index, -1 for none (fewer
					   than EVALSTATS_MAX_NAMES) */
};

struct evalstats {
	double threshold;
	size_t n, completed, ok, pipeline, transport, passed;
	unsigned epochs;		/* the highest epoch */
	struct stats_ci reward;		/* over completed rollouts */
	double mean_reward_all;		/* NAN when n == 0 */
	double pass_rate;		/* passed / n; NAN when n == 0 */
	size_t max_k;			/* pass@k is defined for k <= max_k */
	struct evalstats_slice *statuses, *tasks, *difficulties;
	size_t n_statuses, n_tasks, n_difficulties;	/* statuses by count */
	struct evalstats_seed *seeds;	/* ascending */
	size_t n_seeds;
	size_t token_rollouts;		/* rollouts that said their tokens */
	int64_t tokens[3];		/* sums: prompt, completion, total */
};

void evalstats_compute(const struct evalstats_rollout *r, size_t n,
		       double threshold, struct evalstats *out);

/*
 * The same over rollouts read through src->at(src, i, &row) for i below
 * src->n, several times over (each row's names must stay valid
 * meanwhile): a caller with records of its own reads them where they are
 * instead of copying them (at 100 000 seeds the copy was 8 MB of
 * runeval's peak).  Memory: about 24 bytes a rollout while it computes.
 */
struct evalstats_src {
	size_t n;
	void (*at)(const struct evalstats_src *src, size_t i,
		   struct evalstats_rollout *row);
};

void evalstats_compute_src(const struct evalstats_src *src, double threshold,
			   struct evalstats *out);
void evalstats_release(struct evalstats *e);

/* Which slices a statistic is over. */
enum evalstats_by { EVALSTATS_ALL, EVALSTATS_TASK, EVALSTATS_DIFFICULTY };

/*
 * pass@k over the seeds of slice `index` of `by` (any index for
 * EVALSTATS_ALL); NAN when k is 0 or above the fewest attempts of those
 * seeds.  *max_k (may be NULL) gets that fewest.
 */
double evalstats_pass_at(const struct evalstats *e, size_t k,
			 enum evalstats_by by, int index, size_t *max_k);

/* The k of pass@k worth showing: 1..max_k up to 10, else 1, 2, 5, 10,
   20, 50, ... and max_k.  Returns how many (at most 24). */
size_t evalstats_ks(const struct evalstats *e, size_t ks[24]);

/* The index of name in a slice list, or -1. */
int evalstats_find(const struct evalstats_slice *v, size_t n,
		   const char *name);

/* s as a new JSON string, "(invalid UTF-8)" when it is none, null for
   NULL: for names that came from a task app. */
json_t *evalstats_json_str(const char *s);

/*
 * The outcome as a new JSON object (see docs/result-schema.md,
 * summary.eval); per_seed adds the per-seed means (epochs, repeats).
 */
json_t *evalstats_json(const struct evalstats *e, bool per_seed);

#endif
