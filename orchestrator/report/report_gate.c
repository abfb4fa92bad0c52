#include "report_gate.h"

#include "report_compare.h"
#include "report_util.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_num.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum gate_stat stat;
	double q;
} gate_names[] = {
	{ "median", GATE_QUANTILE, 0.5 }, { "min", GATE_MIN, 0 },
	{ "max", GATE_MAX, 0 }, { "mean", GATE_MEAN, 0 },
	{ "stddev", GATE_STDDEV, 0 }, { "mad", GATE_MAD, 0 },
	{ "success_rate", GATE_SUCCESS_RATE, 0 }, { "n", GATE_N, 0 },
	{ "ok", GATE_OK, 0 }, { "failures", GATE_FAILURES, 0 },
	{ "mean_reward", GATE_MEAN_REWARD, 0 },
	{ "mean_reward_all", GATE_MEAN_REWARD_ALL, 0 },
	{ "pass_rate", GATE_PASS_RATE, 0 }, { "count", GATE_COUNT, 0 },
};

static bool gate_is_time(enum gate_stat s)
{
	return s <= GATE_MAD;
}

static bool gate_is_count(enum gate_stat s)
{
	return s == GATE_N || s == GATE_OK || s == GATE_FAILURES;
}

/* A fraction shown as a percentage. */
static bool gate_is_rate(enum gate_stat s)
{
	return s == GATE_SUCCESS_RATE || s == GATE_PASS_RATE ||
	       s == GATE_PASS_AT;
}

static bool gate_is_reward(enum gate_stat s)
{
	return s == GATE_MEAN_REWARD || s == GATE_MEAN_REWARD_ALL;
}

static const char *gate_skip_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

char *report_gate_trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? rv_xstrndup(s, n) : NULL;
}

/* The statistic's name at *p; moves *p past it. */
static const char *gate_stat_name(const char **p, struct report_gate *g)
{
	const char *s = *p;
	size_t n = 0;
	char *end;

	while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.' ||
	       s[n] == '@')
		n++;
	*p = s + n;
	for (size_t i = 0; i < sizeof(gate_names) / sizeof(*gate_names); i++)
		if (strlen(gate_names[i].name) == n &&
		    !strncmp(s, gate_names[i].name, n)) {
			g->stat = gate_names[i].stat;
			g->q = gate_names[i].q;
			return NULL;
		}
	if (n > 1 && s[0] == 'p' && isdigit((unsigned char)s[1])) {
		double v = rv_strtod(s + 1, &end);

		if (end == s + n && v > 0 && v < 100) {
			g->stat = GATE_QUANTILE;
			g->q = v / 100;
			return NULL;
		}
	}
	if (n > 5 && !strncmp(s, "pass@", 5) && isdigit((unsigned char)s[5])) {
		unsigned long k = strtoul(s + 5, &end, 10);

		if (end == s + n && k > 0 && k <= 1000000) {
			g->stat = GATE_PASS_AT;
			g->k = k;
			return NULL;
		}
	}
	return "expected a statistic (p50, p95, pNN, median, min, max, mean, stddev, mad, success_rate, n, ok, failures; mean_reward, mean_reward_all, pass_rate, pass@K, count(STATUS))";
}

/* "(phase[, provider])" */
static const char *gate_args(const char **p, struct report_gate *g)
{
	const char *s = gate_skip_ws(*p), *close, *comma;

	if (*s != '(')
		return NULL;
	close = strchr(s, ')');
	if (!close)
		return "missing ')'";
	comma = memchr(s, ',', (size_t)(close - s));
	g->phase = report_gate_trimmed(s + 1, (size_t)((comma ? comma : close) - s - 1));
	if (comma)
		g->provider = report_gate_trimmed(comma + 1, (size_t)(close - comma - 1));
	if (!g->phase || (comma && !g->provider))
		return "empty phase or provider in '(...)'";
	*p = close + 1;
	return NULL;
}

static const char *gate_op(const char **p, struct report_gate *g)
{
	static const struct { const char *s; enum gate_op op; } ops[] = {
		{ "<=", GATE_LE }, { ">=", GATE_GE }, { "==", GATE_EQ },
		{ "<", GATE_LT }, { ">", GATE_GT },
	};
	const char *s = gate_skip_ws(*p);

	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (!strncmp(s, ops[i].s, strlen(ops[i].s))) {
			g->op = ops[i].op;
			*p = s + strlen(ops[i].s);
			return NULL;
		}
	return "expected one of < <= > >= ==";
}

enum gate_unit { UNIT_NONE, UNIT_MS, UNIT_S, UNIT_PCT };

static const char *gate_unit(const char *s, enum gate_unit *u)
{
	s = gate_skip_ws(s);
	*u = UNIT_NONE;
	if (!strncmp(s, "ms", 2)) {
		*u = UNIT_MS;
		s += 2;
	} else if (*s == 's' || *s == '%') {
		*u = *s == 's' ? UNIT_S : UNIT_PCT;
		s++;
	}
	return gate_skip_ws(s);
}

/* The limit of an eval gate: a reward, a rate, a count. */
static const char *gate_eval_value(struct report_gate *g, enum gate_unit u)
{
	if (g->stat == GATE_COUNT)
		return u != UNIT_NONE ? "a count takes no unit" :
		       g->limit < 0 || g->limit != floor(g->limit) ?
		       "a count is a whole number >= 0" : NULL;
	if (gate_is_reward(g->stat))
		return u != UNIT_NONE ? "a reward takes no unit" : NULL;
	if (u == UNIT_PCT)
		g->limit /= 100;
	else if (u != UNIT_NONE)
		return "a rate is a fraction (0.9) or a percentage (90%)";
	if (g->regress)
		return fabs(g->limit) > 1 ?
		       "a drop of a rate is within -1 and 1 (or -100% and 100%)" :
		       NULL;
	return g->limit < 0 || g->limit > 1 ?
	       "a rate must be between 0 and 1 (or 0% and 100%)" : NULL;
}

/* The limit and its unit, checked against the statistic. */
static const char *gate_value(const char *s, struct report_gate *g)
{
	enum gate_unit u;
	char *end;

	s = gate_skip_ws(s);
	g->limit = rv_strtod(s, &end);
	if (end == s || !isfinite(g->limit))
		return "expected a number";
	if (*gate_unit(end, &u))
		return "unexpected text after the value (units: ms, s, %)";
	if (report_gate_is_eval(g->stat))
		return gate_eval_value(g, u);
	if (g->regress)
		return u != UNIT_NONE && u != UNIT_PCT ?
		       "a regress limit is a percentage" : NULL;
	if (gate_is_time(g->stat)) {
		if (u == UNIT_PCT)
			return "a time limit takes ms or s";
		if (u == UNIT_S)
			g->limit *= 1000;
		return g->limit < 0 ? "a time limit must be >= 0" : NULL;
	}
	if (gate_is_count(g->stat))
		return u != UNIT_NONE ? "a count takes no unit" : NULL;
	if (u == UNIT_PCT)
		g->limit /= 100;
	else if (u != UNIT_NONE)
		return "a success rate is a fraction (0.95) or a percentage (95%)";
	return g->limit < 0 || g->limit > 1 ?
	       "a success rate must be between 0 and 1 (or 0% and 100%)" : NULL;
}

enum rv_code report_gate_parse(const char *text, struct report_gate *g,
			       struct rv_err *err)
{
	const char *p = gate_skip_ws(text), *why;

	memset(g, 0, sizeof(*g));
	g->text = rv_xstrdup(text);
	why = gate_stat_name(&p, g);
	if (!why)
		why = report_gate_is_eval(g->stat) ?
		      report_gate_parse_eval(&p, g) : gate_args(&p, g);
	if (!why) {
		p = gate_skip_ws(p);
		if (!strncmp(p, "regress", 7) && !isalnum((unsigned char)p[7])) {
			g->regress = true;
			p += 7;
		}
		why = gate_op(&p, g);
	}
	if (!why)
		why = gate_value(p, g);
	if (!why && gate_is_time(g->stat) && !g->phase)
		why = "a time statistic needs a phase, as in p95(provision)";
	if (!why && g->regress && ((gate_is_count(g->stat) &&
	    g->stat != GATE_FAILURES) || g->stat == GATE_COUNT))
		why = "regress works on times, success_rate, failures, mean_reward, mean_reward_all, pass_rate and pass@K";
	if (why) {
		rv_errf(err, RV_ERR_USAGE, "invalid gate '%s': %s", text, why);
		report_gate_release(g);
		return RV_ERR_USAGE;
	}
	return RV_OK;
}

void report_gate_release(struct report_gate *g)
{
	free(g->text);
	free(g->phase);
	free(g->provider);
	free(g->status);
	free(g->slice);
	memset(g, 0, sizeof(*g));
}

/* The statistic of g for one provider; *has false when it has no data. */
static double gate_metric(const struct report_gate *g,
			  const struct report_stats *st, uint32_t provider,
			  bool *has)
{
	const struct report_group *gr = NULL;
	size_t n = 0, ok = 0;

	if (g->phase) {
		gr = report_stats_find(st, provider,
				       report_find(st->set, g->phase));
		*has = gr != NULL;
		if (!gr)
			return NAN;
		n = gr->st.n;
		ok = gr->st.ok;
	} else {
		for (size_t i = 0; i < st->n_providers; i++)
			if (st->providers[i].provider == provider) {
				n = st->providers[i].n;
				ok = st->providers[i].ok;
			}
		*has = n > 0;
	}
	switch (g->stat) {
	case GATE_QUANTILE:
		return stats_quantile_sorted(gr->sorted, gr->st.ok, g->q);
	case GATE_MIN: return gr->st.min;
	case GATE_MAX: return gr->st.max;
	case GATE_MEAN: return gr->st.mean;
	case GATE_STDDEV: return gr->st.stddev;
	case GATE_MAD: return gr->st.mad;
	case GATE_SUCCESS_RATE: return n ? (double)ok / (double)n : NAN;
	case GATE_N: return (double)n;
	case GATE_OK: return (double)ok;
	case GATE_FAILURES: return (double)(n - ok);
	default: return NAN;	/* eval gates: report_gate_eval.c */
	}
}

static bool gate_holds(enum gate_op op, double v, double limit)
{
	switch (op) {
	case GATE_LT: return v < limit;
	case GATE_LE: return v <= limit;
	case GATE_GT: return v > limit;
	case GATE_GE: return v >= limit;
	case GATE_EQ: return v == limit;
	}
	return false;
}

/* The change in percent from base to cand; a drop for success rates. */
static double gate_change(const struct report_gate *g, double base,
			  double cand)
{
	double d = g->stat == GATE_SUCCESS_RATE ? base - cand : cand - base;

	if (base == 0)
		return d == 0 ? 0 : d > 0 ? INFINITY : -INFINITY;
	return d / base * 100;
}

void report_gate_add(const struct report_gate *g, struct report_gate_result *out,
		     const char *label, double value, double base, double cand,
		     const char *note)
{
	struct report_gate_check c = { .base = base, .cand = cand };

	c.provider = rv_xstrdup(label);
	c.value = value;
	c.pass = !isnan(value) && gate_holds(g->op, value, g->limit);
	if (note)
		c.note = rv_xstrdup(note);
	else if (isnan(value))
		c.note = rv_xasprintf("no successful samples%s",
				      g->regress ? " on one side" : "");
	out->checks = rv_xreallocarray(out->checks, out->n + 1,
				       sizeof(*out->checks));
	out->checks[out->n++] = c;
	out->pass = out->pass && c.pass;
}

/* A regress on a time needs REPORT_MIN_N samples a side (or allow_few). */
static enum rv_code gate_few(const struct report_gate *g,
			     const struct report_gate_ctx *c, const char *name,
			     struct rv_err *err)
{
	const struct report_group *a, *b;

	if (!g->regress || !gate_is_time(g->stat) || c->allow_few)
		return RV_OK;
	a = report_stats_find_named(c->base, name, g->phase);
	b = report_stats_find_named(c->cand, name, g->phase);
	if (!a || !b || (a->st.ok >= REPORT_MIN_N && b->st.ok >= REPORT_MIN_N))
		return RV_OK;
	return rv_errf(err, RV_ERR_USAGE, "gate '%s': %s has %zu baseline and %zu candidate samples of '%s', fewer than %d a side: a regress on so few cannot tell a change from noise (collect more, or give --allow-few-samples)",
		       g->text, name, a->st.ok, b->st.ok, g->phase, REPORT_MIN_N);
}

static enum rv_code gate_check(const struct report_gate *g,
			       const struct report_gate_ctx *ctx,
			       uint32_t provider, struct report_gate_result *out,
			       struct rv_err *err)
{
	const struct report_stats *cand = ctx->cand, *base = ctx->base;
	const char *name = report_str(cand->set, provider);
	double b = NAN, c = NAN;
	bool has = false, has_base = false;
	double v = gate_metric(g, cand, provider, &has);

	if (!has)
		return RV_OK;
	if (g->regress) {
		b = gate_metric(g, base, report_find(base->set, name),
				&has_base);
		if (!has_base)
			return RV_OK;
		if (gate_few(g, ctx, name, err) != RV_OK) {
			/* a bench's cold series has one sample a run: a
			   gate that names no series leaves it out (one
			   that names it is refused, as above) */
			if (g->provider || !report_cold_series(name))
				return RV_ERR_USAGE;
			if (err)
				*err = (struct rv_err)RV_ERR_INIT;
			return RV_OK;
		}
		c = v;
		v = isfinite(b) && isfinite(c) ? gate_change(g, b, c) : NAN;
	}
	report_gate_add(g, out, name, v, b, c, NULL);
	return RV_OK;
}

enum rv_code report_gate_eval(const struct report_gate *g,
			      const struct report_gate_ctx *c,
			      struct report_gate_result *out,
			      struct rv_err *err)
{
	const struct report_stats *cand = c->cand;
	uint32_t only = g->provider ? report_find(cand->set, g->provider) : 0;

	memset(out, 0, sizeof(*out));
	out->pass = true;
	if (g->regress && !c->base)
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': 'regress' needs --baseline",
			       g->text);
	if (report_gate_is_eval(g->stat))
		return report_gate_eval_outcome(g, c, out, err);
	if (g->provider && report_stats_provider(cand, g->provider) < 0)
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': no samples of provider '%s'",
			       g->text, g->provider);
	for (size_t i = 0; i < cand->n_providers; i++)
		if ((!only || cand->providers[i].provider == only) &&
		    gate_check(g, c, cand->providers[i].provider, out, err) !=
		    RV_OK) {
			report_gate_result_release(out);
			return RV_ERR_USAGE;
		}
	if (out->n == 0) {
		report_gate_result_release(out);
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': %s", g->text,
			       g->regress ? "no provider has samples of it in both the candidate and the baseline" :
			       "no samples of that phase");
	}
	return RV_OK;
}

void report_gate_result_release(struct report_gate_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->checks[i].provider);
		free(r->checks[i].note);
	}
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

static char *gate_fmt(const struct report_gate *g, double v, char *buf,
		      size_t size)
{
	bool eval = report_gate_is_eval(g->stat);

	if (isnan(v))
		snprintf(buf, size, "-");
	else if (g->regress && eval && gate_is_rate(g->stat))
		snprintf(buf, size, "drop %.1f points", v * 100);
	else if (g->regress && eval)
		snprintf(buf, size, "drop %.3f", v);
	else if (g->regress)
		snprintf(buf, size, "%+.1f%%", v);
	else if (gate_is_time(g->stat))
		report_fmt_ms(v, buf, size);
	else if (gate_is_rate(g->stat))
		report_fmt_pct(v, buf, size);
	else if (gate_is_reward(g->stat))
		snprintf(buf, size, "%.3f", v);
	else
		snprintf(buf, size, "%.0f", v);
	return buf;
}

/* "is 5.20 s (17.3%) over the limit" for a failed check. */
static void gate_by_how_much(const struct report_gate *g,
			     const struct report_gate_check *c,
			     struct rv_buf *b)
{
	double d = c->value - g->limit;
	const char *side = d > 0 ? "over" : "under";
	char v[48];

	if (c->note) {
		rv_buf_addf(b, " (%s)", c->note);
		return;
	}
	if (g->op == GATE_EQ) {
		rv_buf_addf(b, " is not %s", gate_fmt(g, g->limit, v, sizeof(v)));
		return;
	}
	d = fabs(d);
	if (gate_is_reward(g->stat))
		rv_buf_addf(b, " is %.3f %s the limit", d, side);
	else if (gate_is_rate(g->stat) && report_gate_is_eval(g->stat))
		rv_buf_addf(b, " is %.1f points %s the limit", d * 100, side);
	else if (g->regress)
		rv_buf_addf(b, " is %.1f points %s the limit", d, side);
	else if (gate_is_time(g->stat))
		rv_buf_addf(b, " is %s (%.1f%%) %s the limit",
			    report_fmt_ms(d, v, sizeof(v)),
			    g->limit > 0 ? d / g->limit * 100 : 100.0, side);
	else if (g->stat == GATE_SUCCESS_RATE)
		rv_buf_addf(b, " is %.1f points %s the limit", d * 100, side);
	else
		rv_buf_addf(b, " is %.0f %s the limit", d, side);
}

void report_gate_describe(const struct report_gate *g,
			  const struct report_gate_result *r,
			  struct rv_buf *b)
{
	rv_buf_addf(b, "%s %s:", r->pass ? "ok  " : "FAIL", g->text);
	report_gate_details(g, r, b);
	rv_buf_addch(b, '\n');
}

void report_gate_details(const struct report_gate *g,
			 const struct report_gate_result *r,
			 struct rv_buf *b)
{
	char v[48], x[48], y[48];
	bool first = true;

	/* failures first: they are what the reader is looking for */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct report_gate_check *c = &r->checks[i];

			if (c->pass != pass)
				continue;
			rv_buf_adds(b, first ? " " : "; ");
			first = false;
			rv_buf_addf(b, "%s %s", c->provider,
				    gate_fmt(g, c->value, v, sizeof(v)));
			if (g->regress) {
				struct report_gate plain = *g;

				plain.regress = false;
				rv_buf_addf(b, " (%s -> %s)",
					    gate_fmt(&plain, c->base, x, sizeof(x)),
					    gate_fmt(&plain, c->cand, y, sizeof(y)));
			}
			if (!c->pass)
				gate_by_how_much(g, c, b);
		}
}

json_t *report_gate_json(const struct report_gate *g,
			 const struct report_gate_result *r)
{
	json_t *o = json_object(), *checks = json_array();
	bool eval = report_gate_is_eval(g->stat);
	const char *unit = gate_is_reward(g->stat) ? "reward" :
			   eval && gate_is_rate(g->stat) ? "ratio" :
			   g->regress ? "percent" :
			   gate_is_time(g->stat) ? "ms" :
			   gate_is_rate(g->stat) ? "ratio" : "count";

	json_object_set_new(o, "gate", json_string(g->text));
	json_object_set_new(o, "pass", json_boolean(r->pass));
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "limit", json_real(g->limit));
	for (size_t i = 0; i < r->n; i++) {
		const struct report_gate_check *c = &r->checks[i];
		json_t *e = json_object();

		json_object_set_new(e, eval ? "subject" : "provider",
				    json_string(c->provider));
		json_object_set_new(e, "value", isfinite(c->value) ?
				    json_real(c->value) : json_null());
		json_object_set_new(e, "pass", json_boolean(c->pass));
		if (g->regress) {
			json_object_set_new(e, "baseline", isfinite(c->base) ?
					    json_real(c->base) : json_null());
			json_object_set_new(e, "candidate", isfinite(c->cand) ?
					    json_real(c->cand) : json_null());
		}
		if (c->note)
			json_object_set_new(e, "note", json_string(c->note));
		json_array_append_new(checks, e);
	}
	json_object_set_new(o, "checks", checks);
	return o;
}
