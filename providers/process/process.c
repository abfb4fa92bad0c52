/* The `process` provider: task apps as process groups on this host. */
#include "process.h"

#include "process_log.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_redact.h"

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
	char *log_path;
	struct process_log *log;	/* its output into log_path, or NULL */
	struct provider_proc *next;
};

struct process_sandbox {
	struct provider_sandbox base;	/* first */
	struct provider_proc *procs;
};

static struct process_sandbox *process_downcast(struct provider_sandbox *sb)
{
	if (sb->ops != &provider_process)
		rv_bug("process: foreign sandbox '%s'", sb->ops->name);
	return (struct process_sandbox *)sb;
}

static enum rv_code process_create(const struct provider_config *cfg,
				   struct provider_sandbox **out,
				   struct rv_err *err)
{
	struct process_sandbox *ps = rv_xcalloc(1, sizeof(*ps));
	char id[32];

	/* orphans of our task apps become our children: reap, not leak */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(id, sizeof(id), "local-%ld", (long)getpid());
	provider_sandbox_init(&ps->base, &provider_process, cfg, id,
			      cfg && cfg->name ? cfg->name : "local-0");
	*out = &ps->base;
	return RV_OK;
}

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
 * The child's environment: ours (unless cmd->clear_env), then the
 * sandbox's, then the command's (later entries win).  Only the array is
 * allocated.
 */
static char **process_build_env(const struct provider_config *cfg,
				const struct provider_cmd *cmd)
{
	const char *const *cenv = cfg ? cfg->env : NULL;
	size_t cap = process_env_count((const char *const *)environ) +
		process_env_count(cenv) + process_env_count(cmd->env) + 1;
	char **envp = rv_xcalloc(cap, sizeof(*envp));
	size_t n = 0;

	for (char **e = environ; *e && !cmd->clear_env; e++)
		process_env_set(envp, &n, *e);
	for (size_t i = 0; cenv && cenv[i]; i++)
		process_env_set(envp, &n, cenv[i]);
	for (size_t i = 0; cmd->env && cmd->env[i]; i++)
		process_env_set(envp, &n, cmd->env[i]);
	envp[n] = NULL;
	return envp;
}

/*
 * In the child: default signals, own group, die with the parent, and no
 * descriptor but 0-2 survives the exec (ours or our caller's).
 */
static void process_child_setup(void)
{
	sigset_t none;

	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * In the child: exec cmd; on failure write errno to errfd and exit 127.
 * Never returns.
 */
static _Noreturn void process_child_exec(const struct provider_cmd *cmd,
					 char **envp, int errfd)
{
	int e;

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
				  const struct provider_cmd *cmd, int outfd,
				  pid_t *pid_out, struct rv_err *err)
{
	const char *what = cmd->argv ? cmd->argv[0] : cmd->shell;
	char **envp = process_build_env(cfg, cmd);
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
		int nullfd = open("/dev/null", O_RDONLY);

		close(pfd[0]);
		process_child_setup();
		if (nullfd >= 0)
			dup2(nullfd, 0);
		dup2(outfd, 1);
		dup2(outfd, 2);
		process_child_exec(cmd, envp, pfd[1]);
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

static enum rv_code process_start(struct provider_sandbox *sb,
				  const struct provider_cmd *cmd,
				  struct provider_proc **out,
				  struct rv_err *err)
{
	struct process_sandbox *ps = process_downcast(sb);
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
		if (process_log_start(pfd[0], fd, &pump, err) != RV_OK) {
			close(pfd[1]);
			return err ? err->code : RV_ERR_IO;
		}
		fd = pfd[1];
	}
	rc = process_spawn(sb->cfg, cmd, fd, &pid, err);
	close(fd);
	if (rc != RV_OK) {
		process_log_stop(pump, 1000);
		return rc;
	}
	p = rv_xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->log = pump;
	p->log_path = rv_xstrdup(cmd->log_path);
	p->next = ps->procs;
	ps->procs = p;
	*out = p;
	return RV_OK;
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

static enum rv_code process_status(struct provider_sandbox *sb,
				   struct provider_proc *p,
				   struct provider_proc_status *st,
				   struct rv_err *err)
{
	(void)process_downcast(sb);
	memset(st, 0, sizeof(*st));
	st->pid = p->pid;
	st->running = !process_reap(p);
	if (!st->running) {
		st->exit_code = process_exit_code(p->wstatus);
		if (WIFSIGNALED(p->wstatus))
			st->term_signal = WTERMSIG(p->wstatus);
	}
	return RV_OK;
}

static enum rv_code process_logs(struct provider_sandbox *sb,
				 struct provider_proc *p, size_t max_bytes,
				 struct rv_buf *out, struct rv_err *err)
{
	(void)process_downcast(sb);
	if (!p->log_path)
		return rv_errf(err, RV_ERR_NOTFOUND, "process has no log");
	process_log_sync(p->log, 1000);	/* what it said so far, on disk */
	if (rv_read_tail(p->log_path, max_bytes, out) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot open '%s': %s",
			       p->log_path, strerror(errno));
	return RV_OK;
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

static enum rv_code process_stop(struct provider_sandbox *sb,
				 struct provider_proc *p, long grace_ms,
				 struct rv_err *err)
{
	(void)process_downcast(sb);
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

static enum rv_code process_preview(struct provider_sandbox *sb, int port,
				    struct provider_preview *pv,
				    struct rv_err *err)
{
	(void)process_downcast(sb);
	pv->url = rv_xasprintf("http://127.0.0.1:%d", port);
	pv->headers = NULL;
	return RV_OK;
}

static enum rv_code process_destroy(struct provider_sandbox *sb,
				    struct rv_err *err)
{
	struct process_sandbox *ps = process_downcast(sb);
	enum rv_code rc = RV_OK;

	for (struct provider_proc *p = ps->procs; p; p = p->next) {
		struct rv_err e = RV_ERR_INIT;

		if (process_stop(sb, p, PROCESS_STOP_GRACE_MS, &e) != RV_OK &&
		    rc == RV_OK) {
			rc = e.code;
			if (err)
				*err = e;
		}
	}
	return rc;
}

static void process_free(struct provider_sandbox *sb)
{
	struct process_sandbox *ps;
	struct provider_proc *p, *next;

	if (!sb)
		return;
	ps = process_downcast(sb);
	for (p = ps->procs; p; p = next) {
		next = p->next;
		/* last resort: never leave a child behind a freed handle */
		if (!process_reap(p) || kill(-p->pid, 0) == 0) {
			kill(-p->pid, SIGKILL);
			process_wait_gone(p, 5000);
		}
		process_log_stop(p->log, 1000);
		free(p->log_path);
		free(p);
	}
	provider_sandbox_release(sb);
	free(ps);
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

static enum rv_code process_exec(struct provider_sandbox *sb,
				 const struct provider_cmd *cmd,
				 struct provider_exec_result *res,
				 struct rv_err *err)
{
	const char *what = cmd->argv ? cmd->argv[0] : cmd->shell;
	struct provider_proc p = { 0 };
	uint64_t deadline = 0;
	enum rv_code rc;
	int pfd[2];
	bool done;

	(void)process_downcast(sb);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return rv_errf(err, RV_ERR_IO, "pipe: %s", strerror(errno));
	rc = process_spawn(sb->cfg, cmd, pfd[1], &p.pid, err);
	close(pfd[1]);
	if (rc != RV_OK) {
		close(pfd[0]);
		return rc;
	}
	if (cmd->timeout_ms > 0)
		deadline = rv_now_ns() +
			(uint64_t)cmd->timeout_ms * RV_NS_PER_MS;
	done = process_drain(pfd[0], &res->output, deadline,
			     sb->cfg ? sb->cfg->cancel : NULL);
	close(pfd[0]);
	while (done && !process_reap(&p)) {
		if ((deadline && rv_now_ns() >= deadline) ||
		    (sb->cfg && sb->cfg->cancel && *sb->cfg->cancel)) {
			done = false;
			break;
		}
		rv_sleep_ns(RV_NS_PER_MS, NULL);
	}
	process_stop(sb, &p, 0, NULL);	/* stragglers of the group */
	res->exit_code = process_exit_code(p.wstatus);
	if (!done && sb->cfg && sb->cfg->cancel && *sb->cfg->cancel)
		return rv_errf(err, RV_ERR_INTR, "'%s' interrupted", what);
	if (!done)
		return rv_errf(err, RV_ERR_TIMEOUT, "'%s' timed out after %ld ms",
			       what, cmd->timeout_ms);
	return RV_OK;
}

static bool process_owns_port(struct provider_sandbox *sb,
			      struct provider_proc *p, int port)
{
	(void)process_downcast(sb);
	return process_group_owns_port(p->pid, port);
}

const struct provider_ops provider_process = {
	.name = "process",
	.alias = "local",
	.caps = PROVIDER_CAP_EXEC | PROVIDER_CAP_PROCESS |
		PROVIDER_CAP_PREVIEW,
	.create = process_create,
	.attach = NULL,
	.upload = NULL,
	.exec = process_exec,
	.start_process = process_start,
	.process_status = process_status,
	.process_logs = process_logs,
	.stop_process = process_stop,
	.preview = process_preview,
	.destroy = process_destroy,
	.sandbox_free = process_free,
	.list = NULL,
	.owns_port = process_owns_port,
};
