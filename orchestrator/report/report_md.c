/*
 * report.md: for people and for GitHub step summaries.  Everything goes
 * through a byte budget: rows that do not fit are counted and replaced by
 * a note, and room for the notes and closing tags is always kept, so the
 * document never exceeds its limit whatever the input.
 */
#include "report_render.h"

#include "report_md_int.h"
#include "report_util.h"
#include "rv_alloc.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void md_text(struct md *m, const char *fmt, ...)
{
	va_list ap;
	size_t before = m->out->len;

	va_start(ap, fmt);
	rv_buf_vaddf(m->out, fmt, ap);
	va_end(ap);
	if (m->out->len + MD_RESERVE > m->max) {
		rv_buf_truncate(m->out, before);
		m->cut = true;
	}
}

void md_cell(struct md *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_buf_vaddf(&m->row, fmt, ap);
	va_end(ap);
}

void md_cell_esc(struct md *m, const char *s)
{
	report_md_esc(&m->row, s ? s : "-", MD_CELL_MAX);
	rv_buf_adds(&m->row, " | ");
}

void md_row(struct md *m)
{
	while (m->row.len && m->row.data[m->row.len - 1] == ' ')
		rv_buf_truncate(&m->row, m->row.len - 1);
	if (!m->dropped && m->out->len + m->row.len + 1 + MD_RESERVE <= m->max) {
		rv_buf_add(m->out, m->row.data, m->row.len);
		rv_buf_addch(m->out, '\n');
	} else {
		m->dropped++;
	}
	rv_buf_reset(&m->row);
}

void md_end_table(struct md *m, const char *what)
{
	if (m->dropped) {
		/* fits: MD_RESERVE was kept for it */
		rv_buf_addf(m->out, "\n_%zu more %s not shown: the report stays under %zu bytes._\n",
			    m->dropped, what, m->limit);
		m->cut = true;
	}
	m->dropped = 0;
	rv_buf_addch(m->out, '\n');
}

const char *md_ms(double ms, char *b)
{
	return report_fmt_ms(ms, b, 32);
}

const char *md_pct(double r, char *b)
{
	return report_fmt_pct(r, b, 32);
}

const char *md_name(const struct report_view *v, uint32_t id)
{
	return report_str(v->set, id);
}

static double md_rate(size_t ok, size_t n)
{
	return n ? (double)ok / (double)n : NAN;
}

static void md_provider_table(struct md *m, const struct report_view *v)
{
	const struct report_stats *st = v->st;
	char a[32], b[32], c[32];

	md_text(m, "| Provider | Success rate | Tests passed | Total duration | Sum of p50 | Status |\n"
		   "| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < st->n_providers; i++) {
		const struct report_provider *p = &st->providers[i];
		double rate = md_rate(p->ok, p->n);

		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, md_name(v, p->provider));
		md_cell(m, "%s | %zu/%zu | %s | %s | %s |", md_pct(rate, a),
			p->ok, p->n, md_ms(p->total_ms, b),
			st->n_common ? md_ms(p->score_ms, c) : "-",
			m->gate_failed ? "🔴 gate failed" :
			rate >= 1 ? "✅ all ok" : rate >= 0.95 ? "⚠️ some failed" :
			"❌ failing");
		md_row(m);
	}
	md_end_table(m, "providers");
}

static void md_executive(struct md *m, const struct report_view *v)
{
	const struct report_stats *st = v->st;
	size_t rollouts = 0, rollouts_ok = 0, held = 0;
	struct rv_buf fast = RV_BUF_INIT, slow = RV_BUF_INIT;
	char a[32], b[32];

	for (size_t j = 0; j < v->set->n_jobs; j++)
		for (size_t r = 0; r < v->set->jobs[j].n_rollouts; r++) {
			struct report_rollout tmp;

			rollouts++;
			rollouts_ok += report_rollout_at(v->set,
							 &v->set->jobs[j], r,
							 &tmp)->ok;
		}
	for (size_t i = 0; i < v->n_gates; i++)
		held += v->results[i].pass;
	md_text(m, "### Summary\n\n");
	/* the names escaped as in the tables: a provider's name is the
	   input's text, and raw it could end the line and write Markdown
	   or HTML of its own into report.md and the step summary */
	if (st->fastest >= 0 && st->fastest != st->slowest &&
	    isfinite(st->speed_difference)) {
		report_md_esc(&fast, md_name(v, st->providers[st->fastest].provider),
			      MD_CELL_MAX);
		report_md_esc(&slow, md_name(v, st->providers[st->slowest].provider),
			      MD_CELL_MAX);
		md_text(m, "- Fastest: **%s** (%s, sum of p50 over %zu shared phases); slowest: **%s** (%s), %.2fx slower.\n",
			fast.data,
			md_ms(st->providers[st->fastest].score_ms, a), st->n_common,
			slow.data,
			md_ms(st->providers[st->slowest].score_ms, b),
			st->speed_difference);
	}
	if (st->most_reliable >= 0 && st->n_ranked > 1) {
		const struct report_provider *p = &st->providers[st->most_reliable];

		rv_buf_reset(&fast);
		report_md_esc(&fast, md_name(v, p->provider), MD_CELL_MAX);
		md_text(m, "- Most reliable: **%s**, %s of %zu operations succeeded.\n",
			fast.data, md_pct(md_rate(p->ok, p->n), a), p->n);
	}
	rv_buf_release(&fast);
	rv_buf_release(&slow);
	if (rollouts)
		md_text(m, "- Rollout requests: %zu of %zu answered with a reward (%s).\n",
			rollouts_ok, rollouts,
			md_pct(md_rate(rollouts_ok, rollouts), a));
	if (v->n_gates)
		md_text(m, "- Gates: %zu of %zu hold%s.\n", held, v->n_gates,
			held == v->n_gates ? "" : " (**failed**, see below)");
	md_text(m, "\n");
	md_provider_table(m, v);
}

static void md_stats_row(struct md *m, const char *label,
			 const struct stats_summary *s)
{
	char t[9][32], r[32];
	const double x[] = { s->min, s->p50, s->p90, s->p95, s->p99, s->max,
			     s->mean, s->stddev, s->mad };

	for (size_t i = 0; i < 9; i++)
		md_ms(x[i], t[i]);
	rv_buf_adds(&m->row, "| ");
	md_cell_esc(m, label);
	md_cell(m, "%zu | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
		s->n, s->ok, md_pct(s->success_rate, r), t[0], t[1], t[2], t[3],
		t[4], t[5], t[6], t[7], t[8]);
	md_row(m);
}

/* Phases of one sample: one number each, not nine columns. */
static void md_single_phases(struct md *m, const struct report_view *v,
			     const struct report_group *g, size_t n)
{
	char a[32];
	bool head = false;

	for (size_t i = 0; i < n; i++) {
		if (g[i].st.n != 1)
			continue;
		if (!head)
			md_text(m, "| Phase (one sample) | Time | Result |\n"
				   "| --- | ---: | --- |\n");
		head = true;
		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, md_name(v, g[i].phase));
		md_cell(m, "%s | %s |", g[i].st.ok ? md_ms(g[i].st.min, a) : "-",
			g[i].st.ok ? "ok" : "failed");
		md_row(m);
	}
	if (head)
		md_end_table(m, "phases");
}

static void md_providers(struct md *m, const struct report_view *v)
{
	const struct report_stats *st = v->st;
	size_t g = 0;

	md_text(m, "### Providers\n\n");
	for (size_t i = 0; i < st->n_providers; i++) {
		uint32_t prov = st->providers[i].provider;
		size_t first = g, multi = 0;

		rv_buf_reset(&m->row);
		report_md_esc(&m->row, md_name(v, prov), MD_CELL_MAX);
		md_text(m, "#### %s\n\n", m->row.data);
		rv_buf_reset(&m->row);
		/* groups are sorted by provider, in the providers' order */
		for (; g < st->n_groups && st->groups[g].provider == prov; g++)
			multi += st->groups[g].st.n > 1;
		if (multi)
			md_text(m, "| Phase | n | ok | success | min | p50 | p90 | p95 | p99 | max | mean | stddev | MAD |\n"
				   "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (size_t k = first; k < g; k++)
			if (st->groups[k].st.n > 1)
				md_stats_row(m, md_name(v, st->groups[k].phase),
					     &st->groups[k].st);
		if (multi)
			md_end_table(m, "phases");
		md_single_phases(m, v, st->groups + first, g - first);
	}
}

/* Phases down, providers across: "p50 / p95" in each cell. */
static void md_phase_table(struct md *m, const struct report_view *v)
{
	const struct report_stats *st = v->st;
	char a[32], b[32];

	md_text(m, "### Phases (p50 / p95)\n\n| Phase |");
	for (size_t i = 0; i < st->n_providers; i++) {
		rv_buf_reset(&m->row);
		report_md_esc(&m->row, md_name(v, st->providers[i].provider),
			      MD_CELL_MAX);
		md_text(m, " %s |", m->row.data);
	}
	md_text(m, "\n| --- |");
	for (size_t i = 0; i < st->n_providers; i++)
		md_text(m, " ---: |");
	md_text(m, "\n");
	rv_buf_reset(&m->row);
	for (size_t k = 0; k < st->n_phases; k++) {
		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, md_name(v, st->phases[k]));
		for (size_t i = 0; i < st->n_providers; i++) {
			const struct report_group *g = report_stats_find(st,
				st->providers[i].provider, st->phases[k]);

			if (!g)
				md_cell(m, " - |");
			else if (!g->st.ok)
				md_cell(m, " all failed |");
			else if (g->st.n == 1)
				md_cell(m, " %s |", md_ms(g->st.p50, a));
			else
				md_cell(m, " %s / %s |", md_ms(g->st.p50, a),
					md_ms(g->st.p95, b));
		}
		md_row(m);
	}
	md_end_table(m, "phases");
}

/* "- <what>: a, b, c (and N more)." */
static void md_name_list(struct md *m, const char *what, char **names,
			 size_t n)
{
	if (!n)
		return;
	rv_buf_reset(&m->row);
	for (size_t i = 0; i < n && i < 10; i++) {
		rv_buf_adds(&m->row, i ? ", " : "");
		report_md_esc(&m->row, names[i], MD_CELL_MAX);
	}
	if (n > 10)
		rv_buf_addf(&m->row, " and %zu more", n - 10);
	md_text(m, "- %s: %s.\n\n", what, m->row.data);
	rv_buf_reset(&m->row);
}

static bool st_has_peers(const struct report_view *v)
{
	return v->st->n_providers > 1 && v->st->n_common > 0;
}

static void md_baseline(struct md *m, const struct report_view *v)
{
	const struct report_comparison *c = v->cmp;
	char a[32], b[32];

	md_text(m, "#### Candidate against baseline\n\n"
		   "Medians of the successful samples; p is the two-sided Mann-Whitney U test.\n\n"
		   "| Provider | Phase | Baseline p50 | Candidate p50 | Ratio | p | n (base/cand) | Note |\n"
		   "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < c->n; i++) {
		const struct report_cmp *r = &c->rows[i];
		bool sig = isfinite(r->mwu.p) && r->mwu.p < 0.05 && !r->few;

		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, r->provider);
		md_cell_esc(m, r->phase);
		md_cell(m, "%s | %s | ", md_ms(r->base->st.p50, a),
			md_ms(r->cand->st.p50, b));
		md_cell(m, isfinite(r->ratio) ? "%.3fx | " : "- | ", r->ratio);
		md_cell(m, !isfinite(r->mwu.p) ? "- | " : r->mwu.p >= 0.001 ?
			"%.4f | " : "%.1e | ", r->mwu.p);
		md_cell(m, "%zu/%zu | %s |", r->base->st.ok, r->cand->st.ok,
			r->few ? "⚠️ fewer than 6 samples: cannot show a difference" :
			sig && r->ratio > 1 ? "slower (significant)" :
			sig && r->ratio < 1 ? "faster (significant)" : "");
		md_row(m);
	}
	md_end_table(m, "comparisons");
	md_name_list(m, "Not in the baseline", c->only_cand, c->n_only_cand);
	md_name_list(m, "Only in the baseline", c->only_base, c->n_only_base);
	if (st_has_peers(v))
		md_text(m, "#### Providers against each other\n\n");
}

/* Each sandboxed provider against the same job on this host. */
static void md_overhead(struct md *m, const struct report_view *v)
{
	struct report_overhead oh;
	char a[32], b[32];

	report_overhead(v->st, &oh);
	if (oh.n) {
		md_text(m, "### Overhead against local\n\n"
			   "Sandboxed / unsandboxed (fence's overhead factor): "
			   "each provider's p50 over the p50 of the same phase "
			   "run on this host without a sandbox (`%s`); "
			   "`rollout` is the rollout latency.\n\n"
			   "| Provider | Phase | Local p50 | p50 | Factor |\n"
			   "| --- | --- | ---: | ---: | ---: |\n",
			   REPORT_OVERHEAD_BASELINE);
		for (size_t i = 0; i < oh.n; i++) {
			const struct report_overhead_row *r = &oh.rows[i];

			rv_buf_adds(&m->row, "| ");
			md_cell_esc(m, r->provider);
			md_cell_esc(m, r->phase);
			md_cell(m, "%s | %s | %.2fx |", md_ms(r->base_ms, a),
				md_ms(r->ms, b), r->factor);
			md_row(m);
		}
		md_end_table(m, "overhead rows");
	}
	report_overhead_release(&oh);
}

/* Which provider is fastest in each phase they all completed. */
static void md_comparison(struct md *m, const struct report_view *v)
{
	const struct report_stats *st = v->st;
	char a[32], b[32];

	if (!v->cmp && st->n_providers < 2)
		return;		/* one provider: nothing to compare */
	md_text(m, "### Comparison\n\n");
	if (v->cmp)
		md_baseline(m, v);
	md_overhead(m, v);
	if (st->n_providers < 2)
		return;
	if (st->n_ranked < 2) {
		md_text(m, "Nothing to rank: a bench's cold series is not "
			   "ranked beside warm ones, nor a job that ran no "
			   "rollout beside jobs that did.\n\n");
		return;
	}
	if (!st->n_common) {
		md_text(m, "The providers share no phase they all completed.\n\n");
		return;
	}
	md_text(m, "| Phase | Fastest (p50) | Slowest (p50) | Ratio |\n"
		   "| --- | --- | --- | ---: |\n");
	for (size_t k = 0; k < st->n_common; k++) {
		const struct report_group *fast = NULL, *slow = NULL;

		for (size_t i = 0; i < st->n_providers; i++) {
			const struct report_group *g = report_stats_find(st,
				st->providers[i].provider, st->common[k]);

			if (!st->providers[i].ranked || !g)
				continue;
			if (!fast || g->st.p50 < fast->st.p50)
				fast = g;
			if (!slow || g->st.p50 > slow->st.p50)
				slow = g;
		}
		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, md_name(v, st->common[k]));
		report_md_esc(&m->row, md_name(v, fast->provider), MD_CELL_MAX);
		md_cell(m, " (%s) | ", md_ms(fast->st.p50, a));
		report_md_esc(&m->row, md_name(v, slow->provider), MD_CELL_MAX);
		md_cell(m, " (%s) | ", md_ms(slow->st.p50, b));
		md_cell(m, fast->st.p50 > 0 ? "%.2fx |" : "- |",
			slow->st.p50 / fast->st.p50);
		md_row(m);
	}
	md_end_table(m, "phases");
}

static int md_err_key(const void *a, const void *b)
{
	const struct md_err *x = a, *y = b;

	if (x->provider != y->provider)
		return x->provider < y->provider ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	return (x->error > y->error) - (x->error < y->error);
}

static int md_err_count(const void *a, const void *b)
{
	const struct md_err *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return md_err_key(a, b);
}

/* Failures counted by provider, phase and error, most frequent first. */
static struct md_err *md_errors(const struct report_set *set, size_t *n)
{
	struct md_err *e = rv_xcalloc(1, sizeof(*e));
	size_t m = 0, k = 0, cap = 1;

	/* sized for the failures, not every sample: at 100 000 seeds the
	   table of a job without failures was 2.4 MB of the peak; the
	   samples read once (a live job makes each one read) */
	for (size_t i = 0; i < set->n_samples; i++) {
		struct report_sample tmp;
		const struct report_sample *s = report_sample_at(set, i, &tmp);

		if (s->ok)
			continue;
		if (m == cap) {
			cap *= 2;
			e = rv_xreallocarray(e, cap, sizeof(*e));
		}
		e[m++] = (struct md_err){ s->provider, s->phase, s->error, 1 };
	}
	qsort(e, m, sizeof(*e), md_err_key);
	for (size_t i = 0; i < m; i++) {
		if (k && !md_err_key(&e[k - 1], &e[i]))
			e[k - 1].count++;
		else
			e[k++] = e[i];
	}
	qsort(e, k, sizeof(*e), md_err_count);
	*n = k;
	return e;
}

static void md_reliability(struct md *m, const struct report_view *v)
{
	const struct md_err *e = m->errs;
	size_t n = m->n_errs;
	char a[32];

	md_text(m, "### Reliability\n\n");
	if (!n) {
		md_text(m, "Every operation succeeded.\n\n");
		return;
	}
	md_text(m, "| Provider | Phase | Failures | Phase success rate | Error |\n"
		   "| --- | --- | ---: | ---: | --- |\n");
	for (size_t i = 0; i < n; i++) {
		const struct report_group *g = report_stats_find(v->st,
			e[i].provider, e[i].phase);

		rv_buf_adds(&m->row, "| ");
		md_cell_esc(m, md_name(v, e[i].provider));
		md_cell_esc(m, md_name(v, e[i].phase));
		md_cell(m, "%zu | %s | ", e[i].count,
			g ? md_pct(g->st.success_rate, a) : "-");
		md_cell_esc(m, e[i].error ? md_name(v, e[i].error) :
			    "(no error recorded)");
		md_row(m);
	}
	md_end_table(m, "error kinds");
}

#define MD_ADVICE_MAX 5		/* lines of one kind of advice */

/* The phase with most of a provider's lifecycle median time, if > 50%. */
static void md_advice_dominant(struct md *m, const struct report_view *v,
			       size_t *said)
{
	const struct report_stats *st = v->st;
	size_t g = 0;

	for (size_t i = 0; i < st->n_providers; i++) {
		uint32_t prov = st->providers[i].provider;
		const struct report_group *top = NULL;
		double sum = 0;
		size_t phases = 0;

		for (; g < st->n_groups && st->groups[g].provider == prov; g++) {
			const struct report_group *gr = &st->groups[g];

			if (!gr->st.ok || report_stats_is_inner(v->set, gr->phase))
				continue;
			phases++;
			sum += gr->st.p50;
			if (!top || gr->st.p50 > top->st.p50)
				top = gr;
		}
		if (top && phases > 1 && sum > 0 && top->st.p50 / sum > 0.5 &&
		    i < MD_ADVICE_MAX) {
			struct rv_buf a = RV_BUF_INIT, b = RV_BUF_INIT;

			report_md_esc(&a, md_name(v, prov), MD_CELL_MAX);
			report_md_esc(&b, md_name(v, top->phase), MD_CELL_MAX);
			md_text(m, "- On **%s**, **%s** takes %.0f%% of the median lifecycle: the place to optimise first.\n",
				a.data, b.data, top->st.p50 / sum * 100);
			rv_buf_release(&a);
			rv_buf_release(&b);
			(*said)++;
		}
	}
}

static void md_group_name(struct rv_buf *b, const struct report_view *v,
			  const struct report_group *gr)
{
	report_md_esc(b, md_name(v, gr->provider), MD_CELL_MAX);
	rv_buf_addch(b, '/');
	report_md_esc(b, md_name(v, gr->phase), MD_CELL_MAX);
}

static void md_advice_groups(struct md *m, const struct report_view *v,
			     size_t *said)
{
	struct rv_buf few_names = RV_BUF_INIT;
	size_t few = 0, tails = 0;
	char a[32];

	for (size_t g = 0; g < v->st->n_groups; g++) {
		const struct report_group *gr = &v->st->groups[g];

		if (gr->st.ok < REPORT_MIN_N && few++ < MD_ADVICE_MAX) {
			rv_buf_adds(&few_names, few > 1 ? ", " : "");
			md_group_name(&few_names, v, gr);
			rv_buf_addf(&few_names, " (%zu)", gr->st.ok);
		}
		if (gr->st.ok >= 20 && gr->st.p50 > 0 &&
		    gr->st.p99 > 3 * gr->st.p50 && tails++ < MD_ADVICE_MAX) {
			rv_buf_reset(&m->row);
			md_group_name(&m->row, v, gr);
			md_text(m, "- %s has a heavy tail: p99 is %.1fx the median (%s); look at cold starts, retries and rate limits.\n",
				m->row.data, gr->st.p99 / gr->st.p50,
				md_ms(gr->st.p99, a));
			(*said)++;
		}
	}
	if (few) {
		md_text(m, "- %zu phase%s fewer than %d successful samples (%s%s): collect more before trusting percentiles or comparisons.\n",
			few, few == 1 ? " has" : "s have", REPORT_MIN_N,
			few_names.data, few > MD_ADVICE_MAX ? ", ..." : "");
		(*said)++;
	}
	rv_buf_reset(&m->row);
	rv_buf_release(&few_names);
}

static void md_advice_errors(struct md *m, const struct report_view *v,
			     size_t *said)
{
	const struct md_err *e = m->errs;

	for (size_t i = 0; i < m->n_errs && i < MD_ADVICE_MAX; i++) {
		struct rv_buf a = RV_BUF_INIT, b = RV_BUF_INIT;

		report_md_esc(&a, e[i].error ? md_name(v, e[i].error) :
			      "failures without an error message", MD_CELL_MAX);
		report_md_esc(&b, md_name(v, e[i].provider), MD_CELL_MAX);
		rv_buf_addch(&b, '/');
		report_md_esc(&b, md_name(v, e[i].phase), MD_CELL_MAX);
		md_text(m, "- Investigate **%s** (%zu× in %s).\n", a.data,
			e[i].count, b.data);
		rv_buf_release(&a);
		rv_buf_release(&b);
		(*said)++;
	}
}

static void md_advice_baseline(struct md *m, const struct report_view *v,
			       size_t *said)
{
	size_t shown = 0;

	for (size_t i = 0; v->cmp && i < v->cmp->n; i++) {
		const struct report_cmp *r = &v->cmp->rows[i];

		if (r->few || !(r->mwu.p < 0.05) || !(r->ratio > 1.05) ||
		    shown++ >= MD_ADVICE_MAX)
			continue;
		rv_buf_reset(&m->row);
		report_md_esc(&m->row, r->provider, MD_CELL_MAX);
		rv_buf_addch(&m->row, '/');
		report_md_esc(&m->row, r->phase, MD_CELL_MAX);
		md_text(m, "- %s got slower: %.2fx the baseline median (p = %.4f).\n",
			m->row.data, r->ratio, r->mwu.p);
		(*said)++;
	}
	rv_buf_reset(&m->row);
}

/* An identity with pipeline failures: its eval did not run as meant. */
static void md_advice_eval(struct md *m, const struct report_view *v,
			   size_t *said)
{
	for (size_t i = 0; v->evals && i < v->evals->n; i++) {
		const struct report_eval_group *g = &v->evals->groups[i];
		const struct evalstats *e = &g->st;
		const struct evalstats_slice *worst = NULL;
		struct rv_buf a = RV_BUF_INIT, b = RV_BUF_INIT;

		if (!e->pipeline)
			continue;
		for (size_t k = 0; k < e->n_statuses && !worst; k++)
			if (strcmp(e->statuses[k].name, "success"))
				worst = &e->statuses[k];
		report_md_esc(&a, g->name, MD_CELL_MAX);
		report_md_esc(&b, worst ? worst->name : "-", MD_CELL_MAX);
		md_text(m, "- %s: %zu of %zu rollouts are pipeline failures (most often **%s**): the eval did not run as meant, fix that before reading its rewards.\n",
			a.data, e->pipeline, e->n, b.data);
		rv_buf_release(&a);
		rv_buf_release(&b);
		(*said)++;
	}
}

static void md_recommendations(struct md *m, const struct report_view *v)
{
	size_t said = 0;

	md_text(m, "### Recommendations\n\n");
	md_advice_eval(m, v, &said);
	for (size_t i = 0; i < v->n_gates; i++) {
		if (v->results[i].pass)
			continue;
		rv_buf_reset(&m->row);
		report_md_esc(&m->row, v->gates[i].text, MD_CELL_MAX);
		md_text(m, "- Gate %s failed: fix the regression, or change the gate if the new numbers are expected.\n",
			m->row.data);
		said++;
	}
	md_advice_baseline(m, v, &said);
	md_advice_errors(m, v, &said);
	md_advice_groups(m, v, &said);
	md_advice_dominant(m, v, &said);
	if (!said)
		md_text(m, "- Nothing stands out: keep this run as the baseline of the next one (`--baseline`).\n");
	md_text(m, "\n");
}

static void md_gates(struct md *m, const struct report_view *v)
{
	struct rv_buf line = RV_BUF_INIT;

	if (!v->n_gates)
		return;
	md_text(m, "## Gates\n\n");
	for (size_t i = 0; i < v->n_gates; i++) {
		rv_buf_reset(&line);
		report_md_esc(&line, v->gates[i].text, 0);
		rv_buf_adds(&line, "**:");
		report_gate_details(&v->gates[i], &v->results[i], &m->row);
		report_md_esc(&line, m->row.data, 0);
		rv_buf_reset(&m->row);
		md_text(m, "- %s **%s\n", v->results[i].pass ? "✅" : "❌",
			line.data);
	}
	rv_buf_reset(&m->row);
	rv_buf_release(&line);
	md_text(m, "\n");
}

static void md_rollout_row(struct md *m, const struct report_view *v,
			   const struct report_rollout *r, bool epochs)
{
	static const char *const cls[] = {
		[EVALSTATS_OK] = "✅", [EVALSTATS_PIPELINE] = "❌ pipeline",
		[EVALSTATS_TRANSPORT] = "❌",
	};
	char a[32];

	if (r->seed == REPORT_NO_SEED)
		md_cell(m, "| - | ");
	else
		md_cell(m, "| %lld | ", (long long)r->seed);
	if (epochs)
		md_cell(m, "%u | ", r->epoch);
	md_cell_esc(m, md_name(v, r->sandbox));
	md_cell(m, "%s | ", cls[r->cls < 3 ? r->cls : EVALSTATS_TRANSPORT]);
	md_cell(m, isfinite(r->reward) ? "%.4g | " : "- | ", r->reward);
	md_cell(m, "%s | ", md_ms(r->ms, a));
	md_cell_esc(m, md_name(v, r->status));
	md_cell_esc(m, md_name(v, r->task));
	md_cell_esc(m, md_name(v, r->cls == EVALSTATS_TRANSPORT ? r->error :
			       r->detail ? r->detail : r->error));
	md_row(m);
}

static void md_rollouts(struct md *m, const struct report_view *v)
{
	size_t skipped = 0;
	bool any = false;

	for (size_t j = 0; j < v->set->n_jobs; j++) {
		const struct report_job *job = &v->set->jobs[j];
		size_t before = m->out->len;
		bool epochs;

		if (!job->n_rollouts)
			continue;
		if (!any)
			md_text(m, "## Rollouts\n\n");
		any = true;
		rv_buf_reset(&m->row);
		report_xml_esc(&m->row, job->name, MD_CELL_MAX);
		epochs = report_job_epochs(v->set, job);
		md_text(m, "<details><summary>%zu rollouts of %s</summary>\n\n"
			   "| Seed | %sSandbox | Result | Reward | Latency | Status | Task | Reason |\n"
			   "| ---: | %s--- | --- | ---: | ---: | --- | --- | --- |\n",
			job->n_rollouts, m->row.data, epochs ? "Epoch | " : "",
			epochs ? "---: | " : "");
		rv_buf_reset(&m->row);
		if (m->out->len == before) {	/* no room even for that */
			skipped += job->n_rollouts;
			continue;
		}
		for (size_t r = 0; r < job->n_rollouts; r++) {
			struct report_rollout tmp;

			md_rollout_row(m, v, report_rollout_at(v->set, job, r,
							       &tmp), epochs);
		}
		md_end_table(m, "rollouts");
		rv_buf_adds(m->out, "</details>\n\n");
	}
	if (skipped)
		md_text(m, "_%zu more rollouts not shown: the report stays under %zu bytes._\n\n",
			skipped, m->limit);
}

/* What the document is: an eval report (of which identity), or only a
   benchmark of sandboxes when the inputs have no eval. */
static void md_title(struct md *m, const struct report_view *v)
{
	const struct report_evals *e = v->evals;
	struct rv_buf t = RV_BUF_INIT;

	if (e && e->n == 1)
		report_md_esc(&t, e->groups[0].identity, 0);
	else if (e && e->n)
		rv_buf_addf(&t, "%zu job identities", e->n);
	if (t.len)
		md_text(m, "# runeval eval report: %s\n\n", t.data);
	else
		md_text(m, "# runeval sandbox benchmark report\n\n");
	md_text(m, "%zu samples from %zu input%s, run %s, reported %s%s.\n\n",
		v->set->n_samples, v->set->n_jobs, v->set->n_jobs == 1 ? "" : "s",
		v->timestamp, v->generated_utc,
		v->st->window ? "; statistics over a rolling window" : "");
	rv_buf_release(&t);
}

void report_render_md(const struct report_view *v, size_t max,
		      struct rv_buf *out)
{
	struct md m = { .out = out, .max = out->len + max, .limit = max,
			.row = RV_BUF_INIT };

	m.errs = md_errors(v->set, &m.n_errs);
	for (size_t i = 0; i < v->n_gates; i++)
		m.gate_failed |= !v->results[i].pass;
	md_title(&m, v);
	md_eval(&m, v);
	md_gates(&m, v);
	md_text(&m, "## Sandbox timing\n\n");
	md_executive(&m, v);
	md_providers(&m, v);
	md_phase_table(&m, v);
	md_comparison(&m, v);
	md_reliability(&m, v);
	md_recommendations(&m, v);
	md_text(&m, "Times are over successful samples; percentiles interpolate linearly between closest ranks; stddev is the sample standard deviation, MAD the unscaled median absolute deviation.\n\n");
	md_rollouts(&m, v);
	if (m.cut)
		rv_buf_addf(out, "_This report was cut to stay under %zu bytes; result.json and summary.json have everything._\n",
			    max);
	rv_buf_release(&m.row);
	free(m.errs);
}
