/*
 * report_render: the renderings of a report, each into a caller's buffer.
 *
 * A view borrows everything it shows; renderers never fail (what they
 * write is built in memory, the caller writes it out).  A rendering that
 * grows with the rollouts (junit.xml, hyperfine.json, results.csv) hands
 * its buffer to the view's sink as it goes (report_flush), so that a job
 * of 100 000 seeds never holds a whole file in memory.  Times are in
 * milliseconds unless a format says otherwise (hyperfine, Prometheus and
 * JUnit use seconds).
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_RENDER_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report_compare.h"
#include "report_eval.h"
#include "report_gate.h"
#include "report_stats.h"
#include "rv_buf.h"

/* GitHub refuses a step summary over 1024 KiB: stay well below. */
#define REPORT_MD_MAX (1000u * 1000u)

/* Where a rendering goes as it is made (report_formats_write's file). */
struct report_sink {
	FILE *f;
	bool failed;		/* a write failed */
};

struct report_view {
	const struct report_set *set;
	const struct report_stats *st;
	const struct report_stats *base;	/* NULL without --baseline */
	const struct report_comparison *cmp;	/* NULL without --baseline */
	const struct report_evals *evals;	/* the eval, per identity */
	const struct report_pairs *pairs;	/* NULL without --baseline */
	const struct report_gate *gates;
	const struct report_gate_result *results;
	size_t n_gates;
	char generated_utc[32];	/* when the report was made */
	char timestamp[32];	/* when the benchmark ran (earliest job) */
	bool prom_strict;	/* metrics.prom without the *_ms gauges */
	double junit_fail_below;	/* a reward below fails its testcase;
					   NAN: none does */
	struct report_sink *sink;	/* or NULL: out keeps it all */
};

/* What out has gathered past REPORT_FLUSH_AT bytes goes to v's sink. */
#define REPORT_FLUSH_AT (64u * 1024u)

/*
 * Hand out's bytes to v's sink and empty out, once it holds
 * REPORT_FLUSH_AT bytes (always when all); without a sink, nothing.  A
 * renderer calls it only between whole elements, never where it means to
 * rewrite what it wrote before.
 */
void report_flush(const struct report_view *v, struct rv_buf *out, bool all);

/* Fill the two times of v (the rest is the caller's). */
void report_view_times(struct report_view *v);

/* summary.json: statistics, comparison block, baseline and gates. */
void report_render_summary(const struct report_view *v, struct rv_buf *out);

/* hyperfine-compatible JSON: one result per provider and phase. */
void report_render_hyperfine(const struct report_view *v,
			     struct rv_buf *out);

/* report.md, never longer than max bytes (rows cut with a note). */
void report_render_md(const struct report_view *v, size_t max,
		      struct rv_buf *out);

/* junit.xml: a testsuite per job, a testcase per rollout and phase span. */
void report_render_junit(const struct report_view *v, struct rv_buf *out);

/* metrics.prom: Prometheus text exposition format 0.0.4. */
void report_render_prom(const struct report_view *v, struct rv_buf *out);

/* waterfall.svg: sandboxes and rollouts on a time axis, p50/p95 charts. */
void report_render_svg(const struct report_view *v, struct rv_buf *out);

/* results.csv: a row per rollout, then per provider and phase. */
void report_render_csv(const struct report_view *v, struct rv_buf *out);

/* The plain-text table printed by `runeval report`. */
void report_render_table(const struct report_view *v, struct rv_buf *out);

#endif
