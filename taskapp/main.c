/*
 * taskapp: the reference task app.
 *
 *	taskapp [--host H] [--port P] [--workers N] [--sandbox MODE]
 *		[--run-timeout S] [--compile-timeout S]
 *		[--max-connections N] [--head-timeout S]
 *
 * Prints "taskapp: listening on http://HOST:PORT" once it listens (runeval
 * and the tests parse that line) and stops cleanly on SIGTERM or SIGINT.
 * Exit: 0 after a signal, 1 when it cannot start, 2 on a usage error.
 */
#include "app.h"
#include "rv_alloc.h"
#include "rv_err.h"
#include "rv_log.h"
#include "sandbox.h"
#include "server.h"
#include "validate.h"

#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t taskapp_stop;
static struct taskapp_server *taskapp_srv;

struct taskapp_opts {
	const char *host;
	long long port;
	long long workers;
	const char *sandbox;
	double run_timeout_s;		/* 0: the default */
	double compile_timeout_s;
	struct taskapp_server_limits limits;
};

static void taskapp_on_signal(int sig)
{
	(void)sig;
	taskapp_stop = 1;
	taskapp_server_wake(taskapp_srv);
}

static void taskapp_usage(FILE *f)
{
	fputs("usage: taskapp [--host H] [--port P] [--workers N] "
	      "[--sandbox auto|namespaces|rlimits]\n"
	      "\n"
	      "The reference task app: small C programming tasks (minibench),\n"
	      "served over the task app HTTP contract.  Every route but / needs\n"
	      "ENVIRONMENT_API_KEY (X-API-Key, X-API-Keys or Authorization:\n"
	      "Bearer).\n"
	      "\n"
	      "  --host H      address to listen on (default 0.0.0.0)\n"
	      "  --port P      port (default $PORT, else 8000; 0 = any free)\n"
	      "  --workers N   rollouts at once (default 8, at most 64)\n"
	      "  --sandbox M   how candidates are confined (default auto)\n"
	      "  --run-timeout S      wall clock of a test run (default 10)\n"
	      "  --compile-timeout S  wall clock of a compile (default 30)\n"
	      "  --max-connections N  clients at once (default 1024); at the\n"
	      "                       bound a new one displaces the one idle\n"
	      "                       longest\n"
	      "  --head-timeout S     seconds to send a request head\n"
	      "                       (default 10)\n"
	      "  --version     print the version\n", f);
}

static bool taskapp_parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 86400) {
		fprintf(stderr, "taskapp: invalid number of seconds '%s'\n", s);
		return false;
	}
	*out = v;
	return true;
}

static int taskapp_parse(int argc, char **argv, struct taskapp_opts *o)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "sandbox", required_argument, NULL, 's' },
		{ "run-timeout", required_argument, NULL, 'r' },
		{ "compile-timeout", required_argument, NULL, 'c' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "head-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_port = getenv("PORT");
	int ch;

	memset(o, 0, sizeof(*o));
	o->host = "0.0.0.0";
	o->port = 8000;
	o->workers = TASKAPP_DEFAULT_WORKERS;
	o->limits.max_connections = TASKAPP_MAX_CONNECTIONS;
	o->limits.head_timeout_s = TASKAPP_HEAD_TIMEOUT_S;
	o->sandbox = getenv("TASKAPP_SANDBOX");
	if (env_port && *env_port && !taskapp_parse_int(env_port, &o->port)) {
		fprintf(stderr, "taskapp: invalid PORT '%s'\n", env_port);
		return 2;
	}
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			if (!taskapp_parse_int(optarg, &o->port)) {
				fprintf(stderr, "taskapp: invalid port '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			if (!taskapp_parse_int(optarg, &o->workers) ||
			    o->workers < 1 || o->workers > TASKAPP_MAX_WORKERS) {
				fprintf(stderr, "taskapp: --workers wants 1 to %d\n",
					TASKAPP_MAX_WORKERS);
				return 2;
			}
			break;
		case 's':
			o->sandbox = optarg;
			break;
		case 'm':
		case 't': {
			long long v;
			bool m = ch == 'm';

			if (!taskapp_parse_int(optarg, &v) || v < 1 ||
			    v > (m ? 1000000 : 3600)) {
				fprintf(stderr, "taskapp: --%s wants 1 to %d\n",
					m ? "max-connections" : "head-timeout",
					m ? 1000000 : 3600);
				return 2;
			}
			*(m ? &o->limits.max_connections :
			  &o->limits.head_timeout_s) = (unsigned)v;
			break;
		}
		case 'r':
		case 'c':
			if (!taskapp_parse_seconds(optarg, ch == 'r' ?
						   &o->run_timeout_s :
						   &o->compile_timeout_s))
				return 2;
			break;
		case 'h':
			taskapp_usage(stdout);
			return 0;
		case 'V':
			printf("taskapp %s (git %s)\n", RUNEVAL_VERSION, RUNEVAL_GIT);
			return 0;
		default:
			taskapp_usage(stderr);
			return 2;
		}
	}
	if (optind < argc || o->port < 0 || o->port > 65535) {
		taskapp_usage(stderr);
		return 2;
	}
	return -1;
}

static enum rv_code taskapp_setup(struct taskapp_app *app,
				  const struct taskapp_opts *o,
				  struct rv_err *err)
{
	struct taskapp_sandbox_isolation iso;
	unsigned first, last;
	char *extra;
	enum rv_code rc;

	memset(app, 0, sizeof(*app));
	taskapp_auth_from_env(&app->auth);
	taskapp_compiler_find(&app->cc);
	extra = taskapp_compiler_extra_dir(&app->cc);
	rc = taskapp_sandbox_init(o->sandbox, extra, app->sandbox_note,
				  sizeof(app->sandbox_note), err);
	free(extra);
	if (rc)
		return rc;
	taskapp_compiler_probe(&app->cc);
	taskapp_grade_default_opts(&app->grade);
	app->grade.cc = &app->cc;
	if (o->run_timeout_s > 0) {
		app->grade.run.wall_ns = (uint64_t)(o->run_timeout_s * 1e9);
		app->grade.run.cpu_s = (unsigned)o->run_timeout_s + 1;
	}
	if (o->compile_timeout_s > 0) {
		app->grade.compile.wall_ns = (uint64_t)(o->compile_timeout_s * 1e9);
		app->grade.compile.cpu_s = (unsigned)o->compile_timeout_s + 1;
	}
	app->max_rollout_s = TASKAPP_MAX_ROLLOUT_S;
	app->workers = (unsigned)o->workers;
	/*
	 * Candidates running as our own uid, outside namespaces, could read
	 * our environment (the keys) in /proc: not when we are not dumpable.
	 */
	if (taskapp_sandbox_mode() == TASKAPP_SANDBOX_RLIMITS &&
	    !taskapp_sandbox_drops_ids())
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (app->sandbox_note[0])
		rv_warn("sandbox: using '%s' (%s)", taskapp_sandbox_mode_name(),
			app->sandbox_note);
	if (taskapp_sandbox_uids(&first, &last) &&
	    *taskapp_sandbox_uid_note())
		rv_warn("sandbox: uids %u-%u may be shared with another task "
			"app: %s", first, last, taskapp_sandbox_uid_note());
	taskapp_sandbox_isolation(&iso);
	if (!iso.strong)
		rv_warn("sandbox: '%s' is weak isolation: candidates can read "
			"what their uid can; network %s, filesystem %s",
			taskapp_sandbox_mode_name(), iso.network_blocked ?
			"blocked" : "open", iso.filesystem);
	if (!app->cc.found)
		rv_warn("%s: rollouts will fail", app->cc.problem);
	if (!app->auth.nkeys)
		rv_warn("ENVIRONMENT_API_KEY is not set: every route but / "
			"answers 503");
	return RV_OK;
}

static void taskapp_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = taskapp_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct taskapp_opts o;
	struct taskapp_app app;
	struct rv_err err = RV_ERR_INIT;
	int rc = taskapp_parse(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rv_log_set_prog("taskapp");
	taskapp_signals();
	if (taskapp_setup(&app, &o, &err) ||
	    taskapp_server_new(&app, o.host, (int)o.port, &o.limits,
			       &taskapp_srv, &err)) {
		rv_error("%s", err.msg);
		return 1;
	}
	printf(strchr(o.host, ':') ? "taskapp: listening on http://[%s]:%d\n" :
	       "taskapp: listening on http://%s:%d\n", o.host,
	       taskapp_server_port(taskapp_srv));
	fflush(stdout);
	taskapp_server_run(taskapp_srv, &taskapp_stop);
	rv_info("stopping");
	taskapp_server_free(taskapp_srv);
	taskapp_srv = NULL;
	taskapp_compiler_release(&app.cc);
	taskapp_auth_release(&app.auth);
	return 0;
}
