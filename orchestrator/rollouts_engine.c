/*
 * rollouts_engine: one sandbox's rollouts, K in flight on one libcurl
 * multi loop, pulled from the job's queue (see rollouts.h).
 */
#include "rollouts.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_intern.h"
#include "rv_json.h"
#include "seedq.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define ROLLOUT_MAX_RESPONSE (16u << 20)
/* a slot keeps its buffers from one rollout to the next up to this size
   (a rollout's request and answer are a few hundred bytes) */
#define ROLLOUT_SLOT_KEEP (64u << 10)

struct rollout_slot {
	struct rollout *r;		/* NULL when the slot is free */
	size_t idx;			/* r's index in the queue */
	struct rv_http_request req;
	struct rv_http_response resp;
	struct rv_http_xfer *x;
	struct rv_buf body;		/* the request's */
};

struct rollouts_run {
	const struct rollouts_config *cfg;
	struct rollout *rs;
	CURLM *multi;
	struct rollout_slot *slots;
	size_t n_slots, inflight;
	char *url;
	const char *sandbox;		/* cfg->sandbox, interned */
	struct rv_http_pool *pool;	/* cfg->pool, or own_pool */
	struct rv_http_pool *own_pool;	/* without cfg->pool: the run's, so
					   that handles are reused, not made
					   and freed per rollout */
	char *tail;			/* the body after the seed and name:
					   env.config and the policy */
	unsigned rand_state;
	uint64_t alive_until;		/* no alive check before this */
	bool lost;			/* the sandbox is gone */
};

bool rollout_transient(enum rv_code rc, long status, bool answered,
		       bool proxied)
{
	if (rc == RV_ERR_CONNECT)
		return true;
	if (rc == RV_ERR_TIMEOUT || rc == RV_ERR_HTTP)
		return !answered;	/* reset or silent before any byte */
	if (rc != RV_OK)
		return false;
	return proxied && (status == 502 || status == 503 || status == 504);
}

/*
 * The request: {"trace_correlation_id":..., "env": {"seed": N,
 * "env_name": ..., "config": {...}}, "policy": {...}} as jansson's
 * compact text, the parts that never change dumped once (run->tail).
 */
static void rollouts_body(struct rollouts_run *run, const struct rollout *r,
			  struct rv_buf *b)
{
	const struct rollouts_config *cfg = run->cfg;
	char tcid[ROLLOUT_TCID_MAX + 1];

	rv_buf_reset(b);
	rv_buf_adds(b, "{\"trace_correlation_id\":");
	rv_json_add_str(b, rollout_tcid(r, tcid));
	rv_buf_adds(b, ",\"env\":{\"seed\":");
	rv_buf_add_int(b, r->seed);
	if (cfg->env_name) {
		rv_buf_adds(b, ",\"env_name\":");
		rv_json_add_str(b, cfg->env_name);
	}
	rv_buf_adds(b, run->tail);
}

/* ,"config":{...}},"policy":{...}}: what follows the seed and name. */
static char *rollouts_tail(const json_t *env_config, const json_t *policy)
{
	char *config = rv_json_dumps(env_config), *pol = rv_json_dumps(policy);
	char *tail = rv_xasprintf(",\"config\":%s},\"policy\":%s}", config,
				  pol);

	free(config);
	free(pol);
	return tail;
}

static json_t *rollouts_policy(const struct rollouts_config *cfg)
{
	json_t *c = cfg->policy_config ? json_loads(cfg->policy_config, 0,
						    NULL) : NULL;

	if (json_is_object(c))
		return json_pack("{s:o}", "config", c);
	json_decref(c);
	c = json_object();
	json_object_set_new(c, "policy", json_string(cfg->policy ?
						     cfg->policy : "reference"));
	if (cfg->model)
		json_object_set_new(c, "model", json_string(cfg->model));
	if (cfg->inference_url)
		json_object_set_new(c, "inference_url",
				    json_string(cfg->inference_url));
	return json_pack("{s:o}", "config", c);
}

/* Keep the record's last try among its earlier ones, and clear it. */
static void rollout_keep_try(struct rollout *r)
{
	struct rollout_more *m = rollout_more(r);
	struct rollout_try *t;

	m->tries = rv_xreallocarray(m->tries, m->n_tries + 1,
				    sizeof(*m->tries));
	t = &m->tries[m->n_tries++];
	t->sandbox = r->sandbox ? r->sandbox : rv_intern(NULL, 0);
	t->start_ns = r->start_ns;
	t->ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN;
	t->http_status = r->http_status;
	t->error = r->error;
	r->error = NULL;
	rollout_set_status_detail(r, NULL);
	free(r->details);
	m->success_status = NULL;
	r->details = NULL;
	m->details_at = 0;	/* a try's details are not the record's */
	r->ok = false;
	r->reward = 0;
	r->http_status = 0;
	r->end_ns = 0;
}

static void rollouts_dispatch(struct rollouts_run *run, size_t idx)
{
	const struct rollouts_config *cfg = run->cfg;
	struct rollout *r = &run->rs[idx];
	struct rollout_slot *sl = NULL;

	for (size_t i = 0; i < run->n_slots && !sl; i++)
		if (!run->slots[i].r)
			sl = &run->slots[i];
	if (!sl)
		rv_bug("rollouts: no free slot");
	if (r->attempts)
		rollout_keep_try(r);
	rollout_count_attempt(r);
	if (cfg->run || rollout_run(r))
		rollout_more(r)->run = cfg->run;
	r->sandbox = run->sandbox;
	if (r->more) {
		free(r->more->tcid_text);	/* an earlier run's */
		r->more->tcid_text = NULL;
	}
	r->tcid_job = cfg->job_id ? cfg->job_id : "job";
	r->tcid_nonce = (uint32_t)rand_r(&run->rand_state);
	sl->r = r;
	sl->idx = idx;
	rollouts_body(run, r, &sl->body);
	sl->req = (struct rv_http_request){
		.method = "POST", .url = run->url,
		.headers = cfg->headers, .body = sl->body.data,
		.body_len = sl->body.len,
		.timeout_ms = cfg->timeout_ms,
		.max_response = ROLLOUT_MAX_RESPONSE,
		.pool = run->pool,
	};
	r->state = ROLLOUT_PENDING;
	r->start_ns = rv_now_ns();
	/* the slot's handle, options and headers serve every rollout */
	if (sl->x)
		rv_http_xfer_again(sl->x);
	else
		sl->x = rv_http_xfer_new(&sl->req, &sl->resp);
	curl_multi_add_handle(run->multi, rv_http_xfer_handle(sl->x));
	run->inflight++;
}

/* Keep the slot's buffers for its next rollout, unless one grew large. */
static void rollouts_slot_trim(struct rollout_slot *sl)
{
	if (sl->body.cap > ROLLOUT_SLOT_KEEP)
		rv_buf_release(&sl->body);
	if (sl->resp.body.cap > ROLLOUT_SLOT_KEEP ||
	    sl->resp.headers.cap > ROLLOUT_SLOT_KEEP)
		rv_http_response_release(&sl->resp);
}

/*
 * Close the slot, then hand the record back to the queue,
 * which says whether it is final (progress hears of final ones only).
 */
static void rollouts_close(struct rollouts_run *run, struct rollout_slot *sl,
			   enum seedq_verdict v)
{
	const struct rollouts_config *cfg = run->cfg;
	struct rollout *r = sl->r;

	r->end_ns = rv_now_ns();
	curl_multi_remove_handle(run->multi, rv_http_xfer_handle(sl->x));
	rollouts_slot_trim(sl);
	sl->r = NULL;
	run->inflight--;
	/* after this, a record given back may already be another's */
	v = seedq_finish(cfg->sched, sl->idx, v);
	if (v == SEEDQ_DONE && cfg->on_done)
		cfg->on_done(cfg->on_done_arg, r);
}

/* A transient failure: is the sandbox still there? */
static bool rollouts_still_alive(struct rollouts_run *run)
{
	uint64_t now = rv_now_ns();
	bool alive;

	if (run->lost)
		return false;
	if (!run->cfg->alive || now < run->alive_until)
		return true;
	alive = run->cfg->alive(run->cfg->alive_arg);
	run->alive_until = rv_now_ns() +
		(uint64_t)ROLLOUTS_ALIVE_EVERY_MS * RV_NS_PER_MS;
	run->lost = !alive;
	return alive;
}

static void rollouts_finish(struct rollouts_run *run, struct rollout_slot *sl,
			    CURLcode cc)
{
	struct rollout *r = sl->r;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc = rv_http_xfer_finish(sl->x, (int)cc, &e);
	bool answered = sl->resp.status || sl->resp.headers.len;
	enum seedq_verdict v = SEEDQ_DONE;

	r->state = ROLLOUT_DONE;
	if (rc == RV_ERR_TIMEOUT)
		rollout_fail_as(r, ROLLOUT_T_TIMEOUT, "timeout after %g s%s",
				(double)run->cfg->timeout_ms / 1000.0,
				answered ? "" : " without a response");
	else if (rc == RV_ERR_CONNECT)
		rollout_fail_as(r, ROLLOUT_T_CONNECTION, "cannot connect to "
				"the task app: %s", sl->resp.error);
	else if (rc == RV_ERR_LIMIT)
		rollout_fail_as(r, ROLLOUT_T_MALFORMED, "response larger than "
				"%u MiB", ROLLOUT_MAX_RESPONSE >> 20);
	else if (rc != RV_OK)
		rollout_fail_as(r, ROLLOUT_T_CONNECTION, "transport error: %s",
				sl->resp.error);
	else
		rollout_judge(r, sl->resp.status, sl->resp.body.data,
			      sl->resp.body.len);
	if (rollout_transient(rc, sl->resp.status, answered,
			      run->cfg->proxied))
		v = rollouts_still_alive(run) ? SEEDQ_RETRY : SEEDQ_REQUEUE;
	rollouts_close(run, sl, v);
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

/* End every rollout in flight: cancelled, or given back (lost). */
static void rollouts_end_inflight(struct rollouts_run *run, bool lost)
{
	for (size_t i = 0; i < run->n_slots; i++) {
		struct rollout_slot *sl = &run->slots[i];

		if (!sl->r)
			continue;
		if (lost) {
			rollout_fail_as(sl->r, ROLLOUT_T_CONNECTION, "its "
					"sandbox was lost while in flight (the "
					"task app stopped answering)");
			rollouts_close(run, sl, SEEDQ_REQUEUE);
		} else {
			rollout_fail_as(sl->r, ROLLOUT_T_CANCELLED, "cancelled: "
					"interrupted while in flight");
			rollouts_close(run, sl, SEEDQ_CANCELLED);
		}
	}
}

static void rollouts_wake(void *arg)
{
	struct rollouts_run *run = arg;

	curl_multi_wakeup(run->multi);
}

/* Poll until something happens, at most wait_ns (and 1 s). */
static enum rv_code rollouts_poll(struct rollouts_run *run, uint64_t wait_ns,
				  struct rv_err *err)
{
	const struct rollouts_config *cfg = run->cfg;
	struct curl_waitfd wfd = { .fd = cfg->wake_fd,
				   .events = CURL_WAIT_POLLIN };
	int ms = wait_ns >= 1000 * RV_NS_PER_MS ? 1000 :
		(int)(wait_ns / RV_NS_PER_MS) + 1;

	if (curl_multi_poll(run->multi, cfg->wake_fd >= 0 ? &wfd : NULL,
			    cfg->wake_fd >= 0 ? 1 : 0, ms, NULL) != CURLM_OK)
		return rv_errf(err, RV_ERR_INTERNAL, "curl_multi_poll failed");
	return RV_OK;
}

static enum rv_code rollouts_loop(struct rollouts_run *run,
				  struct rv_err *err)
{
	struct seedq *q = run->cfg->sched;
	enum rv_code rc;
	int running;

	for (;;) {
		uint64_t wait = UINT64_MAX;
		bool full = false;

		if (rollouts_cancelled(run))
			return RV_ERR_INTR;
		while (!run->lost && run->inflight < run->n_slots) {
			long idx = seedq_take(q, rv_now_ns(), &wait);

			if (idx < 0)
				break;
			rollouts_dispatch(run, (size_t)idx);
		}
		full = run->inflight == run->n_slots;
		if (curl_multi_perform(run->multi, &running) != CURLM_OK)
			return rv_errf(err, RV_ERR_INTERNAL,
				       "curl_multi_perform failed");
		rollouts_reap(run);
		if (run->lost) {
			rollouts_end_inflight(run, true);
			return rv_errf(err, RV_ERR_CONNECT, "the task app "
				       "stopped answering");
		}
		if (!run->inflight && !seedq_more(q))
			return RV_OK;
		/* a slot freed while the queue has work: fill it first */
		if (full && run->inflight < run->n_slots &&
		    seedq_pending(q))
			continue;
		rc = rollouts_poll(run, wait, err);
		if (rc != RV_OK)
			return rc;
	}
}

enum rv_code rollouts_run(const struct rollouts_config *cfg,
			  struct rollout *rs, struct rv_err *err)
{
	struct rollouts_run run = { .cfg = cfg, .rs = rs };
	json_t *policy, *env_config;
	enum rv_code rc;

	run.n_slots = cfg->concurrency ? cfg->concurrency : 1;
	run.slots = rv_xcalloc(run.n_slots, sizeof(*run.slots));
	for (size_t i = 0; i < run.n_slots; i++) {
		rv_buf_init(&run.slots[i].body);
		rv_buf_init(&run.slots[i].resp.body);
		rv_buf_init(&run.slots[i].resp.headers);
	}
	run.url = rv_xasprintf("%s/rollout", cfg->base_url);
	run.sandbox = rv_intern(cfg->sandbox, ROLLOUT_SANDBOX_MAX);
	run.own_pool = cfg->pool ? NULL : rv_http_pool_new();
	run.pool = cfg->pool ? cfg->pool : run.own_pool;
	policy = rollouts_policy(cfg);
	env_config = cfg->env_config ?
		rv_json_parse(cfg->env_config, strlen(cfg->env_config),
			      "env.config", NULL) : NULL;
	if (!json_is_object(env_config)) {
		json_decref(env_config);	/* the CLI checked it */
		env_config = json_object();
	}
	run.tail = rollouts_tail(env_config, policy);
	json_decref(policy);
	json_decref(env_config);
	run.rand_state = (unsigned)rv_now_ns() ^ (unsigned)rv_wall_ns();
	run.multi = curl_multi_init();
	if (!run.multi)
		rv_bug("curl_multi_init failed");
	seedq_watch(cfg->sched, rollouts_wake, &run);
	rc = rollouts_loop(&run, err);
	if (rc != RV_OK && rc != RV_ERR_CONNECT) {
		rollouts_end_inflight(&run, false);
		if (rc == RV_ERR_INTR)
			rv_errf(err, RV_ERR_INTR, "rollouts interrupted");
	}
	seedq_unwatch(cfg->sched, &run);
	curl_multi_cleanup(run.multi);
	for (size_t i = 0; i < run.n_slots; i++) {
		rv_http_xfer_free(run.slots[i].x);	/* back to the pool */
		rv_buf_release(&run.slots[i].body);
		rv_http_response_release(&run.slots[i].resp);
	}
	rv_http_pool_free(run.own_pool);
	free(run.tail);
	free(run.url);
	free(run.slots);
	return rc;
}
