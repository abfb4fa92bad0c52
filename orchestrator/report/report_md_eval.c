/* report.md: the eval, first thing in the document (see report_md_int.h). */
#include "report_md_int.h"

#include "report_util.h"
#include "rv_alloc.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define MD_EVAL_ROWS 200	/* rows of a task table before a note */

/* A row of the two-column table: a label, then text already escaped. */
static void md_kv(struct md *m, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void md_kv(struct md *m, const char *label, const char *fmt, ...)
{
	va_list ap;

	rv_buf_reset(&m->row);
	rv_buf_addf(&m->row, "| %s | ", label);
	va_start(ap, fmt);
	rv_buf_vaddf(&m->row, fmt, ap);
	va_end(ap);
	rv_buf_adds(&m->row, " |");
	md_row(m);
}

/* s escaped for a cell, into a buffer of its own (freed by the caller). */
static char *md_esc(const char *s)
{
	struct rv_buf b = RV_BUF_INIT;

	report_md_esc(&b, s ? s : "-", MD_CELL_MAX);
	return rv_buf_detach(&b, NULL);
}

static void md_status(struct md *m, const struct evalstats *e)
{
	struct rv_buf b = RV_BUF_INIT;

	if (m->gate_failed)
		rv_buf_adds(&b, "🔴 **a gate failed**; ");
	if (e->pipeline)
		rv_buf_addf(&b, "❌ **%zu pipeline failure%s**; ", e->pipeline,
			    e->pipeline == 1 ? "" : "s");
	if (e->transport)
		rv_buf_addf(&b, "❌ **%zu rollout%s failed**; ", e->transport,
			    e->transport == 1 ? "" : "s");
	if (!b.len)
		rv_buf_adds(&b, "✅ every rollout ran; ");
	rv_buf_truncate(&b, b.len - 2);
	md_kv(m, "Status", "%s", b.data);
	rv_buf_release(&b);
}

/* "success 6, network_error 2" */
static void md_statuses(struct md *m, const struct evalstats *e)
{
	struct rv_buf b = RV_BUF_INIT;

	for (size_t i = 0; i < e->n_statuses; i++) {
		rv_buf_adds(&b, i ? ", " : "");
		report_md_esc(&b, e->statuses[i].name, 64);
		rv_buf_addf(&b, " %zu", e->statuses[i].n);
	}
	md_kv(m, "Statuses", "%s", b.data);
	rv_buf_release(&b);
}

static void md_pass_at(struct md *m, const struct evalstats *e)
{
	size_t ks[24], n = evalstats_ks(e, ks);
	struct rv_buf b = RV_BUF_INIT;
	char p[32];

	for (size_t i = 0; i < n; i++)
		rv_buf_addf(&b, "%spass@%zu %s", i ? ", " : "", ks[i],
			    md_pct(evalstats_pass_at(e, ks[i], EVALSTATS_ALL, 0,
						     NULL), p));
	if (n)
		md_kv(m, "pass@k", "%s (unbiased estimator over %zu seeds, %zu "
		      "attempt%s each at least)", b.data, e->n_seeds, e->max_k,
		      e->max_k == 1 ? "" : "s");
	rv_buf_release(&b);
}

static void md_reward(struct md *m, const struct evalstats *e)
{
	const struct stats_ci *c = &e->reward;

	if (!e->completed)
		md_kv(m, "Mean reward", "- (no rollout answered with a reward)");
	else if (e->completed < 2)
		md_kv(m, "Mean reward", "**%.4g** (one rollout)", c->mean);
	else
		md_kv(m, "Mean reward", "**%.4g** ± %.3g (95%% CI %.4g to %.4g, "
		      "n = %zu)", c->mean, c->se, c->lo, c->hi, e->completed);
	if (e->completed < e->n)
		md_kv(m, "Mean reward, all rollouts", "%.4g (a rollout without "
		      "a reward counts as 0)", e->mean_reward_all);
}

static void md_identity(struct md *m, const struct report_view *v,
			const struct report_eval_group *g)
{
	char *app = md_esc(g->app), *ver = g->app_version ?
		md_esc(g->app_version) : NULL, *pol = md_esc(g->policy);
	char *model = md_esc(g->model), *prov = md_esc(g->provider);
	struct rv_buf jobs = RV_BUF_INIT;

	for (size_t i = 0; i < g->n_jobs && i < 10; i++) {
		rv_buf_adds(&jobs, i ? ", " : "");
		report_md_esc(&jobs, v->set->jobs[g->jobs[i]].name, MD_CELL_MAX);
	}
	if (g->n_jobs > 10)
		rv_buf_addf(&jobs, " and %zu more", g->n_jobs - 10);
	md_kv(m, "App", "%s%s%s", app, ver ? " " : "", ver ? ver : "");
	md_kv(m, "Policy", "%s", pol);
	md_kv(m, "Model", "%s", model);
	md_kv(m, "Provider", "%s", prov);
	md_kv(m, g->n_jobs == 1 ? "Job" : "Jobs", "%s", jobs.data);
	rv_buf_release(&jobs);
	free(app);
	free(ver);
	free(pol);
	free(model);
	free(prov);
}

static void md_slices(struct md *m, const struct evalstats *e,
		      const struct evalstats_slice *s, size_t n,
		      enum evalstats_by by, const char *what)
{
	char a[32], b[32];

	if (!n)
		return;
	md_text(m, "| %s | Rollouts | Mean reward | Pass rate | pass@%zu | Failures |\n"
		   "| --- | ---: | ---: | ---: | ---: | ---: |\n",
		   what, e->max_k ? e->max_k : 1);
	for (size_t i = 0; i < n && i < MD_EVAL_ROWS; i++) {
		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, s[i].name);
		md_cell(m, "%zu | ", s[i].n);
		md_cell(m, isfinite(s[i].mean_reward) ? "%.4g | " : "- | ",
			s[i].mean_reward);
		md_cell(m, "%s | %s | %zu |", md_pct((double)s[i].passed /
			(double)s[i].n, a), md_pct(evalstats_pass_at(e, e->max_k,
			by, (int)i, NULL), b), s[i].failures);
		md_row(m);
	}
	md_end_table(m, "rows");
	if (n > MD_EVAL_ROWS)
		md_text(m, "_%zu more in summary.json._\n\n", n - MD_EVAL_ROWS);
}

/* "3, 7, 12 (and 4 more)" */
static void md_seeds(struct rv_buf *b, const int64_t *v, size_t shown,
		     size_t n)
{
	for (size_t i = 0; i < shown; i++)
		rv_buf_addf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
	if (n > shown)
		rv_buf_addf(b, " (and %zu more)", n - shown);
}

static void md_pair(struct md *m, const struct report_pair *p)
{
	struct rv_buf s = RV_BUF_INIT;
	char x[32], y[32];

	md_text(m, "**Against the baseline**, seed by seed over the %zu seed%s both ran (each seed's mean over its epochs; it passes at a mean >= its threshold):\n\n"
		   "| | Baseline | Candidate | Change |\n| --- | ---: | ---: | ---: |\n",
		   p->n, p->n == 1 ? "" : "s");
	if (!p->n) {
		md_text(m, "| Seeds in both | 0 | | no seed to compare |\n\n");
		return;
	}
	rv_buf_addf(&m->row, "| Mean reward (paired seeds) | %.4g | %.4g | ",
		    p->base_mean, p->cand_mean);
	if (p->n > 1)
		md_cell(m, "%+.4g (95%% CI %+.4g to %+.4g) |", p->diff.mean,
			p->diff.lo, p->diff.hi);
	else
		md_cell(m, "%+.4g |", p->diff.mean);
	md_row(m);
	md_cell(m, "| Pass rate (paired seeds) | %s | %s | %+.1f points |",
		md_pct(p->base_pass_rate, x), md_pct(p->cand_pass_rate, y),
		100 * (p->cand_pass_rate - p->base_pass_rate));
	md_row(m);
	if (isnan(p->wilcoxon.p))
		md_cell(m, "| Wilcoxon signed-rank (rewards) | | | no seed "
			"changed |");
	else
		md_cell(m, "| Wilcoxon signed-rank (rewards) | | | p = %.4g "
			"(W+ %g, W- %g, n = %zu, %s) |", p->wilcoxon.p,
			p->wilcoxon.w_plus, p->wilcoxon.w_minus, p->wilcoxon.n,
			p->wilcoxon.exact ? "exact" : "normal approximation");
	md_row(m);
	md_cell(m, "| McNemar (pass/fail) | | | p = %.4g (%zu fixed, %zu broke) |",
		p->mcnemar.p, p->n_fixed, p->n_broke);
	md_row(m);
	md_end_table(m, "rows");
	if (p->n_broke) {
		md_seeds(&s, p->broke, p->n_broke < REPORT_FLIPS_MAX ?
			 p->n_broke : REPORT_FLIPS_MAX, p->n_broke);
		md_text(m, "- Broke (passed in the baseline, not now): seeds %s.\n",
			s.data);
		rv_buf_reset(&s);
	}
	if (p->n_fixed) {
		md_seeds(&s, p->fixed, p->n_fixed < REPORT_FLIPS_MAX ?
			 p->n_fixed : REPORT_FLIPS_MAX, p->n_fixed);
		md_text(m, "- Fixed (failed in the baseline, passes now): seeds %s.\n",
			s.data);
	}
	if (p->n_broke || p->n_fixed)
		md_text(m, "\n");
	rv_buf_release(&s);
}

static void md_group(struct md *m, const struct report_view *v,
		     const struct report_eval_group *g, bool heading)
{
	const struct evalstats *e = &g->st;
	const struct report_pair *p = report_pair_of(v->pairs, g);

	if (heading) {
		char *name = md_esc(g->name), *id = md_esc(g->identity);

		if (g->n_jobs == 1)
			md_text(m, "### %s: %s\n\n", name, id);
		else
			md_text(m, "### %s\n\n", id);
		free(name);
		free(id);
	}
	md_text(m, "| | |\n| --- | --- |\n");
	md_status(m, e);
	md_identity(m, v, g);
	md_kv(m, "Rollouts", "%zu: %zu seed%s × %u epoch%s; %zu ok, %zu pipeline failure%s, %zu failed",
	      e->n, e->n_seeds, e->n_seeds == 1 ? "" : "s", e->epochs,
	      e->epochs == 1 ? "" : "s", e->ok, e->pipeline,
	      e->pipeline == 1 ? "" : "s", e->transport);
	md_reward(m, e);
	md_kv(m, "Pass rate", "**%.1f%%** (%zu of %zu with reward >= %g)",
	      e->n ? 100 * e->pass_rate : 0, e->passed, e->n, e->threshold);
	md_pass_at(m, e);
	md_statuses(m, e);
	if (e->token_rollouts)
		md_kv(m, "Tokens", "%lld (prompt %lld, completion %lld) from %zu rollouts",
		      (long long)e->tokens[2], (long long)e->tokens[0],
		      (long long)e->tokens[1], e->token_rollouts);
	md_end_table(m, "rows");
	md_slices(m, e, e->tasks, e->n_tasks, EVALSTATS_TASK, "Task");
	md_slices(m, e, e->difficulties, e->n_difficulties,
		  EVALSTATS_DIFFICULTY, "Difficulty");
	if (p)
		md_pair(m, p);
}

void md_eval(struct md *m, const struct report_view *v)
{
	const struct report_evals *e = v->evals;

	if (!e || !e->n)
		return;
	md_text(m, "## Eval\n\n");
	for (size_t i = 0; i < e->n; i++)
		md_group(m, v, &e->groups[i], e->n > 1);
	for (size_t i = 0; v->pairs && i < v->pairs->n_unpaired; i++) {
		char *id = md_esc(v->pairs->unpaired[i]);

		md_text(m, "- No baseline of the same identity for %s.\n\n", id);
		free(id);
	}
}
