/* rollout_json: a rollout record as JSON text, and back (see the .h). */
#include "rollout_json.h"

#include "eval.h"
#include "rollouts.h"
#include "seedlog.h"
#include "spans.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_intern.h"
#include "rv_json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *rollout_state_name(enum rollout_state s)
{
	return s == ROLLOUT_CANCELLED ? "cancelled" :
		s == ROLLOUT_DONE ? "done" : "pending";
}

/* ms rounded to microseconds, as result.json writes every duration. */
static void rollout_json_ms(struct rv_buf *b, double ms)
{
	rv_json_add_num(b, round(ms * 1000.0) / 1000.0);
}

static void rollout_json_status(struct rv_buf *b, long status)
{
	if (status)
		rv_buf_add_int(b, status);
	else
		rv_buf_adds(b, "null");
}

static void rollout_json_tries(struct rv_buf *b, const struct rollout *r)
{
	size_t n;
	const struct rollout_try *tries = rollout_tries(r, &n);

	rv_buf_adds(b, ",\"tries\":[");
	for (size_t i = 0; i < n; i++) {
		const struct rollout_try *t = &tries[i];

		rv_buf_adds(b, i ? ",{\"sandbox\":" : "{\"sandbox\":");
		rv_json_add_str(b, t->sandbox);
		rv_buf_adds(b, ",\"ms\":");
		rollout_json_ms(b, t->ms);
		rv_buf_adds(b, ",\"http_status\":");
		rollout_json_status(b, t->http_status);
		rv_buf_adds(b, ",\"error\":");
		rv_json_add_str(b, t->error);
		rv_buf_addch(b, '}');
	}
	rv_buf_addch(b, ']');
}

/* "tokens": {"prompt", "completion", "total"} (null for unknown), or null */
static void rollout_json_tokens(struct rv_buf *b, const struct rollout *r)
{
	static const char *const keys[] = { "prompt", "completion", "total" };
	const int64_t *tokens = rollout_tokens(r);

	rv_buf_adds(b, ",\"tokens\":");
	if (tokens[0] < 0 && tokens[1] < 0 && tokens[2] < 0) {
		rv_buf_adds(b, "null");
		return;
	}
	for (int i = 0; i < 3; i++) {
		rv_buf_adds(b, i ? ",\"" : "{\"");
		rv_buf_adds(b, keys[i]);
		rv_buf_adds(b, "\":");
		if (tokens[i] >= 0)
			rv_buf_add_int(b, tokens[i]);
		else
			rv_buf_adds(b, "null");
	}
	rv_buf_addch(b, '}');
}

/* What the answer said of the outcome beside the reward. */
static void rollout_json_answer(struct rv_buf *b, const struct rollout *r)
{
	rv_buf_adds(b, ",\"epoch\":");
	rv_buf_add_int(b, r->epoch ? r->epoch : 1);
	rv_buf_adds(b, ",\"transport\":\"");
	rv_buf_adds(b, rollout_transport_name(rollout_transport(r)));
	rv_buf_adds(b, "\",\"reward_source\":");
	rv_json_add_str(b, r->ok ? rollout_reward_source(r) : NULL);
	rv_buf_adds(b, ",\"task\":");
	rv_json_add_str(b, rollout_task(r));
	rv_buf_adds(b, ",\"difficulty\":");
	rv_json_add_str(b, rollout_difficulty(r));
	rollout_json_tokens(b, r);
}

/* The members of r's object, without its braces. */
static void rollout_json_members(struct rv_buf *b, const struct rollout *r,
				 const char *sandbox,
				 struct seedlog_reader *rd,
				 size_t *details_pos)
{
	char tcid[ROLLOUT_TCID_MAX + 1];

	rv_buf_adds(b, "\"seed\":");
	rv_buf_add_int(b, r->seed);
	rv_buf_adds(b, ",\"sandbox\":");
	rv_json_add_str(b, r->sandbox && r->sandbox[0] ? r->sandbox : sandbox);
	rv_buf_adds(b, ",\"trace_correlation_id\":");
	rv_json_add_str(b, rollout_tcid(r, tcid));
	rv_buf_adds(b, r->ok ? ",\"ok\":true,\"state\":\"" :
		    ",\"ok\":false,\"state\":\"");
	rv_buf_adds(b, rollout_state_name(r->state));
	rv_buf_adds(b, "\",\"reward\":");
	if (r->ok)
		rv_json_add_num(b, r->reward);
	else
		rv_buf_adds(b, "null");
	rv_buf_adds(b, ",\"success_status\":");
	rv_json_add_str(b, rollout_success_status(r));
	rv_buf_adds(b, ",\"status_detail\":");
	rv_json_add_str(b, rollout_status_detail(r));
	rv_buf_adds(b, ",\"http_status\":");
	rollout_json_status(b, r->http_status);
	rv_buf_adds(b, ",\"latency_ms\":");
	if (r->end_ns)
		rollout_json_ms(b, rv_ns_to_ms(r->end_ns - r->start_ns));
	else
		rv_buf_adds(b, "null");
	rv_buf_adds(b, ",\"error\":");
	rv_json_add_str(b, r->error);
	rv_buf_adds(b, ",\"details\":");
	if (details_pos)
		*details_pos = r->details ? b->len : (size_t)-1;
	if (r->details)
		rv_buf_adds(b, r->details);
	else if (!r->more || !seedlog_read_details(rd, r->more, b))
		rv_buf_adds(b, "null");
	rv_buf_adds(b, ",\"attempts\":");
	rv_buf_add_int(b, r->attempts);
	if (r->more && r->more->n_tries)
		rollout_json_tries(b, r);
	if (rollout_run(r)) {
		rv_buf_adds(b, ",\"run\":");
		rv_buf_add_int(b, rollout_run(r));
	}
	rollout_json_answer(b, r);
}

void rollout_json_add(struct rv_buf *b, const struct rollout *r,
		      const char *sandbox, struct seedlog_reader *rd,
		      size_t *details_pos)
{
	rv_buf_addch(b, '{');
	rollout_json_members(b, r, sandbox, rd, details_pos);
	rv_buf_addch(b, '}');
}

void rollout_json_add_outcome(struct rv_buf *b, const struct rollout *r,
			      const char *sandbox,
			      const struct cli_options *opt,
			      const struct spans *spans,
			      struct seedlog_reader *rd)
{
	rv_buf_addch(b, '{');
	rollout_json_members(b, r, sandbox, rd, NULL);
	eval_rollout_text(b, r, opt, r->start_ns ?
			  spans_offset_ms(spans, r->start_ns) : NAN);
	rv_buf_addch(b, '}');
}

static char *rollout_json_dup(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? rv_xstrdup(s) : NULL;
}

/* The string at key, interned (rollouts.h: the words few values take). */
static const char *rollout_json_word(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? rv_intern(s, SIZE_MAX) : NULL;
}

static uint64_t rollout_json_ns(const json_t *v)
{
	double ms = json_number_value(v);

	return json_is_number(v) && isfinite(ms) && ms >= 0 && ms < 1e12 ?
		(uint64_t)(ms * 1e6) : 0;
}

static void rollout_json_read_tries(const json_t *a, struct rollout *r)
{
	struct rollout_more *m;
	size_t i;
	json_t *t;

	if (!json_array_size(a))
		return;
	m = rollout_more(r);
	m->tries = rv_xcalloc(json_array_size(a), sizeof(*m->tries));
	json_array_foreach(a, i, t) {
		struct rollout_try *x = &m->tries[m->n_tries++];
		const char *sb = json_string_value(json_object_get(t,
								   "sandbox"));
		json_t *ms = json_object_get(t, "ms");

		x->sandbox = rv_intern(sb, ROLLOUT_SANDBOX_MAX);
		x->ms = json_is_number(ms) ? json_number_value(ms) : NAN;
		x->http_status = (long)json_integer_value(json_object_get(
			t, "http_status"));
		x->error = rollout_json_dup(t, "error");
	}
}

/* What rollout_json_answer() wrote (older records: epoch 1, unknown). */
static void rollout_json_read_answer(const json_t *o, struct rollout *r)
{
	static const char *const paths[] = { ROLLOUT_REWARD_PATHS };
	static const char *const keys[] = { "prompt", "completion", "total" };
	json_t *epoch = json_object_get(o, "epoch");
	json_t *tokens = json_object_get(o, "tokens");
	const char *t = json_string_value(json_object_get(o, "transport"));
	const char *src = json_string_value(json_object_get(o,
							    "reward_source"));
	const char *s;

	r->epoch = json_is_integer(epoch) && json_integer_value(epoch) > 0 &&
		json_integer_value(epoch) <= UINT32_MAX ?
		(unsigned)json_integer_value(epoch) : 1;
	for (int i = ROLLOUT_T_OK; t && i <= ROLLOUT_T_CANCELLED; i++)
		if (!strcmp(t, rollout_transport_name(i)))
			r->transport = (enum rollout_transport)i;
	for (size_t i = 0; src && i < sizeof(paths) / sizeof(*paths); i++)
		if (!strcmp(src, paths[i]))
			r->reward_source = (unsigned)(i + 1) & 7;
	if ((s = rollout_json_word(o, "task")))
		rollout_more(r)->task = s;
	if ((s = rollout_json_word(o, "difficulty")))
		rollout_more(r)->difficulty = s;
	for (int i = 0; i < 3; i++) {
		json_t *v = json_object_get(tokens, keys[i]);

		if (json_is_integer(v) && json_integer_value(v) >= 0)
			rollout_more(r)->tokens[i] = json_integer_value(v);
	}
}

enum rv_code rollout_json_read(const json_t *o, struct rollout *r,
			       struct rv_err *err)
{
	json_t *seed = json_object_get(o, "seed");
	json_t *ok = json_object_get(o, "ok");
	json_t *reward = json_object_get(o, "reward");
	json_t *details = json_object_get(o, "details");
	json_int_t n;
	const char *s;
	char *text;

	memset(r, 0, sizeof(*r));
	if (!json_is_integer(seed) || json_integer_value(seed) < 0)
		return rv_errf(err, RV_ERR_PROTO, "a rollout has no valid "
			       "'seed'");
	r->seed = (long)json_integer_value(seed);
	if (!json_is_boolean(ok))
		return rv_errf(err, RV_ERR_PROTO, "rollout of seed %ld: 'ok' "
			       "must be a boolean", r->seed);
	r->ok = json_is_true(ok);
	if (r->ok && !json_is_number(reward))
		return rv_errf(err, RV_ERR_PROTO, "rollout of seed %ld: an ok "
			       "rollout needs a numeric 'reward'", r->seed);
	r->reward = r->ok ? json_number_value(reward) : 0;
	/* what the engine never takes (rollout_judge) is no record of its
	   own: a resume would count a log's edited 1e308 as a reward */
	if (r->ok && !(fabs(r->reward) <= ROLLOUT_REWARD_MAX))
		return rv_errf(err, RV_ERR_PROTO, "rollout of seed %ld: "
			       "'reward' %g is outside -%s..%s", r->seed,
			       r->reward, ROLLOUT_REWARD_MAX_TEXT,
			       ROLLOUT_REWARD_MAX_TEXT);
	s = json_string_value(json_object_get(o, "state"));
	r->state = s && !strcmp(s, "done") ? ROLLOUT_DONE :
		s && !strcmp(s, "cancelled") ? ROLLOUT_CANCELLED :
		ROLLOUT_PENDING;
	s = json_string_value(json_object_get(o, "sandbox"));
	r->sandbox = rv_intern(s, ROLLOUT_SANDBOX_MAX);
	s = json_string_value(json_object_get(o, "trace_correlation_id"));
	if (s && s[0])
		rollout_more(r)->tcid_text = rv_xstrndup(s, ROLLOUT_TCID_MAX);
	rollout_set_http_status(r, (long)json_integer_value(json_object_get(
		o, "http_status")));
	r->end_ns = rollout_json_ns(json_object_get(o, "latency_ms"));
	if ((s = rollout_json_word(o, "success_status")))
		rollout_more(r)->success_status = s;
	if ((text = rollout_json_dup(o, "status_detail")))
		rollout_set_status_detail(r, text);
	r->error = rollout_json_dup(o, "error");
	if (json_is_object(details)) {
		size_t size;

		r->details = rv_json_dumps(details);
		size = strlen(r->details);
		if (size > ROLLOUT_DETAILS_MAX) {	/* as rollouts.c cuts */
			free(r->details);
			r->details = rv_xasprintf("{\"truncated\":true,"
						  "\"size\":%zu}", size);
		}
	}
	n = json_integer_value(json_object_get(o, "attempts"));
	r->attempts = (uint16_t)(n > 0 && n < UINT16_MAX ? n :
				 n > 0 ? UINT16_MAX : 0);
	n = json_integer_value(json_object_get(o, "run"));
	if (n > 0 && n <= UINT32_MAX)
		rollout_more(r)->run = (unsigned)n;
	rollout_json_read_tries(json_object_get(o, "tries"), r);
	rollout_json_read_answer(o, r);
	return RV_OK;
}
