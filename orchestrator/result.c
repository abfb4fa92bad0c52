/* result: build and write result.json (see result.h). */
#include "result.h"

#include "job.h"
#include "provider.h"
#include "rv_clock.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_redact.h"
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

/* A number, or null when NAN. */
static json_t *result_num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* ms rounded to microseconds, to keep the file readable. */
static json_t *result_ms(double ms)
{
	return json_real(round(ms * 1000.0) / 1000.0);
}

static json_t *result_iso(uint64_t wall_ns)
{
	char buf[40];

	return json_string(rv_wall_iso8601(wall_ns, buf, sizeof(buf)));
}

static json_t *result_job(const struct job *job)
{
	uint64_t end = job->end_ns ? job->end_ns : rv_now_ns();
	uint64_t dur = end - job->spans.t0_ns;
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		ru.ru_maxrss = 0;
	return json_pack("{s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:I, s:I, "
			 "s:I, s:o}",
		"id", job->id,
		"status", job_status_name(job->status),
		"exit_code", job->exit_code,
		"error", job->status == JOB_OK ? json_null() :
			result_str(job->err.msg),
		"failed_phase", result_str(job->failed_phase == RV_PHASE_NONE ?
			NULL : rv_phase_name(job->failed_phase)),
		"started_utc", result_iso(job->spans.wall0_ns),
		"finished_utc", result_iso(job->spans.wall0_ns + dur),
		"duration_ms", result_ms(rv_ns_to_ms(dur)),
		"started_unix_us", (json_int_t)(job->spans.wall0_ns / 1000),
		"max_rss_kb", (json_int_t)ru.ru_maxrss,
		"rss_anon_kb", (json_int_t)rv_self_status_kb("RssAnon"),
		"cpu_ms", result_ms(ru.ru_utime.tv_sec * 1e3 +
				    ru.ru_utime.tv_usec / 1e3 +
				    ru.ru_stime.tv_sec * 1e3 +
				    ru.ru_stime.tv_usec / 1e3));
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
static json_t *result_image(const struct job *job)
{
	if (!job->image)
		return json_null();
	return json_pack("{s:o, s:o, s:o}",
		"name", result_str(job->image),
		"id", result_str(job->image_id),
		"present_before_job", job->image_present < 0 ? json_null() :
			json_boolean(job->image_present));
}

static json_t *result_environment(const struct job *job)
{
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char hash[13];

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	result_hash(u.nodename, hash);
	return json_pack("{s:s, s:{s:s, s:s, s:s, s:I, s:s}, s:s, s:s, s:o, "
			 "s:o, s:o}",
		"runeval_version", RUNEVAL_VERSION,
		"host", "os", u.sysname, "kernel", u.release,
		"arch", u.machine, "cpus", (json_int_t)cpus,
		"hostname_hash", hash,
		"provider", job->provider_name,
		"mode", job->mode_name,
		"target", result_str(job->target),
		"api_url", result_str(job->api_url),
		"image", result_image(job));
}

static void result_config_sandbox(const struct job *job, json_t *config);

static json_t *result_config(const struct job *job)
{
	json_t *c;
	const struct cli_options *o = job->opt;
	char hint[64];
	json_t *seeds = json_array();

	rv_redact_hint(job->api_key, hint, sizeof(hint));
	for (size_t i = 0; i < o->n_seeds; i++)
		json_array_append_new(seeds, json_integer(o->seeds[i]));
	c = json_pack("{s:o, s:I, s:i, s:s, s:o, s:o, s:f, s:f, s:o, "
			 "s:O, s:o, s:o, s:o, s:s, s:b, s:o}",
		"seeds", seeds,
		"concurrency", (json_int_t)o->concurrency,
		"sandboxes", job->n_sandboxes ? (int)job->n_sandboxes : 1,
		"policy", o->policy,
		"model", result_str(o->model),
		"inference_url", result_str(o->inference_url),
		"timeout_s", o->timeout_s,
		"health_timeout_s", o->health_timeout_s,
		"env_name", result_str(o->env_name),
		"env_config", job->env_config,
		"app", result_str(job->app_desc),
		"start", result_str(job->start_cmd),
		"port", job->port > 0 ? json_integer(job->port) : json_null(),
		"environment_api_key", hint,
		"environment_api_key_minted", job->key_minted,
		"out", result_str(job->out_dir));
	if (c)
		result_config_sandbox(job, c);
	return c;
}

/* The sandbox options: what each sandbox got. */
static void result_config_sandbox(const struct job *job, json_t *config)
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

static json_t *result_span(const struct job *job, const struct span *sp)
{
	uint64_t end = sp->end_ns ? sp->end_ns : rv_now_ns();
	const struct spans *s = &job->spans;
	json_t *o;

	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:I, s:o}",
		"phase", sp->phase,
		"provider", job->provider_name,
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

static json_t *result_rollout(const struct job *job, const struct rollout *r)
{
	double ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN;

	return json_pack("{s:I, s:s, s:o, s:b, s:s, s:o, s:o, s:o, s:o, "
			 "s:o, s:o, s:o?}",
		"seed", (json_int_t)r->seed,
		"sandbox", r->sandbox[0] ? r->sandbox : job->sandbox,
		"trace_correlation_id", r->tcid[0] ? json_string(r->tcid) :
			json_null(),
		"ok", r->ok,
		"state", r->state == ROLLOUT_CANCELLED ? "cancelled" :
			r->state == ROLLOUT_DONE ? "done" : "pending",
		"reward", r->ok ? json_real(r->reward) : json_null(),
		"success_status", result_str(r->success_status),
		"status_detail", result_str(r->status_detail),
		"http_status", r->http_status ? json_integer(r->http_status) :
			json_null(),
		"latency_ms", isnan(ms) ? json_null() : result_ms(ms),
		"error", result_str(r->error),
		"details", r->details ? json_loads(r->details, 0, NULL) :
			json_null());
}

static json_t *result_summary(const struct summary *s)
{
	json_t *phases = json_object();

	for (size_t i = 0; i < s->n_phases; i++)
		json_object_set_new(phases, s->phases[i].phase,
				    stats_summary_json(&s->phases[i].s, 1.0));
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
		"seeds", (json_int_t)s->seeds,
		"completed", (json_int_t)s->completed,
		"failed", (json_int_t)s->failed,
		"cancelled", (json_int_t)s->cancelled,
		"success_rate", result_num(s->success_rate),
		"mean_reward", result_num(s->mean_reward),
		"mean_reward_all", result_num(s->mean_reward_all),
		"phases", phases);
}

/* Dump v (stolen) into f at indent; false on a write error. */
static bool result_put(FILE *f, json_t *v, size_t flags)
{
	int rc;

	if (!v)
		rv_bug("result: cannot build a result.json member");
	rc = json_dumpf(v, f, flags | JSON_ENSURE_ASCII |
			JSON_REAL_PRECISION(12));
	json_decref(v);
	return rc == 0;
}

/* "  "name": [ one compact object per line ]" */
static bool result_array(FILE *f, const char *name, size_t n,
			 json_t *(*item)(const struct job *, size_t),
			 const struct job *job)
{
	bool ok = fprintf(f, ",\n  \"%s\": [", name) > 0;

	for (size_t i = 0; i < n && ok; i++) {
		ok = fputs(i ? ",\n    " : "\n    ", f) >= 0 &&
			result_put(f, item(job, i), JSON_COMPACT);
	}
	return ok && fputs(n ? "\n  ]" : "]", f) >= 0;
}

static json_t *result_span_at(const struct job *job, size_t i)
{
	return result_span(job, &job->spans.v[i]);
}

static json_t *result_rollout_at(const struct job *job, size_t i)
{
	return result_rollout(job, &job->rollouts[i]);
}

/* "  "name": {...}" indented as a member of the top object. */
static bool result_member(FILE *f, const char *name, json_t *v, bool first)
{
	char *text;
	bool ok;

	if (!v)
		rv_bug("result: cannot build '%s'", name);
	text = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII |
			  JSON_REAL_PRECISION(12));
	json_decref(v);
	if (!text)
		rv_bug("result: cannot serialise '%s'", name);
	ok = fprintf(f, "%s\n  \"%s\": ", first ? "" : ",", name) > 0;
	for (const char *p = text; *p && ok; p++)
		ok = (*p == '\n' ? fputs("\n  ", f) : fputc(*p, f)) != EOF;
	free(text);
	return ok;
}

bool result_stream(const struct job *job, const struct summary *s, FILE *f)
{
	/* one record at a time: memory stays flat however many seeds */
	return fprintf(f, "{\n  \"schema\": \"%s\",", RESULT_SCHEMA) > 0 &&
		result_member(f, "job", result_job(job), true) &&
		result_member(f, "environment", result_environment(job), false) &&
		result_member(f, "config", result_config(job), false) &&
		result_array(f, "spans", job->spans.n, result_span_at, job) &&
		result_array(f, "rollouts", job->n_rollouts, result_rollout_at,
			     job) &&
		result_member(f, "summary", result_summary(s), false) &&
		fputs("\n}\n", f) >= 0;
}

struct result_fill {
	const struct job *job;
	const struct summary *s;
};

static bool result_fill(FILE *f, void *arg)
{
	const struct result_fill *r = arg;

	return result_stream(r->job, r->s, f);
}

enum rv_code result_write(const struct job *job, const struct summary *s,
			  struct rv_err *err)
{
	struct result_fill r = { job, s };

	/* no fsync: the rename keeps readers from a half-written file, and
	   a job's results are not worth milliseconds of every job */
	return rv_replace_file(job->result_path, result_fill, &r, false, err);
}
