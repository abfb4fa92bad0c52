/*
 * remote: the retry loop, deadlines, attempt log, status errors and log
 * follow that every HTTP provider shares, against a scripted HTTP server
 * on 127.0.0.1 run by the test (each request gets the next step of its
 * script; the last step repeats).
 */
#include "testutil.h"
#include "stub_http.h"

#include "daytona_api.h"
#include "e2b_api.h"
#include "provider.h"
#include "remote.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_redact.h"

#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- the scripted server -------------------------------------------- */

#define SC_MAX 64
#define SC_CUT (-1)	/* read the request, close without an answer */

struct sc_step {
	int status;		/* or SC_CUT */
	const char *headers;	/* extra header lines, each "...\r\n" */
	const char *body;
	int delay_ms;		/* before answering (ends if the client goes) */
};

struct script {
	const struct sc_step *steps;
	int nsteps;
	/* what arrived (read after script_stop, or nreq atomically) */
	int nreq;
	uint64_t at_ns[SC_MAX];
	char *line[SC_MAX];	/* "GET /path HTTP/1.1" */
	char *auth[SC_MAX];	/* Authorization value, or NULL */
	char *ctype[SC_MAX];	/* Content-Type value, or NULL */
	struct stub_http http;
	char url[64];		/* http://127.0.0.1:PORT/op */
};

/* Wait ms, or less when the client hangs up; false when it did. */
static bool sc_delay(struct script *s, int fd, int ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	while (rv_now_ns() < end && !s->http.stop) {
		struct pollfd p = { fd, POLLIN, 0 };
		char c;

		if (poll(&p, 1, 10) > 0 &&
		    recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
			return false;
	}
	return true;
}

static void sc_serve(int fd, void *arg)
{
	struct script *s = arg;
	struct rv_buf req = RV_BUF_INIT, out = RV_BUF_INIT;
	int i = __atomic_load_n(&s->nreq, __ATOMIC_ACQUIRE);
	const struct sc_step *st;
	size_t body_at;

	if (!stub_http_read(fd, &req, &body_at) || i >= SC_MAX)
		goto out;
	st = &s->steps[i < s->nsteps ? i : s->nsteps - 1];
	s->at_ns[i] = rv_now_ns();
	s->line[i] = rv_xstrndup(req.data, strcspn(req.data, "\r\n"));
	s->auth[i] = stub_http_header(req.data, "authorization");
	s->ctype[i] = stub_http_header(req.data, "content-type");
	__atomic_store_n(&s->nreq, i + 1, __ATOMIC_RELEASE);
	if (st->status == SC_CUT)
		goto out;
	if (st->delay_ms && !sc_delay(s, fd, st->delay_ms))
		goto out;
	rv_buf_addf(&out, "HTTP/1.1 %d Scripted\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n%s\r\n%s", st->status,
		    st->body ? strlen(st->body) : 0,
		    st->headers ? st->headers : "", st->body ? st->body : "");
	stub_http_send(fd, out.data, out.len);
out:
	rv_buf_release(&out);
	rv_buf_release(&req);
}

static void script_start(struct script *s, const struct sc_step *steps,
			 int n)
{
	memset(s, 0, sizeof(*s));
	s->steps = steps;
	s->nsteps = n;
	s->http.serve = sc_serve;
	s->http.arg = s;
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/op",
		 stub_http_start(&s->http));
}

static void script_stop(struct script *s)
{
	stub_http_stop(&s->http);
}

static void script_free(struct script *s)
{
	for (int i = 0; i < s->nreq; i++) {
		free(s->line[i]);
		free(s->auth[i]);
		free(s->ctype[i]);
	}
}

#define SCRIPT(s, ...) do { \
	static const struct sc_step steps_[] = { __VA_ARGS__ }; \
	script_start((s), steps_, (int)(sizeof(steps_) / sizeof(steps_[0]))); \
} while (0)

/* --- one request ----------------------------------------------------- */

static const char *const hdrs[] = { "Authorization: Bearer rt-key", NULL };

struct run {
	enum rv_code rc;
	long status;
	bool ambiguous;
	uint64_t ms;
	struct rv_err err;
	struct provider_attempts log;
	struct rv_buf body;
};

/* remote_request(method, url) with deadline_ms (0: the default, 20 s). */
static void run_req(struct run *o, const char *method, const char *url,
		    enum remote_idem idem, long deadline_ms,
		    const volatile int *stop)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = method, .url = url,
				 .op = "POST /op", .idem = idem };
	struct remote_call call = { 0 };
	uint64_t t0 = rv_now_ns();

	memset(o, 0, sizeof(*o));
	rv_buf_init(&o->body);
	if (!strcmp(method, "POST"))
		r.json = "{\"x\":1}";
	call.log = &o->log;
	call.stop = stop;
	if (deadline_ms)
		call.deadline_ns = t0 + (uint64_t)deadline_ms * RV_NS_PER_MS;
	o->ambiguous = !o->ambiguous;	/* must be reset by the call */
	o->rc = remote_request(hdrs, &r, &call, 20000, &resp, &o->ambiguous,
			       &o->err);
	o->ms = (rv_now_ns() - t0) / RV_NS_PER_MS;
	o->status = resp.status;
	rv_buf_add(&o->body, resp.body.data, resp.body.len);
	rv_http_response_release(&resp);
}

static void run_release(struct run *o)
{
	provider_attempts_release(&o->log);
	rv_buf_release(&o->body);
}

/* run_req against s, then stop s (what it recorded stays readable). */
static void run_script(struct run *o, struct script *s, const char *method,
		       enum remote_idem idem, long deadline_ms,
		       const volatile int *stop)
{
	run_req(o, method, s->url, idem, deadline_ms, stop);
	script_stop(s);
}

static void run_done(struct run *o, struct script *s)
{
	run_release(o);
	script_free(s);
}

/* --- retries --------------------------------------------------------- */

START_TEST(test_remote_retries_transient_statuses)
{
	struct script s;
	struct run o;
	static const long want[] = { 503, 502, 504, 429, 200 };

	SCRIPT(&s, { 503, NULL, "busy", 0 }, { 502, NULL, NULL, 0 },
	       { 504, NULL, NULL, 0 }, { 429, "Retry-After: 0\r\n", NULL, 0 },
	       { 200, NULL, "{\"ok\":true}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 0, NULL);
	ck_assert_msg(o.rc == RV_OK, "%s", o.err.msg);
	ck_assert_int_eq(o.status, 200);
	ck_assert_str_eq(o.body.data, "{\"ok\":true}");	/* not "busy..." */
	ck_assert(!o.ambiguous);
	ck_assert_int_eq(s.nreq, 5);
	/* every attempt in the log, with what went wrong */
	ck_assert_uint_eq(o.log.n, 5);
	for (size_t i = 0; i < 5; i++) {
		char e[32] = "";

		if (want[i] != 200)
			snprintf(e, sizeof(e), "HTTP %ld", want[i]);
		ck_assert_str_eq(o.log.v[i].op, "POST /op");
		ck_assert_int_eq(o.log.v[i].status, want[i]);
		ck_assert_str_eq(o.log.v[i].error, e);
		ck_assert(o.log.v[i].ms >= 0);
		/* the client's headers go with every attempt */
		ck_assert_str_eq(s.auth[i], "Bearer rt-key");
		ck_assert_str_eq(s.line[i], "GET /op HTTP/1.1");
	}
	run_done(&o, &s);
}
END_TEST

/* A step that starts something: a 429 or a refusal was surely not acted
   on, so it is repeated; anything else may have been, so it is not. */
START_TEST(test_remote_once_repeats_only_what_was_not_processed)
{
	static const int maybe[] = { 500, 502, 503, 504 };
	struct script s;
	struct run o;

	SCRIPT(&s, { 429, "Retry-After: 0\r\n", NULL, 0 },
	       { 201, NULL, "{}", 0 });
	run_script(&o, &s, "POST", REMOTE_ONCE, 0, NULL);
	ck_assert_int_eq(o.rc, RV_OK);
	ck_assert_int_eq(o.status, 201);
	ck_assert(!o.ambiguous);
	ck_assert_int_eq(s.nreq, 2);
	ck_assert_str_eq(s.ctype[0], "application/json");
	run_done(&o, &s);

	for (size_t i = 0; i < sizeof(maybe) / sizeof(maybe[0]); i++) {
		static struct sc_step st[2] = { { 0 }, { 201, NULL, "{}", 0 } };

		st[0].status = maybe[i];
		script_start(&s, st, 2);
		run_script(&o, &s, "POST", REMOTE_ONCE, 0, NULL);
		ck_assert_int_eq(o.rc, RV_OK);
		ck_assert_int_eq(o.status, maybe[i]);
		ck_assert_msg(o.ambiguous, "HTTP %d", maybe[i]);
		ck_assert_msg(s.nreq == 1, "HTTP %d sent %d times", maybe[i],
			      s.nreq);
		ck_assert_uint_eq(o.log.n, 1);
		run_done(&o, &s);
	}
}
END_TEST

START_TEST(test_remote_never_retries_client_errors)
{
	static const int statuses[] = { 400, 401, 403, 404, 409, 422 };

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		for (int idem = 0; idem < 2; idem++) {
			static struct sc_step st[2] = { { 0 },
							{ 200, NULL, "{}", 0 } };
			struct script s;
			struct run o;

			st[0].status = statuses[i];
			script_start(&s, st, 2);
			run_script(&o, &s, "POST", idem ? REMOTE_IDEMPOTENT :
				   REMOTE_ONCE, 0, NULL);
			ck_assert_int_eq(o.rc, RV_OK);
			ck_assert_int_eq(o.status, statuses[i]);
			ck_assert_msg(s.nreq == 1, "HTTP %d sent %d times",
				      statuses[i], s.nreq);
			ck_assert(!o.ambiguous);
			run_done(&o, &s);
		}
	}
}
END_TEST

/* A 500 cannot be made worse by repeating an idempotent request. */
START_TEST(test_remote_idempotent_500_is_repeated)
{
	struct script s;
	struct run o;

	SCRIPT(&s, { 500, NULL, "oops", 0 }, { 200, NULL, "{}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 0, NULL);
	ck_assert_int_eq(o.rc, RV_OK);
	ck_assert_int_eq(o.status, 200);
	ck_assert_int_eq(s.nreq, 2);
	run_done(&o, &s);
}
END_TEST

START_TEST(test_remote_cut_connection)
{
	struct script s;
	struct run o;

	/* a step that starts something: maybe done, so never repeated */
	SCRIPT(&s, { SC_CUT, NULL, NULL, 0 }, { 201, NULL, "{}", 0 });
	run_script(&o, &s, "POST", REMOTE_ONCE, 0, NULL);
	ck_assert_int_eq(o.rc, RV_ERR_HTTP);
	ck_assert(o.ambiguous);
	ck_assert_int_eq(s.nreq, 1);
	ck_assert_uint_eq(o.log.n, 1);
	ck_assert_int_eq(o.log.v[0].status, 0);
	ck_assert_msg(o.log.v[0].error[0], "no error in the attempt log");
	ck_assert_msg(strstr(o.err.msg, "127.0.0.1"), "%s", o.err.msg);
	run_done(&o, &s);

	/* an idempotent one is simply asked again */
	SCRIPT(&s, { SC_CUT, NULL, NULL, 0 }, { 200, NULL, "{}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 0, NULL);
	ck_assert_msg(o.rc == RV_OK, "%s", o.err.msg);
	ck_assert_int_eq(o.status, 200);
	ck_assert(!o.ambiguous);
	ck_assert_int_eq(s.nreq, 2);
	ck_assert_uint_eq(o.log.n, 2);
	run_done(&o, &s);
}
END_TEST

/* Nobody listening: a few quick tries (also for a step that starts
   something: a refused connection reached nobody), not the deadline. */
START_TEST(test_remote_refused_limit)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/op", tu_free_port());
	for (int idem = 0; idem < 2; idem++) {
		struct run o;

		run_req(&o, "POST", url, idem ? REMOTE_IDEMPOTENT : REMOTE_ONCE,
			60000, NULL);
		ck_assert_int_eq(o.rc, RV_ERR_CONNECT);
		ck_assert(!o.ambiguous);
		ck_assert_uint_eq(o.log.n, REMOTE_MAX_REFUSED);
		for (size_t i = 0; i < o.log.n; i++) {
			ck_assert_int_eq(o.log.v[i].status, 0);
			ck_assert_msg(o.log.v[i].error[0], "attempt %zu", i);
		}
		ck_assert_uint_lt(o.ms, 15000);
		run_release(&o);
	}
}
END_TEST

/* --- waits: Retry-After, deadline, stop -------------------------------- */

static uint64_t gap_ms(const struct script *s, int i)
{
	return (s->at_ns[i] - s->at_ns[i - 1]) / RV_NS_PER_MS;
}

START_TEST(test_remote_retry_after_honoured)
{
	struct script s;
	struct run o;

	/* seconds, and the throttler form Daytona sends */
	SCRIPT(&s, { 503, "Retry-After: 1\r\n", NULL, 0 },
	       { 429, "Retry-After-sandbox-create: 1\r\n", NULL, 0 },
	       { 200, NULL, "{}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 0, NULL);
	ck_assert_int_eq(o.status, 200);
	ck_assert_int_eq(s.nreq, 3);
	ck_assert_uint_ge(gap_ms(&s, 1), 950);
	ck_assert_uint_ge(gap_ms(&s, 2), 950);
	run_done(&o, &s);

	/* milliseconds: 300 ms, not 300 s (which would outlast the
	   deadline and end the loop at once) */
	SCRIPT(&s, { 429, "Retry-After-Ms: 300\r\n", NULL, 0 },
	       { 200, NULL, "{}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 0, NULL);
	ck_assert_int_eq(o.status, 200);
	ck_assert_int_eq(s.nreq, 2);
	ck_assert_uint_ge(gap_ms(&s, 1), 280);
	ck_assert_uint_lt(gap_ms(&s, 1), 10000);
	run_done(&o, &s);

	/* asked to wait past the deadline: give up now, not sleep past it */
	SCRIPT(&s, { 503, "Retry-After: 30\r\n", NULL, 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 8000, NULL);
	ck_assert_int_eq(o.rc, RV_OK);
	ck_assert_int_eq(o.status, 503);
	ck_assert_int_eq(s.nreq, 1);
	ck_assert_uint_lt(o.ms, 4000);
	run_done(&o, &s);

	/* hostile: so large that in nanoseconds it wraps around to ~1 us */
	SCRIPT(&s, { 503, "Retry-After: 4394217352542426\r\n", NULL, 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 8000, NULL);
	ck_assert_int_eq(o.status, 503);
	ck_assert_msg(s.nreq == 1, "%d requests", s.nreq);
	ck_assert_uint_lt(o.ms, 4000);
	run_done(&o, &s);
	/* too large to count in ms at all: ignored, the backoff rules */
	SCRIPT(&s, { 503, "Retry-After: 99999999999999999\r\n", NULL, 0 },
	       { 200, NULL, "{}", 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 5000, NULL);
	ck_assert_int_eq(o.status, 200);
	ck_assert_int_eq(s.nreq, 2);
	run_done(&o, &s);
}
END_TEST

START_TEST(test_remote_deadline_bounds_the_operation)
{
	struct script s;
	struct run o;

	/* always busy: retries until the deadline, then the last answer */
	SCRIPT(&s, { 503, "Retry-After: 0\r\n", NULL, 0 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 1500, NULL);
	ck_assert_int_eq(o.rc, RV_OK);
	ck_assert_int_eq(o.status, 503);
	ck_assert_int_ge(s.nreq, 3);
	ck_assert_uint_eq(o.log.n, (size_t)s.nreq);
	ck_assert_uint_lt(o.ms, 1500 + 1000);
	run_done(&o, &s);

	/* a server that does not answer: the attempt ends at the deadline */
	SCRIPT(&s, { 200, NULL, "{}", 30000 });
	run_script(&o, &s, "GET", REMOTE_IDEMPOTENT, 800, NULL);
	ck_assert_int_eq(o.rc, RV_ERR_TIMEOUT);
	ck_assert_uint_ge(o.ms, 700);
	ck_assert_uint_lt(o.ms, 800 + 1500);
	run_done(&o, &s);
}
END_TEST

/* One attempt's own timeout is shorter than the operation's deadline. */
START_TEST(test_remote_attempt_timeout_then_retry)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct provider_attempts log = PROVIDER_ATTEMPTS_INIT;
	struct remote_call call = { .log = &log };
	struct remote_req r = { .method = "GET", .op = "GET /slow",
				 .timeout_ms = 300, .idem = REMOTE_IDEMPOTENT };
	struct rv_err err = RV_ERR_INIT;
	struct script s;
	uint64_t t0 = rv_now_ns();

	SCRIPT(&s, { 200, NULL, "late", 20000 }, { 200, NULL, "{}", 0 });
	r.url = s.url;
	ck_assert_int_eq(remote_request(NULL, &r, &call, 30000, &resp, NULL,
					&err), RV_OK);
	ck_assert_uint_lt(rv_now_ns() - t0, 10 * RV_NS_PER_SEC);
	script_stop(&s);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body.data, "{}");
	ck_assert_uint_eq(log.n, 2);
	ck_assert_int_eq(log.v[0].status, 0);
	ck_assert_msg(strstr(log.v[0].error, "imeout") ||
		      strstr(log.v[0].error, "timed out"), "%s",
		      log.v[0].error);
	rv_http_response_release(&resp);
	provider_attempts_release(&log);
	script_free(&s);
}
END_TEST

struct raiser {
	struct script *s;
	volatile int *flag;
	uint64_t raised_ns;	/* when it was raised */
};

/* Raise the flag once the server has seen its first request. */
static void *raise_after_first(void *arg)
{
	struct raiser *r = arg;
	uint64_t t0 = rv_now_ns();

	while (__atomic_load_n(&r->s->nreq, __ATOMIC_ACQUIRE) < 1 &&
	       rv_now_ns() - t0 < 20 * RV_NS_PER_SEC)
		usleep(2000);
	usleep(50000);	/* into the backoff wait */
	r->raised_ns = rv_now_ns();
	*r->flag = 1;
	return NULL;
}

START_TEST(test_remote_stop_flag)
{
	volatile int stop = 1;
	struct raiser ra = { 0 };
	struct script s;
	struct run o;
	pthread_t th;

	/* raised before: nothing is sent */
	SCRIPT(&s, { 200, NULL, "{}", 0 });
	run_script(&o, &s, "POST", REMOTE_ONCE, 0, &stop);
	ck_assert_int_eq(o.rc, RV_ERR_INTR);
	ck_assert_int_eq(s.nreq, 0);
	ck_assert_msg(strstr(o.err.msg, "POST /op"), "%s", o.err.msg);
	ck_assert(!o.ambiguous);
	run_done(&o, &s);

	/* raised during a long Retry-After wait: out within moments */
	stop = 0;
	SCRIPT(&s, { 503, "Retry-After: 10\r\n", NULL, 0 });
	ra.s = &s;
	ra.flag = (volatile int *)&stop;
	pthread_create(&th, NULL, raise_after_first, &ra);
	run_req(&o, "GET", s.url, REMOTE_IDEMPOTENT, 60000, &stop);
	pthread_join(th, NULL);
	script_stop(&s);
	ck_assert_int_eq(o.rc, RV_ERR_INTR);
	ck_assert_int_eq(o.err.code, RV_ERR_INTR);
	ck_assert_int_eq(s.nreq, 1);
	ck_assert_uint_lt((rv_now_ns() - ra.raised_ns) / RV_NS_PER_MS, 2000);
	run_done(&o, &s);
}
END_TEST

/* Raised while the server sits on a request: the exchange is cut short,
   and for a step that starts something that is ambiguous. */
START_TEST(test_remote_stop_flag_mid_exchange)
{
	for (int idem = 0; idem < 2; idem++) {
		volatile int stop = 0;
		struct raiser ra = { 0 };
		struct script s;
		struct run o;
		pthread_t th;

		SCRIPT(&s, { 200, NULL, "{}", 30000 });
		ra.s = &s;
		ra.flag = &stop;
		pthread_create(&th, NULL, raise_after_first, &ra);
		run_req(&o, "POST", s.url, idem ? REMOTE_IDEMPOTENT :
			REMOTE_ONCE, 60000, &stop);
		pthread_join(th, NULL);
		script_stop(&s);
		ck_assert_int_eq(o.rc, RV_ERR_INTR);
		ck_assert_msg(strstr(o.err.msg, "POST /op: interrupted"), "%s",
			      o.err.msg);
		ck_assert_uint_lt((rv_now_ns() - ra.raised_ns) / RV_NS_PER_MS,
				  5000);
		ck_assert(o.ambiguous == !idem);
		ck_assert_int_eq(s.nreq, 1);
		ck_assert_uint_eq(o.log.n, 1);
		ck_assert_msg(strstr(o.log.v[0].error, "interrupted"), "%s",
			      o.log.v[0].error);
		run_done(&o, &s);
	}
}
END_TEST

/* A multipart body is built afresh for every attempt. */
struct mime_calls {
	int n;
};

static struct curl_mime *make_mime(void *easy, void *arg)
{
	struct mime_calls *c = arg;
	curl_mime *m = curl_mime_init(easy);
	curl_mimepart *p = curl_mime_addpart(m);

	c->n++;
	curl_mime_name(p, "file");
	curl_mime_data(p, "payload", CURL_ZERO_TERMINATED);
	return m;
}

START_TEST(test_remote_multipart_per_attempt)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct mime_calls calls = { 0 };
	struct remote_req r = { .method = "POST", .op = "POST /upload",
				 .idem = REMOTE_IDEMPOTENT, .mime = make_mime,
				 .mime_arg = &calls };
	struct script s;

	SCRIPT(&s, { 503, "Retry-After: 0\r\n", NULL, 0 },
	       { 200, NULL, "{}", 0 });
	r.url = s.url;
	ck_assert_int_eq(remote_request(hdrs, &r, NULL, 20000, &resp, NULL,
					NULL), RV_OK);
	script_stop(&s);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(calls.n, 2);
	ck_assert_int_eq(s.nreq, 2);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(s.ctype[i] && !strncmp(s.ctype[i],
			      "multipart/form-data", 19), "%s", s.ctype[i]);
	rv_http_response_release(&resp);
	script_free(&s);
}
END_TEST

/* --- calls and URLs -------------------------------------------------- */

START_TEST(test_remote_calls_and_urls)
{
	volatile int cancel = 0;
	struct provider_attempts log = PROVIDER_ATTEMPTS_INIT;
	struct provider_config cfg = { .job_id = "j", .cancel = &cancel,
				       .attempts = &log };
	struct remote_call c = remote_call_for(&cfg, 5000);
	struct remote_call f = remote_call_firm(&cfg, 5000);
	struct remote_call none = remote_call_for(NULL, 100);
	uint64_t now = rv_now_ns(), t0;
	char *u;

	ck_assert(c.stop == &cancel);
	ck_assert_ptr_eq(c.log, &log);
	ck_assert(f.stop == NULL);	/* teardown: a signal cannot cut it */
	ck_assert_ptr_eq(f.log, &log);
	ck_assert_ptr_null(none.log);
	ck_assert_uint_le(c.deadline_ns, now + 5 * RV_NS_PER_SEC);
	ck_assert_uint_gt(c.deadline_ns, now + 4 * RV_NS_PER_SEC);
	ck_assert_uint_eq(remote_deadline(&c, 1), c.deadline_ns);
	ck_assert_uint_ge(remote_deadline(NULL, 1000), now + RV_NS_PER_SEC);
	ck_assert(!remote_stopped(&c));
	ck_assert(!remote_stopped(NULL));
	cancel = 1;
	ck_assert(remote_stopped(&c));
	ck_assert(!remote_stopped(&f));
	t0 = rv_now_ns();
	remote_sleep_ms(5000, &c);	/* stopped: returns at once */
	ck_assert_uint_lt(rv_now_ns() - t0, 200 * RV_NS_PER_MS);
	remote_sleep_ms(30, &f);
	ck_assert_uint_ge(rv_now_ns() - t0, 30 * RV_NS_PER_MS);

	u = remote_url_trim("http://h:1/api///");
	ck_assert_str_eq(u, "http://h:1/api");
	free(u);
	u = remote_url("http://h/sandbox/", "a b/../c?d", "/toolbox");
	ck_assert_str_eq(u, "http://h/sandbox/a%20b%2F..%2Fc%3Fd/toolbox");
	free(u);
	u = remote_url("http://h/s/", "x", NULL);
	ck_assert_str_eq(u, "http://h/s/x");
	free(u);
	ck_assert_ptr_null(provider_attempts_add(NULL));
}
END_TEST

/* --- status errors ---------------------------------------------------- */

static enum rv_code status_err(long status, const char *body,
			       struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	enum rv_code rc;

	resp.status = status;
	rv_buf_adds(&resp.body, body);
	rc = remote_status_error(&resp, "cannot frob 'x'", err);
	rv_http_response_release(&resp);
	return rc;
}

START_TEST(test_remote_status_error_codes)
{
	static const struct { long status; enum rv_code code; } map[] = {
		{ 401, RV_ERR_AUTH }, { 403, RV_ERR_AUTH },
		{ 404, RV_ERR_NOTFOUND }, { 408, RV_ERR_TIMEOUT },
		{ 504, RV_ERR_TIMEOUT }, { 409, RV_ERR_CONFLICT },
		{ 429, RV_ERR_LIMIT }, { 400, RV_ERR_PROVIDER },
		{ 418, RV_ERR_PROVIDER }, { 500, RV_ERR_PROVIDER },
		{ 502, RV_ERR_PROVIDER }, { 503, RV_ERR_PROVIDER },
	};
	struct rv_err err = RV_ERR_INIT;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		char want[64];

		ck_assert_int_eq(status_err(map[i].status, "", &err),
				 map[i].code);
		ck_assert_int_eq(err.code, map[i].code);
		snprintf(want, sizeof(want), "cannot frob 'x': HTTP %ld",
			 map[i].status);
		ck_assert_str_eq(err.msg, want);
	}
	/* the server's words: "message", else "error", else the raw body */
	status_err(404, "{\"message\":\"no such sandbox\",\"error\":\"NF\"}",
		   &err);
	ck_assert_str_eq(err.msg, "cannot frob 'x': HTTP 404: no such sandbox");
	status_err(409, "{\"error\":\"busy changing state\"}", &err);
	ck_assert_str_eq(err.msg, "cannot frob 'x': HTTP 409: busy changing "
			 "state");
	status_err(500, "plain\r\ntext\nhere", &err);
	ck_assert_str_eq(err.msg, "cannot frob 'x': HTTP 500: plain  text here");
}
END_TEST

START_TEST(test_remote_status_error_is_short_and_redacted)
{
	static const char secret[] = "rt-secret-token-0123456789";
	struct rv_err err = RV_ERR_INIT;
	char *body;
	char big[1000];

	rv_redact_add(secret);
	body = rv_xasprintf("{\"message\":\"bad key %s\"}", secret);
	ck_assert_int_eq(status_err(401, body, &err), RV_ERR_AUTH);
	ck_assert_ptr_null(strstr(err.msg, secret));
	ck_assert_msg(strstr(err.msg, "bad key " RV_REDACT_MARK), "%s",
		      err.msg);
	free(body);
	/* not JSON: the secret is still caught */
	body = rv_xasprintf("denied for %s\n", secret);
	status_err(403, body, &err);
	ck_assert_ptr_null(strstr(err.msg, secret));
	ck_assert_ptr_nonnull(strstr(err.msg, RV_REDACT_MARK));
	free(body);
	/* a page of HTML is cut to one short line */
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[500] = '\n';
	status_err(502, big, &err);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_uint_le(strlen(err.msg), strlen("cannot frob 'x': HTTP "
						   "502: ") + 200);
	/* a secret that starts just before the cut shows none of its
	   characters (the cut used to come first and leave up to 7) */
	for (size_t at = 200 - RV_REDACT_PREFIX_MIN; at < 200; at++) {
		char *tail;

		memset(big, 'h', at);
		snprintf(big + at, sizeof(big) - at, "%s and more", secret);
		status_err(502, big, &err);
		tail = strrchr(err.msg, 'h');
		ck_assert_ptr_nonnull(tail);
		ck_assert_msg(tail[1] == RV_REDACT_MARK[0], "at %zu: %s", at,
			      err.msg);
		ck_assert_uint_le(strlen(err.msg), strlen("cannot frob 'x': "
							   "HTTP 502: ") + 200);
	}
	/* the secret twice: the first one's marker is shorter, which pulls
	   the second one's start back inside the cut */
	for (size_t at = 190; at < 240; at++) {
		size_t n = strlen(secret);

		memcpy(big, secret, n);
		memset(big + n, 'h', at - n);
		snprintf(big + at, sizeof(big) - at, "%s and more", secret);
		status_err(502, big, &err);
		ck_assert_msg(!strstr(err.msg, "hr"), "at %zu: %s", at,
			      err.msg);
	}
	rv_redact_reset();
}
END_TEST

START_TEST(test_remote_json_response)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	json_t *j = json_true();	/* must be set either way */

	resp.status = 200;
	rv_buf_adds(&resp.body, "{\"id\":\"sb-1\"}");
	ck_assert_int_eq(remote_json_response(&resp, "cannot get 'sb-1'", &j,
					      &err), RV_OK);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), "sb-1");
	json_decref(j);
	/* a 2xx that is not JSON: an error naming what was asked */
	rv_buf_reset(&resp.body);
	rv_buf_adds(&resp.body, "<html>");
	ck_assert_int_ne(remote_json_response(&resp, "cannot get 'sb-1'", &j,
					      &err), RV_OK);
	ck_assert_ptr_null(j);
	ck_assert_msg(!strncmp(err.msg, "cannot get 'sb-1': ", 19), "%s",
		      err.msg);
	/* a status error */
	resp.status = 404;
	ck_assert_int_eq(remote_json_response(&resp, "cannot get 'sb-1'", &j,
					      &err), RV_ERR_NOTFOUND);
	ck_assert_ptr_null(j);
	rv_http_response_release(&resp);
}
END_TEST

/* Only names a shell can export become exports; values are quoted. */
START_TEST(test_remote_exports_skip_what_a_shell_cannot_export)
{
	const char *env[] = { "GOOD=it's", "BAD-NAME=2", "9X=3", "=x",
			      "NOEQ", "_ok=a b", "A.B=5", NULL };
	struct rv_buf b = RV_BUF_INIT;
	char *path;

	remote_add_exports(&b, env, "\n");
	ck_assert_str_eq(b.data, "export GOOD='it'\\''s'\n"
			 "export _ok='a b'\n");
	rv_buf_reset(&b);
	path = remote_add_env_source(&b);
	ck_assert_msg(!strncmp(path, "/tmp/.runeval-env-", 18) &&
		      strlen(path) == 18 + 16, "%s", path);
	ck_assert_ptr_nonnull(strstr(b.data, path));
	ck_assert_msg(!strncmp(b.data, ". '", 3) &&
		      strstr(b.data, " && rm -f '") &&
		      b.len > 4 && !strcmp(b.data + b.len - 4, " && "),
		      "%s", b.data);
	free(path);
	rv_buf_release(&b);
}
END_TEST

/* --- the unpack command ------------------------------------------------ */

/* Run cmd with shell -c, its output (stdout and stderr) in *out. */
static int unpack_sh(const char *shell, const char *cmd, char **out)
{
	struct rv_buf line = RV_BUF_INIT, got = RV_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int st;

	rv_buf_addf(&line, "%s -c ", shell);
	rv_buf_add_shell_word(&line, cmd);
	rv_buf_adds(&line, " 2>&1");
	f = popen(line.data, "r");
	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rv_buf_add(&got, chunk, n);
	st = pclose(f);
	rv_buf_release(&line);
	*out = rv_buf_detach(&got, NULL);
	ck_assert_msg(WIFEXITED(st), "%s: status %d", shell, st);
	return WEXITSTATUS(st);
}

/* cmd through sh; ck fails when it does not exit 0. */
static char *unpack_ok(const char *fmt, const char *a, const char *b)
{
	char *cmd = rv_xasprintf(fmt, a, b), *out;
	int rc = unpack_sh("sh", cmd, &out);

	ck_assert_msg(rc == 0, "'%s' exited %d: %s", cmd, rc, out);
	free(cmd);
	return out;
}

/* Does dir/name exist? */
static bool unpack_exists(const char *dir, const char *name)
{
	char *p = rv_xasprintf("%s/%s", dir, name);
	bool yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

/*
 * Upload src as tar (a copy), unpack it into dir with the command for
 * sha under shell: its exit status (want, or any failure for -1) and
 * output; the uploaded tarball is gone whatever happened.
 */
static char *unpack_try(const char *shell, const char *src, const char *tar,
			const char *sha, const char *dir, int want)
{
	char *cmd = remote_unpack_command(sha, tar, dir), *out;
	int rc;

	free(unpack_ok("cp '%s' '%s'", src, tar));
	rc = unpack_sh(shell, cmd, &out);
	ck_assert_msg(want < 0 ? rc != 0 : rc == want, "%s: '%s' into '%s' "
		      "exited %d: %s", shell, src, dir, rc, out);
	ck_assert_msg(access(tar, F_OK) < 0, "%s: tarball left", shell);
	free(cmd);
	return out;
}

/*
 * remote_unpack_command (provider_unpack_script) under dash and bash:
 * what it unpacks, what a wrong checksum or a broken tarball leaves (no
 * file in the target, no staging directory, no uploaded tarball), and
 * which message comes first.
 */
START_TEST(test_remote_unpack_command)
{
	static const char *const shells[] = { "sh", "bash" };
	char *tmp = tu_tmpdir(), *src = rv_xasprintf("%s/src", tmp);
	char *good = rv_xasprintf("%s/good.tgz", tmp);
	char *cut = rv_xasprintf("%s/cut.tgz", tmp);
	char *tar = rv_xasprintf("%s/up load.tgz", tmp);
	char *dir = rv_xasprintf("%s/app dir", tmp);
	char *slash = rv_xasprintf("%s/", dir), *under;
	char *sha, *cut_sha, *out, *ls;
	char wrong[65];

	free(unpack_ok("mkdir -p '%s/sub' && head -c 20000 /dev/urandom > "
		       "'%s/sub/a.txt'", src, src));
	free(unpack_ok("tar czf '%s' -C '%s' .", good, src));
	free(unpack_ok("head -c 300 '%s' > '%s'", good, cut));
	sha = unpack_ok("sha256sum < '%s' | cut -c1-64 | tr -d '\\n'%s", good,
			"");
	cut_sha = unpack_ok("sha256sum < '%s' | cut -c1-64 | tr -d '\\n'%s",
			    cut, "");
	snprintf(wrong, sizeof(wrong), "%s", sha);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	under = rv_xasprintf("%s/app", good);	/* below a regular file */

	for (size_t i = 0; i < sizeof(shells) / sizeof(*shells); i++) {
		const char *sh = shells[i];

		free(unpack_ok("rm -rf '%s'%s", dir, ""));
		/* a wrong checksum into a new directory: nothing, exit 3,
		   the verdict first */
		out = unpack_try(sh, good, tar, wrong, dir, 3);
		ck_assert_msg(!strncmp(out, "checksum mismatch: got ", 23) &&
			      !strncmp(out + 23, sha, 64), "%s: %s", sh, out);
		free(out);
		ck_assert_msg(access(dir, F_OK) < 0, "%s: made the target", sh);

		/* a tarball cut short, with its own checksum: tar's error */
		out = unpack_try(sh, cut, tar, cut_sha, dir, -1);
		ck_assert_msg(!strstr(out, "checksum") && strstr(out, "tar"),
			      "%s: %s", sh, out);
		free(out);
		ck_assert_msg(access(dir, F_OK) < 0, "%s: made the target", sh);

		/* the right one, into a new directory named with a slash */
		free(unpack_try(sh, good, tar, sha, slash, 0));
		ck_assert(unpack_exists(dir, "sub/a.txt"));

		/* into a directory that is there: a wrong checksum changes
		   nothing, the right one adds and keeps */
		free(unpack_ok("rm -r '%s/sub' && echo mine > '%s/own.txt'", dir,
			       dir));
		free(unpack_try(sh, good, tar, wrong, dir, 3));
		ck_assert(!unpack_exists(dir, "sub"));
		free(unpack_try(sh, good, tar, sha, dir, 0));
		ck_assert(unpack_exists(dir, "sub/a.txt"));
		ck_assert(unpack_exists(dir, "own.txt"));

		/* a target that cannot be made: an error */
		free(unpack_try(sh, good, tar, sha, under, -1));

		/* nothing of any of it beside the target */
		ls = unpack_ok("ls -a '%s'%s", tmp, "");
		ck_assert_msg(!strstr(ls, "unpack") && !strstr(ls, ".sum"),
			      "%s: left %s", sh, ls);
		free(ls);
	}
	free(sha);
	free(cut_sha);
	free(under);
	free(slash);
	free(dir);
	free(tar);
	free(cut);
	free(good);
	free(src);
	tu_rmrf(tmp);
	free(tmp);
}
END_TEST

/* --- what a provider's API names --------------------------------------- */

/* One answer (200, body) to whatever is asked; the call's code. */
static enum rv_code hostile_answer(const char *body, int which,
				   struct rv_err *err, int *nreq)
{
	struct sc_step st[1] = { { 200, NULL, body, 0 } };
	struct script s;
	char base[64];
	enum rv_code rc;

	script_start(&s, st, 1);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.http.port);
	if (which < 2) {
		struct daytona_config dc = { .api_url = base, .api_key = "k",
					     .no_env = true };
		struct daytona_client *c = daytona_client_new(&dc, err);
		struct daytona_sandbox_info info = { 0 };
		char *url = NULL, *token = NULL;

		ck_assert_ptr_nonnull(c);
		rc = which == 0 ? daytona_get(c, "sb", NULL, &info, err) :
			daytona_preview(c, "sb", 8000, NULL, &url, &token,
					err);
		daytona_sandbox_info_release(&info);
		free(url);
		free(token);
		daytona_client_free(c);
	} else {
		struct e2b_config ec = { .api_url = base, .api_key = "k",
					 .no_env = true };
		struct e2b_client *c = e2b_client_new(&ec, err);
		struct e2b_sandbox_info info = { 0 };

		ck_assert_ptr_nonnull(c);
		rc = e2b_get(c, "sb", NULL, &info, err);
		e2b_sandbox_info_release(&info);
		e2b_client_free(c);
	}
	script_stop(&s);
	*nreq = s.nreq;
	script_free(&s);
	return rc;
}

/*
 * A sandbox id becomes a directory (<out>/sandbox-<id>), a request path
 * and, on E2B, a host name; a token a header value.  An API that names
 * one that would leave the results directory, move a request elsewhere
 * or end its header is refused at once (no retry), its text escaped in
 * the message.
 */
START_TEST(test_remote_hostile_names_refused)
{
	static const struct { int which; const char *body; } bad[] = {
		{ 0, "{\"id\":\"../../../../tmp/escaped\"}" },
		{ 0, "{\"id\":\"a/b\"}" },
		{ 0, "{\"id\":\"x?y#z\"}" },
		{ 0, "{\"id\":\"..\"}" },
		{ 0, "{\"id\":\"\"}" },
		{ 0, "{\"id\":\"x\\u001b]0;PWNED\\u0007\"}" },
		{ 1, "{\"url\":\"http://127.0.0.1:1\",\"token\":"
		     "\"t\\r\\nX-Evil: 1\"}" },
		{ 2, "{\"sandboxID\":\"x@127.0.0.1:18942/\"}" },
		{ 2, "{\"sandboxID\":\"a.b\"}" },
		{ 2, "{\"sandboxID\":\"ok1\",\"domain\":\"evil/x\"}" },
		{ 2, "{\"sandboxID\":\"ok1\",\"domain\":\"a@b\"}" },
		{ 2, "{\"sandboxID\":\"ok1\",\"envdAccessToken\":\"a\\nb\"}" },
	};
	static const struct { int which; const char *body; } good[] = {
		{ 0, "{\"id\":\"7c1d9e2a-46f1-4d7b-9a8e-1f2b3c4d5e6f\"}" },
		{ 1, "{\"url\":\"http://127.0.0.1:1\",\"token\":\"t-1\"}" },
		{ 2, "{\"sandboxID\":\"i9x8y7z6\",\"domain\":\"e2b.app\"}" },
	};
	struct rv_err e;
	int n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		e = (struct rv_err)RV_ERR_INIT;
		ck_assert_msg(hostile_answer(bad[i].body, bad[i].which, &e,
					     &n) == RV_ERR_PROTO, "%s: %s",
			      bad[i].body, e.msg);
		ck_assert_msg(strstr(e.msg, "refused"), "%s", e.msg);
		ck_assert_msg(!strchr(e.msg, '\x1b') && !strchr(e.msg, '\n')
			      && !strchr(e.msg, '\a'), "%s", e.msg);
		ck_assert_int_eq(n, 1);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		e = (struct rv_err)RV_ERR_INIT;
		ck_assert_msg(hostile_answer(good[i].body, good[i].which, &e,
					     &n) == RV_OK, "%s: %s",
			      good[i].body, e.msg);
	}
	{	/* one odd sandbox in a listing stops no reap: left out */
		struct sc_step st[1] = { { 200, NULL, "[{\"sandboxID\":"
			"\"a.b\",\"metadata\":{\"runeval.job\":\"j\"}},"
			"{\"sandboxID\":\"good1\",\"metadata\":"
			"{\"runeval.job\":\"j\"}}]", 0 } };
		struct script s;
		char base[64];
		struct e2b_config ec = { .api_url = base, .api_key = "k",
					 .no_env = true };
		struct e2b_client *c;
		struct e2b_sandbox_info *v = NULL;
		size_t nv = 0;

		script_start(&s, st, 1);
		snprintf(base, sizeof(base), "http://127.0.0.1:%d",
			 s.http.port);
		e = (struct rv_err)RV_ERR_INIT;
		c = e2b_client_new(&ec, &e);
		ck_assert_int_eq(e2b_list(c, NULL, NULL, NULL, &v, &nv, &e),
				 RV_OK);
		ck_assert_uint_eq(nv, 1);
		ck_assert_str_eq(v[0].id, "good1");
		e2b_sandbox_list_free(v, nv);
		e2b_client_free(c);
		script_stop(&s);
		script_free(&s);
	}
}
END_TEST

/* --- following a remote log ------------------------------------------- */

static Suite *remote_suite(void)
{
	Suite *s = suite_create("remote");
	TCase *tr = tcase_create("retries");
	TCase *tw = tcase_create("waits");
	TCase *te = tcase_create("errors");
	TCase *tu = tcase_create("unpack");

	tcase_set_timeout(tr, 60);
	tcase_set_timeout(tw, 60);
	tcase_add_test(tr, test_remote_retries_transient_statuses);
	tcase_add_test(tr, test_remote_once_repeats_only_what_was_not_processed);
	tcase_add_test(tr, test_remote_never_retries_client_errors);
	tcase_add_test(tr, test_remote_idempotent_500_is_repeated);
	tcase_add_test(tr, test_remote_cut_connection);
	tcase_add_test(tr, test_remote_refused_limit);
	tcase_add_test(tr, test_remote_multipart_per_attempt);
	tcase_add_test(tw, test_remote_retry_after_honoured);
	tcase_add_test(tw, test_remote_deadline_bounds_the_operation);
	tcase_add_test(tw, test_remote_attempt_timeout_then_retry);
	tcase_add_test(tw, test_remote_stop_flag);
	tcase_add_test(tw, test_remote_stop_flag_mid_exchange);
	tcase_add_test(tw, test_remote_calls_and_urls);
	tcase_add_test(te, test_remote_status_error_codes);
	tcase_add_test(te, test_remote_status_error_is_short_and_redacted);
	tcase_add_test(te, test_remote_json_response);
	tcase_add_test(te, test_remote_hostile_names_refused);
	tcase_set_timeout(tu, 60);
	tcase_add_test(tu, test_remote_unpack_command);
	tcase_add_test(tu, test_remote_exports_skip_what_a_shell_cannot_export);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tw);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tu);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(remote_suite()) ? 1 : 0;
}
