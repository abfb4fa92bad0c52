/*
 * report_helpers: what the reporter's suites share: running a process
 * and collecting its output and exit code, writing files, fixtures.
 */
#ifndef RUNEVAL_TESTS_REPORT_HELPERS_H
#define RUNEVAL_TESTS_REPORT_HELPERS_H

#include <jansson.h>
#include <stddef.h>

/*
 * Run argv (NULL-terminated; argv[0] looked up in PATH) with stdin from
 * in_path (NULL: /dev/null) and extra environment env ("K=V", may be
 * NULL); stdout and stderr together into a malloc'ed string *out (may be
 * NULL).  Returns the exit code, or -1 when it did not exit normally.
 */
int rh_run(char *const argv[], char *const env[], const char *in_path,
	   char **out);

/*
 * `runeval report ARGS...` (NULL-terminated, at most 36) with stdin from
 * in_path (NULL: /dev/null), as rh_run().
 */
int rh_report(char **out, const char *in_path, ...);

/* Run a shell command line the same way ("sh -c"). */
int rh_sh(const char *cmd, char **out);

/* Write s to dir/name; returns the malloc'ed path. */
char *rh_write(const char *dir, const char *name, const char *s);

/* Absolute path of tests/fixtures/report/<name> (malloc'ed). */
char *rh_fixture(const char *name);

/*
 * A checked fixture: rh_tmp_setup() makes a fresh temporary directory in
 * rh_tmp (and unsets GITHUB_STEP_SUMMARY), rh_tmp_teardown() removes it.
 */
extern char *rh_tmp;
void rh_tmp_setup(void);
void rh_tmp_teardown(void);

/* Number of times needle occurs in hay. */
size_t rh_count(const char *hay, const char *needle);

/* The numbers of a JSON array (malloc'ed, one spare), its size in *n. */
double *rh_numbers(const json_t *a, size_t *n);

#endif
