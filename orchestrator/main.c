/* runeval: the eval orchestrator (command line entry point). */
#include "bench.h"
#include "cli.h"
#include "cli_opts.h"
#include "console.h"
#include "dotenv.h"
#include "job.h"
#include "history.h"
#include "multi.h"
#include "plan.h"
#include "provider.h"
#include "reap.h"
#include "report.h"
#include "result.h"
#include "result_report.h"
#include "resume.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "rv_term.h"
#include "seedlog.h"
#include "signals.h"
#include "summary.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int main_usage_error(const struct rv_err *err)
{
	rv_error("%s", err->msg);
	fprintf(stderr, "Try 'runeval --help' for the options.\n");
	return CLI_EXIT_USAGE;
}

/* The same for what is wrong with the job, not with how it was asked
   for (a directory in use, a resume whose configuration differs, an
   env file): no pointer to the options. */
static int main_job_error(const struct rv_err *err)
{
	rv_error("%s", err->msg);
	return CLI_EXIT_USAGE;
}

/* The job's error and, when the app died, the tail of its log. */
static void main_print_failure(const struct job_outcome *job)
{
	const char *tail = job->log_tail;

	if (job->status == JOB_OK || job->status == JOB_FAILED)
		return;
	if (job->status == JOB_INTERRUPTED)
		rv_warn("%s; the task app was torn down", job->error);
	else if (job->failed_phase != RV_PHASE_NONE)
		rv_error("%s: %s", rv_phase_name(job->failed_phase),
			 job->error);
	else
		rv_error("%s", job->error);
	if (tail && *tail) {
		struct rv_buf safe = RV_BUF_INIT;

		/* multi-line by design, but no other control character */
		rv_term_escape(&safe, tail, strlen(tail), true);
		/* --no-out (no result path): the log goes when we exit */
		fprintf(stderr, "--- last lines of %s ---\n%s%s"
			"--- end of log ---\n", job->result_path ?
			job->log_path : "the task app's log (--no-out: not kept)",
			safe.data, tail[strlen(tail) - 1] == '\n' ? "" : "\n");
		rv_buf_release(&safe);
	} else if (job->status == JOB_ERROR && job->result_path &&
		   access(job->log_path, F_OK) == 0) {
		fprintf(stderr, "runeval: the task app's output is in %s\n",
			job->log_path);
	}
}

/* Copy in (closed here) to out; a read error is said. */
static void main_cat(FILE *in, const char *path, FILE *out)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0 &&
	       fwrite(buf, 1, n, out) == n)
		;
	if (ferror(in))
		rv_error("cannot read '%s' back for --json: %s", path,
			 strerror(errno));
	fclose(in);
}

/*
 * Write result.json (and print it for --json: the file, when it was
 * written, so that the details the seed log holds are read once and a
 * record it cannot give back is warned of once); returns the exit code.
 */
static int main_results(struct job *job, struct console *con)
{
	struct rv_err err = RV_ERR_INIT;
	int code = job->exit_code;
	bool written = false;
	struct report_job_opts ro = {
		.prom_strict = job->opt->prom_strict,
		.no_step_summary = job->opt->no_step_summary,
		.junit_fail_below = job->opt->junit_fail_below,
	};
	struct job_outcome o;
	struct summary s;

	spans_sort(&job->spans);
	job_outcome(job, &o);
	summary_compute(&o, &s);	/* once: file, table and --json */
	if (job->opt->no_out) {
		/* --no-out: stdout only */
	} else if (result_write(&o, &s, &err) != RV_OK) {
		rv_error("%s", err.msg);
		if (code == CLI_EXIT_OK || code == CLI_EXIT_ROLLOUTS)
			code = CLI_EXIT_INFRA;
	} else {
		written = true;
		/* result.json is the record; the renderings are extras */
		if (result_report_write(&o, &s.eval, &ro, &err) != RV_OK)
			rv_warn("cannot render the report: %s", err.msg);
	}
	main_print_failure(&o);
	console_report(con, &o, &s);
	if (job->opt->json) {
		FILE *in = written ? fopen(job->result_path, "re") : NULL;

		if (in)
			main_cat(in, job->result_path, stdout);
		else
			result_stream(&o, &s, stdout);
		fflush(stdout);
	}
	summary_release(&s);
	return code;
}

/*
 * What every command that reaches a task app or provider needs: the env
 * file (env_file, which must exist, else .env when present), its secrets
 * and the environment's registered for redaction, libcurl with the CA
 * file to trust (ca_cert, else $RUNEVAL_CA_CERT, else the system's), and
 * signals.
 */
static enum rv_code main_setup(const char *env_file, struct rv_err *err)
{
	const char *path = env_file ? env_file : CLI_DEFAULT_ENV_FILE;
	bool loaded = false;
	enum rv_code rc = dotenv_load(path, env_file != NULL, &loaded, err);
	const char *ca_cert = getenv("RUNEVAL_CA_CERT");	/* .env's too */

	if (rc == RV_OK && loaded)
		rv_debug("loaded environment from '%s'", path);
	dotenv_redact_environ();
	if (rc != RV_OK)
		return rc;
	rv_http_global_init();
	rc = rv_http_set_ca_file(ca_cert && *ca_cert ? ca_cert : NULL, err);
	if (rc != RV_OK)
		return rc;
	signals_install();
	return RV_OK;
}

/* A job that stopped with seeds not done says how to finish it. */
static void main_resume_hint(const struct job *job)
{
	size_t left = 0;

	/* a configuration the app refused (--policy) fails again */
	if (job->out_is_temp || job->status == JOB_OK ||
	    job->exit_code == CLI_EXIT_USAGE)
		return;
	for (size_t i = 0; i < job->n_rollouts; i++)
		left += !job->rollouts[i].ok;
	if (left && access(job->result_path, F_OK) == 0)
		rv_info("%zu of %zu seeds are not done; to run them: runeval "
			"resume %s", left, job->n_rollouts, job->out_dir);
}

/* Run one job (rs: resuming one, or NULL); returns the exit code. */
static int main_run(const struct cli_options *opt, struct resume *rs)
{
	struct rv_err err = RV_ERR_INIT;
	struct console *con;
	struct job job;
	size_t todo = 0;
	char epochs[32];
	int code, lock = rs ? rs->lock : -1;

	if (rs)
		rs->lock = -1;	/* the job's now */
	/* main_setup did, unless --env-file '' skipped it; a job on
	   several providers' child starts with the signals blocked
	   (multi.c) until this */
	signals_install();
	if (job_prepare(&job, opt, lock, &err) != RV_OK ||
	    (rs && resume_apply(rs, &job, &err) != RV_OK)) {
		job_release(&job);
		if (err.code == RV_ERR_USAGE || err.code == RV_ERR_CONFIG)
			return main_job_error(&err);
		rv_error("%s", err.msg);	/* e.g. --lite's server */
		return CLI_EXIT_INFRA;
	}
	if (opt->dry_run) {
		plan_print(&job, stdout);
		job_release(&job);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < job.n_rollouts; i++)
		todo += job.rollouts[i].state == ROLLOUT_PENDING;
	/* every seed ended ok and the result says so: nothing to change */
	if (rs && !todo && access(job.result_path, F_OK) == 0) {
		rv_info("nothing to resume: every seed of job %s ended ok; %s "
			"is left as it is", job.id, job.result_path);
		job_release(&job);
		return CLI_EXIT_OK;
	}
	if (rs)
		rv_info("resuming job %s: %zu of %zu seeds to run", job.id,
			todo, job.n_rollouts);
	con = console_new(opt, todo, opt->json ? stderr : stdout);
	console_sandboxes(con, job.n_sandboxes, job_sandboxed(&job));
	job.console = con;
	snprintf(epochs, sizeof(epochs), " x %u epochs", opt->epochs);
	rv_info("job %s: %zu seed%s%s, %s mode, results %s%s", job.id,
		opt->n_seeds, opt->n_seeds == 1 ? "" : "s",
		opt->epochs > 1 ? epochs : "", job.mode_name,
		job.out_is_temp ? "not kept (--no-out)" : "in ",
		job.out_is_temp ? "" : job.out_dir);
	job_run(&job);
	code = main_results(&job, con);
	main_resume_hint(&job);
	if (job.kept) {
		struct rv_buf safe = RV_BUF_INIT;

		/* several lines by design, no other control character */
		rv_term_escape(&safe, job.kept, strlen(job.kept), true);
		fprintf(stderr, "runeval: %s\n", safe.data);
		rv_buf_release(&safe);
		/* the key is a secret: never printed */
		if (job.key_minted)
			rv_info("ENVIRONMENT_API_KEY was not set, so the kept "
				"app's key was made for this job and is not "
				"shown; to reach a kept app, run the job with "
				"ENVIRONMENT_API_KEY set");
	}
	console_free(con);
	job_release(&job);
	return code;
}

/* `runeval resume DIR [options]`. */
static const char *main_env_file_arg(int argc, char **argv);

static int main_resume(int argc, char **argv)
{
	struct rv_err err = RV_ERR_INIT;
	struct cli_options opt;
	const char *env_file;
	struct resume rs;
	int code;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		printf("usage: runeval resume DIR [options]\n\n"
		       "Run the seeds of the job in DIR (its results directory) "
		       "that are not done\n(failed, cancelled, never run), with "
		       "the job's recorded configuration;\noptions may change "
		       "what does not change the job (e.g. --concurrency),\n"
		       "and a change that does is refused with the differences "
		       "listed.  Works\nafter SIGINT, after kill -9 (the seed "
		       "log and the journal) and after a\nfailure; one "
		       "result.json covers the whole job.\n");
		return CLI_EXIT_OK;
	}
	if (argc >= 2 && argv[1][0] != '-') {
		/* a run on several providers: one resume per provider */
		char *log = rv_xasprintf("%s/%s", argv[1], SEEDLOG_NAME);
		bool multi = access(log, F_OK) != 0 &&
			history_multi_hint(argv[1], "resume");

		free(log);
		if (multi)
			return CLI_EXIT_USAGE;
	}
	/* the resume's own --env-file and --ca-cert, as a job's */
	env_file = main_env_file_arg(argc, argv);
	if ((!env_file || *env_file) && main_setup(env_file, &err) != RV_OK)
		return main_job_error(&err);
	if (resume_options(argc, argv, &rs, &opt, &err) != RV_OK ||
	    (opt.ca_cert && rv_http_set_ca_file(opt.ca_cert, &err) != RV_OK)) {
		code = main_job_error(&err);
	} else {
		rv_log_set_level(opt.quiet ? RV_LOG_ERROR : opt.verbose ?
				 RV_LOG_DEBUG : RV_LOG_INFO);
		code = main_run(&opt, &rs);
	}
	cli_options_release(&opt);
	resume_release(&rs);
	return code;
}

/* A command that reaches a provider: the env file and signals first. */
static int main_with_setup(int (*fn)(int, char **), int argc, char **argv)
{
	struct rv_err err = RV_ERR_INIT;

	if (main_setup(NULL, &err) != RV_OK)
		return main_job_error(&err);
	return fn(argc, argv);
}

static int main_reap(int argc, char **argv)
{
	return main_with_setup(reap_main, argc, argv);
}

static int main_bench(int argc, char **argv)
{
	return main_with_setup(bench_main, argc, argv);
}

/* "--env-file FILE" (or =FILE) among the options, else NULL. */
static const char *main_env_file_arg(int argc, char **argv)
{
	const char *found = NULL;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--env-file") && i + 1 < argc)
			found = argv[++i];
		else if (!strncmp(argv[i], "--env-file=", 11))
			found = argv[i] + 11;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
			 !strcmp(argv[i], "-V") || !strcmp(argv[i], "--version"))
			return "";	/* help needs no environment */
	}
	return found;
}

/*
 * The job's options: the .env file into the environment first (what is
 * already set wins), then the configuration file, the environment and
 * the command line (cli_parse).
 */
static enum rv_code main_parse(int argc, char **argv,
			       struct cli_options *opt, struct rv_err *err)
{
	const char *env_file = main_env_file_arg(argc, argv);
	enum rv_code rc = RV_OK;

	if (!env_file || *env_file)
		rc = main_setup(env_file, err);
	if (rc != RV_OK) {
		memset(opt, 0, sizeof(*opt));
		return rc;
	}
	rc = cli_parse(argc, argv, opt, err);
	if (rc == RV_OK && opt->ca_cert)	/* --ca-cert over the variable */
		rc = rv_http_set_ca_file(opt->ca_cert, err);
	return rc;
}

/* `runeval config [options]`: the effective configuration. */
static int main_config(int argc, char **argv)
{
	struct cli_options opt;
	struct rv_err err = RV_ERR_INIT;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		printf("usage: runeval config [job options]\n\n"
		       "Print the job configuration that these options, the "
		       "environment\n(RUNEVAL_<OPTION>, .env) and the "
		       "configuration file (--config FILE,\nelse "
		       "./runeval.yaml) make, in the file's shape, secrets "
		       "redacted: save\nit as runeval.yaml to run the same "
		       "job again.\n");
		return CLI_EXIT_OK;
	}
	argv[0] = "runeval";
	if (main_parse(argc, argv, &opt, &err) != RV_OK) {
		cli_options_release(&opt);
		return main_usage_error(&err);
	}
	cli_config_print(&opt, stdout);
	cli_options_release(&opt);
	return CLI_EXIT_OK;
}

static int main_help(int argc, char **argv);


/* runeval's commands (git's cmd_struct): `runeval CMD [options]`. */
static const struct main_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the name */
	const char *summary;
} main_cmds[] = {
	{ "report", report_main, "statistics, renderings and gates from "
	  "result files and span lines" },
	{ "reap", main_reap, "delete the sandboxes a crashed run left" },
	{ "bench", main_bench, "the sandbox lifecycle benchmark: providers "
	  "side by side, cold and warm, in shapes, with targets" },
	{ "lifecycle", main_bench, "one sandbox through create, upload, "
	  "exec, preview and delete, timed ('bench --iterations 1')" },
	{ "resume", main_resume, "run the seeds of an interrupted or failed "
	  "job that are not done" },
	{ "ls", history_ls_main, "the jobs kept under runs/ (or DIR), one "
	  "line each" },
	{ "show", history_show_main, "one job's summary (an id, a results "
	  "directory or a result.json)" },
	{ "config", main_config, "print the effective job configuration "
	  "(file, environment, flags), secrets redacted" },
	{ "help", main_help, "this list, every option ('help options'), or "
	  "a command's help" },
};

static const size_t main_n_cmds = sizeof(main_cmds) / sizeof(*main_cmds);

static const struct main_cmd *main_cmd_find(const char *name)
{
	for (size_t i = 0; i < main_n_cmds; i++)
		if (!strcmp(main_cmds[i].name, name))
			return &main_cmds[i];
	return NULL;
}

/*
 * For the shell completion (scripts/completion/runeval.bash): one word
 * a line, of "commands", "options" (the job's, with the provider flags)
 * or "providers".
 */
static int main_complete(const char *what)
{
	const struct provider_ops *const *p;
	size_t n;
	const struct cli_opt *t = cli_opts(&n);

	if (!strcmp(what, "commands")) {
		for (size_t i = 0; i < main_n_cmds; i++)
			printf("%s\n", main_cmds[i].name);
	} else if (!strcmp(what, "options")) {
		for (size_t i = 0; i < n; i++)
			printf("--%s%s\n", t[i].name, t[i].arg ? "=" : "");
		for (p = provider_all(); *p; p++)
			if ((*p)->alias)
				printf("--%s\n", (*p)->alias);
	} else if (!strcmp(what, "providers")) {
		for (p = provider_all(); *p; p++)
			printf("%s\n", (*p)->alias ? (*p)->alias : (*p)->name);
	} else {
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* `runeval help [CMD]`: the job's options, or CMD --help. */
static int main_help(int argc, char **argv)
{
	const struct main_cmd *c;

	if (argc == 2 && !strcmp(argv[1], "options")) {
		cli_usage(stdout, false);
		return CLI_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "--complete"))
		return main_complete(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "--roff-options")) {
		cli_opts_roff(stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 2) {
		cli_usage(stdout, true);
		printf("\nCommands:\n");
		for (size_t i = 0; i < main_n_cmds; i++)
			printf("  %-10s %s\n", main_cmds[i].name,
			       main_cmds[i].summary);
		return CLI_EXIT_OK;
	}
	if (argc > 2 || !(c = main_cmd_find(argv[1])) || c->fn == main_help) {
		rv_error("help: no command '%s' (see 'runeval help')",
			 argv[1]);
		return CLI_EXIT_USAGE;
	}
	return c->fn(2, (char *[]){ (char *)c->name, "--help", NULL });
}

/*
 * glibc gives each thread that allocates an arena of its own, up to 8 per
 * CPU, and an arena keeps the pages it touched: a job's threads (a slot
 * per sandbox, the bring-up, the log streams) allocate little and rarely,
 * and two arenas cost them nothing measurable while sparing 0.5-0.7 MB of
 * peak RSS at 16 sandboxes.  MALLOC_ARENA_MAX in the environment wins.
 */
static void main_malloc_tune(void)
{
#ifdef M_ARENA_MAX
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
#endif
}

int main(int argc, char **argv)
{
	struct cli_options opt;
	struct rv_err err = RV_ERR_INIT;
	const struct main_cmd *cmd;
	int code;

	main_malloc_tune();
	rv_log_set_prog("runeval");
	if (argc > 1 && (cmd = main_cmd_find(argv[1])))
		return cmd->fn(argc - 1, argv + 1);
	if (main_parse(argc, argv, &opt, &err) != RV_OK) {
		cli_options_release(&opt);
		return main_usage_error(&err);
	}
	if (opt.help) {
		cli_usage(stdout, true);
		code = CLI_EXIT_OK;
	} else if (opt.version) {
		printf("runeval %s (git %s)\n", RUNEVAL_VERSION, RUNEVAL_GIT);
		code = CLI_EXIT_OK;
	} else {
		rv_log_set_level(opt.quiet ? RV_LOG_ERROR : opt.verbose ?
				 RV_LOG_DEBUG : RV_LOG_INFO);
		code = opt.n_providers > 1 ? multi_run(argc, argv, &opt) :
			main_run(&opt, NULL);
	}
	cli_options_release(&opt);
	return code;
}
