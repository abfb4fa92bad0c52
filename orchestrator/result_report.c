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
#include <stdlib.h>
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

struct result_memo {	/* a string looked up, and its id */
	const char *s;
	uint32_t id;
};

#define RESULT_SEEN 256	/* strings remembered by address */

struct result_live {
	struct report_live base;	/* first: what the set holds */
	const struct job_outcome *job;
	struct timeline t;
	size_t *at;			/* phase span j is sample at[j] */
	unsigned char *cls;		/* each rollout's eval_class() */
	uint32_t provider;
	/* by address (the records' sandboxes and names are shared), then
	   the field's last one by content, then the set's table */
	struct result_memo seen[RESULT_SEEN];
	struct result_memo row[ROW_STRS], span_phase, span_sandbox, span_error;
};

static uint32_t result_report_find(struct result_live *l,
				   const struct report_set *set,
				   struct result_memo *m, const char *s)
{
	struct result_memo *at;

	if (!s)
		return 0;
	at = &l->seen[((uintptr_t)s >> 3) % RESULT_SEEN];
	if (at->s == s)
		return at->id;
	if (!m->s || strcmp(s, m->s)) {
		m->id = report_find(set, s);
		if (!m->id)
			rv_bug("result_report: '%s' was not interned", s);
	}
	m->s = s;
	*at = *m;
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
	s[ROW_APP_STATUS] = rollout_success_status(r);
	s[ROW_DETAIL] = rollout_status_detail(r);
	s[ROW_TASK] = rollout_task(r);
	s[ROW_DIFFICULTY] = rollout_difficulty(r);
}

static void result_report_row(const struct job_outcome *job,
			      const struct rollout *r,
			      const uint32_t id[ROW_STRS], unsigned char cls,
			      struct report_rollout *o)
{
	*o = (struct report_rollout){
		.seed = r->seed, .epoch = r->epoch ? r->epoch : 1,
		.sandbox = id[ROW_SANDBOX], .error = id[ROW_ERROR],
		.status = id[ROW_STATUS], .app_status = id[ROW_APP_STATUS],
		.detail = id[ROW_DETAIL], .task = id[ROW_TASK],
		.difficulty = id[ROW_DIFFICULTY],
		.cls = cls,
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
		memcpy(tokens, rollout_tokens(r), 3 * sizeof(*tokens));
	if (!row)
		return;
	result_report_row_strs(l->job, r, s);
	for (int k = 0; k < ROW_STRS; k++)
		id[k] = result_report_find(l, set, &l->row[k], s[k]);
	result_report_row(l->job, r, id, l->cls[i], row);
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

/*
 * Sample i, in the timeline's order: phase span j is sample at[j] (the
 * spans and the tries are each sorted, so the ones before i are found by
 * bisection); a try is made from its record.  Any order costs the same.
 */
static const struct report_sample *
result_report_live_sample(struct report_live *base,
			  const struct report_set *set, size_t i,
			  struct report_sample *tmp)
{
	struct result_live *l = (struct result_live *)base;
	size_t lo = 0, hi = l->job->spans->n;
	const struct span *sp;

	while (lo < hi) {	/* lo: the phase spans before sample i */
		size_t mid = lo + (hi - lo) / 2;

		if (l->at[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->job->spans->n && l->at[lo] == i)
		return &set->samples[lo];
	if (i - lo >= l->t.n_refs)
		rv_bug("result_report: no sample %zu", i);
	sp = timeline_try_at(&l->t, i - lo);
	result_report_sample(l->job, sp, l->provider,
			     result_report_find(l, set, &l->span_phase,
						sp->phase),
			     result_report_find(l, set, &l->span_sandbox,
						sp->sandbox),
			     result_report_find(l, set, &l->span_error,
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
	const struct spans *v = job->spans;

	memset(l, 0, sizeof(*l));
	l->base.rollout = result_report_live_rollout;
	l->base.sample = result_report_live_sample;
	l->job = job;
	l->provider = result_report_str(set, job->provider);
	timeline_init(&l->t, v, job->rollouts, job->n_rollouts);
	l->at = rv_xcalloc(v->n + 1, sizeof(*l->at));
	report_reserve(set, j, v->n, 0);
	for (size_t k = 0; k < v->n; k++)	/* ties: phase spans first */
		l->at[k] = k + timeline_tries_before(&l->t, v->v[k].start_ns);
	for (const struct span *sp; (sp = timeline_next(&l->t)); ) {
		uint32_t phase = result_report_str(set, sp->phase);
		uint32_t sandbox = result_report_str(set, sp->sandbox);
		uint32_t error = result_report_str(set, sp->error);

		if (sp >= v->v && sp < v->v + v->n)	/* a phase span */
			result_report_sample(job, sp, l->provider, phase,
					     sandbox, error,
					     report_add_sample(set));
	}
	set->n_samples += l->t.n_refs;
	j->n_samples += l->t.n_refs;
	l->cls = rv_xcalloc(job->n_rollouts + 1, sizeof(*l->cls));
	for (size_t i = 0; i < job->n_rollouts; i++) {
		const char *s[ROW_STRS];

		result_report_row_strs(job, &job->rollouts[i], s);
		for (int k = 0; k < ROW_STRS; k++)
			result_report_str(set, s[k]);
		l->cls[i] = (unsigned char)eval_class(&job->rollouts[i],
						      job->opt);
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
	free(live.at);
	free(live.cls);
	report_set_release(&set);
	return rc;
}
