/*
 * rv_err: the one error type of runeval.
 *
 * Every fallible function returns an enum rv_code and, when it fails, fills
 * a caller-owned struct rv_err with a one-line message (lowercase, no final
 * period, failure first, names in 'quotes').  Only main() prints errors.
 * Functions accept a NULL err when the caller does not care.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_ERR_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_ERR_H

#define RV_ERROR_MAP(X) \
	X(USAGE, usage, "usage error") \
	X(CONFIG, config, "configuration error") \
	X(IO, io, "i/o error") \
	X(HTTP, http, "http error") \
	X(CONNECT, connect, "cannot connect") \
	X(TIMEOUT, timeout, "timed out") \
	X(AGAIN, again, "not ready yet") \
	X(NOTSUP, notsup, "not supported") \
	X(NOTFOUND, notfound, "not found") \
	X(CHILD, child, "child process failed") \
	X(PROVIDER, provider, "provider error") \
	X(PROTO, proto, "protocol error") \
	X(AUTH, auth, "authentication failed") \
	X(LIMIT, limit, "limit exceeded") \
	X(CONFLICT, conflict, "conflict") \
	X(INTR, intr, "interrupted") \
	X(INTERNAL, internal, "internal error")

enum rv_code {
	RV_OK = 0,
#define RV_ERR_ENUM_(name, id, text) RV_ERR_##name,
	RV_ERROR_MAP(RV_ERR_ENUM_)
#undef RV_ERR_ENUM_
	RV_ERR_MAX_
};

#define RV_ERR_MSG_MAX 512

struct rv_err {
	enum rv_code code;
	char msg[RV_ERR_MSG_MAX];
};

#define RV_ERR_INIT { RV_OK, "" }

/* Short fixed text for a code ("timed out"); never NULL. */
const char *rv_strerror(enum rv_code code);

/* Stable lowercase identifier for a code ("timeout"), for results files. */
const char *rv_code_name(enum rv_code code);

/*
 * Fill err (if not NULL) with code and a printf-style message, truncated
 * to fit; a message that does not fit is redacted before it is cut
 * (rv_redact_head), so that no secret keeps its first characters at the
 * cut.  Returns code, so callers can write
 *	return rv_errf(err, RV_ERR_IO, "cannot open '%s': %s", p, strerror(errno));
 */
enum rv_code rv_errf(struct rv_err *err, enum rv_code code,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to err->msg, keeping the code (cut as rv_errf
   cuts).  NULL-safe. */
void rv_err_prefix(struct rv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset err to RV_OK with an empty message.  NULL-safe. */
void rv_err_clear(struct rv_err *err);

/* Abort with a message: a broken invariant, never a user error. */
_Noreturn void rv_bug(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
