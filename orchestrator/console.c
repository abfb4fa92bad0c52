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

/* Where a sandbox slot is in its bring-up. */
enum console_sb {
	CONSOLE_SB_NONE = 0,	/* not started, or torn down */
	CONSOLE_SB_PROVISIONING,
	CONSOLE_SB_PROVISIONED,	/* and installing, starting, ... */
	CONSOLE_SB_UPLOADING,
	CONSOLE_SB_HEALTHY,
};

struct console {
	const struct cli_options *opt;
	FILE *out;
	bool tty, progress, line_shown;
	size_t total, done, failed;
	uint64_t start_ns, last_draw_ns;
	size_t last_plain_done;
	/* bring-up */
	unsigned char *sb;	/* enum console_sb per slot, or NULL */
	unsigned n_sb;
	bool rolling;		/* the rollouts have begun */
	char last_up[96];	/* the last bring-up line drawn */
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
	if (c)
		free(c->sb);
	free(c);
}

void console_sandboxes(struct console *c, unsigned m, bool sandboxed)
{
	if (!c || !sandboxed || !m)
		return;
	free(c->sb);
	c->sb = rv_xcalloc(m, 1);
	c->n_sb = m;
}

/* "sandboxes: 3/8 provisioned, 2 uploading, 1 healthy" */
static void console_up_line(const struct console *c, char *buf, size_t size)
{
	unsigned n[CONSOLE_SB_HEALTHY + 1] = { 0 }, provisioned;

	for (unsigned i = 0; i < c->n_sb; i++)
		n[c->sb[i]]++;
	provisioned = n[CONSOLE_SB_PROVISIONED] + n[CONSOLE_SB_UPLOADING] +
		n[CONSOLE_SB_HEALTHY];
	snprintf(buf, size, "sandboxes: %u/%u provisioned, %u uploading, %u "
		 "healthy", provisioned, c->n_sb, n[CONSOLE_SB_UPLOADING],
		 n[CONSOLE_SB_HEALTHY]);
}

/* Redraw the bring-up line (on a terminal, or a plain line at most once
   a second and when every sandbox is healthy). */
static void console_draw_up(struct console *c)
{
	uint64_t now = rv_now_ns();
	char line[96];
	bool all;

	if (!c->sb || !c->progress || c->rolling)
		return;
	console_up_line(c, line, sizeof(line));
	if (!strcmp(line, c->last_up))
		return;
	all = true;
	for (unsigned i = 0; all && i < c->n_sb; i++)
		all = c->sb[i] == CONSOLE_SB_HEALTHY;
	if (c->tty) {
		fprintf(stderr, "\r\033[K%s", line);
		c->line_shown = true;
	} else if (all || now - c->last_draw_ns >= RV_NS_PER_SEC) {
		fprintf(stderr, "runeval: %s\n", line);
	} else {
		return;
	}
	fflush(stderr);
	snprintf(c->last_up, sizeof(c->last_up), "%s", line);
	c->last_draw_ns = now;
}

/* A slot's bring-up state after phase begins (begin) or ends. */
static void console_track(struct console *c, unsigned slot,
			  enum rv_phase phase, bool begin, bool ok)
{
	unsigned char *st;

	if (!c->sb || slot >= c->n_sb)
		return;
	st = &c->sb[slot];
	if (phase == RV_PHASE_PROVISION)
		*st = begin ? CONSOLE_SB_PROVISIONING : ok ?
			CONSOLE_SB_PROVISIONED : CONSOLE_SB_NONE;
	else if (phase == RV_PHASE_UPLOAD)
		*st = begin ? CONSOLE_SB_UPLOADING : CONSOLE_SB_PROVISIONED;
	else if (phase == RV_PHASE_HEALTH && !begin && ok)
		*st = CONSOLE_SB_HEALTHY;
	else if (phase == RV_PHASE_TEARDOWN && begin)
		*st = CONSOLE_SB_NONE;
	else if (phase == RV_PHASE_ROLLOUTS && begin && !c->rolling) {
		/* the bring-up line gives way to the rollouts' */
		console_draw_up(c);
		if (!c->tty && c->last_up[0] && c->progress) {
			char line[96];

			console_up_line(c, line, sizeof(line));
			if (strcmp(line, c->last_up))
				fprintf(stderr, "runeval: %s\n", line);
		}
		console_progress_done(c);
		c->rolling = true;
		return;
	}
	console_draw_up(c);
}

void console_phase_begin(struct console *c, unsigned slot,
			 enum rv_phase phase)
{
	if (!c)
		return;
	if (phase == RV_PHASE_ROLLOUTS && !c->rolling)
		c->start_ns = c->last_draw_ns = rv_now_ns();
	if (c->opt->verbose)
		rv_debug("%s ...", rv_phase_name(phase));
	console_track(c, slot, phase, true, true);
}

void console_phase_end(struct console *c, unsigned slot, enum rv_phase phase,
		       enum rv_code rc, double ms, const char *error)
{
	if (!c)
		return;
	if (!c->sb || c->rolling || c->opt->verbose)
		console_progress_done(c);
	console_track(c, slot, phase, false, rc == RV_OK);
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
	fprintf(f, "\nresults: %s\n", job->result_path ? job->result_path :
		"not kept (--no-out)");
	fflush(f);
}
