/* plan: the --dry-run plan of a prepared job (see plan.h). */
#include "plan.h"

#include "cli.h"
#include "cli_opts.h"
#include "job.h"
#include "mode.h"
#include "provider.h"
#include "rv_buf.h"
#include "rv_redact.h"
#include "rv_term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void plan_line(FILE *out, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "what:" in a column, then the value, redacted and terminal-safe. */
static void plan_line(FILE *out, const char *what, const char *fmt, ...)
{
	struct rv_buf b = RV_BUF_INIT;
	va_list ap;
	char *red;

	va_start(ap, fmt);
	rv_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	red = rv_redact(b.data);
	rv_term_printf(out, "  %-11s %s\n", what, red);
	free(red);
	rv_buf_release(&b);
}

void plan_print(const struct job *job, FILE *out)
{
	const struct cli_options *opt = job->opt;
	bool sandboxed = job->mode->flags & MODE_SANDBOXED;
	struct rv_buf seeds = RV_BUF_INIT, names = RV_BUF_INIT;

	fprintf(out, "runeval: dry run: nothing is started or created\n");
	plan_line(out, "provider", "%s (%s mode)%s%s", job->provider_name,
		  job->mode_name, job->api_url ? ", API " : "",
		  job->api_url ? job->api_url : "");
	if (opt->lite)
		plan_line(out, "server", "%s, started for the job on a free "
			  "loopback port with a fresh key, stopped after",
			  job->provider->offline_server);
	if (sandboxed) {
		plan_line(out, "sandboxes", "%u, made from %s%s%s", job->n_sandboxes,
			  opt->image ? "image " : opt->snapshot ? "snapshot " :
			  "the provider's default snapshot", opt->image ?
			  opt->image : opt->snapshot ? opt->snapshot : "",
			  opt->keep ? " (kept after the job)" : "");
		if (opt->setup_cmd)
			plan_line(out, "setup", "%s", opt->setup_cmd);
	}
	plan_line(out, "app", "%s%s%s", job->app_desc,
		  strcmp(job->app_desc, job->app_dir) ? " in " : "",
		  strcmp(job->app_desc, job->app_dir) ? job->app_dir : "");
	plan_line(out, "start", "%s", job->start_cmd);
	if (job->port)
		plan_line(out, "port", "%d", job->port);
	else
		plan_line(out, "port", "a free one of this host");
	cli_seed_list_text(opt->seeds, opt->n_seeds, &seeds);
	plan_line(out, "seeds", "%zu (%s), %u in flight per sandbox%s",
		  opt->n_seeds, seeds.data, opt->concurrency,
		  job->n_sandboxes > 1 ? ", shared by the sandboxes" : "");
	plan_line(out, "policy", "%s (policy.config %s)", opt->policy,
		  job->policy_config);
	for (size_t i = 0; i < job->appenv.n_passed; i++)
		rv_buf_addf(&names, ", %s", job->appenv.passed[i]);
	for (size_t i = 0; i < opt->set_env.n; i++)
		rv_buf_addf(&names, ", %.*s", (int)strcspn(opt->set_env.v[i],
			    "="), opt->set_env.v[i]);
	plan_line(out, "app env", "PORT, ENVIRONMENT_API_KEY (%s)%s%s",
		  job->key_minted ? "minted for the job" :
		  "from the environment", names.data, sandboxed ?
		  " in an env file" : opt->inherit_env ?
		  " on all of runeval's environment" :
		  " on a clean environment");
	if (opt->network_allow.n || opt->network_block_all) {
		rv_buf_reset(&names);
		for (size_t i = 0; i < opt->network_allow.n; i++)
			rv_buf_addf(&names, "%s%s", i ? ", " : "",
				    opt->network_allow.v[i]);
		plan_line(out, "network", "%s", opt->network_block_all ?
			  "no egress" : names.data);
	}
	/* without --out, the real run's directory is named by its own id */
	plan_line(out, "outputs", "%s/ (result.json, the report's "
		  "renderings, %s)", job->opt->out_dir ? job->out_dir :
		  "runs/<job-id>", sandboxed ? "sandbox-<id>/taskapp.log" :
		  "taskapp.log");
	rv_buf_release(&seeds);
	rv_buf_release(&names);
}
