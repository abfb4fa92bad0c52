/* console: progress line and final report (see console.h). */
#include "console.h"

#include "cli.h"
#include "outcome.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "rv_term.h"
#include "summary.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_REDRAW_NS (100 * RV_NS_PER_MS)
#define CONSOLE_PLAIN_NS (5 * RV_NS_PER_SEC)
#define CONSOLE_STATUS_MAX 100	/* bytes of a status shown in the table */

struct console {
	const struct cli_options *opt;
	FILE *out;
	bool tty, progress, line_shown;
	size_t total, done, failed;
	uint64_t start_ns, last_draw_ns;
	size_t last_plain_done;
};

struct console *console_new(const struct cli_options *opt, size_t total,
			    FILE *report_out)
{
	struct console *c = rv_xcalloc(1, sizeof(*c));

	c->opt = opt;
	c->out = report_out;
	c->total = total;
	c->tty = isatty(STDERR_FILENO);
	c->progress = !opt->quiet && !opt->no_progress;
	return c;
}

void console_free(struct console *c)
{
	free(c);
}

void console_phase_begin(struct console *c, enum rv_phase phase)
{
	if (!c)
		return;
	if (phase == RV_PHASE_ROLLOUTS)
		c->start_ns = c->last_draw_ns = rv_now_ns();
	if (c->opt->verbose)
		rv_debug("%s ...", rv_phase_name(phase));
}

void console_phase_end(struct console *c, enum rv_phase phase,
		       enum rv_code rc, double ms, const char *error)
{
	if (!c)
		return;
	console_progress_done(c);
	if (c->opt->verbose)
		rv_debug("%s %s (%.1f ms)%s%s", rv_phase_name(phase),
			 rc == RV_OK ? "ok" :
			 "failed", ms, rc == RV_OK ? "" : ": ",
			 rc == RV_OK ? "" : error);
}

static void console_fmt_secs(char *buf, size_t size, double s)
{
	if (s < 60)
		snprintf(buf, size, "%.1f s", s);
	else
		snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static void console_draw(struct console *c, uint64_t now)
{
	double el = (double)(now - c->start_ns) / 1e9;
	char elapsed[32], eta[32] = "?";

	console_fmt_secs(elapsed, sizeof(elapsed), el);
	if (c->done)
		console_fmt_secs(eta, sizeof(eta), el / (double)c->done *
				 (double)(c->total - c->done));
	if (c->tty) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %zu failed, %s elapsed, "
			"ETA %s", c->done, c->total, c->failed, elapsed, eta);
		c->line_shown = true;
	} else {
		fprintf(stderr, "runeval: %zu/%zu rollouts done, %zu failed, "
			"%s elapsed, ETA %s\n", c->done, c->total, c->failed,
			elapsed, eta);
	}
	fflush(stderr);
	c->last_draw_ns = now;
}

void console_rollout(struct console *c, const struct rollout *r)
{
	uint64_t now = rv_now_ns();
	bool step;

	if (!c)
		return;
	c->done++;
	c->failed += !r->ok;
	if (c->opt->verbose) {
		console_progress_done(c);
		if (r->ok)
			rv_debug("seed %ld: ok, reward %g (%.1f ms)", r->seed,
				 r->reward, rv_ns_to_ms(r->end_ns - r->start_ns));
		else
			rv_debug("seed %ld: failed: %s", r->seed, r->error);
	}
	if (!c->progress)
		return;
	if (c->tty) {
		if (c->done == c->total ||
		    now - c->last_draw_ns >= CONSOLE_REDRAW_NS)
			console_draw(c, now);
		return;
	}
	/* plain lines: at each tenth or every 5 s, once a second has gone */
	step = c->done * 10 / c->total != c->last_plain_done * 10 / c->total;
	if ((step || now - c->last_draw_ns >= CONSOLE_PLAIN_NS) &&
	    now - c->start_ns >= RV_NS_PER_SEC) {
		console_draw(c, now);
		c->last_plain_done = c->done;
	}
}

void console_progress_done(struct console *c)
{
	if (!c || !c->line_shown)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	c->line_shown = false;
}

static void console_num(FILE *f, double v, int width, const char *fmt)
{
	if (isnan(v))
		fprintf(f, "%*s", width, "-");
	else
		fprintf(f, fmt, width, v);
}

static void console_seed_row(FILE *f, const struct rollout *r)
{
	const char *what = r->ok ? (r->success_status ? r->success_status :
				    "") : r->error ? r->error : "";
	double ms = r->end_ns ? rv_ns_to_ms(r->end_ns - r->start_ns) : NAN;

	size_t len = strlen(what);
	struct rv_buf safe = RV_BUF_INIT;

	/* the first 100 bytes (whole UTF-8 characters), then escaped */
	if (len > CONSOLE_STATUS_MAX) {
		len = CONSOLE_STATUS_MAX;
		while (len && ((unsigned char)what[len] & 0xc0) == 0x80)
			len--;
	}
	rv_term_escape(&safe, what, len, false);
	fprintf(f, "%8ld  %-6s ", r->seed, r->ok ? "ok" :
		r->state == ROLLOUT_CANCELLED ? "cancel" : "FAILED");
	console_num(f, r->ok ? r->reward : NAN, 7, "%*.3f");
	console_num(f, ms, 10, "%*.1f");
	fprintf(f, "  %s\n", safe.data);
	rv_buf_release(&safe);
}

static void console_seed_table(FILE *f, const struct job_outcome *job)
{
	size_t shown = 0, n = job->n_rollouts;
	bool all = n <= CONSOLE_MAX_SEED_ROWS;

	fprintf(f, "%8s  %-6s %7s %10s  %s\n", "seed", "result", "reward",
		"ms", all ? "status" : "status (failed seeds only)");
	for (size_t i = 0; i < n; i++) {
		const struct rollout *r = &job->rollouts[i];

		if (!all && (r->ok || shown >= CONSOLE_MAX_SEED_ROWS))
			continue;
		console_seed_row(f, r);
		shown++;
	}
	if (!all)
		fprintf(f, "%8s  (%zu of %zu seeds shown; all are in "
			"result.json)\n", "", shown, n);
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

void console_report(struct console *c, const struct job_outcome *job,
		    const struct summary *s)
{
	FILE *f;

	if (!c || c->opt->quiet)
		return;
	f = c->out;
	console_seed_table(f, job);
	fprintf(f, "\nrollouts: %zu/%zu ok (success rate %.1f%%)", s->completed,
		s->seeds, s->seeds ? 100.0 * s->success_rate : 0.0);
	if (s->completed)
		fprintf(f, ", mean reward %.3f (%.3f over all seeds)",
			s->mean_reward, s->mean_reward_all);
	fputc('\n', f);
	console_phase_table(f, s);
	fprintf(f, "\njob %s: %s", job->id, job_status_name(job->status));
	if (job->status != JOB_OK) {
		char *msg = rv_redact(job->error);

		rv_term_printf(f, ": %s", msg);
		free(msg);
	}
	fprintf(f, "\nresults: %s\n", job->result_path);
	fflush(f);
}
