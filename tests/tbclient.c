#include "tbclient.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long tbc_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

bool tbc_wait_file(const char *path, int timeout_ms)
{
	long end = tbc_ms() + timeout_ms;

	while (access(path, F_OK) != 0) {
		if (tbc_ms() > end)
			return false;
		usleep(2000);
	}
	return true;
}

bool tbc_start(struct tbc_daemon *d)
{
	char *ready, *log, *bin;

	memset(d, 0, sizeof(*d));
	d->dir = tu_tmpdir();
	d->home = rv_xasprintf("%s/home", d->dir);
	d->sock_dir = rv_xasprintf("%s/sock", d->dir);
	d->toolbox_sock = rv_xasprintf("%s/toolbox.sock", d->sock_dir);
	d->forward_sock = rv_xasprintf("%s/forward.sock", d->sock_dir);
	if (mkdir(d->home, 0755) || mkdir(d->sock_dir, 0755))
		return false;
	log = rv_xasprintf("%s/daemon.log", d->dir);
	bin = tu_build_path("daytona-lite");
	d->pid = fork();
	if (d->pid == 0) {
		char *argv[] = { bin, "toolbox", "--socket-dir", d->sock_dir,
				 "--home", d->home, NULL };
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);	/* a failed check _exits */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(bin, argv);
		_exit(127);
	}
	free(bin);
	free(log);
	if (d->pid < 0)
		return false;
	setpgid(d->pid, d->pid);
	ready = rv_xasprintf("%s/ready", d->sock_dir);
	if (!tbc_wait_file(ready, 10000)) {
		free(ready);
		return false;
	}
	free(ready);
	return true;
}

char *tbc_log(const struct tbc_daemon *d)
{
	char *path = rv_xasprintf("%s/daemon.log", d->dir);
	char *s = tu_read_file(path, NULL);

	free(path);
	return s ? s : rv_xstrdup("");
}

int tbc_stop(struct tbc_daemon *d)
{
	int status = 0;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		for (int i = 0; i < 500; i++) {
			if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
				d->pid = 0;
				break;
			}
			usleep(10000);
		}
		if (d->pid > 0) {
			kill(-d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
		}
	}
	if (d->dir && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char *log = tbc_log(d);

		fprintf(stderr, "toolbox daemon log:\n%s\n", log);
		free(log);
	}
	if (d->dir)
		tu_rmrf(d->dir);
	free(d->dir);
	free(d->home);
	free(d->sock_dir);
	free(d->toolbox_sock);
	free(d->forward_sock);
	memset(d, 0, sizeof(*d));
	return status;
}

long tbc_call(const struct tbc_daemon *d, const char *method, const char *path,
	      const char *body, const char *version, struct tbc_resp *out)
{
	char *url = rv_xasprintf("http://toolbox%s", path);
	char *vh = version ? rv_xasprintf("X-Daytona-SDK-Version: %s", version) :
		NULL;
	const char *headers[] = { "Content-Type: application/json", vh, NULL };
	struct rv_http_request req = {
		.method = method, .url = url, .unix_socket = d->toolbox_sock,
		.headers = headers, .body = body,
		.body_len = body ? strlen(body) : 0, .timeout_ms = 30000,
	};
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;

	rv_http_do(&req, &resp, NULL);
	out->status = resp.status;
	out->body = resp.body;
	out->headers = resp.headers;
	free(url);
	free(vh);
	return out->status;
}

void tbc_resp_release(struct tbc_resp *r)
{
	rv_buf_release(&r->body);
	rv_buf_release(&r->headers);
}

json_t *tbc_json(const struct tbc_resp *r)
{
	return json_loadb(r->body.data, r->body.len, JSON_ALLOW_NUL, NULL);
}

int tbc_unix_connect(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Read into b until EOF, the timeout, or want bytes after the headers. */
static void tbc_read_reply(int fd, struct rv_buf *b, int timeout_ms)
{
	long end = tbc_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char buf[65536], *hdr_end;
		ssize_t n;

		if (poll(&p, 1, (int)(end - tbc_ms())) <= 0)
			return;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		rv_buf_add(b, buf, (size_t)n);
		hdr_end = strstr(b->data, "\r\n\r\n");
		if (hdr_end) {
			char *cl = strcasestr(b->data, "\ncontent-length:");
			size_t hl = (size_t)(hdr_end - b->data) + 4;

			if (cl && cl < hdr_end &&
			    b->len >= hl + strtoul(cl + 16, NULL, 10))
				return;
		}
	}
}

bool tbc_raw(const char *sock, const char *req, size_t len, size_t piece,
	     long *status, struct rv_buf *body)
{
	int fd = tbc_unix_connect(sock);
	struct rv_buf all = RV_BUF_INIT;
	char *hdr_end;
	bool ok = fd >= 0;

	for (size_t off = 0; ok && off < len; off += piece)
		ok = rv_write_all(fd, req + off, len - off < piece ?
				  len - off : piece) == 0;
	if (ok)
		tbc_read_reply(fd, &all, 30000);
	if (fd >= 0)
		close(fd);
	*status = 0;
	if (all.len > 12 && !strncmp(all.data, "HTTP/1.", 7))
		*status = strtol(all.data + 9, NULL, 10);
	hdr_end = strstr(all.data, "\r\n\r\n");
	if (hdr_end)
		rv_buf_add(body, hdr_end + 4, all.len - (size_t)(hdr_end + 4 -
							       all.data));
	rv_buf_release(&all);
	return ok && *status;
}

/* Read exactly n bytes (with a deadline). */
static bool tbc_read_n(int fd, char *p, size_t n, long end)
{
	while (n) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pf, 1, (int)(end - tbc_ms())) <= 0)
			return false;
		r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

bool tbc_ws_follow(const char *sock, const char *path, const char *version,
		   int timeout_ms, struct tbc_ws *ws)
{
	long end = tbc_ms() + timeout_ms;
	int fd = tbc_unix_connect(sock);
	struct rv_buf req = RV_BUF_INIT, hdr = RV_BUF_INIT;
	char c;
	bool ok = false;

	memset(ws, 0, sizeof(*ws));
	rv_buf_init(&ws->data);
	ws->close_code = -1;
	if (fd < 0)
		return false;
	rv_buf_addf(&req, "GET %s HTTP/1.1\r\nHost: toolbox\r\n"
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		    "Sec-WebSocket-Version: 13\r\n", path);
	if (version)
		rv_buf_addf(&req, "X-Daytona-SDK-Version: %s\r\n", version);
	rv_buf_adds(&req, "\r\n");
	if (rv_write_all(fd, req.data, req.len) < 0)
		goto out;
	while (!strstr(hdr.data, "\r\n\r\n") && tbc_read_n(fd, &c, 1, end))
		rv_buf_addch(&hdr, c);
	if (hdr.len > 12)
		ws->status = (int)strtol(hdr.data + 9, NULL, 10);
	if (ws->status != 101)
		goto out;
	for (;;) {
		unsigned char h[2], ext[8];
		uint64_t len;
		char *payload;
		int op;

		if (!tbc_read_n(fd, (char *)h, 2, end))
			break;
		op = h[0] & 0x0f;
		len = h[1] & 0x7f;
		if (len == 126 || len == 127) {
			size_t k = len == 126 ? 2 : 8;

			if (!tbc_read_n(fd, (char *)ext, k, end))
				break;
			len = 0;
			for (size_t i = 0; i < k; i++)
				len = len << 8 | ext[i];
		}
		payload = rv_xmalloc(len + 1);
		if (!tbc_read_n(fd, payload, len, end)) {
			free(payload);
			break;
		}
		if (op == 2 || op == 0) {
			rv_buf_add(&ws->data, payload, len);
			ws->frames++;
			if (len > ws->max_frame)
				ws->max_frame = len;
		} else if (op == 8) {
			ws->close_code = len >= 2 ? ((unsigned char)payload[0]
				<< 8 | (unsigned char)payload[1]) : 1005;
			free(payload);
			ok = true;
			break;
		}
		free(payload);
	}
out:
	close(fd);
	rv_buf_release(&req);
	rv_buf_release(&hdr);
	return ok;
}
