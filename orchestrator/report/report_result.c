/*
 * runeval result.json and hyperfine exports.  The scanner has checked the
 * whole document and reads the arrays of samples, so that every element's
 * line is known for messages; jansson reads only the text of the small
 * "job" and "environment" objects, cut out by the scanner: no tree of the
 * whole document is built (for 1000 rollouts it was the largest thing
 * runeval held).
 */
#include "report_load.h"

#include "evalstats.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "rv_phase.h"
#include "rv_term.h"

#include <math.h>
#include <string.h>

#define RESULT_SCHEMA "runeval.result/1"

/* Line counting that only moves forward through the text. */
struct line_pos {
	const char *at;
	unsigned line;
};

static unsigned line_at(struct line_pos *lp, const char *p)
{
	for (; lp->at < p; lp->at++)
		lp->line += *lp->at == '\n';
	return lp->line;
}

/*
 * Walk the array at top-level key (absent: *present = false) calling
 * fn on each element with its line.
 */
typedef enum rv_code (*element_fn)(struct report_fields *f, const char *name,
				   unsigned line, void *arg,
				   struct rv_err *err);

static enum rv_code each_element(struct report_fields *f, const char *name,
				 const char *data, size_t len, const char *key,
				 bool *present, element_fn fn, void *arg,
				 struct rv_err *err)
{
	struct line_pos lp = { data, 1 };
	enum rv_code rc = RV_OK;
	bool first = true;

	jscan_init(&f->s, data, len);
	*present = jscan_seek_key(&f->s, key);
	if (!*present)
		return RV_OK;
	if (jscan_peek(&f->s) != JSCAN_ARRAY)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: '%s' must be an array, got %s",
			       name, line_at(&lp, f->s.p), key,
			       jscan_type_name(jscan_peek(&f->s)));
	jscan_array_begin(&f->s);
	while (rc == RV_OK && jscan_array_next(&f->s, &first))
		rc = fn(f, name, line_at(&lp, f->s.p), arg, err);
	return rc;
}

static enum rv_code result_span(struct report_fields *f, const char *name,
				unsigned line, void *arg, struct rv_err *err)
{
	return report_span_object(f, name, line, *(uint32_t *)arg, true, err);
}

/* A rollout as read, before what older files lack is derived. */
struct rollout_read {
	struct report_rollout *r;
	struct report_job *job;		/* r's */
	uint32_t state, transport, outcome;
	bool has_ok;
};

/* "tokens": {"prompt", "completion", "total"} (each a count or null). */
static bool rollout_tokens(struct report_fields *f, struct report_job *job)
{
	static const char *const keys[] = { "prompt", "completion", "total" };
	bool first = true;

	if (jscan_peek(&f->s) == JSCAN_NULL)
		return jscan_skip(&f->s);
	if (jscan_peek(&f->s) != JSCAN_OBJECT)
		return report_field_bad(f, "'tokens' must be an object or null");
	jscan_object_begin(&f->s);
	while (report_fields_next(f, &first)) {
		size_t k = 0;
		double v = -1;

		while (k < 3 && !report_key_is(f, keys[k]))
			k++;
		if (k == 3) {
			if (!jscan_skip(&f->s))
				return false;
			continue;
		}
		if (!report_field_number(f, &v, true, 0, true))
			return false;
		report_tokens_set(job, job->n_rollouts - 1)[k] = (int64_t)v;
	}
	return !f->s.err;
}

static bool rollout_epoch(struct report_fields *f, struct report_rollout *r)
{
	double v = 1;

	if (!report_field_number(f, &v, true, 1, true))
		return false;
	if (v > UINT32_MAX)
		return report_field_bad(f, "'epoch' is out of range (%g)", v);
	r->epoch = (uint32_t)v;
	return true;
}

static bool rollout_field(struct report_fields *f, struct rollout_read *rr)
{
	struct report_rollout *r = rr->r;

	if (report_key_is(f, "ok"))
		return (rr->has_ok = true) && report_field_bool(f, &r->ok);
	if (report_key_is(f, "sandbox"))
		return report_field_string(f, &r->sandbox, true);
	if (report_key_is(f, "error"))
		return report_field_string(f, &r->error, true);
	if (report_key_is(f, "success_status"))
		return report_field_string(f, &r->app_status, true);
	if (report_key_is(f, "status"))
		return report_field_string(f, &r->status, true);
	if (report_key_is(f, "status_detail"))
		return report_field_string(f, &r->detail, true);
	if (report_key_is(f, "task"))
		return report_field_string(f, &r->task, true);
	if (report_key_is(f, "difficulty"))
		return report_field_string(f, &r->difficulty, true);
	if (report_key_is(f, "state"))
		return report_field_string(f, &rr->state, true);
	if (report_key_is(f, "transport"))
		return report_field_string(f, &rr->transport, true);
	if (report_key_is(f, "outcome"))
		return report_field_string(f, &rr->outcome, true);
	if (report_key_is(f, "reward"))
		return report_field_number(f, &r->reward, false, -INFINITY,
					   true);
	if (report_key_is(f, "latency_ms"))
		return report_field_number(f, &r->ms, false, 0, true);
	if (report_key_is(f, "start_ms"))
		return report_field_number(f, &r->start_ms, false, -INFINITY,
					   true);
	if (report_key_is(f, "seed"))
		return report_field_seed(f, &r->seed);
	if (report_key_is(f, "epoch"))
		return rollout_epoch(f, r);
	if (report_key_is(f, "tokens"))
		return rollout_tokens(f, rr->job);
	return jscan_skip(&f->s);
}

static bool str_is(const struct report_set *set, uint32_t id, const char *s)
{
	const char *v = report_str(set, id);

	return v && !strcmp(v, s);
}

static uint32_t intern_str(struct report_set *set, const char *s)
{
	return report_intern(set, s, strlen(s));
}

/*
 * The class and the one-word status: as runeval writes them ("outcome",
 * "status"), else (older files) from ok, success_status and state.
 */
static void rollout_derive(struct report_set *set, struct rollout_read *rr)
{
	struct report_rollout *r = rr->r;

	if (rr->outcome)
		r->cls = str_is(set, rr->outcome, "pipeline_failure") ?
			EVALSTATS_PIPELINE : str_is(set, rr->outcome,
			"transport_failure") ? EVALSTATS_TRANSPORT : EVALSTATS_OK;
	else if (!r->ok)
		r->cls = EVALSTATS_TRANSPORT;
	else
		r->cls = !r->app_status || str_is(set, r->app_status,
			"success") ? EVALSTATS_OK : EVALSTATS_PIPELINE;
	if (r->cls == EVALSTATS_TRANSPORT)
		r->reward = NAN;
	if (r->status)
		return;
	if (r->cls != EVALSTATS_TRANSPORT)
		r->status = r->app_status ? r->app_status :
			intern_str(set, "success");
	else
		r->status = rr->transport ? rr->transport :
			intern_str(set, str_is(set, rr->state, "cancelled") ?
				   "cancelled" : "failed");
}

static enum rv_code result_rollout(struct report_fields *f, const char *name,
				   unsigned line, void *arg,
				   struct rv_err *err)
{
	struct rollout_read rr = { .r = report_add_rollout(arg), .job = arg };
	const char *base = f->s.p;
	bool first = true;

	f->what = NULL;
	if (jscan_peek(&f->s) != JSCAN_OBJECT)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: a rollout must be a JSON object, got %s",
			       name, line, jscan_type_name(jscan_peek(&f->s)));
	jscan_object_begin(&f->s);
	while (report_fields_next(f, &first))
		if (!rollout_field(f, &rr))
			return report_fields_error(f, name, line, base, err);
	if (f->s.err)
		return report_fields_error(f, name, line, base, err);
	if (!rr.has_ok)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: rollout: missing 'ok'",
			       name, line);
	rollout_derive(f->set, &rr);
	return RV_OK;
}

static char *dup_str(const json_t *v, const char *path)
{
	return rv_xstrdup(rv_json_str(v, path));
}

/*
 * job.started_unix_us must be a time runeval can write back (years 0000
 * to 9999): a larger one is an error at its line (found by its key in
 * the "job" member m, else that member's first line).
 */
static enum rv_code result_check_start(const char *name, const char *data,
				       const struct report_member *m,
				       double epoch_ms, struct rv_err *err)
{
	static const char key[] = "\"started_unix_us\"";
	const char *at;
	unsigned line, col;

	if (report_utc_in_range(epoch_ms))
		return RV_OK;
	at = m->at ? memmem(m->at, m->len, key, sizeof(key) - 1) : NULL;
	report_line_col(data, at ? at : m->at ? m->at : data, &line, &col);
	return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: job.started_unix_us "
		       "%g is out of range (years 0000 to 9999)", name, line,
		       epoch_ms * 1000);
}

static struct report_job *result_job(struct report_set *set, const char *name,
				     const json_t *root, uint32_t *provider)
{
	const char *id = rv_json_str(root, "job.id");
	const char *prov = rv_json_str(root, "environment.provider");
	struct report_job *job;

	job = report_add_job(set, id && *id ? id : name, name,
			     REPORT_KIND_RESULT);
	job->status = dup_str(root, "job.status");
	job->error = dup_str(root, "job.error");
	job->started_utc = dup_str(root, "job.started_utc");
	job->mode = dup_str(root, "environment.mode");
	rv_json_num(root, "job.duration_ms", &job->duration_ms);
	if (rv_json_num(root, "job.started_unix_us", &job->epoch_ms))
		job->epoch_ms /= 1000;
	else if (!job->started_utc ||
		 !report_parse_utc(job->started_utc, &job->epoch_ms))
		job->epoch_ms = NAN;
	*provider = prov && *prov ? report_intern(set, prov, strlen(prov)) : 0;
	job->provider = job->eval_provider = *provider;
	return job;
}

/*
 * {"job": ..., "environment": ...} from the text of those members (when
 * they are objects), for result_job(); NULL after an error.
 */
static json_t *result_meta(const char *name, const char *data, size_t len,
			   const struct report_member *m, size_t n,
			   struct rv_err *err)
{
	json_t *meta = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *v;

		if (!m[i].at || *m[i].at != '{')
			continue;
		v = rv_json_parse(m[i].at, m[i].len, "metadata", NULL);
		if (!v) {	/* jansson is stricter about numbers */
			json_decref(meta);
			report_json_error(name, data, len, err);
			return NULL;
		}
		json_object_set_new(meta, m[i].key, v);
	}
	return meta;
}

/*
 * The eval's settings in "config": policy, model, app, env_name (strings
 * or null) and pass_threshold, read with the scanner (its seeds may be a
 * million); other keys are skipped.
 */
static enum rv_code result_config(struct report_job *job, const char *name,
				  const char *data, const struct report_member *m,
				  struct rv_err *err)
{
	char **str[] = { &job->policy, &job->model, &job->app, &job->env_name };
	static const char *const keys[] = { "policy", "model", "app",
					    "env_name" };
	struct rv_buf kb = RV_BUF_INIT, vb = RV_BUF_INIT;
	const char *key, *why = NULL;
	struct jscan s;
	bool first = true;
	size_t klen;

	if (!m->at || *m->at != '{')
		return RV_OK;
	jscan_init(&s, m->at, m->len);
	jscan_object_begin(&s);
	while (!why && jscan_object_next(&s, &first, &kb, &key, &klen)) {
		size_t k = 0;

		while (k < 4 && (strlen(keys[k]) != klen ||
				 memcmp(keys[k], key, klen)))
			k++;
		if (k < 4 && jscan_peek(&s) == JSCAN_STRING) {
			jscan_string(&s, &vb);
			free(*str[k]);
			*str[k] = rv_xstrdup(vb.data);
		} else if (k < 4 && jscan_peek(&s) != JSCAN_NULL) {
			why = keys[k];
		} else if (klen == 14 && !memcmp(key, "pass_threshold", 14) &&
			   jscan_peek(&s) == JSCAN_NUMBER) {
			jscan_number(&s, &job->pass_threshold);
		} else {
			jscan_skip(&s);
		}
	}
	rv_buf_release(&kb);
	rv_buf_release(&vb);
	if (why) {
		unsigned line, col;

		report_line_col(data, s.p, &line, &col);
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: config.%s must "
			       "be a string or null", name, line, why);
	}
	return RV_OK;
}

/*
 * The app's name (else id) and version from what its GET /info said
 * (environment.task_app), else config.app.
 */
static void result_app(struct report_job *job, const json_t *meta)
{
	const char *name = rv_json_str(meta, "environment.task_app.name");
	const char *version = rv_json_str(meta,
					  "environment.task_app.version");

	if (!name || !*name)
		name = rv_json_str(meta, "environment.task_app.id");
	if (name && *name) {
		free(job->app);
		job->app = rv_xstrdup(name);
	}
	if (version)
		job->app_version = rv_xstrdup(version);
}

/* "sandboxes": [{"shard", "name", "id"}...], in shard order. */
static void result_shards(struct report_set *set, struct report_job *job,
			  const struct report_member *m)
{
	json_t *v, *e;
	size_t i;

	if (!m->at || *m->at != '[')
		return;
	v = rv_json_parse(m->at, m->len, "sandboxes", NULL);
	job->shards = rv_xcalloc(json_array_size(v) + 1, sizeof(*job->shards));
	json_array_foreach(v, i, e) {
		const char *n = rv_json_str(e, "name"), *id = rv_json_str(e, "id");

		if (!id)
			continue;
		job->shards[job->n_shards].id = report_intern(set, id,
							      strlen(id));
		job->shards[job->n_shards++].name = n ?
			report_intern(set, n, strlen(n)) : 0;
	}
	json_decref(v);
}

/* The "schema" member's string (decoded into buf), or NULL. */
static const char *result_schema(const struct report_member *m,
				 struct rv_buf *buf)
{
	struct jscan s;

	if (!m->at || *m->at != '"')
		return NULL;
	jscan_init(&s, m->at, m->len);
	return jscan_string(&s, buf) ? buf->data : NULL;
}

enum rv_code report_load_result(struct report_set *set, const char *name,
				const char *data, size_t len,
				const struct report_member *m,
				struct rv_err *err)
{
	struct rv_buf sb = RV_BUF_INIT;
	const char *schema;
	json_t *meta = NULL;
	struct report_fields f;
	struct report_job *job;
	uint32_t provider;
	size_t first = set->n_samples;
	enum rv_code rc;
	bool present;

	report_fields_init(&f, set);
	schema = result_schema(&m[0], &sb);
	if (!schema || (strcmp(schema, RESULT_SCHEMA) &&
			strncmp(schema, RESULT_SCHEMA ".", strlen(RESULT_SCHEMA) + 1))) {
		const char *shown = schema ? schema : "?";
		struct rv_buf quoted = RV_BUF_INIT;

		rv_term_escape(&quoted, shown, strlen(shown), false);
		rc = rv_errf(err, RV_ERR_PROTO, "'%s': unsupported schema '%s' (this runeval reads %s)",
			     name, quoted.data, RESULT_SCHEMA);
		rv_buf_release(&quoted);
		goto out;
	}
	meta = result_meta(name, data, len, m + 1, 2, err);
	if (!meta) {
		rc = RV_ERR_PROTO;
		goto out;
	}
	job = result_job(set, name, meta, &provider);
	rc = isnan(job->epoch_ms) ? RV_OK :
		result_check_start(name, data, &m[1], job->epoch_ms, err);
	if (rc == RV_OK)
		rc = result_config(job, name, data, &m[4], err);
	result_app(job, meta);
	result_shards(set, job, &m[5]);
	if (rc == RV_OK)
		rc = each_element(&f, name, data, len, "spans", &present,
				  result_span, &provider, err);
	if (rc == RV_OK && !present)
		rc = rv_errf(err, RV_ERR_PROTO, "'%s': missing 'spans'", name);
	if (rc == RV_OK)
		rc = each_element(&f, name, data, len, "rollouts", &present,
				  result_rollout, job, err);
	if (rc == RV_OK && !present)
		report_derive_rollouts(set, first);
out:
	json_decref(meta);
	rv_buf_release(&sb);
	report_fields_release(&f);
	return rc;
}

/* One hyperfine result, collected before it becomes samples. */
struct hf_result {
	uint32_t command, provider, phase;
	struct rv_buf times, codes;	/* arrays of double / int */
	bool has_times;
};

static bool hf_numbers(struct report_fields *f, struct rv_buf *out,
		       bool integer)
{
	bool first = true;
	double v;

	if (jscan_peek(&f->s) != JSCAN_ARRAY)
		return report_field_bad(f, "'%.*s' must be an array of numbers, got %s",
					(int)f->klen, f->k,
					jscan_type_name(jscan_peek(&f->s)));
	jscan_array_begin(&f->s);
	while (jscan_array_next(&f->s, &first)) {
		if (!report_field_number(f, &v, integer,
					 integer ? -INFINITY : 0, false))
			return false;
		rv_buf_add(out, &v, sizeof(v));
	}
	return !f->s.err;
}

/* "parameters": {"provider": ..., "phase": ...} as runeval writes them */
static bool hf_parameters(struct report_fields *f, struct hf_result *r)
{
	bool first = true;

	if (jscan_peek(&f->s) != JSCAN_OBJECT)
		return jscan_skip(&f->s);
	jscan_object_begin(&f->s);
	while (report_fields_next(f, &first)) {
		bool ok = report_key_is(f, "provider") ?
			  report_field_string(f, &r->provider, false) :
			  report_key_is(f, "phase") ?
			  report_field_string(f, &r->phase, false) :
			  jscan_skip(&f->s);

		if (!ok)
			return false;
	}
	return !f->s.err;
}

static bool hf_field(struct report_fields *f, struct hf_result *r)
{
	if (report_key_is(f, "command"))
		return report_field_string(f, &r->command, false);
	if (report_key_is(f, "times"))
		return (r->has_times = true) && hf_numbers(f, &r->times, false);
	if (report_key_is(f, "exit_codes"))
		return jscan_peek(&f->s) == JSCAN_NULL ? jscan_skip(&f->s) :
		       hf_numbers(f, &r->codes, true);
	if (report_key_is(f, "parameters"))
		return hf_parameters(f, r);
	return jscan_skip(&f->s);
}

static enum rv_code hf_samples(struct report_set *set, const char *name,
			       unsigned line, struct hf_result *r,
			       struct rv_err *err)
{
	size_t n = r->times.len / sizeof(double);
	const double *t = (const double *)r->times.data;
	const double *codes = (const double *)r->codes.data;

	if (!r->command || !r->has_times)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: missing '%s'",
			       name, line, r->command ? "times" : "command");
	if (r->codes.len && r->codes.len != r->times.len)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: 'exit_codes' has %zu entries, 'times' %zu",
			       name, line, r->codes.len / sizeof(double), n);
	for (size_t i = 0; i < n; i++)	/* seconds to ms must stay finite */
		if (!isfinite(t[i] * 1000.0))
			return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: 'times' "
				       "holds %g s, out of range", name, line,
				       t[i]);
	for (size_t i = 0; i < n; i++) {
		struct report_sample *s = report_add_sample(set);

		s->provider = r->provider ? r->provider : r->command;
		s->phase = r->phase ? r->phase :
			   report_intern(set, rv_phase_name(RV_PHASE_COMMAND),
					 strlen(rv_phase_name(RV_PHASE_COMMAND)));
		s->ms = t[i] * 1000.0;
		s->ok = !r->codes.len || codes[i] == 0;
	}
	return RV_OK;
}

static enum rv_code hf_result(struct report_fields *f, const char *name,
			      unsigned line, void *arg, struct rv_err *err)
{
	struct hf_result r = { .times = RV_BUF_INIT, .codes = RV_BUF_INIT };
	const char *base = f->s.p;
	enum rv_code rc = RV_OK;
	bool first = true;

	f->what = NULL;
	if (jscan_peek(&f->s) != JSCAN_OBJECT) {
		rc = rv_errf(err, RV_ERR_PROTO, "'%s' line %u: a result must be a JSON object, got %s",
			     name, line, jscan_type_name(jscan_peek(&f->s)));
		goto out;
	}
	jscan_object_begin(&f->s);
	while (report_fields_next(f, &first))
		if (!hf_field(f, &r))
			break;
	if (f->what || f->s.err)
		rc = report_fields_error(f, name, line, base, err);
	else
		rc = hf_samples(f->set, name, line, &r, err);
out:
	rv_buf_release(&r.times);
	rv_buf_release(&r.codes);
	return rc;
}

enum rv_code report_load_hyperfine(struct report_set *set, const char *name,
				   const char *data, size_t len,
				   struct rv_err *err)
{
	struct report_fields f;
	size_t first = set->n_samples;
	enum rv_code rc;
	bool present;

	report_fields_init(&f, set);
	report_add_job(set, name, name, REPORT_KIND_HYPERFINE);
	rc = each_element(&f, name, data, len, "results", &present, hf_result,
			  NULL, err);
	if (rc == RV_OK && set->n_samples == first)
		rc = rv_errf(err, RV_ERR_PROTO, "'%s': no timings in 'results'",
			     name);
	if (rc == RV_OK)
		report_derive_rollouts(set, first);
	report_fields_release(&f);
	return rc;
}
