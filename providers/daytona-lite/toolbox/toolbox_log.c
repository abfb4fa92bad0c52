#include "toolbox_log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void tb_log_init(struct tb_log *l, size_t max)
{
	rv_buf_init(&l->data);
	l->max = max;
	l->dropped = 0;
	l->last = -1;
	l->line_start[TB_STDOUT] = true;
	l->line_start[TB_STDERR] = true;
}

void tb_log_release(struct tb_log *l)
{
	rv_buf_release(&l->data);
}

void tb_log_append(struct tb_log *l, enum tb_stream stream, const char *p,
		   size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) + 1 : n;

		if (l->data.len + seg + TB_MARK_LEN > l->max) {
			l->dropped += n;
			return;
		}
		if (l->last != (int)stream || l->line_start[stream])
			rv_buf_add(&l->data, stream == TB_STDOUT ? TB_MARK_OUT :
				   TB_MARK_ERR, TB_MARK_LEN);
		rv_buf_add(&l->data, p, seg);
		l->line_start[stream] = nl != NULL;
		l->last = (int)stream;
		p += seg;
		n -= seg;
	}
}

/* Length of the marker at p (TB_MARK_LEN) or 0; *stream says which. */
static size_t tb_marker_at(const char *p, size_t n, int *stream)
{
	if (n < TB_MARK_LEN || (p[0] != 1 && p[0] != 2) || p[1] != p[0] ||
	    p[2] != p[0])
		return 0;
	*stream = p[0] == 1 ? TB_STDOUT : TB_STDERR;
	return TB_MARK_LEN;
}

/* Offset of the next marker at or after i, or n. */
static size_t tb_next_marker(const char *p, size_t n, size_t i)
{
	int dummy;

	for (; i < n; i++)
		if ((p[i] == 1 || p[i] == 2) && tb_marker_at(p + i, n - i, &dummy))
			return i;
	return n;
}

void tb_log_demux(const char *p, size_t n, struct rv_buf *out,
		  struct rv_buf *err)
{
	size_t i = tb_next_marker(p, n, 0);	/* unlabelled bytes: dropped */

	while (i < n) {
		int stream = TB_STDOUT;
		size_t end;

		i += tb_marker_at(p + i, n - i, &stream);
		end = tb_next_marker(p, n, i);
		rv_buf_add(stream == TB_STDOUT ? out : err, p + i, end - i);
		i = end;
	}
}

void tb_log_strip(const char *p, size_t n, struct rv_buf *out)
{
	size_t i = 0;

	while (i < n) {
		int stream;
		size_t m = tb_marker_at(p + i, n - i, &stream);
		size_t end;

		i += m;
		end = tb_next_marker(p, n, i);
		rv_buf_add(out, p + i, end - i);
		i = end;
	}
}

/* Could the k bytes at p be the start of a marker? */
static bool tb_marker_prefix(const char *p, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if ((p[j] != 1 && p[j] != 2) || p[j] != p[0])
			return false;
	return true;
}

void tb_strip_feed(struct tb_strip *s, const char *p, size_t n,
		   struct rv_buf *out)
{
	struct rv_buf tmp = RV_BUF_INIT;
	const char *d = p;
	size_t len = n, i = 0, run = 0;

	if (s->ncarry) {
		rv_buf_add(&tmp, s->carry, s->ncarry);
		rv_buf_add(&tmp, p, n);
		d = tmp.data;
		len = tmp.len;
		s->ncarry = 0;
	}
	/* the daemon's scan: markers are skipped from the left, and a tail
	 * shorter than a marker that may start one is held back */
	while (i < len) {
		int stream;

		if (len - i < TB_MARK_LEN && tb_marker_prefix(d + i, len - i)) {
			memcpy(s->carry, d + i, len - i);
			s->ncarry = len - i;
			break;
		}
		if (tb_marker_at(d + i, len - i, &stream)) {
			rv_buf_add(out, d + i - run, run);
			run = 0;
			i += TB_MARK_LEN;
			continue;
		}
		run++;
		i++;
	}
	rv_buf_add(out, d + i - run, run);
	rv_buf_release(&tmp);
}

void tb_strip_flush(struct tb_strip *s, struct rv_buf *out)
{
	rv_buf_add(out, s->carry, s->ncarry);
	s->ncarry = 0;
}

bool tb_version_parse(const char *v, unsigned long out[3])
{
	const char *p = v;

	out[0] = out[1] = out[2] = 0;
	if (!p)
		return false;
	if (*p == 'v' || *p == 'V')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (int i = 0; i < 3; i++) {
		char *end;

		out[i] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	return true;
}

/* Is v lower than major.minor.patch-0 (any pre-release of it counts)? */
static bool tb_version_lower(const unsigned long v[3], unsigned long major,
			     unsigned long minor, unsigned long patch)
{
	if (v[0] != major)
		return v[0] < major;
	if (v[1] != minor)
		return v[1] < minor;
	return v[2] < patch;
}

enum tb_out_fmt tb_out_format(const char *sdk_version, bool split_output)
{
	unsigned long v[3];
	bool dev, parsed;

	if (!sdk_version || !*sdk_version)
		return split_output ? TB_OUT_RAW : TB_OUT_COMBINED;
	dev = strstr(sdk_version, "dev") != NULL;
	parsed = tb_version_parse(sdk_version, v);
	if (dev)
		return TB_OUT_SPLIT;
	if (!parsed)
		return TB_OUT_RAW;
	if (tb_version_lower(v, 0, 27, 0))
		return TB_OUT_COMBINED;
	if (tb_version_lower(v, 0, 167, 0))
		return TB_OUT_RAW;
	return TB_OUT_SPLIT;
}
