/* spans: the phase clock (see spans.h). */
#include "spans.h"

#include "provider.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_redact.h"

#include <string.h>

void spans_init(struct spans *s)
{
	memset(s, 0, sizeof(*s));
	s->t0_ns = rv_now_ns();
	s->wall0_ns = rv_wall_ns();
}

void spans_release(struct spans *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].sandbox);
		free(s->v[i].error);
		free(s->v[i].attempt_log);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static struct span *spans_push(struct spans *s)
{
	struct span *sp;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = rv_xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	sp = &s->v[s->n++];
	memset(sp, 0, sizeof(*sp));
	return sp;
}

size_t spans_begin(struct spans *s, const char *phase, const char *sandbox,
		   long seed)
{
	struct span *sp = spans_push(s);

	sp->phase = phase;
	sp->sandbox = rv_xstrdup(sandbox);
	sp->seed = seed;
	sp->start_ns = rv_now_ns();
	return s->n - 1;
}

static void spans_finish(struct span *sp, uint64_t end_ns, bool ok,
			 unsigned attempts, const char *error)
{
	sp->end_ns = end_ns;
	sp->ok = ok;
	sp->attempts = attempts ? attempts : 1;
	free(sp->error);
	sp->error = !ok ? rv_redact(error && *error ? error : "failed") : NULL;
}

void spans_end(struct spans *s, size_t i, enum rv_code rc,
	       unsigned attempts, const char *error)
{
	spans_finish(&s->v[i], rv_now_ns(), rc == RV_OK, attempts, error);
}

void spans_add(struct spans *s, const char *phase, const char *sandbox,
	       long seed, uint64_t start_ns, uint64_t end_ns, bool ok,
	       unsigned attempts, const char *error)
{
	struct span *sp = spans_push(s);

	sp->phase = phase;
	sp->sandbox = rv_xstrdup(sandbox);
	sp->seed = seed;
	sp->start_ns = start_ns;
	spans_finish(sp, end_ns, ok, attempts, error);
}

double spans_offset_ms(const struct spans *s, uint64_t t)
{
	return t >= s->t0_ns ? rv_ns_to_ms(t - s->t0_ns) :
		-rv_ns_to_ms(s->t0_ns - t);
}

double spans_ms(const struct spans *s, size_t i)
{
	const struct span *sp = &s->v[i];
	uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();

	return rv_ns_to_ms(end - sp->start_ns);
}

void spans_sort(struct spans *s)
{
	/* stable insertion sort: spans arrive nearly sorted (rollouts
	   are added when they end, a little after they start) */
	for (size_t i = 1; i < s->n; i++) {
		struct span tmp = s->v[i];
		size_t j = i;

		while (j > 0 && s->v[j - 1].start_ns > tmp.start_ns) {
			s->v[j] = s->v[j - 1];
			j--;
		}
		s->v[j] = tmp;
	}
}

void spans_set_attempt_log(struct spans *s, size_t i,
			   const struct provider_attempt *v, size_t n)
{
	struct span *sp = &s->v[i];

	free(sp->attempt_log);
	sp->attempt_log = n ? rv_xmemdup(v, n * sizeof(*v)) : NULL;
	sp->n_attempt_log = n;
	if (n > sp->attempts)
		sp->attempts = (unsigned)n;
}

void spans_take(struct spans *to, struct spans *from)
{
	for (size_t i = 0; i < from->n; i++)
		*spans_push(to) = from->v[i];
	free(from->v);
	from->v = NULL;
	from->n = from->cap = 0;
}
