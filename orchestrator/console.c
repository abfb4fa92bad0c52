/* console: the progress lines (see console.h; the final report is
   console_report.c). */
#include "console.h"

#include "cli.h"
#include "console_int.h"
#include "eval.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_log.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_REDRAW_NS (100 * RV_NS_PER_MS)
#define CONSOLE_PLAIN_NS (5 * RV_NS_PER_SEC)

/* Where a sandbox slot is in its bring-up. */
enum console_sb {
	CONSOLE_SB_NONE = 0,	/* not started, or torn down */
	CONSOLE_SB_PROVISIONING,
	CONSOLE_SB_PROVISIONED,	/* and installing, starting, ... */
	CONSOLE_SB_UPLOADING,
	CONSOLE_SB_HEALTHY,
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

/* "mean reward 0.750, 3 failed (1 pipeline)" */
static void console_running(const struct console *c, char *buf, size_t size)
{
	int n;

	if (c->completed)
		n = snprintf(buf, size, "mean reward %.3f, ", c->reward_sum /
			     (double)c->completed);
	else
		n = snprintf(buf, size, "mean reward -, ");
	if (n < 0 || (size_t)n >= size)
		return;
	snprintf(buf + n, size - (size_t)n, c->pipeline ? "%zu failed "
		 "(%zu pipeline)" : "%zu failed", c->failed + c->pipeline,
		 c->pipeline);
}

static void console_draw(struct console *c, uint64_t now)
{
	double el = (double)(now - c->start_ns) / 1e9;
	char elapsed[32], eta[32] = "?", run[96];

	console_fmt_secs(elapsed, sizeof(elapsed), el);
	if (c->done)
		console_fmt_secs(eta, sizeof(eta), el / (double)c->done *
				 (double)(c->total - c->done));
	console_running(c, run, sizeof(run));
	if (c->tty) {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s, %s elapsed, ETA %s",
			c->done, c->total, run, elapsed, eta);
		c->line_shown = true;
	} else {
		fprintf(stderr, "runeval: %zu/%zu rollouts done, %s, %s "
			"elapsed, ETA %s\n", c->done, c->total, run, elapsed,
			eta);
	}
	fflush(stderr);
	c->last_draw_ns = now;
}

void console_rollout(struct console *c, const struct rollout *r)
{
	uint64_t now = rv_now_ns();
	bool step;

	enum evalstats_class cls;

	if (!c)
		return;
	cls = eval_class(r, c->opt);
	c->done++;
	c->failed += cls == EVALSTATS_TRANSPORT;
	c->pipeline += cls == EVALSTATS_PIPELINE;
	if (cls != EVALSTATS_TRANSPORT) {
		c->completed++;
		c->reward_sum += r->reward;
	}
	if (c->opt->verbose) {
		char seed[64];

		console_progress_done(c);
		console_seed_name(c, r, seed, sizeof(seed));
		if (cls == EVALSTATS_OK)
			rv_debug("%s: ok, reward %g (%.1f ms)", seed, r->reward,
				 rv_ns_to_ms(r->end_ns - r->start_ns));
		else if (cls == EVALSTATS_PIPELINE)
			rv_debug("%s: pipeline failure %s, reward %g: %s", seed,
				 eval_status(r), r->reward, eval_reason(r));
		else
			rv_debug("%s: failed: %s", seed, r->error);
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

void console_seed_name(const struct console *c, const struct rollout *r,
		       char *buf, size_t size)
{
	if (c->opt->epochs > 1 || r->epoch > 1)
		snprintf(buf, size, "seed %ld (epoch %u)", r->seed, r->epoch);
	else
		snprintf(buf, size, "seed %ld", r->seed);
}
