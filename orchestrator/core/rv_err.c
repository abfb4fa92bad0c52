#include "rv_err.h"

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
	char *text = NULL;
	int n;

	va_copy(again, ap);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n >= (int)sizeof(err->msg) && vasprintf(&text, fmt, again) >= 0) {
		rv_err_set(err, text, strlen(text));
		free(text);
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
	va_list ap;
	char *head = NULL, *text;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vasprintf(&head, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = asprintf(&text, "%s: %s", head, err->msg);
	if (n >= 0) {
		rv_err_set(err, text, (size_t)n);
		free(text);
	}
	free(head);
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
