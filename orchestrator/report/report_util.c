#include "report_util.h"

#include "rv_alloc.h"
#include "rv_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *report_fmt_ms(double ms, char *buf, size_t size)
{
	double a = fabs(ms);

	if (!isfinite(ms))
		snprintf(buf, size, "-");
	else if (a >= 1e9)	/* 11.6 days: short, and still in seconds */
		snprintf(buf, size, "%.3g s", ms / 1000);
	else if (a >= 1000)
		snprintf(buf, size, "%.2f s", ms / 1000);
	else if (a >= 10)
		snprintf(buf, size, "%.1f ms", ms);
	else if (a >= 1)
		snprintf(buf, size, "%.2f ms", ms);
	else
		snprintf(buf, size, "%.3f ms", ms);
	return buf;
}

char *report_fmt_pct(double ratio, char *buf, size_t size)
{
	if (!isfinite(ratio))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", ratio * 100);
	return buf;
}

/* Bytes of s to take for at most max bytes without splitting UTF-8. */
static size_t report_cut(const char *s, size_t max, int *cut)
{
	size_t n = strlen(s);

	*cut = 0;
	if (!max || n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	*cut = 1;
	return max;
}

void report_xml_esc(struct rv_buf *b, const char *s, size_t max)
{
	int cut;
	size_t n = report_cut(s, max, &cut);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run = i;

		/* most text needs no escape: copy it a run at a time */
		while (run < n && (c = (unsigned char)s[run]) >= 0x20 &&
		       c != 0x7f && c != '&' && c != '<' && c != '>' &&
		       c != '"' && c != '\'')
			run++;
		if (run > i) {
			rv_buf_add(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		switch (c) {
		case '&': rv_buf_adds(b, "&amp;"); break;
		case '<': rv_buf_adds(b, "&lt;"); break;
		case '>': rv_buf_adds(b, "&gt;"); break;
		case '"': rv_buf_adds(b, "&quot;"); break;
		case '\'': rv_buf_adds(b, "&apos;"); break;
		case '\t': rv_buf_adds(b, "&#9;"); break;
		case '\n': rv_buf_adds(b, "&#10;"); break;
		case '\r': rv_buf_adds(b, "&#13;"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				rv_buf_adds(b, "\xef\xbf\xbd");
			else
				rv_buf_addch(b, (char)c);
		}
	}
	if (cut)
		rv_buf_adds(b, "...");
}

/* Does markdown text need c escaped (or replaced)? */
static bool report_md_special(unsigned char c)
{
	switch (c) {
	case '<': case '>': case '&': case '|': case '\\': case '`':
	case '*': case '_': case '[': case ']': case '#': case '~':
	case 0x7f:
		return true;
	default:
		return c < 0x20;
	}
}

void report_md_esc(struct rv_buf *b, const char *s, size_t max)
{
	int cut;
	size_t n = report_cut(s, max, &cut);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run = i;

		/* most text needs no escape: copy it a run at a time */
		while (run < n && !report_md_special((unsigned char)s[run]))
			run++;
		if (run > i) {
			rv_buf_add(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '<')
			rv_buf_adds(b, "&lt;");
		else if (c == '>')
			rv_buf_adds(b, "&gt;");
		else if (c == '&')
			rv_buf_adds(b, "&amp;");
		else if (c < 0x20 || c == 0x7f)
			rv_buf_addch(b, ' ');
		else if (strchr("|\\`*_[]#~", c)) {
			rv_buf_addch(b, '\\');
			rv_buf_addch(b, (char)c);
		} else {
			rv_buf_addch(b, (char)c);
		}
	}
	if (cut)
		rv_buf_adds(b, "...");
}

static enum rv_code report_write_all(int fd, const char *path,
				     const char *data, size_t len,
				     struct rv_err *err)
{
	if (rv_write_all(fd, data, len) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			       strerror(errno));
	return RV_OK;
}

enum rv_code report_append_file(const char *path, const char *data,
				size_t len, struct rv_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	enum rv_code rc;

	if (fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot append to '%s': %s",
			       path, strerror(errno));
	rc = report_write_all(fd, path, data, len, err);
	close(fd);
	return rc;
}

void report_buf_insert(struct rv_buf *b, size_t at, const struct rv_buf *ins)
{
	if (at > b->len)
		rv_bug("report_buf_insert: offset past the end");
	if (!ins->len)
		return;
	rv_buf_grow(b, ins->len);
	memmove(b->data + at + ins->len, b->data + at, b->len - at + 1);
	memcpy(b->data + at, ins->data, ins->len);
	b->len += ins->len;
}

bool report_cold_series(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 5 && !strcmp(name + n - 5, ":cold");
}
