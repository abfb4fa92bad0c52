/* bwrap_relay: 127.0.0.1:<free port> to a port inside the sandbox. */
#include "bwrap_relay.h"

#include "lite_unix.h"
#include "rv_alloc.h"
#include "rv_fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BUF (64 * 1024)
#define RELAY_MAX_CONNS 256
#define RELAY_LINE_MAX 64

static const char relay_502[] = "HTTP/1.1 502 Bad Gateway\r\n"
	"Content-Type: text/plain\r\nContent-Length: 36\r\n"
	"Connection: close\r\n\r\nnothing listens on the sandbox port\n";

/* One direction of a connection. */
struct relay_dir {
	char buf[RELAY_BUF];
	size_t len, off;
	bool eof;		/* the source is done */
	bool shut;		/* the sink was shut down for writing */
};

struct relay_conn {
	int client, up;
	bool open;		/* the forwarder said OK */
	char line[RELAY_LINE_MAX];
	size_t line_len;
	struct relay_dir c2u, u2c;
};

struct bwrap_relay {
	char *sock;
	int port;
	int listen_fd;
	int wake[2];		/* a byte here: stop */
	pthread_t thread;
	struct relay_conn *conns[RELAY_MAX_CONNS];
	size_t n;
};

static void relay_conn_free(struct relay_conn *c)
{
	if (c->client >= 0)
		close(c->client);
	if (c->up >= 0)
		close(c->up);
	free(c);
}

/* A new client: dial the forwarder and ask for the port. */
static void relay_accept(struct bwrap_relay *r)
{
	int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC |
			 SOCK_NONBLOCK), one = 1;
	struct relay_conn *c;
	char req[32];
	int n;

	if (fd < 0)
		return;
	if (r->n == RELAY_MAX_CONNS) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = rv_xcalloc(1, sizeof(*c));
	c->client = fd;
	c->up = lite_unix_connect(r->sock);
	n = snprintf(req, sizeof(req), "CONNECT %d\n", r->port);
	/* a fresh socket's buffer takes a line at once */
	if (c->up < 0 || send(c->up, req, (size_t)n, MSG_NOSIGNAL) != n) {
		rv_write_all(fd, relay_502, sizeof(relay_502) - 1);
		relay_conn_free(c);
		return;
	}
	r->conns[r->n++] = c;
}

/* The forwarder's answer, byte by byte (nothing past it is consumed). */
static bool relay_handshake(struct relay_conn *c)
{
	char ch;
	ssize_t n;

	while ((n = recv(c->up, &ch, 1, 0)) == 1) {
		if (ch == '\n') {
			c->line[c->line_len] = '\0';
			if (strcmp(c->line, "OK"))
				goto refused;
			c->open = true;
			return true;
		}
		if (c->line_len + 1 >= sizeof(c->line))
			goto refused;
		c->line[c->line_len++] = ch;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
refused:
	rv_write_all(c->client, relay_502, sizeof(relay_502) - 1);
	return false;
}

/* Move what can move from -> d -> to; false when the pair is done. */
static bool relay_pump(int from, int to, struct relay_dir *d)
{
	ssize_t n;

	if (!d->eof && d->len < sizeof(d->buf)) {
		n = recv(from, d->buf + d->len, sizeof(d->buf) - d->len, 0);
		if (n > 0)
			d->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			d->eof = true;
	}
	while (d->off < d->len) {
		n = send(to, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return false;
		}
		d->off += (size_t)n;
	}
	if (d->off == d->len)
		d->off = d->len = 0;
	if (d->eof && !d->len && !d->shut) {
		shutdown(to, SHUT_WR);
		d->shut = true;
	}
	return true;
}

/* Serve one connection after poll; false when it is over. */
static bool relay_serve(struct relay_conn *c)
{
	if (!c->open && !relay_handshake(c))
		return false;
	if (!c->open)
		return true;
	if (!relay_pump(c->client, c->up, &c->c2u) ||
	    !relay_pump(c->up, c->client, &c->u2c))
		return false;
	return !(c->c2u.shut && c->u2c.shut);
}

static short relay_events(const struct relay_dir *d)
{
	return (short)(!d->eof && d->len < sizeof(d->buf) ? POLLIN : 0);
}

static void *relay_main(void *arg)
{
	struct bwrap_relay *r = arg;
	struct pollfd *p = rv_xcalloc(2 + 2 * RELAY_MAX_CONNS, sizeof(*p));

	for (;;) {
		size_t k = 2;

		p[0] = (struct pollfd){ .fd = r->wake[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = r->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < r->n; i++) {
			struct relay_conn *c = r->conns[i];

			p[k++] = (struct pollfd){ .fd = c->client, .events =
				(short)((c->open ? relay_events(&c->c2u) : 0) |
					(c->u2c.len ? POLLOUT : 0)) };
			p[k++] = (struct pollfd){ .fd = c->up, .events =
				(short)(c->open ? relay_events(&c->u2c) |
					(c->c2u.len ? POLLOUT : 0) : POLLIN) };
		}
		if (poll(p, k, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		for (size_t i = 0; i < r->n;) {
			short ev = p[2 + 2 * i].revents | p[3 + 2 * i].revents;

			if (!ev || relay_serve(r->conns[i])) {
				i++;
				continue;
			}
			relay_conn_free(r->conns[i]);
			r->conns[i] = r->conns[--r->n];
			/* its poll slots move too */
			p[2 + 2 * i] = p[2 + 2 * r->n];
			p[3 + 2 * i] = p[3 + 2 * r->n];
		}
		if (p[1].revents & POLLIN)
			relay_accept(r);
	}
	free(p);
	return NULL;
}

static int relay_listen(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

enum rv_code bwrap_relay_start(const char *forward_sock, int port,
			       struct bwrap_relay **out, int *local_port,
			       struct rv_err *err)
{
	struct bwrap_relay *r = rv_xcalloc(1, sizeof(*r));

	*out = NULL;
	r->wake[0] = r->wake[1] = -1;
	r->port = port;
	r->sock = rv_xstrdup(forward_sock);
	r->listen_fd = relay_listen(local_port);
	if (r->listen_fd < 0 || pipe2(r->wake, O_CLOEXEC) < 0 ||
	    pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		int e = errno;

		if (r->listen_fd >= 0)
			close(r->listen_fd);
		for (int i = 0; i < 2; i++)
			if (r->wake[i] >= 0)
				close(r->wake[i]);
		free(r->sock);
		free(r);
		return rv_errf(err, RV_ERR_IO, "preview: cannot relay port %d: "
			       "%s", port, strerror(e));
	}
	*out = r;
	return RV_OK;
}

int bwrap_relay_target(const struct bwrap_relay *r)
{
	return r->port;
}

void bwrap_relay_stop(struct bwrap_relay *r)
{
	if (!r)
		return;
	rv_write_all(r->wake[1], "x", 1);
	pthread_join(r->thread, NULL);
	for (size_t i = 0; i < r->n; i++)
		relay_conn_free(r->conns[i]);
	close(r->listen_fd);
	close(r->wake[0]);
	close(r->wake[1]);
	free(r->sock);
	free(r);
}
