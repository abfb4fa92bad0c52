/*
 * JSON-lines span files: one span object a line, blank lines skipped.
 *
 * A large file is read in two halves at once, the second on its own
 * thread into a set of its own, which is then appended to the first: its
 * strings interned in the order they first appear in it, so every id, and
 * so every output, is the same as a reading from start to end gives.  When
 * the second half has a bad line and the first has none, that line is read
 * again with its number in the whole file, so messages do not change
 * either.
 */
#include "report_load.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* Smaller files are read on one thread: a thread and a merge cost more. */
#define LINES_TWO_HALVES_MIN (1u << 20)

static bool lines_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static enum rv_code lines_one(struct report_fields *f, const char *name,
			      const char *line, size_t n, unsigned lineno,
			      struct rv_err *err)
{
	enum rv_code rc;

	jscan_init(&f->s, line, n);
	rc = report_span_object(f, name, lineno, 0, false, err);
	if (rc == RV_OK && !jscan_at_end(&f->s))
		rc = report_fields_error(f, name, lineno, line, err);
	return rc;
}

/*
 * The spans of the lines in [p, end), the first numbered lineno, into the
 * last job of set; on a bad line, *bad (when not NULL) is where it starts.
 */
static enum rv_code lines_read(struct report_set *set, const char *name,
			       const char *p, const char *end, unsigned lineno,
			       const char **bad, struct rv_err *err)
{
	struct report_fields f;
	enum rv_code rc = RV_OK;

	report_fields_init(&f, set);
	for (; p < end && rc == RV_OK; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (!lines_blank(p, n))
			rc = lines_one(&f, name, p, n, lineno, err);
		if (rc != RV_OK && bad)
			*bad = p;
		p = nl ? nl + 1 : end;
	}
	report_fields_release(&f);
	return rc;
}

/* The second half, read on its own thread into a set of its own. */
struct lines_half {
	struct report_set set;
	const char *name, *p, *end, *bad;
	enum rv_code rc;
	struct rv_err err;
};

static void *lines_half_run(void *arg)
{
	struct lines_half *h = arg;

	h->rc = lines_read(&h->set, h->name, h->p, h->end, 1, &h->bad,
			   &h->err);
	return NULL;
}

/* Read the bad line of the second half again, numbered in the file. */
static enum rv_code lines_again(struct report_set *set, const char *name,
				const char *data, const struct lines_half *h,
				struct rv_err *err)
{
	const char *nl = memchr(h->bad, '\n', (size_t)(h->end - h->bad));
	unsigned lineno = 1;
	enum rv_code rc;

	for (const char *p = data; (p = memchr(p, '\n', (size_t)(h->bad - p)));
	     p++)
		lineno++;
	rc = lines_read(set, name, h->bad, nl ? nl : h->end, lineno, NULL, err);
	if (rc != RV_OK)
		return rc;
	*err = h->err;	/* cannot happen: the same line, the same code */
	return h->rc;
}

static enum rv_code lines_read_all(struct report_set *set, const char *name,
				   const char *data, size_t len,
				   struct rv_err *err)
{
	const char *end = data + len, *mid = NULL;
	struct lines_half h;
	pthread_t th;
	enum rv_code rc;

	if (len >= LINES_TWO_HALVES_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		mid = memchr(data + len / 2, '\n', len - len / 2);
	if (!mid)
		return lines_read(set, name, data, end, 1, NULL, err);
	memset(&h, 0, sizeof(h));
	report_set_init(&h.set);
	report_add_job(&h.set, name, name, REPORT_KIND_SPANS);
	h.name = name;
	h.p = mid + 1;
	h.end = end;
	if (pthread_create(&th, NULL, lines_half_run, &h) != 0) {
		report_set_release(&h.set);
		return lines_read(set, name, data, end, 1, NULL, err);
	}
	rc = lines_read(set, name, data, mid + 1, 1, NULL, err);
	pthread_join(th, NULL);
	if (rc == RV_OK && h.rc != RV_OK)
		rc = lines_again(set, name, data, &h, err);
	if (rc == RV_OK)
		report_append_samples(set, &h.set);
	report_set_release(&h.set);
	return rc;
}

/* Turn absolute ts times into offsets from the earliest one. */
static void lines_relative_times(struct report_set *set, size_t first)
{
	double t0 = INFINITY;

	for (size_t i = first; i < set->n_samples; i++)
		if (set->samples[i].start_ms < t0)
			t0 = set->samples[i].start_ms;
	for (size_t i = first; i < set->n_samples; i++)
		set->samples[i].start_ms -= t0;
	if (isfinite(t0))
		set->jobs[set->n_jobs - 1].epoch_ms = t0;
}

enum rv_code report_load_spans(struct report_set *set, const char *name,
			       const char *data, size_t len,
			       struct rv_err *err)
{
	size_t first = set->n_samples;
	enum rv_code rc;

	report_add_job(set, name, name, REPORT_KIND_SPANS);
	rc = lines_read_all(set, name, data, len, err);
	if (rc == RV_OK && set->n_samples == first)
		rc = rv_errf(err, RV_ERR_PROTO, "'%s': no spans in the input",
			     name);
	if (rc == RV_OK) {
		lines_relative_times(set, first);
		report_derive_rollouts(set, first);
	}
	return rc;
}
