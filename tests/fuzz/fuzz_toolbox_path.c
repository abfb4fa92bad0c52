/*
 * fuzz_toolbox_path: a path that a client asks the toolbox daemon to
 * read, write, list or delete (providers/daytona-lite/toolbox/
 * toolbox_path.c).
 * Whatever it is, the daemon may only operate inside its roots.
 *
 * The roots are a scratch tree made once: home/ and work/ (the cwd),
 * with a symlink out of it (work/out -> /etc) and one that stays in
 * (work/in -> ../home).  The input is the requested path.
 */
#include "fuzz.h"

#include "rv_fs.h"
#include "toolbox_path.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

static struct tb_roots fuzz_roots;
static char fuzz_base[PATH_MAX];

/* Remove the scratch tree when the fuzzer exits. */
static void fuzz_cleanup(void)
{
	struct rv_err err = RV_ERR_INIT;

	(void)rv_remove_tree(fuzz_base, &err);
	tb_roots_release(&fuzz_roots);
}

static void fuzz_setup(void)
{
	char home[PATH_MAX], work[PATH_MAX], link[PATH_MAX];
	const char *roots[1];

	snprintf(fuzz_base, sizeof(fuzz_base), "/tmp/runeval-fuzz-path.XXXXXX");
	FUZZ_CHECK(mkdtemp(fuzz_base));
	atexit(fuzz_cleanup);
	snprintf(home, sizeof(home), "%s/home", fuzz_base);
	snprintf(work, sizeof(work), "%s/work", fuzz_base);
	FUZZ_CHECK(!mkdir(home, 0700) && !mkdir(work, 0700));
	snprintf(link, sizeof(link), "%s/out", work);
	FUZZ_CHECK(!symlink("/etc", link));
	snprintf(link, sizeof(link), "%s/in", work);
	FUZZ_CHECK(!symlink("../home", link));
	roots[0] = home;
	tb_roots_init(&fuzz_roots, work, roots, 1);
}

static bool fuzz_within_roots(const char *path)
{
	for (int i = 0; i < fuzz_roots.n; i++)
		if (tb_path_within(path, fuzz_roots.lexical[i]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_err err = RV_ERR_INIT;
	char *p = fuzz_cstr(data, size), *norm, *again, *out = NULL;
	char *real;
	enum rv_code rc;

	if (!fuzz_roots.n)
		fuzz_setup();
	/* normalizing is idempotent and leaves no '.', '..' or '//' */
	norm = tb_path_normalize(fuzz_roots.cwd, p);
	again = tb_path_normalize("/", norm);
	FUZZ_CHECK(norm[0] == '/' && !strcmp(norm, again));
	FUZZ_CHECK(!strstr(norm, "//") && !strstr(norm, "/./") &&
		   !strstr(norm, "/../"));
	rc = tb_path_resolve(&fuzz_roots, p, &out, &err);
	if (rc == RV_OK) {
		/* inside the roots, also once every symlink is followed */
		FUZZ_CHECK(out && !strcmp(out, norm));
		FUZZ_CHECK(fuzz_within_roots(out));
		real = realpath(out, NULL);
		if (real)
			FUZZ_CHECK(fuzz_within_roots(real) ||
				   tb_path_within(real, fuzz_roots.real[0]) ||
				   tb_path_within(real, fuzz_roots.real[1]));
		free(real);
	} else {
		FUZZ_CHECK(rc == RV_ERR_USAGE && !out && err.msg[0]);
	}
	free(out);
	free(again);
	free(norm);
	free(p);
	return 0;
}
