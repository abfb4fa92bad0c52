/*
 * toolbox_path: which paths the file endpoints may touch.
 *
 * A request path is made absolute against the work directory, '.' and
 * '..' are resolved lexically, and the result must lie inside one of the
 * allowed roots (the home directory, the work directory, /tmp).  Then the
 * deepest part of it that exists is resolved with realpath(), so a
 * symlink cannot lead outside either.  Anything else is RV_ERR_USAGE
 * (the daemon answers 400).
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_PATH_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rv_err.h"

#define TB_MAX_ROOTS 4

struct tb_roots {
	char *cwd;			/* relative paths start here */
	char *lexical[TB_MAX_ROOTS];	/* as configured, normalized */
	char *real[TB_MAX_ROOTS];	/* realpath() of each, or a copy */
	int n;
};

/* Roots are copied; cwd is also a root.  NULL entries are skipped. */
void tb_roots_init(struct tb_roots *r, const char *cwd,
		   const char *const *roots, int nroots);
void tb_roots_release(struct tb_roots *r);

/*
 * Lexically normalize p against base (used when p is relative): collapse
 * "//", "." and ".."; ".." above "/" stays at "/".  Malloc'ed.
 */
char *tb_path_normalize(const char *base, const char *p);

/* Is path equal to root or below it (both normalized)? */
bool tb_path_within(const char *path, const char *root);

/*
 * Resolve a request path; *out (malloc'ed) is the normalized absolute
 * path to operate on.  RV_ERR_USAGE when it is empty or outside the
 * roots.
 */
enum rv_code tb_path_resolve(const struct tb_roots *r, const char *p,
			     char **out, struct rv_err *err);

/* mkdir -p with mode for the directories it creates. */
enum rv_code tb_mkdir_p(const char *path, mode_t mode, struct rv_err *err);

struct stat;
struct timespec;

/* Go's FileMode.String() of st ("drwxr-xr-x") into out[16]. */
void tb_file_mode_string(const struct stat *st, char out[16]);

/* Go's time.String() and RFC 3339 with nanoseconds of ts, in local time. */
void tb_file_times(const struct timespec *ts, char *go, size_t gosz,
		   char *rfc, size_t rfcsz);

#endif
