#include "rv_err.h"

#include "rv_buf.h"
#include "rv_redact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rv_err_texts[] = {
	[RV_OK] = "success",
#define RV_ERR_TEXT_(name, id, text) [RV_ERR_##name] = text,
	RV_ERROR_MAP(RV_ERR_TEXT_)
#undef RV_ERR_TEXT_
};

static const char *const rv_err_names[] = {
	[RV_OK] = "ok",
#define RV_ERR_NAME_(name, id, text) [RV_ERR_##name] = #id,
	RV_ERROR_MAP(RV_ERR_NAME_)
#undef RV_ERR_NAME_
};

const char *rv_strerror(enum rv_code code)
{
	if ((unsigned)code >= RV_ERR_MAX_)
		return "unknown error";
	return rv_err_texts[code];
}

const char *rv_code_name(enum rv_code code)
{
	if ((unsigned)code >= RV_ERR_MAX_)
		return "unknown";
	return rv_err_names[code];
}

/*
 * err->msg = text (len bytes, NUL-terminated).  A text longer than the
 * message holds is redacted as far as the cut before it is cut
 * (rv_redact_head): a secret that started just before the cut would
 * otherwise keep its first few characters, too few for the redaction
 * at output to know.  Messages are short; this is for the rare long one.
 */
static void rv_err_set(struct rv_err *err, const char *text, size_t len)
{
	char *red;

	if (len < sizeof(err->msg)) {
		memcpy(err->msg, text, len + 1);
		return;
	}
	red = rv_redact_head(text, len, sizeof(err->msg) - 1);
	snprintf(err->msg, sizeof(err->msg), "%s", red);
	free(red);
}

/* err->msg = fmt with ap: cut, or redacted first when it has to be. */
static void rv_err_vset(struct rv_err *err, const char *fmt, va_list ap)
{
	va_list again;

	va_copy(again, ap);
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) >=
	    (int)sizeof(err->msg)) {
		struct rv_buf text = RV_BUF_INIT;

		rv_buf_vaddf(&text, fmt, again);
		rv_err_set(err, text.data, text.len);
		rv_buf_release(&text);
	}
	va_end(again);
}

enum rv_code rv_errf(struct rv_err *err, enum rv_code code,
		     const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	rv_err_vset(err, fmt, ap);
	va_end(ap);
	return code;
}

void rv_err_prefix(struct rv_err *err, const char *fmt, ...)
{
	struct rv_buf text = RV_BUF_INIT;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	rv_buf_vaddf(&text, fmt, ap);
	va_end(ap);
	rv_buf_addf(&text, ": %.*s", (int)strnlen(err->msg, sizeof(err->msg)),
		    err->msg);
	rv_err_set(err, text.data, text.len);
	rv_buf_release(&text);
}

void rv_err_clear(struct rv_err *err)
{
	if (!err)
		return;
	err->code = RV_OK;
	err->msg[0] = '\0';
}

void rv_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("BUG: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
