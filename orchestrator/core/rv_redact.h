/*
 * rv_redact: keep secrets out of logs, results and reports.
 *
 * Secrets (API keys, tokens) are registered once, when they are read;
 * every log line goes through rv_redact(), and so does anything written
 * to disk that may echo foreign text (task app output, error bodies).
 * Thread-safe.  Secrets shorter than RV_REDACT_MIN_LEN are not registered
 * (they would mangle ordinary text); registering the same one twice is a
 * no-op.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_REDACT_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define RV_REDACT_MIN_LEN 6
#define RV_REDACT_MARK "[REDACTED]"

struct rv_buf;

/* Remember secret (copied).  NULL or short values are ignored. */
void rv_redact_add(const char *secret);

/* Forget every registered secret (tests). */
void rv_redact_reset(void);

/* A malloc'ed copy of s with every registered secret replaced. */
char *rv_redact(const char *s);

/* Replace every registered secret inside b. */
void rv_redact_buf(struct rv_buf *b);

/* Does s contain a registered secret? */
bool rv_redact_contains(const char *s);

/*
 * A safe preview of a secret for humans: its first 4 characters and its
 * length ("abcd…(64 chars)"), written into out.  Never the whole value.
 */
void rv_redact_hint(const char *secret, char *out, size_t size);

#endif
