/*
 * metrics.prom: Prometheus text exposition format 0.0.4, ready for the
 * node exporter's textfile collector.  Durations in seconds as Prometheus
 * wants, except the sandbox_provisioning_duration_*_ms gauges, which keep
 * the names (and milliseconds) that sandbox benchmark dashboards use.
 * promtool's lint rejects those names ("abbreviated units"), and nothing
 * else here; --prom-strict leaves them out.
 */
#include "report_render.h"
#include "rv_phase.h"

#include <math.h>

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

void report_render_prom(const struct report_view *v, struct rv_buf *out)
{
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
