/*
 * The toolbox daemon, run on this host (no sandbox) and driven over its
 * unix sockets the way the control plane and the SDK drive it.
 */
#include "testutil.h"
#include "tbclient.h"

#include "rv_alloc.h"
#include "rv_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define V "0.218.0"

static struct tbc_daemon d;

static void setup(void)
{
	ck_assert_msg(tbc_start(&d), "the toolbox daemon did not start");
}

static void teardown(void)
{
	int status = tbc_stop(&d);

	/* its log is printed by tbc_stop when this fails */
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the daemon exited with status %d", status);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* POST/GET path and return the JSON reply (status in *status). */
static json_t *call(const char *method, const char *path, const char *body,
		    const char *version, long *status)
{
	struct tbc_resp r;
	json_t *v;

	*status = tbc_call(&d, method, path, body, version, &r);
	v = tbc_json(&r);
	tbc_resp_release(&r);
	return v;
}

static const char *jstr(json_t *v, const char *key)
{
	return json_string_value(json_object_get(v, key));
}

static json_int_t jint(json_t *v, const char *key)
{
	return json_integer_value(json_object_get(v, key));
}

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

/* The pid written into file by a command, waiting for it to appear. */
static pid_t read_pid(const char *file)
{
	char *s;
	pid_t pid;

	ck_assert(tbc_wait_file(file, 5000));
	/* the shell creates the file before it writes the line */
	for (int i = 0; i < 500; i++) {
		s = tu_read_file(file, NULL);
		if (s && strchr(s, '\n'))
			break;
		free(s);
		s = NULL;
		usleep(10000);
	}
	ck_assert_msg(s, "%s never got its pid line", file);
	pid = (pid_t)atoi(s);
	free(s);
	ck_assert_int_gt(pid, 1);
	return pid;
}

static bool wait_dead(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (!pid_alive(pid))
			return true;
		usleep(10000);
	}
	return !pid_alive(pid);
}

/* --- process/execute ------------------------------------------------------ */

START_TEST(test_toolbox_execute_merges_output)
{
	long st;
	json_t *v = call("POST", "/process/execute", "{\"command\":\"echo out; "
			 "echo err >&2; pwd; echo $A$B; exit 3\",\"cwd\":\"/tmp\","
			 "\"envs\":{\"A\":\"x\",\"B\":\"y\"}}", V, &st);

	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(jint(v, "exitCode"), 3);
	ck_assert_str_eq(jstr(v, "result"), "out\nerr\n/tmp\nxy\n");
	json_decref(v);
	/* default cwd is the work directory; output that is not UTF-8 */
	v = call("POST", "/process/execute", "{\"command\":\"pwd; printf "
		 "'\\\\377ok'\"}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_ptr_nonnull(strstr(jstr(v, "result"), d.home));
	ck_assert_ptr_nonnull(strstr(jstr(v, "result"), "\xef\xbf\xbdok"));
	json_decref(v);
}
END_TEST

START_TEST(test_toolbox_execute_bad_requests)
{
	long st;
	json_t *v;

	v = call("POST", "/process/execute", "{\"command\":\"  \"}", V, &st);
	ck_assert_int_eq(st, 400);
	ck_assert_str_eq(jstr(v, "code"), "BAD_REQUEST");
	ck_assert_str_eq(jstr(v, "source"), "DAYTONA_DAEMON");
	ck_assert_str_eq(jstr(v, "path"), "/process/execute");
	json_decref(v);
	v = call("POST", "/process/execute", "{\"command\":\"true\",\"envs\":"
		 "{\"1BAD\":\"x\"}}", V, &st);
	ck_assert_int_eq(st, 400);
	ck_assert_ptr_nonnull(strstr(jstr(v, "message"), "'1BAD'"));
	json_decref(v);
	v = call("POST", "/process/execute", "not json", V, &st);
	ck_assert_int_eq(st, 400);
	ck_assert_str_eq(jstr(v, "code"), "INVALID_REQUEST_BODY");
	json_decref(v);
	/* a process that cannot start: exit code -1, the reason as result */
	v = call("POST", "/process/execute", "{\"command\":\"true\",\"cwd\":"
		 "\"/nonexistent/dir\"}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(jint(v, "exitCode"), -1);
	ck_assert_ptr_nonnull(strstr(jstr(v, "result"), "chdir /nonexistent"));
	json_decref(v);
	v = call("GET", "/no/such/route", NULL, V, &st);
	ck_assert_int_eq(st, 404);
	ck_assert_str_eq(jstr(v, "code"), "NOT_FOUND");
	json_decref(v);
}
END_TEST

START_TEST(test_toolbox_execute_timeout_kills_group)
{
	char *pidfile = rv_xasprintf("%s/bg.pid", d.home);
	char *body = rv_xasprintf("{\"command\":\"sleep 60 & echo $! > %s; "
				  "sleep 60\",\"timeout\":1}", pidfile);
	double t0 = now_s();
	long st;
	json_t *v = call("POST", "/process/execute", body, V, &st);
	pid_t bg = read_pid(pidfile);

	ck_assert_int_eq(st, 408);
	ck_assert_str_eq(jstr(v, "code"), "REQUEST_TIMEOUT");
	ck_assert(now_s() - t0 < 5);
	ck_assert_msg(wait_dead(bg, 2000), "background process %d survived",
		      (int)bg);
	json_decref(v);
	free(body);
	free(pidfile);
}
END_TEST

START_TEST(test_toolbox_execute_background_does_not_hang)
{
	char *pidfile = rv_xasprintf("%s/bg.pid", d.home);
	char *body = rv_xasprintf("{\"command\":\"sleep 30 & echo $! > %s; "
				  "echo started\"}", pidfile);
	double t0 = now_s();
	long st;
	json_t *v = call("POST", "/process/execute", body, V, &st);
	pid_t bg = read_pid(pidfile);

	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "result"), "started\n");
	ck_assert(now_s() - t0 < 5);
	kill(bg, SIGKILL);
	json_decref(v);
	/* what a background job writes before it lets go of the output is
	 * part of the result, as with Daytona's daemon.  The job forks as
	 * the shell's last act and writes at once, so the test does not
	 * race the grace on a loaded machine, as a sleep in the job did */
	v = call("POST", "/process/execute", "{\"command\":\"echo first; "
		 "(echo late) &\"}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "result"), "first\nlate\n");
	json_decref(v);
	free(body);
	free(pidfile);
}
END_TEST

START_TEST(test_toolbox_code_run)
{
	long st;
	json_t *v;

	v = call("POST", "/process/code-run", "{\"code\":\"import sys, os\\n"
		 "print(sys.argv[1:], os.environ['Q'])\\nsys.exit(4)\","
		 "\"language\":\"python\",\"argv\":[\"a\",\"b\"],"
		 "\"envs\":{\"Q\":\"z\"}}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(jint(v, "exitCode"), 4);
	ck_assert_str_eq(jstr(v, "result"), "['a', 'b'] z\n");
	ck_assert(json_is_object(json_object_get(v, "artifacts")));
	json_decref(v);
	v = call("POST", "/process/code-run", "{\"code\":\"console.log("
		 "process.argv.slice(1), 6 * 7)\",\"language\":\"javascript\","
		 "\"argv\":[\"x\"]}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "result"), "[ 'x' ] 42\n");
	json_decref(v);
	v = call("POST", "/process/code-run", "{\"code\":\"x\",\"language\":"
		 "\"cobol\"}", V, &st);
	ck_assert_int_eq(st, 400);
	json_decref(v);
	v = call("POST", "/process/code-run", "{\"code\":\"import time; "
		 "time.sleep(30)\",\"language\":\"python\",\"timeout\":1}",
		 V, &st);
	ck_assert_int_eq(st, 408);
	json_decref(v);
}
END_TEST

/* --- sessions ------------------------------------------------------------- */

START_TEST(test_toolbox_session_sync_keeps_state)
{
	long st;
	json_t *v;

	v = call("POST", "/process/session", "{\"sessionId\":\"s1\"}", V, &st);
	ck_assert_int_eq(st, 201);
	json_decref(v);
	v = call("POST", "/process/session", "{\"sessionId\":\"s1\"}", V, &st);
	ck_assert_int_eq(st, 409);
	ck_assert_str_eq(jstr(v, "code"), "CONFLICT");
	json_decref(v);
	v = call("POST", "/process/session/s1/exec", "{\"command\":\"cd /tmp; "
		 "X=5; echo hi; echo err >&2\"}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "output"), "\1\1\1hi\n\2\2\2err\n");
	ck_assert_str_eq(jstr(v, "stdout"), "hi\n");
	ck_assert_str_eq(jstr(v, "stderr"), "err\n");
	ck_assert_int_eq(jint(v, "exitCode"), 0);
	ck_assert_int_eq(strlen(jstr(v, "cmdId")), 36);
	json_decref(v);
	v = call("POST", "/process/session/s1/exec", "{\"command\":\"pwd; echo "
		 "$X; false\"}", V, &st);
	ck_assert_str_eq(jstr(v, "stdout"), "/tmp\n5\n");
	ck_assert_int_eq(jint(v, "exitCode"), 1);
	json_decref(v);
	/* an SDK older than 0.27 (or none) gets the markers stripped */
	v = call("POST", "/process/session/s1/exec", "{\"command\":\"echo a; "
		 "echo b >&2\"}", NULL, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "output"), "a\nb\n");
	ck_assert(json_is_null(json_object_get(v, "stdout")));
	json_decref(v);
	/* exit in a command ends that shell; the session carries on */
	v = call("POST", "/process/session/s1/exec", "{\"command\":\"exit 7\"}",
		 V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(jint(v, "exitCode"), 7);
	json_decref(v);
	v = call("POST", "/process/session/s1/exec", "{\"command\":\"echo "
		 "again\"}", V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "stdout"), "again\n");
	json_decref(v);
	v = call("POST", "/process/session/nope/exec", "{\"command\":\"true\"}",
		 V, &st);
	ck_assert_int_eq(st, 404);
	json_decref(v);
}
END_TEST

START_TEST(test_toolbox_session_async_status_and_logs)
{
	long st;
	json_t *v, *cmds;
	char *cid, *path;
	struct tbc_resp r;

	json_decref(call("POST", "/process/session", "{\"sessionId\":\"a\"}", V,
			 &st));
	v = call("POST", "/process/session/a/exec", "{\"command\":\"echo one; "
		 "sleep 0.5; echo two >&2\",\"runAsync\":true}", V, &st);
	ck_assert_int_eq(st, 202);
	ck_assert(json_is_null(json_object_get(v, "exitCode")));
	ck_assert(json_is_null(json_object_get(v, "output")));
	cid = rv_xstrdup(jstr(v, "cmdId"));
	json_decref(v);
	path = rv_xasprintf("/process/session/a/command/%s", cid);
	v = call("GET", path, NULL, V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "id"), cid);
	ck_assert_ptr_null(json_object_get(v, "exitCode"));	/* running */
	json_decref(v);
	for (int i = 0; i < 100; i++) {
		v = call("GET", path, NULL, V, &st);
		if (json_object_get(v, "exitCode"))
			break;
		json_decref(v);
		v = NULL;
		usleep(50000);
	}
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(jint(v, "exitCode"), 0);
	json_decref(v);
	free(path);
	path = rv_xasprintf("/process/session/a/command/%s/logs", cid);
	v = call("GET", path, NULL, V, &st);
	ck_assert_str_eq(jstr(v, "output"), "\1\1\1one\n\2\2\2two\n");
	ck_assert_str_eq(jstr(v, "stdout"), "one\n");
	ck_assert_str_eq(jstr(v, "stderr"), "two\n");
	json_decref(v);
	/* 0.27 <= version < 0.167: raw text; no version: stripped text */
	ck_assert_int_eq(tbc_call(&d, "GET", path, NULL, "0.100.0", &r), 200);
	ck_assert_str_eq(r.body.data, "\1\1\1one\n\2\2\2two\n");
	ck_assert(strcasestr(r.headers.data, "content-type: text/plain"));
	tbc_resp_release(&r);
	ck_assert_int_eq(tbc_call(&d, "GET", path, NULL, NULL, &r), 200);
	ck_assert_str_eq(r.body.data, "one\ntwo\n");
	tbc_resp_release(&r);
	free(path);
	v = call("GET", "/process/session/a", NULL, V, &st);
	cmds = json_object_get(v, "commands");
	ck_assert_int_eq(json_array_size(cmds), 1);
	ck_assert_str_eq(jstr(json_array_get(cmds, 0), "id"), cid);
	json_decref(v);
	v = call("GET", "/process/session", NULL, V, &st);
	ck_assert_int_eq(json_array_size(v), 1);
	ck_assert_str_eq(jstr(json_array_get(v, 0), "sessionId"), "a");
	json_decref(v);
	v = call("GET", "/process/session/a/command/nope", NULL, V, &st);
	ck_assert_int_eq(st, 404);
	ck_assert_str_eq(jstr(v, "message"), "not found: command not found");
	json_decref(v);
	free(cid);
}
END_TEST

START_TEST(test_toolbox_session_delete_kills_commands)
{
	char *pidfile = rv_xasprintf("%s/s.pid", d.home);
	char *body = rv_xasprintf("{\"command\":\"sleep 60 & echo $! > %s; "
				  "wait\",\"runAsync\":true}", pidfile);
	long st;
	pid_t bg;

	json_decref(call("POST", "/process/session", "{\"sessionId\":\"k\"}", V,
			 &st));
	json_decref(call("POST", "/process/session/k/exec", body, V, &st));
	ck_assert_int_eq(st, 202);
	bg = read_pid(pidfile);
	ck_assert(pid_alive(bg));
	json_decref(call("DELETE", "/process/session/k", NULL, V, &st));
	ck_assert_int_eq(st, 204);
	ck_assert_msg(wait_dead(bg, 3000), "process %d survived the delete",
		      (int)bg);
	json_decref(call("GET", "/process/session/k", NULL, V, &st));
	ck_assert_int_eq(st, 404);
	json_decref(call("DELETE", "/process/session/k", NULL, V, &st));
	ck_assert_int_eq(st, 404);
	free(body);
	free(pidfile);
}
END_TEST

/* --- WebSocket log follow ------------------------------------------------- */

START_TEST(test_toolbox_ws_follow_streams_with_markers)
{
	long st;
	json_t *v;
	char *path;
	struct tbc_ws ws;
	double t0;

	json_decref(call("POST", "/process/session", "{\"sessionId\":\"w\"}", V,
			 &st));
	/* a long line (over one frame) and lines on both streams, slowly */
	v = call("POST", "/process/session/w/exec", "{\"command\":\"sleep 0.3; "
		 "head -c 3000 /dev/zero | tr '\\\\0' x; echo; for i in 1 2 3; "
		 "do echo out$i; echo err$i >&2; sleep 0.2; done\",\"runAsync\":"
		 "true}", V, &st);
	ck_assert_int_eq(st, 202);
	path = rv_xasprintf("/process/session/w/command/%s/logs?follow=true",
			    jstr(v, "cmdId"));
	t0 = now_s();
	ck_assert(tbc_ws_follow(d.toolbox_sock, path, V, 15000, &ws));
	ck_assert_int_eq(ws.status, 101);
	ck_assert_int_eq(ws.close_code, 1000);
	ck_assert(now_s() - t0 > 0.6);	/* it followed, then closed */
	ck_assert_uint_le(ws.max_frame, 1024);
	ck_assert_uint_ge(ws.frames, 4);
	ck_assert_uint_eq(ws.data.len, 3 + 3001 + 6 * 3 + 3 * 5 + 3 * 5);
	ck_assert(!memcmp(ws.data.data, "\1\1\1xxx", 6));
	ck_assert(memmem(ws.data.data, ws.data.len, "\1\1\1out1\n\2\2\2err1\n",
			 16));
	ck_assert(memmem(ws.data.data, ws.data.len, "\2\2\2err3\n", 8));
	rv_buf_release(&ws.data);
	/* once finished, a follow sends everything and closes at once */
	ck_assert(tbc_ws_follow(d.toolbox_sock, path, V, 5000, &ws));
	ck_assert_uint_eq(ws.data.len, 3 + 3001 + 6 * 3 + 3 * 5 + 3 * 5);
	ck_assert_int_eq(ws.close_code, 1000);
	rv_buf_release(&ws.data);
	/* no version: markers stripped */
	ck_assert(tbc_ws_follow(d.toolbox_sock, path, NULL, 5000, &ws));
	ck_assert_uint_eq(ws.data.len, 3001 + 3 * 5 + 3 * 5);
	rv_buf_release(&ws.data);
	free(path);
	json_decref(v);
	/* an unknown command is refused before the upgrade */
	ck_assert(!tbc_ws_follow(d.toolbox_sock, "/process/session/w/command/"
				 "nope/logs?follow=true", V, 5000, &ws));
	ck_assert_int_eq(ws.status, 404);
	rv_buf_release(&ws.data);
}
END_TEST

START_TEST(test_toolbox_ws_follow_ends_on_session_delete)
{
	long st;
	json_t *v;
	char *path;
	struct tbc_ws ws;
	pid_t child;
	int wst;

	json_decref(call("POST", "/process/session", "{\"sessionId\":\"z\"}", V,
			 &st));
	v = call("POST", "/process/session/z/exec", "{\"command\":\"echo hi; "
		 "sleep 60\",\"runAsync\":true}", V, &st);
	path = rv_xasprintf("/process/session/z/command/%s/logs?follow=true",
			    jstr(v, "cmdId"));
	json_decref(v);
	child = fork();
	if (child == 0) {	/* delete the session while we follow */
		struct tbc_resp r;
		int rc;

		/* exit holding nothing: valgrind checks the child's leaks */
		free(path);
		usleep(300000);
		tbc_call(&d, "DELETE", "/process/session/z", NULL, V, &r);
		rc = r.status == 204 ? 0 : 1;
		tbc_resp_release(&r);
		_exit(rc);
	}
	ck_assert(tbc_ws_follow(d.toolbox_sock, path, V, 10000, &ws));
	ck_assert_int_eq(waitpid(child, &wst, 0), child);
	ck_assert(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	ck_assert_int_eq(ws.close_code, 1000);
	ck_assert(memmem(ws.data.data, ws.data.len, "\1\1\1hi\n", 6));
	rv_buf_release(&ws.data);
	free(path);
}
END_TEST

/* --- files ----------------------------------------------------------------- */

/* A multipart body with the given (path, content, len) triples. */
static void multipart(struct rv_buf *b, const char *boundary, int n,
		      const char *const *paths, const char *const *data,
		      const size_t *lens)
{
	for (int i = 0; i < n; i++) {
		rv_buf_addf(b, "--%s\r\nContent-Disposition: form-data; "
			    "name=\"files[%d].path\"\r\n\r\n%s\r\n", boundary, i,
			    paths[i]);
		rv_buf_addf(b, "--%s\r\nContent-Disposition: form-data; "
			    "name=\"files[%d].file\"; filename=\"f%d\"\r\n"
			    "Content-Type: application/octet-stream\r\n\r\n",
			    boundary, i, i);
		rv_buf_add(b, data[i], lens[i]);
		rv_buf_adds(b, "\r\n");
	}
	rv_buf_addf(b, "--%s--\r\n", boundary);
}

/* Wrap body in an HTTP request with chunked encoding, chunks of csize. */
static void chunked_request(struct rv_buf *req, const char *path,
			    const char *boundary, const struct rv_buf *body,
			    size_t csize)
{
	rv_buf_addf(req, "POST %s HTTP/1.1\r\nHost: toolbox\r\n"
		    "Content-Type: multipart/form-data; boundary=%s\r\n"
		    "Transfer-Encoding: chunked\r\nX-Daytona-SDK-Version: "
		    V "\r\n\r\n", path, boundary);
	for (size_t off = 0; off < body->len; off += csize) {
		size_t n = body->len - off < csize ? body->len - off : csize;

		rv_buf_addf(req, "%zx\r\n", n);
		rv_buf_add(req, body->data + off, n);
		rv_buf_adds(req, "\r\n");
	}
	rv_buf_adds(req, "0\r\n\r\n");
}

static bool file_equals(const char *path, const char *data, size_t len)
{
	size_t n;
	char *s = tu_read_file(path, &n);
	bool eq = s && n == len && !memcmp(s, data, len);

	free(s);
	return eq;
}

START_TEST(test_toolbox_upload_chunked_binary)
{
	const char *boundary = "----formdata-0123";
	size_t big_len = 200000;
	char *big = rv_xmalloc(big_len);
	char *p0 = rv_xasprintf("%s/deep/er/bin.dat", d.home);
	char *p1 = rv_xasprintf("%s/hello.txt", d.home);
	const char *paths[2] = { p0, p1 };
	const char *data[2];
	size_t lens[2] = { big_len, 5 };
	struct rv_buf body = RV_BUF_INIT, req = RV_BUF_INIT, out = RV_BUF_INIT;
	long status;
	json_t *v;

	srand(7);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)(rand() & 0xff);
	/* things that look like a boundary, inside the data */
	memcpy(big + 1000, "\r\n------formdata-012\r\n--", 24);
	memcpy(big + big_len - 20, "\r\n------formdata-01", 19);
	data[0] = big;
	data[1] = "hello";
	multipart(&body, boundary, 2, paths, data, lens);
	chunked_request(&req, "/files/bulk-upload", boundary, &body, 777);
	ck_assert(tbc_raw(d.toolbox_sock, req.data, req.len, 1500, &status,
			  &out));
	ck_assert_msg(status == 200, "status %ld: %s", status, out.data);
	ck_assert(file_equals(p0, big, big_len));
	ck_assert(file_equals(p1, "hello", 5));
	v = json_loadb(out.data, out.len, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(v, "files"), 0), "bytes")), (json_int_t)big_len);
	json_decref(v);
	/* the same, delivered a few bytes at a time */
	unlink(p1);
	rv_buf_reset(&out);
	ck_assert(tbc_raw(d.toolbox_sock, req.data, req.len, 7, &status, &out));
	ck_assert_int_eq(status, 200);
	ck_assert(file_equals(p1, "hello", 5));
	rv_buf_release(&body);
	rv_buf_release(&req);
	rv_buf_release(&out);
	free(p0);
	free(p1);
	free(big);
}
END_TEST

START_TEST(test_toolbox_upload_refuses_escapes)
{
	/* not below /tmp or the home: both are inside the sandbox */
	char *outside = rv_xasprintf("/var/tmp/tb-outside-%d", getpid());
	char *link = rv_xasprintf("%s/link", d.home);
	char *via_link = rv_xasprintf("%s/link/x.txt", d.home);
	char *good = rv_xasprintf("%s/good.txt", d.home);
	char *esc = rv_xasprintf("%s/../../../../etc/tb-escape-%d", d.home,
				 getpid());
	char *target = rv_xasprintf("%s/x.txt", outside);
	const char *paths[3] = { esc, via_link, good };
	const char *data[3] = { "bad", "bad", "good" };
	size_t lens[3] = { 3, 3, 4 };
	struct rv_buf body = RV_BUF_INIT, req = RV_BUF_INIT, out = RV_BUF_INIT;
	struct stat st;
	long status;
	json_t *v;

	mkdir(outside, 0755);
	ck_assert_int_eq(symlink(outside, link), 0);
	multipart(&body, "bnd", 3, paths, data, lens);
	chunked_request(&req, "/files/bulk-upload", "bnd", &body, 4096);
	ck_assert(tbc_raw(d.toolbox_sock, req.data, req.len, 65536, &status,
			  &out));
	ck_assert_int_eq(status, 400);
	v = json_loadb(out.data, out.len, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(v, "errors")), 2);
	ck_assert_str_eq(jstr(v, "code"), "INVALID_FILE_PATH");
	ck_assert_int_eq(json_array_size(json_object_get(v, "files")), 1);
	json_decref(v);
	ck_assert_int_ne(stat(target, &st), 0);	/* nothing written outside */
	ck_assert(file_equals(good, "good", 4));
	rmdir(outside);
	rv_buf_release(&body);
	rv_buf_release(&req);
	rv_buf_release(&out);
	free(target);
	free(esc);
	free(good);
	free(via_link);
	free(link);
	free(outside);
}
END_TEST

static bool has(const struct tbc_resp *r, const char *s)
{
	return memmem(r->body.data, r->body.len, s, strlen(s)) != NULL;
}

START_TEST(test_toolbox_bulk_download_parts)
{
	static const char part[] = "\r\n\r\nab\0\r\n--DAYTONA\r\n"
		"--DAYTONA-FILE-BOUNDARY\r\n";
	static const char end[] = "\r\n--DAYTONA-FILE-BOUNDARY--\r\n";
	char *file = rv_xasprintf("%s/data.bin", d.home);
	char *body = rv_xasprintf("{\"paths\":[\"%s\",\"%s/missing\","
				  "\"/etc/passwd\"]}", file, d.home);
	FILE *f = fopen(file, "wb");
	struct tbc_resp r;
	char *p, *q;

	fwrite("ab\0\r\n--DAYTONA", 1, 14, f);
	fclose(f);
	ck_assert_int_eq(tbc_call(&d, "POST", "/files/bulk-download", body, V,
				  &r), 200);
	ck_assert(strcasestr(r.headers.data, "content-type: multipart/form-data;"
			     " boundary=DAYTONA-FILE-BOUNDARY"));
	p = r.body.data;
	ck_assert(!strncmp(p, "--DAYTONA-FILE-BOUNDARY\r\n", 25));
	q = rv_xasprintf("name=\"file\"; filename=\"%s\"", file);
	ck_assert(has(&r, q));
	free(q);
	ck_assert(memmem(p, r.body.len, part, sizeof(part) - 1));
	ck_assert(has(&r, "name=\"error\"; filename=\"/etc/passwd\""));
	ck_assert(has(&r, "\"code\":\"FILE_NOT_FOUND\""));
	ck_assert(has(&r, "\"code\":\"INVALID_FILE_PATH\""));
	ck_assert(r.body.len > sizeof(end) && !memcmp(r.body.data + r.body.len -
		  (sizeof(end) - 1), end, sizeof(end) - 1));
	tbc_resp_release(&r);
	ck_assert_int_eq(tbc_call(&d, "POST", "/files/bulk-download",
				  "{\"paths\":[]}", V, &r), 400);
	tbc_resp_release(&r);
	free(body);
	free(file);
}
END_TEST

START_TEST(test_toolbox_files_folder_list_info_delete)
{
	char *path, *q;
	long st;
	json_t *v;
	struct stat sb;
	struct tbc_resp r;
	FILE *f;

	path = rv_xasprintf("/files/folder?path=%s/src/pkg&mode=750", d.home);
	json_decref(call("POST", path, NULL, V, &st));
	ck_assert_int_eq(st, 201);
	free(path);
	path = rv_xasprintf("%s/src/pkg", d.home);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0750);
	free(path);
	path = rv_xasprintf("%s/src/a.txt", d.home);
	f = fopen(path, "w");
	fputs("12345", f);
	fclose(f);
	free(path);
	q = rv_xasprintf("/files?path=%s/src", d.home);
	v = call("GET", q, NULL, V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(json_array_size(v), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_array_get(v, i);

		if (!strcmp(jstr(e, "name"), "a.txt")) {
			ck_assert_int_eq(jint(e, "size"), 5);
			ck_assert_str_eq(jstr(e, "mode"), "-rw-r--r--");
			ck_assert_str_eq(jstr(e, "permissions"), "0644");
			ck_assert(json_is_false(json_object_get(e, "isDir")));
		} else {
			ck_assert_str_eq(jstr(e, "name"), "pkg");
			ck_assert_str_eq(jstr(e, "mode"), "drwxr-x---");
			ck_assert(json_is_true(json_object_get(e, "isDir")));
		}
		ck_assert_ptr_nonnull(jstr(e, "modifiedAt"));
	}
	json_decref(v);
	free(q);
	q = rv_xasprintf("/files/info?path=%s/src/a.txt", d.home);
	v = call("GET", q, NULL, V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "name"), "a.txt");
	json_decref(v);
	free(q);
	q = rv_xasprintf("/files/download?path=%s/src/a.txt", d.home);
	ck_assert_int_eq(tbc_call(&d, "GET", q, NULL, V, &r), 200);
	ck_assert_str_eq(r.body.data, "12345");
	tbc_resp_release(&r);
	free(q);
	q = rv_xasprintf("/files?path=%s/src", d.home);
	v = call("DELETE", q, NULL, V, &st);
	ck_assert_int_eq(st, 400);	/* a directory needs recursive=true */
	json_decref(v);
	free(q);
	q = rv_xasprintf("/files?path=%s/src&recursive=true", d.home);
	json_decref(call("DELETE", q, NULL, V, &st));
	ck_assert_int_eq(st, 204);
	path = rv_xasprintf("%s/src", d.home);
	ck_assert_int_ne(stat(path, &sb), 0);
	free(path);
	free(q);
	q = rv_xasprintf("/files/info?path=%s/src", d.home);
	v = call("GET", q, NULL, V, &st);
	ck_assert_int_eq(st, 404);
	ck_assert_str_eq(jstr(v, "code"), "FILE_NOT_FOUND");
	json_decref(v);
	free(q);
	/* every file endpoint refuses paths outside the sandbox */
	static const char *const esc[][2] = {
		{ "GET", "/files?path=/etc" },
		{ "GET", "/files/info?path=/etc/passwd" },
		{ "GET", "/files/download?path=../../../../../etc/passwd" },
		{ "POST", "/files/folder?path=/var/tb-escape" },
		{ "DELETE", "/files?path=/etc/hostname" },
	};
	for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		v = call(esc[i][0], esc[i][1], NULL, V, &st);
		ck_assert_msg(st == 400, "%s %s: %ld", esc[i][0], esc[i][1], st);
		ck_assert_str_eq(jstr(v, "code"), "INVALID_FILE_PATH");
		json_decref(v);
	}
	ck_assert_int_ne(stat("/var/tb-escape", &sb), 0);
}
END_TEST

/* --- small endpoints, git, ports, forwarding ----------------------------- */

static int listen_port(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(test_toolbox_misc_endpoints)
{
	long st;
	json_t *v;
	int port, lfd = listen_port(&port);
	char *q = rv_xasprintf("/port/%d/in-use", port);

	v = call("GET", "/version", NULL, V, &st);
	ck_assert_int_eq(st, 200);
	ck_assert_ptr_nonnull(jstr(v, "version"));
	json_decref(v);
	v = call("GET", "/user-home-dir", NULL, V, &st);
	ck_assert_str_eq(jstr(v, "dir"), d.home);
	json_decref(v);
	v = call("GET", "/work-dir", NULL, V, &st);
	ck_assert_str_eq(jstr(v, "dir"), d.home);
	json_decref(v);
	v = call("GET", q, NULL, V, &st);
	ck_assert(json_is_true(json_object_get(v, "isInUse")));
	json_decref(v);
	close(lfd);
	v = call("GET", q, NULL, V, &st);
	ck_assert(json_is_false(json_object_get(v, "isInUse")));
	json_decref(v);
	v = call("POST", "/git/clone", "{\"url\":\"https://github.com/octocat/"
		 "Hello-World.git\",\"path\":\"hw\"}", V, &st);
	ck_assert_int_eq(st, 400);
	ck_assert_ptr_nonnull(strstr(jstr(v, "message"),
				     "network access is unavailable"));
	json_decref(v);
	free(q);
}
END_TEST

static void *echo_once(void *arg)
{
	int lfd = *(int *)arg, fd = accept(lfd, NULL, NULL);
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

START_TEST(test_toolbox_forward_connects_and_refuses)
{
	int port, lfd = listen_port(&port), fd;
	pthread_t th;
	char line[64], buf[64] = "";
	ssize_t n;
	int got = 0;

	pthread_create(&th, NULL, echo_once, &lfd);
	fd = tbc_unix_connect(d.forward_sock);
	ck_assert_int_ge(fd, 0);
	snprintf(line, sizeof(line), "CONNECT %d\n", port);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	ck_assert_int_eq(write(fd, "ping", 4), 4);	/* before the OK */
	while (got < 7 && (n = read(fd, buf + got, sizeof(buf) - 1 -
				    (size_t)got)) > 0)
		got += (int)n;
	ck_assert_str_eq(buf, "OK\nping");
	shutdown(fd, SHUT_WR);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);	/* passed on */
	close(fd);
	pthread_join(th, NULL);
	close(lfd);
	/* nothing listens there any more */
	fd = tbc_unix_connect(d.forward_sock);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "ERR refused\n");
	close(fd);
	fd = tbc_unix_connect(d.forward_sock);
	ck_assert_int_eq(write(fd, "HELLO\n", 6), 6);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
	ck_assert(!strncmp(buf, "ERR ", 4));
	close(fd);
}
END_TEST

START_TEST(test_toolbox_sigterm_cleans_up)
{
	char *pidfile = rv_xasprintf("%s/t.pid", d.home);
	char *body = rv_xasprintf("{\"command\":\"sleep 60 & echo $! > %s; "
				  "wait\",\"runAsync\":true}", pidfile);
	char *ready = rv_xasprintf("%s/ready", d.sock_dir);
	long st;
	pid_t bg;

	json_decref(call("POST", "/process/session", "{\"sessionId\":\"t\"}", V,
			 &st));
	json_decref(call("POST", "/process/session/t/exec", body, V, &st));
	bg = read_pid(pidfile);
	kill(d.pid, SIGTERM);
	ck_assert(wait_dead(bg, 3000));
	for (int i = 0; i < 300 && access(ready, F_OK) == 0; i++)
		usleep(10000);
	ck_assert_int_ne(access(ready, F_OK), 0);
	ck_assert_int_ne(access(d.toolbox_sock, F_OK), 0);
	free(ready);
	free(body);
	free(pidfile);
}
END_TEST

START_TEST(test_toolbox_survives_broken_clients)
{
	static const char *const junk[] = {
		"",
		"POST /process/execute HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 50\r\n\r\n{\"com",
		"GARBAGE\r\n\r\n",
		"POST /files/bulk-upload HTTP/1.1\r\nHost: x\r\nContent-Type: "
		"multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked"
		"\r\n\r\n5\r\n--b\r\n",
	};
	long st;
	json_t *v;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		int fd = tbc_unix_connect(d.toolbox_sock);

		ck_assert_int_ge(fd, 0);
		if (*junk[i])
			ck_assert_int_gt(write(fd, junk[i], strlen(junk[i])), 0);
		close(fd);
	}
	v = call("POST", "/process/execute", "{\"command\":\"echo alive\"}", V,
		 &st);
	ck_assert_int_eq(st, 200);
	ck_assert_str_eq(jstr(v, "result"), "alive\n");
	json_decref(v);
}
END_TEST

static Suite *toolbox_suite(void)
{
	Suite *s = suite_create("toolbox");
	TCase *tc = tcase_create("process");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_toolbox_execute_merges_output);
	tcase_add_test(tc, test_toolbox_execute_bad_requests);
	tcase_add_test(tc, test_toolbox_execute_timeout_kills_group);
	tcase_add_test(tc, test_toolbox_execute_background_does_not_hang);
	tcase_add_test(tc, test_toolbox_code_run);
	tcase_add_test(tc, test_toolbox_session_sync_keeps_state);
	tcase_add_test(tc, test_toolbox_session_async_status_and_logs);
	tcase_add_test(tc, test_toolbox_session_delete_kills_commands);
	tcase_add_test(tc, test_toolbox_ws_follow_streams_with_markers);
	tcase_add_test(tc, test_toolbox_ws_follow_ends_on_session_delete);
	tcase_add_test(tc, test_toolbox_sigterm_cleans_up);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_toolbox_upload_chunked_binary);
	tcase_add_test(tc, test_toolbox_upload_refuses_escapes);
	tcase_add_test(tc, test_toolbox_bulk_download_parts);
	tcase_add_test(tc, test_toolbox_files_folder_list_info_delete);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_toolbox_misc_endpoints);
	tcase_add_test(tc, test_toolbox_forward_connects_and_refuses);
	tcase_add_test(tc, test_toolbox_survives_broken_clients);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(toolbox_suite()) ? 1 : 0;
}
