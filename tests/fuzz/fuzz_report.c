/*
 * fuzz_report: an input of `runeval report` (orchestrator/report/report_load.c
 * and the readers behind it: report_lines.c for JSON-lines spans,
 * report_result.c for result.json and hyperfine exports, report_jscan.c
 * under all of them), loaded as report_set_load() loads a file; then
 * its statistics and every rendering of it, alone and against itself as
 * the baseline, as `runeval report` makes them.
 */
#include "fuzz.h"

#include "report_eval.h"
#include "report_render.h"
#include "report_set.h"

#include <math.h>
#include <stdbool.h>

/* What the statistics and renderers rely on in a loaded set. */
static void fuzz_check_set(const struct report_set *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n_samples; i++) {
		const struct report_sample *s = &set->samples[i];

		FUZZ_CHECK(isfinite(s->ms) && s->ms >= 0);
		FUZZ_CHECK(isnan(s->start_ms) || isfinite(s->start_ms));
		FUZZ_CHECK(s->provider < set->strings.n &&
			   s->phase < set->strings.n &&
			   s->sandbox < set->strings.n &&
			   s->error < set->strings.n);
	}
	for (size_t j = 0; j < set->n_jobs; j++) {
		const struct report_job *job = &set->jobs[j];

		FUZZ_CHECK(job->first_sample == n);
		n += job->n_samples;
		FUZZ_CHECK(isnan(job->epoch_ms) || isfinite(job->epoch_ms));
		for (size_t k = 0; k < job->n_rollouts; k++) {
			const struct report_rollout *r = &job->rollouts[k];

			FUZZ_CHECK(isnan(r->ms) || (isfinite(r->ms) &&
						    r->ms >= 0));
			FUZZ_CHECK(r->sandbox < set->strings.n &&
				   r->error < set->strings.n &&
				   r->status < set->strings.n &&
				   r->task < set->strings.n &&
				   r->difficulty < set->strings.n &&
				   r->detail < set->strings.n);
			FUZZ_CHECK(r->cls <= EVALSTATS_TRANSPORT && r->epoch >= 1);
		}
	}
	FUZZ_CHECK(n == set->n_samples);
}

/* The eval of a loaded set: every number finite or undefined. */
static void fuzz_check_eval(const struct report_set *set)
{
	struct report_evals e;

	report_evals_compute(&e, set, NAN);
	for (size_t i = 0; i < e.n; i++) {
		const struct evalstats *st = &e.groups[i].st;

		FUZZ_CHECK(st->n == st->ok + st->pipeline + st->transport);
		FUZZ_CHECK(isnan(st->pass_rate) ||
			   (st->pass_rate >= 0 && st->pass_rate <= 1));
		FUZZ_CHECK(st->n_tasks <= EVALSTATS_MAX_NAMES &&
			   st->n_statuses <= EVALSTATS_MAX_NAMES);
		json_decref(evalstats_json(st, true));
	}
	report_evals_release(&e);
}

/* Every rendering of v; none may crash or leave its buffer unterminated. */
static void fuzz_render_all(const struct report_view *v)
{
	void (*const render[])(const struct report_view *, struct rv_buf *) = {
		report_render_summary, report_render_hyperfine,
		report_render_junit, report_render_prom, report_render_svg,
		report_render_csv, report_render_table,
	};
	struct rv_buf out = RV_BUF_INIT;

	for (size_t i = 0; i < sizeof(render) / sizeof(render[0]); i++) {
		render[i](v, &out);
		FUZZ_CHECK(strlen(out.data) <= out.len);
		rv_buf_truncate(&out, 0);
	}
	report_render_md(v, REPORT_MD_MAX, &out);
	FUZZ_CHECK(out.len <= REPORT_MD_MAX + 4096);
	rv_buf_release(&out);
}

static void fuzz_render(const struct report_set *set)
{
	struct report_stats st, bst;
	struct report_evals ev, bev;
	struct report_comparison cmp;
	struct report_pairs pairs;
	struct report_view v = { .set = set, .st = &st, .evals = &ev,
				 .junit_fail_below = 0.5 };

	report_stats_compute(&st, set, 0);
	report_evals_compute(&ev, set, 0.5);
	report_view_times(&v);
	fuzz_render_all(&v);
	report_stats_compute(&bst, set, 3);	/* a window, as --window 3 */
	report_evals_compute(&bev, set, 0.5);
	report_compare(&st, &bst, &cmp);
	report_pairs_compute(&pairs, &ev, &bev);
	v.base = &bst;
	v.cmp = &cmp;
	v.pairs = &pairs;
	fuzz_render_all(&v);
	report_pairs_release(&pairs);
	report_comparison_release(&cmp);
	report_evals_release(&bev);
	report_evals_release(&ev);
	report_stats_release(&bst);
	report_stats_release(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;
	enum rv_code rc;

	report_set_init(&set);
	rc = report_set_load_buf(&set, "fuzz.json", (const char *)data, size,
				 &err);
	if (rc == RV_OK) {
		fuzz_check_set(&set);
		fuzz_check_eval(&set);
		fuzz_render(&set);
	}
	else	/* a one-line message that names the input */
		FUZZ_CHECK(rc == RV_ERR_PROTO && strstr(err.msg, "fuzz.json") &&
			   !strchr(err.msg, '\n'));
	report_set_release(&set);
	return 0;
}
