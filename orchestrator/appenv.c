/* appenv: the task app's environment (see appenv.h). */
#include "appenv.h"

#include "cli.h"
#include "dotenv.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_redact.h"
#include "signals.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Set by runeval itself. */
static const char *const appenv_reserved[] = { "PORT",
					       "ENVIRONMENT_API_KEY" };
/* runeval's own variables (provider credentials): no glob matches them. */
static const char *const appenv_own[] = { "DAYTONA_", "E2B_", "RUNEVAL_" };

#define APPENV_GLOB_CHARS "*?[]!"

static bool appenv_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncmp(s, name, n);
}

static const char *appenv_reserved_name(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(appenv_reserved) /
	     sizeof(appenv_reserved[0]); i++)
		if (appenv_is(s, n, appenv_reserved[i]))
			return appenv_reserved[i];
	return NULL;
}

static bool appenv_own_name(const char *s)
{
	for (size_t i = 0; i < sizeof(appenv_own) / sizeof(appenv_own[0]); i++)
		if (!strncmp(s, appenv_own[i], strlen(appenv_own[i])))
			return true;
	return false;
}

enum rv_code appenv_check_pass(const char *p, const char *where,
			       struct rv_err *err)
{
	size_t n = strlen(p);
	const char *r;

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_' &&
		    !strchr(APPENV_GLOB_CHARS, p[i]))
			n = 0;
	if (!n || (!strpbrk(p, APPENV_GLOB_CHARS) && !rv_shell_name_ok(p, n)))
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for %s: "
			       "expected a variable name or a glob such as "
			       "'OPENAI_*'", p, where);
	r = appenv_reserved_name(p, n);
	if (r)
		return rv_errf(err, RV_ERR_USAGE, "%s: runeval sets %s itself",
			       where, r);
	return RV_OK;
}

enum rv_code appenv_check_set(const char *kv, const char *where,
			      struct rv_err *err)
{
	const char *eq = strchr(kv, '=');
	int klen = eq ? (int)(eq - kv) : 0;
	const char *r;

	if (!eq || !rv_shell_name_ok(kv, (size_t)klen))
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%.*s...' for "
			       "%s: expected KEY=VALUE with KEY a variable "
			       "name", eq ? klen : 20, kv, where);
	r = appenv_reserved_name(kv, (size_t)klen);
	if (r)
		return rv_errf(err, RV_ERR_USAGE, "%s: runeval sets %s itself",
			       where, r);
	if (dotenv_name_is_secret(kv))
		return rv_errf(err, RV_ERR_USAGE, "%s: %.*s looks like a secret, "
			       "and '--env' values are recorded in result.json: "
			       "set %.*s in the environment (or the env file) "
			       "and give '--pass-env %.*s'", where, klen, kv,
			       klen, kv, klen, kv);
	return RV_OK;
}

/* Set key (klen bytes) to val, replacing an earlier entry of that key. */
static void appenv_put(struct appenv *e, const char *key, size_t klen,
		       const char *val, bool secret)
{
	char *kv = rv_xasprintf("%.*s=%s", (int)klen, key, val);
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!strncmp(e->kv[i], key, klen) && e->kv[i][klen] == '=')
			break;
	if (i < e->n) {
		free(e->kv[i]);
		e->kv[i] = kv;
	} else {
		e->kv = rv_xreallocarray(e->kv, e->n + 2, sizeof(*e->kv));
		e->kv[e->n++] = kv;
		e->kv[e->n] = NULL;
	}
	if (!secret)
		return;
	rv_redact_add(val);
	for (i = 0; i < e->n_passed; i++)
		if (appenv_is(key, klen, e->passed[i]))
			return;
	e->passed = rv_xreallocarray(e->passed, e->n_passed + 1,
				     sizeof(*e->passed));
	e->passed[e->n_passed++] = rv_xstrndup(key, klen);
}

/* --pass-env p: one name, or every variable a glob matches. */
static enum rv_code appenv_pass(struct appenv *e, const char *p,
				struct rv_err *err)
{
	unsigned hits = 0;

	if (!strpbrk(p, APPENV_GLOB_CHARS)) {
		const char *v = getenv(p);

		if (!v)
			return rv_errf(err, RV_ERR_CONFIG, "'--pass-env %s': %s "
				       "is not set (in the environment or the "
				       "env file)", p, p);
		appenv_put(e, p, strlen(p), v, true);
		return RV_OK;
	}
	for (char **env = environ; *env; env++) {
		const char *eq = strchr(*env, '=');
		char *name;

		if (!eq || appenv_own_name(*env) ||
		    appenv_reserved_name(*env, (size_t)(eq - *env)))
			continue;
		name = rv_xstrndup(*env, (size_t)(eq - *env));
		if (fnmatch(p, name, 0) == 0) {
			appenv_put(e, name, strlen(name), eq + 1, true);
			hits++;
		}
		free(name);
	}
	if (!hits)
		return rv_errf(err, RV_ERR_CONFIG, "'--pass-env %s' matches no "
			       "variable of the environment", p);
	return RV_OK;
}

struct appenv_file {
	struct appenv *e;
	const char *reserved;	/* the first reserved name met, or NULL */
};

static void appenv_file_line(void *arg, const char *key, const char *val)
{
	struct appenv_file *f = arg;
	const char *r = appenv_reserved_name(key, strlen(key));

	if (r) {
		if (!f->reserved)
			f->reserved = r;
		return;
	}
	appenv_put(f->e, key, strlen(key), val, true);
}

enum rv_code appenv_build(const struct cli_options *opt, const char *api_key,
			  struct appenv *out, struct rv_err *err)
{
	struct appenv_file f = { .e = out };
	enum rv_code rc = RV_OK;

	memset(out, 0, sizeof(*out));
	appenv_put(out, "ENVIRONMENT_API_KEY", strlen("ENVIRONMENT_API_KEY"),
		   api_key, false);	/* registered and recorded apart */
	for (size_t i = 0; rc == RV_OK && i < opt->pass_env.n; i++)
		rc = appenv_pass(out, opt->pass_env.v[i], err);
	if (rc == RV_OK && opt->app_env_file) {
		rc = dotenv_parse_file(opt->app_env_file, true,
				       appenv_file_line, &f, NULL,
				       &signals_stop, err);
		if (rc == RV_OK && f.reserved)
			rc = rv_errf(err, RV_ERR_CONFIG, "'--app-env-file %s' "
				     "sets %s, which runeval sets itself",
				     opt->app_env_file, f.reserved);
	}
	for (size_t i = 0; rc == RV_OK && i < opt->set_env.n; i++) {
		const char *kv = opt->set_env.v[i], *eq = strchr(kv, '=');

		appenv_put(out, kv, (size_t)(eq - kv), eq + 1, false);
	}
	if (rc != RV_OK)
		appenv_release(out);
	return rc;
}

void appenv_release(struct appenv *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->kv[i]);
	for (size_t i = 0; i < e->n_passed; i++)
		free(e->passed[i]);
	free(e->kv);
	free(e->passed);
	memset(e, 0, sizeof(*e));
}

json_t *appenv_json(const struct appenv *e, const struct cli_options *opt)
{
	json_t *passed = json_array(), *set = json_object();

	for (size_t i = 0; i < e->n_passed; i++)
		json_array_append_new(passed, json_string(e->passed[i]));
	for (size_t i = 0; i < opt->set_env.n; i++) {
		const char *kv = opt->set_env.v[i], *eq = strchr(kv, '=');
		char *k = rv_xstrndup(kv, (size_t)(eq - kv));
		char *v = rv_redact(eq + 1);

		json_object_set_new(set, k, json_string(v));
		free(k);
		free(v);
	}
	return json_pack("{s:o, s:o, s:s?, s:b}", "passed", passed,
			 "set", set, "file", opt->app_env_file,
			 "inherit", opt->inherit_env);
}
