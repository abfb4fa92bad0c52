/* result: build and write result.json (see result.h). */
#include "result.h"

#include "appenv.h"
#include "appinfo.h"
#include "cli.h"
#include "eval.h"
#include "outcome.h"
#include "provider.h"
#include "rollout_json.h"
#include "rollouts.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_redact.h"
#include "seedlog.h"
#include "spans.h"
#include "timeline.h"
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

/* A string, redacted, or null. */
static json_t *result_str(const char *s)
{
	char *r;
	json_t *v;

	if (!s)
		return json_null();
	r = rv_redact(s);
	v = json_string(r);
	free(r);
	return v ? v : json_string("(invalid UTF-8)");
}

/* A number, or null when it is not finite (JSON has no NaN). */
static json_t *result_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* ms rounded to microseconds, to keep the file readable. */
static json_t *result_ms(double ms)
{
	return result_num(round(ms * 1000.0) / 1000.0);
}

static json_t *result_iso(uint64_t wall_ns)
{
	char buf[40];

	return json_string(rv_wall_iso8601(wall_ns, buf, sizeof(buf)));
}

static json_t *result_job(const struct job_outcome *job)
{
	uint64_t end = job->end_ns ? job->end_ns : rv_now_ns();
	uint64_t dur = end - job->spans->t0_ns;
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		ru.ru_maxrss = 0;
	return json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:I, s:I, "
			 "s:I, s:o, s:o}",
		"id", job->id,
		"status", job_status_name(job->status),
		"exit_code", job->exit_code,
		"error", job->status == JOB_OK ? json_null() :
			result_str(job->error),
		"failed_phase", result_str(job->failed_phase == RV_PHASE_NONE ?
			NULL : rv_phase_name(job->failed_phase)),
		"started_utc", result_iso(job->spans->wall0_ns),
		"finished_utc", result_iso(job->spans->wall0_ns + dur),
		"duration_ms", result_ms(rv_ns_to_ms(dur)),
		"started_unix_us", (json_int_t)(job->spans->wall0_ns / 1000),
		"max_rss_kb", (json_int_t)ru.ru_maxrss,
		"rss_anon_kb", (json_int_t)rv_self_status_kb("RssAnon"),
		"cpu_ms", result_ms(ru.ru_utime.tv_sec * 1e3 +
				    ru.ru_utime.tv_usec / 1e3 +
				    ru.ru_stime.tv_sec * 1e3 +
				    ru.ru_stime.tv_usec / 1e3),
		"rollouts_cpu_ms", result_ms(rv_ns_to_ms(job->rollouts_cpu_ns)));
}

/* 12 hex digits of FNV-1a 64 of s: tells hosts apart, names none. */
static void result_hash(const char *s, char out[13])
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	snprintf(out, 13, "%012llx", (unsigned long long)(h >> 16));
}

/* What the sandboxes start from, and whether it was there before. */
static json_t *result_image(const struct job_outcome *job)
{
	if (!job->image)
		return json_null();
	return json_pack("{s:o, s:o, s:o}",
		"name", result_str(job->image),
		"id", result_str(job->image_id),
		"present_before_job", job->image_present < 0 ? json_null() :
			json_boolean(job->image_present));
}

static json_t *result_environment(const struct job_outcome *job)
{
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char hash[13];

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	result_hash(u.nodename, hash);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:I, s:s}, s:s, s:s, "
			 "s:o, s:o, s:o, s:o, s:o}",
		"runeval_version", RUNEVAL_VERSION,
		"runeval_git", RUNEVAL_GIT,
		"host", "os", u.sysname, "kernel", u.release,
		"arch", u.machine, "cpus", (json_int_t)cpus,
		"hostname_hash", hash,
		"provider", job->provider,
		"mode", job->mode,
		"target", result_str(job->target),
		"api_url", result_str(job->api_url),
		"server", result_str(job->server),
		"image", result_image(job),
		"task_app", app_info_json(job->app_info));
}

/*
 * v (stolen) with every string redacted; null when v is NULL.  A flag's
 * value holds no secret (the CLI refuses them), but one registered
 * secret that turns up is still caught here.
 */
static json_t *result_redact_json(json_t *v)
{
	char *text, *red;
	json_t *r;

	if (!v)
		return json_null();
	text = rv_json_dumps(v);
	json_decref(v);
	if (!rv_redact_contains(text)) {
		r = json_loads(text, 0, NULL);
		free(text);
		return r ? r : json_null();
	}
	red = rv_redact(text);
	r = json_loads(red, 0, NULL);
	free(red);
	free(text);
	return r ? r : json_pack("{s:b}", "redacted", 1);
}

/* --max-failures as given: N, "P%", or null. */
static json_t *result_max_failures(const struct cli_options *o)
{
	char pct[40];

	if (o->max_failures_pct >= 0) {
		snprintf(pct, sizeof(pct), "%g%%", o->max_failures_pct);
		return json_string(pct);
	}
	return o->max_failures >= 0 ? json_integer(o->max_failures) :
		json_null();
}

/* What a resume needs to run the rest of the job as it was given. */
static void result_config_more(const struct job_outcome *job, json_t *c)
{
	const struct cli_options *o = job->opt;

	json_object_set_new(c, "provider", json_string(job->provider));
	json_object_set_new(c, "retries", json_integer(o->retries));
	json_object_set_new(c, "sandbox_retries",
			    json_integer(o->sandbox_retries));
	json_object_set_new(c, "max_failures", result_max_failures(o));
	json_object_set_new(c, "snapshot", result_str(o->snapshot));
	json_object_set_new(c, "image", result_str(o->image));
	json_object_set_new(c, "target", result_str(o->target));
	json_object_set_new(c, "setup", result_str(o->setup_cmd));
	json_object_set_new(c, "provision_timeout_s",
			    o->provision_timeout_s > 0 ?
			    json_real(o->provision_timeout_s) : json_null());
	json_object_set_new(c, "keep", json_boolean(o->keep));
	json_object_set_new(c, "lite", json_boolean(o->lite));
	json_object_set_new(c, "app_dir", result_str(o->app_dir));
	json_object_set_new(c, "port_given", o->port ? json_integer(o->port) :
			    json_null());
	json_object_set_new(c, "log_limit", json_integer(o->log_limit));
	eval_config_json(c, o);
}

/* The sandboxes, in shard order: {"shard", "name", "id"}. */
static json_t *result_shards(const struct job_outcome *job)
{
	json_t *a = json_array();

	for (size_t i = 0; i < job->n_shards; i++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o}",
			"shard", (json_int_t)job->shards[i].index,
			"name", result_str(job->shards[i].name),
			"id", result_str(job->shards[i].label)));
	return a;
}

static void result_config_sandbox(const struct job_outcome *job,
				  json_t *config);

json_t *result_config_json(const struct job_outcome *job)
{
	const struct cli_options *o = job->opt;
	json_t *seeds = json_array();
	json_t *env_config = rv_json_parse(job->env_config,
					   strlen(job->env_config),
					   "env.config", NULL);
	json_t *policy_config = rv_json_parse(job->policy_config,
					      strlen(job->policy_config),
					      "policy.config", NULL);
	json_t *network = json_array(), *c;

	for (size_t i = 0; i < o->network_allow.n; i++)
		json_array_append_new(network,
				      json_string(o->network_allow.v[i]));
	for (size_t i = 0; i < o->n_seeds; i++)
		json_array_append_new(seeds, json_integer(o->seeds[i]));
	c = json_pack("{s:o, s:I, s:i, s:o, s:o, s:o, s:o, s:f, s:f, s:o, "
		      "s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:o, "
		      "s:{s:o, s:b}}",
		"seeds", seeds,
		"concurrency", (json_int_t)o->concurrency,
		"sandboxes", (int)job->n_sandboxes,
		"policy", result_str(o->policy),
		"model", result_str(o->model),
		"inference_url", result_str(o->inference_url),
		"policy_config", result_redact_json(policy_config),
		"timeout_s", o->timeout_s,
		"health_timeout_s", o->health_timeout_s,
		"env_name", result_str(o->env_name),
		"env_config", env_config ? env_config : json_object(),
		"app", result_str(job->app_desc),
		"start", result_str(job->start_cmd),
		"port", job->port > 0 ? json_integer(job->port) : json_null(),
		"environment_api_key", job->key_hint,
		"environment_api_key_minted", job->key_minted,
		"out", result_str(job->out_dir),
		"app_env", appenv_json(job->appenv, o),
		"network", "allow", network,
		"block_all", o->network_block_all);
	if (c) {
		result_config_more(job, c);
		result_config_sandbox(job, c);
	}
	return c;
}

/* The sandbox options: what each sandbox got. */
static void result_config_sandbox(const struct job_outcome *job,
				  json_t *config)
{
	const struct cli_options *o = job->opt;

	json_object_set_new(config, "cpus", o->cpus > 0 ?
			    json_real(o->cpus) : json_null());
	json_object_set_new(config, "memory_bytes", o->memory_bytes > 0 ?
			    json_integer(o->memory_bytes) : json_null());
	json_object_set_new(config, "snapshot_after_install",
			    json_boolean(o->snapshot_after_install));
}

/* One entry per remote call attempt: {"op","ms","status","error"}. */
static json_t *result_attempt_log(const struct span *sp)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sp->n_attempt_log; i++) {
		const struct provider_attempt *t = &sp->attempt_log[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}",
			"op", t->op, "ms", result_ms(t->ms),
			"status", t->status ? json_integer(t->status) :
				json_null(),
			"error", t->error[0] ? result_str(t->error) :
				json_null()));
	}
	return a;
}

static json_t *result_span(const struct job_outcome *job, const struct span *sp)
{
	uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();
	const struct spans *s = job->spans;
	json_t *o;

	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:I, s:o}",
		"phase", sp->phase,
		"provider", job->provider,
		"sandbox", result_str(sp->sandbox),
		"seed", sp->seed >= 0 ? json_integer(sp->seed) : json_null(),
		"start_ms", result_ms(spans_offset_ms(s, sp->start_ns)),
		"ms", result_ms(rv_ns_to_ms(end - sp->start_ns)),
		"ok", sp->ok,
		"attempts", (json_int_t)sp->attempts,
		"error", result_str(sp->error));
	if (sp->n_attempt_log)
		json_object_set_new(o, "attempt_log", result_attempt_log(sp));
	return o;
}

static json_t *result_summary(const struct summary *s)
{
	json_t *phases = json_object();

	for (size_t i = 0; i < s->n_phases; i++)
		json_object_set_new(phases, s->phases[i].phase,
				    stats_summary_json(&s->phases[i].s, 1.0));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
		"seeds", (json_int_t)s->seeds,
		"completed", (json_int_t)s->completed,
		"failed", (json_int_t)s->failed,
		"cancelled", (json_int_t)s->cancelled,
		"pipeline_failures", (json_int_t)s->pipeline_failures,
		"success_rate", result_num(s->success_rate),
		"mean_reward", result_num(s->mean_reward),
		"mean_reward_all", result_num(s->mean_reward_all),
		"eval", evalstats_json(&s->eval, s->eval.epochs > 1 ||
				       s->eval.n_seeds < s->eval.n),
		"phases", phases);
}

/* Where result.json goes, and which member could not be built. */
struct result_out {
	FILE *f;
	const char *bad;	/* set when a member was no valid JSON */
};

/* Dump v (stolen; NULL when it could not be built) as what; false on
   any failure. */
static bool result_put(struct result_out *o, json_t *v, size_t flags,
		       const char *what)
{
	int rc;

	if (!v) {
		o->bad = what;
		return false;
	}
	rc = json_dumpf(v, o->f, flags | JSON_ENSURE_ASCII |
			JSON_REAL_PRECISION(12));
	json_decref(v);
	return rc == 0;
}

/*
 * One span as text; one with an attempt log through jansson (a few per
 * sandbox), the others (one per rollout) without a tree.  Errors were
 * redacted by spans_end()/spans_add(); sandbox labels are provider ids.
 */
static bool result_span_text(struct result_out *o,
			     const struct job_outcome *job,
			     const struct span *sp, struct rv_buf *b)
{
	uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();

	if (sp->n_attempt_log) {
		fwrite(b->data, 1, b->len, o->f);
		rv_buf_reset(b);
		return result_put(o, result_span(job, sp), JSON_COMPACT,
				  "spans");
	}
	rv_buf_adds(b, "{\"phase\":");
	rv_json_add_str(b, sp->phase);
	rv_buf_adds(b, ",\"provider\":");
	rv_json_add_str(b, job->provider);
	rv_buf_adds(b, ",\"sandbox\":");
	rv_json_add_str(b, sp->sandbox);
	rv_buf_adds(b, ",\"seed\":");
	if (sp->seed >= 0)
		rv_buf_add_int(b, sp->seed);
	else
		rv_buf_adds(b, "null");
	rv_buf_adds(b, ",\"start_ms\":");
	rv_json_add_num(b, round(spans_offset_ms(job->spans, sp->start_ns) *
				 1000.0) / 1000.0);
	rv_buf_adds(b, ",\"ms\":");
	rv_json_add_num(b, round(rv_ns_to_ms(end - sp->start_ns) * 1000.0) /
			1000.0);
	rv_buf_adds(b, sp->ok ? ",\"ok\":true,\"attempts\":" :
		    ",\"ok\":false,\"attempts\":");
	rv_buf_add_int(b, sp->attempts);
	rv_buf_adds(b, ",\"error\":");
	rv_json_add_str(b, sp->error);
	rv_buf_addch(b, '}');
	return true;
}

/* The job's timeline: its phase spans and a span per rollout try. */
static bool result_spans(struct result_out *o, const struct job_outcome *job)
{
	struct rv_buf b = RV_BUF_INIT;
	struct timeline t;
	const struct span *sp;
	bool ok = fputs(",\n  \"spans\": [", o->f) >= 0, any = false;

	timeline_init(&t, job->spans, job->rollouts, job->n_rollouts);
	while (ok && (sp = timeline_next(&t))) {
		rv_buf_reset(&b);
		rv_buf_adds(&b, any ? ",\n    " : "\n    ");
		ok = result_span_text(o, job, sp, &b) &&
			fwrite(b.data, 1, b.len, o->f) == b.len;
		any = true;
	}
	timeline_release(&t);
	rv_buf_release(&b);
	return ok && fputs(any ? "\n  ]" : "]", o->f) >= 0;
}

/* "  "rollouts": [ one compact line each ]", written as text. */
static bool result_rollouts(struct result_out *o,
			    const struct job_outcome *job)
{
	struct rv_buf b = RV_BUF_INIT;
	struct seedlog_reader *rd = NULL;
	bool ok = fputs(",\n  \"rollouts\": [", o->f) >= 0, opened = false;

	for (size_t i = 0; i < job->n_rollouts && ok; i++) {
		const struct rollout *r = &job->rollouts[i];

		/* details the seed log holds (seedlog.h) */
		if (!opened && r->more && r->more->details_at &&
		    job->out_dir) {
			rd = seedlog_reader_open(job->out_dir, job->log_lock ?
						 *job->log_lock : -1);
			opened = true;
		}
		rv_buf_reset(&b);
		rv_buf_adds(&b, i ? ",\n    " : "\n    ");
		rollout_json_add_outcome(&b, r, job->sandbox, job->opt,
					 job->spans, rd);
		ok = fwrite(b.data, 1, b.len, o->f) == b.len;
	}
	seedlog_reader_close(rd);
	rv_buf_release(&b);
	return ok && fputs(job->n_rollouts ? "\n  ]" : "]", o->f) >= 0;
}

/* "  "name": {...}" indented as a member of the top object. */
static bool result_member(struct result_out *o, const char *name, json_t *v,
			  bool first)
{
	char *text;
	bool ok;

	if (!v) {
		o->bad = name;
		return false;
	}
	text = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII |
			  JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
	json_decref(v);
	if (!text) {
		o->bad = name;
		return false;
	}
	ok = fprintf(o->f, "%s\n  \"%s\": ", first ? "" : ",", name) > 0;
	for (const char *p = text; *p && ok; p++)
		ok = (*p == '\n' ? fputs("\n  ", o->f) :
		      fputc(*p, o->f)) != EOF;
	free(text);
	return ok;
}

/* The document, one record at a time: memory stays flat however many
   seeds. */
static bool result_emit(struct result_out *o, const struct job_outcome *job,
			const struct summary *s)
{
	return fprintf(o->f, "{\n  \"schema\": \"%s\",", RESULT_SCHEMA) > 0 &&
		result_member(o, "job", result_job(job), true) &&
		result_member(o, "environment", result_environment(job),
			      false) &&
		result_member(o, "config", result_config_json(job), false) &&
		result_member(o, "sandboxes", result_shards(job), false) &&
		result_spans(o, job) &&
		result_rollouts(o, job) &&
		result_member(o, "summary", result_summary(s), false) &&
		fputs("\n}\n", o->f) >= 0;
}

bool result_stream(const struct job_outcome *job, const struct summary *s, FILE *f)
{
	struct result_out o = { .f = f };

	return result_emit(&o, job, s);
}

struct result_fill {
	struct result_out o;
	const struct job_outcome *job;
	const struct summary *s;
};

static bool result_fill(FILE *f, void *arg)
{
	struct result_fill *r = arg;

	r->o.f = f;
	return result_emit(&r->o, r->job, r->s);
}

enum rv_code result_write(const struct job_outcome *job, const struct summary *s,
			  struct rv_err *err)
{
	struct result_fill r = { .job = job, .s = s };
	enum rv_code rc;

	/* no fsync: the rename keeps readers from a half-written file, and
	   a job's results are not worth milliseconds of every job; on any
	   failure the temporary file is gone and nothing was renamed */
	rc = rv_replace_file(job->result_path, result_fill, &r, false, err);
	if (rc != RV_OK && r.o.bad)
		rv_errf(err, rc, "cannot write '%s': its '%s' is not valid "
			"JSON", job->result_path, r.o.bad);
	return rc;
}
