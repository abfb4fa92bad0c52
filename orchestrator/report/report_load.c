/* Reading inputs: files, kind detection, hyperfine exports. */
#include "report_load.h"

#include "evalstats.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_phase.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Every input is read, not mapped: a file that another writer cuts while
 * it is scanned must give a parse error, not SIGBUS.  Pipes and devices
 * (/dev/zero) stop at REPORT_INPUT_MAX.
 */
enum rv_code report_set_load(struct report_set *set, const char *path,
			     struct rv_err *err)
{
	bool in = !strcmp(path, "-");
	int fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	const char *name = in ? "stdin" : path;
	struct rv_buf b = RV_BUF_INIT;
	enum rv_code rc;

	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			       strerror(errno));
	rc = rv_read_fd(fd, name, REPORT_INPUT_MAX, &b, err);
	if (rc == RV_OK)
		rc = report_set_load_buf(set, name, b.data ? b.data : "",
					 b.len, err);
	if (!in)
		close(fd);
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

void report_line_col(const char *data, const char *p, unsigned *line,
		     unsigned *col)
{
	const char *bol = data;

	*line = 1;
	for (const char *q = data; q < p; q++)
		if (*q == '\n') {
			(*line)++;
			bol = q + 1;
		}
	*col = (unsigned)(p - bol) + 1;
}

enum rv_code report_json_error(const char *name, const char *data,
			       size_t len, struct rv_err *err)
{
	char *what = rv_xasprintf("'%s'", name);
	json_t *root = rv_json_parse(data, len, what, err);
	struct jscan s;
	unsigned line, col;

	free(what);
	if (!root)
		return RV_ERR_PROTO;	/* jansson's message, line and column */
	json_decref(root);
	jscan_init(&s, data, len);
	if (jscan_skip(&s) && jscan_at_end(&s))	/* both took it whole */
		return rv_errf(err, RV_ERR_PROTO, "'%s': invalid JSON", name);
	if (!s.err)
		s.err = "text after the document";
	report_line_col(data, s.p, &line, &col);
	return rv_errf(err, RV_ERR_PROTO, "'%s' line %u column %u: invalid JSON: %s",
		       name, line, col, s.err);
}

void report_members(const char *data, size_t len, struct report_member *m,
		    size_t n)
{
	struct rv_buf kb = RV_BUF_INIT;
	struct jscan s;
	bool first = true;
	const char *key;
	size_t klen;

	for (size_t i = 0; i < n; i++)
		m[i].at = NULL;
	jscan_init(&s, data, len);
	if (jscan_peek(&s) != JSCAN_OBJECT)
		return;
	jscan_object_begin(&s);
	while (jscan_object_next(&s, &first, &kb, &key, &klen)) {
		struct report_member *hit = NULL;
		const char *at;

		for (size_t i = 0; i < n && !hit; i++)
			if (strlen(m[i].key) == klen &&
			    !memcmp(m[i].key, key, klen))
				hit = &m[i];
		jscan_peek(&s);
		at = s.p;
		if (!jscan_skip(&s))
			break;
		if (hit) {	/* the last one, as jansson keeps it */
			hit->at = at;
			hit->len = (size_t)(s.p - at);
		}
	}
	rv_buf_release(&kb);
}

enum rv_code report_set_load_buf(struct report_set *set, const char *name,
				 const char *data, size_t len,
				 struct rv_err *err)
{
	/* what report_load_result wants, with hyperfine's array at 3 */
	struct report_member m[] = { { .key = "schema" }, { .key = "job" },
				     { .key = "environment" },
				     { .key = "results" }, { .key = "config" },
				     { .key = "sandboxes" } };
	struct jscan s;

	for (size_t i = 0; i < len && isspace((unsigned char)data[i]); i++)
		if (i + 1 == len)
			len = 0;
	if (len == 0)
		return rv_errf(err, RV_ERR_PROTO, "'%s' is empty", name);
	if (report_looks_like_lines(data, len))
		return report_load_spans(set, name, data, len, err);
	/* the scanner checks it all; jansson only says what is wrong */
	jscan_init(&s, data, len);
	if (!jscan_skip(&s) || !jscan_at_end(&s))
		return report_json_error(name, data, len, err);
	report_members(data, len, m, sizeof(m) / sizeof(*m));
	if (m[0].at)
		return report_load_result(set, name, data, len, m, err);
	if (m[3].at)
		return report_load_hyperfine(set, name, data, len, err);
	return rv_errf(err, RV_ERR_PROTO,
		       "'%s' line 1: not a runeval result.json (\"schema\"), a hyperfine export (\"results\") or JSON-lines spans",
		       name);
}

void report_derive_rollouts(struct report_set *set, size_t first)
{
	struct report_job *job = &set->jobs[set->n_jobs - 1];
	uint32_t rollout = report_find(set, rv_phase_name(RV_PHASE_ROLLOUT));

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
		r->start_ms = s->start_ms;
		r->ok = s->ok;
		r->cls = s->ok ? EVALSTATS_OK : EVALSTATS_TRANSPORT;
	}
}

static bool report_is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static const char *report_digits(const char *p, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++, p++) {
		if (!report_is_digit(*p))
			return NULL;
		*out = *out * 10 + (*p - '0');
	}
	return p;
}

/*
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil, 400 years on so that it is all
 * unsigned); linear in d, so a day past the month's end moves on into the
 * next month as timegm() does.  y is 0..9999, m 1..12, d 1..31.
 */
static long report_days(int y, int m, int d)
{
	unsigned yy = (unsigned)(y - (m <= 2) + 400);
	unsigned era = yy / 400, yoe = yy % 400;
	unsigned doy = (153u * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 +
		       (unsigned)d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return ((long)era - 1) * 146097 + (long)doe - 719468;
}

/*
 * The place values of a fraction's digits: 0.1, then each a tenth of the
 * one before, divided as at run time (the compiler folds the divisions
 * with the same IEEE rounding), so no division is left for the common
 * digits.
 */
#define REPORT_N_SCALE 10
static const double report_scale[REPORT_N_SCALE] = {
	0.1, 0.1 / 10, 0.1 / 10 / 10, 0.1 / 10 / 10 / 10,
	0.1 / 10 / 10 / 10 / 10, 0.1 / 10 / 10 / 10 / 10 / 10,
	0.1 / 10 / 10 / 10 / 10 / 10 / 10,
	0.1 / 10 / 10 / 10 / 10 / 10 / 10 / 10,
	0.1 / 10 / 10 / 10 / 10 / 10 / 10 / 10 / 10,
	0.1 / 10 / 10 / 10 / 10 / 10 / 10 / 10 / 10 / 10,
};

/*
 * hot: after its dozen checks gcc thinks the arithmetic rarely runs and
 * compiles it for size (hardware divisions), yet it runs once a span.
 */
__attribute__((hot)) bool report_parse_utc(const char *s, double *epoch_ms)
{
	int k;
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
		for (p++, k = 1; report_is_digit(*p); p++, k++) {
			frac += (*p - '0') * scale;
			scale = k < REPORT_N_SCALE ? report_scale[k] :
				scale / 10;
		}
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
	*epoch_ms = ((double)report_days(y, mo, d) * 86400.0 + h * 3600.0 +
		     mi * 60.0 + sec - oh * 3600.0 - om * 60.0 + frac) * 1000.0;
	return report_utc_in_range(*epoch_ms);
}

#define REPORT_DAY_MS 86400000.0

bool report_utc_in_range(double epoch_ms)
{
	/* years 0000 to 9999: what the ISO-8601 form holds in 4 digits */
	return epoch_ms >= (double)report_days(0, 1, 1) * REPORT_DAY_MS &&
		epoch_ms < ((double)report_days(9999, 12, 31) + 1) *
		REPORT_DAY_MS;
}

/*
 * The date of a day count from 1970-01-01 (Howard Hinnant's
 * civil_from_days, the inverse of report_days()).
 */
static void report_civil(long long z, int *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

bool report_format_utc(double epoch_ms, char *buf, size_t size)
{
	double ms, days;
	long long rem;
	int y, mo, d;

	if (!report_utc_in_range(epoch_ms))
		return false;
	/* whole milliseconds: exact in a double over this range */
	ms = floor(epoch_ms);
	days = floor(ms / REPORT_DAY_MS);
	rem = (long long)(ms - days * REPORT_DAY_MS);
	report_civil((long long)days, &y, &mo, &d);
	snprintf(buf, size, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", y,
		 mo, d, rem / 3600000, rem / 60000 % 60, rem / 1000 % 60,
		 rem % 1000);
	return true;
}
