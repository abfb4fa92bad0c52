/* multi: the same job on several providers, then one combined report. */
#include "multi.h"

#include "provider.h"
#include "report.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_random.h"
#include "rv_term.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct multi_child {
	const char *provider;
	char *out;		/* OUT/<provider> */
	pid_t pid;		/* 0: not started, or reaped */
	int code;
	uint64_t t0, t1;
	struct stat before;	/* its result.json before it started */
	bool had_result;	/* (an earlier run's: not its own) */
	bool started;		/* it was forked */
};

/* An option of argv that names providers or the results (with its value
   when it takes one): the parent sets those for each child. */
static int multi_skip(const char *a)
{
	static const char *const with_value[] = { "--provider", "--out" };
	static const char *const flags[] = { "--isolate", "--json",
		"--one-provider-at-a-time" };
	const struct provider_ops *ops;

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(with_value[i]);

		if (!strcmp(a, with_value[i]))
			return 2;
		if (!strncmp(a, with_value[i], n) && a[n] == '=')
			return 1;
	}
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(a, flags[i]))
			return 1;
	if (!strncmp(a, "--", 2) && (ops = provider_find(a + 2)) &&
	    ops->alias && !strcmp(ops->alias, a + 2))
		return 1;
	return 0;
}

static char **multi_argv(int argc, char **argv, const struct multi_child *c)
{
	char **v = rv_xcalloc((size_t)argc + 8, sizeof(*v));
	size_t n = 0;
	int i = 1;

	v[n++] = argv[0];
	while (i < argc) {
		int skip = strcmp(argv[i], "--") ? multi_skip(argv[i]) : 0;

		if (!skip)
			v[n++] = argv[i];
		i += skip ? skip : 1;
	}
	v[n++] = "--provider";
	v[n++] = (char *)c->provider;
	v[n++] = "--out";
	v[n++] = c->out;
	v[n++] = "--no-progress";
	v[n] = NULL;
	return v;
}

/* Start c's job, its console to OUT/<provider>.console.log (out NULL:
   to runeval's own, for a plan). */
static enum rv_code multi_start(int argc, char **argv, const char *out,
				struct multi_child *c, struct rv_err *err)
{
	char *log = out ? rv_xasprintf("%s/%s.console.log", out,
				       c->provider) : NULL;
	char **v = multi_argv(argc, argv, c);
	int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0600) : -1;
	enum rv_code rc = RV_OK;
	sigset_t stop, old;
	char *result = rv_xasprintf("%s/result.json", c->out);

	c->had_result = stat(result, &c->before) == 0;
	free(result);
	c->t0 = rv_now_ns();
	/*
	 * SIGINT and SIGTERM stay blocked from before the fork until the
	 * child's handlers are in (signals_install unblocks them): one that
	 * comes meanwhile waits, in the parent for multi_forward, in the
	 * child for its own handler, instead of being lost at its exec or
	 * killing it before it can write a result.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (log && fd < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", log,
			     strerror(errno));
	else if ((c->pid = fork()) == 0) {
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("RUNEVAL_MULTI_CHILD", "1", 1);
		execv("/proc/self/exe", v);
		dprintf(2, "runeval: cannot run itself: %s\n", strerror(errno));
		_exit(127);
	} else if (c->pid < 0) {
		rc = rv_errf(err, RV_ERR_CHILD, "cannot fork: %s",
			     strerror(errno));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	c->started = rc == RV_OK;
	if (fd >= 0)
		close(fd);
	free(v);
	free(log);
	return rc;
}

/* The last line of provider c's console log, escaped (malloc'ed). */
static char *multi_last_line(const char *out, const struct multi_child *c)
{
	char *log = rv_xasprintf("%s/%s.console.log", out, c->provider);
	struct rv_buf b = RV_BUF_INIT, safe = RV_BUF_INIT;
	char *last;

	rv_read_tail(log, 4096, &b);
	while (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	last = b.len ? strrchr(b.data, '\n') : NULL;
	last = last ? last + 1 : b.len ? b.data : "(no output)";
	rv_term_escape(&safe, last, strlen(last), false);
	rv_buf_release(&b);
	free(log);
	return rv_buf_detach(&safe, NULL);
}

/*
 * Did c's job write a result.json, not one an earlier run left?  The
 * file as it was before c started (multi_start) against now: new, or
 * replaced (another inode), or rewritten (another mtime or ctime).  No
 * clock is compared with a file time: coarse, or whole seconds, or a
 * file server's.
 */
static bool multi_has_result(const struct multi_child *c)
{
	char *p = rv_xasprintf("%s/result.json", c->out);
	struct stat st;
	bool has = stat(p, &st) == 0;

	if (has && c->had_result)
		has = st.st_ino != c->before.st_ino ||
			st.st_dev != c->before.st_dev ||
			st.st_mtim.tv_sec != c->before.st_mtim.tv_sec ||
			st.st_mtim.tv_nsec != c->before.st_mtim.tv_nsec ||
			st.st_ctim.tv_sec != c->before.st_ctim.tv_sec ||
			st.st_ctim.tv_nsec != c->before.st_ctim.tv_nsec;
	free(p);
	return has;
}

/*
 * A SIGINT or SIGTERM sent to runeval alone (kill PID, a CI runner, a
 * service manager; a terminal's Ctrl-C reaches the whole group) goes on
 * to every provider's job still running, once: each tears down, writes
 * its results and exits 130.
 */
static void multi_forward(struct multi_child *c, size_t n)
{
	int sig = signals_first() ? signals_first() : SIGTERM;

	for (size_t i = 0; i < n; i++)
		if (c[i].pid > 0)
			kill(c[i].pid, sig);
}

/* Wait for child k of the n in c, passing a signal on (multi_forward). */
static void multi_wait(const char *out, struct multi_child *c, size_t n,
		       size_t k, bool *forwarded)
{
	struct pollfd pfd = { .fd = signals_fd(), .events = POLLIN };
	int st = 0;
	pid_t r;

	for (;;) {
		if (signals_stop && !*forwarded) {
			multi_forward(c, n);
			*forwarded = true;
		}
		r = waitpid(c[k].pid, &st, WNOHANG);
		if (r == c[k].pid || (r < 0 && errno != EINTR))
			break;
		/* a signal wakes this at once; the child's end within 50 ms */
		poll(&pfd, pfd.fd >= 0 && !*forwarded ? 1 : 0, 50);
	}
	c += k;
	c->pid = 0;
	c->t1 = rv_now_ns();
	c->code = WIFEXITED(st) ? WEXITSTATUS(st) : CLI_EXIT_INTERRUPTED;
	if (c->code == CLI_EXIT_OK || multi_has_result(c)) {
		rv_info("%s: exit %d after %.1f s, results in %s (console: "
			"%s.console.log)", c->provider, c->code,
			rv_ns_to_ms(c->t1 - c->t0) / 1000.0, c->out,
			c->provider);
	} else {	/* it stopped before its job: its reason, here */
		char *why = multi_last_line(out, c), *p = why;

		if (!strncmp(p, "runeval: ", 9))
			p += 9;
		if (!strncmp(p, "error: ", 7))
			p += 7;
		rv_error("%s: exit %d after %.1f s, no results: %s (console: "
			 "%s/%s.console.log)", c->provider, c->code,
			 rv_ns_to_ms(c->t1 - c->t0) / 1000.0, p, out,
			 c->provider);
		free(why);
	}
}

/*
 * -q: each provider's job in one line, its own last (from its console
 * log: "job ID: ok: mean reward ...").
 */
static void multi_quiet_lines(const char *out, const struct multi_child *c,
			      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *last = c[i].started ? multi_last_line(out, &c[i]) :
			rv_xstrdup(signals_stop ? "not run: interrupted" :
				   "not run");

		printf("%s: %s\n", c[i].provider, last);
		free(last);
	}
}

/* `runeval report OUT/<p>/result.json... --out OUT [--json -] [-q]`. */
static int multi_report(const char *out, struct multi_child *c, size_t n,
			bool json, bool quiet)
{
	char **v = rv_xcalloc(n + 8, sizeof(*v));
	size_t k = 0;
	int code;

	v[k++] = "report";
	for (size_t i = 0; i < n; i++)	/* this run's results only */
		if (multi_has_result(&c[i]))
			v[k++] = rv_xasprintf("%s/result.json", c[i].out);
	if (k == 1) {
		rv_error("no provider's job wrote a result.json");
		free(v);
		return CLI_EXIT_INFRA;
	}
	v[k++] = "--out";
	v[k++] = (char *)out;
	if (json) {
		v[k++] = "--json";
		v[k++] = "-";
	}
	if (quiet)
		v[k++] = "--quiet";
	code = report_main((int)k, v);
	for (size_t i = 1; i < k && strcmp(v[i], "--out"); i++)
		free(v[i]);
	free(v);
	return code;
}

/* runs/<UTC time>-multi-<hex>, or --out. */
static char *multi_out_dir(const struct cli_options *opt)
{
	unsigned char b[3];
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	if (opt->out_dir)
		return rv_xstrdup(opt->out_dir);
	rv_random(b, sizeof(b));
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	return rv_xasprintf("runs/%s-multi-%02x%02x%02x", when, b[0], b[1],
			    b[2]);
}

/*
 * --dry-run: each provider's plan in turn on the terminal, under its
 * name; nothing is created (no results directory, no console logs).
 */
static int multi_plan(int argc, char **argv, const struct cli_options *opt,
		      const char *out)
{
	int code = CLI_EXIT_OK;

	for (size_t i = 0; i < opt->n_providers && !signals_stop; i++) {
		struct multi_child c = { .provider = opt->providers[i] };
		struct rv_err err = RV_ERR_INIT;
		int st = 0;

		c.out = rv_xasprintf("%s/%s", out, c.provider);
		printf("%s== %s ==\n", i ? "\n" : "", c.provider);
		fflush(stdout);
		fflush(stderr);
		if (multi_start(argc, argv, NULL, &c, &err) != RV_OK) {
			rv_error("%s: %s", c.provider, err.msg);
			code = CLI_EXIT_INFRA;
		} else {
			while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR)
				;
			st = WIFEXITED(st) ? WEXITSTATUS(st) :
				CLI_EXIT_INTERRUPTED;
			code = st > code ? st : code;
		}
		free(c.out);
	}
	return code;
}

int multi_run(int argc, char **argv, const struct cli_options *opt)
{
	struct multi_child c[CLI_MAX_PROVIDERS] = { 0 };
	struct rv_err err = RV_ERR_INIT;
	char *out = multi_out_dir(opt);
	size_t n = opt->n_providers, started = 0;
	int code = CLI_EXIT_OK, rcode, lock = -1;
	bool forwarded = false;

	if (opt->no_out) {
		rv_error("several providers need a results directory: drop "
			 "'--no-out'");
		free(out);
		return CLI_EXIT_USAGE;
	}
	if (opt->dry_run) {
		code = multi_plan(argc, argv, opt, out);
		free(out);
		return code;
	}
	if (rv_mkdirs(out, 0755, &err) != RV_OK) {
		rv_error("%s", err.msg);
		free(out);
		return CLI_EXIT_INFRA;
	}
	/* another runeval there (a job, a resume, several providers: each
	   holds the directory's lock): its console logs would be truncated
	   under it, its combined report rewritten; the children lock their
	   own directories */
	if (!opt->dry_run && rv_lock_dir(out, &lock, &err) != RV_OK) {
		rv_error("%s", err.msg);
		free(out);
		return CLI_EXIT_USAGE;
	}
	rv_info("%zu providers, %s, results in %s", n,
		opt->one_provider_at_a_time ? "one at a time" : "in parallel",
		out);
	for (size_t i = 0; i < n; i++) {
		c[i].provider = opt->providers[i];
		c[i].out = rv_xasprintf("%s/%s", out, c[i].provider);
		c[i].code = CLI_EXIT_INFRA;
	}
	for (size_t i = 0; i < n; i++) {
		if (signals_stop) {	/* one at a time: the rest never ran */
			c[i].code = CLI_EXIT_INTERRUPTED;
			rv_warn("%s: not run: interrupted", c[i].provider);
			continue;
		}
		if (multi_start(argc, argv, out, &c[i], &err) != RV_OK) {
			rv_error("%s: %s", c[i].provider, err.msg);
			break;
		}
		started++;
		if (opt->one_provider_at_a_time)
			multi_wait(out, c, n, i, &forwarded);
	}
	for (size_t i = 0; i < started && !opt->one_provider_at_a_time; i++)
		multi_wait(out, c, n, i, &forwarded);
	for (size_t i = 0; i < n; i++)
		if (c[i].code > code)
			code = c[i].code;
	if (!opt->dry_run) {
		rcode = multi_report(out, c, started, opt->json, opt->quiet);
		if (opt->quiet && !opt->json)
			multi_quiet_lines(out, c, n);
		/* jobs that ended well, a combined report that did not */
		if (rcode >= 2 && code <= CLI_EXIT_ROLLOUTS)
			code = CLI_EXIT_INFRA;
		if (rcode <= 1)
			rv_info("combined report: %s/report.md, %s/summary.json",
				out, out);
	}
	for (size_t i = 0; i < n; i++)
		free(c[i].out);
	if (lock >= 0)
		close(lock);	/* after the combined report */
	free(out);
	return code;
}
