/* console_report: the final report of a job (see console.h). */
#include "console.h"

#include "cli.h"
#include "console_int.h"
#include "eval.h"
#include "outcome.h"
#include "rollouts.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_redact.h"
#include "rv_term.h"
#include "summary.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define CONSOLE_REASON_MAX 100	/* bytes of a reason shown in the table */
#define CONSOLE_STATUS_W 16
#define CONSOLE_TASK_W 24
#define CONSOLE_MAX_TASKS 20	/* rows of the per-task table */

/* The first max bytes of s (whole UTF-8 characters, "..." when cut),
   escaped for the terminal. */
static void console_cut(struct rv_buf *out, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len > max) {
		len = max;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	rv_term_escape(out, s, len, false);
	if (len < strlen(s))
		rv_buf_adds(out, "...");
}

/* A cell of foreign text: cut, escaped, padded to width; then a gap. */
static void console_cell(FILE *f, const char *s, int width, size_t max)
{
	struct rv_buf b = RV_BUF_INIT;

	console_cut(&b, s ? s : "-", max);
	fprintf(f, "%-*s  ", width, b.data);
	rv_buf_release(&b);
}

static void console_num(FILE *f, double v, int width, const char *fmt)
{
	if (isnan(v))
		fprintf(f, "%*s", width, "-");
	else
		fprintf(f, fmt, width, v);
}

/* "ok", "FAILED" (no reward), "PIPELINE" (a status not allowed). */
static const char *console_result(const struct console *c,
				  const struct rollout *r)
{
	switch (eval_class(r, c->opt)) {
	case EVALSTATS_OK:
		return "ok";
	case EVALSTATS_PIPELINE:
		return "PIPELINE";
	case EVALSTATS_TRANSPORT:
		break;
	}
	return r->state == ROLLOUT_CANCELLED ? "cancel" : "FAILED";
}

struct console_cols {
	bool epochs, tasks;
};

static void console_seed_row(FILE *f, const struct console *c,
			     const struct console_cols *k,
			     const struct rollout *r)
{
	double ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN;
	struct rv_buf reason = RV_BUF_INIT;

	fprintf(f, "%8ld  ", r->seed);
	if (k->epochs)
		fprintf(f, "%5u  ", r->epoch);
	fprintf(f, "%-8s ", console_result(c, r));
	console_num(f, r->ok ? r->reward : NAN, 7, "%*.3f");
	console_num(f, ms, 10, "%*.1f");
	fputs("  ", f);
	console_cell(f, eval_status(r), CONSOLE_STATUS_W, 32);
	if (k->tasks)
		console_cell(f, rollout_task(r), CONSOLE_TASK_W, CONSOLE_TASK_W);
	console_cut(&reason, eval_reason(r), CONSOLE_REASON_MAX);
	fprintf(f, "%s\n", reason.data);
	rv_buf_release(&reason);
}

static void console_seed_table(FILE *f, const struct console *c,
			       const struct job_outcome *job)
{
	size_t shown = 0, n = job->n_rollouts;
	bool all = n <= CONSOLE_MAX_SEED_ROWS;
	struct console_cols k = { .epochs = c->opt->epochs > 1 };

	for (size_t i = 0; i < n; i++) {
		k.epochs |= job->rollouts[i].epoch > 1;
		k.tasks |= rollout_task(&job->rollouts[i]) != NULL;
	}
	fprintf(f, "%8s  ", "seed");
	if (k.epochs)
		fprintf(f, "%5s  ", "epoch");
	fprintf(f, "%-8s %7s %10s  %-*s  ", "result", "reward", "ms",
		CONSOLE_STATUS_W, "status");
	if (k.tasks)
		fprintf(f, "%-*s  ", CONSOLE_TASK_W, "task");
	fprintf(f, "%s\n", all ? "reason" : "reason (failed rollouts only)");
	for (size_t i = 0; i < n; i++) {
		const struct rollout *r = &job->rollouts[i];

		if (!all && (eval_class(r, c->opt) == EVALSTATS_OK ||
			     shown >= CONSOLE_MAX_SEED_ROWS))
			continue;
		console_seed_row(f, c, &k, r);
		shown++;
	}
	if (!all)
		fprintf(f, "%8s  (%zu of %zu rollouts shown; all are in "
			"result.json)\n", "", shown, n);
}

/* "name n" lists of foreign names, escaped: "success 3, timeout 1". */
static void console_slices(FILE *f, const struct evalstats_slice *v,
			   size_t n, bool passed)
{
	struct rv_buf b = RV_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		rv_buf_adds(&b, i ? ", " : "");
		console_cut(&b, v[i].name, 40);
		if (passed)
			rv_buf_addf(&b, " %zu/%zu passed", v[i].passed, v[i].n);
		else
			rv_buf_addf(&b, " %zu", v[i].n);
	}
	fprintf(f, "%s\n", b.data);
	rv_buf_release(&b);
}

static void console_tasks(FILE *f, const struct evalstats *e)
{
	size_t n = e->n_tasks < CONSOLE_MAX_TASKS ? e->n_tasks :
		CONSOLE_MAX_TASKS;

	if (!e->n_tasks)
		return;
	fprintf(f, "\n%-*s %6s %8s %10s %9s\n", CONSOLE_TASK_W + 8, "task",
		"n", "reward", "pass rate", "failures");
	for (size_t i = 0; i < n; i++) {
		const struct evalstats_slice *t = &e->tasks[i];

		console_cell(f, t->name, CONSOLE_TASK_W + 6, CONSOLE_TASK_W + 6);
		fprintf(f, "%6zu ", t->n);
		console_num(f, t->mean_reward, 8, "%*.3f");
		fprintf(f, " %9.1f%% %9zu\n", 100.0 * (double)t->passed /
			(double)t->n, t->failures);
	}
	if (n < e->n_tasks)
		fprintf(f, "(%zu more tasks in result.json)\n", e->n_tasks - n);
}

/* The eval's outcome: rollouts, reward, pass rate, statuses, tasks. */
static void console_outcome(FILE *f, const struct evalstats *e)
{
	size_t ks[24], nk = evalstats_ks(e, ks);
	/* a seed listed twice runs more epochs than another: no product */
	bool even = e->n == e->n_seeds * e->epochs;

	size_t never = 0;

	/* of the transport failures, those that never ran to an end */
	for (size_t i = 0; i < e->n_statuses; i++)
		if (!strcmp(e->statuses[i].name, "cancelled"))
			never = e->statuses[i].n;
	fprintf(f, "\nrollouts: %zu (%zu seed%s %s %u epoch%s%s): %zu ok, %zu "
		"pipeline failure%s, %zu failed in transport", e->n,
		e->n_seeds, e->n_seeds == 1 ? "" : "s", even ? "x" : "up to",
		e->epochs, e->epochs == 1 ? "" : "s", even ? "" : " each",
		e->ok, e->pipeline, e->pipeline == 1 ? "" : "s", e->transport);
	if (never)
		fprintf(f, " (%zu of them cancelled or never run)", never);
	fputc('\n', f);
	if (!e->completed)
		fprintf(f, "mean reward -: no rollout answered with a reward\n");
	else if (e->completed < 2)
		fprintf(f, "mean reward %.3f (n=1)\n", e->reward.mean);
	else
		fprintf(f, "mean reward %.3f (95%% CI %.3f to %.3f, stderr "
			"%.3f, n=%zu), %.3f over all rollouts\n",
			e->reward.mean, e->reward.lo, e->reward.hi,
			e->reward.se, e->completed, e->mean_reward_all);
	fprintf(f, "pass rate %.1f%% (%zu of %zu with reward >= %g)",
		e->n ? 100.0 * e->pass_rate : 0.0, e->passed, e->n,
		e->threshold);
	for (size_t i = 0; i < nk && e->max_k > 1; i++)
		fprintf(f, "%s pass@%zu %.3f", i ? "," : ";", ks[i],
			evalstats_pass_at(e, ks[i], EVALSTATS_ALL, 0, NULL));
	fputs("\nstatuses: ", f);
	console_slices(f, e->statuses, e->n_statuses, false);
	if (e->n_difficulties) {
		fputs("difficulty: ", f);
		console_slices(f, e->difficulties, e->n_difficulties, true);
	}
	if (e->token_rollouts)
		fprintf(f, "tokens: %lld total (prompt %lld, completion %lld) "
			"from %zu rollouts\n", (long long)e->tokens[2],
			(long long)e->tokens[0], (long long)e->tokens[1],
			e->token_rollouts);
	console_tasks(f, e);
}

static void console_phase_table(FILE *f, const struct summary *s)
{
	fprintf(f, "\n%-10s %6s %6s %10s %10s %10s %10s %10s\n", "phase", "n",
		"ok", "min ms", "p50 ms", "p95 ms", "max ms", "mean ms");
	for (size_t i = 0; i < s->n_phases; i++) {
		const struct summary_phase *p = &s->phases[i];

		fprintf(f, "%-10s %6zu %6zu ", p->phase, p->s.n, p->s.ok);
		console_num(f, p->s.min, 10, "%*.2f");
		console_num(f, p->s.p50, 11, "%*.2f");
		console_num(f, p->s.p95, 11, "%*.2f");
		console_num(f, p->s.max, 11, "%*.2f");
		console_num(f, p->s.mean, 11, "%*.2f");
		fputc('\n', f);
	}
}

/*
 * --quiet: one line per failed rollout (at most a table's worth); those
 * cancelled or never run (an interrupted job's) in one line.
 */
static void console_failures(FILE *f, const struct console *c,
			     const struct job_outcome *job)
{
	size_t shown = 0, failed = 0, cancelled = 0;
	const struct rollout *first_cancelled = NULL;

	for (size_t i = 0; i < job->n_rollouts; i++) {
		const struct rollout *r = &job->rollouts[i];
		struct rv_buf b = RV_BUF_INIT;
		char seed[64];

		if (eval_class(r, c->opt) == EVALSTATS_OK)
			continue;
		if (rollout_transport(r) == ROLLOUT_T_CANCELLED) {
			if (!cancelled++)
				first_cancelled = r;
			continue;
		}
		if (failed++ >= CONSOLE_MAX_SEED_ROWS)
			continue;
		console_seed_name(c, r, seed, sizeof(seed));
		console_cut(&b, eval_status(r), 32);
		rv_buf_adds(&b, ": ");
		console_cut(&b, eval_reason(r), CONSOLE_REASON_MAX);
		fprintf(f, "%s: %s %s\n", seed, console_result(c, r), b.data);
		rv_buf_release(&b);
		shown++;
	}
	if (shown < failed)
		fprintf(f, "(%zu more failed rollouts in result.json)\n",
			failed - shown);
	if (cancelled) {
		struct rv_buf b = RV_BUF_INIT;

		console_cut(&b, eval_reason(first_cancelled),
			    CONSOLE_REASON_MAX);
		fprintf(f, "%zu rollout%s cancelled or never run (%s%s)\n",
			cancelled, cancelled == 1 ? "" : "s",
			cancelled > 1 ? "the first: " : "", b.data);
		rv_buf_release(&b);
	}
}

/* The last line: the job's status, what failed, and the outcome. */
static void console_last_line(FILE *f, const struct job_outcome *job,
			      const struct evalstats *e)
{
	fprintf(f, "job %s: %s", job->id, job_status_name(job->status));
	if (job->status != JOB_OK) {
		char *msg = rv_redact(job->error);

		fprintf(f, " (exit %d)", job->exit_code);
		rv_term_printf(f, ": %s", msg);
		free(msg);
	}
	if (job->status == JOB_OK || job->status == JOB_FAILED) {
		fputs(job->status == JOB_OK ? ": " : "; ", f);
		if (e->completed)
			fprintf(f, "mean reward %.3f, ", e->reward.mean);
		fprintf(f, "pass rate %.1f%% (%zu of %zu)", e->n ? 100.0 *
			e->pass_rate : 0.0, e->passed, e->n);
	}
	fputc('\n', f);
}

void console_report(struct console *c, const struct job_outcome *job,
		    const struct summary *s)
{
	FILE *f;

	if (!c)
		return;
	f = c->out;
	if (c->opt->quiet) {
		console_failures(f, c, job);
	} else {
		console_seed_table(f, c, job);
		console_outcome(f, &s->eval);
		console_phase_table(f, s);
		fprintf(f, "\nresults: %s\n", job->result_path ?
			job->result_path : "not kept (--no-out)");
	}
	console_last_line(f, job, &s->eval);
	fflush(f);
}
