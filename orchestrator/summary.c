/* summary: job numbers and per-phase statistics (see summary.h). */
#include "summary.h"

#include "eval.h"
#include "outcome.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "spans.h"
#include "timeline.h"

#include <math.h>
#include <string.h>

/* The phase of sp: its index in out->phases, added when new; -1 when
   there is no room. */
static int summary_phase_of(struct summary *out, const char *ph)
{
	for (size_t j = 0; j < out->n_phases; j++)
		if (!strcmp(out->phases[j].phase, ph))
			return (int)j;
	if (out->n_phases == SUMMARY_MAX_PHASES)
		return -1;
	memset(&out->phases[out->n_phases], 0, sizeof(out->phases[0]));
	out->phases[out->n_phases].phase = ph;
	return (int)out->n_phases++;
}

/* Statistics per phase, over the job's timeline (rollout spans too). */
static void summary_phases(const struct job_outcome *job, struct summary *out)
{
	struct timeline t;
	size_t n, k = 0;
	double *v;
	bool *ok, *gok;
	signed char *of;
	double *gv;

	timeline_init(&t, job->spans, job->rollouts, job->n_rollouts);
	n = timeline_count(&t);
	v = rv_xcalloc(n + 1, sizeof(*v));
	ok = rv_xcalloc(n + 1, sizeof(*ok));
	of = rv_xcalloc(n + 1, sizeof(*of));
	gv = rv_xcalloc(n + 1, sizeof(*gv));
	gok = rv_xcalloc(n + 1, sizeof(*gok));
	out->n_phases = 0;
	for (const struct span *sp; (sp = timeline_next(&t)); k++) {
		of[k] = (signed char)summary_phase_of(out, sp->phase);
		if (!sp->end_ns)
			of[k] = -1;
		ok[k] = sp->ok;
		v[k] = rv_ns_to_ms(sp->end_ns - sp->start_ns);
	}
	timeline_release(&t);
	/* a phase's values gathered, in order */
	for (size_t j = 0; j < out->n_phases; j++) {
		size_t m = 0;

		for (size_t i = 0; i < k; i++)
			if (of[i] == (signed char)j) {
				gv[m] = v[i];
				gok[m++] = ok[i];
			}
		stats_summarize(gv, gok, m, &out->phases[j].s);
	}
	free(gok);
	free(gv);
	free(of);
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
	summary_phases(job, out);
}

void summary_release(struct summary *s)
{
	evalstats_release(&s->eval);
}
