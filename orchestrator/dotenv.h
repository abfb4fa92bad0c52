/*
 * dotenv: load KEY=VALUE lines from a .env file into the environment.
 *
 * Variables already set are never overridden.  Syntax: blank lines and
 * '#' comments; an optional "export " prefix; KEY is [A-Za-z_][A-Za-z0-9_]*;
 * VALUE is unquoted (trimmed, a " #" starts a comment), 'single-quoted'
 * (literal) or "double-quoted" (\n \t \" \\ escapes).  A malformed line
 * is an error naming file and line; nothing after it is loaded.
 *
 * Values whose key looks like a secret (*KEY*, *TOKEN*, *SECRET*,
 * *PASSWORD*) are registered with rv_redact_add(), loaded or not.
 */
#ifndef RUNEVAL_ORCHESTRATOR_DOTENV_H
#define RUNEVAL_ORCHESTRATOR_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

/*
 * Load path.  A missing file is RV_OK when !required (*loaded = false),
 * else RV_ERR_CONFIG.  loaded may be NULL.
 */
enum rv_code dotenv_load(const char *path, bool required, bool *loaded,
			 struct rv_err *err);

/* Did dotenv_load() set key (it was not set before, and still is)? */
bool dotenv_was_set(const char *key);

/*
 * Parse the .env text data[0..len) (name is for messages): set() for
 * each KEY=VALUE line in order (key and value borrowed for the call),
 * then RV_OK; or RV_ERR_CONFIG naming name and the first malformed line,
 * after set() for the lines before it.  dotenv_load() reads a file
 * through it; alone it touches neither the environment nor the
 * redaction list.
 */
enum rv_code dotenv_parse(const char *name, const char *data, size_t len,
			  void (*set)(void *arg, const char *key,
				      const char *value),
			  void *arg, struct rv_err *err);

/* An env file holds at most this much (RV_ERR_CONFIG past it). */
#define DOTENV_MAX_BYTES (1u << 20)

/*
 * dotenv_parse() of the file path, with dotenv_load()'s rule for a
 * missing one (RV_OK when !required, *loaded false; loaded may be NULL).
 * A pipe is read until its writer closes it (`--env-file <(...)`), or
 * until *cancel is set (may be NULL; RV_ERR_INTR); a FIFO that no one
 * writes is empty (rv_read_input).
 */
enum rv_code dotenv_parse_file(const char *path, bool required,
			       void (*set)(void *arg, const char *key,
					   const char *value),
			       void *arg, bool *loaded,
			       const volatile int *cancel, struct rv_err *err);

/* Does this variable name look like it holds a secret? */
bool dotenv_name_is_secret(const char *name);

/* Register the values of every secret-looking variable of environ. */
void dotenv_redact_environ(void);

#endif
