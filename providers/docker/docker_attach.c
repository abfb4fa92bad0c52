/* docker_attach: bytes into a container's stdin (see docker_attach.h). */
#include "docker_attach.h"

#include "rv_alloc.h"
#include "rv_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DA_HEAD_MAX 8192
#define DA_SLICE_MS 50

struct docker_stdin {
	int fd;
	char *id;
	const struct rv_buf *const *parts;
	size_t n;
	enum rv_code (*prep)(void *arg);
	void *prep_arg;
	enum rv_code prep_rc;
	int prepped;			/* atomic: prep has run */
	pthread_t thread;
	bool threaded;
	uint64_t t0;			/* when the writing began */
	volatile int abort;		/* give up (set by finish) */
	int done;			/* atomic: the writer ended */
	int error;			/* its errno, 0 = all written */
};

static void da_log(const struct remote_call *call, const char *op, double ms,
		   long status, const char *error)
{
	struct provider_attempt *a;

	if (!call || !call->log)
		return;
	a = provider_attempts_add(call->log);
	snprintf(a->op, sizeof(a->op), "%s", op);
	a->ms = ms;
	a->status = status;
	snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
}

/* Wait for fd to be ready for events until end; false on timeout/stop. */
static bool da_wait(int fd, short events, uint64_t end,
		    const volatile int *stop)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		uint64_t now = rv_now_ns();
		int ms;

		if ((stop && *stop) || now >= end)
			return false;
		ms = (int)((end - now) / RV_NS_PER_MS) + 1;
		if (poll(&p, 1, ms < DA_SLICE_MS ? ms : DA_SLICE_MS) > 0)
			return true;
	}
}

static int da_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Write all of data before end; an errno, or 0. */
static int da_write(int fd, const char *data, size_t len, uint64_t end,
		    const volatile int *stop)
{
	while (len) {
		ssize_t w = send(fd, data, len, MSG_NOSIGNAL);

		if (w > 0) {
			data += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (!da_wait(fd, POLLOUT, end, stop))
			return ETIMEDOUT;
	}
	return 0;
}

/* The answer's head, up to its blank line, into head. */
static int da_read_head(int fd, char *head, size_t cap, uint64_t end,
			const volatile int *stop)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t r = recv(fd, head + len, 1, 0);	/* no more than it */

		if (r > 0) {
			len++;
			head[len] = '\0';
			if (len >= 4 && !memcmp(head + len - 4, "\r\n\r\n", 4))
				return 0;
			continue;
		}
		if (r == 0)
			return ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return errno;
		if (!da_wait(fd, POLLIN, end, stop))
			return ETIMEDOUT;
	}
	return EMSGSIZE;
}

enum rv_code docker_stdin_open(struct docker_client *c, const char *id,
			       const struct remote_call *call,
			       struct docker_stdin **out, struct rv_err *err)
{
	static const char op[] = "POST /containers/{id}/attach";
	uint64_t t0 = rv_now_ns(), end = remote_deadline(call, 30000);
	const volatile int *stop = call ? call->stop : NULL;
	char *req, head[DA_HEAD_MAX];
	int fd, e;
	long status = 0;
	enum rv_code rc = RV_OK;

	*out = NULL;
	fd = da_connect(docker_client_socket(c));
	if (fd < 0) {
		rc = rv_errf(err, RV_ERR_CONNECT, "cannot attach to container "
			     "'%s': cannot connect to '%s': %s", id,
			     docker_client_socket(c), strerror(errno));
		da_log(call, op, rv_ns_to_ms(rv_now_ns() - t0), 0, err ?
		       err->msg : NULL);
		return rc;
	}
	req = rv_xasprintf("POST /v%s/containers/%s/attach?stream=1&stdin=1 "
			   "HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\n"
			   "Connection: Upgrade\r\nContent-Length: 0\r\n\r\n",
			   docker_client_version(c), id);
	e = da_write(fd, req, strlen(req), end, stop);
	if (!e)
		e = da_read_head(fd, head, sizeof(head), end, stop);
	free(req);
	if (e) {
		rc = rv_errf(err, stop && *stop ? RV_ERR_INTR : e == ETIMEDOUT ?
			     RV_ERR_TIMEOUT : RV_ERR_IO, "cannot attach to "
			     "container '%s': %s", id, strerror(e));
	} else if (sscanf(head, "HTTP/1.%*d %ld", &status) != 1 ||
		   (status != 101 && status != 200)) {
		char *nl = strstr(head, "\r\n");

		if (nl)
			*nl = '\0';
		rc = rv_errf(err, RV_ERR_PROVIDER, "cannot attach to container "
			     "'%s': %.120s", id, head);
	}
	da_log(call, op, rv_ns_to_ms(rv_now_ns() - t0), status,
	       rc != RV_OK && err ? err->msg : NULL);
	if (rc != RV_OK) {
		close(fd);
		return rc;
	}
	*out = rv_xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	(*out)->id = rv_xstrdup(id);
	return RV_OK;
}

static void *da_writer(void *arg)
{
	struct docker_stdin *s = arg;
	/* its own deadline: finish gives up on it by abort */
	uint64_t end = rv_now_ns() + 24ull * 3600 * RV_NS_PER_SEC;
	int e = 0;

	if (s->prep)
		s->prep_rc = s->prep(s->prep_arg);
	__atomic_store_n(&s->prepped, 1, __ATOMIC_RELEASE);
	if (s->prep_rc != RV_OK)
		e = ECANCELED;
	for (size_t i = 0; !e && i < s->n; i++)
		if (s->parts[i] && s->parts[i]->len)
			e = da_write(s->fd, s->parts[i]->data,
				     s->parts[i]->len, end, &s->abort);
	if (!e && shutdown(s->fd, SHUT_WR) < 0)
		e = errno;
	s->error = e;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

void docker_stdin_send(struct docker_stdin *s, const struct rv_buf *const *parts,
		       size_t n, enum rv_code (*prep)(void *arg), void *arg)
{
	s->parts = parts;
	s->n = n;
	s->prep = prep;
	s->prep_arg = arg;
	s->t0 = rv_now_ns();
	if (pthread_create(&s->thread, NULL, da_writer, s) == 0) {
		s->threaded = true;
	} else {
		s->error = EAGAIN;
		s->prep_rc = RV_ERR_INTERNAL;
		s->prepped = s->done = 1;
	}
}

enum rv_code docker_stdin_prepared(struct docker_stdin *s,
				   const struct remote_call *call)
{
	uint64_t end = remote_deadline(call, 60000);

	while (!__atomic_load_n(&s->prepped, __ATOMIC_ACQUIRE)) {
		if (rv_now_ns() >= end || remote_stopped(call))
			return remote_stopped(call) ? RV_ERR_INTR :
				RV_ERR_TIMEOUT;
		rv_sleep_ns(RV_NS_PER_MS, NULL);
	}
	return s->prep_rc;
}

bool docker_stdin_sent(struct docker_stdin *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != 0;
}

enum rv_code docker_stdin_finish(struct docker_stdin *s, bool now,
				 const struct remote_call *call,
				 struct rv_err *err)
{
	uint64_t end = remote_deadline(call, 60000);
	enum rv_code rc = RV_OK;

	if (!s)
		return RV_OK;
	while (!now && s->threaded && !__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) &&
	       rv_now_ns() < end && !remote_stopped(call))
		rv_sleep_ns(RV_NS_PER_MS, NULL);
	s->abort = 1;
	if (s->threaded)
		pthread_join(s->thread, NULL);
	if (s->error)
		rc = rv_errf(err, remote_stopped(call) ? RV_ERR_INTR :
			     s->error == ETIMEDOUT ? RV_ERR_TIMEOUT : RV_ERR_IO,
			     "cannot send the app to container '%s': %s",
			     s->id, strerror(s->error));
	if (s->t0)
		da_log(call, "POST /containers/{id}/attach (stdin)",
		       rv_ns_to_ms(rv_now_ns() - s->t0), 101,
		       rc != RV_OK && err ? err->msg : NULL);
	close(s->fd);
	free(s->id);
	free(s);
	return rc;
}
