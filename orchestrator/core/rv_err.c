#include "rv_err.h"

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

enum rv_code rv_errf(struct rv_err *err, enum rv_code code,
		     const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void rv_err_prefix(struct rv_err *err, const char *fmt, ...)
{
	char head[RV_ERR_MSG_MAX], old[RV_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t n = strlen(head);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, head, n);
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	size_t rest = strnlen(old, sizeof(old));
	if (rest > sizeof(err->msg) - 1 - n)
		rest = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, old, rest);
	err->msg[n + rest] = '\0';
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
