/* runeval: the eval orchestrator (command line entry point). */
#include "cli.h"
#include "console.h"
#include "dotenv.h"
#include "job.h"
#include "lifecycle.h"
#include "reap.h"
#include "report.h"
#include "result.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "rv_term.h"
#include "signals.h"
#include "summary.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int main_usage_error(const struct rv_err *err)
{
	rv_error("%s", err->msg);
	fprintf(stderr, "Try 'runeval --help' for the options.\n");
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
		fprintf(stderr, "--- last lines of %s ---\n%s%s"
			"--- end of task app log ---\n", job->log_path,
			safe.data, tail[strlen(tail) - 1] == '\n' ? "" : "\n");
		rv_buf_release(&safe);
	} else if (job->status == JOB_ERROR && access(job->log_path, F_OK) == 0) {
		fprintf(stderr, "runeval: the task app's output is in %s\n",
			job->log_path);
	}
}

/* Write result.json (and print it for --json); returns the exit code. */
static int main_results(struct job *job, struct console *con)
{
	struct rv_err err = RV_ERR_INIT;
	int code = job->exit_code;
	struct report_job_opts ro = {
		.prom_strict = job->opt->prom_strict,
		.junit_fail_below = job->opt->junit_fail_below,
	};
	struct job_outcome o;
	struct summary s;

	spans_sort(&job->spans);
	job_outcome(job, &o);
	summary_compute(&o, &s);	/* once: file, table and --json */
	if (result_write(&o, &s, &err) != RV_OK) {
		rv_error("%s", err.msg);
		if (code == CLI_EXIT_OK || code == CLI_EXIT_ROLLOUTS)
			code = CLI_EXIT_INFRA;
	} else if (report_write_job(job->result_path, job->out_dir, &ro,
				    &err) != RV_OK) {
		/* result.json is the record; the renderings are extras */
		rv_warn("cannot render the report: %s", err.msg);
	}
	main_print_failure(&o);
	console_report(con, &o, &s);
	if (job->opt->json) {
		result_stream(&o, &s, stdout);
		fflush(stdout);
	}
	summary_release(&s);
	return code;
}

/*
 * What every command that reaches a task app or provider needs: the env
 * file (env_file, which must exist, else .env when present), its secrets
 * and the environment's registered for redaction, libcurl, and signals.
 */
static enum rv_code main_setup(const char *env_file, struct rv_err *err)
{
	const char *path = env_file ? env_file : CLI_DEFAULT_ENV_FILE;
	bool loaded = false;
	enum rv_code rc = dotenv_load(path, env_file != NULL, &loaded, err);

	if (rc == RV_OK && loaded)
		rv_debug("loaded environment from '%s'", path);
	dotenv_redact_environ();
	if (rc != RV_OK)
		return rc;
	rv_http_global_init();
	signals_install();
	return RV_OK;
}

static int main_run(const struct cli_options *opt)
{
	struct rv_err err = RV_ERR_INIT;
	struct console *con;
	struct job job;
	int code;

	if (main_setup(opt->env_file, &err) != RV_OK)
		return main_usage_error(&err);
	if (job_prepare(&job, opt, &err) != RV_OK) {
		job_release(&job);
		return main_usage_error(&err);
	}
	con = console_new(opt, job.n_rollouts, opt->json ? stderr : stdout);
	job.console = con;
	if (opt->epochs > 1)
		rv_info("job %s: %zu seeds x %u epochs, %s mode, results in %s",
			job.id, opt->n_seeds, opt->epochs, job.mode_name,
			job.out_dir);
	else
		rv_info("job %s: %zu seeds, %s mode, results in %s", job.id,
			job.n_rollouts, job.mode_name, job.out_dir);
	job_run(&job);
	code = main_results(&job, con);
	if (job.kept)
		rv_term_printf(stderr, "runeval: %s\n", job.kept);
	console_free(con);
	job_release(&job);
	return code;
}

/* `runeval reap ...`, `runeval lifecycle ...`: with .env and signals. */
static int main_subcommand(int argc, char **argv)
{
	struct rv_err err = RV_ERR_INIT;

	if (main_setup(NULL, &err) != RV_OK)
		return main_usage_error(&err);
	if (!strcmp(argv[0], "reap"))
		return reap_main(argc, argv);
	return lifecycle_main(argc, argv);
}

int main(int argc, char **argv)
{
	struct cli_options opt;
	struct rv_err err = RV_ERR_INIT;
	int code;

	rv_log_set_prog("runeval");
	if (argc > 1 && !strcmp(argv[1], "report"))
		return report_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "reap") ||
			 !strcmp(argv[1], "lifecycle")))
		return main_subcommand(argc - 1, argv + 1);
	if (cli_parse(argc, argv, &opt, &err) != RV_OK) {
		cli_options_release(&opt);
		return main_usage_error(&err);
	}
	if (opt.help) {
		cli_usage(stdout);
		code = CLI_EXIT_OK;
	} else if (opt.version) {
		printf("runeval %s\n", RUNEVAL_VERSION);
		code = CLI_EXIT_OK;
	} else {
		rv_log_set_level(opt.quiet ? RV_LOG_ERROR : opt.verbose ?
				 RV_LOG_DEBUG : RV_LOG_INFO);
		code = main_run(&opt);
	}
	cli_options_release(&opt);
	return code;
}
