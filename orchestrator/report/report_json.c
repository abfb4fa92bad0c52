/* summary.json and the hyperfine-compatible export. */
#include "report_render.h"

#include "report_load.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <math.h>
#include <string.h>

#define SUMMARY_SCHEMA "runeval.summary/1"
#define PERCENTILE_METHOD \
	"linear interpolation between closest ranks (Hyndman-Fan 7, numpy default)"

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

void report_view_times(struct report_view *v)
{
	double t0 = INFINITY;

	rv_wall_iso8601(rv_wall_ns(), v->generated_utc,
			sizeof(v->generated_utc));
	for (size_t i = 0; i < v->set->n_jobs; i++)
		if (v->set->jobs[i].epoch_ms < t0)
			t0 = v->set->jobs[i].epoch_ms;
	/* inputs hold only times in range (their readers check), so the
	   fallback is for no time at all */
	if (!report_format_utc(t0, v->timestamp, sizeof(v->timestamp)))
		memcpy(v->timestamp, v->generated_utc, sizeof(v->timestamp));
}

/*
 * {"<phase>": stats, ...} of the run of groups from g[*i] on that share
 * its job and provider (groups are sorted so); *i moves past the run.
 */
static json_t *phases_json(const struct report_set *set,
			   const struct report_group *g, size_t n, size_t *i)
{
	json_t *o = json_object();
	size_t k = *i;

	for (; k < n && g[k].job == g[*i].job &&
	       g[k].provider == g[*i].provider; k++)
		json_object_set_new(o, report_str(set, g[k].phase),
				    stats_summary_json(&g[k].st, 1));
	*i = k;
	return o;
}

static json_t *providers_json(const struct report_view *v)
{
	const struct report_stats *st = v->st;
	json_t *o = json_object();
	size_t g = 0;

	for (size_t i = 0; i < st->n_providers; i++) {
		const struct report_provider *p = &st->providers[i];
		json_t *e = json_object();

		json_object_set_new(e, "success", json_boolean(p->ok == p->n));
		json_object_set_new(e, "total_duration",
				    num_or_null(p->total_ms / 1000));
		json_object_set_new(e, "tests_passed", json_integer((json_int_t)p->ok));
		json_object_set_new(e, "total_tests", json_integer((json_int_t)p->n));
		json_object_set_new(e, "success_rate", num_or_null(
			p->n ? (double)p->ok / (double)p->n : NAN));
		/* providers and groups are in the same order */
		json_object_set_new(e, "phases", phases_json(v->set, st->groups,
							     st->n_groups, &g));
		json_object_set_new(o, report_str(v->set, p->provider), e);
	}
	return o;
}

static json_t *name_or_null(const struct report_stats *st, int i)
{
	return i < 0 ? json_null() :
	       json_string(report_str(st->set, st->providers[i].provider));
}

/* Each sandboxed provider's overhead against local, or null. */
static json_t *overhead_json(const struct report_view *v)
{
	struct report_overhead oh;
	json_t *o, *factors;

	report_overhead(v->st, &oh);
	if (!oh.n) {
		report_overhead_release(&oh);
		return json_null();
	}
	o = json_object();
	factors = json_object();
	json_object_set_new(o, "baseline",
			    json_string(REPORT_OVERHEAD_BASELINE));
	json_object_set_new(o, "definition", json_string(
		"sandboxed / unsandboxed: a provider's p50 over the p50 of the "
		"same phase on this host (rollout: the rollout latency)"));
	for (size_t i = 0; i < oh.n; i++) {
		const struct report_overhead_row *r = &oh.rows[i];
		json_t *p = json_object_get(factors, r->provider);

		if (!p) {
			p = json_object();
			json_object_set_new(factors, r->provider, p);
		}
		json_object_set_new(p, r->phase, num_or_null(r->factor));
	}
	json_object_set_new(o, "factors", factors);
	report_overhead_release(&oh);
	return o;
}

static json_t *comparison_json(const struct report_view *v)
{
	const struct report_stats *st = v->st;
	json_t *perf = json_object(), *rel = json_object(), *rates, *scores;
	json_t *common = json_array(), *o = json_object();
	bool ranking = st->n_ranked > 1;

	rates = json_object();
	scores = json_object();
	for (size_t i = 0; i < st->n_providers; i++) {
		const struct report_provider *p = &st->providers[i];
		const char *name = report_str(v->set, p->provider);

		json_object_set_new(rates, name, num_or_null(
			p->n ? (double)p->ok / (double)p->n : NAN));
		json_object_set_new(scores, name, st->n_common ?
				    num_or_null(p->score_ms) : json_null());
	}
	for (size_t k = 0; k < st->n_common; k++)
		json_array_append_new(common, json_string(
			report_str(v->set, st->common[k])));
	/* a ranking needs two: one provider is neither fastest nor slowest
	   (the table and the markdown say nothing then either) */
	json_object_set_new(perf, "fastest", name_or_null(st, ranking ?
							  st->fastest : -1));
	json_object_set_new(perf, "slowest", name_or_null(st, ranking ?
							  st->slowest : -1));
	json_object_set_new(perf, "speed_difference", num_or_null(
		ranking ? st->speed_difference : NAN));
	json_object_set_new(perf, "metric", json_string(
		"sum of the p50 (ms) of the phases every provider completed (rollout and http, parts of other phases, only when nothing else is shared)"));
	json_object_set_new(perf, "phases", common);
	json_object_set_new(perf, "scores_ms", scores);
	json_object_set_new(rel, "most_reliable", name_or_null(st, ranking ?
							st->most_reliable : -1));
	json_object_set_new(rel, "success_rates", rates);
	json_object_set_new(o, "performance", perf);
	json_object_set_new(o, "reliability", rel);
	json_object_set_new(o, "overhead", overhead_json(v));
	return o;
}

static json_t *job_json(const struct report_job *job)
{
	json_t *e = json_object();

	json_object_set_new(e, "name", json_string(job->name));
	json_object_set_new(e, "source", json_string(job->source));
	json_object_set_new(e, "kind", json_string(report_kind_name(job->kind)));
	json_object_set_new(e, "status", job->status ?
			    json_string(job->status) : json_null());
	json_object_set_new(e, "duration_ms", num_or_null(job->duration_ms));
	json_object_set_new(e, "rollouts",
			    json_integer((json_int_t)job->n_rollouts));
	json_object_set_new(e, "providers", json_object());
	return e;
}

static json_t *jobs_json(const struct report_view *v)
{
	const struct report_stats *st = v->st;
	json_t *a = json_array();
	size_t g = 0;

	for (size_t j = 0; j < v->set->n_jobs; j++)
		json_array_append_new(a, job_json(&v->set->jobs[j]));
	while (g < st->n_job_groups) {	/* sorted by job, provider, phase */
		const struct report_group *gr = &st->job_groups[g];
		json_t *provs = json_object_get(json_array_get(a, gr->job),
						"providers");

		json_object_set_new(provs, report_str(v->set, gr->provider),
				    phases_json(v->set, st->job_groups,
						st->n_job_groups, &g));
	}
	return a;
}

static json_t *baseline_json(const struct report_view *v)
{
	const struct report_comparison *c = v->cmp;
	json_t *o = json_object(), *rows = json_array(), *oc, *ob;

	for (size_t i = 0; i < c->n; i++) {
		const struct report_cmp *r = &c->rows[i];
		json_t *e = json_object();

		json_object_set_new(e, "provider", json_string(r->provider));
		json_object_set_new(e, "phase", json_string(r->phase));
		json_object_set_new(e, "baseline_p50", num_or_null(r->base->st.p50));
		json_object_set_new(e, "candidate_p50", num_or_null(r->cand->st.p50));
		json_object_set_new(e, "ratio", num_or_null(r->ratio));
		json_object_set_new(e, "u", num_or_null(r->mwu.u));
		json_object_set_new(e, "p_value", num_or_null(r->mwu.p));
		json_object_set_new(e, "exact", json_boolean(r->mwu.exact));
		json_object_set_new(e, "baseline_n", json_integer((json_int_t)r->base->st.ok));
		json_object_set_new(e, "candidate_n", json_integer((json_int_t)r->cand->st.ok));
		json_object_set_new(e, "warning", r->few ? json_string(
			"fewer than 6 samples on a side: the p-value cannot show a difference") :
			json_null());
		json_array_append_new(rows, e);
	}
	oc = json_array();
	ob = json_array();
	for (size_t i = 0; i < c->n_only_cand; i++)
		json_array_append_new(oc, json_string(c->only_cand[i]));
	for (size_t i = 0; i < c->n_only_base; i++)
		json_array_append_new(ob, json_string(c->only_base[i]));
	json_object_set_new(o, "test", json_string("Mann-Whitney U, two-sided"));
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "only_candidate", oc);
	json_object_set_new(o, "only_baseline", ob);
	return o;
}

static json_t *seeds_json(const int64_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n && i < REPORT_FLIPS_MAX; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

/* The paired comparison of a group with its baseline. */
static json_t *pair_json(const struct report_pair *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "baseline", evalstats_json_str(p->base->name));
	json_object_set_new(o, "paired_seeds", json_integer((json_int_t)p->n));
	json_object_set_new(o, "baseline_mean_reward", num_or_null(p->base_mean));
	json_object_set_new(o, "candidate_mean_reward", num_or_null(p->cand_mean));
	json_object_set_new(o, "mean_difference", num_or_null(p->diff.mean));
	json_object_set_new(o, "mean_difference_ci95", isfinite(p->diff.lo) ?
			    json_pack("[o, o]", num_or_null(p->diff.lo),
				      num_or_null(p->diff.hi)) : json_null());
	json_object_set_new(o, "baseline_pass_rate", num_or_null(p->base_pass_rate));
	json_object_set_new(o, "candidate_pass_rate", num_or_null(p->cand_pass_rate));
	json_object_set_new(o, "wilcoxon", json_pack("{s:I, s:o, s:o, s:o, s:b}",
		"n", (json_int_t)p->wilcoxon.n,
		"w_plus", num_or_null(p->wilcoxon.w_plus),
		"w_minus", num_or_null(p->wilcoxon.w_minus),
		"p_value", num_or_null(p->wilcoxon.p),
		"exact", p->wilcoxon.exact));
	json_object_set_new(o, "mcnemar", json_pack("{s:I, s:I, s:o}",
		"fixed", (json_int_t)p->n_fixed, "broke", (json_int_t)p->n_broke,
		"p_value", num_or_null(p->mcnemar.p)));
	json_object_set_new(o, "fixed_seeds", seeds_json(p->fixed, p->n_fixed));
	json_object_set_new(o, "broke_seeds", seeds_json(p->broke, p->n_broke));
	return o;
}

/* "eval": {"groups": [one outcome per job identity]} */
static json_t *eval_json(const struct report_view *v)
{
	json_t *o = json_object(), *groups = json_array(), *un = json_array();

	for (size_t i = 0; v->evals && i < v->evals->n; i++) {
		const struct report_eval_group *g = &v->evals->groups[i];
		const struct report_pair *p = report_pair_of(v->pairs, g);
		json_t *e = evalstats_json(&g->st, g->st.epochs > 1 ||
					   g->st.n_seeds < g->st.n);
		json_t *jobs = json_array();

		for (size_t k = 0; k < g->n_jobs; k++)
			json_array_append_new(jobs, evalstats_json_str(
				v->set->jobs[g->jobs[k]].name));
		json_object_set_new(e, "name", evalstats_json_str(g->name));
		json_object_set_new(e, "identity", evalstats_json_str(g->identity));
		json_object_set_new(e, "app", evalstats_json_str(g->app));
		json_object_set_new(e, "app_version", evalstats_json_str(g->app_version));
		json_object_set_new(e, "policy", evalstats_json_str(g->policy));
		json_object_set_new(e, "model", evalstats_json_str(g->model));
		json_object_set_new(e, "provider", evalstats_json_str(g->provider));
		json_object_set_new(e, "env_name", evalstats_json_str(g->env_name));
		json_object_set_new(e, "jobs", jobs);
		if (v->pairs)
			json_object_set_new(e, "baseline", p ? pair_json(p) :
					    json_null());
		json_array_append_new(groups, e);
	}
	for (size_t i = 0; v->pairs && i < v->pairs->n_unpaired; i++)
		json_array_append_new(un, evalstats_json_str(v->pairs->unpaired[i]));
	json_object_set_new(o, "groups", groups);
	if (v->pairs)
		json_object_set_new(o, "without_baseline", un);
	else
		json_decref(un);
	return o;
}

static void dump_into(json_t *root, struct rv_buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(12));

	if (!s)
		rv_bug("cannot serialise a report");
	rv_buf_adds(out, s);
	rv_buf_addch(out, '\n');
	free(s);
	json_decref(root);
}

void report_render_summary(const struct report_view *v, struct rv_buf *out)
{
	json_t *root = json_object(), *gates = json_array();

	json_object_set_new(root, "schema", json_string(SUMMARY_SCHEMA));
	json_object_set_new(root, "benchmark_type",
			    json_string("sandbox_lifecycle"));
	json_object_set_new(root, "timestamp", json_string(v->timestamp));
	json_object_set_new(root, "generated_utc", json_string(v->generated_utc));
	json_object_set_new(root, "runeval_version", json_string(RUNEVAL_VERSION));
	json_object_set_new(root, "percentile_method",
			    json_string(PERCENTILE_METHOD));
	json_object_set_new(root, "window", v->st->window ?
			    json_integer((json_int_t)v->st->window) : json_null());
	json_object_set_new(root, "eval", eval_json(v));
	json_object_set_new(root, "providers", providers_json(v));
	json_object_set_new(root, "comparison", comparison_json(v));
	json_object_set_new(root, "jobs", jobs_json(v));
	if (v->cmp)
		json_object_set_new(root, "baseline", baseline_json(v));
	for (size_t i = 0; i < v->n_gates; i++)
		json_array_append_new(gates, report_gate_json(&v->gates[i],
							      &v->results[i]));
	json_object_set_new(root, "gates", gates);
	dump_into(root, out);
}

/*
 * Group of each sample (gid) and the samples of each group (count): the
 * times of a group are its successful durations in seconds, in input
 * (run) order, within the rolling window as the statistics are.
 */
static uint32_t *hyperfine_groups(const struct report_view *v, size_t *count)
{
	const struct report_stats *st = v->st;
	uint32_t *gid = rv_xreallocarray(NULL, v->set->n_samples + 1, 4);

	for (size_t i = 0; i < v->set->n_samples; i++) {
		struct report_sample tmp;
		const struct report_sample *s =
			report_sample_at(v->set, i, &tmp);

		gid[i] = (uint32_t)(report_stats_find(st, s->provider, s->phase) -
				    st->groups);
		count[gid[i]]++;
	}
	return gid;
}

/* "times": [...] of group g, one a line, written as they come. */
static void hyperfine_times(const struct report_view *v, struct rv_buf *out,
			    size_t g, const uint32_t *gid, size_t count)
{
	size_t window = v->st->window ? v->st->window : count, seen = 0;
	bool any = false;

	rv_buf_adds(out, ",\n      \"times\": [");
	for (size_t i = 0; i < v->set->n_samples; i++) {
		struct report_sample tmp;
		const struct report_sample *s;

		if (gid[i] != g)
			continue;
		if (count - seen++ > window)	/* before the window (seen <
						   count: no wrap-around) */
			continue;
		s = report_sample_at(v->set, i, &tmp);
		if (!s->ok)
			continue;
		rv_buf_adds(out, any ? ",\n        " : "\n        ");
		rv_json_add_num(out, s->ms / 1000);
		any = true;
		report_flush(v, out, false);
	}
	rv_buf_adds(out, any ? "\n      ]" : "]");
}

/*
 * hyperfine --export-json's layout, as text: the times and exit codes of
 * a group grow with the rollouts, and go to the sink as they are made.
 */
void report_render_hyperfine(const struct report_view *v, struct rv_buf *out)
{
	const struct report_stats *st = v->st;
	size_t *count = rv_xcalloc(st->n_groups + 1, sizeof(*count));
	uint32_t *gid = hyperfine_groups(v, count);

	rv_buf_adds(out, "{\n  \"results\": [");
	for (size_t i = 0; i < st->n_groups; i++) {
		const struct report_group *g = &st->groups[i];
		const char *prov = report_str(v->set, g->provider);
		const char *phase = report_str(v->set, g->phase);
		char *cmd = rv_xasprintf("%s %s", prov, phase);

		rv_buf_adds(out, i ? ",\n    {\n      \"command\": " :
			    "\n    {\n      \"command\": ");
		rv_json_add_str(out, cmd);
		rv_buf_adds(out, ",\n      \"mean\": ");
		rv_json_add_num(out, g->st.mean / 1000);
		rv_buf_adds(out, ",\n      \"stddev\": ");
		rv_json_add_num(out, g->st.ok > 1 ? g->st.stddev / 1000 : NAN);
		rv_buf_adds(out, ",\n      \"median\": ");
		rv_json_add_num(out, g->st.p50 / 1000);
		rv_buf_adds(out, ",\n      \"user\": 0.0,\n      \"system\": "
			    "0.0,\n      \"min\": ");
		rv_json_add_num(out, g->st.min / 1000);
		rv_buf_adds(out, ",\n      \"max\": ");
		rv_json_add_num(out, g->st.max / 1000);
		hyperfine_times(v, out, i, gid, count[i]);
		rv_buf_adds(out, ",\n      \"exit_codes\": [");
		for (size_t k = 0; k < g->st.ok; k++) {
			rv_buf_adds(out, k ? ",\n        0" : "\n        0");
			report_flush(v, out, false);
		}
		rv_buf_adds(out, g->st.ok ? "\n      ]" : "]");
		rv_buf_adds(out, ",\n      \"parameters\": {\n        "
			    "\"provider\": ");
		rv_json_add_str(out, prov);
		rv_buf_adds(out, ",\n        \"phase\": ");
		rv_json_add_str(out, phase);
		rv_buf_addf(out, "\n      },\n      \"failures\": %zu\n    }",
			    g->st.n - g->st.ok);
		free(cmd);
	}
	rv_buf_adds(out, st->n_groups ? "\n  ]\n}\n" : "]\n}\n");
	free(gid);
	free(count);
}
