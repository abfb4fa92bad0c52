/*
 * results.csv (RFC 4180, one header row, CRLF-free: LF line ends as the
 * spreadsheet importers and pandas accept): one row per rollout, then one
 * row per provider and phase with its statistics.  A "record" column
 * tells the two apart, and every row has every column (empty where it
 * does not apply), so one read_csv() gets both and a filter splits them.
 *
 *	record,job,provider,seed,epoch,sandbox,task,difficulty,ok,reward,
 *	status,class,ms,error,phase,n,n_ok,success_rate,min_ms,p50_ms,
 *	p90_ms,p95_ms,p99_ms,max_ms,mean_ms,stddev_ms
 *
 * Text that could start a formula in a spreadsheet (=, +, -, @, tab, CR)
 * is prefixed with a quote mark, as OWASP advises for CSV injection: a
 * task app's status or error is hostile input.  Its control characters
 * but LF and tab (ESC, BEL, CR, C1, bidi overrides, bytes that are not
 * UTF-8) are written escaped as rv_term shows them ("\x1b"), so that
 * `cat results.csv` cannot drive a terminal.
 */
#include "report_render.h"

#include "evalstats.h"
#include "report_util.h"
#include "rv_term.h"

#include <math.h>
#include <string.h>

/* Does s hold a byte rv_term might escape (a control but LF and tab,
   or any non-ASCII byte, which may be a C1 control or a bidi override)? */
static bool csv_needs_escape(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p >= 0x7f)
			return true;
	return false;
}

static void csv_text(struct rv_buf *b, const char *s)
{
	struct rv_buf safe = RV_BUF_INIT;
	bool quote;

	if (!s || !*s) {
		rv_buf_addch(b, ',');
		return;
	}
	if (csv_needs_escape(s)) {	/* a terminal's escapes stay text */
		rv_term_escape(&safe, s, strlen(s), true);
		s = safe.data;
	}
	quote = strpbrk(s, ",\"\n\r") != NULL;
	if (quote)
		rv_buf_addch(b, '"');
	if (strchr("=+-@\t\r", *s))
		rv_buf_addch(b, '\'');
	while (*s) {	/* a run without '"', then the '"' doubled */
		size_t run = strcspn(s, "\"");

		rv_buf_add(b, s, run);
		s += run;
		if (*s == '"') {
			rv_buf_add(b, "\"\"", 2);
			s++;
		}
	}
	if (quote)
		rv_buf_addch(b, '"');
	rv_buf_addch(b, ',');
	rv_buf_release(&safe);
}

static void csv_num(struct rv_buf *b, double v)
{
	if (isfinite(v))
		rv_buf_add_g(b, v, 6);
	rv_buf_addch(b, ',');
}

/* Replace the last ',' of the row by the line end. */
static void csv_end(struct rv_buf *b)
{
	if (b->len && b->data[b->len - 1] == ',')
		b->data[b->len - 1] = '\n';
	else
		rv_buf_addch(b, '\n');
}

static const char *csv_class(unsigned cls)
{
	switch (cls) {
	case EVALSTATS_TRANSPORT: return "transport";
	case EVALSTATS_PIPELINE: return "pipeline";
	default: return "ok";
	}
}

static void csv_rollouts(const struct report_view *v, struct rv_buf *b)
{
	const struct report_set *set = v->set;

	for (size_t j = 0; j < set->n_jobs; j++) {
		const struct report_job *job = &set->jobs[j];

		for (size_t i = 0; i < job->n_rollouts; i++) {
			struct report_rollout tmp;
			const struct report_rollout *r =
				report_rollout_at(set, job, i, &tmp);

			csv_text(b, "rollout");
			csv_text(b, job->name);
			csv_text(b, report_str(set, job->provider));
			if (r->seed == REPORT_NO_SEED)
				rv_buf_addch(b, ',');
			else
				rv_buf_addf(b, "%lld,", (long long)r->seed);
			rv_buf_addf(b, "%u,", r->epoch);
			csv_text(b, report_str(set, r->sandbox));
			csv_text(b, report_str(set, r->task));
			csv_text(b, report_str(set, r->difficulty));
			csv_text(b, r->ok ? "true" : "false");
			csv_num(b, r->reward);
			csv_text(b, report_str(set, r->status));
			csv_text(b, csv_class(r->cls));
			csv_num(b, r->ms);
			csv_text(b, report_str(set, r->error));
			rv_buf_adds(b, ",,,,,,,,,,,,");	/* phase statistics */
			csv_end(b);
			report_flush(v, b, false);
		}
	}
}

static void csv_phases(const struct report_view *v, struct rv_buf *b)
{
	const struct report_stats *st = v->st;

	for (size_t g = 0; g < st->n_groups; g++) {
		const struct report_group *gr = &st->groups[g];
		const struct stats_summary *s = &gr->st;

		csv_text(b, "phase");
		rv_buf_addch(b, ',');		/* job: all of them */
		csv_text(b, report_str(v->set, gr->provider));
		rv_buf_adds(b, ",,,,,,,,,,,");	/* the rollout's columns */
		csv_text(b, report_str(v->set, gr->phase));
		rv_buf_addf(b, "%zu,%zu,", s->n, s->ok);
		csv_num(b, s->success_rate);
		csv_num(b, s->min);
		csv_num(b, s->p50);
		csv_num(b, s->p90);
		csv_num(b, s->p95);
		csv_num(b, s->p99);
		csv_num(b, s->max);
		csv_num(b, s->mean);
		csv_num(b, s->stddev);
		csv_end(b);
	}
}

void report_render_csv(const struct report_view *v, struct rv_buf *out)
{
	rv_buf_adds(out, "record,job,provider,seed,epoch,sandbox,task,"
		    "difficulty,ok,reward,status,class,ms,error,phase,n,n_ok,"
		    "success_rate,min_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,"
		    "mean_ms,stddev_ms\n");
	csv_rollouts(v, out);
	csv_phases(v, out);
}
