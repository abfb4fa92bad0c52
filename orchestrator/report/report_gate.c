#include "report_gate.h"

#include "report_util.h"
#include "rv_alloc.h"
#include "rv_buf.h"

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
};

static bool gate_is_time(enum gate_stat s)
{
	return s <= GATE_MAD;
}

static bool gate_is_count(enum gate_stat s)
{
	return s == GATE_N || s == GATE_OK || s == GATE_FAILURES;
}

static const char *gate_skip_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static char *gate_trimmed(const char *s, size_t n)
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

	while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.')
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
		double v = strtod(s + 1, &end);

		if (end == s + n && v > 0 && v < 100) {
			g->stat = GATE_QUANTILE;
			g->q = v / 100;
			return NULL;
		}
	}
	return "expected a statistic (p50, p95, pNN, median, min, max, mean, stddev, mad, success_rate, n, ok, failures)";
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
	g->phase = gate_trimmed(s + 1, (size_t)((comma ? comma : close) - s - 1));
	if (comma)
		g->provider = gate_trimmed(comma + 1, (size_t)(close - comma - 1));
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

/* The limit and its unit, checked against the statistic. */
static const char *gate_value(const char *s, struct report_gate *g)
{
	enum gate_unit u;
	char *end;

	s = gate_skip_ws(s);
	g->limit = strtod(s, &end);
	if (end == s || !isfinite(g->limit))
		return "expected a number";
	if (*gate_unit(end, &u))
		return "unexpected text after the value (units: ms, s, %)";
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
		why = gate_args(&p, g);
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
	if (!why && g->regress && gate_is_count(g->stat) &&
	    g->stat != GATE_FAILURES)
		why = "regress works on times, success_rate and failures";
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
	}
	return NAN;
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

static void gate_check(const struct report_gate *g,
		       const struct report_stats *cand,
		       const struct report_stats *base, uint32_t provider,
		       struct report_gate_result *out)
{
	const char *name = report_str(cand->set, provider);
	struct report_gate_check c = { .base = NAN, .cand = NAN };
	bool has = false, has_base = false;
	double v = gate_metric(g, cand, provider, &has);

	if (!has)
		return;
	if (g->regress) {
		c.base = gate_metric(g, base, report_find(base->set, name),
				     &has_base);
		if (!has_base)
			return;
		c.cand = v;
		v = isfinite(c.base) && isfinite(c.cand) ?
		    gate_change(g, c.base, c.cand) : NAN;
	}
	c.provider = rv_xstrdup(name);
	c.value = v;
	c.pass = !isnan(v) && gate_holds(g->op, v, g->limit);
	if (isnan(v))
		c.note = rv_xasprintf("no successful samples%s",
				      g->regress ? " on one side" : "");
	out->checks = rv_xreallocarray(out->checks, out->n + 1,
				       sizeof(*out->checks));
	out->checks[out->n++] = c;
	out->pass = out->pass && c.pass;
}

enum rv_code report_gate_eval(const struct report_gate *g,
			      const struct report_stats *cand,
			      const struct report_stats *base,
			      struct report_gate_result *out,
			      struct rv_err *err)
{
	uint32_t only = g->provider ? report_find(cand->set, g->provider) : 0;

	memset(out, 0, sizeof(*out));
	out->pass = true;
	if (g->regress && !base)
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': 'regress' needs --baseline",
			       g->text);
	if (g->provider && report_stats_provider(cand, g->provider) < 0)
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': no samples of provider '%s'",
			       g->text, g->provider);
	for (size_t i = 0; i < cand->n_providers; i++)
		if (!only || cand->providers[i].provider == only)
			gate_check(g, cand, base, cand->providers[i].provider,
				   out);
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
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (g->regress)
		snprintf(buf, size, "%+.1f%%", v);
	else if (gate_is_time(g->stat))
		report_fmt_ms(v, buf, size);
	else if (g->stat == GATE_SUCCESS_RATE)
		report_fmt_pct(v, buf, size);
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
	if (g->regress)
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
	const char *unit = g->regress ? "percent" :
			   gate_is_time(g->stat) ? "ms" :
			   g->stat == GATE_SUCCESS_RATE ? "ratio" : "count";

	json_object_set_new(o, "gate", json_string(g->text));
	json_object_set_new(o, "pass", json_boolean(r->pass));
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "limit", json_real(g->limit));
	for (size_t i = 0; i < r->n; i++) {
		const struct report_gate_check *c = &r->checks[i];
		json_t *e = json_object();

		json_object_set_new(e, "provider", json_string(c->provider));
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
