/* rollouts: K rollouts in flight on one libcurl multi loop. */
#include "rollouts.h"

#include "answer.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_phase.h"
#include "rv_redact.h"
#include "spans.h"

#include <curl/curl.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define ROLLOUT_MAX_RESPONSE (16u << 20)

struct rollout_slot {
	struct rollout *r;		/* NULL when the slot is free */
	struct rv_http_request req;
	struct rv_http_response resp;
	struct rv_http_xfer *x;
	char *body;
};

struct rollouts_run {
	const struct rollouts_config *cfg;
	CURLM *multi;
	struct rollout_slot *slots;
	size_t n_slots, inflight;
	char *url;
	json_t *policy;			/* {"config": {...}}, shared */
	json_t *env_config;		/* env.config, parsed once */
	unsigned rand_state;
};

void rollout_release(struct rollout *r)
{
	free(r->success_status);
	free(r->status_detail);
	free(r->error);
	free(r->details);
	free(r->task);
	free(r->difficulty);
	r->success_status = r->status_detail = r->error = NULL;
	r->details = r->task = r->difficulty = NULL;
}

enum rollout_transport rollout_transport(const struct rollout *r)
{
	if (r->state != ROLLOUT_DONE)
		return ROLLOUT_T_CANCELLED;
	return r->ok ? ROLLOUT_T_OK : r->transport == ROLLOUT_T_OK ?
	       ROLLOUT_T_MALFORMED : r->transport;
}

const char *rollout_transport_name(enum rollout_transport t)
{
	static const char *const names[] = {
		[ROLLOUT_T_OK] = "ok", [ROLLOUT_T_HTTP] = "http_error",
		[ROLLOUT_T_TIMEOUT] = "request_timeout",
		[ROLLOUT_T_CONNECTION] = "connection_error",
		[ROLLOUT_T_MALFORMED] = "malformed",
		[ROLLOUT_T_CANCELLED] = "cancelled",
	};

	return names[t];
}

static void rollout_fail(struct rollout *r, enum rollout_transport t,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rollout_fail(struct rollout *r, enum rollout_transport t,
			 const char *fmt, ...)
{
	struct rv_buf b = RV_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	rv_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(r->error);
	r->error = rv_redact(b.data);
	r->ok = false;
	r->transport = t;
	rv_buf_release(&b);
}

/* The first line of a body, at most max chars, printable only. */
static void rollout_snippet(struct rv_buf *out, const char *body,
			    size_t len, size_t max)
{
	for (size_t i = 0; i < len && out->len < max; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\n' || c == '\r')
			break;
		rv_buf_addch(out, isprint(c) ? (char)c : '?');
	}
	if (len > max && out->len == max)
		rv_buf_adds(out, "...");
}

/*
 * reward_info.details (or metrics.details), redacted and capped in size,
 * as text.  An app may echo its environment here: every string and key
 * is redacted, and when a secret still shows (in a number, say) the
 * whole object is withheld.
 */
static char *rollout_details(const json_t *v)
{
	json_t *d = rv_json_path(v, "reward_info.details");
	char *text;

	if (!json_is_object(d))
		d = rv_json_path(v, "metrics.details");
	if (!json_is_object(d))
		return NULL;
	d = rv_json_redact(d);
	text = rv_json_dumps(d);
	json_decref(d);
	if (rv_redact_contains(text)) {
		free(text);
		return rv_xstrdup("{\"redacted\":true}");
	}
	if (strlen(text) > ROLLOUT_DETAILS_MAX) {
		size_t size = strlen(text);

		free(text);
		text = rv_xasprintf("{\"truncated\":true,\"size\":%zu}", size);
	}
	return text;
}

static bool rollout_reward_in_range(double reward)
{
	return isfinite(reward) && fabs(reward) <= ROLLOUT_REWARD_MAX;
}

/* Where the reward is; names the problem when there is none. */
static bool rollout_reward(struct rollout *r, const json_t *v)
{
	static const char *const paths[] = { ROLLOUT_REWARD_PATHS };
	json_t *x;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		x = rv_json_path(v, paths[i]);
		if (!x)
			continue;
		if (!json_is_number(x)) {
			rollout_fail(r, ROLLOUT_T_MALFORMED, "%s is %s, not a "
				     "number", paths[i], rv_json_type_name(x));
			return false;
		}
		if (!rollout_reward_in_range(json_number_value(x))) {
			rollout_fail(r, ROLLOUT_T_MALFORMED, "%s %g is out of "
				     "range: a reward must be within -%s and %s",
				     paths[i],
				     json_number_value(x),
				     ROLLOUT_REWARD_MAX_TEXT,
				     ROLLOUT_REWARD_MAX_TEXT);
			return false;
		}
		r->reward = json_number_value(x);
		r->reward_source = paths[i];
		return true;
	}
	if (json_is_object(rv_json_path(v, "reward_info")))
		rollout_fail(r, ROLLOUT_T_MALFORMED,
			     "missing reward_info.outcome_reward");
	else
		rollout_fail(r, ROLLOUT_T_MALFORMED, "missing reward: no "
			     "reward_info.outcome_reward in the response");
	return false;
}

void rollout_judge(struct rollout *r, long status, const char *body,
		   size_t len)
{
	struct rv_err e = RV_ERR_INIT;
	const char *echo;
	json_t *v = NULL;

	r->http_status = status;
	if (status != 200) {
		struct rv_buf b = RV_BUF_INIT;

		rollout_snippet(&b, body, len, 160);
		rollout_fail(r, ROLLOUT_T_HTTP, "HTTP %ld%s%s", status,
			     b.len ? ": " : "", b.data);
		rv_buf_release(&b);
		return;
	}
	v = rv_json_parse(body, len, "rollout response", &e);
	if (!v) {
		rollout_fail(r, ROLLOUT_T_MALFORMED, "malformed JSON: %s", e.msg);
		return;
	}
	if (!json_is_object(v)) {
		rollout_fail(r, ROLLOUT_T_MALFORMED, "malformed response: "
			     "expected an object, got %s", rv_json_type_name(v));
		goto out;
	}
	echo = rv_json_str(v, "trace_correlation_id");
	if (echo && strcmp(echo, r->tcid)) {
		rollout_fail(r, ROLLOUT_T_MALFORMED, "trace_correlation_id "
			     "mismatch: sent '%s', got '%.80s'", r->tcid, echo);
		goto out;
	}
	answer_read(v, r);
	r->details = rollout_details(v);
	r->ok = rollout_reward(r, v);
out:
	json_decref(v);
}

static char *rollouts_body(struct rollouts_run *run, const struct rollout *r)
{
	const struct rollouts_config *cfg = run->cfg;
	json_t *env = json_pack("{s:I}", "seed", (json_int_t)r->seed);
	json_t *req;
	char *s;

	if (cfg->env_name)
		json_object_set_new(env, "env_name",
				    json_string(cfg->env_name));
	json_object_set_new(env, "config", json_deep_copy(run->env_config));
	req = json_pack("{s:s, s:o, s:O}", "trace_correlation_id", r->tcid,
			"env", env, "policy", run->policy);
	s = rv_json_dumps(req);
	json_decref(req);
	return s;
}

static json_t *rollouts_policy(const struct rollouts_config *cfg)
{
	json_t *c = json_object();

	json_object_set_new(c, "policy", json_string(cfg->policy ?
						     cfg->policy : "reference"));
	if (cfg->model)
		json_object_set_new(c, "model", json_string(cfg->model));
	if (cfg->inference_url)
		json_object_set_new(c, "inference_url",
				    json_string(cfg->inference_url));
	return json_pack("{s:o}", "config", c);
}

static void rollouts_dispatch(struct rollouts_run *run, struct rollout *r)
{
	struct rollout_slot *sl = NULL;

	for (size_t i = 0; i < run->n_slots && !sl; i++)
		if (!run->slots[i].r)
			sl = &run->slots[i];
	if (!sl)
		rv_bug("rollouts: no free slot");
	snprintf(r->tcid, sizeof(r->tcid), "runeval_%s_seed%ld_%08x",
		 run->cfg->job_id ? run->cfg->job_id : "job", r->seed,
		 (unsigned)rand_r(&run->rand_state));
	sl->r = r;
	sl->body = rollouts_body(run, r);
	sl->req = (struct rv_http_request){
		.method = "POST", .url = run->url,
		.headers = run->cfg->headers, .body = sl->body,
		.body_len = strlen(sl->body),
		.timeout_ms = run->cfg->timeout_ms,
		.max_response = ROLLOUT_MAX_RESPONSE,
	};
	r->state = ROLLOUT_PENDING;
	r->start_ns = rv_now_ns();
	sl->x = rv_http_xfer_new(&sl->req, &sl->resp);
	curl_multi_add_handle(run->multi, rv_http_xfer_handle(sl->x));
	run->inflight++;
}

/* Close the slot: record the rollout's end, span and progress. */
static void rollouts_close(struct rollouts_run *run, struct rollout_slot *sl)
{
	const struct rollouts_config *cfg = run->cfg;
	struct rollout *r = sl->r;

	r->end_ns = rv_now_ns();
	curl_multi_remove_handle(run->multi, rv_http_xfer_handle(sl->x));
	rv_http_xfer_free(sl->x);
	free(sl->body);
	rv_http_response_release(&sl->resp);
	sl->x = NULL;
	sl->body = NULL;
	sl->r = NULL;
	run->inflight--;
	if (cfg->spans)
		spans_add(cfg->spans, rv_phase_name(RV_PHASE_ROLLOUT), cfg->sandbox, r->seed,
			  r->start_ns, r->end_ns, r->ok, 1, r->error);
	if (cfg->on_done)
		cfg->on_done(cfg->on_done_arg, r);
}

static void rollouts_finish(struct rollouts_run *run, struct rollout_slot *sl,
			    CURLcode cc)
{
	struct rollout *r = sl->r;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc = rv_http_xfer_finish(sl->x, (int)cc, &e);

	r->state = ROLLOUT_DONE;
	if (rc == RV_ERR_TIMEOUT)
		rollout_fail(r, ROLLOUT_T_TIMEOUT, "timeout after %g s",
			     (double)run->cfg->timeout_ms / 1000.0);
	else if (rc == RV_ERR_CONNECT)
		rollout_fail(r, ROLLOUT_T_CONNECTION, "cannot connect to the "
			     "task app: %s", sl->resp.error);
	else if (rc == RV_ERR_LIMIT)
		rollout_fail(r, ROLLOUT_T_MALFORMED, "response larger than "
			     "%u MiB", ROLLOUT_MAX_RESPONSE >> 20);
	else if (rc != RV_OK)
		rollout_fail(r, ROLLOUT_T_CONNECTION, "transport error: %s",
			     sl->resp.error);
	else
		rollout_judge(r, sl->resp.status, sl->resp.body.data,
			      sl->resp.body.len);
	rollouts_close(run, sl);
}

static struct rollout_slot *rollouts_slot_of(struct rollouts_run *run,
					     CURL *easy)
{
	for (size_t i = 0; i < run->n_slots; i++)
		if (run->slots[i].r &&
		    rv_http_xfer_handle(run->slots[i].x) == easy)
			return &run->slots[i];
	return NULL;
}

static void rollouts_reap(struct rollouts_run *run)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(run->multi, &left))) {
		struct rollout_slot *sl;

		if (msg->msg != CURLMSG_DONE)
			continue;
		sl = rollouts_slot_of(run, msg->easy_handle);
		if (sl)
			rollouts_finish(run, sl, msg->data.result);
	}
}

static bool rollouts_cancelled(const struct rollouts_run *run)
{
	return run->cfg->cancel && *run->cfg->cancel;
}

/* Mark everything unfinished as cancelled. */
static void rollouts_cancel_all(struct rollouts_run *run, struct rollout *rs,
				size_t n)
{
	for (size_t i = 0; i < run->n_slots; i++) {
		struct rollout_slot *sl = &run->slots[i];

		if (!sl->r)
			continue;
		sl->r->state = ROLLOUT_CANCELLED;
		rollout_fail(sl->r, ROLLOUT_T_CANCELLED, "cancelled: "
			     "interrupted while in flight");
		rollouts_close(run, sl);
	}
	for (size_t i = 0; i < n; i++) {
		if (rs[i].state != ROLLOUT_PENDING || rs[i].start_ns)
			continue;
		rs[i].state = ROLLOUT_CANCELLED;
		rollout_fail(&rs[i], ROLLOUT_T_CANCELLED, "not run: interrupted");
	}
}

static enum rv_code rollouts_loop(struct rollouts_run *run, struct rollout *rs,
				  size_t n, struct rv_err *err)
{
	const struct rollouts_config *cfg = run->cfg;
	struct curl_waitfd wfd = { .fd = cfg->wake_fd, .events = CURL_WAIT_POLLIN };
	size_t next = 0;
	int running;

	for (;;) {
		if (rollouts_cancelled(run))
			return RV_ERR_INTR;
		while (run->inflight < run->n_slots && next < n)
			rollouts_dispatch(run, &rs[next++]);
		if (curl_multi_perform(run->multi, &running) != CURLM_OK)
			return rv_errf(err, RV_ERR_INTERNAL,
				       "curl_multi_perform failed");
		rollouts_reap(run);
		if (!run->inflight && next >= n)
			return RV_OK;
		if (run->inflight < run->n_slots && next < n)
			continue;
		if (curl_multi_poll(run->multi, cfg->wake_fd >= 0 ? &wfd : NULL,
				    cfg->wake_fd >= 0 ? 1 : 0, 1000, NULL) !=
		    CURLM_OK)
			return rv_errf(err, RV_ERR_INTERNAL,
				       "curl_multi_poll failed");
	}
}

enum rv_code rollouts_run(const struct rollouts_config *cfg,
			  struct rollout *rs, size_t n, struct rv_err *err)
{
	struct rollouts_run run = { .cfg = cfg };
	enum rv_code rc;

	for (size_t i = 0; i < n; i++) {
		long seed = rs[i].seed;
		unsigned epoch = rs[i].epoch;

		memset(&rs[i], 0, sizeof(rs[i]));
		rs[i].seed = seed;
		rs[i].epoch = epoch;
		rs[i].tokens[0] = rs[i].tokens[1] = rs[i].tokens[2] = -1;
		if (cfg->sandbox)
			snprintf(rs[i].sandbox, sizeof(rs[i].sandbox), "%s",
				 cfg->sandbox);
	}
	run.n_slots = cfg->concurrency ? cfg->concurrency : 1;
	if (run.n_slots > n)
		run.n_slots = n ? n : 1;
	run.slots = rv_xcalloc(run.n_slots, sizeof(*run.slots));
	for (size_t i = 0; i < run.n_slots; i++) {
		rv_buf_init(&run.slots[i].resp.body);
		rv_buf_init(&run.slots[i].resp.headers);
	}
	run.url = rv_xasprintf("%s/rollout", cfg->base_url);
	run.policy = rollouts_policy(cfg);
	run.env_config = cfg->env_config ?
		rv_json_parse(cfg->env_config, strlen(cfg->env_config),
			      "env.config", NULL) : NULL;
	if (!json_is_object(run.env_config)) {
		json_decref(run.env_config);	/* the CLI checked it */
		run.env_config = json_object();
	}
	run.rand_state = (unsigned)rv_now_ns() ^ (unsigned)rv_wall_ns();
	run.multi = curl_multi_init();
	if (!run.multi)
		rv_bug("curl_multi_init failed");
	rc = rollouts_loop(&run, rs, n, err);
	if (rc != RV_OK) {
		rollouts_cancel_all(&run, rs, n);
		if (rc == RV_ERR_INTR)
			rv_errf(err, RV_ERR_INTR, "rollouts interrupted");
	}
	curl_multi_cleanup(run.multi);
	json_decref(run.policy);
	json_decref(run.env_config);
	free(run.url);
	free(run.slots);
	return rc;
}
