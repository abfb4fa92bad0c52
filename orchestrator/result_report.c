/* result_report: a job's renderings from memory (see result_report.h). */
#include "result_report.h"

#include "appinfo.h"
#include "cli.h"
#include "eval.h"
#include "outcome.h"
#include "report.h"
#include "report_set.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_phase.h"
#include "spans.h"
#include "timeline.h"

#include <math.h>
#include <string.h>

static uint32_t result_report_str(struct report_set *set, const char *s)
{
	return s ? report_intern(set, s, strlen(s)) : 0;
}

static void result_report_job(struct report_set *set,
			      const struct job_outcome *job)
{
	uint64_t end = job->end_ns ? job->end_ns : rv_now_ns();
	struct report_job *j = report_add_job(set, job->id, job->result_path,
					      REPORT_KIND_RESULT);
	const struct app_info *ai = job->app_info;
	char utc[40];

	j->status = rv_xstrdup(job_status_name(job->status));
	j->error = job->status == JOB_OK || !job->error ? NULL :
		rv_xstrdup(job->error);
	j->started_utc = rv_xstrdup(rv_wall_iso8601(job->spans->wall0_ns,
						    utc, sizeof(utc)));
	j->duration_ms = rv_ns_to_ms(end - job->spans->t0_ns);
	j->epoch_ms = (double)(job->spans->wall0_ns / 1000) / 1000.0;
	j->mode = rv_xstrdup(job->mode);
	j->provider = j->eval_provider = result_report_str(set, job->provider);
	/* the eval's identity, as report_result.c reads it from the file */
	j->app = rv_xstrdup(ai->name ? ai->name : ai->id ? ai->id :
			    job->app_desc);
	j->app_version = ai->version ? rv_xstrdup(ai->version) : NULL;
	j->policy = job->opt->policy ? rv_xstrdup(job->opt->policy) : NULL;
	j->model = job->opt->model ? rv_xstrdup(job->opt->model) : NULL;
	j->env_name = job->opt->env_name ? rv_xstrdup(job->opt->env_name) :
		NULL;
	j->pass_threshold = job->opt->pass_threshold;
	j->shards = rv_xcalloc(job->n_shards + 1, sizeof(*j->shards));
	for (size_t i = 0; i < job->n_shards; i++) {
		j->shards[i].name = result_report_str(set, job->shards[i].name);
		j->shards[i].id = result_report_str(set, job->shards[i].label);
	}
	j->n_shards = job->n_shards;
}

/* A sample per span of the job's timeline (rollout tries included). */
static void result_report_spans(struct report_set *set,
				const struct job_outcome *job)
{
	uint32_t provider = result_report_str(set, job->provider);
	struct timeline t;

	timeline_init(&t, job->spans, job->rollouts, job->n_rollouts);
	report_reserve(set, &set->jobs[set->n_jobs - 1], timeline_count(&t),
		       job->n_rollouts);
	for (const struct span *sp; (sp = timeline_next(&t)); ) {
		uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();
		struct report_sample *s = report_add_sample(set);

		s->ms = rv_ns_to_ms(end - sp->start_ns);
		s->start_ms = spans_offset_ms(job->spans, sp->start_ns);
		s->seed = sp->seed >= 0 ? sp->seed : REPORT_NO_SEED;
		s->provider = provider;
		s->phase = result_report_str(set, sp->phase);
		s->sandbox = result_report_str(set, sp->sandbox);
		s->error = result_report_str(set, sp->error);
		s->attempts = sp->attempts;
		s->ok = sp->ok;
	}
	timeline_release(&t);
}

static void result_report_rollouts(struct report_set *set,
				   const struct job_outcome *job)
{
	struct report_job *j = &set->jobs[set->n_jobs - 1];

	for (size_t i = 0; i < job->n_rollouts; i++) {
		const struct rollout *r = &job->rollouts[i];
		struct report_rollout *o = report_add_rollout(j);

		o->seed = r->seed;
		o->epoch = r->epoch ? r->epoch : 1;
		o->sandbox = result_report_str(set, r->sandbox &&
					       r->sandbox[0] ? r->sandbox :
					       job->sandbox);
		o->error = result_report_str(set, r->error);
		o->status = result_report_str(set, eval_status(r));
		o->app_status = result_report_str(set,
						   rollout_success_status(r));
		o->detail = result_report_str(set, rollout_status_detail(r));
		o->task = result_report_str(set, rollout_task(r));
		o->difficulty = result_report_str(set,
						   rollout_difficulty(r));
		o->cls = (unsigned char)eval_class(r, job->opt);
		o->reward = r->ok ? r->reward : NAN;
		o->ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN;
		o->start_ms = r->start_ns ? spans_offset_ms(job->spans,
							    r->start_ns) : NAN;
		if (r->more && (r->more->tokens[0] != -1 ||
				r->more->tokens[1] != -1 ||
				r->more->tokens[2] != -1))
			memcpy(report_tokens_set(j, i), r->more->tokens,
			       sizeof(r->more->tokens));
		o->ok = r->ok;
	}
}

enum rv_code result_report_write(const struct job_outcome *job,
				 const struct evalstats *eval,
				 const struct report_job_opts *o,
				 struct rv_err *err)
{
	struct report_set set;
	enum rv_code rc;

	report_set_init(&set);
	result_report_job(&set, job);
	set.jobs[0].eval = eval;
	result_report_spans(&set, job);
	result_report_rollouts(&set, job);
	rc = report_write_set(&set, job->out_dir, o, err);
	report_set_release(&set);
	return rc;
}
