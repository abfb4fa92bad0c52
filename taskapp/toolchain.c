#include "toolchain.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "sandbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const tc_names[] = { "cc", "gcc", "clang" };

/* name on PATH (or as given when it has a slash), malloc'ed, or NULL. */
static char *tc_which(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *dir, *hit = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? realpath(name, NULL) : NULL;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = rv_xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !hit;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p;

		if (*dir != '/')
			continue;	/* never a relative PATH entry */
		p = rv_xasprintf("%s/%s", dir, name);
		if (access(p, X_OK) == 0)
			hit = p;
		else
			free(p);
	}
	free(copy);
	return hit;
}

static void tc_from_env(struct taskapp_compiler *c, const char *cc)
{
	char *copy = rv_xstrdup(cc), *save = NULL;
	char *word = strtok_r(copy, " \t", &save);

	c->tried = rv_xasprintf("$CC '%s'", cc);
	if (word) {
		c->path = tc_which(word);
		while ((word = strtok_r(NULL, " \t", &save)) &&
		       c->nargs < TASKAPP_CC_MAX_ARGS)
			c->args[c->nargs++] = rv_xstrdup(word);
	}
	free(copy);
}

void taskapp_compiler_find(struct taskapp_compiler *c)
{
	const char *cc = getenv("CC");

	memset(c, 0, sizeof(*c));
	if (cc && *cc) {
		tc_from_env(c, cc);
	} else {
		c->tried = rv_xstrdup("cc, gcc, clang");
		for (size_t i = 0; i < sizeof(tc_names) / sizeof(*tc_names) &&
		     !c->path; i++)
			c->path = tc_which(tc_names[i]);
	}
	c->found = c->path != NULL;
	if (!c->found)
		c->problem = rv_xasprintf("no C compiler found (looked for %s "
					  "on PATH)", c->tried);
}

static char *tc_top_dir(const char *path)
{
	const char *slash;

	if (taskapp_sandbox_shows(path))
		return NULL;
	slash = strchr(path + 1, '/');
	return slash ? rv_xstrndup(path, (size_t)(slash - path)) : NULL;
}

char *taskapp_compiler_extra_dir(const struct taskapp_compiler *c)
{
	char *real, *dir;

	if (!c->found)
		return NULL;
	dir = tc_top_dir(c->path);
	if (dir)
		return dir;
	real = realpath(c->path, NULL);
	if (!real)
		return NULL;
	dir = tc_top_dir(real);
	free(real);
	return dir;
}

void taskapp_compiler_probe(struct taskapp_compiler *c)
{
	const char *argv[] = { c->path, "--version", NULL };
	struct taskapp_sandbox_step step = {
		.argv = argv,
		.lim = { .wall_ns = 20 * RV_NS_PER_SEC, .cpu_s = 10,
			 .mem_bytes = (size_t)2 << 30, .nproc = 16,
			 .fsize_bytes = 1 << 20, .output_bytes = 16384 },
	};
	struct taskapp_sandbox_job job = { .steps = &step, .nsteps = 1 };
	struct taskapp_sandbox_result res;
	struct rv_err err = RV_ERR_INIT;
	char why[128];

	if (!c->found)
		return;
	if (taskapp_sandbox_run(&job, &res, &err) != RV_OK) {
		c->problem = rv_xasprintf("cannot run the C compiler '%s': %s",
					  c->path, err.msg);
	} else if (res.end != TASKAPP_SANDBOX_EXITED || res.exit_code != 0) {
		c->problem = rv_xasprintf("the C compiler '%s --version' failed "
					  "in the sandbox: %s", c->path,
					  taskapp_sandbox_describe(&res, why,
								   sizeof(why)));
	} else {
		size_t n = strcspn(res.output.data, "\n");

		c->version = rv_xstrndup(res.output.data, n);
		c->clang = strstr(res.output.data, "clang") != NULL;
	}
	if (c->problem)
		c->found = false;
	taskapp_sandbox_result_release(&res);
}

void taskapp_compiler_release(struct taskapp_compiler *c)
{
	free(c->path);
	for (int i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->version);
	free(c->tried);
	free(c->problem);
	memset(c, 0, sizeof(*c));
}
