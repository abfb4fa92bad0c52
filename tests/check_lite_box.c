/*
 * daytona-lite's sandboxes and relays: isolation, previews, the toolbox
 * proxy, streaming and WebSocket-style upgrades, process clean-up.
 */
#include "testutil.h"
#include "lite_util.h"

#include "rv_alloc.h"
#include "rv_json.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


/* A small HTTP server for inside sandboxes (python3, no packages). */
static const char echo_py[] =
"import socket, sys, threading\n"
"def handle(c):\n"
"    f = c.makefile('rb')\n"
"    line = f.readline()\n"
"    h = {}\n"
"    while True:\n"
"        l = f.readline()\n"
"        if l in (b'\\r\\n', b'\\n', b''): break\n"
"        k, v = l.decode().split(':', 1); h[k.strip().lower()] = v.strip()\n"
"    method, path, _ = line.decode().split()\n"
"    if h.get('upgrade'):\n"
"        c.sendall(b'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo'\n"
"                  b'\\r\\nConnection: Upgrade\\r\\n\\r\\n')\n"
"        while True:\n"
"            d = f.read1(65536)\n"
"            if not d: break\n"
"            c.sendall(d)\n"
"        c.close(); return\n"
"    n = 0\n"
"    if h.get('transfer-encoding') == 'chunked':\n"
"        while True:\n"
"            size = int(f.readline().split(b';')[0], 16)\n"
"            if size == 0: f.readline(); break\n"
"            n += len(f.read(size)); f.readline()\n"
"    elif 'content-length' in h:\n"
"        n = len(f.read(int(h['content-length'])))\n"
"    if path.startswith('/big/'):\n"
"        body = b'x' * int(path[5:])\n"
"    else:\n"
"        body = ('%s %s %d key=%s auth=%s' % (method, path, n,\n"
"                h.get('x-api-key', '-'), h.get('authorization', '-')))\n"
"        body = body.encode()\n"
"    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n'\n"
"              b'Connection: close\\r\\n\\r\\n' % len(body) + body)\n"
"    c.close()\n"
TL_PY_SERVE;

/* Start the echo server on port in sandbox id and wait until it answers. */
static void start_echo(const char *id, int port)
{
	tl_start_app(&tl_srv, id, "echo", echo_py, port);
}

START_TEST(test_lite_port_8000_twice)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	const char *ids[2] = { a, b };

	/* nothing listens yet: 502 */
	ck_assert_int_eq(tl_preview(&tl_srv, a, 8000, "/", true, &r), 502);
	rv_http_response_release(&r);
	for (int i = 0; i < 2; i++) {
		char *cmd = rv_xasprintf("mkdir -p /tmp/www && echo I am %s > "
					 "/tmp/www/who && cd /tmp/www && nohup "
					 "python3 -m http.server 8000 --bind "
					 "127.0.0.1 >/dev/null 2>&1 &", ids[i]);

		free(tl_exec(&tl_srv, ids[i], cmd, NULL));
		free(cmd);
	}
	for (int i = 0; i < 2; i++) {
		char *want = rv_xasprintf("I am %s\n", ids[i]);
		long st = 0;

		for (int t = 0; t < 500 && st != 200; t++) {
			rv_http_response_release(&r);
			st = tl_preview(&tl_srv, ids[i], 8000, "/who", true, &r);
			if (st != 200)
				usleep(10000);
		}
		ck_assert_int_eq(st, 200);
		ck_assert_str_eq(r.body.data, want);
		rv_http_response_release(&r);
		/* no token: refused */
		ck_assert_int_eq(tl_preview(&tl_srv, ids[i], 8000, "/who", false,
					    &r), 401);
		rv_http_response_release(&r);
		free(want);
	}
	/* a signed URL needs no token, and opens only its port */
	{
		char *p = rv_xasprintf("/sandbox/%s/ports/8000/"
				       "signed-preview-url?expiresInSeconds=60",
				       a);
		json_t *sl = NULL;
		char *url, *other;

		ck_assert_int_eq(tl_api(&tl_srv, "GET", p, NULL, &sl), 200);
		url = rv_xasprintf("%s/who", rv_json_str(sl, "url"));
		ck_assert_int_eq(tl_req(&tl_srv, "GET", url, NULL, NULL, &r),
				 200);
		ck_assert(strstr(r.body.data, a));
		rv_http_response_release(&r);
		other = rv_xasprintf("http://8001-%s.localhost:%d/who",
				     rv_json_str(sl, "token"), tl_srv.port);
		ck_assert_int_eq(tl_req(&tl_srv, "GET", other, NULL, NULL, &r),
				 404);
		rv_http_response_release(&r);
		json_decref(sl);
		free(other);
		free(url);
		free(p);
	}
	free(a);
	free(b);
}
END_TEST

START_TEST(test_lite_isolation)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	char *marker = rv_xasprintf("sleep 6%d1", (int)getpid());
	char *cmd = rv_xasprintf("echo s > /home/daytona/secret; echo s > "
				 "/tmp/secret; nohup %s >/dev/null 2>&1 &",
				 marker);
	char *ps = rv_xasprintf("pgrep -c -x -f '%s'", marker);
	char *out;
	int code;

	free(tl_exec(&tl_srv, a, cmd, NULL));
	ck_assert(tl_wait_procs(marker, 1, 3000));	/* it runs */
	out = tl_exec(&tl_srv, b, "ls /home/daytona /tmp", NULL);
	ck_assert_ptr_null(strstr(out, "secret"));
	free(out);
	/* b sees only its own processes */
	out = tl_exec(&tl_srv, b, ps, NULL);
	ck_assert_str_eq(out, "0\n");
	free(out);
	out = tl_exec(&tl_srv, a, ps, NULL);
	ck_assert_str_eq(out, "1\n");
	free(out);
	/* the host: read-only system, no secrets, no state directory */
	free(tl_exec(&tl_srv, b, "cat /etc/shadow", &code));
	ck_assert_int_ne(code, 0);
	free(tl_exec(&tl_srv, b, "touch /usr/x", &code));
	ck_assert_int_ne(code, 0);
	out = tl_exec(&tl_srv, b, "id -un; ls /", NULL);
	ck_assert_ptr_nonnull(strstr(out, "daytona\n"));
	ck_assert_ptr_null(strstr(out, "root\n"));
	free(out);
	free(cmd);
	cmd = rv_xasprintf("ls %s", tl_srv.state_dir);
	free(tl_exec(&tl_srv, b, cmd, &code));
	ck_assert_int_ne(code, 0);

	/* delete: a's processes and files are gone */
	ck_assert_int_eq(tl_count_procs(marker), 1);
	free(cmd);
	cmd = rv_xasprintf("/sandbox/%s", a);
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", cmd, NULL, NULL), 200);
	ck_assert_int_eq(tl_count_procs(marker), 0);
	free(cmd);
	cmd = rv_xasprintf("%s/sandboxes/%s", tl_srv.state_dir, a);
	ck_assert_int_ne(access(cmd, F_OK), 0);
	free(cmd);
	free(ps);
	free(marker);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_lite_relay_headers_and_streams)
{
	char *a = tl_create(&tl_srv, NULL);
	json_t *pl = tl_preview_link(&tl_srv, a, 8001);
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *url, *tok, *big;
	const char *hdrs[4];

	start_echo(a, 8001);
	tok = rv_xasprintf("X-Daytona-Preview-Token: %s",
			   rv_json_str(pl, "token"));
	url = rv_xasprintf("%s/echo?q=1", rv_json_str(pl, "url"));

	/* custom headers reach the app; daytona-lite's key does not */
	hdrs[0] = tok;
	hdrs[1] = "X-API-Key: app-key";
	hdrs[2] = NULL;
	ck_assert_int_eq(tl_req(&tl_srv, "GET", url, hdrs, NULL, &r), 200);
	ck_assert_str_eq(r.body.data, "GET /echo?q=1 0 key=app-key auth=-");
	rv_http_response_release(&r);
	hdrs[0] = "Authorization: Bearer " TL_KEY;
	ck_assert_int_eq(tl_req(&tl_srv, "GET", url, hdrs, NULL, &r), 200);
	ck_assert_str_eq(r.body.data, "GET /echo?q=1 0 key=app-key auth=-");
	rv_http_response_release(&r);

	/* 3 MB up (libcurl: Expect 100-continue), 5 MB down */
	hdrs[0] = tok;
	hdrs[1] = NULL;
	big = rv_xmalloc(3 << 20);
	memset(big, 'y', 3 << 20);
	big[(3 << 20) - 1] = '\0';
	ck_assert_int_eq(tl_req(&tl_srv, "POST", url, hdrs, big, &r), 200);
	ck_assert_str_eq(r.body.data, "POST /echo?q=1 3145727 key=- auth=-");
	rv_http_response_release(&r);
	free(big);
	free(url);
	url = rv_xasprintf("%s/big/5000000", rv_json_str(pl, "url"));
	ck_assert_int_eq(tl_req(&tl_srv, "GET", url, hdrs, NULL, &r), 200);
	ck_assert_uint_eq(r.body.len, 5000000);
	rv_http_response_release(&r);

	json_decref(pl);
	free(tok);
	free(url);
	free(a);
}
END_TEST

/* Read from fd until buf holds want bytes or the peer closes. */
static size_t read_some(int fd, char *buf, size_t size, const char *until)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, until))
			break;
	}
	buf[n] = '\0';
	return n;
}

START_TEST(test_lite_upgrade_tunnel)
{
	char *a = tl_create(&tl_srv, NULL);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	json_t *pl = tl_preview_link(&tl_srv, a, 8002);
	char buf[4096], *req;
	int fd;

	start_echo(a, 8002);
	req = rv_xasprintf("GET /ws HTTP/1.1\r\nHost: 8002-%s.localhost:%d\r\n"
			   "Upgrade: echo\r\nConnection: Upgrade\r\n"
			   "X-Daytona-Preview-Token: %s\r\n\r\n", a, tl_srv.port,
			   rv_json_str(pl, "token"));
	sa.sin_port = htons((unsigned short)tl_srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	read_some(fd, buf, sizeof(buf), "\r\n\r\n");
	ck_assert_msg(!strncmp(buf, "HTTP/1.1 101", 12), "got: %s", buf);
	/* bytes both ways, after the switch */
	ck_assert_int_eq(write(fd, "ping-1", 6), 6);
	read_some(fd, buf, sizeof(buf), "ping-1");
	ck_assert_str_eq(buf, "ping-1");
	ck_assert_int_eq(write(fd, "ping-2", 6), 6);
	read_some(fd, buf, sizeof(buf), "ping-2");
	ck_assert_str_eq(buf, "ping-2");
	close(fd);
	json_decref(pl);
	free(req);
	free(a);
}
END_TEST

START_TEST(test_lite_toolbox_proxy_auth)
{
	char *a = tl_create(&tl_srv, NULL);
	char *url = rv_xasprintf("/toolbox/%s/process/execute", a);
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	const char *hdrs[2] = { NULL, NULL };
	json_t *pl = tl_preview_link(&tl_srv, a, 1);
	char *tok;

	ck_assert_int_eq(tl_req(&tl_srv, "POST", url, NULL,
				"{\"command\":\"true\"}", &r), 401);
	rv_http_response_release(&r);
	tok = rv_xasprintf("X-Daytona-Preview-Token: %s",
			   rv_json_str(pl, "token"));
	hdrs[0] = tok;
	ck_assert_int_eq(tl_req(&tl_srv, "POST", url, hdrs,
				"{\"command\":\"echo ok\"}", &r), 200);
	ck_assert(strstr(r.body.data, "ok\\n"));
	rv_http_response_release(&r);
	free(url);
	url = rv_xasprintf("/toolbox/nope/version");
	hdrs[0] = "Authorization: Bearer " TL_KEY;
	ck_assert_int_eq(tl_req(&tl_srv, "GET", url, hdrs, NULL, &r), 404);
	rv_http_response_release(&r);
	json_decref(pl);
	free(tok);
	free(url);
	free(a);
}
END_TEST

START_TEST(test_lite_preview_fault_502)
{
	static const char *const flags[] = {
		"--fault-preview-502-ms", "60000", NULL,
	};
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *a;

	tl_free(&tl_srv);
	tl_start(&tl_srv, flags);
	a = tl_create(&tl_srv, NULL);
	free(tl_exec(&tl_srv, a, "nohup python3 -m http.server 8000 --bind "
		     "127.0.0.1 >/dev/null 2>&1 & sleep 0.3", NULL));
	ck_assert_int_eq(tl_preview(&tl_srv, a, 8000, "/", true, &r), 502);
	ck_assert(strstr(r.body.data, "simulated"));
	rv_http_response_release(&r);
	free(a);
}
END_TEST

/* A toolbox request with the API key; the status, the body in *out. */
static long toolbox(const char *id, const char *method, const char *rest,
		    const char *ctype, const char *body, char **out)
{
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	char *url = rv_xasprintf("/toolbox/%s%s", id, rest);
	char *ct = rv_xasprintf("Content-Type: %s", ctype ? ctype :
				"application/json");
	const char *hdrs[] = { "Authorization: Bearer " TL_KEY, ct, NULL };
	long st = tl_req(&tl_srv, method, url, hdrs, body, &r);

	if (out)
		*out = rv_xstrdup(r.body.data);
	rv_http_response_release(&r);
	free(ct);
	free(url);
	return st;
}

static char *upload_body(const char *path, const char *content)
{
	return rv_xasprintf("--XB\r\nContent-Disposition: form-data; "
			    "name=\"files[0].path\"\r\n\r\n%s\r\n--XB\r\n"
			    "Content-Disposition: form-data; name=\"files[0]"
			    ".file\"; filename=\"f\"\r\nContent-Type: "
			    "text/plain\r\n\r\n%s\r\n--XB--\r\n", path,
			    content);
}

/* Paths that leave the sandbox's home and /tmp are refused: 400. */
START_TEST(test_lite_paths_escaping)
{
	static const char *const bad[] = {
		"/files/download?path=%2Fetc%2Fpasswd",
		"/files/download?path=%2Fhome%2Fdaytona%2F..%2F..%2Fetc%2Fpasswd",
		"/files/download?path=..%2F..%2Fetc%2Fpasswd",
		"/files/download?path=%2Fhome%2Fdaytona%2Fetcl%2Fpasswd",
	};
	static const char mp[] = "multipart/form-data; boundary=XB";
	char *a = tl_create(&tl_srv, NULL);
	char *host, *body, *out = NULL;

	free(tl_exec(&tl_srv, a, "ln -s /etc /home/daytona/etcl", NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(toolbox(a, "GET", bad[i], NULL, NULL, NULL) ==
			      400, "not refused: %s", bad[i]);
	ck_assert_int_eq(toolbox(a, "POST", "/files/folder?path=%2Fhome%2F"
				 "daytona%2F..%2Fescaped&mode=755", NULL, NULL,
				 NULL), 400);
	body = upload_body("/home/daytona/../escaped.txt", "no");
	ck_assert_int_eq(toolbox(a, "POST", "/files/bulk-upload", mp, body,
				 NULL), 400);
	free(body);
	/* nothing reached the host beside the sandbox's home */
	host = rv_xasprintf("%s/sandboxes/%s/escaped.txt", tl_srv.state_dir, a);
	ck_assert_int_ne(access(host, F_OK), 0);
	free(host);
	host = rv_xasprintf("%s/sandboxes/%s/escaped", tl_srv.state_dir, a);
	ck_assert_int_ne(access(host, F_OK), 0);
	free(host);

	/* the same requests inside the home work */
	body = upload_body("/home/daytona/ok.txt", "yes");
	ck_assert_int_eq(toolbox(a, "POST", "/files/bulk-upload", mp, body,
				 NULL), 200);
	free(body);
	host = rv_xasprintf("%s/sandboxes/%s/home/ok.txt", tl_srv.state_dir, a);
	out = tu_read_file(host, NULL);
	ck_assert_str_eq(out, "yes");
	free(out);
	ck_assert_int_eq(toolbox(a, "GET", "/files/download?path=%2Fhome%2F"
				 "daytona%2Fok.txt", NULL, NULL, &out), 200);
	ck_assert_str_eq(out, "yes");
	free(out);
	free(host);
	free(a);
}
END_TEST

static Suite *lite_box_suite(void)
{
	Suite *s = suite_create("lite_box");
	TCase *tc = tl_tcase("core");

	tcase_add_test(tc, test_lite_port_8000_twice);
	tcase_add_test(tc, test_lite_isolation);
	tcase_add_test(tc, test_lite_relay_headers_and_streams);
	tcase_add_test(tc, test_lite_upgrade_tunnel);
	suite_add_tcase(s, tc);
	tc = tl_tcase("errors");
	tcase_add_test(tc, test_lite_toolbox_proxy_auth);
	tcase_add_test(tc, test_lite_paths_escaping);
	tcase_add_test(tc, test_lite_preview_fault_502);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(lite_box_suite()) ? 1 : 0;
}
