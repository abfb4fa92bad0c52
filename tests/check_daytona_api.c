/*
 * The Daytona client and the daytona provider against a real
 * daytona-lite (bubblewrap sandboxes) started by the test.
 */
#include "testutil.h"
#include "lite_server.h"

#include "daytona.h"
#include "daytona_api.h"
#include "daytona_toolbox.h"
#include "daytona_ws.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_redact.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static struct daytona_client *client_for(const struct lite_server *s)
{
	struct daytona_config cfg = { .api_url = s->api_url,
				      .api_key = s->api_key, .no_env = true };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c = daytona_client_new(&cfg, &err);

	ck_assert_msg(c != NULL, "%s", err.msg);
	return c;
}

/* How many sandboxes carry runeval.job=job (any job when NULL). */
static size_t count_left(struct daytona_client *c, const char *job)
{
	struct daytona_sandbox_info *v;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_int_eq(daytona_list(c, "runeval.job", job, NULL, &v, &n,
				      &err), RV_OK);
	daytona_sandbox_list_free(v, n);
	return n;
}

static bool log_has(const struct provider_attempts *a, const char *op,
		    long status)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].op, op) && a->v[i].status == status)
			return true;
	return false;
}

static char *unique_name(const char *tag)
{
	static unsigned n;

	return rv_xasprintf("t-%s-%ld-%u", tag, (long)getpid(), ++n);
}

START_TEST(test_api_sandbox_lifecycle)
{
	struct lite_server s;
	struct daytona_client *c;
	struct daytona_sandbox_info info = { 0 };
	struct provider_attempts log = PROVIDER_ATTEMPTS_INIT;
	struct remote_call call = { .log = &log };
	struct daytona_exec_result res = { 0 };
	const char *labels[] = { "runeval.job=lifecycle", NULL };
	const char *env[] = { "FOO=bar baz", NULL };
	struct daytona_create_opts o = { .labels = labels, .env = env,
					 .auto_stop_min = 5,
					 .auto_delete_min = 0 };
	struct rv_err err = RV_ERR_INIT;
	char *tb = NULL, *url, *token, *name = unique_name("life");
	char *dir = tu_tmpdir(), *file = rv_xasprintf("%s/f.txt", dir);
	FILE *f;

	ck_assert(lite_server_start(&s, NULL));
	c = client_for(&s);
	o.name = name;
	ck_assert_int_eq(daytona_create(c, &o, &call, &info, &err), RV_OK);
	ck_assert_str_eq(info.name, name);
	ck_assert_str_eq(info.job_label, "lifecycle");
	ck_assert(log_has(&log, "POST /sandbox", 200));
	ck_assert_int_eq(daytona_wait_started(c, info.id, &call, &info, &err),
			 RV_OK);
	ck_assert_str_eq(info.state, "started");
	ck_assert_int_eq(daytona_toolbox_base(c, &info, &call, &tb, &err),
			 RV_OK);
	ck_assert_ptr_nonnull(strstr(tb, info.id));

	/* upload a file, read it back, see the env of the create */
	f = fopen(file, "w");
	fputs("payload 42\n", f);
	fclose(f);
	ck_assert_msg(daytona_upload_file(c, tb, file, "/tmp/up/f.txt", &call,
					  &err) == RV_OK, "%s", err.msg);
	ck_assert_int_eq(daytona_execute(c, tb, "cat /tmp/up/f.txt; "
					 "echo \"$FOO\"", NULL, 10, false,
					 &call, &res, &err), RV_OK);
	ck_assert_int_eq(res.exit_code, 0);
	ck_assert_str_eq(res.output, "payload 42\nbar baz\n");
	ck_assert_int_eq(daytona_execute(c, tb, "exit 3", NULL, 10, false,
					 &call, &res, &err), RV_OK);
	ck_assert_int_eq(res.exit_code, 3);
	daytona_exec_result_release(&res);

	/* the preview token is a secret from the moment we have it */
	ck_assert_int_eq(daytona_preview(c, info.id, 8000, &call, &url,
					 &token, &err), RV_OK);
	ck_assert_ptr_nonnull(strstr(url, info.id));
	ck_assert(strlen(token) >= RV_REDACT_MIN_LEN);
	ck_assert(rv_redact_contains(token));
	free(url);
	free(token);

	ck_assert_uint_eq(count_left(c, "lifecycle"), 1);
	ck_assert_int_eq(daytona_delete(c, info.id, &call, &err), RV_OK);
	ck_assert_uint_eq(count_left(c, "lifecycle"), 0);
	{
		struct daytona_sandbox_info gone = { 0 };

		ck_assert_int_eq(daytona_get(c, info.id, NULL, &gone, &err),
				 RV_ERR_NOTFOUND);
		daytona_sandbox_info_release(&gone);
	}
	/* deleting again is fine: it is gone */
	ck_assert_int_eq(daytona_delete(c, info.id, NULL, &err), RV_OK);

	daytona_sandbox_info_release(&info);
	provider_attempts_release(&log);
	daytona_client_free(c);
	lite_server_stop(&s);
	free(tb);
	free(name);
	unlink(file);
	free(file);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

struct streams {
	struct rv_buf out, err;
};

static void collect(enum daytona_stream st, const char *d, size_t n,
		    void *arg)
{
	struct streams *s = arg;

	rv_buf_add(st == DAYTONA_STREAM_STDOUT ? &s->out : &s->err, d, n);
}

/* A started sandbox on a new daytona-lite, and its toolbox URL. */
static struct daytona_client *sandbox_up(struct lite_server *s,
					 const char *name,
					 struct daytona_sandbox_info *info,
					 char **tb)
{
	struct daytona_create_opts o = { .name = name, .auto_stop_min = -1,
					 .auto_delete_min = -1 };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c;

	ck_assert(lite_server_start(s, NULL));
	c = client_for(s);
	ck_assert_int_eq(daytona_create(c, &o, NULL, info, &err), RV_OK);
	ck_assert_int_eq(daytona_wait_started(c, info->id, NULL, info, &err),
			 RV_OK);
	ck_assert_int_eq(daytona_toolbox_base(c, info, NULL, tb, &err),
			 RV_OK);
	return c;
}

START_TEST(test_api_session_follow_over_websocket)
{
	struct lite_server s;
	struct daytona_client *c;
	struct daytona_sandbox_info info = { 0 };
	struct streams got = { RV_BUF_INIT, RV_BUF_INIT };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_follow *fw;
	char *tb, *cid, *ws, *so, *se, *name = unique_name("sess");
	uint64_t t0;
	bool done = false;
	int code = -1;

	c = sandbox_up(&s, name, &info, &tb);
	ck_assert_int_eq(daytona_session_create(c, tb, "s1", NULL, &err),
			 RV_OK);
	/* creating it again is fine */
	ck_assert_int_eq(daytona_session_create(c, tb, "s1", NULL, &err),
			 RV_OK);
	ck_assert_int_eq(daytona_session_exec_async(c, tb, "s1",
		"echo out1; echo err1 >&2; sleep 0.3; echo out2", NULL, &cid,
		&err), RV_OK);
	ws = daytona_logs_ws_url(tb, "s1", cid);
	ck_assert(!strncmp(ws, "ws://", 5));
	fw = daytona_follow_start(ws, daytona_client_headers(c), collect, &got,
				  &err);
	ck_assert_ptr_nonnull(fw);
	/* the daemon closes the stream once the command has exited */
	t0 = rv_now_ns();
	while (!daytona_follow_ended(fw) && rv_now_ns() - t0 < 10 * RV_NS_PER_SEC)
		usleep(10000);
	ck_assert(daytona_follow_ended(fw));
	ck_assert_int_eq(daytona_follow_stop(fw, &err), RV_OK);
	ck_assert_str_eq(got.out.data, "out1\nout2\n");
	ck_assert_str_eq(got.err.data, "err1\n");

	ck_assert_int_eq(daytona_command_status(c, tb, "s1", cid, NULL, &done,
						&code, &err), RV_OK);
	ck_assert(done);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(daytona_command_logs(c, tb, "s1", cid, NULL, &so, &se,
					      &err), RV_OK);
	ck_assert_str_eq(so, "out1\nout2\n");
	ck_assert_str_eq(se, "err1\n");
	ck_assert_int_eq(daytona_session_delete(c, tb, "s1", NULL, &err),
			 RV_OK);
	ck_assert_int_eq(daytona_delete(c, info.id, NULL, &err), RV_OK);

	free(so);
	free(se);
	free(ws);
	free(cid);
	free(tb);
	free(name);
	rv_buf_release(&got.out);
	rv_buf_release(&got.err);
	daytona_sandbox_info_release(&info);
	daytona_client_free(c);
	lite_server_stop(&s);
}
END_TEST

/* Threads of this process (/proc/self/status). */
static long thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long n = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

#define SHARED_FOLLOWERS 6

struct locked_streams {
	pthread_mutex_t lock;
	struct streams s;
};

static void collect_locked(enum daytona_stream st, const char *d, size_t n,
			   void *arg)
{
	struct locked_streams *l = arg;

	pthread_mutex_lock(&l->lock);
	collect(st, d, n, &l->s);
	pthread_mutex_unlock(&l->lock);
}

static bool got_output(struct locked_streams *l)
{
	bool some;

	pthread_mutex_lock(&l->lock);
	some = l->s.out.len > 0;
	pthread_mutex_unlock(&l->lock);
	return some;
}

/*
 * Followers running at once share one service thread (and one lws
 * context), each stream still demuxed into its own sink; the thread
 * ends with the last follower.
 */
START_TEST(test_api_followers_share_one_thread)
{
	struct lite_server s;
	struct daytona_client *c;
	struct daytona_sandbox_info info = { 0 };
	struct locked_streams got[SHARED_FOLLOWERS];
	struct daytona_follow *fw[SHARED_FOLLOWERS];
	struct rv_err err = RV_ERR_INIT;
	char *tb, *name = unique_name("share");
	long before, during;
	uint64_t t0;

	c = sandbox_up(&s, name, &info, &tb);
	before = thread_count();
	for (int i = 0; i < SHARED_FOLLOWERS; i++) {
		char sid[16], cmd[96], *cid, *ws;

		pthread_mutex_init(&got[i].lock, NULL);
		rv_buf_init(&got[i].s.out);
		rv_buf_init(&got[i].s.err);
		snprintf(sid, sizeof(sid), "s%d", i);
		snprintf(cmd, sizeof(cmd), "echo first%d; sleep 0.6; "
			 "echo last%d >&2", i, i);
		ck_assert_int_eq(daytona_session_create(c, tb, sid, NULL,
							&err), RV_OK);
		ck_assert_int_eq(daytona_session_exec_async(c, tb, sid, cmd,
							    NULL, &cid, &err),
				 RV_OK);
		ws = daytona_logs_ws_url(tb, sid, cid);
		fw[i] = daytona_follow_start(ws, daytona_client_headers(c),
					     collect_locked, &got[i], &err);
		ck_assert_msg(fw[i] != NULL, "%s", err.msg);
		free(ws);
		free(cid);
	}
	/* every stream is live at once */
	t0 = rv_now_ns();
	for (int i = 0; i < SHARED_FOLLOWERS; i++)
		while (!got_output(&got[i]) &&
		       rv_now_ns() - t0 < 10 * RV_NS_PER_SEC)
			usleep(5000);
	during = thread_count();
	for (int i = 0; i < SHARED_FOLLOWERS; i++)
		ck_assert_msg(got_output(&got[i]), "stream %d is silent", i);
	ck_assert_msg(during <= before + 1, "%d followers run %ld threads",
		      SHARED_FOLLOWERS, during - before);
	for (int i = 0; i < SHARED_FOLLOWERS; i++) {
		char out[16], errs[16];

		while (!daytona_follow_ended(fw[i]) &&
		       rv_now_ns() - t0 < 20 * RV_NS_PER_SEC)
			usleep(10000);
		ck_assert(daytona_follow_ended(fw[i]));
		ck_assert_int_eq(daytona_follow_stop(fw[i], &err), RV_OK);
		snprintf(out, sizeof(out), "first%d\n", i);
		snprintf(errs, sizeof(errs), "last%d\n", i);
		ck_assert_str_eq(got[i].s.out.data, out);
		ck_assert_str_eq(got[i].s.err.data, errs);
		rv_buf_release(&got[i].s.out);
		rv_buf_release(&got[i].s.err);
		pthread_mutex_destroy(&got[i].lock);
	}
	ck_assert_int_eq(thread_count(), before);
	ck_assert_int_eq(daytona_delete(c, info.id, NULL, &err), RV_OK);
	free(tb);
	free(name);
	daytona_sandbox_info_release(&info);
	daytona_client_free(c);
	lite_server_stop(&s);
}
END_TEST

/*
 * A follower whose server refuses it waits to retry; stopping it then
 * is prompt and reports why it never connected.  A second one, started
 * after the first stopped, gets a new service thread.
 */
START_TEST(test_follow_stop_while_retrying)
{
	struct streams got = { RV_BUF_INIT, RV_BUF_INIT };
	struct rv_err err = RV_ERR_INIT;
	long before = thread_count();
	char url[64];
	int port = tu_free_port();

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/logs", port);
	for (int round = 0; round < 2; round++) {
		struct daytona_follow *fw;
		uint64_t t0;

		rv_err_clear(&err);
		fw = daytona_follow_start(url, NULL, collect, &got, &err);
		ck_assert_ptr_nonnull(fw);
		usleep(120000);		/* past the first refusal */
		ck_assert(!daytona_follow_ended(fw));
		t0 = rv_now_ns();
		ck_assert_int_eq(daytona_follow_stop(fw, &err), RV_ERR_CONNECT);
		ck_assert_uint_lt(rv_now_ns() - t0, 500 * RV_NS_PER_MS);
		ck_assert_msg(strstr(err.msg, "cannot follow the logs at "
				     "'/logs'"), "%s", err.msg);
		ck_assert_int_eq(thread_count(), before);
	}
	ck_assert_uint_eq(got.out.len + got.err.len, 0);
}
END_TEST

/* The lowest file descriptor number that is free: the next one made. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/*
 * A connection that cannot even get a socket fails inside lws's connect
 * call: the follower still tries again, then ends with an error, and
 * stopping it meanwhile is safe.
 */
START_TEST(test_follow_fails_without_a_socket)
{
	struct streams got = { RV_BUF_INIT, RV_BUF_INIT };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_follow *keep, *fw, *quick;
	struct rlimit was, none;
	char url[64];
	uint64_t t0;

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/logs", tu_free_port());
	/* the service thread and its context, made while fds are free */
	keep = daytona_follow_start(url, NULL, collect, &got, &err);
	ck_assert_ptr_nonnull(keep);
	usleep(100000);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	none = was;
	none.rlim_cur = (rlim_t)lowest_free_fd();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	fw = daytona_follow_start(url, NULL, collect, &got, &err);
	quick = daytona_follow_start(url, NULL, collect, &got, &err);
	ck_assert_ptr_nonnull(fw);
	ck_assert_ptr_nonnull(quick);
	daytona_follow_stop(quick, NULL);
	t0 = rv_now_ns();
	while (!daytona_follow_ended(fw) && rv_now_ns() - t0 < 20 * RV_NS_PER_SEC)
		usleep(10000);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	ck_assert(daytona_follow_ended(fw));
	ck_assert_int_eq(daytona_follow_stop(fw, &err), RV_ERR_CONNECT);
	ck_assert_msg(strstr(err.msg, "'/logs'"), "%s", err.msg);
	ck_assert_int_eq(daytona_follow_stop(keep, &err), RV_ERR_CONNECT);
	ck_assert_uint_eq(got.out.len + got.err.len, 0);
}
END_TEST

START_TEST(test_api_errors_are_clear)
{
	struct daytona_config none = { .no_env = true };
	struct daytona_config bad = { .api_key = "wrong-key-123",
				      .no_env = true };
	struct daytona_config refused = { .api_key = "some-key-123",
					  .no_env = true };
	struct daytona_sandbox_info info = { 0 };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c;
	struct lite_server s;
	char url[64];
	uint64_t t0;

	/* no credentials: one error naming both variables */
	ck_assert_ptr_null(daytona_client_new(&none, &err));
	ck_assert_int_eq(err.code, RV_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "DAYTONA_API_KEY"));
	ck_assert_ptr_nonnull(strstr(err.msg, "DAYTONA_API_URL"));

	ck_assert(lite_server_start(&s, NULL));
	bad.api_url = s.api_url;
	c = daytona_client_new(&bad, &err);
	ck_assert_int_eq(daytona_get(c, "nope", NULL, &info, &err),
			 RV_ERR_AUTH);
	ck_assert_ptr_null(strstr(err.msg, "wrong-key-123"));
	daytona_client_free(c);
	c = client_for(&s);
	ck_assert_int_eq(daytona_get(c, "does-not-exist", NULL, &info, &err),
			 RV_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "does-not-exist"));
	daytona_client_free(c);
	lite_server_stop(&s);

	/* nobody listening: a quick, clear failure, not a long retry */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api", tu_free_port());
	refused.api_url = url;
	c = daytona_client_new(&refused, &err);
	t0 = rv_now_ns();
	ck_assert_int_eq(daytona_get(c, "x", NULL, &info, &err),
			 RV_ERR_CONNECT);
	ck_assert_uint_lt(rv_now_ns() - t0, 8 * RV_NS_PER_SEC);
	daytona_client_free(c);
	daytona_sandbox_info_release(&info);
}
END_TEST

static bool has_header(struct daytona_client *c, const char *h)
{
	for (const char *const *p = daytona_client_headers(c); *p; p++)
		if (!strcmp(*p, h))
			return true;
	return false;
}

/* The SDK's headers; a JWT needs its organization; the key wins. */
START_TEST(test_api_headers_and_credentials)
{
	struct daytona_config jwt = { .jwt = "jwt-token-abc", .org_id = "org-7",
				      .no_env = true };
	struct daytona_config both = { .api_key = "key-123456",
				       .jwt = "jwt-token-abc",
				       .org_id = "org-7", .no_env = true };
	struct daytona_config no_org = { .jwt = "jwt-token-abc",
					 .no_env = true };
	struct daytona_config bad_url = { .api_key = "key-123456",
					  .api_url = "ftp://x/api",
					  .no_env = true };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c;

	c = daytona_client_new(&jwt, &err);
	ck_assert(has_header(c, "Authorization: Bearer jwt-token-abc"));
	ck_assert(has_header(c, "X-Daytona-Organization-ID: org-7"));
	ck_assert(has_header(c, "X-Daytona-Source: runeval"));
	ck_assert(has_header(c, "X-Daytona-SDK-Version: 0.218.0"));
	ck_assert_str_eq(daytona_client_api_url(c), DAYTONA_DEFAULT_API_URL);
	daytona_client_free(c);
	c = daytona_client_new(&both, &err);
	ck_assert(has_header(c, "Authorization: Bearer key-123456"));
	ck_assert(!has_header(c, "X-Daytona-Organization-ID: org-7"));
	daytona_client_free(c);
	ck_assert_ptr_null(daytona_client_new(&no_org, &err));
	ck_assert_int_eq(err.code, RV_ERR_CONFIG);
	ck_assert_ptr_null(daytona_client_new(&bad_url, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "ftp://x/api"));
	/* the environment, when asked: DAYTONA_* variables */
	setenv("DAYTONA_API_KEY", "env-key-99999", 1);
	setenv("DAYTONA_API_URL", "http://127.0.0.1:9/api/", 1);
	setenv("DAYTONA_TARGET", "eu", 1);
	c = daytona_client_new(&(struct daytona_config){ 0 }, &err);
	ck_assert(has_header(c, "Authorization: Bearer env-key-99999"));
	ck_assert_str_eq(daytona_client_api_url(c), "http://127.0.0.1:9/api");
	ck_assert_str_eq(daytona_client_target(c), "eu");
	ck_assert(rv_redact_contains("x env-key-99999 y"));
	daytona_client_free(c);
	unsetenv("DAYTONA_API_KEY");
	unsetenv("DAYTONA_API_URL");
	unsetenv("DAYTONA_TARGET");
}
END_TEST

/* 429s and 5xx on the way: every create ends with exactly one sandbox. */
START_TEST(test_api_retries_without_duplicates)
{
	const char *faults[] = { "--fault-429-rate", "0.4",
		"--fault-5xx-rate", "0.15", "--fault-retry-after-s", "0",
		"--seed", "11", NULL };
	struct provider_attempts log = PROVIDER_ATTEMPTS_INIT;
	struct remote_call call = { .log = &log };
	const char *labels[] = { "runeval.job=retries", NULL };
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c;
	struct lite_server s;
	char *ids[8];
	bool saw_429 = false;

	ck_assert(lite_server_start(&s, faults));
	c = client_for(&s);
	for (int i = 0; i < 8; i++) {
		struct daytona_sandbox_info info = { 0 };
		struct daytona_create_opts o = { .labels = labels,
						 .auto_stop_min = -1,
						 .auto_delete_min = -1 };
		char *name = unique_name("retry");

		o.name = name;
		call.deadline_ns = rv_now_ns() + 60 * RV_NS_PER_SEC;
		ck_assert_msg(daytona_create(c, &o, &call, &info, &err) ==
			      RV_OK, "%s", err.msg);
		ids[i] = rv_xstrdup(info.id);
		daytona_sandbox_info_release(&info);
		free(name);
	}
	for (size_t i = 0; i < log.n; i++)
		if (log.v[i].status == 429)
			saw_429 = true;
	ck_assert(saw_429);
	ck_assert_uint_gt(log.n, 8);
	call.deadline_ns = 0;
	ck_assert_uint_eq(count_left(c, "retries"), 8);
	for (int i = 0; i < 8; i++) {
		ck_assert_msg(daytona_delete(c, ids[i], &call, &err) == RV_OK,
			      "%s", err.msg);
		free(ids[i]);
	}
	ck_assert_uint_eq(count_left(c, "retries"), 0);
	provider_attempts_release(&log);
	daytona_client_free(c);
	lite_server_stop(&s);
}
END_TEST

/*
 * The provider's create: a sandbox that fails leaves nothing behind.  The
 * create answers at once (--create-wait-ms 0), so that the client's wait,
 * not the create, meets a stuck sandbox.
 */
static void provider_create_fails(const char *fault, long timeout_ms,
				  enum rv_code want, const char *msg_part)
{
	const char *faults[] = { fault, "1", "--create-wait-ms", "0", NULL };
	struct provider_attempts log = PROVIDER_ATTEMPTS_INIT;
	struct provider_config cfg = { .job_id = "fails",
				       .create_timeout_ms = timeout_ms,
				       .attempts = &log };
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;
	struct daytona_client *c;
	struct lite_server s;
	uint64_t t0;

	ck_assert(lite_server_start(&s, faults));
	cfg.api_url = s.api_url;
	cfg.api_key = s.api_key;
	t0 = rv_now_ns();
	ck_assert_int_eq(provider_create(&provider_daytona, &cfg, &sb, &err),
			 want);
	ck_assert_ptr_null(sb);
	ck_assert_msg(strstr(err.msg, msg_part), "%s", err.msg);
	ck_assert_uint_lt(rv_now_ns() - t0, (uint64_t)(timeout_ms + 20000) *
			  RV_NS_PER_MS);
	ck_assert(log_has(&log, "DELETE /sandbox/{id}", 200));
	c = client_for(&s);
	ck_assert_uint_eq(count_left(c, NULL), 0);
	daytona_client_free(c);
	provider_attempts_release(&log);
	lite_server_stop(&s);
}

START_TEST(test_provider_error_state_is_deleted)
{
	provider_create_fails("--fault-error-rate", 30000, RV_ERR_PROVIDER,
			      "state 'error'");
}
END_TEST

START_TEST(test_provider_stuck_sandbox_times_out_and_is_deleted)
{
	provider_create_fails("--fault-stuck-rate", 1500, RV_ERR_TIMEOUT,
			      "not started after");
}
END_TEST

static Suite *daytona_api_suite(void)
{
	Suite *s = suite_create("daytona_api");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");

	tcase_set_timeout(tc, 60);
	tcase_set_timeout(te, 90);
	tcase_add_test(tc, test_api_sandbox_lifecycle);
	tcase_add_test(tc, test_api_session_follow_over_websocket);
	tcase_add_test(tc, test_api_followers_share_one_thread);
	tcase_add_test(te, test_follow_stop_while_retrying);
	tcase_add_test(te, test_follow_fails_without_a_socket);
	tcase_add_test(te, test_api_errors_are_clear);
	tcase_add_test(te, test_api_headers_and_credentials);
	tcase_add_test(te, test_api_retries_without_duplicates);
	tcase_add_test(te, test_provider_error_state_is_deleted);
	tcase_add_test(te, test_provider_stuck_sandbox_times_out_and_is_deleted);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(daytona_api_suite()) ? 1 : 0;
}
