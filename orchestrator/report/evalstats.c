/* The outcome of an eval from its rollouts (see evalstats.h). */
#include "evalstats.h"

#include "rv_alloc.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef const char *(*name_of)(const struct evalstats_rollout *r);

static const char *name_status(const struct evalstats_rollout *r)
{
	return r->status;
}

static const char *name_task(const struct evalstats_rollout *r)
{
	return r->task;
}

static const char *name_difficulty(const struct evalstats_rollout *r)
{
	return r->difficulty;
}

struct order_ctx {
	const struct evalstats_rollout *r;
	name_of get;
};

static int order_by_name(const void *a, const void *b, void *arg)
{
	const struct order_ctx *c = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(c->get(&c->r[x]), c->get(&c->r[y]));

	return d ? d : (x > y) - (x < y);
}

static int slice_by_count(const void *a, const void *b)
{
	const struct evalstats_slice *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int slice_by_name(const void *a, const void *b)
{
	return strcmp(((const struct evalstats_slice *)a)->name,
		      ((const struct evalstats_slice *)b)->name);
}

int evalstats_find(const struct evalstats_slice *v, size_t n,
		   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return (int)i;
	return -1;
}

/*
 * Group the names of the rollouts (get) into slices, the rarest beyond
 * EVALSTATS_MAX_NAMES - 1 under "(other)"; at[i] is rollout i's slice,
 * -1 without a name.  Slices come by count (by_count) or by name; their
 * n is set, the rest is slices_fill()'s.  While grouping, a slice's
 * `failures` holds its rank in name order, to map the rollouts.
 */
static size_t slices_group(const struct evalstats_rollout *r, size_t n,
			   name_of get, bool by_count, int *at,
			   struct evalstats_slice **out)
{
	size_t *idx = rv_xcalloc(n + 1, sizeof(*idx)), m = 0, k = 0;
	struct order_ctx c = { r, get };
	struct evalstats_slice *s;
	int *map, other = -1;

	for (size_t i = 0; i < n; i++) {
		at[i] = -1;
		if (get(&r[i]))
			idx[m++] = i;
	}
	qsort_r(idx, m, sizeof(*idx), order_by_name, &c);
	s = rv_xcalloc(m + 1, sizeof(*s));
	for (size_t i = 0; i < m; i++) {
		const char *name = get(&r[idx[i]]);

		if (!k || strcmp(s[k - 1].name, name)) {
			s[k].name = rv_xstrdup(name);
			s[k].failures = k;
			k++;
		}
		s[k - 1].n++;
		at[idx[i]] = (int)k - 1;	/* rank in name order, for now */
	}
	qsort(s, k, sizeof(*s), slice_by_count);
	if (k > EVALSTATS_MAX_NAMES) {
		size_t rest = 0;

		for (size_t i = EVALSTATS_MAX_NAMES - 1; i < k; i++) {
			rest += s[i].n;
			free(s[i].name);
			s[i].name = NULL;
		}
		s[EVALSTATS_MAX_NAMES - 1].name = rv_xstrdup(EVALSTATS_OTHER);
		s[EVALSTATS_MAX_NAMES - 1].n = rest;
		other = EVALSTATS_MAX_NAMES - 1;
	}
	map = rv_xcalloc(k + 1, sizeof(*map));
	for (size_t i = 0; i < k; i++)	/* -1 stays: "(other)" */
		map[i] = -1;
	if (other >= 0) {
		k = EVALSTATS_MAX_NAMES;
		s[k - 1].failures = SIZE_MAX;
	}
	if (!by_count)
		qsort(s, k, sizeof(*s), slice_by_name);
	for (size_t i = 0; i < k; i++) {
		if (s[i].failures != SIZE_MAX)
			map[s[i].failures] = (int)i;
		else
			other = (int)i;
		s[i].failures = 0;
	}
	for (size_t i = 0; i < n; i++)
		if (at[i] >= 0)
			at[i] = map[at[i]] >= 0 ? map[at[i]] : other;
	free(map);
	free(idx);
	/* one slice per name, not per rollout: a job holds its outcome */
	*out = rv_xreallocarray(s, k + 1, sizeof(*s));
	return k;
}

static bool completed(const struct evalstats_rollout *r)
{
	return r->cls != EVALSTATS_TRANSPORT && !isnan(r->reward);
}

/*
 * Counts and mean reward of each of k slices; at[i] is rollout i's.  The
 * completed rewards are sorted into one run per slice (a counting sort),
 * and each run's mean is stats_mean's, which never overflows.
 */
static void slices_fill(struct evalstats_slice *s, size_t k,
			const struct evalstats_rollout *r, size_t n,
			const int *at, double threshold)
{
	size_t *start = rv_xcalloc(k + 2, sizeof(*start));
	double *v = rv_xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		if (at[i] < 0)
			continue;
		s[at[i]].failures += r[i].cls != EVALSTATS_OK;
		if (!completed(&r[i]))
			continue;
		s[at[i]].completed++;
		s[at[i]].passed += r[i].reward >= threshold;
	}
	for (size_t j = 0; j < k; j++)
		start[j + 1] = start[j] + s[j].completed;
	for (size_t i = 0; i < n; i++)
		if (at[i] >= 0 && completed(&r[i]))
			v[start[at[i]]++] = r[i].reward;
	for (size_t j = 0; j < k; j++)
		s[j].mean_reward = s[j].completed ? stats_mean(v + start[j] -
			s[j].completed, s[j].completed) : NAN;
	free(v);
	free(start);
}

static int order_by_seed(const void *a, const void *b, void *arg)
{
	const struct evalstats_rollout *r = arg;
	const struct evalstats_rollout *x = &r[*(const size_t *)a];
	const struct evalstats_rollout *y = &r[*(const size_t *)b];

	if (x->seed != y->seed)
		return x->seed < y->seed ? -1 : 1;
	return (x->epoch > y->epoch) - (x->epoch < y->epoch);
}

/* Per seed: attempts, passes, mean reward, its task and difficulty. */
static void seeds_fill(struct evalstats *e, const struct evalstats_rollout *r,
		       size_t n, const int *task, const int *diff)
{
	size_t *idx = rv_xcalloc(n + 1, sizeof(*idx)), k = 0, m = 0;
	double *v = rv_xcalloc(n + 1, sizeof(*v));
	struct evalstats_seed *s = NULL;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), order_by_seed, (void *)r);
	e->seeds = rv_xcalloc(n + 1, sizeof(*e->seeds));
	for (size_t j = 0; j <= n; j++) {
		const struct evalstats_rollout *x = j < n ? &r[idx[j]] : NULL;

		if (s && (!x || s->seed != x->seed)) {	/* close the seed */
			s->mean_reward = stats_mean(v + m - s->completed,
						    s->completed);
			if (!e->max_k || s->n < e->max_k)
				e->max_k = s->n;
		}
		if (!x)
			break;
		if (!s || s->seed != x->seed) {
			s = &e->seeds[k++];
			*s = (struct evalstats_seed){ .seed = x->seed,
				.task = -1, .difficulty = -1 };
		}
		s->n++;
		if (s->task < 0)
			s->task = task[idx[j]];
		if (s->difficulty < 0)
			s->difficulty = diff[idx[j]];
		if (!completed(x))
			continue;
		s->completed++;
		s->passed += x->reward >= e->threshold;
		v[m++] = x->reward;
	}
	e->n_seeds = k;
	e->seeds = rv_xreallocarray(e->seeds, k + 1, sizeof(*e->seeds));
	free(v);
	free(idx);
}

static void tokens_fill(struct evalstats *e, const struct evalstats_rollout *r,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t t[3] = { r[i].tokens[0], r[i].tokens[1], r[i].tokens[2] };

		if (t[2] < 0 && t[0] >= 0 && t[1] >= 0 &&
		    t[0] <= INT64_MAX - t[1])
			t[2] = t[0] + t[1];
		if (t[0] < 0 && t[1] < 0 && t[2] < 0)
			continue;
		e->token_rollouts++;
		for (int j = 0; j < 3; j++)	/* saturating: inputs are foreign */
			e->tokens[j] = t[j] > 0 && e->tokens[j] > INT64_MAX - t[j] ?
				INT64_MAX : e->tokens[j] + (t[j] > 0 ? t[j] : 0);
	}
}

void evalstats_compute(const struct evalstats_rollout *r, size_t n,
		       double threshold, struct evalstats *out)
{
	double *done = rv_xcalloc(n + 1, sizeof(*done));
	double *all = rv_xcalloc(n + 1, sizeof(*all));
	int *st = rv_xcalloc(n + 1, sizeof(*st));
	int *task = rv_xcalloc(n + 1, sizeof(*task));
	int *diff = rv_xcalloc(n + 1, sizeof(*diff));

	memset(out, 0, sizeof(*out));
	out->threshold = threshold;
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		out->ok += r[i].cls == EVALSTATS_OK;
		out->pipeline += r[i].cls == EVALSTATS_PIPELINE;
		out->transport += r[i].cls == EVALSTATS_TRANSPORT;
		if (r[i].epoch > out->epochs)
			out->epochs = r[i].epoch;
		if (!completed(&r[i]))
			continue;
		all[i] = done[out->completed++] = r[i].reward;
		out->passed += r[i].reward >= threshold;
	}
	stats_mean_ci(done, out->completed, &out->reward);
	out->mean_reward_all = stats_mean(all, n);
	out->pass_rate = n ? (double)out->passed / (double)n : NAN;
	out->n_statuses = slices_group(r, n, name_status, true, st,
				       &out->statuses);
	out->n_tasks = slices_group(r, n, name_task, false, task, &out->tasks);
	out->n_difficulties = slices_group(r, n, name_difficulty, false, diff,
					   &out->difficulties);
	slices_fill(out->statuses, out->n_statuses, r, n, st, threshold);
	slices_fill(out->tasks, out->n_tasks, r, n, task, threshold);
	slices_fill(out->difficulties, out->n_difficulties, r, n, diff,
		    threshold);
	seeds_fill(out, r, n, task, diff);
	tokens_fill(out, r, n);
	free(diff);
	free(task);
	free(st);
	free(all);
	free(done);
}

static void slices_free(struct evalstats_slice *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

void evalstats_release(struct evalstats *e)
{
	slices_free(e->statuses, e->n_statuses);
	slices_free(e->tasks, e->n_tasks);
	slices_free(e->difficulties, e->n_difficulties);
	free(e->seeds);
	memset(e, 0, sizeof(*e));
}

double evalstats_pass_at(const struct evalstats *e, size_t k,
			 enum evalstats_by by, int index, size_t *max_k)
{
	size_t fewest = 0, used = 0;
	double sum = 0;

	for (size_t i = 0; i < e->n_seeds; i++) {
		const struct evalstats_seed *s = &e->seeds[i];

		if ((by == EVALSTATS_TASK && s->task != index) ||
		    (by == EVALSTATS_DIFFICULTY && s->difficulty != index))
			continue;
		if (!used || s->n < fewest)
			fewest = s->n;
		used++;
		if (k && k <= s->n)
			sum += stats_pass_at_k(s->n, s->passed, k);
	}
	if (max_k)
		*max_k = fewest;
	if (!used || !k || k > fewest)
		return NAN;
	return sum / (double)used;
}

size_t evalstats_ks(const struct evalstats *e, size_t ks[24])
{
	size_t n = 0;

	if (e->max_k <= 10) {
		for (size_t k = 1; k <= e->max_k; k++)
			ks[n++] = k;
		return n;
	}
	for (size_t p = 1; p <= e->max_k && n < 22; p *= 10)
		for (size_t m = 1; m <= 5 && p * m <= e->max_k; m += m == 1 ? 1 : 3)
			if (p * m < e->max_k)
				ks[n++] = p * m;
	ks[n++] = e->max_k;
	return n;
}
