#include "report_compare.h"

#include "rv_alloc.h"

#include <math.h>
#include <string.h>

static char **push_name(char **list, size_t *n, const char *prov,
			const char *phase)
{
	list = rv_xreallocarray(list, *n + 1, sizeof(*list));
	list[(*n)++] = rv_xasprintf("%s/%s", prov, phase);
	return list;
}

void report_compare(const struct report_stats *cand,
		    const struct report_stats *base,
		    struct report_comparison *out)
{
	memset(out, 0, sizeof(*out));
	out->rows = rv_xcalloc(cand->n_groups + 1, sizeof(*out->rows));
	for (size_t i = 0; i < cand->n_groups; i++) {
		const struct report_group *c = &cand->groups[i];
		const char *prov = report_str(cand->set, c->provider);
		const char *phase = report_str(cand->set, c->phase);
		const struct report_group *b =
			report_stats_find_named(base, prov, phase);
		struct report_cmp *r;

		if (!b) {
			out->only_cand = push_name(out->only_cand,
						   &out->n_only_cand, prov, phase);
			continue;
		}
		r = &out->rows[out->n++];
		r->base = b;
		r->cand = c;
		r->provider = prov;
		r->phase = phase;
		r->ratio = b->st.p50 > 0 ? c->st.p50 / b->st.p50 :
			   b->st.p50 == 0 && c->st.p50 == 0 ? 1 : NAN;
		stats_mann_whitney(c->sorted, c->st.ok, b->sorted, b->st.ok,
				   &r->mwu);
		r->few = c->st.ok < REPORT_MIN_N || b->st.ok < REPORT_MIN_N;
	}
	for (size_t i = 0; i < base->n_groups; i++) {
		const struct report_group *b = &base->groups[i];
		const char *prov = report_str(base->set, b->provider);
		const char *phase = report_str(base->set, b->phase);

		if (!report_stats_find_named(cand, prov, phase))
			out->only_base = push_name(out->only_base,
						   &out->n_only_base, prov, phase);
	}
}

void report_comparison_release(struct report_comparison *c)
{
	for (size_t i = 0; i < c->n_only_cand; i++)
		free(c->only_cand[i]);
	for (size_t i = 0; i < c->n_only_base; i++)
		free(c->only_base[i]);
	free(c->only_cand);
	free(c->only_base);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
