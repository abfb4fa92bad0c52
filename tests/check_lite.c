/*
 * daytona-lite's control plane over HTTP: lifecycle, errors, intervals,
 * faults, restart.  Each test runs a real server with real sandboxes.
 */
#include "testutil.h"
#include "lite_util.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


/* Poll GET /sandbox/id until its state is want (or 404 when want NULL). */
static bool wait_state(struct tl_server *s, const char *id, const char *want,
		       int timeout_ms)
{
	char *path = rv_xasprintf("/sandbox/%s", id);
	bool ok = false;

	for (int waited = 0; waited <= timeout_ms && !ok; waited += 10) {
		json_t *sb = NULL;
		long st = tl_api(s, "GET", path, NULL, &sb);

		ok = want ? st == 200 && !strcmp(rv_json_str(sb, "state"), want)
			: st == 404;
		json_decref(sb);
		if (!ok)
			usleep(10000);
	}
	free(path);
	return ok;
}

START_TEST(test_lite_lifecycle)
{
	char *a = tl_create(&tl_srv, "{\"labels\":{\"suite\":\"x\"},"
			    "\"env\":{\"FOO\":\"bar\"}}");
	char *b = tl_create(&tl_srv, "{\"name\":\"other\",\"labels\":"
			    "{\"suite\":\"y\"}}");
	char *path = rv_xasprintf("/sandbox/%s", a);
	char *op;
	json_t *v = NULL;

	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "started");
	ck_assert_str_eq(rv_json_str(v, "env.FOO"), "bar");
	ck_assert_str_eq(rv_json_str(v, "labels.suite"), "x");
	ck_assert(strstr(rv_json_str(v, "toolboxProxyUrl"), "/toolbox"));
	json_decref(v);

	/* by name too, and the env reached the sandbox */
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox/other", NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "id"), b);
	json_decref(v);
	{
		char *out = tl_exec(&tl_srv, a, "echo $FOO", NULL);

		ck_assert_str_eq(out, "bar\n");
		free(out);
	}

	/* list by labels: only a, without env; the cursor pages */
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox?labels=%7B%22suite%22"
				"%3A%22x%22%7D", NULL, &v), 200);
	ck_assert_uint_eq(json_array_size(json_object_get(v, "items")), 1);
	ck_assert_str_eq(rv_json_str(json_array_get(json_object_get(v,
			 "items"), 0), "id"), a);
	ck_assert_ptr_null(json_object_get(json_array_get(
		json_object_get(v, "items"), 0), "env"));
	ck_assert(json_is_null(json_object_get(v, "nextCursor")));
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox?limit=1", NULL, &v),
			 200);
	ck_assert_str_eq(rv_json_str(v, "nextCursor"), "1");
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox?limit=1&cursor=1",
				NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(json_array_get(json_object_get(v,
			 "items"), 0), "id"), b);
	json_decref(v);

	/* stop, start (empty form-encoded POSTs, as axios sends them) */
	op = rv_xasprintf("%s/stop?force=false", path);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", op, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "stopped");
	json_decref(v);
	free(op);
	op = rv_xasprintf("%s/start", path);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", op, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "started");
	json_decref(v);
	free(op);

	/* delete: answered once gone, then 404 */
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", path, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "desiredState"), "destroyed");
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, &v), 404);
	ck_assert_str_eq(rv_json_str(v, "error"), "Not Found");
	ck_assert_int_eq(rv_json_int(v, "statusCode", 0), 404);
	json_decref(v);
	op = rv_xasprintf("%s/sandboxes/%s", tl_srv.state_dir, a);
	ck_assert_int_ne(access(op, F_OK), 0);	/* no file left */
	free(op);
	free(path);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_lite_auth_and_errors)
{
	static const char *const wrong[] = {
		"Authorization: Bearer nope", NULL,
	};
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	json_t *v = NULL;
	char *big;

	ck_assert_int_eq(tl_req(&tl_srv, "GET", "/api/sandbox", wrong, NULL, &r),
			 401);
	ck_assert(strstr(r.body.data, "\"statusCode\":401"));
	rv_http_response_release(&r);
	ck_assert_int_eq(tl_req(&tl_srv, "GET", "/api/sandbox", NULL, NULL, &r),
			 401);
	rv_http_response_release(&r);

	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox/nope", NULL, &v), 404);
	ck_assert_str_eq(rv_json_str(v, "message"),
			 "Sandbox with ID or name nope not found");
	ck_assert_str_eq(rv_json_str(v, "path"), "/api/sandbox/nope");
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", "{\"labels\":",
				NULL), 400);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", "{\"labels\":[1]}",
				&v), 400);
	ck_assert(strstr(rv_json_str(v, "message"), "labels"));
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox",
				"{\"env\":{\"1X\":\"a\"}}", NULL), 400);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", "{\"cpu\":2}", &v),
			 400);
	ck_assert_str_eq(rv_json_str(v, "message"), "Cannot specify Sandbox "
			 "resources when using a snapshot");
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox?labels=%7Bx", NULL,
				NULL), 400);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/nothing", NULL, NULL), 404);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/socket.io/?EIO=4", NULL, NULL),
			 404);

	big = rv_xmalloc(2 << 20);
	memset(big, ' ', 2 << 20);
	big[(2 << 20) - 1] = '\0';
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", big, NULL), 413);
	free(big);

	/* a name twice: 409 */
	free(tl_create(&tl_srv, "{\"name\":\"dup\"}"));
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", "{\"name\":\"dup\"}",
				&v), 409);
	ck_assert_str_eq(rv_json_str(v, "error"), "Conflict");
	json_decref(v);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox/dup/ports/0/preview-url",
				NULL, NULL), 400);
}
END_TEST

/* A transition while another one runs: 409. */
START_TEST(test_lite_conflicting_transition)
{
	static const char *const flags[] = { "--create-wait-ms", "0", NULL };
	json_t *v = NULL;
	char *path, *op;
	long st;

	tl_free(&tl_srv);
	tl_start(&tl_srv, flags);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", NULL, &v), 200);
	/* answered at once: not started yet */
	ck_assert(!strcmp(rv_json_str(v, "state"), "creating") ||
		  !strcmp(rv_json_str(v, "state"), "starting"));
	path = rv_xasprintf("/sandbox/%s", rv_json_str(v, "id"));
	op = rv_xasprintf("%s/stop", path);
	json_decref(v);
	st = tl_api(&tl_srv, "POST", op, NULL, &v);
	ck_assert_int_eq(st, 409);
	ck_assert_str_eq(rv_json_str(v, "message"),
			 "Sandbox state change in progress");
	json_decref(v);
	ck_assert(wait_state(&tl_srv, strrchr(path, '/') + 1, "started", 10000));
	free(path);
	free(op);
}
END_TEST

/* Auto-stop, then auto-delete, with one "minute" of 40 ms. */
START_TEST(test_lite_intervals)
{
	static const char *const flags[] = { "--interval-unit-ms", "40", NULL };
	json_t *v = NULL;
	char *a, *b, *p;

	tl_free(&tl_srv);
	tl_start(&tl_srv, flags);
	a = tl_create(&tl_srv, "{\"autoStopInterval\":2}");
	b = tl_create(&tl_srv, "{\"autoStopInterval\":1,"
		      "\"autoDeleteInterval\":0}");
	ck_assert(wait_state(&tl_srv, a, "stopped", 5000));
	ck_assert(wait_state(&tl_srv, b, NULL, 5000));	/* ephemeral: gone */
	/* stopped a is archived, restored by a start, then deleted */
	p = rv_xasprintf("/sandbox/%s/autoarchive/1", a);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", p, NULL, NULL), 200);
	ck_assert(wait_state(&tl_srv, a, "archived", 5000));
	free(p);
	p = rv_xasprintf("/sandbox/%s/start", a);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", p, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "started");
	json_decref(v);
	free(p);
	/* it stops again (auto-stop), then goes for good */
	p = rv_xasprintf("/sandbox/%s/autodelete/1", a);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", p, NULL, NULL), 200);
	ck_assert(wait_state(&tl_srv, a, NULL, 5000));
	free(p);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_lite_faults)
{
	static const char *const f429[] = {
		"--fault-429-rate", "1", "--fault-retry-after-s", "7", NULL,
	};
	static const char *const ferr[] = {
		"--fault-error-rate", "1", "--seed", "3", NULL,
	};
	static const char *const f5xx[] = { "--fault-5xx-rate", "1", NULL };
	static const char *const flat[] = { "--fault-latency-ms", "150-200",
					    NULL };
	static const char *const hdrs[] = {
		"Authorization: Bearer " TL_KEY, NULL,
	};
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	json_t *v = NULL;
	char *h;

	tl_free(&tl_srv);
	tl_start(&tl_srv, f429);
	ck_assert_int_eq(tl_req(&tl_srv, "POST", "/api/sandbox", hdrs, "{}", &r),
			 429);
	h = rv_http_header(&r, "Retry-After-sandbox-create");
	ck_assert_str_eq(h, "7");
	free(h);
	ck_assert_int_eq(rv_http_retry_after_ms(&r), 7000);
	h = rv_http_header(&r, "X-RateLimit-Remaining-sandbox-create");
	ck_assert_str_eq(h, "0");
	free(h);
	rv_http_response_release(&r);

	tl_free(&tl_srv);
	tl_start(&tl_srv, ferr);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "error");
	ck_assert(strstr(rv_json_str(v, "errorReason"), "simulated"));
	json_decref(v);

	tl_free(&tl_srv);
	tl_start(&tl_srv, f5xx);
	ck_assert_int_ge(tl_api(&tl_srv, "GET", "/sandbox", NULL, NULL), 500);

	/* added latency: every request waits at least that long */
	tl_free(&tl_srv);
	tl_start(&tl_srv, flat);
	{
		uint64_t t0 = rv_now_ns();

		ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox", NULL, NULL),
				 200);
		ck_assert_uint_ge(rv_now_ns() - t0, 150 * RV_NS_PER_MS);
	}
}
END_TEST

START_TEST(test_lite_stuck_in_starting)
{
	static const char *const flags[] = {
		"--fault-stuck-rate", "1", "--create-wait-ms", "200", NULL,
	};
	json_t *v = NULL;
	char *path, *op;

	tl_free(&tl_srv);
	tl_start(&tl_srv, flags);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "starting");
	path = rv_xasprintf("/sandbox/%s", rv_json_str(v, "id"));
	json_decref(v);
	usleep(100000);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, &v), 200);
	ck_assert_str_eq(rv_json_str(v, "state"), "starting");
	json_decref(v);
	op = rv_xasprintf("%s/start", path);
	ck_assert_int_eq(tl_api(&tl_srv, "POST", op, NULL, NULL), 409);
	/* a stuck sandbox can still be deleted */
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", path, NULL, NULL), 200);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, NULL), 404);
	free(op);
	free(path);
}
END_TEST

/* The state directory survives a crash of the server. */
START_TEST(test_lite_restart)
{
	char *a = tl_create(&tl_srv, "{\"labels\":{\"keep\":\"1\"}}");
	char *b = tl_create(&tl_srv, NULL);
	char *out, *marker = rv_xasprintf("sleep 9%d7", (int)getpid());
	char *marker_a = rv_xasprintf("sleep 8%d7", (int)getpid());
	char *cmd = rv_xasprintf("nohup %s >/dev/null 2>&1 &", marker);
	char *cmd_a = rv_xasprintf("nohup %s >/dev/null 2>&1 &", marker_a);

	free(tl_exec(&tl_srv, a, "echo kept > /home/daytona/f", NULL));
	free(tl_exec(&tl_srv, a, cmd_a, NULL));
	free(tl_exec(&tl_srv, b, cmd, NULL));
	ck_assert(tl_wait_procs(marker, 1, 3000));

	tl_kill(&tl_srv);		/* crash: sandboxes keep running */
	ck_assert(tl_wait_procs(marker, 1, 3000));
	/* b's processes die while nobody watches */
	{
		char *path = rv_xasprintf("%s/sandboxes/%s.json",
					  tl_srv.state_dir, b);
		json_t *rec = rv_json_load_file(path, NULL);

		ck_assert_ptr_nonnull(rec);
		kill((pid_t)rv_json_int(rec, "process.initPid", 0), SIGKILL);
		json_decref(rec);
		free(path);
	}
	tl_start(&tl_srv, NULL);
	ck_assert(wait_state(&tl_srv, a, "started", 1000));
	out = tl_exec(&tl_srv, a, "cat /home/daytona/f", NULL);
	ck_assert_str_eq(out, "kept\n");
	free(out);
	ck_assert(wait_state(&tl_srv, b, "error", 1000));
	ck_assert(tl_wait_procs(marker, 0, 3000));

	/* a clean stop destroys everything */
	ck_assert(tl_wait_procs(marker_a, 1, 3000));
	tl_stop(&tl_srv);
	ck_assert_int_eq(tl_count_procs(marker_a), 0);
	free(marker);
	free(marker_a);
	free(cmd);
	free(cmd_a);
	free(a);
	free(b);
}
END_TEST

/*
 * --remove-state-dir: the state directory goes when the server stops
 * after serving, and never when its open failed (another server holds
 * the directory: it is that server's).
 */
START_TEST(test_lite_remove_state_dir)
{
	char *bin = tu_build_path("daytona-lite");
	char *log = rv_xasprintf("%s/second.log", tl_srv.tmp), *out = NULL;
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--state-dir",
			 tl_srv.state_dir, "--api-key", TL_KEY,
			 "--remove-state-dir", NULL };
	char *id;

	ck_assert_int_ne(tu_run(argv, NULL, log, &out), 0);
	ck_assert_msg(access(tl_srv.state_dir, F_OK) == 0, "%s", out);
	free(out);
	/* never the default directory ($HOME/.local/state/daytona-lite) */
	{
		char *home = rv_xasprintf("HOME=%s", tl_srv.tmp);
		char *env[] = { home, NULL };
		char *def[] = { bin, "--listen", "127.0.0.1:0",
				"--remove-state-dir", NULL };

		ck_assert_int_eq(tu_run(def, env, log, &out), 2);
		ck_assert_msg(strstr(out, "'--remove-state-dir' needs "
				     "'--state-dir DIR'"), "%s", out);
		free(out);
		free(home);
	}
	/* without the flag the directory stays (a restart finds it) */
	tl_stop(&tl_srv);
	ck_assert_int_eq(access(tl_srv.state_dir, F_OK), 0);
	tl_start(&tl_srv, (const char *const[]){ "--remove-state-dir",
						 NULL });
	id = tl_create(&tl_srv, NULL);
	free(tl_exec(&tl_srv, id, "echo x > /home/daytona/f", NULL));
	tl_stop(&tl_srv);
	ck_assert_int_ne(access(tl_srv.state_dir, F_OK), 0);
	free(id);
	free(log);
	free(bin);
}
END_TEST

/*
 * The server stops (SIGTERM) while a client's request is relayed to a
 * sandbox: it exits cleanly.  The relay's upstream closed first in the
 * teardown and was freed while the client's connection still pointed at
 * it, which wrote through it as it closed (ASan: heap-use-after-free;
 * the exit status tl_stop checks).
 */
START_TEST(test_lite_stops_with_a_relay_in_flight)
{
	char *id = tl_create(&tl_srv, NULL);
	char *req = rv_xasprintf("POST /toolbox/%s/process/execute HTTP/1.1\r\n"
				 "Host: 127.0.0.1\r\nAuthorization: Bearer "
				 TL_KEY "\r\nContent-Type: application/json"
				 "\r\nContent-Length: 22\r\n\r\n"
				 "{\"command\":\"sleep 5\"}", id);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd[8];

	sa.sin_port = htons((unsigned short)tl_srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* several, so that the teardown meets upstreams before their
	   clients as well as after */
	for (int i = 0; i < 8; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_eq(connect(fd[i], (struct sockaddr *)&sa,
					 sizeof(sa)), 0);
		ck_assert_int_eq(write(fd[i], req, strlen(req)),
				 (ssize_t)strlen(req));
	}
	usleep(700 * 1000);	/* relayed: the commands run */
	tl_stop(&tl_srv);	/* exit status 0, no sanitizer report */
	for (int i = 0; i < 8; i++)
		close(fd[i]);
	free(req);
	free(id);
}
END_TEST

/* Send raw bytes, read until the server closes (or 10 s pass). */
static char *raw_exchange(int port, const char *req, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	struct rv_buf b = RV_BUF_INIT;
	char buf[8192];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	signal(SIGPIPE, SIG_IGN);	/* the server may close first */
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = write(fd, req + off, len - off);
		if (n <= 0)
			break;	/* the server may answer and close early */
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		rv_buf_add(&b, buf, (size_t)n);
	close(fd);
	return rv_buf_detach(&b, NULL);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define AUTH "Authorization: Bearer " TL_KEY "\r\n"

START_TEST(test_lite_http_edges)
{
	static const char pipelined[] =
		"GET /api/sandbox HTTP/1.1\r\nHost: x\r\n" AUTH "\r\n"
		"GET /api/sandbox?limit=5 HTTP/1.1\r\nHost: x\r\n" AUTH
		"Connection: close\r\n\r\n";
	static const char chunked[] =
		"POST /api/sandbox HTTP/1.1\r\nHost: x\r\n" AUTH
		"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		"7\r\n{\"name\"\r\na\r\n:\"chunky\"}\r\n0\r\n\r\n";
	static const char http10[] = "GET /api/sandbox HTTP/1.0\r\n" AUTH
		"\r\n";
	static const char smuggle[] =
		"POST /api/sandbox HTTP/1.1\r\nHost: x\r\n" AUTH
		"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}";
	static const char garbage[] = "HELLO\r\n\r\n";
	char *big = rv_xmalloc(80 * 1024), *out;

	out = raw_exchange(tl_srv.port, pipelined, sizeof(pipelined) - 1);
	ck_assert_int_eq(count_of(out, "HTTP/1.1 200 OK"), 2);
	free(out);
	out = raw_exchange(tl_srv.port, chunked, sizeof(chunked) - 1);
	ck_assert_msg(strstr(out, "HTTP/1.1 200 OK") &&
		      strstr(out, "\"name\":\"chunky\""), "got: %s", out);
	free(out);
	out = raw_exchange(tl_srv.port, http10, sizeof(http10) - 1);
	ck_assert(strstr(out, "HTTP/1.1 200 OK"));
	ck_assert(strstr(out, "Connection: close"));
	free(out);
	out = raw_exchange(tl_srv.port, smuggle, sizeof(smuggle) - 1);
	ck_assert(!strncmp(out, "HTTP/1.1 400", 12));
	free(out);
	out = raw_exchange(tl_srv.port, garbage, sizeof(garbage) - 1);
	ck_assert(!strncmp(out, "HTTP/1.1 400", 12));
	free(out);
	memset(big, 'a', 80 * 1024);
	memcpy(big, "GET /api/sandbox HTTP/1.1\r\nX: ", 31);
	out = raw_exchange(tl_srv.port, big, 80 * 1024);
	ck_assert(!strncmp(out, "HTTP/1.1 431", 12));
	free(out);
	free(big);
	/* and the server still serves */
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox", NULL, NULL), 200);
}
END_TEST

static Suite *lite_suite(void)
{
	Suite *s = suite_create("lite");
	TCase *tc = tl_tcase("core");

	tcase_add_test(tc, test_lite_lifecycle);
	tcase_add_test(tc, test_lite_restart);
	tcase_add_test(tc, test_lite_remove_state_dir);
	tcase_add_test(tc, test_lite_stops_with_a_relay_in_flight);
	tcase_add_test(tc, test_lite_intervals);
	suite_add_tcase(s, tc);
	tc = tl_tcase("errors");
	tcase_add_test(tc, test_lite_auth_and_errors);
	tcase_add_test(tc, test_lite_http_edges);
	tcase_add_test(tc, test_lite_conflicting_transition);
	tcase_add_test(tc, test_lite_faults);
	tcase_add_test(tc, test_lite_stuck_in_starting);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(lite_suite()) ? 1 : 0;
}
