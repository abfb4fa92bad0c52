/*
 * e2b-lite against hostile clients and sandboxes: strict credentials
 * (the API key, each sandbox's envd token, a private sandbox's traffic
 * token), bad bodies, bad routing headers and bad Connect envelopes (a
 * clear error each, never a crash), credentials that must not reach a
 * sandbox, and a sandbox that cannot reach e2b-lite.  Real e2b-lite, real
 * bubblewrap sandboxes; the sandboxes are made and driven with runeval's
 * own E2B client (providers/e2b), the hostile requests sent raw.
 */
#include "testutil.h"
#include "lite_util.h"

#include "e2b_api.h"
#include "e2b_envd.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct e2b_client *cli;

static void setup(void)
{
	const char *args[] = { "--quiet", NULL };
	struct e2b_config cfg = { .api_key = TL_KEY, .no_env = true };

	memset(&tl_srv, 0, sizeof(tl_srv));
	tl_srv.prog = "e2b-lite";
	tl_start(&tl_srv, args);
	cfg.api_url = tl_srv.base;
	cli = e2b_client_new(&cfg, NULL);
	ck_assert_ptr_nonnull(cli);
}

static void teardown(void)
{
	e2b_client_free(cli);
	cli = NULL;
	tl_free(&tl_srv);
}

/* A sandbox (private: its ports need the traffic token). */
static void make_sandbox(bool private_traffic, const char *job,
			 struct e2b_sandbox_info *s)
{
	json_t *meta = json_pack("{s:s}", "runeval.job", job);
	struct e2b_create_opts o = { .timeout_s = 300, .metadata = meta,
				     .private_traffic = private_traffic };
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(e2b_create(cli, &o, NULL, s, NULL, &err) == RV_OK, "%s",
		      err.msg);
	json_decref(meta);
}

static size_t count_sandboxes(void)
{
	struct e2b_sandbox_info *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(e2b_list(cli, "runeval.job", NULL, NULL, &v, &n,
				  NULL), RV_OK);
	e2b_sandbox_list_free(v, n);
	return n;
}

static void collect(const char *data, size_t len, void *arg)
{
	rv_buf_add(arg, data, len);
}

/* Run line in sandbox s; its output (malloc'ed), *code its exit code. */
static char *sh(const struct e2b_sandbox_info *s, const char *line,
		int *code)
{
	struct rv_buf out = RV_BUF_INIT;
	struct e2b_proc_events ev = { .output = collect, .arg = &out };
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(e2b_envd_run(cli, s, line, NULL, 60000, NULL, &ev,
				   &err) == RV_OK, "%s: %s", line, err.msg);
	if (code)
		*code = ev.exit_code;
	rv_buf_add(&out, "", 1);
	return out.data;
}

/* A raw request; hdrs NULL-ended; the status (body in resp). */
static long raw(const char *method, const char *path, const char *const *hdrs,
		const void *body, size_t len, struct rv_http_response *resp)
{
	char *url = rv_xasprintf("%s%s", tl_srv.base, path);
	struct rv_http_request req = {
		.method = method, .url = url, .headers = hdrs, .body = body,
		.body_len = len, .timeout_ms = 30000,
	};

	rv_http_response_release(resp);
	*resp = (struct rv_http_response)RV_HTTP_RESPONSE_INIT;
	rv_http_do(&req, resp, NULL);
	free(url);
	return resp->status;
}

/* The "message" of a JSON error body ("" when none). */
static const char *message(const struct rv_http_response *r)
{
	static char msg[600];
	json_t *j = rv_json_parse(r->body.data, r->body.len, "", NULL);

	snprintf(msg, sizeof(msg), "%s", rv_json_str(j, "message") ?
		 rv_json_str(j, "message") : "");
	json_decref(j);
	return msg;
}

/* --- the control plane ------------------------------------------------- */

/*
 * X-API-Key, exactly once, exactly the key: not absent, not wrong, not
 * twice (even twice right), not as a Bearer token, not with a prefix.
 */
START_TEST(test_api_key_strict)
{
	static const char *const bad[][3] = {
		{ NULL },
		{ "X-API-Key: not-the-key", NULL },
		{ "X-API-Key: " TL_KEY, "X-API-Key: " TL_KEY, NULL },
		{ "X-API-Key: " TL_KEY, "X-API-Key: other", NULL },
		{ "Authorization: Bearer " TL_KEY, NULL },
		{ "X-API-Key: Bearer " TL_KEY, NULL },
		{ "X-API-Key: " TL_KEY "x", NULL },
		{ "X-API-Key: " TL_KEY ",", NULL },
	};
	const char *good[] = { "X-API-Key: " TL_KEY, NULL };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(raw("GET", "/v2/sandboxes", bad[i], NULL, 0, &r)
			      == 401, "case %zu: %ld", i, r.status);
		ck_assert_msg(strstr(message(&r), "X-API-Key"), "%s",
			      r.body.data);
		ck_assert_msg(raw("POST", "/sandboxes", bad[i],
				  "{\"templateID\":\"base\"}", 21, &r) == 401,
			      "case %zu", i);
	}
	ck_assert_int_eq(raw("GET", "/v2/sandboxes", good, NULL, 0, &r), 200);
	ck_assert_str_eq(r.body.data, "[]");
	/* the health probe needs no key, and tells nothing */
	ck_assert_int_eq(raw("GET", "/health", NULL, NULL, 0, &r), 200);
	rv_http_response_release(&r);
	ck_assert_uint_eq(count_sandboxes(), 0);
}
END_TEST

/* Every malformed create: 400 naming the field; nothing is made. */
START_TEST(test_create_rejects_bad_bodies)
{
	static const char *const cases[][2] = {
		{ "not json", "JSON" },
		{ "[1,2]", "object" },
		{ "{}", "templateID" },
		{ "{\"templateID\":5}", "templateID" },
		{ "{\"templateID\":\"\"}", "templateID" },
		{ "{\"templateID\":\"base\",\"timeout\":-1}", "timeout" },
		{ "{\"templateID\":\"base\",\"timeout\":86401}", "timeout" },
		{ "{\"templateID\":\"base\",\"timeout\":\"60\"}", "timeout" },
		{ "{\"templateID\":\"base\",\"timeout\":1.5}", "timeout" },
		{ "{\"templateID\":\"base\",\"metadata\":{\"a\":1}}",
		  "metadata" },
		{ "{\"templateID\":\"base\",\"metadata\":[\"a\"]}", "metadata" },
		{ "{\"templateID\":\"base\",\"envVars\":{\"A\":{}}}",
		  "envVars" },
		{ "{\"templateID\":\"base\",\"envVars\":{\"A=B\":\"1\"}}",
		  "envVars" },
		{ "{\"templateID\":\"base\",\"network\":\"open\"}", "network" },
		{ "{\"templateID\":\"base\",\"network\":"
		  "{\"allowPublicTraffic\":\"no\"}}", "allowPublicTraffic" },
		{ "{\"templateID\":\"base\",\"secure\":\"yes\"}", "secure" },
		{ "{\"templateID\":\"base\",\"autoPause\":true}", "autoPause" },
	};
	const char *hdrs[] = { "X-API-Key: " TL_KEY,
			       "Content-Type: application/json", NULL };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	size_t big = (1u << 20) + 10;
	char *huge = rv_xmalloc(big + 1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *body = cases[i][0];

		ck_assert_msg(raw("POST", "/v2/sandboxes", hdrs, body,
				  strlen(body), &r) == 400, "%s: %ld %s", body,
			      r.status, r.body.data);
		ck_assert_msg(strstr(message(&r), cases[i][1]),
			      "%s: the message does not name '%s': %s", body,
			      cases[i][1], r.body.data);
		ck_assert_ptr_null(strchr(message(&r), '\n'));
	}
	/* larger than --max-body (1 MiB): 413, not read into memory */
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	ck_assert_int_eq(raw("POST", "/sandboxes", hdrs, huge, big, &r), 413);
	free(huge);
	rv_http_response_release(&r);
	ck_assert_uint_eq(count_sandboxes(), 0);
}
END_TEST

/*
 * The metadata filter of a list: the one sandbox of job "a"; a filter
 * that does not decode to UTF-8 is a 400, never "no filter at all"
 * (which listed, and let a reaper kill, every sandbox).  Pages: limit
 * and X-Next-Token.
 */
START_TEST(test_list_filters_and_pages)
{
	const char *hdrs[] = { "X-API-Key: " TL_KEY, NULL };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct e2b_sandbox_info s[3] = { { 0 } };
	const char *const bad[] = {
		"/v2/sandboxes?metadata=runeval.job%3D%25FF",
		"/v2/sandboxes?metadata=%25C3%3Da",
		"/v2/sandboxes?metadata=novalue",
		"/v2/sandboxes?limit=0", "/v2/sandboxes?limit=101",
		"/v2/sandboxes?limit=1x", "/v2/sandboxes?nextToken=-1",
	};
	json_t *j;
	char *next, *page2;

	make_sandbox(false, "a", &s[0]);
	make_sandbox(false, "b", &s[1]);
	make_sandbox(false, "b", &s[2]);
	ck_assert_int_eq(raw("GET", "/v2/sandboxes?metadata=runeval.job%3Da",
			     hdrs, NULL, 0, &r), 200);
	j = rv_json_parse(r.body.data, r.body.len, "", NULL);
	ck_assert_uint_eq(json_array_size(j), 1);
	ck_assert_str_eq(rv_json_str(json_array_get(j, 0), "sandboxID"),
			 s[0].id);
	/* a list never shows a sandbox's tokens */
	ck_assert_ptr_null(strstr(r.body.data, s[0].envd_token));
	json_decref(j);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(raw("GET", bad[i], hdrs, NULL, 0, &r) == 400,
			      "%s: %ld %s", bad[i], r.status, r.body.data);
		ck_assert_msg(strstr(message(&r), "invalid"), "%s",
			      r.body.data);
	}

	/* two pages of job "b" */
	ck_assert_int_eq(raw("GET", "/v2/sandboxes?metadata=runeval.job%3Db"
			     "&limit=1", hdrs, NULL, 0, &r), 200);
	j = rv_json_parse(r.body.data, r.body.len, "", NULL);
	ck_assert_uint_eq(json_array_size(j), 1);
	json_decref(j);
	next = rv_http_header(&r, "x-next-token");
	ck_assert_ptr_nonnull(next);
	page2 = rv_xasprintf("/v2/sandboxes?metadata=runeval.job%%3Db&limit=1"
			     "&nextToken=%s", next);
	ck_assert_int_eq(raw("GET", page2, hdrs, NULL, 0, &r), 200);
	j = rv_json_parse(r.body.data, r.body.len, "", NULL);
	ck_assert_uint_eq(json_array_size(j), 1);
	json_decref(j);
	free(next);
	free(page2);
	next = rv_http_header(&r, "x-next-token");
	ck_assert_ptr_null(next);
	rv_http_response_release(&r);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(e2b_kill(cli, s[i].id, NULL, NULL), RV_OK);
		e2b_sandbox_info_release(&s[i]);
	}
	ck_assert_uint_eq(count_sandboxes(), 0);
}
END_TEST

/* --- envd and the proxy ------------------------------------------------ */

/* Headers that route to port of sandbox id, then extra (NULL-ended). */
static void route(const char **h, const char *id, int port,
		  const char *const *extra, char bufs[2][200])
{
	size_t n = 0;

	snprintf(bufs[0], 200, "E2b-Sandbox-Id: %s", id);
	snprintf(bufs[1], 200, "E2b-Sandbox-Port: %d", port);
	h[n++] = bufs[0];
	h[n++] = bufs[1];
	for (; extra && *extra; extra++)
		h[n++] = *extra;
	h[n] = NULL;
}

/* An envd RPC by the headers (unary JSON) with token line tok. */
static long envd_rpc(const char *id, const char *tok, const char *method,
		     const char *body, struct rv_http_response *r)
{
	const char *extra[] = { "Content-Type: application/json", tok, NULL };
	const char *h[8];
	char bufs[2][200];
	char *path = rv_xasprintf("/%s", method);
	long st;

	route(h, id, 49983, extra, bufs);
	st = raw("POST", path, h, body, strlen(body), r);
	free(path);
	return st;
}

/*
 * envd answers only its own sandbox's X-Access-Token, once: not none, not
 * another sandbox's, not the API key, not two; by the headers and by the
 * host name alike.  GET /health needs none.
 */
START_TEST(test_envd_needs_its_own_token)
{
	struct e2b_sandbox_info a = { 0 }, b = { 0 };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *tok_a, *tok_b, *host;
	const char *list = "process.Process/List";

	make_sandbox(false, "t", &a);
	make_sandbox(false, "t", &b);
	ck_assert_str_ne(a.envd_token, b.envd_token);
	tok_a = rv_xasprintf("X-Access-Token: %s", a.envd_token);
	tok_b = rv_xasprintf("X-Access-Token: %s", b.envd_token);
	ck_assert_int_eq(envd_rpc(a.id, tok_a, list, "{}", &r), 200);
	ck_assert_int_eq(envd_rpc(a.id, tok_b, list, "{}", &r), 401);
	ck_assert_msg(strstr(r.body.data, "X-Access-Token"), "%s",
		      r.body.data);
	ck_assert_int_eq(envd_rpc(a.id, "X-Access-Token: x", list, "{}", &r),
			 401);
	ck_assert_int_eq(envd_rpc(a.id, "X-API-Key: " TL_KEY, list, "{}",
				  &r), 401);
	ck_assert_int_eq(envd_rpc(a.id, "X-Access-Token: " TL_KEY, list,
				  "{}", &r), 401);
	{
		const char *extra[] = { tok_a, tok_a, NULL };
		const char *h[8];
		char bufs[2][200];

		route(h, a.id, 49983, extra, bufs);
		ck_assert_int_eq(raw("POST", "/process.Process/List", h, "{}",
				     2, &r), 401);
		route(h, a.id, 49983, NULL, bufs);
		ck_assert_int_eq(raw("GET", "/health", h, NULL, 0, &r), 204);
		ck_assert_int_eq(raw("GET", "/envs", h, NULL, 0, &r), 401);
	}
	/* by host name: {port}-{id}.localhost:PORT */
	host = rv_xasprintf("Host: 49983-%s.localhost:%d", a.id, tl_srv.port);
	{
		const char *h[] = { host, tok_b, NULL };
		const char *ok[] = { host, tok_a, NULL };

		ck_assert_int_eq(raw("GET", "/envs", h, NULL, 0, &r), 401);
		ck_assert_int_eq(raw("GET", "/envs", ok, NULL, 0, &r), 200);
		/* the sandbox's environment: no key, no token of e2b-lite's */
		ck_assert_ptr_null(strstr(r.body.data, TL_KEY));
		ck_assert_ptr_null(strstr(r.body.data, a.envd_token));
	}
	rv_http_response_release(&r);
	free(host);
	free(tok_a);
	free(tok_b);
	e2b_sandbox_info_release(&a);
	e2b_sandbox_info_release(&b);
}
END_TEST

/* A bad E2b-Sandbox-Id/-Port pair or host: 400 or 502, with JSON. */
START_TEST(test_proxy_rejects_bad_targets)
{
	static const char *const bad_pairs[][2] = {
		{ "E2b-Sandbox-Id;", "E2b-Sandbox-Port: 49983" },
		{ "E2b-Sandbox-Id: ../etc", "E2b-Sandbox-Port: 49983" },
		{ "E2b-Sandbox-Id: a\"b", "E2b-Sandbox-Port: 49983" },
		{ "E2b-Sandbox-Id: abc", "E2b-Sandbox-Port: port" },
		{ "E2b-Sandbox-Id: abc", "E2b-Sandbox-Port: 0" },
		{ "E2b-Sandbox-Id: abc", "E2b-Sandbox-Port: 65536" },
		{ "E2b-Sandbox-Id: abc", "E2b-Sandbox-Port: -1" },
		{ "E2b-Sandbox-Id: abc", "E2b-Sandbox-Port: 80x" },
		{ "E2b-Sandbox-Id: abc", "X-Other: 1" },
	};
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *host = rv_xasprintf("Host: 8000-nosuchbox.localhost:%d",
				  tl_srv.port);
	json_t *j;

	for (size_t i = 0; i < sizeof(bad_pairs) / sizeof(bad_pairs[0]);
	     i++) {
		const char *h[] = { bad_pairs[i][0], bad_pairs[i][1],
				    "X-API-Key: " TL_KEY, NULL };

		ck_assert_msg(raw("GET", "/health", h, NULL, 0, &r) == 400,
			      "%s / %s: %ld", h[0], h[1], r.status);
		ck_assert_msg(strstr(message(&r), "E2b-Sandbox-Port"), "%s",
			      r.body.data);
	}
	/* a well-formed target that is no sandbox: 502 naming it */
	{
		const char *h[] = { "E2b-Sandbox-Id: nosuchbox",
				    "E2b-Sandbox-Port: 49983", NULL };
		const char *by_host[] = { host, NULL };

		ck_assert_int_eq(raw("GET", "/health", h, NULL, 0, &r), 502);
		j = rv_json_parse(r.body.data, r.body.len, "", NULL);
		ck_assert_str_eq(rv_json_str(j, "sandboxId"), "nosuchbox");
		json_decref(j);
		ck_assert_int_eq(raw("GET", "/", by_host, NULL, 0, &r), 502);
	}
	rv_http_response_release(&r);
	free(host);
}
END_TEST

/* A Connect stream request: flags, a length, then body bytes. */
static long stream_rpc(const struct e2b_sandbox_info *s, const char *ctype,
		       unsigned char flags, size_t said, const char *msg,
		       struct rv_http_response *r)
{
	char *tok = rv_xasprintf("X-Access-Token: %s", s->envd_token);
	char *ct = rv_xasprintf("Content-Type: %s", ctype);
	const char *extra[] = { tok, ct, NULL };
	const char *h[8];
	char bufs[2][200];
	size_t n = strlen(msg);
	unsigned char *b = rv_xmalloc(n + 5);
	long st;

	b[0] = flags;
	b[1] = (unsigned char)(said >> 24);
	b[2] = (unsigned char)(said >> 16);
	b[3] = (unsigned char)(said >> 8);
	b[4] = (unsigned char)said;
	memcpy(b + 5, msg, n);
	route(h, s->id, 49983, extra, bufs);
	st = raw("POST", "/process.Process/Start", h, b, n + 5, r);
	free(b);
	free(tok);
	free(ct);
	return st;
}

/* The end envelope's error code of a stream answer ("" for none). */
static const char *end_error(const struct rv_http_response *r)
{
	static char code[64];
	struct e2b_frames f = { RV_BUF_INIT, false };
	struct e2b_proc_events ev = { 0 };

	e2b_frames_feed(&f, r->body.data, r->body.len, &ev);
	e2b_frames_release(&f);
	ck_assert_msg(ev.closed, "no end envelope: %.*s", (int)r->body.len,
		      r->body.data);
	snprintf(code, sizeof(code), "%s", ev.error_code);
	return code;
}

/*
 * Malformed Connect calls: a clear invalid_argument each (an end
 * envelope on a stream, 400 on a unary call), and envd still serves.
 */
START_TEST(test_envd_rejects_bad_rpc)
{
	static const char start[] = "{\"process\":{\"cmd\":\"/bin/true\"}}";
	static const char *const bad_unary[][2] = {
		{ "process.Process/List", "[]" },
		{ "process.Process/List", "{" },
		{ "process.Process/SendSignal",
		  "{\"process\":{\"pid\":\"12abc\"},\"signal\":\"SIGNAL_SIGKILL\"}" },
		{ "process.Process/SendSignal",
		  "{\"process\":{\"pid\":-1},\"signal\":\"SIGNAL_SIGKILL\"}" },
		{ "process.Process/SendSignal",
		  "{\"process\":{\"pid\":\"\"},\"signal\":\"SIGNAL_SIGKILL\"}" },
		{ "process.Process/SendSignal",
		  "{\"process\":{\"pid\":1},\"signal\":\"SIGNAL_SIGSTOP\"}" },
		{ "filesystem.Filesystem/Stat", "{\"path\":\"\"}" },
	};
	struct e2b_sandbox_info s = { 0 };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *tok, *out;
	json_t *j;

	make_sandbox(false, "rpc", &s);
	tok = rv_xasprintf("X-Access-Token: %s", s.envd_token);
	/* a stream: the wrong codec, a short body, a length that lies, a
	   compressed message, a message that is not an object */
	ck_assert_int_eq(stream_rpc(&s, "application/json", 0, sizeof(start)
				    - 1, start, &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	ck_assert_int_eq(stream_rpc(&s, "application/connect+json", 0, 0, "",
				    &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	ck_assert_int_eq(stream_rpc(&s, "application/connect+json", 0,
				    1u << 31, start, &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	ck_assert_int_eq(stream_rpc(&s, "application/connect+json", 0, 3,
				    start, &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	ck_assert_int_eq(stream_rpc(&s, "application/connect+json", 1,
				    sizeof(start) - 1, start, &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	ck_assert_int_eq(stream_rpc(&s, "application/connect+json", 0, 2,
				    "[]", &r), 200);
	ck_assert_str_eq(end_error(&r), "invalid_argument");
	/* unary calls */
	for (size_t i = 0; i < sizeof(bad_unary) / sizeof(bad_unary[0]);
	     i++) {
		ck_assert_msg(envd_rpc(s.id, tok, bad_unary[i][0],
				       bad_unary[i][1], &r) == 400, "%s %s: "
			      "%ld %s", bad_unary[i][0], bad_unary[i][1],
			      r.status, r.body.data);
		j = rv_json_parse(r.body.data, r.body.len, "", NULL);
		ck_assert_str_eq(rv_json_str(j, "code"), "invalid_argument");
		json_decref(j);
	}
	/* a well-formed signal to no process: not_found */
	ck_assert_int_eq(envd_rpc(s.id, tok, "process.Process/SendSignal",
				  "{\"process\":{\"pid\":\"424242\"},"
				  "\"signal\":\"SIGNAL_SIGKILL\"}", &r), 404);
	/* and it still serves */
	out = sh(&s, "echo alive", NULL);
	ck_assert_str_eq(out, "alive\n");
	free(out);
	rv_http_response_release(&r);
	free(tok);
	e2b_sandbox_info_release(&s);
}
END_TEST

/* Files: only where the sandbox's user may write; clear errors. */
START_TEST(test_envd_files_bad_paths)
{
	struct e2b_sandbox_info s = { 0 };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *tok, *out;

	make_sandbox(false, "files", &s);
	tok = rv_xasprintf("X-Access-Token: %s", s.envd_token);
	ck_assert_int_ne(e2b_envd_write(cli, &s, "/etc/passwd", NULL, "x", 1,
					NULL, &err), RV_OK);
	ck_assert_msg(strstr(err.msg, "/etc/passwd"), "%s", err.msg);
	ck_assert_int_ne(e2b_envd_write(cli, &s, "../../usr/bin/evil", NULL,
					"x", 1, NULL, &err), RV_OK);
	ck_assert_msg(strstr(err.msg, "/usr/bin/evil"), "%s", err.msg);
	{
		const char *extra[] = { tok, "Content-Type: text/plain", NULL };
		const char *h[8];
		char bufs[2][200];

		route(h, s.id, 49983, extra, bufs);
		ck_assert_int_eq(raw("POST", "/files?path=a.txt", h, "x", 1,
				     &r), 400);
		ck_assert_msg(strstr(message(&r), "multipart"), "%s",
			      r.body.data);
		ck_assert_int_eq(raw("GET", "/files?path=/nonexistent", h,
				     NULL, 0, &r), 404);
		ck_assert_int_eq(raw("GET", "/files?path=", h, NULL, 0, &r),
				 400);
		ck_assert_int_eq(raw("GET", "/files?path=/tmp&username=admin",
				     h, NULL, 0, &r), 401);
	}
	/* relative paths are in the home directory, and read back */
	ck_assert_int_eq(e2b_envd_write(cli, &s, "d/ok.txt", NULL, "fine", 4,
					NULL, &err), RV_OK);
	out = sh(&s, "cat /home/user/d/ok.txt; ls /usr/bin/evil 2>&1 | "
		 "grep -c 'No such'", NULL);
	ck_assert_str_eq(out, "fine1\n");
	free(out);
	rv_http_response_release(&r);
	free(tok);
	e2b_sandbox_info_release(&s);
}
END_TEST

/* Start TL_PY_HEAD_APP on port 8003 of s; wait until it answers. */
static void start_head_app(const struct e2b_sandbox_info *s)
{
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	const char *extra[] = { NULL, NULL };
	char *tt = s->traffic_token ? rv_xasprintf("e2b-traffic-access-token:"
						   " %s", s->traffic_token) :
		NULL;
	const char *h[8];
	char bufs[2][200];
	uint64_t end = rv_now_ns() + 30 * RV_NS_PER_SEC;
	char *out;

	ck_assert_int_eq(e2b_envd_write(cli, s, "/tmp/head.py", NULL,
					TL_PY_HEAD_APP, strlen(TL_PY_HEAD_APP),
					NULL, &err), RV_OK);
	out = sh(s, "nohup python3 /tmp/head.py 8003 >/dev/null 2>&1 &", NULL);
	free(out);
	extra[0] = tt;
	route(h, s->id, 8003, extra, bufs);
	while (raw("GET", "/ready", h, NULL, 0, &r) != 200) {
		ck_assert_msg(r.status == 502, "%ld %s", r.status, r.body.data);
		ck_assert_msg(rv_now_ns() < end, "the app did not start");
		usleep(50 * 1000);
	}
	rv_http_response_release(&r);
	free(tt);
}

/* The head the app saw for hdrs, lowercased (malloc'ed). */
static char *seen_by_app(const char *const *hdrs)
{
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *head;

	ck_assert_int_eq(raw("GET", "/head?x=1", hdrs, NULL, 0, &r), 200);
	head = rv_xstrdup(r.body.data);
	for (char *p = head; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	rv_http_response_release(&r);
	return head;
}

/*
 * A private sandbox's port: 403 without its traffic token (or with
 * another's), through with it; the app never sees e2b-lite's
 * credentials (the key, the envd token, the traffic token, the routing
 * headers), in any header, and keeps its own Authorization.
 */
START_TEST(test_private_port_keeps_credentials)
{
	struct e2b_sandbox_info s = { 0 };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *tt, *tok, *wrong, *host, *head;

	make_sandbox(true, "priv", &s);
	ck_assert_ptr_nonnull(s.traffic_token);
	ck_assert_str_ne(s.traffic_token, s.envd_token);
	start_head_app(&s);
	tt = rv_xasprintf("e2b-traffic-access-token: %s", s.traffic_token);
	tok = rv_xasprintf("X-Access-Token: %s", s.envd_token);
	wrong = rv_xasprintf("X-Forwarded-Token: %s", s.traffic_token);
	host = rv_xasprintf("Host: 8003-%s.localhost:%d", s.id, tl_srv.port);
	{
		const char *none[] = { host, NULL };
		const char *envd_tok[] = { host, tok, NULL };
		const char *key[] = { host, "X-API-Key: " TL_KEY, NULL };
		const char *twice[] = { host, tt, tt, NULL };

		ck_assert_int_eq(raw("GET", "/", none, NULL, 0, &r), 403);
		ck_assert_msg(strstr(message(&r), "e2b-traffic-access-token"),
			      "%s", r.body.data);
		ck_assert_int_eq(raw("GET", "/", envd_tok, NULL, 0, &r), 403);
		ck_assert_int_eq(raw("GET", "/", key, NULL, 0, &r), 403);
		ck_assert_int_eq(raw("GET", "/", twice, NULL, 0, &r), 403);
	}
	{
		const char *hdrs[] = {
			host, tt, tok, "X-API-Key: " TL_KEY, wrong,
			"Authorization: Bearer app-own-token",
			"X-App: kept", NULL,
		};

		head = seen_by_app(hdrs);
		ck_assert_msg(strstr(head, "get /head?x=1 http/1.1"), "%s",
			      head);
		ck_assert_msg(strstr(head, "authorization: bearer "
				     "app-own-token"), "%s", head);
		ck_assert_msg(strstr(head, "x-app: kept"), "%s", head);
		ck_assert_msg(!strstr(head, "e2b-traffic-access-token"), "%s",
			      head);
		ck_assert_msg(!strstr(head, "x-access-token"), "%s", head);
		ck_assert_msg(!strstr(head, "tl-test-key"), "%s", head);
		ck_assert_msg(!strstr(head, s.traffic_token), "%s", head);
		ck_assert_msg(!strstr(head, s.envd_token), "%s", head);
		free(head);
	}
	rv_http_response_release(&r);
	free(tt);
	free(tok);
	free(wrong);
	free(host);
	e2b_sandbox_info_release(&s);
}
END_TEST

/*
 * Inside a sandbox: nothing of e2b-lite's.  Its processes' environment
 * holds neither the key nor its token, the host's loopback (where the
 * API listens) is out of reach, and its state directory out of sight.
 */
START_TEST(test_sandbox_sees_nothing_of_the_server)
{
	struct e2b_sandbox_info s = { 0 };
	char *line, *out;
	int code;

	make_sandbox(false, "inside", &s);
	out = sh(&s, "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; env",
		 NULL);
	ck_assert_msg(strstr(out, "E2B_SANDBOX_ID="), "%s", out);
	ck_assert_msg(!strstr(out, TL_KEY), "the key in a sandbox:\n%s", out);
	ck_assert_msg(!strstr(out, s.envd_token), "the token:\n%s", out);
	free(out);
	line = rv_xasprintf("python3 -c \"import socket; s = socket."
			    "create_connection(('127.0.0.1', %d), 2)\" "
			    "2>/dev/null; echo $?; ls %s 2>/dev/null | "
			    "wc -l", tl_srv.port, tl_srv.state_dir);
	out = sh(&s, line, &code);
	ck_assert_int_eq(code, 0);
	ck_assert_msg(!strcmp(out, "1\n0\n"), "the sandbox reached the "
		      "server:\n%s", out);
	free(out);
	free(line);
	e2b_sandbox_info_release(&s);
}
END_TEST

static Suite *e2b_lite_suite(void)
{
	Suite *s = suite_create("e2b_lite");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_api_key_strict);
	tcase_add_test(tc, test_create_rejects_bad_bodies);
	tcase_add_test(tc, test_list_filters_and_pages);
	tcase_add_test(tc, test_envd_needs_its_own_token);
	tcase_add_test(tc, test_proxy_rejects_bad_targets);
	tcase_add_test(tc, test_envd_rejects_bad_rpc);
	tcase_add_test(tc, test_envd_files_bad_paths);
	tcase_add_test(tc, test_private_port_keeps_credentials);
	tcase_add_test(tc, test_sandbox_sees_nothing_of_the_server);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(e2b_lite_suite()) ? 1 : 0;
}
