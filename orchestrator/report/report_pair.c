/* A candidate's rewards against a baseline's, seed by seed (report_eval.h). */
#include "report_eval.h"

#include "rv_alloc.h"
#include "stats.h"

#include <math.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The baseline group of the same app, policy, model and provider. */
static const struct report_eval_group *pair_base(
	const struct report_evals *cand, const struct report_evals *base,
	const struct report_eval_group *g)
{
	if (cand->n == 1 && base->n == 1)
		return &base->groups[0];
	for (size_t i = 0; i < base->n; i++) {
		const struct report_eval_group *b = &base->groups[i];

		if (same(b->app, g->app) && same(b->policy, g->policy) &&
		    same(b->model, g->model) && same(b->provider, g->provider))
			return b;
	}
	return NULL;
}

static void pair_flip(int64_t **list, size_t *n, int64_t seed)
{
	if (*n < REPORT_FLIPS_MAX) {
		*list = rv_xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[*n] = seed;
	}
	(*n)++;
}

/* Join the two groups' per-seed means (both ascending by seed). */
static void pair_compute(struct report_pair *p)
{
	const struct evalstats *c = &p->cand->st, *b = &p->base->st;
	size_t most = (c->n_seeds < b->n_seeds ? c->n_seeds : b->n_seeds) + 1;
	double *d = rv_xcalloc(most, sizeof(*d));
	double *bm = rv_xcalloc(most, sizeof(*bm));
	double *cm = rv_xcalloc(most, sizeof(*cm));
	size_t i = 0, j = 0, base_pass = 0, cand_pass = 0;

	while (i < c->n_seeds && j < b->n_seeds) {
		const struct evalstats_seed *x = &c->seeds[i], *y = &b->seeds[j];
		bool px, py;

		if (x->seed < y->seed) {
			i++;
			continue;
		}
		if (x->seed > y->seed) {
			j++;
			continue;
		}
		i++;
		j++;
		if (isnan(x->mean_reward) || isnan(y->mean_reward))
			continue;
		bm[p->n] = y->mean_reward;
		cm[p->n] = x->mean_reward;
		d[p->n++] = x->mean_reward - y->mean_reward;
		px = x->mean_reward >= c->threshold;
		py = y->mean_reward >= b->threshold;
		cand_pass += px;
		base_pass += py;
		if (px && !py)
			pair_flip(&p->fixed, &p->n_fixed, x->seed);
		if (!px && py)
			pair_flip(&p->broke, &p->n_broke, x->seed);
	}
	stats_mean_ci(d, p->n, &p->diff);
	stats_wilcoxon(d, p->n, &p->wilcoxon);
	stats_mcnemar(p->n_broke, p->n_fixed, &p->mcnemar);
	p->base_mean = stats_mean(bm, p->n);
	p->cand_mean = stats_mean(cm, p->n);
	p->base_pass_rate = p->n ? (double)base_pass / (double)p->n : NAN;
	p->cand_pass_rate = p->n ? (double)cand_pass / (double)p->n : NAN;
	free(cm);
	free(bm);
	free(d);
}

void report_pairs_compute(struct report_pairs *p,
			  const struct report_evals *cand,
			  const struct report_evals *base)
{
	memset(p, 0, sizeof(*p));
	p->v = rv_xcalloc(cand->n + 1, sizeof(*p->v));
	for (size_t i = 0; i < cand->n; i++) {
		const struct report_eval_group *g = &cand->groups[i];
		const struct report_eval_group *b = pair_base(cand, base, g);
		struct report_pair *x;

		if (!b) {
			p->unpaired = rv_xreallocarray(p->unpaired,
				p->n_unpaired + 1, sizeof(*p->unpaired));
			p->unpaired[p->n_unpaired++] = rv_xstrdup(g->identity);
			continue;
		}
		x = &p->v[p->n++];
		x->cand = g;
		x->base = b;
		pair_compute(x);
	}
}

void report_pairs_release(struct report_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].fixed);
		free(p->v[i].broke);
	}
	for (size_t i = 0; i < p->n_unpaired; i++)
		free(p->unpaired[i]);
	free(p->unpaired);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const struct report_pair *report_pair_of(const struct report_pairs *p,
					 const struct report_eval_group *g)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (p->v[i].cand == g)
			return &p->v[i];
	return NULL;
}
