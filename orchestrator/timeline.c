/* timeline: a job's spans in start order (see timeline.h). */
#include "timeline.h"

#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_phase.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int timeline_order(const void *a, const void *b)
{
	const struct timeline_ref *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->rec != y->rec)
		return x->rec < y->rec ? -1 : 1;
	return (x->try > y->try) - (x->try < y->try);
}

static void timeline_add(struct timeline *t, uint64_t start, size_t rec,
			 uint32_t try)
{
	t->refs[t->n_refs++] = (struct timeline_ref){ start, (uint32_t)rec,
						      try };
}

void timeline_init(struct timeline *t, const struct spans *spans,
		   const struct rollout *rs, size_t n)
{
	size_t tries = 0, m;

	memset(t, 0, sizeof(*t));
	t->spans = spans;
	t->rs = rs;
	for (size_t i = 0; i < n; i++) {
		rollout_tries(&rs[i], &m);
		tries += m + 1;
	}
	t->refs = rv_xreallocarray(NULL, tries + 1, sizeof(*t->refs));
	for (size_t i = 0; i < n; i++) {
		const struct rollout *r = &rs[i];
		const struct rollout_try *x = rollout_tries(r, &m);

		for (size_t k = 0; k < m; k++)
			if (x[k].start_ns)
				timeline_add(t, x[k].start_ns, i, (uint32_t)k);
		if (r->start_ns && r->end_ns)
			timeline_add(t, r->start_ns, i, UINT32_MAX);
	}
	qsort(t->refs, t->n_refs, sizeof(*t->refs), timeline_order);
}

/* The span of try ref. */
static const struct span *timeline_try(struct timeline *t,
				       const struct timeline_ref *ref)
{
	const struct rollout *r = &t->rs[ref->rec];
	struct span *sp = &t->cur;

	memset(sp, 0, sizeof(*sp));
	sp->phase = rv_phase_name(RV_PHASE_ROLLOUT);
	sp->seed = r->seed;
	sp->start_ns = ref->start_ns;
	sp->attempts = 1;
	if (ref->try == UINT32_MAX) {
		sp->sandbox = (char *)r->sandbox;
		sp->end_ns = r->end_ns;
		sp->ok = r->ok;
		sp->error = r->ok ? NULL : r->error ? r->error : "failed";
	} else {
		const struct rollout_try *x = &r->more->tries[ref->try];

		sp->sandbox = (char *)x->sandbox;
		sp->end_ns = ref->start_ns + (isfinite(x->ms) && x->ms > 0 ?
			(uint64_t)(x->ms * 1e6) : 0);
		sp->error = x->error ? x->error : "failed";
	}
	return sp;
}

const struct span *timeline_next(struct timeline *t)
{
	const struct span *sp = t->next_span < t->spans->n ?
		&t->spans->v[t->next_span] : NULL;
	const struct timeline_ref *ref = t->next_ref < t->n_refs ?
		&t->refs[t->next_ref] : NULL;

	if (sp && (!ref || sp->start_ns <= ref->start_ns)) {
		t->next_span++;
		return sp;
	}
	if (!ref)
		return NULL;
	t->next_ref++;
	return timeline_try(t, ref);
}

const struct span *timeline_try_at(struct timeline *t, size_t i)
{
	return timeline_try(t, &t->refs[i]);
}

size_t timeline_tries_before(const struct timeline *t, uint64_t start_ns)
{
	size_t lo = 0, hi = t->n_refs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->refs[mid].start_ns < start_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t timeline_count(const struct timeline *t)
{
	return t->spans->n + t->n_refs;
}

void timeline_release(struct timeline *t)
{
	free(t->refs);
	memset(t, 0, sizeof(*t));
}
