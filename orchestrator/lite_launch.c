/* lite_launch: an offline provider server for one job (see lite_launch.h). */
#include "lite_launch.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_random.h"
#include "rv_redact.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LITE_START_TIMEOUT_MS 20000
#define LITE_STOP_TIMEOUT_MS 60000
#define LITE_LOG_TAIL 600

/* The child: its own process group (a Ctrl-C is runeval's to handle). */
static _Noreturn void lite_exec(const char *bin, char *const *argv,
				char *const *envp, pid_t parent, int out,
				int log)
{
	sigset_t term;

	setpgid(0, 0);
	/* blocked until the server reads it from its signalfd: a SIGTERM
	   that comes before (runeval killed while the server starts) waits
	   for the server's own clean stop instead of killing it mid-way */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* runeval died before the line above: no signal would come, and a
	   --lite job keeps no journal of what the server makes */
	if (getppid() != parent)
		_exit(127);
	dup2(out, STDOUT_FILENO);
	dup2(log, STDERR_FILENO);
	execvpe(bin, argv, envp);
	dprintf(log, "runeval: cannot run '%s': %s\n", bin, strerror(errno));
	_exit(127);
}

/*
 * Fork the server on a free loopback port with its state, and its key
 * in its environment (<SERVER>_API_KEY: DAYTONA_LITE_API_KEY), not on
 * its command line, which every user of the host can read (ps).  The
 * environment is made before the fork: the child only execs.
 */
static pid_t lite_spawn(const struct lite_launch *l, const char *bin, int out,
			int log)
{
	char *const argv[] = { (char *)l->server, "--listen", "127.0.0.1:0",
		"--state-dir", l->dir, "--remove-state-dir", "--quiet", NULL };
	char *var = rv_xasprintf("%s_API_KEY=%s", l->server, l->api_key);
	size_t n = 0, k = 0, name = strcspn(var, "=") + 1;
	char **envp;
	pid_t pid, parent = getpid();

	for (char *p = var; p < var + name - 1; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	while (environ[n])
		n++;
	envp = rv_xcalloc(n + 2, sizeof(*envp));
	envp[k++] = var;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], var, name))	/* ours wins */
			envp[k++] = environ[i];
	pid = fork();
	if (pid == 0)
		lite_exec(bin, argv, envp, parent, out, log);
	explicit_bzero(var, strlen(var));
	free(var);
	free(envp);
	return pid;
}

/* The last bytes of the server's log, on one line, for an error. */
static char *lite_log_tail(const struct lite_launch *l)
{
	char *path = rv_xasprintf("%s/server.log", l->dir);
	char buf[LITE_LOG_TAIL + 1];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end > LITE_LOG_TAIL)
			lseek(fd, end - LITE_LOG_TAIL, SEEK_SET);
		else
			lseek(fd, 0, SEEK_SET);
		n = read(fd, buf, LITE_LOG_TAIL);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	free(path);
	return rv_redact(buf);
}

/* Read the "<server>: API at URL" line within the start timeout. */
static enum rv_code lite_wait_url(struct lite_launch *l, int fd,
				  struct rv_err *err)
{
	uint64_t end = rv_now_ns() + LITE_START_TIMEOUT_MS * RV_NS_PER_MS;
	struct rv_buf line = RV_BUF_INIT;
	enum rv_code rc = RV_ERR_TIMEOUT;
	char buf[512];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = rv_now_ns();
		const char *at, *nl;
		ssize_t n;

		if (now >= end)
			break;
		if (poll(&p, 1, (int)((end - now) / RV_NS_PER_MS) + 1) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			rc = RV_ERR_CHILD;
			break;
		}
		rv_buf_add(&line, buf, (size_t)n);
		at = strstr(line.data, " API at ");
		nl = at ? strchr(at, '\n') : NULL;
		if (nl) {
			at += strlen(" API at ");
			l->api_url = rv_xstrndup(at, (size_t)(nl - at));
			rc = RV_OK;
			break;
		}
	}
	rv_buf_release(&line);
	if (rc != RV_OK) {
		char *tail = lite_log_tail(l);

		rv_errf(err, rc, "%s %s: %s", l->server, rc == RV_ERR_TIMEOUT ?
			"did not say where it serves within 20 s" :
			"exited before it served", *tail ? tail :
			"(no output)");
		free(tail);
	}
	return rc;
}

enum rv_code lite_launch_start(struct lite_launch *l, const char *server,
			       struct rv_err *err)
{
	unsigned char raw[32];
	char key[2 * sizeof(raw) + 1], tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char *bin = NULL, *log_path = NULL;
	int pipefd[2] = { -1, -1 }, log = -1;
	enum rv_code rc;

	*l = (struct lite_launch)LITE_LAUNCH_INIT;
	l->server = server;
	snprintf(tmpl, sizeof(tmpl), "%s/runeval-%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", server);
	if (!mkdtemp(tmpl))
		return rv_errf(err, RV_ERR_IO, "cannot make a state directory "
			       "for %s ('%s'): %s", server, tmpl,
			       strerror(errno));
	l->dir = rv_xstrdup(tmpl);
	rv_random(raw, sizeof(raw));
	l->api_key = rv_xstrdup(rv_hex(raw, sizeof(raw), key));
	rv_redact_add(l->api_key);
	bin = rv_find_program(server);
	log_path = rv_xasprintf("%s/server.log", l->dir);
	log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot start %s: %s", server,
			     strerror(errno));
		goto out;
	}
	l->pid = lite_spawn(l, bin, pipefd[1], log);
	if (l->pid < 0) {
		l->pid = 0;
		rc = rv_errf(err, RV_ERR_IO, "cannot start %s: %s", server,
			     strerror(errno));
		goto out;
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	rc = lite_wait_url(l, pipefd[0], err);
	if (rc == RV_OK)
		rv_debug("%s for this job at %s (state in '%s')", server,
			 l->api_url, l->dir);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (log >= 0)
		close(log);
	free(log_path);
	free(bin);
	if (rc != RV_OK)
		lite_launch_stop(l);
	return rc;
}

/* Wait for pid until end; true once it is reaped. */
static bool lite_reap(pid_t pid, uint64_t end)
{
	for (;;) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (rv_now_ns() >= end)
			return false;
		rv_sleep_ns(10 * RV_NS_PER_MS, NULL);
	}
}

void lite_launch_stop(struct lite_launch *l)
{
	struct rv_err e = RV_ERR_INIT;

	if (l->pid > 0) {
		kill(l->pid, SIGTERM);
		if (!lite_reap(l->pid, rv_now_ns() + LITE_STOP_TIMEOUT_MS *
			       RV_NS_PER_MS)) {
			rv_warn("%s did not stop within %d s: killing it",
				l->server, LITE_STOP_TIMEOUT_MS / 1000);
			kill(l->pid, SIGKILL);
			lite_reap(l->pid, rv_now_ns() + 5000 * RV_NS_PER_MS);
		}
		l->pid = 0;
	}
	if (l->dir && rv_remove_tree(l->dir, &e) != RV_OK)
		rv_warn("%s", e.msg);
	free(l->dir);
	free(l->api_url);
	free(l->api_key);
	l->dir = l->api_url = l->api_key = NULL;
}
