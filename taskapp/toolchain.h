/*
 * toolchain: the C compiler the task app compiles candidates with.
 *
 * Found once at start-up: $CC (its first word; later words become extra
 * arguments) if set, else the first of cc, gcc, clang on $PATH (or
 * /usr/local/bin:/usr/bin:/bin when PATH is unset).  A missing compiler
 * is not an error of the task app: /health, /info and every rollout say
 * so.  The struct is filled once and read-only afterwards.
 */
#ifndef RUNEVAL_TASKAPP_TOOLCHAIN_H
#define RUNEVAL_TASKAPP_TOOLCHAIN_H

#include <stdbool.h>

#include "rv_err.h"

#define TASKAPP_CC_MAX_ARGS 8

struct taskapp_compiler {
	bool found;
	char *path;		/* absolute path, as found */
	char *args[TASKAPP_CC_MAX_ARGS];	/* extra words of $CC */
	int nargs;
	bool clang;		/* clang-style flags */
	char *version;		/* first line of --version, or NULL */
	char *tried;		/* what was looked for ("$CC 'x'", "cc, gcc, clang") */
	char *problem;		/* why it cannot be used, or NULL */
};

/* Look for the compiler; c->found tells.  Never fails. */
void taskapp_compiler_find(struct taskapp_compiler *c);

/*
 * A directory outside the usual system ones that the sandbox must show
 * for this compiler ("/opt/cross" -> "/opt" is already shown; "/nix"),
 * malloc'ed, or NULL.
 */
char *taskapp_compiler_extra_dir(const struct taskapp_compiler *c);

/*
 * Run "<cc> --version" in the sandbox: sets c->version and c->clang, or
 * c->problem (and found = false) when the compiler does not run there.
 * Call after taskapp_sandbox_init().
 */
void taskapp_compiler_probe(struct taskapp_compiler *c);

void taskapp_compiler_release(struct taskapp_compiler *c);

#endif
