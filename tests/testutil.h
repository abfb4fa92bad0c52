/*
 * testutil: helpers shared by the libcheck suites.
 *
 * Processes started here run in their own process group and are killed
 * with it.  Paths to the built binaries come from the BUILD environment
 * variable (default "build"), set by make test.
 */
#ifndef RUNEVAL_TESTS_TESTUTIL_H
#define RUNEVAL_TESTS_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

/* "<BUILD>/<name>", malloc'ed. */
char *tu_build_path(const char *name);

/* Absolute path of the repository's top directory (malloc'ed). */
char *tu_top_dir(void);

/* A free TCP port on 127.0.0.1 (bound and released). */
int tu_free_port(void);

/*
 * Start argv (argv[0] looked up in PATH if it has no slash) with extra
 * environment entries env ("K=V", NULL-terminated, may be NULL), stdout
 * and stderr to log_path (or /dev/null).  Own process group.
 */
pid_t tu_spawn(char *const argv[], char *const env[], const char *log_path);

/*
 * tu_spawn(argv, env, log), wait for it, and read what it wrote into
 * *out (malloc'ed; log is emptied first).  Returns its exit status, or
 * 128 + the signal that ended it.
 */
int tu_run(char *const argv[], char *const env[], const char *log,
	   char **out);

/* Wait until 127.0.0.1:port accepts connections; false after timeout_ms. */
bool tu_wait_port(int port, int timeout_ms);

/* SIGTERM the group, wait up to 5 s, then SIGKILL.  Returns wait status. */
int tu_stop(pid_t pid);

/* Is any process of group pgid still alive? */
bool tu_group_alive(pid_t pgid);

/* A new temporary directory (malloc'ed path), removed by tu_rmrf(). */
char *tu_tmpdir(void);
void tu_rmrf(const char *path);

/* Read a whole file into a malloc'ed NUL-terminated string, or NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Replace the file at path with text (0644 when made); aborts the test
   when it cannot. */
void tu_write_file(const char *path, const char *text);

/*
 * A file under dir (recursively, links not followed) whose name contains
 * name_part, or (name_part NULL) whose content contains content_part:
 * its path (malloc'ed), or NULL.
 */
char *tu_tree_find(const char *dir, const char *name_part,
		   const char *content_part);

/* Run a suite (CK_NORMAL output) and return the number of failures. */
int tu_run_suite(Suite *s);

#endif
