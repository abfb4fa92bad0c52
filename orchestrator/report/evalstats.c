/* The outcome of an eval from its rollouts (see evalstats.h). */
#include "evalstats.h"

#include "rv_alloc.h"
#include "rv_err.h"
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

static int order_by_name(const void *a, const void *b, void *arg)
{
	const char *const *names = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(names[x], names[y]);

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
static size_t slices_group(const struct evalstats_src *src, name_of get,
			   bool by_count, int *at, struct evalstats_slice **out)
{
	size_t n = src->n, m = 0, k = 0, cap = 1;
	size_t *idx = rv_xcalloc(n + 1, sizeof(*idx));
	const char **names = rv_xcalloc(n + 1, sizeof(*names));
	struct evalstats_slice *s = rv_xcalloc(cap, sizeof(*s));
	struct evalstats_rollout x;
	int *map, other = -1;

	for (size_t i = 0; i < n; i++) {
		src->at(src, i, &x);
		at[i] = -1;
		if ((names[i] = get(&x)))
			idx[m++] = i;
	}
	qsort_r(idx, m, sizeof(*idx), order_by_name, names);
	for (size_t i = 0; i < m; i++) {
		const char *name = names[idx[i]];

		if (!k || strcmp(s[k - 1].name, name)) {
			if (k + 1 >= cap) {	/* by names, not rollouts */
				size_t was = cap;

				cap *= 2;
				s = rv_xreallocarray(s, cap, sizeof(*s));
				memset(s + was, 0, (cap - was) * sizeof(*s));
			}
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
	free(names);
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
			const struct evalstats_src *src, const int *at,
			double threshold)
{
	size_t *start = rv_xcalloc(k + 2, sizeof(*start));
	struct evalstats_rollout x;
	double *v;

	for (size_t i = 0; i < src->n; i++) {
		if (at[i] < 0)
			continue;
		src->at(src, i, &x);
		s[at[i]].failures += x.cls != EVALSTATS_OK;
		if (!completed(&x))
			continue;
		s[at[i]].completed++;
		s[at[i]].passed += x.reward >= threshold;
	}
	for (size_t j = 0; j < k; j++)
		start[j + 1] = start[j] + s[j].completed;
	v = rv_xcalloc(start[k] + 1, sizeof(*v));
	for (size_t i = 0; i < src->n; i++) {
		if (at[i] < 0)
			continue;
		src->at(src, i, &x);
		if (completed(&x))
			v[start[at[i]]++] = x.reward;
	}
	for (size_t j = 0; j < k; j++)
		s[j].mean_reward = s[j].completed ? stats_mean(v + start[j] -
			s[j].completed, s[j].completed) : NAN;
	free(v);
	free(start);
}

struct seed_key {	/* a rollout by seed and epoch, then input order */
	int64_t seed;
	uint32_t epoch, i;
};

static int order_by_seed(const void *a, const void *b)
{
	const struct seed_key *x = a, *y = b;

	if (x->seed != y->seed)
		return x->seed < y->seed ? -1 : 1;
	if (x->epoch != y->epoch)
		return x->epoch < y->epoch ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Per seed: attempts, passes, mean reward, its task and difficulty. */
static void seeds_fill(struct evalstats *e, const struct evalstats_src *src,
		       const int *task, const int *diff)
{
	size_t n = src->n, k = 0, m = 0;
	struct seed_key *key = rv_xcalloc(n + 1, sizeof(*key));
	struct evalstats_seed *s = NULL;
	struct evalstats_rollout x;
	double *v;

	if (n > UINT32_MAX)
		rv_bug("evalstats: %zu rollouts", n);
	for (size_t i = 0; i < n; i++) {
		src->at(src, i, &x);
		key[i] = (struct seed_key){ x.seed, x.epoch, (uint32_t)i };
	}
	qsort(key, n, sizeof(*key), order_by_seed);
	for (size_t j = 0; j < n; j++)	/* the seeds, to size them */
		k += !j || key[j].seed != key[j - 1].seed;
	e->seeds = rv_xcalloc(k + 1, sizeof(*e->seeds));
	v = rv_xcalloc(n + 1, sizeof(*v));
	k = 0;
	for (size_t j = 0; j <= n; j++) {
		if (j < n)
			src->at(src, key[j].i, &x);
		if (s && (j == n || s->seed != x.seed)) {	/* close it */
			s->mean_reward = stats_mean(v + m - s->completed,
						    s->completed);
			if (!e->max_k || s->n < e->max_k)
				e->max_k = s->n;
		}
		if (j == n)
			break;
		if (!s || s->seed != x.seed) {
			s = &e->seeds[k++];
			*s = (struct evalstats_seed){ .seed = x.seed,
				.task = -1, .difficulty = -1 };
		}
		s->n++;
		/* slice indexes, below EVALSTATS_MAX_NAMES */
		if (s->task < 0)
			s->task = (int16_t)task[key[j].i];
		if (s->difficulty < 0)
			s->difficulty = (int16_t)diff[key[j].i];
		if (!completed(&x))
			continue;
		s->completed++;
		s->passed += x.reward >= e->threshold;
		v[m++] = x.reward;
	}
	e->n_seeds = k;
	free(v);
	free(key);
}

static void tokens_fill(struct evalstats *e, const struct evalstats_src *src)
{
	struct evalstats_rollout x;

	for (size_t i = 0; i < src->n; i++) {
		int64_t t[3];

		src->at(src, i, &x);
		memcpy(t, x.tokens, sizeof(t));
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

void evalstats_compute_src(const struct evalstats_src *src, double threshold,
			   struct evalstats *out)
{
	size_t n = src->n;
	double *done = rv_xcalloc(n + 1, sizeof(*done));
	double *all = rv_xcalloc(n + 1, sizeof(*all));
	struct evalstats_rollout x;
	int *st, *task, *diff;

	memset(out, 0, sizeof(*out));
	out->threshold = threshold;
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		src->at(src, i, &x);
		out->ok += x.cls == EVALSTATS_OK;
		out->pipeline += x.cls == EVALSTATS_PIPELINE;
		out->transport += x.cls == EVALSTATS_TRANSPORT;
		if (x.epoch > out->epochs)
			out->epochs = x.epoch;
		if (!completed(&x))
			continue;
		all[i] = done[out->completed++] = x.reward;
		out->passed += x.reward >= threshold;
	}
	stats_mean_ci(done, out->completed, &out->reward);
	out->mean_reward_all = stats_mean(all, n);
	out->pass_rate = n ? (double)out->passed / (double)n : NAN;
	free(all);
	free(done);
	st = rv_xcalloc(n + 1, sizeof(*st));
	task = rv_xcalloc(n + 1, sizeof(*task));
	diff = rv_xcalloc(n + 1, sizeof(*diff));
	out->n_statuses = slices_group(src, name_status, true, st,
				       &out->statuses);
	out->n_tasks = slices_group(src, name_task, false, task, &out->tasks);
	out->n_difficulties = slices_group(src, name_difficulty, false, diff,
					   &out->difficulties);
	slices_fill(out->statuses, out->n_statuses, src, st, threshold);
	free(st);
	slices_fill(out->tasks, out->n_tasks, src, task, threshold);
	slices_fill(out->difficulties, out->n_difficulties, src, diff,
		    threshold);
	seeds_fill(out, src, task, diff);
	tokens_fill(out, src);
	free(diff);
	free(task);
}

struct evalstats_array {	/* an array as a source */
	struct evalstats_src src;
	const struct evalstats_rollout *r;
};

static void evalstats_array_at(const struct evalstats_src *src, size_t i,
			       struct evalstats_rollout *row)
{
	*row = ((const struct evalstats_array *)src)->r[i];
}

void evalstats_compute(const struct evalstats_rollout *r, size_t n,
		       double threshold, struct evalstats *out)
{
	struct evalstats_array a = { { n, evalstats_array_at }, r };

	evalstats_compute_src(&a.src, threshold, out);
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
