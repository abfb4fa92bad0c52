#include "report_stats.h"

#include "report_util.h"
#include "rv_alloc.h"
#include "rv_phase.h"

#include <math.h>
#include <string.h>

struct group_map {
	uint32_t *slots;	/* group index + 1, 0 empty */
	size_t n_slots;
};

struct group_ctx {
	const struct report_set *set;
	const uint32_t *prov_rank, *phase_rank;
	struct report_group *groups;
	size_t n, cap;
	struct group_map map;
};

static size_t group_hash(uint32_t job, uint32_t prov, uint32_t phase)
{
	uint64_t h = ((uint64_t)job * 0x9e3779b97f4a7c15ULL) ^
		     ((uint64_t)prov << 32 | phase);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h ^ (h >> 32));
}

static void group_map_grow(struct group_ctx *c)
{
	size_t n = c->map.n_slots ? c->map.n_slots * 2 : 256;

	free(c->map.slots);
	c->map.slots = rv_xcalloc(n, sizeof(*c->map.slots));
	c->map.n_slots = n;
	for (size_t g = 0; g < c->n; g++) {
		const struct report_group *gr = &c->groups[g];
		size_t i = group_hash(gr->job, gr->provider, gr->phase) & (n - 1);

		while (c->map.slots[i])
			i = (i + 1) & (n - 1);
		c->map.slots[i] = (uint32_t)g + 1;
	}
}

static uint32_t group_of(struct group_ctx *c, uint32_t job, uint32_t prov,
			 uint32_t phase)
{
	size_t mask, i;
	struct report_group *g;

	if ((c->n + 1) * 2 > c->map.n_slots)
		group_map_grow(c);
	mask = c->map.n_slots - 1;
	for (i = group_hash(job, prov, phase) & mask; c->map.slots[i];
	     i = (i + 1) & mask) {
		g = &c->groups[c->map.slots[i] - 1];
		if (g->job == job && g->provider == prov && g->phase == phase)
			return c->map.slots[i] - 1;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->groups = rv_xreallocarray(c->groups, c->cap, sizeof(*g));
	}
	g = &c->groups[c->n];
	memset(g, 0, sizeof(*g));
	g->job = job;
	g->provider = prov;
	g->phase = phase;
	c->map.slots[i] = (uint32_t)++c->n;
	return (uint32_t)c->n - 1;
}

static int group_cmp(const void *a, const void *b, void *arg)
{
	const struct report_group *x = a, *y = b;
	const struct group_ctx *c = arg;

	if (x->job != y->job)
		return x->job < y->job ? -1 : 1;
	if (x->provider != y->provider)
		return c->prov_rank[x->provider] < c->prov_rank[y->provider] ?
		       -1 : 1;
	return (c->phase_rank[x->phase] > c->phase_rank[y->phase]) -
	       (c->phase_rank[x->phase] < c->phase_rank[y->phase]);
}

/*
 * Group every sample by (job or all, provider, phase) and summarise: each
 * group's durations (its successful ones, within the rolling window) go
 * straight into its sorted array, in input order, the samples read from
 * start to end; nothing else holds a copy of them.
 */
static void group_all(struct group_ctx *c, bool per_job, size_t window)
{
	const struct report_set *set = c->set;
	size_t n = set->n_samples, j = 0;
	uint32_t *gid = rv_xreallocarray(NULL, n + 1, sizeof(*gid));
	size_t *count, *skip, *m;
	struct report_sample tmp;

	for (size_t i = 0; i < n; i++) {
		const struct report_sample *s = report_sample_at(set, i, &tmp);

		/* a job's samples are contiguous, the jobs in order */
		while (j + 1 < set->n_jobs && i >= set->jobs[j].first_sample +
		       set->jobs[j].n_samples)
			j++;
		gid[i] = group_of(c, per_job ? (uint32_t)j : REPORT_ALL_JOBS,
				  s->provider, s->phase);
	}
	count = rv_xcalloc(c->n + 1, sizeof(*count));
	skip = rv_xcalloc(c->n + 1, sizeof(*skip));
	m = rv_xcalloc(c->n + 1, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		count[gid[i]]++;
	for (size_t g = 0; g < c->n; g++) {
		if (window && count[g] > window) {	/* the last window */
			skip[g] = count[g] - window;
			count[g] = window;
		}
		c->groups[g].sorted = rv_xreallocarray(NULL, count[g] ?
						       count[g] : 1,
						       sizeof(double));
	}
	for (size_t i = 0; i < n; i++) {
		struct report_group *g = &c->groups[gid[i]];
		const struct report_sample *s;

		if (skip[gid[i]]) {
			skip[gid[i]]--;
			continue;
		}
		s = report_sample_at(set, i, &tmp);
		g->sum_ms += s->ms;
		if (s->ok)
			g->sorted[m[gid[i]]++] = s->ms;
	}
	for (size_t g = 0; g < c->n; g++) {
		stats_sort(c->groups[g].sorted, m[g]);
		stats_summary_sorted(c->groups[g].sorted, m[g], count[g],
				     &c->groups[g].st);
	}
	if (c->n)	/* no groups: groups may be NULL, which qsort_r
			   must not be given */
		qsort_r(c->groups, c->n, sizeof(*c->groups), group_cmp, c);
	free(m);
	free(skip);
	free(count);
	free(gid);
}

/* Ranks for display order: providers as they appear, phases by pipeline. */
static void report_ranks(struct report_stats *st)
{
	uint32_t **prov_rank = &st->prov_rank, **phase_rank = &st->phase_rank;
	const struct report_set *set = st->set;
	size_t n_str = set->strings.n + 1, n_prov = 0, n_phase = 0;
	size_t n_pipe = RV_PHASE_COUNT;

	*prov_rank = rv_xcalloc(n_str, sizeof(uint32_t));
	*phase_rank = rv_xcalloc(n_str, sizeof(uint32_t));
	for (size_t i = 0; i < n_pipe; i++) {
		/* the pipeline's phases, in the order they happen */
		uint32_t id = report_find(set, rv_phase_name((enum rv_phase)i));

		if (id)
			(*phase_rank)[id] = (uint32_t)i + 1;
	}
	n_phase = n_pipe;
	for (size_t i = 0; i < set->n_samples; i++) {
		struct report_sample tmp;
		const struct report_sample *s = report_sample_at(set, i, &tmp);

		if (!(*prov_rank)[s->provider])
			(*prov_rank)[s->provider] = (uint32_t)++n_prov;
		if (!(*phase_rank)[s->phase])
			(*phase_rank)[s->phase] = (uint32_t)++n_phase;
	}
}

/* Providers and phases that occur, in display order. */
static int phase_cmp(const void *a, const void *b, void *arg)
{
	const uint32_t *rank = arg;
	uint32_t x = rank[*(const uint32_t *)a], y = rank[*(const uint32_t *)b];

	return (x > y) - (x < y);
}

static void report_lists(struct report_stats *st)
{
	bool *seen = rv_xcalloc(st->set->strings.n + 1, sizeof(*seen));

	st->providers = rv_xcalloc(st->n_groups + 1, sizeof(*st->providers));
	st->phases = rv_xcalloc(st->n_groups + 1, sizeof(*st->phases));
	for (size_t g = 0; g < st->n_groups; g++) {
		const struct report_group *gr = &st->groups[g];
		struct report_provider *p = NULL;

		if (st->n_providers &&
		    st->providers[st->n_providers - 1].provider == gr->provider)
			p = &st->providers[st->n_providers - 1];
		if (!p) {
			p = &st->providers[st->n_providers++];
			p->provider = gr->provider;
		}
		p->n += gr->st.n;
		p->ok += gr->st.ok;
		p->total_ms += gr->sum_ms;
		if (!seen[gr->phase])
			st->phases[st->n_phases++] = gr->phase;
		seen[gr->phase] = true;
	}
	qsort_r(st->phases, st->n_phases, sizeof(*st->phases), phase_cmp,
		st->phase_rank);
	free(seen);
}

/* A provider's total: its jobs' durations when the jobs say them. */
static void report_totals(struct report_stats *st)
{
	for (size_t i = 0; i < st->n_providers; i++) {
		struct report_provider *p = &st->providers[i];
		double jobs = 0;
		bool any = false;

		for (size_t j = 0; j < st->set->n_jobs; j++) {
			const struct report_job *job = &st->set->jobs[j];

			if (job->provider == p->provider &&
			    isfinite(job->duration_ms)) {
				jobs += job->duration_ms;
				any = true;
			}
		}
		if (any)
			p->total_ms = jobs;
	}
}

bool report_stats_is_inner(const struct report_set *set, uint32_t phase)
{
	enum rv_phase ph = rv_phase_find(report_str(set, phase));

	return ph == RV_PHASE_ROLLOUT || ph == RV_PHASE_HTTP;
}

/*
 * The phases every ranked provider completed at least once; the parts
 * of other phases (rollout, http) only when nothing else is shared.
 */
static void report_common_phases(struct report_stats *st, bool inner,
				 const bool *unranked)
{
	st->n_common = 0;
	for (size_t k = 0; k < st->n_phases; k++) {
		bool all = inner || !report_stats_is_inner(st->set, st->phases[k]);

		for (size_t i = 0; i < st->n_providers && all; i++) {
			const struct report_group *g = report_stats_find(st,
				st->providers[i].provider, st->phases[k]);

			all = unranked[i] || (g && g->st.ok > 0);
		}
		if (all)
			st->common[st->n_common++] = st->phases[k];
	}
}

/*
 * Providers left out of the rankings (fastest, slowest, most reliable,
 * the per-phase table) and of the choice of the phases compared: when
 * some ran rollouts, those that ran none (a job that never got past its
 * health check would otherwise win on the few phases it has: start,
 * preview, teardown); and a bench's cold series when there are warm
 * ones (a provider's first run against its own later runs).
 */
static bool *report_unranked(const struct report_stats *st)
{
	bool *out = rv_xcalloc(st->n_providers + 1, sizeof(*out));
	uint32_t rollout = 0;
	bool any = false, warm = false;

	for (size_t k = 0; k < st->n_phases; k++)
		if (rv_phase_find(report_str(st->set, st->phases[k])) ==
		    RV_PHASE_ROLLOUT)
			rollout = st->phases[k];
	for (size_t i = 0; rollout && i < st->n_providers; i++) {
		const struct report_group *g = report_stats_find(st,
			st->providers[i].provider, rollout);

		out[i] = !g || !g->st.ok;
		any |= !out[i];
	}
	if (!any)	/* none ran rollouts (a bench): rank them all */
		memset(out, 0, (st->n_providers + 1) * sizeof(*out));
	for (size_t i = 0; i < st->n_providers; i++)
		warm |= !out[i] && !report_cold_series(report_str(st->set,
						st->providers[i].provider));
	for (size_t i = 0; warm && i < st->n_providers; i++)
		out[i] |= report_cold_series(report_str(st->set,
						st->providers[i].provider));
	return out;
}

static void report_compare_providers(struct report_stats *st)
{
	bool *unranked = report_unranked(st);

	st->common = rv_xcalloc(st->n_phases + 1, sizeof(*st->common));
	report_common_phases(st, false, unranked);
	if (!st->n_common)
		report_common_phases(st, true, unranked);
	st->fastest = st->slowest = st->most_reliable = -1;
	st->speed_difference = NAN;
	for (size_t i = 0; i < st->n_providers; i++) {
		struct report_provider *p = &st->providers[i];
		const struct report_provider *best;
		bool ranked = st->n_common && !unranked[i];

		p->ranked = !unranked[i];
		st->n_ranked += p->ranked;
		for (size_t k = 0; k < st->n_common && !unranked[i]; k++)
			p->score_ms += report_stats_find(st, p->provider,
							 st->common[k])->st.p50;
		if (unranked[i])
			p->score_ms = NAN;	/* "-": not comparable */
		if (ranked && (st->fastest < 0 ||
		    p->score_ms < st->providers[st->fastest].score_ms))
			st->fastest = (int)i;
		if (ranked && (st->slowest < 0 ||
		    p->score_ms > st->providers[st->slowest].score_ms))
			st->slowest = (int)i;
		best = st->most_reliable < 0 ? NULL :
		       &st->providers[st->most_reliable];
		if (p->ranked && (!best || (double)p->ok * (double)best->n >
			     (double)best->ok * (double)p->n ||
		    ((double)p->ok * (double)best->n ==
		     (double)best->ok * (double)p->n && p->n > best->n)))
			st->most_reliable = (int)i;
	}
	if (st->fastest >= 0 && st->providers[st->fastest].score_ms > 0)
		st->speed_difference = st->providers[st->slowest].score_ms /
				       st->providers[st->fastest].score_ms;
	free(unranked);
}

static struct report_group *groups_copy(const struct report_group *g,
					size_t n)
{
	struct report_group *c = rv_xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++) {
		c[i] = g[i];
		c[i].job = 0;
		c[i].sorted = rv_xmemdup(g[i].sorted, (g[i].st.ok ? g[i].st.ok : 1) *
					 sizeof(double));
	}
	return c;
}

void report_stats_compute(struct report_stats *st,
			  const struct report_set *set, size_t window)
{
	struct group_ctx c = { .set = set };

	memset(st, 0, sizeof(*st));
	st->set = set;
	st->window = window;
	report_ranks(st);
	c.prov_rank = st->prov_rank;
	c.phase_rank = st->phase_rank;
	group_all(&c, false, window);
	st->groups = c.groups;
	st->n_groups = c.n;
	free(c.map.slots);
	c.groups = NULL;
	c.n = c.cap = 0;
	c.map = (struct group_map){ NULL, 0 };
	if (set->n_jobs == 1) {
		/* one job: its groups are the all-jobs groups, no second sort */
		st->job_groups = groups_copy(st->groups, st->n_groups);
		st->n_job_groups = st->n_groups;
	} else {
		group_all(&c, true, window);
		st->job_groups = c.groups;
		st->n_job_groups = c.n;
		free(c.map.slots);
	}
	report_lists(st);
	report_totals(st);
	report_compare_providers(st);
}

static void report_groups_free(struct report_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].sorted);
	free(g);
}

void report_stats_release(struct report_stats *st)
{
	report_groups_free(st->groups, st->n_groups);
	report_groups_free(st->job_groups, st->n_job_groups);
	free(st->providers);
	free(st->phases);
	free(st->common);
	free(st->prov_rank);
	free(st->phase_rank);
	memset(st, 0, sizeof(*st));
}

/* Binary search: the all-jobs groups are sorted by provider, phase rank. */
const struct report_group *report_stats_find(const struct report_stats *st,
					     uint32_t provider, uint32_t phase)
{
	size_t lo = 0, hi = st->n_groups;

	if (!provider || !phase || provider >= st->set->strings.n ||
	    phase >= st->set->strings.n)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct report_group *g = &st->groups[mid];
		uint32_t a = st->prov_rank[g->provider], b = st->prov_rank[provider];

		if (a == b) {
			a = st->phase_rank[g->phase];
			b = st->phase_rank[phase];
		}
		if (a == b)
			return g;
		if (a < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct report_group *report_stats_find_named(
	const struct report_stats *st, const char *provider, const char *phase)
{
	uint32_t p = report_find(st->set, provider);
	uint32_t ph = report_find(st->set, phase);

	return p && ph ? report_stats_find(st, p, ph) : NULL;
}

int report_stats_provider(const struct report_stats *st, const char *name)
{
	uint32_t id = report_find(st->set, name);

	for (size_t i = 0; id && i < st->n_providers; i++)
		if (st->providers[i].provider == id)
			return (int)i;
	return -1;
}
