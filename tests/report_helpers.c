#include "report_helpers.h"

#include "rv_alloc.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int rh_run(char *const argv[], char *const env[], const char *in_path,
	   char **out)
{
	char *dir = tu_tmpdir();
	char *log = rv_xasprintf("%s/out", dir);
	pid_t pid = fork();
	int status = 0;

	if (pid < 0)
		abort();
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || fd < 0)
			_exit(126);
		dup2(in, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		for (char *const *e = env; e && *e; e++)
			putenv(*e);
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (out) {
		*out = tu_read_file(log, NULL);
		if (!*out)
			*out = rv_xstrdup("");
	}
	tu_rmrf(dir);
	free(dir);
	free(log);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int rh_sh(const char *cmd, char **out)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	return rh_run(argv, NULL, NULL, out);
}

char *rh_write(const char *dir, const char *name, const char *s)
{
	char *p = rv_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	if (!f || fputs(s, f) == EOF || fclose(f) != 0)
		abort();
	return p;
}

char *rh_fixture(const char *name)
{
	char *top = tu_top_dir();
	char *p = rv_xasprintf("%s/tests/fixtures/report/%s", top, name);

	free(top);
	return p;
}

char *rh_tmp;

void rh_tmp_setup(void)
{
	rh_tmp = tu_tmpdir();
	unsetenv("GITHUB_STEP_SUMMARY");
}

void rh_tmp_teardown(void)
{
	tu_rmrf(rh_tmp);
	free(rh_tmp);
	rh_tmp = NULL;
}

size_t rh_count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
		n++;
	return n;
}

double *rh_numbers(const json_t *a, size_t *n)
{
	double *v;

	*n = json_array_size(a);
	v = rv_xcalloc(*n + 1, sizeof(*v));
	for (size_t k = 0; k < *n; k++)
		v[k] = json_number_value(json_array_get(a, k));
	return v;
}

int rh_report(char **out, const char *in_path, ...)
{
	char *argv[40] = { tu_build_path("runeval"), "report" };
	size_t n = 2;
	va_list ap;
	int rc;

	va_start(ap, in_path);
	for (char *a = va_arg(ap, char *); a && n < 39; a = va_arg(ap, char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	rc = rh_run(argv, NULL, in_path, out);
	free(argv[0]);
	return rc;
}
