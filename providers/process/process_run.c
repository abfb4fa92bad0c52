/* process_run: host processes a provider starts, watches and stops. */
#include "process_run.h"

#include "process_log.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROCESS_EXEC_OUTPUT_MAX (1u << 20)

struct provider_proc {
	pid_t pid;			/* also the process group id */
	bool reaped;
	int wstatus;
	pid_t guard;			/* process_guard(), or 0 */
	int guard_fd;			/* our end of its pipe, or -1 */
	char *log_path;
	struct process_log *log;	/* its output into log_path, or NULL */
	struct provider_proc *next;
};

/* Count "K=V" entries of a NULL-ended list (NULL list = 0). */
static size_t process_env_count(const char *const *env)
{
	size_t n = 0;

	while (env && env[n])
		n++;
	return n;
}

/* Put "K=V" into envp (n entries used), replacing an entry with key K. */
static void process_env_set(char **envp, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; i < *n; i++) {
		if (!strncmp(envp[i], kv, klen) && envp[i][klen] == '=') {
			envp[i] = (char *)kv;
			return;
		}
	}
	envp[(*n)++] = (char *)kv;
}

/*
 * The child's environment: spec's base (else ours, unless
 * cmd->clear_env), then the sandbox's, then the command's (later entries
 * win).  Only the array is allocated.
 */
static char **process_build_env(const struct provider_config *cfg,
				const struct process_spec *spec,
				const struct provider_cmd *cmd)
{
	static const char *const none[] = { NULL };
	const char *const *base = spec->base_env ? spec->base_env :
		cmd->clear_env ? none : (const char *const *)environ;
	const char *const *cenv = cfg ? cfg->env : NULL;
	size_t cap = process_env_count(base) + process_env_count(cenv) +
		process_env_count(cmd->env) + 1;
	char **envp = rv_xcalloc(cap, sizeof(*envp));
	size_t n = 0;

	for (size_t i = 0; base[i]; i++)
		process_env_set(envp, &n, base[i]);
	for (size_t i = 0; cenv && cenv[i]; i++)
		process_env_set(envp, &n, cenv[i]);
	for (size_t i = 0; cmd->env && cmd->env[i]; i++)
		process_env_set(envp, &n, cmd->env[i]);
	envp[n] = NULL;
	return envp;
}

/* In a forked child: default signals, none blocked, a group of its own
   (async-signal-safe calls only). */
static void process_child_defaults(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	setpgid(0, 0);
}

/*
 * In the child: the defaults, die with the parent, and no descriptor but
 * 0-2 survives the exec (ours or our caller's).
 */
static void process_child_setup(void)
{
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	process_child_defaults();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * In the child: exec cmd; on failure write errno to errfd and exit 127.
 * Never returns.
 */
static _Noreturn void process_child_exec(const struct process_spec *spec,
					 const struct provider_cmd *cmd,
					 char **envp, int errfd)
{
	int e;

	if (spec->enter && spec->enter(spec->enter_arg) < 0) {
		e = errno;
		rv_write_all(errfd, &e, sizeof(e));
		_exit(126);
	}
	if (cmd->cwd && chdir(cmd->cwd) < 0) {
		e = errno;
		rv_write_all(errfd, &e, sizeof(e));
		_exit(126);
	}
	if (cmd->argv)
		execvpe(cmd->argv[0], (char *const *)cmd->argv, envp);
	else
		execle("/bin/sh", "sh", "-c", cmd->shell, (char *)NULL, envp);
	e = errno;
	rv_write_all(errfd, &e, sizeof(e));
	_exit(127);
}

/*
 * Fork cmd with stdout/stderr on outfd (stdin /dev/null).  The exec is
 * confirmed through a close-on-exec pipe, so a missing program or cwd is
 * an error here rather than an exit status later.
 */
static enum rv_code process_spawn(const struct provider_config *cfg,
				  const struct process_spec *spec,
				  const struct provider_cmd *cmd, int outfd,
				  pid_t *pid_out, struct rv_err *err)
{
	const char *what = cmd->argv ? cmd->argv[0] : cmd->shell;
	char **envp = process_build_env(cfg, spec, cmd);
	int pfd[2], e = 0;
	enum rv_code rc = RV_OK;
	pid_t pid;
	ssize_t r;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(envp);
		return rv_errf(err, RV_ERR_CHILD, "cannot start '%s': %s",
			       what, strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		int infd = spec->in_fd >= 0 ? spec->in_fd :
			open("/dev/null", O_RDONLY);

		close(pfd[0]);
		process_child_setup();
		if (infd >= 0)
			dup2(infd, 0);
		dup2(outfd, 1);
		dup2(outfd, 2);
		process_child_exec(spec, cmd, envp, pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0) {
		rc = rv_errf(err, RV_ERR_CHILD, "cannot fork for '%s': %s",
			     what, strerror(errno));
		goto out;
	}
	setpgid(pid, pid);	/* also here: no race with an early kill */
	do
		r = read(pfd[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	if (r == sizeof(e)) {
		waitpid(pid, NULL, 0);
		rc = rv_errf(err, RV_ERR_CHILD, "cannot start '%s'%s%s: %s",
			     what, cmd->cwd ? " in " : "",
			     cmd->cwd ? cmd->cwd : "", strerror(e));
		goto out;
	}
	*pid_out = pid;
out:
	close(pfd[0]);
	free(envp);
	return rc;
}


/*
 * Reap every exited member of p's group (we are their subreaper, so
 * orphans of the group are our children); true when the leader has
 * exited.
 */
static bool process_reap(struct provider_proc *p)
{
	for (;;) {
		int st;
		pid_t r = waitpid(-p->pid, &st, WNOHANG);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (r == p->pid) {
			p->wstatus = st;
			p->reaped = true;
		}
	}
	if (!p->reaped && waitpid(p->pid, &p->wstatus, WNOHANG) < 0 &&
	    errno == ECHILD)
		p->reaped = true;
	return p->reaped;
}

/* An exit status as a shell reports it: 128 + the signal when killed. */
static int process_exit_code(int wstatus)
{
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) :
		WEXITSTATUS(wstatus);
}



/* Wait up to ms for the group to be gone; true when it is. */
static bool process_wait_gone(struct provider_proc *p, long ms)
{
	uint64_t deadline = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;
	uint64_t nap = 200 * 1000;	/* 0.2 ms, growing */

	for (;;) {
		process_reap(p);
		if (p->reaped && kill(-p->pid, 0) < 0)
			return true;
		if (rv_now_ns() >= deadline)
			return false;
		rv_sleep_ns(nap, NULL);
		if (nap < 20 * RV_NS_PER_MS)
			nap *= 2;
	}
}





/* Read fd into out (capped) until EOF or the deadline (0 = none). */
static bool process_drain(int fd, struct rv_buf *out, uint64_t deadline,
			  const volatile int *cancel)
{
	char buf[4096];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait_ms = 100;
		ssize_t r;

		if (cancel && *cancel)
			return false;
		if (deadline) {
			uint64_t now = rv_now_ns();

			if (now >= deadline)
				return false;
			if ((deadline - now) / RV_NS_PER_MS < 100)
				wait_ms = (int)((deadline - now) /
						RV_NS_PER_MS) + 1;
		}
		if (poll(&pfd, 1, wait_ms) <= 0)
			continue;
		r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			return true;
		if (r > 0 && out->len + (size_t)r <= PROCESS_EXEC_OUTPUT_MAX)
			rv_buf_add(out, buf, (size_t)r);
	}
}


/*
 * A guard for process group pgid: a forked child of ours, in a group of
 * its own (no terminal signal reaches it), that waits on a pipe whose
 * only writer is us, and kills the group when we are gone.  The group's
 * leader dies with us anyway (PR_SET_PDEATHSIG), but not its children:
 * an app's server workers, or the background jobs of its start command,
 * would outlive a runeval killed by SIGKILL (or the OOM killer).  Our
 * end of the pipe is *wfd; process_set_free() ends the guard once the
 * group is gone.
 * Only async-signal-safe calls after the fork.  0 when it cannot start
 * (the group still has its leader's death signal).
 */
static pid_t process_guard(pid_t pgid, int *wfd)
{
	int pfd[2];
	pid_t pid;
	char c;

	*wfd = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		/* no death signal: it must outlive us to act */
		process_child_defaults();
		/* nothing but the read end: no other pipe's writer lives on
		   here, and no descriptor of ours is held open */
		if (dup2(pfd[0], 0) < 0)
			_exit(1);
		close_range(1, ~0U, 0);
		for (;;) {
			ssize_t r = read(0, &c, 1);

			if (r == 0 || (r < 0 && errno != EINTR))
				break;
		}
		kill(-pgid, SIGKILL);
		_exit(0);
	}
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return 0;
	}
	*wfd = pfd[1];
	return pid;
}

enum rv_code process_run_start(struct process_set *set,
			       const struct provider_config *cfg,
			       const struct process_spec *spec,
			       const struct provider_cmd *cmd,
			       struct provider_proc **out, struct rv_err *err)
{
	const char *log = cmd->log_path ? cmd->log_path : "/dev/null";
	struct process_log *pump = NULL;
	struct provider_proc *p;
	enum rv_code rc;
	pid_t pid = -1;
	int fd, pfd[2];

	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot open log '%s': %s", log,
			       strerror(errno));
	/* a log gets the app's output through the redacting pump */
	if (cmd->log_path) {
		if (pipe2(pfd, O_CLOEXEC) < 0) {
			close(fd);
			return rv_errf(err, RV_ERR_IO, "pipe: %s",
				       strerror(errno));
		}
		if (process_log_start(pfd[0], fd, cmd->log_limit, &pump,
				      err) != RV_OK) {
			close(pfd[1]);
			return err ? err->code : RV_ERR_IO;
		}
		fd = pfd[1];
	}
	rc = process_spawn(cfg, spec, cmd, fd, &pid, err);
	close(fd);
	if (rc != RV_OK) {
		process_log_stop(pump, 1000);
		return rc;
	}
	p = rv_xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->guard = process_guard(pid, &p->guard_fd);
	p->log = pump;
	p->log_path = rv_xstrdup(cmd->log_path);
	p->next = set->head;
	set->head = p;
	*out = p;
	return RV_OK;
}

void process_proc_status(struct provider_proc *p,
			 struct provider_proc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->pid = p->pid;
	st->running = !process_reap(p);
	if (!st->running) {
		st->exit_code = process_exit_code(p->wstatus);
		if (WIFSIGNALED(p->wstatus))
			st->term_signal = WTERMSIG(p->wstatus);
	}
}

enum rv_code process_proc_logs(struct provider_proc *p, size_t max_bytes,
			       struct rv_buf *out, struct rv_err *err)
{
	if (!p->log_path)
		return rv_errf(err, RV_ERR_NOTFOUND, "process has no log");
	process_log_sync(p->log, 1000);	/* what it said so far, on disk */
	if (process_log_tail(p->log, p->log_path, max_bytes, out) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot open '%s': %s",
			       p->log_path, strerror(errno));
	return RV_OK;
}

pid_t process_proc_pgid(const struct provider_proc *p)
{
	return p->pid;
}

enum rv_code process_proc_stop(struct provider_proc *p, long grace_ms,
			       struct rv_err *err)
{
	if (p->reaped && kill(-p->pid, 0) < 0)
		return RV_OK;
	kill(-p->pid, SIGTERM);
	if (process_wait_gone(p, grace_ms))
		return RV_OK;
	kill(-p->pid, SIGKILL);
	if (!process_wait_gone(p, 5000))
		return rv_errf(err, RV_ERR_CHILD,
			       "process group %ld survived SIGKILL",
			       (long)p->pid);
	return RV_OK;
}

enum rv_code process_set_stop(struct process_set *set, long grace_ms,
			      struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	for (struct provider_proc *p = set->head; p; p = p->next) {
		struct rv_err e = RV_ERR_INIT;

		if (process_proc_stop(p, grace_ms, &e) != RV_OK &&
		    rc == RV_OK) {
			rc = e.code;
			if (err)
				*err = e;
		}
	}
	return rc;
}

void process_set_free(struct process_set *set)
{
	struct provider_proc *p, *next;

	for (p = set->head; p; p = next) {
		next = p->next;
		/* last resort: never leave a child behind a freed handle */
		if (!process_reap(p) || kill(-p->pid, 0) == 0) {
			kill(-p->pid, SIGKILL);
			process_wait_gone(p, 5000);
		}
		/* the group is gone: its guard must not outlive it (its
		   kill would then reach whatever reuses the id) */
		if (p->guard > 0) {
			kill(p->guard, SIGKILL);
			while (waitpid(p->guard, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (p->guard_fd >= 0)
			close(p->guard_fd);
		process_log_stop(p->log, 1000);
		free(p->log_path);
		free(p);
	}
	set->head = NULL;
}

enum rv_code process_run_exec(const struct provider_config *cfg,
			      const struct process_spec *spec,
			      const struct provider_cmd *cmd,
			      struct provider_exec_result *res,
			      struct rv_err *err)
{
	const char *what = cmd->argv ? cmd->argv[0] : cmd->shell;
	const volatile int *cancel = cfg ? cfg->cancel : NULL;
	struct provider_proc p = { 0 };
	uint64_t deadline = 0;
	enum rv_code rc;
	int pfd[2];
	bool done;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return rv_errf(err, RV_ERR_IO, "pipe: %s", strerror(errno));
	rc = process_spawn(cfg, spec, cmd, pfd[1], &p.pid, err);
	close(pfd[1]);
	if (rc != RV_OK) {
		close(pfd[0]);
		return rc;
	}
	if (cmd->timeout_ms > 0)
		deadline = rv_now_ns() +
			(uint64_t)cmd->timeout_ms * RV_NS_PER_MS;
	done = process_drain(pfd[0], &res->output, deadline, cancel);
	close(pfd[0]);
	while (done && !process_reap(&p)) {
		if ((deadline && rv_now_ns() >= deadline) ||
		    (cancel && *cancel)) {
			done = false;
			break;
		}
		rv_sleep_ns(RV_NS_PER_MS, NULL);
	}
	process_proc_stop(&p, 0, NULL);	/* stragglers of the group */
	res->exit_code = process_exit_code(p.wstatus);
	if (!done && cancel && *cancel)
		return rv_errf(err, RV_ERR_INTR, "'%s' interrupted", what);
	if (!done)
		return rv_errf(err, RV_ERR_TIMEOUT, "'%s' timed out after %ld ms",
			       what, cmd->timeout_ms);
	return RV_OK;
}
