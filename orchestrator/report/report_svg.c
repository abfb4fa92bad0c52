/*
 * waterfall.svg: a self-contained SVG (no scripts, fonts or links).
 *
 * Per job, one row per sandbox (in shard order, labelled with the shard
 * and its name) with its phases as coloured bars on the job's time axis,
 * and the sandbox's rollouts as thin rows beneath it: green when the
 * rollout passed, light when it scored below the pass threshold, red
 * when it failed (an outline for a pipeline failure), each with its
 * reward or its status written after it; then, per provider, a chart of
 * p50 and p95 for every phase.  Rows are capped (SVG_MAX_SANDBOXES,
 * SVG_MAX_ROLLOUTS) with a note, so a huge input still gives a picture a
 * browser can show.
 */
#include "report_render.h"

#include "evalstats.h"
#include "report_util.h"
#include "rv_alloc.h"
#include "rv_phase.h"

#include <math.h>
#include <string.h>

#define SVG_W 1200
#define SVG_LEFT 190		/* label column */
#define SVG_PLOT (SVG_W - SVG_LEFT - 30)
#define SVG_ROW 18
#define SVG_ROLLOUT_ROW 9
#define SVG_MAX_SANDBOXES 40
#define SVG_MAX_ROLLOUTS 400
#define SVG_LABEL_MAX 28
#define SVG_FAIL "#d62728"
#define SVG_OK "#59a14f"		/* rv_phase_colour(RV_PHASE_ROLLOUT) */
#define SVG_LOW "#c7e3bf"		/* answered, below the pass threshold */

struct svg {
	struct rv_buf *body;	/* the output: rendered in place */
	const struct report_view *v;
	double y;		/* next free row */
	size_t rollouts_drawn;
	double threshold;	/* the job's pass threshold */
	/* the job's sandbox of each sample and rollout placed in time,
	   else SVG_UNPLACED: a sandbox's rows read only their own (a live
	   job makes each one read) */
	uint32_t *sample_sb, *row_sb;
};

#define SVG_UNPLACED UINT32_MAX

static const char *const svg_spare[] = {
	"#1f77b4", "#ff7f0e", "#17becf", "#bcbd22", "#9467bd", "#8c564b",
};

static const char *svg_colour(const char *phase)
{
	enum rv_phase known = rv_phase_find(phase);
	size_t h = 0;

	if (known != RV_PHASE_NONE)
		return rv_phase_colour(known);
	for (const char *p = phase; *p; p++)
		h = h * 31 + (unsigned char)*p;
	return svg_spare[h % (sizeof(svg_spare) / sizeof(*svg_spare))];
}

/* Text of class cls; anchor NULL is "start"; max bytes of it (0: all). */
static void svg_text(struct rv_buf *b, double x, double y, const char *cls,
		     const char *anchor, const char *text, size_t max)
{
	rv_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\" text-anchor=\"%s\">",
		    x, y, cls, anchor ? anchor : "start");
	report_xml_esc(b, text, max);
	rv_buf_adds(b, "</text>\n");
}

/* A bar with a tooltip; failed ones get a red outline. */
static void svg_bar(struct rv_buf *b, double x, double y, double w, double h,
		    const char *fill, bool ok, const char *tip)
{
	rv_buf_addf(b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"",
		    x, y, w < 1 ? 1 : w, h, fill);
	if (!ok)
		rv_buf_addf(b, " stroke=\"%s\" stroke-width=\"2\"", SVG_FAIL);
	rv_buf_adds(b, "><title>");
	report_xml_esc(b, tip, 400);
	rv_buf_adds(b, "</title></rect>\n");
}

/* Grid lines on an axis at most (svg_step makes about 8). */
#define SVG_MAX_TICKS 20

/* A round step of about span/8: 1, 2 or 5 times a power of ten. */
static double svg_step(double span)
{
	double raw = span / 8, p;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p :
	       10 * p;
}

/*
 * Grid lines and tick labels for [0, tmax] over the plot width, put in
 * the body at offset at, under the rows drawn after it (the height of the
 * rows is known only once they are drawn: the rows are not copied).
 */
static void svg_axis_scaled(struct svg *s, size_t at, double tmax,
			    double top, double bottom)
{
	struct rv_buf axis = RV_BUF_INIT;
	double step = svg_step(tmax);
	/* the ticks are counted, not summed: with a time near DBL_MAX (a
	   hostile input) t overflowed to infinity and the loop never ended */
	int n = isfinite(tmax) && tmax > 0 && isfinite(step) && step > 0 ?
		(int)fmin(floor(tmax * 1.0001 / step), SVG_MAX_TICKS) : 0;
	char t_ms[32];

	for (int i = 0; i <= n; i++) {
		double t = i * step;
		double x = SVG_LEFT + (n ? t / tmax * SVG_PLOT : 0);

		rv_buf_addf(&axis, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" class=\"grid\"/>\n",
			    x, top, x, bottom);
		svg_text(&axis, x, top - 4, "tick", "middle",
			 t == 0 ? "0" : report_fmt_ms(t, t_ms, sizeof(t_ms)), 0);
	}
	report_buf_insert(s->body, at, &axis);
	rv_buf_release(&axis);
}

static void svg_tip(struct rv_buf *tip, const struct report_view *v,
		    const struct report_sample *smp)
{
	char a[32], b[32];

	rv_buf_reset(tip);
	rv_buf_addf(tip, "%s", report_str(v->set, smp->phase));
	if (smp->seed != REPORT_NO_SEED)
		rv_buf_addf(tip, " seed %lld", (long long)smp->seed);
	rv_buf_addf(tip, ": %s at +%s, %s", report_fmt_ms(smp->ms, a, sizeof(a)),
		    report_fmt_ms(smp->start_ms, b, sizeof(b)),
		    smp->ok ? "ok" : "failed");
	if (smp->error)
		rv_buf_addf(tip, " (%s)", report_str(v->set, smp->error));
}

/* The label of a rollout row: "seed 3", "seed 3 #2" (epoch 2). */
static void svg_seed_label(struct rv_buf *lab, int64_t seed, uint32_t epoch)
{
	rv_buf_reset(lab);
	if (seed == REPORT_NO_SEED)
		rv_buf_adds(lab, "rollout");
	else
		rv_buf_addf(lab, "seed %lld", (long long)seed);
	if (epoch > 1)
		rv_buf_addf(lab, " #%u", epoch);
}

/* One rollout of a result.json: its bar, coloured by its outcome, and
   its reward (or its status when it failed) after it. */
static void svg_rollout(struct svg *s, struct rv_buf *rows,
			const struct report_rollout *r, double tmax)
{
	const struct report_view *v = s->v;
	const char *status = report_str(v->set, r->status);
	const char *why = report_str(v->set, r->cls == EVALSTATS_TRANSPORT ?
				     r->error : r->detail);
	struct rv_buf tip = RV_BUF_INIT, lab = RV_BUF_INIT;
	bool failed = r->cls != EVALSTATS_OK;
	double x = SVG_LEFT + r->start_ms / tmax * SVG_PLOT;
	double w = (isfinite(r->ms) ? r->ms : 0) / tmax * SVG_PLOT;
	char a[32];

	svg_seed_label(&lab, r->seed, r->epoch);
	rv_buf_addf(&tip, "%s: ", lab.data);
	if (isfinite(r->reward))
		rv_buf_addf(&tip, "reward %g, ", r->reward);
	rv_buf_addf(&tip, "%s, %s", status ? status : "-",
		    report_fmt_ms(r->ms, a, sizeof(a)));
	if (why)
		rv_buf_addf(&tip, " (%s)", why);
	svg_text(rows, SVG_LEFT - 8, s->y + 8, "small", "end", lab.data,
		 SVG_LABEL_MAX);
	svg_bar(rows, x, s->y + 1, w, SVG_ROLLOUT_ROW - 2,
		r->cls == EVALSTATS_TRANSPORT ? SVG_FAIL :
		isfinite(r->reward) && r->reward >= s->threshold ? SVG_OK :
		SVG_LOW, r->cls != EVALSTATS_PIPELINE, tip.data);
	rv_buf_reset(&lab);
	if (failed)
		rv_buf_addf(&lab, "\u2717 %s", status ? status : "failed");
	if (isfinite(r->reward))
		rv_buf_addf(&lab, "%s%.3g", failed ? " " : "", r->reward);
	/* after the bar, or before it near the right edge */
	if (x + w + 130 < SVG_W)
		svg_text(rows, x + (w < 1 ? 1 : w) + 3, s->y + 8, failed ?
			 "small fail" : "small", NULL, lab.data, SVG_LABEL_MAX);
	else
		svg_text(rows, x - 3, s->y + 8, failed ? "small fail" : "small",
			 "end", lab.data, SVG_LABEL_MAX);
	s->y += SVG_ROLLOUT_ROW;
	s->rollouts_drawn++;
	rv_buf_release(&tip);
	rv_buf_release(&lab);
}

/* Are the job's rollouts placed in time (result.json's start_ms)? */
static bool svg_has_placed_rollouts(const struct svg *s,
				    const struct report_job *job)
{
	for (size_t i = 0; i < job->n_rollouts; i++)
		if (s->row_sb[i] != SVG_UNPLACED)
			return true;
	return false;
}

/* The sandbox row and its rollouts beneath it, appended to rows. */
/* "#1 name", the name's tail kept when it is long (it tells shards
   apart), with the full name and id in a tooltip. */
static void svg_sandbox_label(struct svg *s, struct rv_buf *rows,
			      const struct report_job *job, uint32_t sandbox)
{
	const char *id = report_str(s->v->set, sandbox), *name = id;
	struct rv_buf lab = RV_BUF_INIT, tip = RV_BUF_INIT;
	size_t k = 0, len;

	while (k < job->n_shards && job->shards[k].id != sandbox)
		k++;
	if (k < job->n_shards && job->shards[k].name)
		name = report_str(s->v->set, job->shards[k].name);
	if (!name || k == job->n_shards) {	/* no shard: its label */
		svg_text(rows, SVG_LEFT - 8, s->y + 13, "label", "end",
			 name ? name : "(job)", SVG_LABEL_MAX);
		return;
	}
	rv_buf_addf(&lab, "#%zu ", k);
	len = strlen(name);
	if (lab.len + len > SVG_LABEL_MAX) {	/* "...tail", whole chars */
		size_t from = len - (SVG_LABEL_MAX - lab.len - 3);

		while (from < len && ((unsigned char)name[from] & 0xc0) == 0x80)
			from++;
		rv_buf_addf(&lab, "...%s", name + from);
	} else {
		rv_buf_adds(&lab, name);
	}
	rv_buf_addf(&tip, "shard %zu: %s, sandbox %s", k, name, id);
	rv_buf_addf(rows, "<text x=\"%d\" y=\"%.1f\" class=\"label\" text-anchor=\"end\"><title>",
		    SVG_LEFT - 8, s->y + 13);
	report_xml_esc(rows, tip.data, 400);
	rv_buf_adds(rows, "</title>");
	report_xml_esc(rows, lab.data, 0);
	rv_buf_adds(rows, "</text>\n");
	rv_buf_release(&lab);
	rv_buf_release(&tip);
}

static void svg_sandbox(struct svg *s, struct rv_buf *rows,
			const struct report_job *job, uint32_t sandbox,
			uint32_t rollout, double tmax, size_t *hidden)
{
	const struct report_view *v = s->v;
	struct rv_buf tip = RV_BUF_INIT, lab = RV_BUF_INIT;
	size_t end = job->first_sample + job->n_samples;
	bool records = svg_has_placed_rollouts(s, job);
	struct report_sample tmp;
	struct report_rollout rtmp;

	svg_sandbox_label(s, rows, job, sandbox);
	for (size_t i = job->first_sample; i < end; i++) {
		const struct report_sample *m;

		if (s->sample_sb[i - job->first_sample] != sandbox)
			continue;
		m = report_sample_at(v->set, i, &tmp);
		if (m->phase == rollout || !isfinite(m->start_ms))
			continue;
		svg_tip(&tip, v, m);
		svg_bar(rows, SVG_LEFT + m->start_ms / tmax * SVG_PLOT, s->y + 2,
			m->ms / tmax * SVG_PLOT, SVG_ROW - 4,
			svg_colour(report_str(v->set, m->phase)), m->ok, tip.data);
	}
	s->y += SVG_ROW;
	for (size_t i = 0; records && i < job->n_rollouts; i++) {
		const struct report_rollout *r;

		if (s->row_sb[i] != sandbox)
			continue;
		r = report_rollout_at(v->set, job, i, &rtmp);
		if (s->rollouts_drawn >= SVG_MAX_ROLLOUTS)
			(*hidden)++;
		else
			svg_rollout(s, rows, r, tmax);
	}
	for (size_t i = job->first_sample; !records && rollout && i < end; i++) {
		const struct report_sample *m;

		if (s->sample_sb[i - job->first_sample] != sandbox)
			continue;
		m = report_sample_at(v->set, i, &tmp);
		if (m->phase != rollout || !isfinite(m->start_ms))
			continue;
		if (s->rollouts_drawn >= SVG_MAX_ROLLOUTS) {
			(*hidden)++;
			continue;
		}
		svg_tip(&tip, v, m);
		svg_seed_label(&lab, m->seed, 1);
		svg_text(rows, SVG_LEFT - 8, s->y + 8, "small", "end", lab.data,
			 SVG_LABEL_MAX);
		svg_bar(rows, SVG_LEFT + m->start_ms / tmax * SVG_PLOT, s->y + 1,
			m->ms / tmax * SVG_PLOT, SVG_ROLLOUT_ROW - 2,
			m->ok ? SVG_OK : SVG_FAIL, true, tip.data);
		s->y += SVG_ROLLOUT_ROW;
		s->rollouts_drawn++;
	}
	rv_buf_release(&tip);
	rv_buf_release(&lab);
}

/* Distinct sandboxes of a job with start times, in order of appearance. */
/* Fill s->sample_sb and s->row_sb for job, reading each once; returns
   the end of the last placed sample. */
static double svg_index(struct svg *s, const struct report_job *job)
{
	const struct report_set *set = s->v->set;
	double tmax = 0;

	s->sample_sb = rv_xcalloc(job->n_samples + 1, sizeof(*s->sample_sb));
	s->row_sb = rv_xcalloc(job->n_rollouts + 1, sizeof(*s->row_sb));
	for (size_t i = 0; i < job->n_samples; i++) {
		struct report_sample tmp;
		const struct report_sample *m =
			report_sample_at(set, job->first_sample + i, &tmp);

		s->sample_sb[i] = isfinite(m->start_ms) ? m->sandbox :
			SVG_UNPLACED;
		if (isfinite(m->start_ms) && m->start_ms + m->ms > tmax)
			tmax = m->start_ms + m->ms;
	}
	for (size_t i = 0; i < job->n_rollouts; i++) {
		struct report_rollout tmp;
		const struct report_rollout *r = report_rollout_at(set, job, i,
								   &tmp);

		s->row_sb[i] = isfinite(r->start_ms) ? r->sandbox :
			SVG_UNPLACED;
	}
	return tmax;
}

static size_t svg_sandboxes(const struct svg *s,
			    const struct report_job *job, uint32_t *out,
			    size_t *more)
{
	bool *seen = rv_xcalloc(s->v->set->strings.n + 1, sizeof(*seen));
	size_t n = 0;

	*more = 0;
	/* the shards first, in their order, when they drew anything */
	for (size_t k = 0; k < job->n_shards; k++) {
		uint32_t id = job->shards[k].id;
		bool drawn = false;

		for (size_t i = 0; !drawn && i < job->n_samples; i++)
			drawn = s->sample_sb[i] == id;
		if (!drawn || seen[id])
			continue;
		seen[id] = true;
		if (n < SVG_MAX_SANDBOXES)
			out[n++] = id;
		else
			(*more)++;
	}
	for (size_t i = 0; i < job->n_samples; i++) {
		uint32_t id = s->sample_sb[i];

		if (id == SVG_UNPLACED || seen[id])
			continue;
		seen[id] = true;
		if (n < SVG_MAX_SANDBOXES)
			out[n++] = id;
		else
			(*more)++;
	}
	free(seen);
	return n;
}

/* The pass threshold of the eval group that holds job, else 1. */
static double svg_threshold(const struct report_view *v,
			    const struct report_job *job)
{
	for (size_t i = 0; v->evals && i < v->evals->n; i++)
		for (size_t k = 0; k < v->evals->groups[i].n_jobs; k++)
			if (&v->set->jobs[v->evals->groups[i].jobs[k]] == job)
				return v->evals->groups[i].threshold;
	return 1;
}

static void svg_job(struct svg *s, const struct report_job *job)
{
	const struct report_view *v = s->v;
	uint32_t sandboxes[SVG_MAX_SANDBOXES];
	uint32_t rollout = report_find(v->set, rv_phase_name(RV_PHASE_ROLLOUT));
	struct rv_buf title = RV_BUF_INIT;
	size_t n, more, hidden = 0, at;
	double tmax, top;
	char b[32];

	s->threshold = svg_threshold(v, job);
	tmax = svg_index(s, job);
	n = svg_sandboxes(s, job, sandboxes, &more);
	rv_buf_addf(&title, "%s%s%s", job->name,
		    job->provider ? " on " : "",
		    job->provider ? report_str(v->set, job->provider) : "");
	svg_text(s->body, 10, s->y + 16, "h2", NULL, title.data, 160);
	s->y += 24;
	if (!n) {
		svg_text(s->body, SVG_LEFT, s->y + 12, "note", NULL,
			 "no start times in this input: nothing to place on a time axis",
			 0);
		s->y += 24;
		goto out;
	}
	if (!(tmax > 0))
		tmax = 1;
	top = s->y += 18;
	at = s->body->len;
	for (size_t i = 0; i < n; i++)
		svg_sandbox(s, s->body, job, sandboxes[i], rollout, tmax,
			    &hidden);
	svg_axis_scaled(s, at, tmax, top, s->y);
	svg_text(s->body, SVG_LEFT + SVG_PLOT, s->y + 14, "tick", "end",
		 report_fmt_ms(tmax, b, sizeof(b)), 0);
	s->y += 18;
	if (more || hidden) {
		rv_buf_reset(&title);
		rv_buf_addf(&title, "not drawn: %zu more sandboxes, %zu more rollouts",
			    more, hidden);
		svg_text(s->body, SVG_LEFT, s->y + 10, "note", NULL, title.data, 0);
		s->y += 18;
	}
out:
	s->y += 10;
	free(s->sample_sb);
	free(s->row_sb);
	s->sample_sb = s->row_sb = NULL;
	rv_buf_release(&title);
}

static void svg_legend(struct svg *s)
{
	const struct report_stats *st = s->v->st;
	double x = 10;

	for (size_t k = 0; k < st->n_phases; k++) {
		const char *p = report_str(s->v->set, st->phases[k]);
		size_t len = strlen(p) < SVG_LABEL_MAX ? strlen(p) : SVG_LABEL_MAX;

		if (x + 24 + (double)len * 7 > SVG_W - 10) {
			x = 10;
			s->y += 18;
		}
		rv_buf_addf(s->body, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			    x, s->y, svg_colour(p));
		svg_text(s->body, x + 16, s->y + 10, "tick", NULL, p,
			 SVG_LABEL_MAX);
		x += 24 + (double)len * 7;
	}
	rv_buf_addf(s->body, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2\"/>\n",
		    x, s->y, SVG_FAIL);
	svg_text(s->body, x + 16, s->y + 10, "tick", NULL, "failed", 0);
	s->y += 30;
}

/* One phase of the chart: a light p95 bar with the p50 bar over it. */
static void svg_chart_row(struct svg *s, struct rv_buf *rows,
			  const struct report_group *gr, double max)
{
	const char *phase = report_str(s->v->set, gr->phase);
	const char *c = svg_colour(phase);
	struct rv_buf b = RV_BUF_INIT;
	double w95 = 0;
	char x[32], y[32];

	svg_text(rows, SVG_LEFT - 8, s->y + 13, "label", "end", phase,
		 SVG_LABEL_MAX);
	if (gr->st.ok && max > 0) {
		w95 = gr->st.p95 / max * SVG_PLOT;
		rv_buf_addf(&b, "%s p95 %s (n=%zu)", phase,
			    report_fmt_ms(gr->st.p95, y, sizeof(y)), gr->st.ok);
		rv_buf_adds(rows, "<g opacity=\"0.35\">");
		svg_bar(rows, SVG_LEFT, s->y + 2, w95, SVG_ROW - 4, c, true,
			b.data);
		rv_buf_adds(rows, "</g>\n");
		rv_buf_reset(&b);
		rv_buf_addf(&b, "%s p50 %s", phase,
			    report_fmt_ms(gr->st.p50, x, sizeof(x)));
		svg_bar(rows, SVG_LEFT, s->y + 2, gr->st.p50 / max * SVG_PLOT,
			SVG_ROW - 4, c, true, b.data);
		rv_buf_reset(&b);
		rv_buf_addf(&b, "p50 %s / p95 %s", x, y);
	} else {
		rv_buf_adds(&b, gr->st.ok ? "0 ms" : "no successful samples");
	}
	svg_text(rows, SVG_LEFT + 6 + w95, s->y + 13, "tick", NULL, b.data, 0);
	s->y += SVG_ROW;
	rv_buf_release(&b);
}

/* p50 and p95 of every phase of one provider, on a shared scale. */
static void svg_provider_chart(struct svg *s, size_t *g, uint32_t prov)
{
	const struct report_stats *st = s->v->st;
	struct rv_buf title = RV_BUF_INIT;
	double top, max = 0;
	size_t end = *g, at;

	for (; end < st->n_groups && st->groups[end].provider == prov; end++)
		if (st->groups[end].st.p95 > max)
			max = st->groups[end].st.p95;
	rv_buf_addf(&title, "p50 (solid) and p95 (light) per phase on %s",
		    report_str(s->v->set, prov));
	svg_text(s->body, 10, s->y + 16, "h2", NULL, title.data, 160);
	top = s->y += 40;
	at = s->body->len;
	/* the bars take 80% of the width: the rest is for their labels */
	for (; *g < end; (*g)++)
		svg_chart_row(s, s->body, &st->groups[*g], max / 0.8);
	if (max > 0)
		svg_axis_scaled(s, at, max / 0.8, top, s->y);
	s->y += 16;
	rv_buf_release(&title);
}

/* The whole picture, rendered into out; its head, which says the
 * height, is put in front last. */
void report_render_svg(const struct report_view *v, struct rv_buf *out)
{
	struct svg s = { .body = out, .v = v, .y = 12 };
	struct rv_buf sub = RV_BUF_INIT, head = RV_BUF_INIT;
	size_t g = 0, at = out->len;

	svg_text(out, 10, s.y + 18, "h1", NULL, "runeval waterfall", 0);
	rv_buf_addf(&sub, "%zu samples from %zu input%s; run %s, reported %s",
		    v->set->n_samples, v->set->n_jobs,
		    v->set->n_jobs == 1 ? "" : "s", v->timestamp,
		    v->generated_utc);
	svg_text(out, 10, s.y + 38, "note", NULL, sub.data, 0);
	s.y += 54;
	svg_legend(&s);
	for (size_t j = 0; j < v->set->n_jobs; j++)
		svg_job(&s, &v->set->jobs[j]);
	for (size_t i = 0; i < v->st->n_providers; i++)
		svg_provider_chart(&s, &g, v->st->providers[i].provider);
	rv_buf_addf(&head, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\">\n"
		    "<style>\n"
		    "text { font-family: sans-serif; fill: #222; }\n"
		    ".h1 { font-size: 18px; font-weight: bold; }\n"
		    ".h2 { font-size: 14px; font-weight: bold; }\n"
		    ".label { font-size: 11px; }\n"
		    ".tick { font-size: 10px; fill: #555; }\n"
		    ".small { font-size: 8px; fill: #777; }\n"
		    ".fail { fill: #d62728; }\n"
		    ".note { font-size: 11px; font-style: italic; fill: #555; }\n"
		    ".grid { stroke: #e3e3e3; stroke-width: 1; }\n"
		    "</style>\n"
		    "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		    SVG_W, s.y + 10, SVG_W, s.y + 10);
	report_buf_insert(out, at, &head);
	rv_buf_adds(out, "</svg>\n");
	rv_buf_release(&head);
	rv_buf_release(&sub);
}
