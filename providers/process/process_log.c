/* process_log: a task app's output, redacted, into its log file. */
#include "process_log.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_redact.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* What a pump still reads once told to stop (a writer may not end). */
#define PROCESS_LOG_DRAIN_MAX (4u << 20)

struct process_log {
	pthread_t thread;
	int rfd;
	int stop[2];			/* a byte on stop[1]: stop */
	struct rv_redact_stream out;	/* owns the log file's fd */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool busy;			/* between a read and its write */
	bool ended;			/* the pump is done */
};

static bool pl_pipe_empty(const struct process_log *pl)
{
	int n = 0;

	return ioctl(pl->rfd, FIONREAD, &n) < 0 || n == 0;
}

static void pl_set(struct process_log *pl, bool *flag, bool v)
{
	pthread_mutex_lock(&pl->lock);
	*flag = v;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

/* One read into the stream; false at the end of the pipe. */
static bool pl_read(struct process_log *pl, char *buf, size_t size,
		    size_t *total)
{
	ssize_t r = read(pl->rfd, buf, size);

	if (r < 0)
		return errno == EINTR;
	if (r == 0)
		return false;
	rv_redact_stream_write(&pl->out, buf, (size_t)r);
	if (total)
		*total += (size_t)r;
	return true;
}

static void *pl_run(void *arg)
{
	struct process_log *pl = arg;
	char buf[16384];
	bool open = true;
	size_t drained = 0;

	while (open) {
		struct pollfd pfd[2] = {
			{ .fd = pl->rfd, .events = POLLIN },
			{ .fd = pl->stop[0], .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		pl_set(pl, &pl->busy, true);
		open = pl_read(pl, buf, sizeof(buf), NULL);
		/* the app is quiet: a partial line goes out too (but a
		   possible secret's start waits for the rest) */
		if (open && pl_pipe_empty(pl))
			rv_redact_stream_flush(&pl->out);
		pl_set(pl, &pl->busy, false);
	}
	/* told to stop: what is in the pipe now, then no more */
	(void)fcntl(pl->rfd, F_SETFL, O_NONBLOCK);
	while (open && drained < PROCESS_LOG_DRAIN_MAX)
		open = pl_read(pl, buf, sizeof(buf), &drained);
	rv_redact_stream_finish(&pl->out);
	pl_set(pl, &pl->ended, true);
	return NULL;
}

enum rv_code process_log_start(int rfd, int log_fd, unsigned long long limit,
			       struct process_log **out, struct rv_err *err)
{
	struct process_log *pl = rv_xcalloc(1, sizeof(*pl));
	int e;

	*out = NULL;
	pl->rfd = rfd;
	rv_redact_stream_init(&pl->out, log_fd, limit);
	if (pipe2(pl->stop, O_CLOEXEC) < 0) {
		e = errno;
		goto fail;
	}
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->cond, NULL);
	e = pthread_create(&pl->thread, NULL, pl_run, pl);
	if (e) {
		pthread_cond_destroy(&pl->cond);
		pthread_mutex_destroy(&pl->lock);
		close(pl->stop[0]);
		close(pl->stop[1]);
		goto fail;
	}
	*out = pl;
	return RV_OK;
fail:
	close(rfd);
	close(log_fd);
	rv_redact_stream_release(&pl->out);
	free(pl);
	return rv_errf(err, RV_ERR_IO, "cannot start the log writer: %s",
		       strerror(e));
}

/* Wait on the pump's condition until done(pl) or the deadline. */
static void pl_wait(struct process_log *pl, long wait_ms,
		    bool (*done)(struct process_log *pl))
{
	uint64_t end = rv_now_ns() + (uint64_t)wait_ms * RV_NS_PER_MS;

	pthread_mutex_lock(&pl->lock);
	while (!done(pl) && rv_now_ns() < end) {
		struct timespec ts;

		/* the pipe fills without a signal: look again every 5 ms */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 5 * RV_NS_PER_MS;
		if (ts.tv_nsec >= (long)RV_NS_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= (long)RV_NS_PER_SEC;
		}
		pthread_cond_timedwait(&pl->cond, &pl->lock, &ts);
	}
	pthread_mutex_unlock(&pl->lock);
}

/* Lock held. */
static bool pl_synced(struct process_log *pl)
{
	return pl->ended || (!pl->busy && pl_pipe_empty(pl));
}

static bool pl_ended(struct process_log *pl)
{
	return pl->ended;
}

void process_log_sync(struct process_log *pl, long wait_ms)
{
	if (pl)
		pl_wait(pl, wait_ms, pl_synced);
}

void process_log_stop(struct process_log *pl, long wait_ms)
{
	char c = 0;
	ssize_t n;

	if (!pl)
		return;
	pl_wait(pl, wait_ms, pl_ended);
	n = write(pl->stop[1], &c, 1);	/* an empty pipe takes it */
	(void)n;
	pthread_join(pl->thread, NULL);
	close(pl->stop[0]);
	close(pl->stop[1]);
	close(pl->rfd);
	if (pl->out.fd >= 0)
		close(pl->out.fd);
	rv_redact_stream_release(&pl->out);
	pthread_cond_destroy(&pl->cond);
	pthread_mutex_destroy(&pl->lock);
	free(pl);
}

long long process_log_tail(struct process_log *pl, const char *path,
			   size_t max, struct rv_buf *out)
{
	return rv_redact_stream_read_tail(pl ? &pl->out : NULL, path, max,
					  out);
}
