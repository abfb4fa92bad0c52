#include "rv_term.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

/* Code points that move or hide text on a terminal. */
static bool rv_term_bad_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		(cp >= 0x202a && cp <= 0x202e) ||
		(cp >= 0x2066 && cp <= 0x2069);
}

void rv_term_escape(struct rv_buf *out, const char *s, size_t len,
		    bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n;

		if (c >= 0x20 && c < 0x7f) {
			size_t run = i;

			while (run < len && p[run] >= 0x20 && p[run] < 0x7f)
				run++;
			rv_buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		if (c == '\n' || c == '\t') {
			if (multiline)
				rv_buf_addch(out, (char)c);
			else
				rv_buf_adds(out, c == '\n' ? "\\n" : "\\t");
			i++;
			continue;
		}
		if (c == '\r') {
			rv_buf_adds(out, "\\r");
			i++;
			continue;
		}
		n = c >= 0x80 ? rv_utf8_len(p + i, len - i, &cp) : 0;
		if (n && !rv_term_bad_cp(cp)) {
			rv_buf_add(out, s + i, n);
		} else if (n) {
			rv_buf_addf(out, "\\u%04x", (unsigned)cp);
		} else {
			rv_buf_addf(out, "\\x%02x", c);
			n = 1;
		}
		i += n;
	}
}

char *rv_term_safe(const char *s)
{
	struct rv_buf b = RV_BUF_INIT;

	if (!s)
		return NULL;
	rv_term_escape(&b, s, strlen(s), false);
	return rv_buf_detach(&b, NULL);
}

int rv_term_printf(FILE *f, const char *fmt, ...)
{
	struct rv_buf raw = RV_BUF_INIT, out = RV_BUF_INIT;
	bool nl;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rv_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	nl = raw.len && raw.data[raw.len - 1] == '\n';
	rv_term_escape(&out, raw.data, raw.len - nl, false);
	if (nl)
		rv_buf_addch(&out, '\n');
	rc = fputs(out.data, f);
	rv_buf_release(&raw);
	rv_buf_release(&out);
	return rc;
}
