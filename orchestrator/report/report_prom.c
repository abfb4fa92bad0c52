/*
 * metrics.prom: Prometheus text exposition format 0.0.4, ready for the
 * node exporter's textfile collector.  Durations in seconds as Prometheus
 * wants, except the sandbox_provisioning_duration_*_ms gauges, which keep
 * the names (and milliseconds) that sandbox benchmark dashboards use.
 * promtool's lint rejects those names ("abbreviated units"), and nothing
 * else here; --prom-strict leaves them out.
 *
 * The eval's outcome comes first, one series per job identity, labelled
 * job (the job id, or the identity of several jobs), provider, policy and
 * model: runeval_eval_mean_reward, runeval_eval_mean_reward_all,
 * runeval_eval_pass_rate, runeval_eval_pass_at_k{k}, runeval_rollouts_total
 * {status} and runeval_eval_tokens_total{kind}.
 */
#include "report_render.h"
#include "rv_phase.h"

#include <math.h>
#include <stdio.h>

static void prom_label(struct rv_buf *b, const char *name, const char *v)
{
	rv_buf_addf(b, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			rv_buf_addch(b, '\\');
		if (*v == '\n')
			rv_buf_adds(b, "\\n");
		else
			rv_buf_addch(b, *v);
	}
	rv_buf_addch(b, '"');
}

static void prom_value(struct rv_buf *b, double v)
{
	if (isnan(v))
		rv_buf_adds(b, " NaN\n");
	else
		rv_buf_addf(b, " %.17g\n", v);
}

static void prom_head(struct rv_buf *b, const char *name, const char *type,
		      const char *help)
{
	rv_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{provider="..",phase=".."[,quantile=".."]} value */
static void prom_line(struct rv_buf *b, const struct report_view *v,
		      const char *name, const struct report_group *g,
		      const char *quantile, double value)
{
	rv_buf_addf(b, "%s{", name);
	prom_label(b, "provider", report_str(v->set, g->provider));
	rv_buf_addch(b, ',');
	prom_label(b, "phase", report_str(v->set, g->phase));
	if (quantile) {
		rv_buf_addch(b, ',');
		prom_label(b, "quantile", quantile);
	}
	rv_buf_addch(b, '}');
	prom_value(b, value);
}

static void prom_summary(struct rv_buf *b, const struct report_view *v)
{
	const char *name = "runeval_phase_duration_seconds";

	prom_head(b, name, "summary",
		  "Duration of the successful samples of a phase (quantiles interpolate linearly between closest ranks).");
	for (size_t i = 0; i < v->st->n_groups; i++) {
		const struct report_group *g = &v->st->groups[i];
		const struct stats_summary *s = &g->st;

		prom_line(b, v, name, g, "0.5", s->p50 / 1000);
		prom_line(b, v, name, g, "0.9", s->p90 / 1000);
		prom_line(b, v, name, g, "0.95", s->p95 / 1000);
		prom_line(b, v, name, g, "0.99", s->p99 / 1000);
	}
	for (size_t i = 0; i < v->st->n_groups; i++) {
		const struct report_group *g = &v->st->groups[i];
		double sum = 0;

		for (size_t k = 0; k < g->st.ok; k++)
			sum += g->sorted[k];
		prom_line(b, v, "runeval_phase_duration_seconds_sum", g, NULL,
			  sum / 1000);
	}
	for (size_t i = 0; i < v->st->n_groups; i++)
		prom_line(b, v, "runeval_phase_duration_seconds_count",
			  &v->st->groups[i], NULL, (double)v->st->groups[i].st.ok);
}

/* One family with a value per provider and phase. */
static void prom_family(struct rv_buf *b, const struct report_view *v,
			const char *name, const char *type, const char *help,
			int what)
{
	prom_head(b, name, type, help);
	for (size_t i = 0; i < v->st->n_groups; i++) {
		const struct stats_summary *s = &v->st->groups[i].st;
		double x = what == 0 ? (double)s->n : what == 1 ?
			   (double)(s->n - s->ok) : s->success_rate;

		prom_line(b, v, name, &v->st->groups[i], NULL, x);
	}
}

static void prom_provisioning(struct rv_buf *b, const struct report_view *v)
{
	static const struct { const char *name, *help; double q; } g[] = {
		{ "sandbox_provisioning_duration_p50_ms",
		  "Median time to provision a sandbox, in milliseconds.", 0.5 },
		{ "sandbox_provisioning_duration_p95_ms",
		  "95th percentile time to provision a sandbox, in milliseconds.", 0.95 },
		{ "sandbox_provisioning_duration_p99_ms",
		  "99th percentile time to provision a sandbox, in milliseconds.", 0.99 },
	};
	uint32_t prov_phase = report_find(v->set, rv_phase_name(RV_PHASE_PROVISION));

	for (size_t k = 0; prov_phase && k < sizeof(g) / sizeof(*g); k++) {
		bool head = false;

		for (size_t i = 0; i < v->st->n_groups; i++) {
			const struct report_group *gr = &v->st->groups[i];

			if (gr->phase != prov_phase)
				continue;
			if (!head)
				prom_head(b, g[k].name, "gauge", g[k].help);
			head = true;
			rv_buf_addf(b, "%s{", g[k].name);
			prom_label(b, "provider", report_str(v->set, gr->provider));
			rv_buf_addch(b, '}');
			prom_value(b, stats_quantile_sorted(gr->sorted, gr->st.ok,
							    g[k].q));
		}
	}
}

/* {job="..",provider="..",policy="..",model=".."} and extra labels. */
static void prom_eval_labels(struct rv_buf *b, const struct report_eval_group *g,
			     const char *extra, const char *value)
{
	rv_buf_addch(b, '{');
	prom_label(b, "job", g->name);
	rv_buf_addch(b, ',');
	prom_label(b, "provider", g->provider ? g->provider : "");
	rv_buf_addch(b, ',');
	prom_label(b, "policy", g->policy ? g->policy : "");
	rv_buf_addch(b, ',');
	prom_label(b, "model", g->model ? g->model : "");
	if (extra) {
		rv_buf_addch(b, ',');
		prom_label(b, extra, value);
	}
	rv_buf_addch(b, '}');
}

/* One gauge per identity: what(g) of each. */
static void prom_eval_gauge(struct rv_buf *b, const struct report_evals *e,
			    const char *name, const char *help, int what)
{
	prom_head(b, name, "gauge", help);
	for (size_t i = 0; i < e->n; i++) {
		const struct evalstats *s = &e->groups[i].st;

		rv_buf_adds(b, name);
		prom_eval_labels(b, &e->groups[i], NULL, NULL);
		prom_value(b, what == 0 ? s->reward.mean : what == 1 ?
			   s->mean_reward_all : s->pass_rate);
	}
}

static void prom_eval(struct rv_buf *b, const struct report_view *v)
{
	const struct report_evals *e = v->evals;
	char k[32];

	if (!e || !e->n)
		return;
	prom_eval_gauge(b, e, "runeval_eval_mean_reward",
			"Mean reward of the rollouts answered with a reward.", 0);
	prom_eval_gauge(b, e, "runeval_eval_mean_reward_all",
			"Mean reward of every rollout, one without a reward counted as 0.", 1);
	prom_eval_gauge(b, e, "runeval_eval_pass_rate",
			"Rollouts with a reward at or above the pass threshold, over all.", 2);
	prom_head(b, "runeval_eval_pass_at_k", "gauge",
		  "The unbiased pass@k estimate, averaged over seeds.");
	for (size_t i = 0; i < e->n; i++) {
		const struct evalstats *s = &e->groups[i].st;
		size_t ks[24], n = evalstats_ks(s, ks);

		for (size_t j = 0; j < n; j++) {
			snprintf(k, sizeof(k), "%zu", ks[j]);
			rv_buf_adds(b, "runeval_eval_pass_at_k");
			prom_eval_labels(b, &e->groups[i], "k", k);
			prom_value(b, evalstats_pass_at(s, ks[j], EVALSTATS_ALL,
							0, NULL));
		}
	}
	prom_head(b, "runeval_rollouts_total", "counter",
		  "Rollouts by status: the task app's success_status, or how the request failed.");
	for (size_t i = 0; i < e->n; i++) {
		const struct evalstats *s = &e->groups[i].st;

		for (size_t j = 0; j < s->n_statuses; j++) {
			rv_buf_adds(b, "runeval_rollouts_total");
			prom_eval_labels(b, &e->groups[i], "status",
					 s->statuses[j].name);
			prom_value(b, (double)s->statuses[j].n);
		}
	}
	for (size_t i = 0; i < e->n; i++)
		if (e->groups[i].st.token_rollouts) {
			prom_head(b, "runeval_eval_tokens_total", "counter",
				  "Tokens the rollouts reported, by kind (prompt, completion, total).");
			break;
		}
	for (size_t i = 0; i < e->n; i++) {
		static const char *const kinds[] = { "prompt", "completion",
						     "total" };
		const struct evalstats *s = &e->groups[i].st;

		for (size_t j = 0; s->token_rollouts && j < 3; j++) {
			rv_buf_adds(b, "runeval_eval_tokens_total");
			prom_eval_labels(b, &e->groups[i], "kind", kinds[j]);
			prom_value(b, (double)s->tokens[j]);
		}
	}
}

void report_render_prom(const struct report_view *v, struct rv_buf *out)
{
	prom_eval(out, v);
	prom_summary(out, v);
	prom_family(out, v, "runeval_phase_samples_total", "counter",
		    "Samples of a phase, successful or not.", 0);
	prom_family(out, v, "runeval_phase_failures_total", "counter",
		    "Failed samples of a phase.", 1);
	prom_family(out, v, "runeval_phase_success_ratio", "gauge",
		    "Successful samples of a phase over all of them.", 2);
	if (!v->prom_strict)
		prom_provisioning(out, v);
}
