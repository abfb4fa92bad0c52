/*
 * rv_json: small helpers over jansson.
 *
 * Getters return borrowed references (valid while the parent lives) and
 * never fail loudly: a missing key or a wrong type gives NULL or the
 * fallback.  Parsers and file helpers fill a struct rv_err that names the
 * file, line and column of the problem.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_JSON_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

struct rv_buf;

/*
 * Parse len bytes; what names the source in messages ("response body").
 * A failure is RV_ERR_PROTO with jansson's message on one printable
 * line: the input it quotes is escaped as rv_term_escape() does.
 */
json_t *rv_json_parse(const char *data, size_t len, const char *what,
		      struct rv_err *err);

/*
 * Read and parse a whole regular file of at most RV_JSON_FILE_MAX bytes
 * (messages as rv_json_parse's; RV_ERR_IO for what is no regular file:
 * a FIFO is refused, not waited on; RV_ERR_LIMIT past the size).
 */
#define RV_JSON_FILE_MAX ((size_t)1 << 30)
json_t *rv_json_load_file(const char *path, struct rv_err *err);

/*
 * Write v to path atomically (a temporary file renamed into place),
 * indented, with a final newline.
 */
enum rv_code rv_json_write_file(const char *path, const json_t *v,
				struct rv_err *err);

/* Compact serialisation, malloc'ed (abort on OOM). */
char *rv_json_dumps(const json_t *v);

/* Member at a dotted path ("reward_info.outcome_reward"), or NULL. */
json_t *rv_json_path(const json_t *v, const char *dotted);

/* String at a dotted path, or NULL when missing or not a string. */
const char *rv_json_str(const json_t *v, const char *dotted);

/*
 * Number (integer or real) at a dotted path into *out.  false when
 * missing or not a number (*out untouched).
 */
bool rv_json_num(const json_t *v, const char *dotted, double *out);

/* Integer at a dotted path, or fallback. */
long long rv_json_int(const json_t *v, const char *dotted, long long fallback);

/* Boolean at a dotted path, or fallback. */
bool rv_json_bool(const json_t *v, const char *dotted, bool fallback);

/*
 * A copy of v (new reference) with every registered secret replaced in
 * its strings and object keys (rv_redact()); numbers, booleans and null
 * are shared.  Keys that become equal collapse into one.  When nothing in
 * v holds a secret, v itself comes back with a new reference (no copy):
 * the result is for reading (dumping), not for changing.
 */
json_t *rv_json_redact(const json_t *v);

/*
 * Writers that build JSON text without a tree (for the records of which
 * a job writes one per seed): s as a JSON string (NULL: null), with '"',
 * '\\' and control characters escaped, valid UTF-8 kept, and every byte
 * that is not UTF-8 replaced by U+FFFD; a number with 12 significant
 * digits (always with a '.' or an exponent, as jansson writes reals), or
 * null when it is not finite.
 */
void rv_json_add_str(struct rv_buf *b, const char *s);
void rv_json_add_num(struct rv_buf *b, double v);

/*
 * Append v as rv_json_dumps() writes it, byte for byte (jansson's compact
 * text: its string escapes, reals with 12 digits, members in the
 * object's order), without a second malloc'ed copy: for a tree of which
 * a job writes one per seed (a rollout's details).
 */
void rv_json_add_value(struct rv_buf *b, const json_t *v);

/*
 * Copy JSON text of len bytes into b without the whitespace between its
 * tokens (the text is assumed valid JSON; strings are copied verbatim).
 */
void rv_json_add_compact(struct rv_buf *b, const char *text, size_t len);

/* Name of a JSON type for messages ("string", "object", ...). */
const char *rv_json_type_name(const json_t *v);

#endif
