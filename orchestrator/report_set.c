#include "report_set.h"

#include "rv_alloc.h"

#include <math.h>
#include <string.h>

void report_set_init(struct report_set *set)
{
	memset(set, 0, sizeof(*set));
}

void report_set_release(struct report_set *set)
{
	for (size_t i = 1; i < set->strings.n; i++)
		free(set->strings.strs[i]);
	free(set->strings.strs);
	free(set->strings.lens);
	free(set->strings.slots);
	for (size_t i = 0; i < set->n_jobs; i++) {
		struct report_job *j = &set->jobs[i];

		free(j->name);
		free(j->source);
		free(j->status);
		free(j->error);
		free(j->started_utc);
		free(j->mode);
		free(j->rollouts);
	}
	free(set->jobs);
	free(set->samples);
	memset(set, 0, sizeof(*set));
}

static uint64_t report_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of s: where its id is, or the empty slot it would go to. */
static size_t report_slot(const struct report_strings *t, const char *s,
			  size_t len)
{
	size_t mask = t->n_slots - 1;
	size_t i = (size_t)report_hash(s, len) & mask;

	while (t->slots[i]) {
		uint32_t id = t->slots[i];

		if (t->lens[id] == len && !memcmp(t->strs[id], s, len))
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

		t->slots[report_slot(t, s, strlen(s))] = (uint32_t)id;
	}
}

uint32_t report_intern(struct report_set *set, const char *s, size_t len)
{
	struct report_strings *t = &set->strings;
	size_t slot;

	if (t->n == 0)
		t->n = 1;	/* id 0 is "none" */
	if ((t->n + 1) * 2 > t->n_slots)
		report_rehash(t);
	slot = report_slot(t, s, len);
	if (t->slots[slot])
		return t->slots[slot];
	if (t->n >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->strs = rv_xreallocarray(t->strs, t->cap, sizeof(*t->strs));
		t->lens = rv_xreallocarray(t->lens, t->cap, sizeof(*t->lens));
	}
	t->strs[t->n] = rv_xstrndup(s, len);
	t->lens[t->n] = len;
	t->slots[slot] = (uint32_t)t->n;
	return (uint32_t)t->n++;
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

	if (!s || !t->n_slots)
		return 0;
	return t->slots[report_slot(t, s, strlen(s))];
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
	s->job = (uint32_t)(set->n_jobs - 1);
	set->jobs[s->job].n_samples++;
	return s;
}

struct report_rollout *report_add_rollout(struct report_job *job)
{
	struct report_rollout *r;

	if (job->n_rollouts == job->cap_rollouts) {
		job->cap_rollouts = job->cap_rollouts ? job->cap_rollouts * 2 : 16;
		job->rollouts = rv_xreallocarray(job->rollouts, job->cap_rollouts,
						 sizeof(*job->rollouts));
	}
	r = &job->rollouts[job->n_rollouts++];
	memset(r, 0, sizeof(*r));
	r->seed = REPORT_NO_SEED;
	r->reward = NAN;
	r->ms = NAN;
	return r;
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
