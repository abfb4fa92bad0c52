/* The plain-text report printed by `runeval report`. */
#include "report_render.h"

#include "report_compare.h"
#include "report_util.h"
#include "rv_alloc.h"
#include "rv_term.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_NAME_MAX 28

/* A table of cells, printed with aligned columns. */
struct table {
	char **cells;
	size_t n, cols;
	size_t name_cols;	/* the first ones are names (table_name) */
};

/* A cell: names come from the inputs, so one line, nothing to obey. */
static void table_add(struct table *t, const char *s)
{
	t->cells = rv_xreallocarray(t->cells, t->n + 1, sizeof(*t->cells));
	t->cells[t->n++] = rv_term_safe(s);
}

/* A name: kept as it is, then cut to TABLE_NAME_MAX (unless that would
   make two names alike: table_name_width) and escaped when printed. */
static void table_name(struct table *t, const char *s)
{
	size_t col = t->n % t->cols;

	if (col >= t->name_cols)
		t->name_cols = col + 1;
	t->cells = rv_xreallocarray(t->cells, t->n + 1, sizeof(*t->cells));
	t->cells[t->n++] = rv_xstrdup(s);
}

static int table_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * How wide column c's names are printed: TABLE_NAME_MAX, or wider where
 * two different names would read alike once cut ("process
 * (app=minibench: s..." for two jobs whose policies differ): those are
 * printed whole.  Growing only ever keeps names apart that were.
 *
 * The names sorted, only neighbours need comparing: names that share a
 * prefix are next to each other, and a pair apart shares it with the
 * names between (every pair once took a report of 32 000 providers
 * 4.6 s).  One pass: a wider width only makes a pair less alike.
 */
static size_t table_name_width(const struct table *t, size_t c)
{
	size_t w = TABLE_NAME_MAX, n = 0;
	const char **v = rv_xcalloc(t->n / t->cols + 1, sizeof(*v));

	for (size_t i = c; i < t->n; i += t->cols)
		v[n++] = t->cells[i];
	qsort(v, n, sizeof(*v), table_cmp_str);
	for (size_t i = 1; i < n; i++) {
		size_t la = strlen(v[i - 1]), lb = strlen(v[i]);

		if ((la > w || lb > w) && strcmp(v[i - 1], v[i]) &&
		    !strncmp(v[i - 1], v[i], w - 3))
			w = la > lb ? la : lb;
	}
	free(v);
	return w;
}

static void table_print(struct table *t, struct rv_buf *out)
{
	size_t *w = rv_xcalloc(t->cols, sizeof(*w));

	for (size_t c = 0; c < t->name_cols && c < t->cols; c++) {
		size_t max = table_name_width(t, c);

		for (size_t i = c; i < t->n; i += t->cols) {
			char *s = t->cells[i];
			size_t k = max - 3;

			if (strlen(s) > max) {	/* at a character's start */
				while (k && ((unsigned char)s[k] & 0xc0) ==
				       0x80)
					k--;
				s = rv_xasprintf("%.*s...", (int)k, s);
			} else {
				s = rv_xstrdup(s);
			}
			free(t->cells[i]);
			t->cells[i] = rv_term_safe(s);	/* one line */
			free(s);
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t len = strlen(t->cells[i]);

		if (len > w[i % t->cols])
			w[i % t->cols] = len;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->cols;
		bool last = c + 1 == t->cols;

		/* names left-aligned, numbers right-aligned */
		if (c < 2)
			rv_buf_addf(out, "%-*s", last ? 0 : (int)w[c], t->cells[i]);
		else
			rv_buf_addf(out, "%*s", (int)w[c], t->cells[i]);
		rv_buf_adds(out, last ? "\n" : "  ");
		free(t->cells[i]);
	}
	free(t->cells);
	free(w);
	t->cells = NULL;
	t->n = 0;
}

static void table_stats(const struct report_view *v, struct rv_buf *out)
{
	static const char *const head[] = {
		"PROVIDER", "PHASE", "N", "OK", "SUCCESS", "MIN", "P50", "P90",
		"P95", "P99", "MAX", "MEAN", "STDDEV", "MAD",
	};
	struct table t = { .cols = sizeof(head) / sizeof(*head) };
	char b[48];

	for (size_t i = 0; i < t.cols; i++)
		table_add(&t, head[i]);
	for (size_t g = 0; g < v->st->n_groups; g++) {
		const struct report_group *gr = &v->st->groups[g];
		const struct stats_summary *s = &gr->st;
		const double tm[] = { s->min, s->p50, s->p90, s->p95, s->p99,
				      s->max, s->mean, s->stddev, s->mad };

		table_name(&t, report_str(v->set, gr->provider));
		table_name(&t, report_str(v->set, gr->phase));
		snprintf(b, sizeof(b), "%zu", s->n);
		table_add(&t, b);
		snprintf(b, sizeof(b), "%zu", s->ok);
		table_add(&t, b);
		table_add(&t, report_fmt_pct(s->success_rate, b, sizeof(b)));
		for (size_t k = 0; k < sizeof(tm) / sizeof(*tm); k++)
			table_add(&t, report_fmt_ms(tm[k], b, sizeof(b)));
	}
	table_print(&t, out);
}

/*
 * Each sandboxed provider's overhead factor against local, one line a
 * provider: "overhead against local (p50 / local p50): bwrap: rollout
 * 1.01x, start 11.6x, ..." (report.md's table, on the terminal).
 */
static void table_overhead(const struct report_view *v, struct rv_buf *out)
{
	struct report_overhead oh;

	report_overhead(v->st, &oh);
	for (size_t i = 0; i < oh.n; i++) {
		const struct report_overhead_row *r = &oh.rows[i];
		bool first = !i || strcmp(oh.rows[i - 1].provider, r->provider);

		if (first)
			rv_buf_addf(out, "%soverhead against local (p50 / local "
				    "p50): %s:", i ? "\n" : "", r->provider);
		rv_buf_addf(out, "%s %s ", first ? "" : ",", r->phase);
		if (isfinite(r->factor))
			rv_buf_addf(out, "%.2fx", r->factor);
		else
			rv_buf_adds(out, "-");
	}
	if (oh.n)
		rv_buf_addch(out, '\n');
	report_overhead_release(&oh);
}

/* A provider's name on one line: its text is the input's, and a line
   end in it would forge the lines after it (the printer keeps them). */
static const char *table_one_line(const struct report_view *v, uint32_t id,
				  struct rv_buf *tmp)
{
	const char *s = report_str(v->set, id);

	rv_buf_reset(tmp);
	rv_term_escape(tmp, s, strlen(s), false);
	return tmp->data;
}

static void table_providers(const struct report_view *v, struct rv_buf *out)
{
	const struct report_stats *st = v->st;
	struct rv_buf n1 = RV_BUF_INIT, n2 = RV_BUF_INIT;
	char a[48], b[48];

	if (st->fastest >= 0 && st->fastest != st->slowest &&
	    isfinite(st->speed_difference))
		rv_buf_addf(out, "fastest: %s (%s), slowest: %s (%s), %.2fx; sum of p50 over %zu shared phases\n",
			    table_one_line(v, st->providers[st->fastest].provider, &n1),
			    report_fmt_ms(st->providers[st->fastest].score_ms, a, sizeof(a)),
			    table_one_line(v, st->providers[st->slowest].provider, &n2),
			    report_fmt_ms(st->providers[st->slowest].score_ms, b, sizeof(b)),
			    st->speed_difference, st->n_common);
	if (st->most_reliable >= 0 && st->n_ranked > 1) {
		const struct report_provider *p =
			&st->providers[st->most_reliable];

		rv_buf_addf(out, "most reliable: %s (%zu of %zu ok, %s)\n",
			    table_one_line(v, p->provider, &n1), p->ok, p->n,
			    report_fmt_pct((double)p->ok / (double)p->n, a,
					   sizeof(a)));
		rv_buf_adds(out, "success rates:");
		for (size_t i = 0; i < st->n_providers; i++) {
			p = &st->providers[i];
			rv_buf_addf(out, "%s %s %s", i ? "," : "",
				    table_one_line(v, p->provider, &n1),
				    report_fmt_pct(p->n ? (double)p->ok /
						   (double)p->n : NAN, a,
						   sizeof(a)));
		}
		rv_buf_addch(out, '\n');
	}
	rv_buf_release(&n1);
	rv_buf_release(&n2);
	table_overhead(v, out);
}

static void table_baseline(const struct report_view *v, struct rv_buf *out)
{
	static const char *const head[] = {
		"PROVIDER", "PHASE", "BASE P50", "CAND P50", "RATIO", "P-VALUE",
		"N BASE/CAND",
	};
	struct table t = { .cols = sizeof(head) / sizeof(*head) };
	char b[64];

	rv_buf_adds(out, "\ncandidate vs baseline (medians; Mann-Whitney U, two-sided):\n");
	for (size_t i = 0; i < t.cols; i++)
		table_add(&t, head[i]);
	for (size_t i = 0; i < v->cmp->n; i++) {
		const struct report_cmp *r = &v->cmp->rows[i];

		table_name(&t, r->provider);
		table_name(&t, r->phase);
		table_add(&t, report_fmt_ms(r->base->st.p50, b, sizeof(b)));
		table_add(&t, report_fmt_ms(r->cand->st.p50, b, sizeof(b)));
		snprintf(b, sizeof(b), isfinite(r->ratio) ? "%.3fx" : "-", r->ratio);
		table_add(&t, b);
		snprintf(b, sizeof(b), !isfinite(r->mwu.p) ? "-" :
			 r->mwu.p >= 0.001 ? "%.4f%s" : "%.1e%s", r->mwu.p,
			 r->mwu.exact ? " (exact)" : "");
		table_add(&t, b);
		snprintf(b, sizeof(b), "%zu/%zu", r->base->st.ok, r->cand->st.ok);
		table_add(&t, b);
	}
	table_print(&t, out);
	for (size_t i = 0; i < v->cmp->n; i++) {
		const struct report_cmp *r = &v->cmp->rows[i];

		if (r->few)
			rv_buf_addf(out, "warning: %s/%s: n < %d (baseline %zu, candidate %zu): the p-value cannot show a difference\n",
				    r->provider, r->phase, REPORT_MIN_N,
				    r->base->st.ok, r->cand->st.ok);
	}
	for (size_t i = 0; i < v->cmp->n_only_cand; i++)
		rv_buf_addf(out, "note: %s is not in the baseline\n",
			    v->cmp->only_cand[i]);
	for (size_t i = 0; i < v->cmp->n_only_base; i++)
		rv_buf_addf(out, "note: %s is only in the baseline\n",
			    v->cmp->only_base[i]);
}

/* The paired comparison of an identity with its baseline, one line. */
static void table_pair(const struct report_pair *p, struct rv_buf *out)
{
	char w[32] = "-";

	if (!isnan(p->wilcoxon.p))
		snprintf(w, sizeof(w), "%.4g", p->wilcoxon.p);
	rv_buf_addf(out, "  against the baseline, over %zu seeds both ran: mean "
		    "reward %.4g -> %.4g (%+.4g", p->n, p->base_mean, p->cand_mean,
		    p->diff.mean);
	if (isfinite(p->diff.lo))
		rv_buf_addf(out, ", 95%% CI %+.4g to %+.4g", p->diff.lo,
			    p->diff.hi);
	rv_buf_addf(out, "), Wilcoxon p %s, McNemar p %.4g, %zu fixed, %zu broke",
		    w, p->mcnemar.p, p->n_fixed, p->n_broke);
	for (size_t i = 0; i < p->n_broke && i < 10; i++)
		rv_buf_addf(out, "%s%lld", i ? ", " : " (seeds ",
			    (long long)p->broke[i]);
	rv_buf_adds(out, p->n_broke ? (p->n_broke > 10 ? ", ...)\n" : ")\n") :
		    "\n");
}

/* The eval's outcome of each job identity, first: what the run scored. */
static void table_eval(const struct report_view *v, struct rv_buf *out)
{
	for (size_t i = 0; v->evals && i < v->evals->n; i++) {
		const struct report_eval_group *g = &v->evals->groups[i];
		const struct evalstats *e = &g->st;
		const struct report_pair *p = report_pair_of(v->pairs, g);

		/* a group of several jobs is named by its identity */
		bool same = !strcmp(g->name, g->identity);

		rv_buf_addf(out, "eval %s%s%s\n  %zu rollouts: %zu ok, %zu "
			    "pipeline failures, %zu failed; mean reward ",
			    g->name, same ? "" : ": ", same ? "" : g->identity,
			    e->n, e->ok, e->pipeline, e->transport);
		if (isnan(e->reward.mean))
			rv_buf_adds(out, "-");
		else
			rv_buf_addf(out, "%.4g", e->reward.mean);
		if (isfinite(e->reward.lo))
			rv_buf_addf(out, " (95%% CI %.4g to %.4g)", e->reward.lo,
				    e->reward.hi);
		rv_buf_addf(out, ", pass rate %.1f%% (reward >= %g)",
			    e->n ? 100 * e->pass_rate : 0, e->threshold);
		if (e->max_k > 1)
			rv_buf_addf(out, ", pass@%zu %.3f", e->max_k,
				    evalstats_pass_at(e, e->max_k,
						      EVALSTATS_ALL, 0, NULL));
		rv_buf_adds(out, "\n  statuses:");
		for (size_t k = 0; k < e->n_statuses; k++)
			rv_buf_addf(out, "%s %s %zu", k ? "," : "",
				    e->statuses[k].name, e->statuses[k].n);
		rv_buf_addch(out, '\n');
		if (p)
			table_pair(p, out);
	}
	if (v->evals && v->evals->n)
		rv_buf_addch(out, '\n');
}

void report_render_table(const struct report_view *v, struct rv_buf *out)
{
	size_t rollouts = 0;

	for (size_t j = 0; j < v->set->n_jobs; j++)
		rollouts += v->set->jobs[j].n_rollouts;
	rv_buf_addf(out, "%zu samples from %zu input%s, %zu rollouts%s\n\n",
		    v->set->n_samples, v->set->n_jobs,
		    v->set->n_jobs == 1 ? "" : "s", rollouts,
		    v->st->window ? " (statistics over a rolling window)" : "");
	table_eval(v, out);
	table_stats(v, out);
	rv_buf_addch(out, '\n');
	table_providers(v, out);
	if (v->cmp)
		table_baseline(v, out);
	if (v->n_gates)
		rv_buf_adds(out, "\ngates:\n");
	for (size_t i = 0; i < v->n_gates; i++)
		report_gate_describe(&v->gates[i], &v->results[i], out);
}
