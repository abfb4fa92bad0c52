/* summary: job numbers and per-phase statistics (see summary.h). */
#include "summary.h"

#include "job.h"
#include "rv_alloc.h"
#include "rv_clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int summary_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* R-7 quantile of n ascending values. */
static double summary_quantile(const double *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static void summary_stats(struct summary_phase *p, double *v, size_t n)
{
	double sum = 0, sq = 0;

	p->min = p->p50 = p->p90 = p->p95 = p->p99 = p->max = NAN;
	p->mean = p->stddev = NAN;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), summary_cmp);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	p->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - p->mean) * (v[i] - p->mean);
	p->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0.0;
	p->min = v[0];
	p->max = v[n - 1];
	p->p50 = summary_quantile(v, n, 0.50);
	p->p90 = summary_quantile(v, n, 0.90);
	p->p95 = summary_quantile(v, n, 0.95);
	p->p99 = summary_quantile(v, n, 0.99);
}

static void summary_phases(const struct spans *s, struct summary *out)
{
	double *v = rv_xcalloc(s->n ? s->n : 1, sizeof(*v));

	out->n_phases = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *ph = s->v[i].phase;
		struct summary_phase *p;
		size_t k = 0, j;

		for (j = 0; j < out->n_phases; j++)
			if (!strcmp(out->phases[j].phase, ph))
				break;
		if (j < out->n_phases || out->n_phases == SUMMARY_MAX_PHASES)
			continue;
		p = &out->phases[out->n_phases++];
		memset(p, 0, sizeof(*p));
		p->phase = ph;
		for (j = i; j < s->n; j++) {
			const struct span *sp = &s->v[j];

			if (strcmp(sp->phase, ph) || !sp->end_ns)
				continue;
			p->n++;
			if (sp->ok) {
				p->ok++;
				v[k++] = rv_ns_to_ms(sp->end_ns - sp->start_ns);
			}
		}
		summary_stats(p, v, k);
	}
	free(v);
}

void summary_compute(const struct job *job, struct summary *out)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->seeds = job->n_rollouts;
	for (size_t i = 0; i < job->n_rollouts; i++) {
		const struct rollout *r = &job->rollouts[i];

		if (r->ok) {
			out->completed++;
			sum += r->reward;
		} else {
			out->failed++;
			out->cancelled += r->state == ROLLOUT_CANCELLED;
		}
	}
	out->success_rate = out->seeds ?
		(double)out->completed / (double)out->seeds : NAN;
	out->mean_reward = out->completed ? sum / (double)out->completed : NAN;
	out->mean_reward_all = out->seeds ? sum / (double)out->seeds : NAN;
	summary_phases(&job->spans, out);
}
