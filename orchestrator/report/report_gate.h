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
 * gate.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_GATE_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_GATE_H

#include <jansson.h>
#include <stdbool.h>

#include "report_stats.h"
#include "rv_err.h"

struct rv_buf;

enum gate_stat {
	GATE_QUANTILE, GATE_MIN, GATE_MAX, GATE_MEAN, GATE_STDDEV, GATE_MAD,
	GATE_SUCCESS_RATE, GATE_N, GATE_OK, GATE_FAILURES,
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
};

/* One provider's check. */
struct report_gate_check {
	char *provider;
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

/* Evaluate g on cand (and base for regress; NULL when none). */
enum rv_code report_gate_eval(const struct report_gate *g,
			      const struct report_stats *cand,
			      const struct report_stats *base,
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

#endif
