/*
 * Span objects, read with the scanner (no tree): {"provider","phase","ms",
 * "ok"} + seed, ts, sandbox, attempts, error.  report_lines.c splits a
 * JSON-lines file into them.
 */
#include "report_load.h"
#include "rv_term.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SEEN_PROVIDER 1u
#define SEEN_PHASE 2u
#define SEEN_MS 4u
#define SEEN_OK 8u

void report_fields_init(struct report_fields *f, struct report_set *set)
{
	memset(f, 0, sizeof(*f));
	f->set = set;
	rv_buf_init(&f->kbuf);
	rv_buf_init(&f->vbuf);
}

bool report_fields_next(struct report_fields *f, bool *first)
{
	return jscan_object_next(&f->s, first, &f->kbuf, &f->k, &f->klen);
}

bool report_key_is(const struct report_fields *f, const char *name)
{
	return f->klen == strlen(name) && !memcmp(f->k, name, f->klen);
}

void report_fields_release(struct report_fields *f)
{
	rv_buf_release(&f->kbuf);
	rv_buf_release(&f->vbuf);
}

bool report_field_bad(struct report_fields *f, const char *fmt, ...)
{
	struct rv_buf b = RV_BUF_INIT, out = RV_BUF_INIT;
	va_list ap;

	if (!f->what) {
		va_start(ap, fmt);
		rv_buf_vaddf(&b, fmt, ap);
		va_end(ap);
		/* one line: a value quoted may hold any character */
		rv_term_escape(&out, b.data, b.len, false);
		snprintf(f->what_buf, sizeof(f->what_buf), "%s", out.data);
		f->what = f->what_buf;
		rv_buf_release(&b);
		rv_buf_release(&out);
	}
	return false;
}

static bool report_field_type(struct report_fields *f, const char *want)
{
	return report_field_bad(f, "'%.*s' must be %s, got %s", (int)f->klen,
				f->k, want, jscan_type_name(jscan_peek(&f->s)));
}

bool report_field_string(struct report_fields *f, uint32_t *id,
			 bool nullable)
{
	enum jscan_type t = jscan_peek(&f->s);
	uint32_t *memo;

	if (t == JSCAN_NULL && nullable) {
		*id = 0;
		return jscan_skip(&f->s);
	}
	if (t != JSCAN_STRING)
		return report_field_type(f, nullable ? "a string or null" :
					 "a string");
	if (!jscan_str(&f->s, &f->vbuf, &f->v, &f->vlen))
		return false;
	if (!nullable && f->vlen == 0)
		return report_field_bad(f, "'%.*s' must not be empty",
					(int)f->klen, f->k);
	/* by length and second letter: the string keys of spans, rollouts
	 * and hyperfine exports get a memo each */
	memo = &f->memo[(f->klen + (f->klen > 1 ? (unsigned char)f->k[1] : 0)) %
			(sizeof(f->memo) / sizeof(*f->memo))];
	*id = report_intern_memo(f->set, f->v, f->vlen, memo);
	return true;
}

bool report_field_number(struct report_fields *f, double *v, bool integer,
			 double lo, bool nullable)
{
	enum jscan_type t = jscan_peek(&f->s);
	double x;

	if (t == JSCAN_NULL && nullable)
		return jscan_skip(&f->s);
	if (t != JSCAN_NUMBER)
		return report_field_type(f, integer ? "an integer" : "a number");
	if (!jscan_number(&f->s, &x))
		return false;
	if (!isfinite(x) || x < lo)
		return report_field_bad(f, "'%.*s' is out of range (%g)",
					(int)f->klen, f->k, x);
	if (integer && (fabs(x) > 9007199254740992.0 ||
			x != (double)(int64_t)x))
		return report_field_bad(f, "'%.*s' must be an integer, got %g",
					(int)f->klen, f->k, x);
	*v = x;
	return true;
}

bool report_field_seed(struct report_fields *f, int64_t *seed)
{
	double v = NAN;

	if (!report_field_number(f, &v, true, -9007199254740992.0, true))
		return false;
	*seed = isnan(v) ? REPORT_NO_SEED : (int64_t)v;
	return true;
}

bool report_field_bool(struct report_fields *f, bool *v)
{
	enum jscan_type t = jscan_peek(&f->s);

	if (t != JSCAN_TRUE && t != JSCAN_FALSE)
		return report_field_type(f, "true or false");
	return jscan_bool(&f->s, v);
}

/* A time, parsed where it is: every span has its own, none is interned. */
static bool span_ts(struct report_fields *f, struct report_sample *out)
{
	enum jscan_type t = jscan_peek(&f->s);
	char buf[64];
	double ms;

	if (t == JSCAN_NULL)
		return jscan_skip(&f->s);
	if (t != JSCAN_STRING)
		return report_field_type(f, "a string or null");
	if (!jscan_str(&f->s, &f->vbuf, &f->v, &f->vlen))
		return false;
	if (f->vlen < sizeof(buf)) {	/* strings hold no NUL */
		memcpy(buf, f->v, f->vlen);
		buf[f->vlen] = '\0';
	}
	if (f->vlen >= sizeof(buf) || !report_parse_utc(buf, &ms))
		return report_field_bad(f,
			"'ts' is not a UTC ISO-8601 time of the years 0000 to 9999: '%.*s'",
			(int)(f->vlen < 60 ? f->vlen : 60), f->v);
	out->start_ms = ms;	/* made relative once the file is read */
	return true;
}

enum span_key {
	KEY_OTHER, KEY_PROVIDER, KEY_PHASE, KEY_MS, KEY_OK, KEY_SANDBOX,
	KEY_ERROR, KEY_TS, KEY_START_MS, KEY_SEED, KEY_ATTEMPTS,
};

/* The field a key names: by length first, the hot path of every line. */
static enum span_key span_key(const char *k, size_t len)
{
#define IS(name) (!memcmp(k, name, sizeof(name) - 1))
	switch (len) {
	case 2:
		return IS("ms") ? KEY_MS : IS("ok") ? KEY_OK :
		       IS("ts") ? KEY_TS : KEY_OTHER;
	case 4:
		return IS("seed") ? KEY_SEED : KEY_OTHER;
	case 5:
		return IS("phase") ? KEY_PHASE : IS("error") ? KEY_ERROR :
		       KEY_OTHER;
	case 7:
		return IS("sandbox") ? KEY_SANDBOX : KEY_OTHER;
	case 8:
		return IS("provider") ? KEY_PROVIDER : IS("start_ms") ?
		       KEY_START_MS : IS("attempts") ? KEY_ATTEMPTS : KEY_OTHER;
	}
	return KEY_OTHER;
#undef IS
}

static bool span_field(struct report_fields *f, struct report_sample *out,
		       bool start_ms)
{
	enum span_key key = span_key(f->k, f->klen);
	double v;

	switch (key) {
	case KEY_PROVIDER:
		f->seen |= SEEN_PROVIDER;
		return report_field_string(f, &out->provider, false);
	case KEY_PHASE:
		f->seen |= SEEN_PHASE;
		return report_field_string(f, &out->phase, false);
	case KEY_MS:
		f->seen |= SEEN_MS;
		return report_field_number(f, &out->ms, false, 0, false);
	case KEY_OK:
		f->seen |= SEEN_OK;
		return report_field_bool(f, &out->ok);
	case KEY_SANDBOX:
		return report_field_string(f, &out->sandbox, true);
	case KEY_ERROR:
		return report_field_string(f, &out->error, true);
	case KEY_TS:
		return start_ms ? jscan_skip(&f->s) : span_ts(f, out);
	case KEY_START_MS:
		return !start_ms ? jscan_skip(&f->s) :
		       report_field_number(f, &out->start_ms, false, -INFINITY,
					   true);
	case KEY_SEED:
		return report_field_seed(f, &out->seed);
	case KEY_ATTEMPTS:
		v = NAN;
		if (!report_field_number(f, &v, true, 0, true))
			return false;
		out->attempts = isnan(v) ? 0 : v > UINT32_MAX ? UINT32_MAX :
				(uint32_t)v;
		return true;
	case KEY_OTHER:
		break;
	}
	return jscan_skip(&f->s);	/* unknown fields are ignored */
}

enum rv_code report_fields_error(struct report_fields *f, const char *name,
				 unsigned line, const char *base,
				 struct rv_err *err)
{
	if (f->what)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: %s", name, line,
			       f->what);
	return rv_errf(err, RV_ERR_PROTO, "'%s' line %u column %ld: invalid JSON: %s",
		       name, line, (long)(f->s.p - base) + 1,
		       f->s.err ? f->s.err : "text after the object");
}

enum rv_code report_span_object(struct report_fields *f, const char *name,
				unsigned line, uint32_t provider,
				bool start_ms, struct rv_err *err)
{
	struct report_sample *out = report_add_sample(f->set);
	const char *base = f->s.p;
	bool first = true;
	unsigned need = SEEN_PHASE | SEEN_MS | SEEN_OK |
			(provider ? 0 : SEEN_PROVIDER);

	f->what = NULL;
	f->seen = 0;
	out->provider = provider;
	if (jscan_peek(&f->s) != JSCAN_OBJECT)
		return rv_errf(err, RV_ERR_PROTO,
			       "'%s' line %u: a span must be a JSON object, got %s",
			       name, line, jscan_type_name(jscan_peek(&f->s)));
	jscan_object_begin(&f->s);
	while (report_fields_next(f, &first))
		if (!span_field(f, out, start_ms))
			return report_fields_error(f, name, line, base, err);
	if (f->s.err)
		return report_fields_error(f, name, line, base, err);
	if ((f->seen & need) != need)
		return rv_errf(err, RV_ERR_PROTO, "'%s' line %u: missing '%s'",
			       name, line,
			       !(f->seen & SEEN_PROVIDER) && !provider ? "provider" :
			       !(f->seen & SEEN_PHASE) ? "phase" :
			       !(f->seen & SEEN_MS) ? "ms" : "ok");
	return RV_OK;
}
