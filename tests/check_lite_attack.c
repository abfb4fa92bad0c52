/*
 * daytona-lite against hostile sandboxes and clients (issue 10): a
 * sandbox that rewires its toolbox socket, credentials that must not
 * reach a sandboxed app, loose Authorization headers.  Real daytona-lite,
 * real bubblewrap sandboxes.
 */
#include "testutil.h"
#include "flood.h"
#include "lite_util.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * A unix socket on the host that answers every connection as a toolbox
 * would, with a result no sandbox could produce; it counts connections.
 */
struct host_sock {
	char *path;
	int fd;
	atomic_int hits;
	atomic_bool stop;
	pthread_t thread;
};

static void *host_sock_serve(void *arg)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: "
		"application/json\r\nContent-Length: 37\r\nConnection: close"
		"\r\n\r\n{\"exitCode\":0,\"result\":\"HOST-SOCKET\"}";
	struct host_sock *h = arg;

	while (!atomic_load(&h->stop)) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		char buf[4096];
		int c;

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(h->fd, NULL, NULL);
		if (c < 0)
			continue;
		atomic_fetch_add(&h->hits, 1);
		(void)!read(c, buf, sizeof(buf));
		(void)!write(c, ans, sizeof(ans) - 1);
		close(c);
	}
	return NULL;
}

static void host_sock_start(struct host_sock *h, const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(h, 0, sizeof(*h));
	h->path = rv_xasprintf("%s/host.sock", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", h->path);
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(h->fd, 0);
	ck_assert_int_eq(bind(h->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(h->fd, 16), 0);
	ck_assert_int_eq(pthread_create(&h->thread, NULL, host_sock_serve, h),
			 0);
}

static int host_sock_stop(struct host_sock *h)
{
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	close(h->fd);
	unlink(h->path);
	free(h->path);
	return atomic_load(&h->hits);
}

/* The shell lines a sandbox runs to point its sockets at target. */
static char *relink(const char *target)
{
	return rv_xasprintf("for s in toolbox forward; do "
			    "rm -f /run/daytona-lite/$s.sock; "
			    "ln -s %s /run/daytona-lite/$s.sock; done; "
			    "ls -la /run/daytona-lite 2>&1", target);
}

/* A toolbox request with only the sandbox's preview token. */
static long exec_with_token(const char *id, const char *cmd,
			    struct rv_http_response *r)
{
	json_t *pl = tl_preview_link(&tl_srv, id, 1);
	char *tok = rv_xasprintf("X-Daytona-Preview-Token: %s",
				 rv_json_str(pl, "token"));
	char *url = rv_xasprintf("/toolbox/%s/process/execute", id);
	char *body = rv_xasprintf("{\"command\":\"%s\"}", cmd);
	const char *hdrs[] = { tok, "Content-Type: application/json", NULL };
	long st = tl_req(&tl_srv, "POST", url, hdrs, body, r);

	json_decref(pl);
	free(tok);
	free(url);
	free(body);
	return st;
}

/*
 * Issue 10: a sandbox replaced its toolbox.sock (and forward.sock) by a
 * symlink to a host socket; root followed it.  Now the next toolbox and
 * preview requests reach the sandbox's own toolbox, and the host socket
 * gets no connection at all.
 */
START_TEST(test_lite_socket_symlink_to_host)
{
	char *a = tl_create(&tl_srv, NULL);
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct host_sock h;
	char *cmd, *out;

	host_sock_start(&h, tl_srv.tmp);
	cmd = relink(h.path);
	free(tl_exec(&tl_srv, a, cmd, NULL));
	free(cmd);

	out = tl_exec(&tl_srv, a, "echo still-here", NULL);
	ck_assert_str_eq(out, "still-here\n");
	free(out);
	ck_assert_int_eq(exec_with_token(a, "echo token-here", &r), 200);
	ck_assert_msg(strstr(r.body.data, "token-here"), "%s", r.body.data);
	rv_http_response_release(&r);
	/* the port forwarder: nothing listens on 8000, so a 502 from it */
	ck_assert_int_eq(tl_preview(&tl_srv, a, 8000, "/", true, &r), 502);
	ck_assert_ptr_null(strstr(r.body.data, "HOST-SOCKET"));
	rv_http_response_release(&r);
	ck_assert_int_eq(host_sock_stop(&h), 0);
	free(a);
}
END_TEST

/* Where sandbox id's toolbox listens on the host (old layout or new). */
static char *toolbox_sock_of(const char *id)
{
	static const char *const leaves[] = { "sock", "run" };

	for (size_t i = 0; i < 2; i++) {
		char *p = rv_xasprintf("%s/sandboxes/%s/%s/toolbox.sock",
				       tl_srv.state_dir, id, leaves[i]);

		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	ck_abort_msg("no toolbox socket for sandbox %s", id);
	return NULL;
}

/* The same with another sandbox's toolbox.sock: it runs nothing. */
START_TEST(test_lite_socket_symlink_to_other_sandbox)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	char *b_sock = toolbox_sock_of(b);
	char *cmd = relink(b_sock);
	char *who_a = rv_xasprintf("%s/sandboxes/%s/tmp/who-ran",
				   tl_srv.state_dir, a);
	char *who_b = rv_xasprintf("%s/sandboxes/%s/tmp/who-ran",
				   tl_srv.state_dir, b);
	char *want = rv_xasprintf("%s\n", a);
	char *out;

	free(tl_exec(&tl_srv, a, cmd, NULL));
	free(tl_exec(&tl_srv, a, "hostname > /tmp/who-ran", NULL));
	ck_assert_msg(access(who_b, F_OK) != 0, "sandbox %s ran a command "
		      "sent to sandbox %s", b, a);
	out = tu_read_file(who_a, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
	free(who_a);
	free(who_b);
	free(cmd);
	free(b_sock);
	free(a);
	free(b);
}
END_TEST

/* GET url with hdrs; the head the app saw, lowercased (malloc'ed). */
static char *seen_by_app(const char *url, const char *const *hdrs)
{
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *head;

	ck_assert_int_eq(tl_req(&tl_srv, "GET", url, hdrs, NULL, &r), 200);
	head = rv_xstrdup(r.body.data);
	for (char *p = head; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	rv_http_response_release(&r);
	return head;
}

/* head holds none of the credentials that opened the relay. */
static void assert_clean(const char *head, const char *token)
{
	static const char *const never[] = {
		"authorization", "x-daytona-preview-token", "daytona_sandbox",
		"daytona%5fsandbox", "daytona-sandbox-auth", "tl-test-key",
	};

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		ck_assert_msg(!strstr(head, never[i]), "the app saw '%s':\n%s",
			      never[i], head);
	ck_assert_msg(!strstr(head, token), "the app saw the token:\n%s",
		      head);
}

/*
 * Issue 10: "Authorization: Bearer  KEY" (two spaces) went through to the
 * app, and so did the preview token as query parameter or cookie.  The
 * app behind a preview now sees none of daytona-lite's credentials, in
 * any of the forms that open the relay, and keeps its own.
 */
START_TEST(test_lite_preview_keeps_credentials)
{
	char *a = tl_create(&tl_srv, NULL);
	json_t *pl = tl_preview_link(&tl_srv, a, 8003);
	const char *token = rv_json_str(pl, "token");
	char *tok = rv_xasprintf("X-Daytona-Preview-Token: %s", token);
	char *cookie = rv_xasprintf("Cookie: app=1; daytona-sandbox-auth-%s=%s;"
				    " other=2", a, token);
	char *url = rv_xasprintf("%s/head?x=1&DAYTONA_SANDBOX_AUTH_KEY=%s&"
				 "DAYTONA%%5FSANDBOX_AUTH_KEY=%s&y=2",
				 rv_json_str(pl, "url"), token, token);
	char *head;

	tl_start_app(&tl_srv, a, "head", TL_PY_HEAD_APP, 8003);
	{
		const char *hdrs[] = {
			tok, "Authorization: Bearer  " TL_KEY,
			"X-Forwarded-Auth: Bearer " TL_KEY, cookie,
			"X-App: kept", NULL,
		};

		head = seen_by_app(url, hdrs);
		assert_clean(head, token);
		ck_assert_msg(strstr(head, "get /head?x=1&y=2 http/1.1"), "%s",
			      head);
		ck_assert_msg(strstr(head, "cookie: app=1; other=2"), "%s",
			      head);
		ck_assert_msg(strstr(head, "x-app: kept"), "%s", head);
		free(head);
	}
	{
		/* opened by the API key alone; by the token alone, as query */
		const char *key_only[] = {
			"Authorization: Bearer " TL_KEY, NULL,
		};
		char *by_query = rv_xasprintf("%s/q?DAYTONA_SANDBOX_AUTH_KEY="
					      "%s", rv_json_str(pl, "url"),
					      token);

		head = seen_by_app(url, key_only);
		assert_clean(head, token);
		free(head);
		head = seen_by_app(by_query, NULL);
		assert_clean(head, token);
		ck_assert_msg(strstr(head, "get /q http/1.1"), "%s", head);
		free(head);
		free(by_query);
	}
	json_decref(pl);
	free(tok);
	free(cookie);
	free(url);
	free(a);
}
END_TEST

/* A loose Authorization header is no API key: 401 everywhere. */
START_TEST(test_lite_bearer_strict)
{
	static const char *const bad[] = {
		"Authorization: Bearer  " TL_KEY,
		"Authorization: Bearer " TL_KEY " x",
		"Authorization: Bearer\t" TL_KEY,
		"Authorization: Basic " TL_KEY,
	};
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *a = tl_create(&tl_srv, NULL);
	char *tb = rv_xasprintf("/toolbox/%s/version", a);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *hdrs[] = { bad[i], NULL };

		ck_assert_msg(tl_req(&tl_srv, "GET", "/api/sandbox", hdrs, NULL,
				     &r) == 401, "API took '%s'", bad[i]);
		rv_http_response_release(&r);
		ck_assert_msg(tl_req(&tl_srv, "GET", tb, hdrs, NULL, &r) == 401,
			      "toolbox took '%s'", bad[i]);
		rv_http_response_release(&r);
	}
	{
		/* two headers, one of them right: which one counts? neither */
		const char *two[] = { "Authorization: Bearer " TL_KEY,
				      "Authorization: Bearer nope", NULL };
		const char *lower[] = { "authorization: bearer " TL_KEY, NULL };

		ck_assert_int_eq(tl_req(&tl_srv, "GET", "/api/sandbox", two,
					NULL, &r), 401);
		rv_http_response_release(&r);
		ck_assert_int_eq(tl_req(&tl_srv, "GET", "/api/sandbox", lower,
					NULL, &r), 200);
		rv_http_response_release(&r);
	}
	free(tb);
	free(a);
}
END_TEST

/* GET /sandbox/id: the sandbox's JSON (a new reference). */
static json_t *get_sandbox(const char *id)
{
	char *path = rv_xasprintf("/sandbox/%s", id);
	json_t *sb = NULL;

	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, &sb), 200);
	free(path);
	return sb;
}

/* Wait until count_procs(marker) stops growing (or 90 s pass). */
static int wait_plateau(const char *marker)
{
	int last = -1, same = 0;

	for (int i = 0; i < 360 && same < 8; i++) {
		int n = tl_count_procs(marker);

		same = n == last && n > 0 ? same + 1 : 0;
		last = n;
		usleep(250000);
	}
	return last;
}

/*
 * Issue 10: every sandbox ran as uid 65534 under one RLIMIT_NPROC, so one
 * sandbox that used up the processes stopped all the others.  Now each
 * has its own uid and pids cgroup: a process flood in one leaves another
 * working, and stays within its own budget.
 */
START_TEST(test_lite_process_flood_stays_in_its_sandbox)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	char *marker = rv_xasprintf("sleep 7%d3", (int)getpid());
	char *flood = rv_xasprintf("nohup bash -c 'for i in $(seq 20000); do "
				   "%s & done' >/dev/null 2>&1 &", marker);
	json_t *sa = get_sandbox(a), *sbb = get_sandbox(b);
	char *path, *out;
	int n;

	free(tl_exec(&tl_srv, a, flood, NULL));
	n = wait_plateau(marker);
	for (int i = 0; i < 3; i++) {
		out = tl_exec(&tl_srv, b, "echo alive; ls / | wc -l", NULL);
		ck_assert_msg(!strncmp(out, "alive\n", 6), "%s", out);
		free(out);
	}
	ck_assert_msg(n > 900 && n <= 1024, "%d processes in the flood", n);
	/* each its own uid and its own budget, said in the record */
	ck_assert_int_gt(rv_json_int(sa, "appliedLimits.uid", -1), 0);
	ck_assert_int_ne(rv_json_int(sa, "appliedLimits.uid", -1),
			 rv_json_int(sbb, "appliedLimits.uid", -1));
	ck_assert_int_eq(rv_json_int(sa, "appliedLimits.pids", 0), 1024);
	/* and the flooded sandbox still goes away whole */
	path = rv_xasprintf("/sandbox/%s", a);
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", path, NULL, NULL), 200);
	ck_assert(tl_wait_procs(marker, 0, 10000));
	json_decref(sa);
	json_decref(sbb);
	free(path);
	free(flood);
	free(marker);
	free(a);
	free(b);
}
END_TEST

/* The memory a create asks for is the sandbox's limit. */
START_TEST(test_lite_memory_limit)
{
	char *a = tl_create(&tl_srv, "{\"buildInfo\":{\"dockerfileContent\":"
			    "\"FROM debian\"},\"memory\":1,\"cpu\":1}");
	json_t *sa = get_sandbox(a);
	char *out;
	int code = 0;

	ck_assert_int_eq(rv_json_int(sa, "memory", 0), 1);
	ck_assert_int_eq(rv_json_int(sa, "appliedLimits.memory", 0), 1);
	ck_assert_int_eq(rv_json_int(sa, "appliedLimits.cpu", 0), 1);
	out = tl_exec(&tl_srv, a, "python3 -c \"b = b'x' * (300 << 20); "
		      "print('small ok')\"", &code);
	ck_assert_msg(code == 0 && strstr(out, "small ok"), "%d %s", code, out);
	free(out);
	out = tl_exec(&tl_srv, a, "python3 -c \"b = b'x' * (1600 << 20); "
		      "print('big ok')\"", &code);
	ck_assert_msg(code != 0 && !strstr(out, "big ok\n"), "1.6 GB fitted "
		      "in a 1 GiB sandbox: %d %s", code, out);
	free(out);
	json_decref(sa);
	free(a);
}
END_TEST

/* The pids cgroup of a running sandbox, from its pid 1 (malloc'ed). */
static char *pids_cgroup_of(const char *id)
{
	char *path = rv_xasprintf("%s/sandboxes/%s.json", tl_srv.state_dir,
				  id);
	json_t *rec = rv_json_load_file(path, NULL);
	char *cg, *line, *dir = NULL;

	ck_assert_ptr_nonnull(rec);
	free(path);
	path = rv_xasprintf("/proc/%d/cgroup",
			    (int)rv_json_int(rec, "process.initPid", 0));
	cg = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(cg);
	line = strstr(cg, ":pids:");
	ck_assert_ptr_nonnull(line);
	line[6 + strcspn(line + 6, "\n")] = '\0';
	dir = rv_xasprintf("/sys/fs/cgroup/pids%s", line + 6);
	ck_assert_msg(strstr(dir, id), "not its own cgroup: %s", dir);
	ck_assert_int_eq(access(dir, F_OK), 0);
	json_decref(rec);
	free(cg);
	free(path);
	return dir;
}

/* Sandbox cgroups go with their sandbox: on delete, and after a crash. */
START_TEST(test_lite_cgroups_cleaned_up)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	char *cg_a = pids_cgroup_of(a), *cg_b = pids_cgroup_of(b);
	char *parent = rv_xstrdup(cg_a), *path;
	json_t *rec;

	*strrchr(parent, '/') = '\0';
	path = rv_xasprintf("/sandbox/%s", a);
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", path, NULL, NULL), 200);
	ck_assert_int_ne(access(cg_a, F_OK), 0);
	free(path);

	/* b dies while daytona-lite is down: its cgroup goes at restart */
	tl_kill(&tl_srv);
	path = rv_xasprintf("%s/sandboxes/%s.json", tl_srv.state_dir, b);
	rec = rv_json_load_file(path, NULL);
	ck_assert_ptr_nonnull(rec);
	kill((pid_t)rv_json_int(rec, "process.initPid", 0), SIGKILL);
	json_decref(rec);
	free(path);
	tl_start(&tl_srv, NULL);
	ck_assert_int_ne(access(cg_b, F_OK), 0);
	/* and a clean stop leaves not even the server's parent */
	tl_stop(&tl_srv);
	ck_assert_int_ne(access(parent, F_OK), 0);
	free(parent);
	free(cg_a);
	free(cg_b);
	free(a);
	free(b);
}
END_TEST

#define AUTH_HDR "Authorization: Bearer " TL_KEY "\r\n"

/*
 * Issue 10: about 4,100 idle connections from one client stopped the
 * API.  Now a flood of them only displaces its own kind: a request is
 * served during the flood, and at once after it.
 */
START_TEST(test_lite_idle_connection_flood)
{
	struct flood f;

	flood_open(&f, tl_srv.port, 4400);
	ck_assert_msg(f.n > 1100, "only %zu connections opened", f.n);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(flood_get(tl_srv.port, "/api/sandbox",
					   AUTH_HDR, 10000), 200);
	flood_close(&f);
	ck_assert_int_eq(flood_get(tl_srv.port, "/api/sandbox", AUTH_HDR,
				   3000), 200);
}
END_TEST

/*
 * A connection has 10 s (--head-timeout) to send a whole request head,
 * however it trickles; then it is closed.  Requests go on meanwhile.
 */
START_TEST(test_lite_slow_heads_dropped)
{
	struct flood idle, slow;
	uint64_t t0 = rv_now_ns();
	size_t closed = 0;

	flood_open(&idle, tl_srv.port, 50);
	flood_open(&slow, tl_srv.port, 50);
	flood_send(&slow, "GET /api/sandbox HTTP/1.1\r\nX-Slow: ");
	while (rv_now_ns() - t0 < 30 * RV_NS_PER_SEC) {
		flood_send(&slow, "a");
		if (rv_now_ns() - t0 < 3 * RV_NS_PER_SEC)
			ck_assert_uint_eq(flood_closed(&idle, 0) +
					  flood_closed(&slow, 0), 0);
		ck_assert_int_eq(flood_get(tl_srv.port, "/api/sandbox",
					   AUTH_HDR, 5000), 200);
		closed = flood_closed(&idle, 0) + flood_closed(&slow, 0);
		if (closed == idle.n + slow.n)
			break;
		usleep(500000);
	}
	ck_assert_msg(closed == idle.n + slow.n, "%zu of %zu idle or slow "
		      "connections still open after %.0f s", idle.n + slow.n -
		      closed, idle.n + slow.n,
		      (double)(rv_now_ns() - t0) / 1e9);
	flood_close(&idle);
	flood_close(&slow);
}
END_TEST

static Suite *lite_attack_suite(void)
{
	Suite *s = suite_create("lite_attack");
	TCase *tc = tl_tcase("sockets");

	tcase_add_test(tc, test_lite_socket_symlink_to_host);
	tcase_add_test(tc, test_lite_socket_symlink_to_other_sandbox);
	suite_add_tcase(s, tc);
	tc = tl_tcase("credentials");
	tcase_add_test(tc, test_lite_preview_keeps_credentials);
	tcase_add_test(tc, test_lite_bearer_strict);
	suite_add_tcase(s, tc);
	tc = tl_tcase("budgets");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_lite_process_flood_stays_in_its_sandbox);
	tcase_add_test(tc, test_lite_memory_limit);
	tcase_add_test(tc, test_lite_cgroups_cleaned_up);
	suite_add_tcase(s, tc);
	tc = tl_tcase("floods");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lite_idle_connection_flood);
	tcase_add_test(tc, test_lite_slow_heads_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(lite_attack_suite()) ? 1 : 0;
}
