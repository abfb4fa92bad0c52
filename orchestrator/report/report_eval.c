/* The eval's outcome in a report (see report_eval.h). */
#include "report_eval.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <math.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Does job j have an eval (a runeval result with rollouts)? */
static bool has_eval(const struct report_job *j)
{
	return j->kind == REPORT_KIND_RESULT && j->n_rollouts > 0;
}

/* The same app (and version), policy and model? */
static bool same_eval(const struct report_job *a, const struct report_job *b)
{
	return same(a->app, b->app) && same(a->policy, b->policy) &&
	       same(a->model, b->model) && same(a->app_version, b->app_version);
}

/* "app 1.2, policy reference, model m, on process" */
static char *identity_text(const struct report_eval_group *g)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "%s", g->app ? g->app : "(app unknown)");
	if (g->app_version)
		rv_buf_addf(&b, " %s", g->app_version);
	rv_buf_addf(&b, ", policy %s", g->policy ? g->policy : "(unknown)");
	if (g->model)
		rv_buf_addf(&b, ", model %s", g->model);
	if (g->provider)
		rv_buf_addf(&b, ", on %s", g->provider);
	return rv_buf_detach(&b, NULL);
}

static struct report_eval_group *group_for(struct report_evals *e,
					   const struct report_set *set,
					   size_t j)
{
	const struct report_job *job = &set->jobs[j];
	struct report_eval_group *g;

	for (size_t i = 0; i < e->n; i++)
		if (same_eval(&set->jobs[e->groups[i].jobs[0]], job) &&
		    set->jobs[e->groups[i].jobs[0]].eval_provider ==
		    job->eval_provider)
			return &e->groups[i];
	e->groups = rv_xreallocarray(e->groups, e->n + 1, sizeof(*e->groups));
	g = &e->groups[e->n++];
	memset(g, 0, sizeof(*g));
	g->app = job->app;
	g->app_version = job->app_version;
	g->policy = job->policy;
	g->model = job->model;
	g->provider = report_str(set, job->eval_provider);
	g->env_name = job->env_name;
	g->threshold = job->pass_threshold;
	return g;
}

static void group_compute(struct report_eval_group *g,
			  const struct report_set *set, double threshold)
{
	const struct report_job *one = &set->jobs[g->jobs[0]];
	size_t n = 0, k = 0;
	struct evalstats_rollout *v;
	int64_t seedless = REPORT_NO_SEED;

	if (!isnan(threshold))
		g->threshold = threshold;
	if (isnan(g->threshold))
		g->threshold = 1;
	g->identity = identity_text(g);
	g->name = rv_xstrdup(g->n_jobs == 1 ? one->name : g->identity);
	if (g->n_jobs == 1 && one->eval && one->eval->n == one->n_rollouts &&
	    one->eval->threshold == g->threshold) {
		g->st = *one->eval;
		g->st_borrowed = true;
		return;
	}
	for (size_t i = 0; i < g->n_jobs; i++)
		n += set->jobs[g->jobs[i]].n_rollouts;
	v = rv_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < g->n_jobs; i++) {
		const struct report_job *job = &set->jobs[g->jobs[i]];

		for (size_t r = 0; r < job->n_rollouts; r++) {
			struct report_rollout tmp;
			const struct report_rollout *x =
				report_rollout_at(set, job, r, &tmp);
			const char *st = report_str(set, x->status);
			int64_t t[3];

			report_tokens(job, r, t);
			v[k++] = (struct evalstats_rollout){
				/* a rollout without a seed is a seed of
				   its own, never pooled with others as
				   attempts of one seed (pass@k) */
				.seed = x->seed == REPORT_NO_SEED ?
					++seedless : x->seed,
				.epoch = x->epoch, .reward = x->reward,
				.cls = (enum evalstats_class)x->cls,
				.status = st ? st : "unknown",
				.task = report_str(set, x->task),
				.difficulty = report_str(set, x->difficulty),
				.tokens = { t[0], t[1], t[2] },
			};
		}
	}
	evalstats_compute(v, k, g->threshold, &g->st);
	free(v);
}

void report_evals_compute(struct report_evals *e, const struct report_set *set,
			  double threshold)
{
	memset(e, 0, sizeof(*e));
	for (size_t j = 0; j < set->n_jobs; j++) {
		struct report_eval_group *g;

		if (!has_eval(&set->jobs[j]))
			continue;
		g = group_for(e, set, j);
		g->jobs = rv_xreallocarray(g->jobs, g->n_jobs + 1,
					   sizeof(*g->jobs));
		g->jobs[g->n_jobs++] = j;
	}
	for (size_t i = 0; i < e->n; i++)
		group_compute(&e->groups[i], set, threshold);
}

void report_evals_release(struct report_evals *e)
{
	for (size_t i = 0; i < e->n; i++) {
		if (!e->groups[i].st_borrowed)
			evalstats_release(&e->groups[i].st);
		free(e->groups[i].jobs);
		free(e->groups[i].name);
		free(e->groups[i].identity);
	}
	free(e->groups);
	memset(e, 0, sizeof(*e));
}

/* "policy=noop, model=m": the fields in which job differs from others. */
static void relabel_one(struct report_set *set, size_t j, const size_t *peers,
			size_t n_peers)
{
	struct report_job *job = &set->jobs[j];
	const char *name = report_str(set, job->provider);
	bool app = false, ver = false, pol = false, mod = false;
	struct rv_buf b = RV_BUF_INIT;
	uint32_t from = job->provider, to;

	for (size_t i = 0; i < n_peers; i++) {
		const struct report_job *p = &set->jobs[peers[i]];

		app |= !same(p->app, job->app);
		ver |= !same(p->app_version, job->app_version);
		pol |= !same(p->policy, job->policy);
		mod |= !same(p->model, job->model);
	}
	rv_buf_addf(&b, "%s (", name);
	if (app)
		rv_buf_addf(&b, "app=%s, ", job->app ? job->app : "-");
	if (ver)
		rv_buf_addf(&b, "version=%s, ", job->app_version ?
			    job->app_version : "-");
	if (pol)
		rv_buf_addf(&b, "policy=%s, ", job->policy ? job->policy : "-");
	if (mod)
		rv_buf_addf(&b, "model=%s, ", job->model ? job->model : "-");
	rv_buf_truncate(&b, b.len - 2);
	rv_buf_addch(&b, ')');
	to = report_intern(set, b.data, b.len);
	job->provider = to;
	for (size_t i = job->first_sample;
	     i < job->first_sample + job->n_samples; i++)
		if (set->samples[i].provider == from)
			set->samples[i].provider = to;
	rv_buf_release(&b);
}

void report_eval_relabel(struct report_set *set)
{
	size_t *peers = rv_xcalloc(set->n_jobs + 1, sizeof(*peers));
	uint32_t *orig = rv_xcalloc(set->n_jobs + 1, sizeof(*orig));

	for (size_t j = 0; j < set->n_jobs; j++)
		orig[j] = set->jobs[j].provider;
	for (size_t j = 0; j < set->n_jobs; j++) {
		struct report_job *job = &set->jobs[j];
		size_t n = 0;
		bool differs = false;

		if (job->kind != REPORT_KIND_RESULT || !orig[j])
			continue;
		for (size_t k = 0; k < set->n_jobs; k++) {
			const struct report_job *p = &set->jobs[k];

			if (k == j || p->kind != REPORT_KIND_RESULT ||
			    orig[k] != orig[j])
				continue;
			peers[n++] = k;
			differs |= !same_eval(p, job);
		}
		if (differs)
			relabel_one(set, j, peers, n);
	}
	free(orig);
	free(peers);
}
