/* dotenv: .env files (see dotenv.h). */
#include "dotenv.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"
#include "rv_redact.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

bool dotenv_name_is_secret(const char *name)
{
	static const char *const marks[] = { "KEY", "TOKEN", "SECRET",
					     "PASSWORD", "PASSWD" };
	/* the whole name: a copy cut short would hide what follows */
	char *up = rv_xstrndup(name, strcspn(name, "="));
	bool found = false;

	for (size_t i = 0; up[i]; i++)
		up[i] = (char)toupper((unsigned char)up[i]);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		found |= strstr(up, marks[i]) != NULL;
	free(up);
	return found;
}

void dotenv_redact_environ(void)
{
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && dotenv_name_is_secret(*e))
			rv_redact_add(eq + 1);
	}
}

/* Parse a double-quoted value starting after the quote into v. */
static const char *dotenv_dquoted(const char *p, struct rv_buf *v)
{
	for (; *p && *p != '"'; p++) {
		if (*p != '\\' || !p[1]) {
			rv_buf_addch(v, *p);
			continue;
		}
		p++;
		rv_buf_addch(v, *p == 'n' ? '\n' : *p == 't' ? '\t' :
			     *p == 'r' ? '\r' : *p);
	}
	return *p == '"' ? p + 1 : NULL;
}

/* The value part of a line (after '='); NULL when malformed. */
static const char *dotenv_value(const char *p, struct rv_buf *v)
{
	const char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\'') {
		end = strchr(p + 1, '\'');
		if (!end)
			return NULL;
		rv_buf_add(v, p + 1, (size_t)(end - p - 1));
		return end + 1;
	}
	if (*p == '"')
		return dotenv_dquoted(p + 1, v);
	for (end = p; *end && !(*end == '#' && end > p &&
				(end[-1] == ' ' || end[-1] == '\t')); end++)
		;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	rv_buf_add(v, p, (size_t)(end - p));
	return p + strlen(p);
}

/* Parse one line into key/value; false when malformed. */
static bool dotenv_line(char *line, struct rv_buf *key, struct rv_buf *val)
{
	char *p = line;
	const char *rest;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "export ", 7))
		for (p += 7; *p == ' '; p++)
			;
	if (!(isalpha((unsigned char)*p) || *p == '_'))
		return false;
	while (isalnum((unsigned char)*p) || *p == '_')
		rv_buf_addch(key, *p++);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=')
		return false;
	rest = dotenv_value(p + 1, val);
	if (!rest)
		return false;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	return !*rest || *rest == '#';
}

static bool dotenv_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s || *s == '#';
}

enum rv_code dotenv_parse(const char *name, const char *data, size_t len,
			  void (*set)(void *arg, const char *key,
				      const char *value),
			  void *arg, struct rv_err *err)
{
	struct rv_buf line = RV_BUF_INIT, key = RV_BUF_INIT, val = RV_BUF_INIT;
	const char *p = data, *end = data + len, *nl;
	enum rv_code rc = RV_OK;
	unsigned lineno = 0;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		rv_buf_reset(&line);
		rv_buf_add(&line, p, (size_t)((nl ? nl : end) - p));
		while (line.len && line.data[line.len - 1] == '\r')
			rv_buf_truncate(&line, line.len - 1);
		/* a NUL would end the line early: "K=ab<NUL>cd" was "ab" */
		if (memchr(line.data ? line.data : "", '\0', line.len)) {
			rc = rv_errf(err, RV_ERR_CONFIG, "line %u of env file "
				     "'%s' holds a NUL byte", lineno, name);
			break;
		}
		if (dotenv_blank(line.data))
			continue;
		rv_buf_reset(&key);
		rv_buf_reset(&val);
		if (!dotenv_line(line.data, &key, &val)) {
			rc = rv_errf(err, RV_ERR_CONFIG, "malformed line %u in "
				     "env file '%s': expected KEY=VALUE",
				     lineno, name);
			break;
		}
		set(arg, key.data, val.data);
	}
	rv_buf_release(&line);
	rv_buf_release(&key);
	rv_buf_release(&val);
	return rc;
}

/* The variables dotenv_load() set (they were not set before it). */
static char **dotenv_keys;
static size_t dotenv_n_keys;

/* What dotenv_load does with each variable. */
static void dotenv_setenv(void *arg, const char *key, const char *value)
{
	(void)arg;
	if (dotenv_name_is_secret(key))
		rv_redact_add(value);
	if (getenv(key))
		return;
	setenv(key, value, 0);
	dotenv_keys = rv_xreallocarray(dotenv_keys, dotenv_n_keys + 1,
				       sizeof(*dotenv_keys));
	dotenv_keys[dotenv_n_keys++] = rv_xstrdup(key);
}

bool dotenv_was_set(const char *key)
{
	for (size_t i = 0; i < dotenv_n_keys; i++)
		if (!strcmp(dotenv_keys[i], key))
			return getenv(key) != NULL;
	return false;
}

enum rv_code dotenv_parse_file(const char *path, bool required,
			       void (*set)(void *arg, const char *key,
					   const char *value),
			       void *arg, bool *loaded,
			       const volatile int *cancel, struct rv_err *err)
{
	struct rv_buf text = RV_BUF_INIT;
	enum rv_code rc;

	if (loaded)
		*loaded = false;
	/* the default .env is read when there is one */
	if (!required && access(path, F_OK) != 0 && errno == ENOENT)
		return RV_OK;
	rc = rv_read_input(path, "env file", DOTENV_MAX_BYTES, cancel, &text,
			   err);
	if (rc != RV_OK && rc != RV_ERR_INTR) {
		rc = RV_ERR_CONFIG;
		if (err)
			err->code = rc;
	} else if (rc == RV_OK) {
		rc = dotenv_parse(path, text.data, text.len, set, arg, err);
	}
	if (loaded)
		*loaded = rc == RV_OK;
	rv_buf_release(&text);
	return rc;
}

enum rv_code dotenv_load(const char *path, bool required, bool *loaded,
			 struct rv_err *err)
{
	/* read before the signal handlers are in place: no cancel */
	return dotenv_parse_file(path, required, dotenv_setenv, NULL, loaded,
				 NULL, err);
}
