#include "report_set.h"

#include "evalstats.h"
#include "rv_alloc.h"

#include <math.h>
#include <string.h>

void report_set_init(struct report_set *set)
{
	memset(set, 0, sizeof(*set));
}

static void report_job_release(struct report_job *j)
{
	free(j->name);
	free(j->source);
	free(j->status);
	free(j->error);
	free(j->started_utc);
	free(j->mode);
	free(j->app);
	free(j->app_version);
	free(j->policy);
	free(j->model);
	free(j->env_name);
	free(j->shards);
	free(j->rollouts);
	free(j->tokens);
}

void report_set_drop_last(struct report_set *set)
{
	struct report_job *j;

	if (!set->n_jobs)
		return;
	j = &set->jobs[--set->n_jobs];
	set->n_samples = j->first_sample;
	report_job_release(j);
	memset(j, 0, sizeof(*j));
}

void report_set_release(struct report_set *set)
{
	for (size_t i = 1; i < set->strings.n; i++)
		free(set->strings.strs[i]);
	free(set->strings.strs);
	free(set->strings.lens);
	free(set->strings.slots);
	for (size_t i = 0; i < set->n_jobs; i++)
		report_job_release(&set->jobs[i]);
	free(set->jobs);
	free(set->samples);
	memset(set, 0, sizeof(*set));
}

/*
 * A word at a time (the last, partial one read overlapping the one
 * before, or as wyhash reads short strings), then mixed with splitmix64's
 * finaliser so that the low bits the table uses depend on every byte: the
 * strings of a span file (sandbox names) differ in a digit or two.
 */
static uint64_t report_hash(const char *s, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = len * k, w = 0;
	uint32_t a, b;
	size_t i;

	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	if (len >= 8) {
		memcpy(&w, s + len - 8, sizeof(w));
	} else if (len >= 4) {
		memcpy(&a, s, sizeof(a));
		memcpy(&b, s + len - 4, sizeof(b));
		w = (uint64_t)a << 32 | b;
	} else if (len > 0) {
		w = (uint64_t)(unsigned char)s[0] << 16 |
		    (uint64_t)(unsigned char)s[len / 2] << 8 |
		    (unsigned char)s[len - 1];
	}
	h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

/*
 * memcmp() == 0 for the short strings of spans, without the call: words,
 * the last one overlapping the one before.
 */
static inline bool report_same(const char *a, const char *b, size_t len)
{
	uint64_t x, y;
	uint32_t u, v;

	if (len < 4) {
		for (; len > 0; len--)
			if (*a++ != *b++)
				return false;
		return true;
	}
	if (len < 8) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return false;
		memcpy(&u, a + len - 4, 4);
		memcpy(&v, b + len - 4, 4);
		return u == v;
	}
	for (size_t i = 0; i + 8 < len; i += 8) {
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		if (x != y)
			return false;
	}
	memcpy(&x, a + len - 8, sizeof(x));
	memcpy(&y, b + len - 8, sizeof(y));
	return x == y;
}

/*
 * The slot of s, whose hash is h: where its id is, or the empty slot it
 * would go to.  A slot keeps 32 bits of the hash above the id so that
 * other strings are told apart without reading them.
 */
#define REPORT_TAG(h) ((h) & 0xffffffff00000000ULL)

static size_t report_slot(const struct report_strings *t, const char *s,
			  size_t len, uint64_t h)
{
	size_t mask = t->n_slots - 1;
	size_t i = (size_t)h & mask;

	while (t->slots[i]) {
		uint32_t id = (uint32_t)t->slots[i];

		if (REPORT_TAG(t->slots[i]) == REPORT_TAG(h) &&
		    t->lens[id] == len && report_same(t->strs[id], s, len))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static void report_rehash(struct report_strings *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : 64;

	free(t->slots);
	t->slots = rv_xcalloc(n, sizeof(*t->slots));
	t->n_slots = n;
	for (size_t id = 1; id < t->n; id++) {
		const char *s = t->strs[id];
		size_t len = t->lens[id];
		uint64_t h = report_hash(s, len);

		t->slots[report_slot(t, s, len, h)] = REPORT_TAG(h) | id;
	}
}

uint32_t report_intern(struct report_set *set, const char *s, size_t len)
{
	struct report_strings *t = &set->strings;
	uint64_t h;
	size_t slot;

	if (t->n == 0)
		t->n = 1;	/* id 0 is "none" */
	if ((t->n + 1) * 2 > t->n_slots)
		report_rehash(t);
	h = report_hash(s, len);
	slot = report_slot(t, s, len, h);
	if (t->slots[slot])
		return (uint32_t)t->slots[slot];
	if (t->n >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->strs = rv_xreallocarray(t->strs, t->cap, sizeof(*t->strs));
		t->lens = rv_xreallocarray(t->lens, t->cap, sizeof(*t->lens));
	}
	t->strs[t->n] = rv_xstrndup(s, len);
	t->lens[t->n] = len;
	t->slots[slot] = REPORT_TAG(h) | t->n;
	return (uint32_t)t->n++;
}

uint32_t report_intern_memo(struct report_set *set, const char *s,
			    size_t len, uint32_t *memo)
{
	const struct report_strings *t = &set->strings;
	uint32_t id = *memo;

	if (id && id < t->n && t->lens[id] == len &&
	    report_same(t->strs[id], s, len))
		return id;
	return *memo = report_intern(set, s, len);
}

const char *report_str(const struct report_set *set, uint32_t id)
{
	if (id == 0 || id >= set->strings.n)
		return NULL;
	return set->strings.strs[id];
}

uint32_t report_find(const struct report_set *set, const char *s)
{
	const struct report_strings *t = &set->strings;
	size_t len = s ? strlen(s) : 0;

	if (!s || !t->n_slots)
		return 0;
	return (uint32_t)t->slots[report_slot(t, s, len,
					      report_hash(s, len))];
}

struct report_job *report_add_job(struct report_set *set, const char *name,
				  const char *source, enum report_kind kind)
{
	struct report_job *j;

	if (set->n_jobs == set->cap_jobs) {
		set->cap_jobs = set->cap_jobs ? set->cap_jobs * 2 : 8;
		set->jobs = rv_xreallocarray(set->jobs, set->cap_jobs,
					     sizeof(*set->jobs));
	}
	j = &set->jobs[set->n_jobs++];
	memset(j, 0, sizeof(*j));
	j->name = rv_xstrdup(name);
	j->source = rv_xstrdup(source);
	j->kind = kind;
	j->first_sample = set->n_samples;
	j->duration_ms = NAN;
	j->epoch_ms = NAN;
	j->pass_threshold = NAN;
	return j;
}

struct report_sample *report_add_sample(struct report_set *set)
{
	struct report_sample *s;

	if (set->n_samples == set->cap_samples) {
		set->cap_samples = set->cap_samples ? set->cap_samples * 2 : 256;
		set->samples = rv_xreallocarray(set->samples, set->cap_samples,
						sizeof(*set->samples));
	}
	s = &set->samples[set->n_samples++];
	memset(s, 0, sizeof(*s));
	s->start_ms = NAN;
	s->seed = REPORT_NO_SEED;
	if (!set->n_jobs)
		rv_bug("report_add_sample: no job");
	set->jobs[set->n_jobs - 1].n_samples++;
	return s;
}

/* Room for cap rollouts in job (and their token counts, if kept). */
static void report_rollouts_grow(struct report_job *job, size_t cap)
{
	job->rollouts = rv_xreallocarray(job->rollouts, cap,
					 sizeof(*job->rollouts));
	if (job->tokens) {
		job->tokens = rv_xreallocarray(job->tokens, cap,
					       sizeof(*job->tokens));
		memset(job->tokens + job->cap_rollouts, 0xff,
		       (cap - job->cap_rollouts) * sizeof(*job->tokens));
	}
	job->cap_rollouts = cap;
}

void report_reserve(struct report_set *set, struct report_job *job,
		    size_t n, size_t m)
{
	if (set->cap_samples - set->n_samples < n) {
		set->cap_samples = set->n_samples + n;
		set->samples = rv_xreallocarray(set->samples, set->cap_samples,
						sizeof(*set->samples));
	}
	if (job && job->cap_rollouts - job->n_rollouts < m)
		report_rollouts_grow(job, job->n_rollouts + m);
}

struct report_rollout *report_add_rollout(struct report_job *job)
{
	struct report_rollout *r;

	if (job->n_rollouts == job->cap_rollouts)
		report_rollouts_grow(job, job->cap_rollouts ?
				     job->cap_rollouts * 2 : 16);
	r = &job->rollouts[job->n_rollouts++];
	memset(r, 0, sizeof(*r));
	r->seed = REPORT_NO_SEED;
	r->epoch = 1;
	r->reward = NAN;
	r->ms = NAN;
	r->start_ms = NAN;
	return r;
}

const struct report_rollout *report_rollout_at(const struct report_set *set,
					       const struct report_job *job,
					       size_t i,
					       struct report_rollout *tmp)
{
	if (!job->live)
		return &job->rollouts[i];
	job->live->rollout(job->live, set, i, tmp, NULL);
	return tmp;
}

const struct report_sample *report_sample_at(const struct report_set *set,
					     size_t i,
					     struct report_sample *tmp)
{
	return set->live ? set->live->sample(set->live, set, i, tmp) :
		&set->samples[i];
}

bool report_job_epochs(const struct report_set *set,
		       const struct report_job *job)
{
	struct report_rollout tmp;

	if (job->eval && job->eval->n == job->n_rollouts)
		return job->eval->epochs > 1;	/* its highest epoch */
	for (size_t i = 0; i < job->n_rollouts; i++)
		if (report_rollout_at(set, job, i, &tmp)->epoch > 1)
			return true;
	return false;
}

int64_t *report_tokens_set(struct report_job *job, size_t i)
{
	if (i >= job->n_rollouts)
		rv_bug("report_tokens_set: no rollout %zu", i);
	if (!job->tokens) {
		job->tokens = rv_xreallocarray(NULL, job->cap_rollouts,
					       sizeof(*job->tokens));
		memset(job->tokens, 0xff, job->cap_rollouts *
		       sizeof(*job->tokens));	/* -1 */
	}
	return job->tokens[i];
}

void report_tokens(const struct report_job *job, size_t i, int64_t out[3])
{
	if (job->live) {
		job->live->rollout(job->live, NULL, i, NULL, out);
		return;
	}
	for (int k = 0; k < 3; k++)
		out[k] = job->tokens ? job->tokens[i][k] : -1;
}

void report_append_samples(struct report_set *set,
			   const struct report_set *part)
{
	const struct report_strings *t = &part->strings;
	uint32_t *map = rv_xcalloc(t->n + 1, sizeof(*map));
	uint32_t job = (uint32_t)set->n_jobs - 1;
	size_t n = part->n_samples;

	if (!set->n_jobs)
		rv_bug("report_append_samples: no job");
	for (size_t id = 1; id < t->n; id++)	/* in order: the same ids */
		map[id] = report_intern(set, t->strs[id], t->lens[id]);
	if (set->cap_samples - set->n_samples < n) {
		set->cap_samples = set->n_samples + n;
		set->samples = rv_xreallocarray(set->samples, set->cap_samples,
						sizeof(*set->samples));
	}
	for (size_t i = 0; i < n; i++) {
		struct report_sample *s = &set->samples[set->n_samples + i];

		*s = part->samples[i];
		s->provider = map[s->provider];
		s->phase = map[s->phase];
		s->sandbox = map[s->sandbox];
		s->error = map[s->error];
	}
	set->n_samples += n;
	set->jobs[job].n_samples += n;
	free(map);
}

const char *report_kind_name(enum report_kind kind)
{
	switch (kind) {
	case REPORT_KIND_RESULT: return "result";
	case REPORT_KIND_SPANS: return "spans";
	case REPORT_KIND_HYPERFINE: return "hyperfine";
	}
	return "unknown";
}
