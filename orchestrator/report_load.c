/* Reading inputs: files, kind detection, hyperfine exports. */
#include "report_load.h"

#include "rv_alloc.h"
#include "rv_json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static enum rv_code report_read_all(const char *path, struct rv_buf *out,
				    struct rv_err *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct stat st;
	size_t n;
	enum rv_code rc = RV_OK;

	if (!f)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			       strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		rv_buf_grow(out, (size_t)st.st_size + 1);
	for (;;) {
		rv_buf_grow(out, 65536);
		n = fread(out->data + out->len, 1, out->cap - out->len - 1, f);
		if (n == 0)
			break;
		out->len += n;
		out->data[out->len] = '\0';
	}
	if (ferror(f))
		rc = rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			     strerror(errno));
	if (f != stdin)
		fclose(f);
	return rc;
}

enum rv_code report_set_load(struct report_set *set, const char *path,
			     struct rv_err *err)
{
	struct rv_buf b = RV_BUF_INIT;
	enum rv_code rc = report_read_all(path, &b, err);

	if (rc == RV_OK)
		rc = report_set_load_buf(set, strcmp(path, "-") ? path : "stdin",
					 b.data, b.len, err);
	rv_buf_release(&b);
	return rc;
}

/*
 * JSON lines when the first non-blank line is a whole object that is a
 * span (it has a "phase") or is followed by more lines; otherwise one
 * JSON document.
 */
static bool report_looks_like_lines(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	struct jscan s;

	while (p < end && isspace((unsigned char)*p))
		p++;
	nl = memchr(p, '\n', (size_t)(end - p));
	jscan_init(&s, p, (size_t)((nl ? nl : end) - p));
	if (jscan_peek(&s) != JSCAN_OBJECT || !jscan_skip(&s) ||
	    !jscan_at_end(&s))
		return false;
	for (const char *q = nl; q && q < end; q++)
		if (!isspace((unsigned char)*q))
			return true;
	jscan_init(&s, p, (size_t)((nl ? nl : end) - p));
	return jscan_seek_key(&s, "phase");
}

enum rv_code report_set_load_buf(struct report_set *set, const char *name,
				 const char *data, size_t len,
				 struct rv_err *err)
{
	json_t *root;
	enum rv_code rc;
	char *what;

	for (size_t i = 0; i < len && isspace((unsigned char)data[i]); i++)
		if (i + 1 == len)
			len = 0;
	if (len == 0)
		return rv_errf(err, RV_ERR_PROTO, "'%s' is empty", name);
	if (report_looks_like_lines(data, len))
		return report_load_spans(set, name, data, len, err);
	what = rv_xasprintf("'%s'", name);
	root = rv_json_parse(data, len, what, err);
	free(what);
	if (!root)
		return RV_ERR_PROTO;
	if (json_is_object(root) && json_object_get(root, "schema"))
		rc = report_load_result(set, name, root, data, len, err);
	else if (json_is_object(root) && json_object_get(root, "results"))
		rc = report_load_hyperfine(set, name, root, data, len, err);
	else
		rc = rv_errf(err, RV_ERR_PROTO,
			     "'%s' line 1: not a runeval result.json (\"schema\"), a hyperfine export (\"results\") or JSON-lines spans",
			     name);
	json_decref(root);
	return rc;
}

void report_derive_rollouts(struct report_set *set, size_t first)
{
	struct report_job *job = &set->jobs[set->n_jobs - 1];
	uint32_t rollout = report_find(set, "rollout");

	for (size_t i = first; rollout && i < set->n_samples; i++) {
		const struct report_sample *s = &set->samples[i];
		struct report_rollout *r;

		if (s->phase != rollout)
			continue;
		r = report_add_rollout(job);
		r->seed = s->seed;
		r->sandbox = s->sandbox;
		r->error = s->error;
		r->ms = s->ms;
		r->ok = s->ok;
	}
}

static const char *report_digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++, p++) {
		if (!isdigit((unsigned char)*p))
			return NULL;
		*out = *out * 10 + (*p - '0');
	}
	return p;
}

bool report_parse_utc(const char *s, double *epoch_ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	double frac = 0, scale = 0.1;
	const char *p = s;

	if (!(p = report_digits(p, 4, &y)) || *p++ != '-' ||
	    !(p = report_digits(p, 2, &mo)) || *p++ != '-' ||
	    !(p = report_digits(p, 2, &d)) || (*p != 'T' && *p != ' ') ||
	    !(p = report_digits(p + 1, 2, &h)) || *p++ != ':' ||
	    !(p = report_digits(p, 2, &mi)) || *p++ != ':' ||
	    !(p = report_digits(p, 2, &sec)))
		return false;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		if (!(p = report_digits(p + 1, 2, &oh)))
			return false;
		if (*p == ':')
			p++;
		if (!(p = report_digits(p, 2, &om)))
			return false;
		oh *= sign;
		om *= sign;
	} else if (*p == 'Z') {
		p++;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*epoch_ms = ((double)timegm(&tm) - oh * 3600.0 - om * 60.0 + frac) *
		    1000.0;
	return true;
}
