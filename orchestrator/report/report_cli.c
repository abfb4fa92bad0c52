/* `runeval report` and the renderings of one job. */
#include "report.h"

#include "report_format.h"
#include "report_opts.h"
#include "report_render.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"
#include "rv_term.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A result.json of a job read before (the same file twice, or a copy of
 * its directory: the job's id says so) is counted once: the last job
 * read goes again, with a warning.
 */
static void report_drop_again(struct report_set *set)
{
	const struct report_job *last = &set->jobs[set->n_jobs - 1];

	if (last->kind != REPORT_KIND_RESULT)
		return;
	for (size_t i = 0; i + 1 < set->n_jobs; i++) {
		const struct report_job *j = &set->jobs[i];

		if (j->kind != REPORT_KIND_RESULT || strcmp(j->name, last->name))
			continue;
		rv_warn("report: '%s' is job %s again (read from '%s'): "
			"counted once", last->source, last->name, j->source);
		report_set_drop_last(set);
		return;
	}
}

static enum rv_code load_all(struct report_set *set, char **paths, size_t n,
			     struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	report_set_init(set);
	for (size_t i = 0; i < n && rc == RV_OK; i++) {
		rc = report_set_load(set, paths[i], err);
		if (rc == RV_OK)
			report_drop_again(set);
	}
	if (rc == RV_OK && set->n_samples == 0)
		rc = rv_errf(err, RV_ERR_PROTO, "no samples in %s",
			     n == 1 ? "the input" : "the inputs");
	if (rc == RV_OK)	/* jobs of other identities stay apart */
		report_eval_relabel(set);
	return rc;
}

/* Everything one report holds; released by report_ctx_release(). */
struct report_ctx {
	struct report_set cand, base;
	struct report_stats st, bst;
	struct report_comparison cmp;
	struct report_evals evals, base_evals;
	struct report_pairs pairs;
	struct report_gate *gates;
	struct report_gate_result *results;
	size_t n_gates;
	bool has_base;
	struct report_view view;
};

static void report_ctx_release(struct report_ctx *c)
{
	for (size_t i = 0; i < c->n_gates; i++) {
		report_gate_release(&c->gates[i]);
		report_gate_result_release(&c->results[i]);
	}
	free(c->gates);
	free(c->results);
	if (c->has_base) {
		report_comparison_release(&c->cmp);
		report_stats_release(&c->bst);
		report_pairs_release(&c->pairs);
		report_evals_release(&c->base_evals);
	}
	report_evals_release(&c->evals);
	report_stats_release(&c->st);
	report_set_release(&c->cand);
	report_set_release(&c->base);
}

/* Statistics, comparison and the view, once the sets are loaded. */
static void report_ctx_compute(struct report_ctx *c, size_t window,
			       double threshold)
{
	report_stats_compute(&c->st, &c->cand, window);
	report_evals_compute(&c->evals, &c->cand, threshold);
	if (c->has_base) {
		report_stats_compute(&c->bst, &c->base, window);
		report_compare(&c->st, &c->bst, &c->cmp);
		report_evals_compute(&c->base_evals, &c->base, threshold);
		report_pairs_compute(&c->pairs, &c->evals, &c->base_evals);
	}
	c->view.set = &c->cand;
	c->view.st = &c->st;
	c->view.base = c->has_base ? &c->bst : NULL;
	c->view.cmp = c->has_base ? &c->cmp : NULL;
	c->view.evals = &c->evals;
	c->view.pairs = c->has_base ? &c->pairs : NULL;
	report_view_times(&c->view);
}

static enum rv_code report_ctx_gates(struct report_ctx *c,
				     const struct report_opts *o,
				     bool evaluate, struct rv_err *err)
{
	struct report_gate_ctx g = {
		.cand = &c->st, .base = c->view.base, .evals = &c->evals,
		.base_evals = c->has_base ? &c->base_evals : NULL,
		.pairs = c->view.pairs, .allow_few = o->allow_few,
	};
	enum rv_code rc = RV_OK;

	if (!evaluate) {
		c->gates = rv_xcalloc(o->n_gates + 1, sizeof(*c->gates));
		c->results = rv_xcalloc(o->n_gates + 1, sizeof(*c->results));
		for (; c->n_gates < o->n_gates && rc == RV_OK; c->n_gates++)
			rc = report_gate_parse(o->gates[c->n_gates],
					       &c->gates[c->n_gates], err);
		return rc;
	}
	for (size_t i = 0; i < c->n_gates && rc == RV_OK; i++)
		rc = report_gate_eval(&c->gates[i], &g, &c->results[i], err);
	c->view.gates = c->gates;
	c->view.results = c->results;
	c->view.n_gates = c->n_gates;
	return rc;
}

enum rv_code report_write_set(struct report_set *set, const char *outdir,
			      const struct report_job_opts *o,
			      struct rv_err *err)
{
	struct report_ctx c;
	enum rv_code rc;

	memset(&c, 0, sizeof(c));
	c.view.junit_fail_below = o ? o->junit_fail_below : NAN;
	c.view.prom_strict = o && o->prom_strict;
	c.cand = *set;		/* taken: set is left empty */
	report_set_init(set);
	report_set_init(&c.base);
	report_ctx_compute(&c, 0, NAN);
	rc = report_formats_write(&c.view, NULL, outdir,
				  !(o && o->no_step_summary), err);
	report_ctx_release(&c);
	return rc;
}

enum rv_code report_write_job(const char *result_path, const char *outdir,
			      const struct report_job_opts *o,
			      struct rv_err *err)
{
	struct report_set set;
	enum rv_code rc;

	report_set_init(&set);
	rc = report_set_load(&set, result_path, err);
	if (rc == RV_OK)
		return report_write_set(&set, outdir, o, err);
	report_set_release(&set);
	return rc;
}

/*
 * The table (or the gates) on stdout: names and errors come from the
 * inputs, so no control character but the line ends reaches the terminal.
 */
static void report_print(const struct rv_buf *b, FILE *f)
{
	struct rv_buf safe = RV_BUF_INIT;

	rv_term_escape(&safe, b->data, b->len, true);
	fwrite(safe.data, 1, safe.len, f);
	fflush(f);
	rv_buf_release(&safe);
}

/* Wall and CPU clocks, for --timings. */
struct report_clock {
	uint64_t wall, cpu;
};

static void report_clock_now(struct report_clock *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	c->cpu = (uint64_t)ts.tv_sec * RV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
	c->wall = rv_now_ns();
}

/* "<what> in W s (cpu C s)" to stderr, and restart the clock. */
static void report_lap(const struct report_opts *o, struct report_clock *c,
		       const char *what)
{
	struct report_clock now;

	if (!o->timings)
		return;
	report_clock_now(&now);
	fprintf(stderr, "runeval report: %s in %.3f s (cpu %.3f s)\n", what,
		(double)(now.wall - c->wall) / 1e9,
		(double)(now.cpu - c->cpu) / 1e9);
	*c = now;
}

/* Load, compute, gate, print, write: the exit code. */
static int report_run(const struct report_opts *o, struct rv_err *err)
{
	struct report_ctx c;
	struct rv_buf b = RV_BUF_INIT;
	struct report_clock clock;
	enum rv_code rc;
	size_t failed = 0;
	int code = 2;

	report_clock_now(&clock);
	memset(&c, 0, sizeof(c));
	c.has_base = o->has_baseline;
	c.view.junit_fail_below = o->junit_fail_below;
	for (size_t i = 0; i < report_n_formats; i++)
		if (o->switches[i])
			report_formats[i].switch_set(&c.view);
	report_set_init(&c.base);
	rc = report_ctx_gates(&c, o, false, err);
	if (rc == RV_OK)
		rc = load_all(&c.cand, o->inputs, o->n_inputs, err);
	if (rc == RV_OK && c.has_base)
		rc = load_all(&c.base, o->baseline, o->n_baseline, err);
	if (rc != RV_OK)
		goto out;
	report_lap(o, &clock, "read the inputs");
	report_ctx_compute(&c, o->window, o->pass_threshold);
	if ((rc = report_ctx_gates(&c, o, true, err)) != RV_OK)
		goto out;
	report_lap(o, &clock, "computed the statistics");
	if (!o->quiet) {
		report_render_table(&c.view, &b);
	} else {
		for (size_t i = 0; i < c.n_gates; i++)
			report_gate_describe(&c.gates[i], &c.results[i], &b);
	}
	/* stdout holds a format given '-' alone */
	report_print(&b, report_opts_stdout(o) ? stderr : stdout);
	rc = report_formats_write(&c.view, o->paths, o->out_dir,
				  o->step_summary, err);
	if (rc != RV_OK)
		goto out;
	report_lap(o, &clock, "printed and wrote the report");
	for (size_t i = 0; i < c.n_gates; i++)
		failed += !c.results[i].pass;
	if (failed)
		fprintf(stderr, "runeval report: %zu of %zu gate%s failed\n",
			failed, c.n_gates, c.n_gates == 1 ? "" : "s");
	code = failed ? 1 : 0;
out:
	rv_buf_release(&b);
	report_ctx_release(&c);
	return code;
}

int report_main(int argc, char **argv)
{
	struct report_opts o;
	struct rv_err err = RV_ERR_INIT;
	struct rv_buf help = RV_BUF_INIT;
	int code;

	if (report_opts_parse(&o, argc, argv, &err) != RV_OK) {
		rv_term_printf(stderr, "runeval report: %s (see runeval "
			       "report --help)\n", err.msg);
		code = 2;
	} else if (o.help) {
		report_usage(&help);
		fwrite(help.data, 1, help.len, stdout);
		code = 0;
	} else {
		code = report_run(&o, &err);
		if (code == 2)
			rv_term_printf(stderr, "runeval report: %s\n",
				       err.msg);
	}
	rv_buf_release(&help);
	report_opts_release(&o);
	return code;
}
