/*
 * report_gate: the gates of `runeval report --gate EXPR`.
 *
 *   gate   := metric op value
 *   metric := stat [ "(" phase [ "," provider ] ")" ] [ "regress" ]
 *   stat   := p50 | p90 | p95 | p99 | pNN (0 < NN < 100) | median | min
 *             | max | mean | stddev | mad | success_rate | n | ok | failures
 *   op     := < | <= | > | >= | ==
 *   value  := number [ ms | s ]    time statistics (no unit: ms)
 *           | number [ % ]         success_rate: 0.95 or 95%
 *           | integer              n, ok, failures
 *           | number [ % ]         with regress: the change against the
 *                                  baseline in percent
 *
 * Time statistics need a phase; success_rate, n, ok and failures without
 * one count every phase.  A gate holds when it holds for every provider
 * that has samples of the phase (or only for the named provider).
 * "regress" compares with --baseline: for times and failures the change is
 * (candidate - baseline) / baseline, for success_rate it is the drop
 * (baseline - candidate) / baseline, in percent.
 *
 * A gate that cannot be evaluated (unknown phase or provider, regress
 * without a baseline, no provider in both) is bad input (RV_ERR_USAGE),
 * not a failed gate.  A group without successful samples fails a time
 * gate.  A time gate with regress on a phase with fewer than REPORT_MIN_N
 * successful samples on a side is refused as bad input (one sample
 * cannot tell a change from noise) unless allow_few.
 *
 * Eval gates (report_eval.h) are over the outcome of each job identity:
 *
 *   eval   := estat [ "(" ("task" | "difficulty") "=" (NAME | "*") ")" ]
 *             [ "regress" ] op value
 *           | "count(" STATUS ")" op integer
 *   estat  := mean_reward | mean_reward_all | pass_rate | pass@K
 *   value  := a reward (mean_reward), a rate as 0.9 or 90% (pass_rate,
 *             pass@K); with regress the absolute drop, baseline minus
 *             candidate, in the same unit
 *
 * They hold when they hold for every identity (and with "*" every task
 * or difficulty of it).  pass@K needs K attempts of every seed (--epochs);
 * regress compares each identity with its baseline (report_pairs), task
 * by task when one is named.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_GATE_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_GATE_H

#include <jansson.h>
#include <stdbool.h>

#include "report_eval.h"
#include "report_stats.h"
#include "rv_err.h"

struct rv_buf;

enum gate_stat {
	GATE_QUANTILE, GATE_MIN, GATE_MAX, GATE_MEAN, GATE_STDDEV, GATE_MAD,
	GATE_SUCCESS_RATE, GATE_N, GATE_OK, GATE_FAILURES,
	/* eval gates */
	GATE_MEAN_REWARD, GATE_MEAN_REWARD_ALL, GATE_PASS_RATE, GATE_PASS_AT,
	GATE_COUNT,
};

enum gate_op { GATE_LT, GATE_LE, GATE_GT, GATE_GE, GATE_EQ };

struct report_gate {
	char *text;		/* as given */
	enum gate_stat stat;
	double q;		/* for GATE_QUANTILE, 0..1 */
	char *phase;		/* NULL: every phase (counts and rates) */
	char *provider;		/* NULL: every provider */
	bool regress;
	enum gate_op op;
	double limit;		/* ms, a fraction, a count, or percent */
	/* eval gates */
	size_t k;		/* GATE_PASS_AT */
	char *status;		/* GATE_COUNT */
	enum evalstats_by by;	/* every rollout, a task, a difficulty */
	char *slice;		/* its name, "*" for each; NULL for all */
};

/* Is s an eval statistic (the outcome of rollouts)? */
static inline bool report_gate_is_eval(enum gate_stat s)
{
	return s >= GATE_MEAN_REWARD;
}

/* What a gate is evaluated on. */
struct report_gate_ctx {
	const struct report_stats *cand, *base;	/* base NULL: none */
	const struct report_evals *evals, *base_evals;
	const struct report_pairs *pairs;
	bool allow_few;		/* --allow-few-samples */
};

/* One provider's (or identity's, task's) check. */
struct report_gate_check {
	char *provider;		/* what was checked: provider, or identity */
	double value;		/* the statistic, or the change in percent */
	double base, cand;	/* with regress: the two statistics */
	bool pass;
	char *note;		/* why it could not pass, or NULL */
};

struct report_gate_result {
	bool pass;
	struct report_gate_check *checks;
	size_t n;
};

/* Parse text into g (released with report_gate_release). */
enum rv_code report_gate_parse(const char *text, struct report_gate *g,
			       struct rv_err *err);
void report_gate_release(struct report_gate *g);

/* Evaluate g on c (its baseline for regress). */
enum rv_code report_gate_eval(const struct report_gate *g,
			      const struct report_gate_ctx *c,
			      struct report_gate_result *out,
			      struct rv_err *err);
void report_gate_result_release(struct report_gate_result *r);

/*
 * One line for people: "ok   p95(provision) < 30s: docker 1.20 s" or
 * "FAIL p95(provision) < 30s: daytona 35.2 s is 5.20 s (17.3%) over",
 * appended to b.
 */
void report_gate_describe(const struct report_gate *g,
			  const struct report_gate_result *r,
			  struct rv_buf *b);

/* Only the checks: "daytona 35.2 s is ...; docker 1.20 s". */
void report_gate_details(const struct report_gate *g,
			 const struct report_gate_result *r,
			 struct rv_buf *b);

/* The gate and its result as a new JSON object. */
json_t *report_gate_json(const struct report_gate *g,
			 const struct report_gate_result *r);

/* For report_gate.c and report_gate_eval.c: s[0..n) without the spaces
   around it (malloc'ed), NULL when nothing is left. */
char *report_gate_trimmed(const char *s, size_t n);

/* For report_gate.c: the eval gates (report_gate_eval.c). */
const char *report_gate_parse_eval(const char **p, struct report_gate *g);
enum rv_code report_gate_eval_outcome(const struct report_gate *g,
				      const struct report_gate_ctx *c,
				      struct report_gate_result *out,
				      struct rv_err *err);
/* Add a check: label, value (and base, cand with regress). */
void report_gate_add(const struct report_gate *g, struct report_gate_result *out,
		     const char *label, double value, double base, double cand,
		     const char *note);

#endif
