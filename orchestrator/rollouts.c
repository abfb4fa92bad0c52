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
#include "rv_slab.h"
#include "spans.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Append len bytes of s to the n in buf, as many as ROLLOUT_TCID_MAX allows. */
static size_t rollout_tcid_put(char *buf, size_t n, const char *s, size_t len)
{
	if (len > ROLLOUT_TCID_MAX - n)
		len = ROLLOUT_TCID_MAX - n;
	memcpy(buf + n, s, len);
	return n + len;
}

static const char *rollout_tcid_text(const struct rollout *r)
{
	return r->more ? r->more->tcid_text : NULL;
}

/* snprintf's "runeval_%s_seed%ld_%08x", cut alike, without printf: it is
   written three times a rollout (the request, the echo, result.json) */
const char *rollout_tcid(const struct rollout *r, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	char num[24], *end = num + sizeof(num), *p;
	unsigned long long seed = r->seed < 0 ? 0ULL - (unsigned long long)r->seed :
		(unsigned long long)r->seed;
	size_t n;

	if (rollout_tcid_text(r) || !r->tcid_job)
		return rollout_tcid_text(r);
	n = rollout_tcid_put(buf, 0, "runeval_", 8);
	n = rollout_tcid_put(buf, n, r->tcid_job, strlen(r->tcid_job));
	n = rollout_tcid_put(buf, n, "_seed", 5);
	p = rv_digits(end, seed, 1);
	if (r->seed < 0)
		*--p = '-';
	n = rollout_tcid_put(buf, n, p, (size_t)(end - p));
	p = end - 9;
	*p = '_';
	for (int i = 0; i < 8; i++)
		p[1 + i] = hex[(r->tcid_nonce >> (28 - 4 * i)) & 15];
	n = rollout_tcid_put(buf, n, p, 9);
	buf[n] = '\0';
	return buf;
}

/* rollouts.h promises it: a record is 88 bytes on 64-bit hosts */
_Static_assert(sizeof(void *) != 8 || sizeof(struct rollout) == 88,
	       "struct rollout grew: keep rare fields in struct rollout_more");

/*
 * Most records get one when their answer is read, between two rollouts:
 * a slab keeps them out of the holes the rollouts' buffers leave.
 */
static struct rv_slab rollout_mores = RV_SLAB_INIT(sizeof(struct rollout_more));

struct rollout_more *rollout_more(struct rollout *r)
{
	if (!r->more) {
		r->more = rv_slab_zalloc(&rollout_mores);
		r->more->tokens[0] = r->more->tokens[1] = -1;
		r->more->tokens[2] = -1;
	}
	return r->more;
}

const char *rollout_success_status(const struct rollout *r)
{
	return r->more ? r->more->success_status : NULL;
}

static void rollout_detail_free(struct rollout_more *m)
{
	if (m->status_detail != m->detail_short)
		free(m->status_detail);
	m->status_detail = NULL;
}

void rollout_set_status_detail(struct rollout *r, char *text)
{
	struct rollout_more *m;
	size_t n;

	if (!text && !r->more)
		return;
	m = rollout_more(r);
	rollout_detail_free(m);
	if (text && (n = strlen(text)) < sizeof(m->detail_short)) {
		memcpy(m->detail_short, text, n + 1);
		free(text);
		text = m->detail_short;
	}
	m->status_detail = text;
}

const char *rollout_status_detail(const struct rollout *r)
{
	return r->more ? r->more->status_detail : NULL;
}

const char *rollout_task(const struct rollout *r)
{
	return r->more ? r->more->task : NULL;
}

const char *rollout_difficulty(const struct rollout *r)
{
	return r->more ? r->more->difficulty : NULL;
}

const int64_t *rollout_tokens(const struct rollout *r)
{
	static const int64_t unknown[3] = { -1, -1, -1 };

	return r->more ? r->more->tokens : unknown;
}

const struct rollout_try *rollout_tries(const struct rollout *r, size_t *n)
{
	*n = r->more ? r->more->n_tries : 0;
	return r->more ? r->more->tries : NULL;
}

unsigned rollout_run(const struct rollout *r)
{
	return r->more ? r->more->run : 0;
}

const char *rollout_reward_source(const struct rollout *r)
{
	static const char *const paths[] = { ROLLOUT_REWARD_PATHS };

	_Static_assert(sizeof(paths) / sizeof(paths[0]) == 7,
		       "reward_source has 3 bits: 0 and one per path");
	return r->reward_source ? paths[r->reward_source - 1] : NULL;
}

void rollout_set_http_status(struct rollout *r, long status)
{
	r->http_status = (uint16_t)(status > 0 && status < 1000 ? status : 0);
}

void rollout_count_attempt(struct rollout *r)
{
	if (r->attempts < UINT16_MAX)
		r->attempts++;
}

void rollout_release(struct rollout *r)
{
	struct rollout_more *m = r->more;

	free(r->error);
	free(r->details);
	r->error = r->details = NULL;
	r->more = NULL;
	if (!m)
		return;
	free(m->tcid_text);
	rollout_detail_free(m);
	for (size_t i = 0; i < m->n_tries; i++)
		free(m->tries[i].error);
	free(m->tries);
	rv_slab_free(&rollout_mores, m);
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

static void rollout_vfail(struct rollout *r, const char *fmt, va_list ap)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_vaddf(&b, fmt, ap);
	free(r->error);
	r->error = rv_redact(b.data);
	r->ok = false;
	rv_buf_release(&b);
}

void rollout_fail(struct rollout *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rollout_vfail(r, fmt, ap);
	va_end(ap);
}

void rollout_fail_as(struct rollout *r, enum rollout_transport t,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rollout_vfail(r, fmt, ap);
	va_end(ap);
	r->transport = t;
}

/* What an error keeps of an answer's body (then "..."). */
#define ROLLOUT_SNIPPET_MAX 160

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
	struct rv_buf text = RV_BUF_INIT;
	size_t size;
	char *out;

	if (!json_is_object(d))
		d = rv_json_path(v, "metrics.details");
	if (!json_is_object(d))
		return NULL;
	d = rv_json_redact(d);
	rv_json_add_value(&text, d);
	json_decref(d);
	size = text.len;
	if (rv_redact_contains(text.data)) {
		rv_buf_release(&text);
		return rv_xstrdup("{\"redacted\":true}");
	}
	if (size > ROLLOUT_DETAILS_MAX) {
		rv_buf_release(&text);
		return rv_xasprintf("{\"truncated\":true,\"size\":%zu}", size);
	}
	/* kept for the job's whole run, one per seed: an exact copy (a
	   shrunk buffer would leave its tail free between the records) */
	out = rv_xstrdup(text.data);
	rv_buf_release(&text);
	return out;
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
			rollout_fail_as(r, ROLLOUT_T_MALFORMED, "%s is %s, not "
					"a number", paths[i], rv_json_type_name(x));
			return false;
		}
		if (!rollout_reward_in_range(json_number_value(x))) {
			rollout_fail_as(r, ROLLOUT_T_MALFORMED, "%s %g is out "
					"of range: a reward must be within "
					"-%s and %s", paths[i],
					json_number_value(x),
					ROLLOUT_REWARD_MAX_TEXT,
					ROLLOUT_REWARD_MAX_TEXT);
			return false;
		}
		r->reward = json_number_value(x);
		r->reward_source = (unsigned)(i + 1) & 7;
		return true;
	}
	if (json_is_object(rv_json_path(v, "reward_info")))
		rollout_fail_as(r, ROLLOUT_T_MALFORMED,
				"missing reward_info.outcome_reward");
	else
		rollout_fail_as(r, ROLLOUT_T_MALFORMED, "missing reward: no "
				"reward_info.outcome_reward in the response");
	return false;
}

void rollout_judge(struct rollout *r, long status, const char *body,
		   size_t len)
{
	struct rv_err e = RV_ERR_INIT;
	char tcid[ROLLOUT_TCID_MAX + 1];
	const char *echo, *sent;
	json_t *v = NULL;

	rollout_set_http_status(r, status);
	if (status != 200) {
		struct rv_buf b = RV_BUF_INIT;
		/* redacted, then cut: the line stays in bounds (a marker can
		   be longer than what it hides) and no secret shows at the
		   cut (rv_redact_head) */
		char *red = rv_redact_head(body, len, ROLLOUT_SNIPPET_MAX);

		rollout_snippet(&b, red, strlen(red), ROLLOUT_SNIPPET_MAX);
		rollout_fail_as(r, ROLLOUT_T_HTTP, "HTTP %ld%s%s", status,
				b.len ? ": " : "", b.data);
		free(red);
		rv_buf_release(&b);
		return;
	}
	v = rv_json_parse(body, len, "rollout response", &e);
	if (!v) {
		rollout_fail_as(r, ROLLOUT_T_MALFORMED, "malformed JSON: %s",
				e.msg);
		return;
	}
	if (!json_is_object(v)) {
		rollout_fail_as(r, ROLLOUT_T_MALFORMED, "malformed response: "
				"expected an object, got %s",
				rv_json_type_name(v));
		goto out;
	}
	echo = rv_json_str(v, "trace_correlation_id");
	sent = rollout_tcid(r, tcid);
	if (!sent)
		sent = "";
	if (echo && strcmp(echo, sent)) {
		/* redacted before the cut, as the snippet above (and only
		   its start: the echo can be megabytes) */
		char *red = rv_redact_head(echo, strlen(echo), 80);

		rollout_fail_as(r, ROLLOUT_T_MALFORMED, "trace_correlation_id "
				"mismatch: sent '%s', got '%.80s'", sent, red);
		free(red);
		goto out;
	}
	answer_read(v, r);
	r->details = rollout_details(v);
	r->ok = rollout_reward(r, v);
out:
	json_decref(v);
}

