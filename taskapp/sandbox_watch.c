/*
 * sandbox_watch: the parent's supervision loop of one sandbox (see
 * sbx_watch() in sandbox_int.h).
 */
#include "sandbox_int.h"

#include "rv_clock.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Give up on a killed sandbox that still holds its status pipe. */
#define SBX_KILL_GRACE_NS (5 * RV_NS_PER_SEC)
#define SBX_TERM_GRACE_NS (2 * RV_NS_PER_SEC)
#define SBX_TICK_MS 50

struct sbx_watcher {
	pid_t pid;
	pid_t step_pid;		/* rlimits mode: the running step's group */
	int status_r;
	int *out_r;		/* the caller's, 2 per step; -1 once closed */
	const struct taskapp_sandbox_job *job;
	struct taskapp_sandbox_result *res;
	bool done[TASKAPP_SANDBOX_MAX_STEPS];	/* a final state is known */
	uint64_t step_start_ns;
	char recs[sizeof(struct sbx_record) * 8];
	size_t rec_len;
	bool setup_failed;
	int stage, err_no;
	uint64_t killed_at;	/* 0 = not asked to stop */
	bool hard_killed;
	bool gone;		/* the status pipe closed: the sandbox ended */
};

static void sbx_hard_kill(struct sbx_watcher *w)
{
	kill(-w->pid, SIGKILL);
	if (w->step_pid > 0)
		kill(-w->step_pid, SIGKILL);
	w->hard_killed = true;
}

/*
 * Stop the sandbox: ask its first process (SIGTERM) to kill what it
 * started and reap it (namespaces: PID 1, which takes the namespace with
 * it; rlimits: the steps), so that nothing is left for init to reap.
 * SIGKILL to the process groups after SBX_TERM_GRACE_NS.
 */
static void sbx_kill(struct sbx_watcher *w)
{
	if (w->killed_at)
		return;
	w->killed_at = rv_now_ns();
	kill(w->pid, SIGTERM);
}

/* The step running now, or -1. */
static int sbx_current(const struct sbx_watcher *w)
{
	for (size_t i = 0; i < w->job->nsteps; i++) {
		const struct taskapp_sandbox_result *r = &w->res[i];

		if (!w->done[i])
			return (int)i;
		if (r->end != TASKAPP_SANDBOX_EXITED || r->exit_code != 0)
			return -1;
	}
	return -1;
}

/* Give step i (the current one when i < 0) a final state, and kill. */
static void sbx_stop(struct sbx_watcher *w, int i, enum taskapp_sandbox_end end,
		     bool deadline)
{
	if (i < 0)
		i = sbx_current(w);
	if (i >= 0 && !w->done[i]) {
		w->res[i].end = end;
		w->res[i].deadline_hit = deadline;
		w->res[i].elapsed_ns = rv_now_ns() - w->step_start_ns;
		w->done[i] = true;
	}
	sbx_kill(w);
}

static void sbx_record(struct sbx_watcher *w, const struct sbx_record *r)
{
	struct taskapp_sandbox_result *res;

	if (r->kind == SBX_REC_SETUP) {
		w->setup_failed = true;
		w->stage = r->stage;
		w->err_no = r->err_no;
		return;
	}
	if (r->step < 0 || (size_t)r->step >= w->job->nsteps)
		return;
	if (r->kind == SBX_REC_START) {
		w->step_start_ns = rv_now_ns();
		if (taskapp_sandbox_mode() == TASKAPP_SANDBOX_RLIMITS)
			w->step_pid = r->pid;
		return;
	}
	w->step_pid = 0;
	if (w->done[r->step])
		return;		/* we stopped it first: keep our reason */
	res = &w->res[r->step];
	res->end = r->end;
	res->elapsed_ns = r->elapsed_ns;
	if (r->end == TASKAPP_SANDBOX_EXITED)
		res->exit_code = WEXITSTATUS(r->wait_status);
	else if (r->end == TASKAPP_SANDBOX_SIGNALLED)
		res->term_signal = WTERMSIG(r->wait_status);
	w->done[r->step] = true;
}

/* Read the status pipe; false at EOF. */
static bool sbx_read_status(struct sbx_watcher *w)
{
	for (;;) {
		ssize_t n = read(w->status_r, w->recs + w->rec_len,
				 sizeof(w->recs) - w->rec_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno == EAGAIN;
		w->rec_len += (size_t)n;
		while (w->rec_len >= sizeof(struct sbx_record)) {
			struct sbx_record r;

			memcpy(&r, w->recs, sizeof(r));
			w->rec_len -= sizeof(r);
			memmove(w->recs, w->recs + sizeof(r), w->rec_len);
			sbx_record(w, &r);
		}
	}
}

/*
 * Read stream k (step k / 2's stdout, or its stderr when k is odd) while
 * the step's two streams stay within its output limit; false at EOF.
 */
static bool sbx_read_output(struct sbx_watcher *w, size_t k)
{
	struct taskapp_sandbox_result *res = &w->res[k / 2];
	struct rv_buf *b = k % 2 ? &res->err_output : &res->output;
	size_t limit = w->job->steps[k / 2].lim.output_bytes;
	char buf[16384];

	for (;;) {
		ssize_t n = read(w->out_r[k], buf, sizeof(buf));
		size_t used = res->output.len + res->err_output.len, room;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				return true;
			close(w->out_r[k]);
			w->out_r[k] = -1;
			return false;
		}
		room = used < limit ? limit - used : 0;
		rv_buf_add(b, buf, (size_t)n < room ? (size_t)n : room);
		if ((size_t)n > room) {
			sbx_stop(w, (int)(k / 2), TASKAPP_SANDBOX_OUTPUT_LIMIT,
				 false);
			return true;
		}
	}
}

static int sbx_poll_ms(const struct sbx_watcher *w, uint64_t now)
{
	uint64_t ms = SBX_TICK_MS;

	if (w->job->deadline_ns && !w->killed_at) {
		uint64_t left = w->job->deadline_ns > now ?
			w->job->deadline_ns - now : 0;

		if (left / RV_NS_PER_MS < ms)
			ms = left / RV_NS_PER_MS + 1;
	}
	return (int)ms;
}

/* One round: checks, poll, reads.  false when the child is gone. */
static bool sbx_round(struct sbx_watcher *w)
{
	struct pollfd pfd[SBX_STREAMS + 1];
	size_t map[SBX_STREAMS + 1];
	uint64_t now = rv_now_ns();
	int n = 0;

	if (w->job->cancel && *w->job->cancel && !w->killed_at)
		sbx_stop(w, -1, TASKAPP_SANDBOX_CANCELLED, false);
	if (w->job->deadline_ns && now >= w->job->deadline_ns && !w->killed_at)
		sbx_stop(w, -1, TASKAPP_SANDBOX_TIMEOUT, true);
	if (w->killed_at && now > w->killed_at) {
		if (!w->hard_killed && now - w->killed_at > SBX_TERM_GRACE_NS)
			sbx_hard_kill(w);
		if (now - w->killed_at > SBX_KILL_GRACE_NS)
			return false;
	}
	pfd[n].fd = w->status_r;
	pfd[n].events = POLLIN;
	map[n++] = (size_t)-1;
	for (size_t k = 0; k < 2 * w->job->nsteps; k++) {
		if (w->out_r[k] < 0)
			continue;
		pfd[n].fd = w->out_r[k];
		pfd[n].events = POLLIN;
		map[n++] = k;
	}
	if (poll(pfd, (nfds_t)n, sbx_poll_ms(w, now)) <= 0)
		return true;
	/* output first: a step's last words come before its record */
	for (int k = 1; k < n; k++)
		if (pfd[k].revents)
			sbx_read_output(w, map[k]);
	if (pfd[0].revents && !sbx_read_status(w)) {
		w->gone = true;
		return false;
	}
	return true;
}

enum rv_code sbx_watch(pid_t pid, int status_r, int *out_r,
		       const struct taskapp_sandbox_job *job,
		       struct taskapp_sandbox_result *results,
		       struct rv_err *err)
{
	struct sbx_watcher w;
	int st = 0;

	memset(&w, 0, sizeof(w));
	w.pid = pid;
	w.status_r = status_r;
	w.job = job;
	w.res = results;
	w.step_start_ns = rv_now_ns();
	w.out_r = out_r;
	while (sbx_round(&w))
		;
	if (!w.gone)	/* it did not stop when asked */
		sbx_hard_kill(&w);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (w.step_pid > 0)
		kill(-w.step_pid, SIGKILL);
	for (size_t k = 0; k < 2 * job->nsteps; k++)
		if (w.out_r[k] >= 0 &&
		    w.res[k / 2].end != TASKAPP_SANDBOX_OUTPUT_LIMIT)
			sbx_read_output(&w, k);
	if (w.setup_failed)
		return rv_errf(err, RV_ERR_INTERNAL, "sandbox: %s: %s",
			       sbx_stage_text(w.stage), strerror(w.err_no));
	if (!w.killed_at && sbx_current(&w) >= 0)
		return rv_errf(err, RV_ERR_INTERNAL, "sandbox: died unexpectedly "
			       "(wait status %d)", st);
	return RV_OK;
}
