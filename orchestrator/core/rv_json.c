#include "rv_json.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"
#include "rv_redact.h"
#include "rv_term.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * jansson's error as one printable line: its text quotes the input near
 * the error ("near '...'"), which may hold any byte (rv_term escapes it).
 */
static void rv_json_error(struct rv_err *err, const char *what,
			  const json_error_t *je)
{
	struct rv_buf text = RV_BUF_INIT;

	rv_term_escape(&text, je->text, strlen(je->text), false);
	rv_errf(err, RV_ERR_PROTO, "invalid JSON in %s at line %d column %d: %s",
		what, je->line, je->column, text.data);
	rv_buf_release(&text);
}

json_t *rv_json_parse(const char *data, size_t len, const char *what,
		      struct rv_err *err)
{
	json_error_t je;
	json_t *v = json_loadb(data, len, JSON_DECODE_ANY, &je);

	if (!v)
		rv_json_error(err, what, &je);
	return v;
}

json_t *rv_json_load_file(const char *path, struct rv_err *err)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *v = NULL;

	if (rv_read_file(path, RV_JSON_FILE_MAX, &b, err) == RV_OK) {
		char *what = rv_xasprintf("'%s'", path);

		v = rv_json_parse(b.data ? b.data : "", b.len, what, err);
		free(what);
	}
	rv_buf_release(&b);
	return v;
}

static bool rv_json_fill(FILE *f, void *arg)
{
	return json_dumpf(arg, f, JSON_INDENT(2) | JSON_ENSURE_ASCII |
			  JSON_REAL_PRECISION(12)) == 0 && fputc('\n', f) != EOF;
}

enum rv_code rv_json_write_file(const char *path, const json_t *v,
				struct rv_err *err)
{
	return rv_replace_file(path, rv_json_fill, (void *)v, true, err);
}

char *rv_json_dumps(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			     JSON_REAL_PRECISION(12));

	if (!s)
		return rv_xstrdup("null");
	return s;
}

json_t *rv_json_path(const json_t *v, const char *dotted)
{
	const char *p = dotted;
	json_t *cur = (json_t *)v;

	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *rv_json_str(const json_t *v, const char *dotted)
{
	return json_string_value(rv_json_path(v, dotted));
}

bool rv_json_num(const json_t *v, const char *dotted, double *out)
{
	json_t *n = rv_json_path(v, dotted);

	if (!json_is_number(n))
		return false;
	*out = json_number_value(n);
	return true;
}

long long rv_json_int(const json_t *v, const char *dotted, long long fallback)
{
	json_t *n = rv_json_path(v, dotted);

	if (json_is_integer(n))
		return json_integer_value(n);
	return fallback;
}

bool rv_json_bool(const json_t *v, const char *dotted, bool fallback)
{
	json_t *b = rv_json_path(v, dotted);

	if (json_is_boolean(b))
		return json_is_true(b);
	return fallback;
}

const char *rv_json_type_name(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* s redacted, as a JSON string (a cut in a character gives the mark). */
static json_t *rv_json_redact_str(const char *s)
{
	char *r = rv_redact(s);
	json_t *v = json_string(r);

	free(r);
	return v ? v : json_string(RV_REDACT_MARK);
}

static json_t *rv_json_redact_copy(const json_t *v)
{
	const char *key;
	json_t *out, *item, *k;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return rv_json_redact_str(json_string_value(v));
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach((json_t *)v, i, item)
			json_array_append_new(out, rv_json_redact_copy(item));
		return out;
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)v, key, item) {
			k = rv_json_redact_str(key);
			json_object_set_new(out, json_string_value(k),
					    rv_json_redact_copy(item));
			json_decref(k);
		}
		return out;
	default:
		return json_incref((json_t *)v);
	}
}

/* Does a string or key anywhere in v hold a secret (or its prefix)?
   jansson's strings have no NUL (no JSON_ALLOW_NUL), so rv_redact()
   sees each whole. */
static bool rv_json_has_secret(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return rv_redact_contains(json_string_value(v));
	case JSON_ARRAY:
		json_array_foreach((json_t *)v, i, item)
			if (rv_json_has_secret(item))
				return true;
		return false;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, item)
			if (rv_redact_contains(key) || rv_json_has_secret(item))
				return true;
		return false;
	default:
		return false;
	}
}

json_t *rv_json_redact(const json_t *v)
{
	/* the common case, nothing to replace: no copy of every node */
	if (!rv_json_has_secret(v))
		return json_incref((json_t *)v);
	return rv_json_redact_copy(v);
}

void rv_json_add_str(struct rv_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	size_t n;

	if (!s) {
		rv_buf_add(b, "null", 4);
		return;
	}
	n = strlen(s);
	end = p + n;
	rv_buf_grow(b, n + 2);
	rv_buf_addch(b, '"');
	while (*p) {
		const unsigned char *run = p;
		size_t len;

		/* the common case: a run of plain printable ASCII */
		while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			rv_buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p == '"' || *p == '\\') {
			rv_buf_addch(b, '\\');
			rv_buf_addch(b, (char)*p++);
		} else if (*p < 0x20) {
			rv_buf_addf(b, "\\u%04x", *p++);
		} else {
			len = rv_utf8_len(p, (size_t)(end - p), NULL);
			if (len) {
				rv_buf_add(b, p, len);
				p += len;
			} else {
				rv_buf_adds(b, "\\ufffd");
				p++;
			}
		}
	}
	rv_buf_addch(b, '"');
}

/*
 * v as "%.12g" and jansson write it, when v is k / 1000 for an integer k
 * of at most 12 digits (every duration result.json writes, rounded to the
 * microsecond, and whole rewards): the decimal of k / 1000 is what
 * rounding v to 12 digits gives.  False for the others (printf's turn).
 */
static bool rv_json_add_milli(struct rv_buf *b, double v)
{
	double x = v * 1000.0, k;
	unsigned long long a;
	char d[32], *p = d + sizeof(d);
	unsigned frac;

	if (!(fabs(v) < 1e9))
		return false;
	/* x rounded half away from zero, without libm (the task app's
	   only call into it): a wrong k fails the check below */
	k = (double)(long long)(x < 0 ? x - 0.5 : x + 0.5);
	if (k == 0 || k / 1000.0 != v)
		return false;
	a = (unsigned long long)fabs(k);
	frac = (unsigned)(a % 1000);
	if (!frac) {
		*--p = '0';
	} else {
		bool any = false;

		for (int i = 0; i < 3; i++, frac /= 10)
			if (any || frac % 10) {
				*--p = (char)('0' + frac % 10);
				any = true;
			}
	}
	*--p = '.';
	p = rv_digits(p, a / 1000, 1);
	if (k < 0)
		*--p = '-';
	rv_buf_add(b, p, (size_t)(d + sizeof(d) - p));
	return true;
}

/* s as jansson's dumper writes a string: '"', '\\' and the controls
   escaped (\b \f \n \r \t by name, others \u00XX), the rest as it is
   (jansson's strings are valid UTF-8 without NUL). */
static void rv_json_add_jstr(struct rv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	rv_buf_grow(b, n + 2);
	rv_buf_addch(b, '"');
	while (p < end) {
		const unsigned char *run = p;
		char esc[7] = "\\u00";

		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			rv_buf_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		esc[1] = *p == '"' ? '"' : *p == '\\' ? '\\' : *p == '\b' ? 'b' :
			*p == '\f' ? 'f' : *p == '\n' ? 'n' : *p == '\r' ? 'r' :
			*p == '\t' ? 't' : 'u';
		if (esc[1] != 'u') {
			rv_buf_add(b, esc, 2);
		} else {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			rv_buf_add(b, esc, 6);
		}
		p++;
	}
	rv_buf_addch(b, '"');
}

void rv_json_add_value(struct rv_buf *b, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rv_buf_addch(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, key, item) {
			if (i++)
				rv_buf_addch(b, ',');
			rv_json_add_jstr(b, key, strlen(key));
			rv_buf_addch(b, ':');
			rv_json_add_value(b, item);
		}
		rv_buf_addch(b, '}');
		break;
	case JSON_ARRAY:
		rv_buf_addch(b, '[');
		json_array_foreach((json_t *)v, i, item) {
			if (i)
				rv_buf_addch(b, ',');
			rv_json_add_value(b, item);
		}
		rv_buf_addch(b, ']');
		break;
	case JSON_STRING:
		rv_json_add_jstr(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		rv_buf_add_int(b, json_integer_value(v));
		break;
	case JSON_REAL:
		rv_json_add_num(b, json_real_value(v));
		break;
	case JSON_TRUE:
		rv_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		rv_buf_add(b, "false", 5);
		break;
	default:
		rv_buf_add(b, "null", 4);
	}
}

void rv_json_add_num(struct rv_buf *b, double v)
{
	char num[40], *e;
	int n;

	if (!isfinite(v)) {
		rv_buf_add(b, "null", 4);
		return;
	}
	if (rv_json_add_milli(b, v))
		return;
	n = snprintf(num, sizeof(num), "%.12g", v);
	e = strchr(num, 'e');
	if (e) {	/* jansson's exponent: "2e-6", "1e20", not "2e-06" */
		char *d = e + 1 + (e[1] == '-'), *z = e + 2;

		while (*z == '0' && z[1])
			z++;
		memmove(d, z, strlen(z) + 1);
		n = (int)strlen(num);
	}
	rv_buf_add(b, num, (size_t)n);
	if (!strpbrk(num, ".e"))
		rv_buf_add(b, ".0", 2);
}

void rv_json_add_compact(struct rv_buf *b, const char *text, size_t len)
{
	bool in_str = false;

	rv_buf_grow(b, len);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			rv_buf_addch(b, c);
			if (c == '\\' && i + 1 < len)
				rv_buf_addch(b, text[++i]);
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
			rv_buf_addch(b, c);
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			rv_buf_addch(b, c);
		}
	}
}
