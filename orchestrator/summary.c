/* summary: job numbers and per-phase statistics (see summary.h). */
#include "summary.h"

#include "eval.h"
#include "outcome.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "spans.h"

#include <math.h>
#include <string.h>

static void summary_phases(const struct spans *s, struct summary *out)
{
	double *v = rv_xcalloc(s->n ? s->n : 1, sizeof(*v));
	bool *ok = rv_xcalloc(s->n ? s->n : 1, sizeof(*ok));

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
			ok[k] = sp->ok;
			v[k++] = rv_ns_to_ms(sp->end_ns - sp->start_ns);
		}
		stats_summarize(v, ok, k, &p->s);
	}
	free(ok);
	free(v);
}

void summary_compute(const struct job_outcome *job, struct summary *out)
{
	size_t n = job->n_rollouts;
	double *all = rv_xcalloc(n ? n : 1, sizeof(*all));
	double *ok = rv_xcalloc(n ? n : 1, sizeof(*ok));

	memset(out, 0, sizeof(*out));
	out->seeds = n;
	for (size_t i = 0; i < n; i++) {
		const struct rollout *r = &job->rollouts[i];

		if (r->ok) {
			all[i] = ok[out->completed++] = r->reward;
		} else {
			out->failed++;
			out->cancelled += r->state == ROLLOUT_CANCELLED;
		}
	}
	eval_compute(job->rollouts, n, job->opt, &out->eval);
	out->pipeline_failures = out->eval.pipeline;
	out->success_rate = n ? (double)out->completed / (double)n : NAN;
	/* rollout_judge() let only finite rewards through: means are finite */
	out->mean_reward = stats_mean(ok, out->completed);
	out->mean_reward_all = stats_mean(all, n);	/* failed count 0 */
	free(ok);
	free(all);
	summary_phases(job->spans, out);
}

void summary_release(struct summary *s)
{
	evalstats_release(&s->eval);
}
