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

/*
 * The job as a live report_job (report_set.h): its rows and samples are
 * made on demand from the records and the timeline, with the ids of
 * strings interned beforehand, in the order the copies had them.
 */
enum {	/* a row's strings, in the order they are interned */
	ROW_SANDBOX, ROW_ERROR, ROW_STATUS, ROW_APP_STATUS, ROW_DETAIL,
	ROW_TASK, ROW_DIFFICULTY, ROW_STRS
};

struct result_memo {	/* the last string looked up, and its id */
	const char *s;
	uint32_t id;
};

struct result_live {
	struct report_live base;	/* first: what the set holds */
	const struct job_outcome *job;
	struct timeline t;
	size_t next;			/* the sample timeline_next() gives */
	const struct span *last;	/* sample next - 1, or NULL */
	uint32_t provider;
	struct result_memo row[ROW_STRS], span_phase, span_sandbox, span_error;
};

static uint32_t result_report_find(const struct report_set *set,
				   struct result_memo *m, const char *s)
{
	if (!s)
		return 0;
	if (s != m->s && (!m->s || strcmp(s, m->s))) {
		m->id = report_find(set, s);
		if (!m->id)
			rv_bug("result_report: '%s' was not interned", s);
	}
	m->s = s;
	return m->id;
}

static void result_report_row_strs(const struct job_outcome *job,
				   const struct rollout *r,
				   const char *s[ROW_STRS])
{
	s[ROW_SANDBOX] = r->sandbox && r->sandbox[0] ? r->sandbox :
		job->sandbox;
	s[ROW_ERROR] = r->error;
	s[ROW_STATUS] = eval_status(r);
	s[ROW_APP_STATUS] = r->success_status;
	s[ROW_DETAIL] = r->status_detail;
	s[ROW_TASK] = r->task;
	s[ROW_DIFFICULTY] = r->difficulty;
}

static void result_report_row(const struct job_outcome *job,
			      const struct rollout *r,
			      const uint32_t id[ROW_STRS],
			      struct report_rollout *o)
{
	*o = (struct report_rollout){
		.seed = r->seed, .epoch = r->epoch ? r->epoch : 1,
		.sandbox = id[ROW_SANDBOX], .error = id[ROW_ERROR],
		.status = id[ROW_STATUS], .app_status = id[ROW_APP_STATUS],
		.detail = id[ROW_DETAIL], .task = id[ROW_TASK],
		.difficulty = id[ROW_DIFFICULTY],
		.cls = (unsigned char)eval_class(r, job->opt),
		.reward = r->ok ? r->reward : NAN,
		.ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN,
		.start_ms = r->start_ns ? spans_offset_ms(job->spans,
							  r->start_ns) : NAN,
		.ok = r->ok,
	};
}

static void result_report_live_rollout(struct report_live *base,
				       const struct report_set *set,
				       size_t i, struct report_rollout *row,
				       int64_t tokens[3])
{
	struct result_live *l = (struct result_live *)base;
	const struct rollout *r;
	const char *s[ROW_STRS];
	uint32_t id[ROW_STRS];

	if (i >= l->job->n_rollouts)
		rv_bug("result_report: no rollout %zu", i);
	r = &l->job->rollouts[i];
	if (tokens)
		memcpy(tokens, r->tokens, sizeof(r->tokens));
	if (!row)
		return;
	result_report_row_strs(l->job, r, s);
	for (int k = 0; k < ROW_STRS; k++)
		id[k] = result_report_find(set, &l->row[k], s[k]);
	result_report_row(l->job, r, id, row);
}

static void result_report_sample(const struct job_outcome *job,
				 const struct span *sp, uint32_t provider,
				 uint32_t phase, uint32_t sandbox,
				 uint32_t error, struct report_sample *s)
{
	uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();

	*s = (struct report_sample){
		.ms = rv_ns_to_ms(end - sp->start_ns),
		.start_ms = spans_offset_ms(job->spans, sp->start_ns),
		.seed = sp->seed >= 0 ? sp->seed : REPORT_NO_SEED,
		.provider = provider, .phase = phase, .sandbox = sandbox,
		.error = error, .attempts = sp->attempts, .ok = sp->ok,
	};
}

/* Is sp one of the job's phase spans (stored), not a rollout try? */
static bool result_report_stored(const struct job_outcome *job,
				 const struct span *sp)
{
	const struct spans *v = job->spans;

	return v->n && sp >= v->v && sp < v->v + v->n;
}

/* Sample i: the timeline read on from the last one asked (the renderers
   read in order), or from its start when i is behind. */
static const struct report_sample *
result_report_live_sample(struct report_live *base,
			  const struct report_set *set, size_t i,
			  struct report_sample *tmp)
{
	struct result_live *l = (struct result_live *)base;
	const struct span *sp = l->last;

	if (i + 1 != l->next || !sp) {
		if (i < l->next) {
			timeline_rewind(&l->t);
			l->next = 0;
		}
		for (sp = NULL; l->next <= i; l->next++)
			if (!(sp = timeline_next(&l->t)))
				rv_bug("result_report: no sample %zu", i);
		l->last = sp;
	}
	if (result_report_stored(l->job, sp))
		return &set->samples[sp - l->job->spans->v];
	result_report_sample(l->job, sp, l->provider,
			     result_report_find(set, &l->span_phase, sp->phase),
			     result_report_find(set, &l->span_sandbox,
						sp->sandbox),
			     result_report_find(set, &l->span_error,
						sp->error), tmp);
	return tmp;
}

/*
 * Intern every string the samples and rows refer to, in the order the
 * copies interned them (ids order some tables), and store the phase
 * spans' samples: they are few, and an open one's duration is taken now,
 * once.  The rollouts' tries are made on demand.
 */
static void result_report_live(struct report_set *set, struct result_live *l,
			       const struct job_outcome *job)
{
	struct report_job *j = &set->jobs[set->n_jobs - 1];
	size_t tries = 0;

	memset(l, 0, sizeof(*l));
	l->base.rollout = result_report_live_rollout;
	l->base.sample = result_report_live_sample;
	l->job = job;
	l->provider = result_report_str(set, job->provider);
	timeline_init(&l->t, job->spans, job->rollouts, job->n_rollouts);
	report_reserve(set, j, job->spans->n, 0);
	for (const struct span *sp; (sp = timeline_next(&l->t)); ) {
		uint32_t phase = result_report_str(set, sp->phase);
		uint32_t sandbox = result_report_str(set, sp->sandbox);
		uint32_t error = result_report_str(set, sp->error);

		if (!result_report_stored(job, sp)) {
			tries++;
			continue;
		}
		result_report_sample(job, sp, l->provider, phase, sandbox,
				     error, report_add_sample(set));
	}
	timeline_rewind(&l->t);
	set->n_samples += tries;
	j->n_samples += tries;
	for (size_t i = 0; i < job->n_rollouts; i++) {
		const char *s[ROW_STRS];

		result_report_row_strs(job, &job->rollouts[i], s);
		for (int k = 0; k < ROW_STRS; k++)
			result_report_str(set, s[k]);
	}
	j->n_rollouts = job->n_rollouts;
	j->live = set->live = &l->base;
}

enum rv_code result_report_write(const struct job_outcome *job,
				 const struct evalstats *eval,
				 const struct report_job_opts *o,
				 struct rv_err *err)
{
	struct report_set set;
	struct result_live live;
	enum rv_code rc;

	report_set_init(&set);
	result_report_job(&set, job);
	set.jobs[0].eval = eval;
	result_report_live(&set, &live, job);
	rc = report_write_set(&set, job->out_dir, o, err);
	timeline_release(&live.t);
	report_set_release(&set);
	return rc;
}
