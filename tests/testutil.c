#include "testutil.h"

#include "rv_alloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

char *tu_build_path(const char *name)
{
	const char *b = getenv("BUILD");
	char *top = tu_top_dir();
	char *p;

	if (!b || !*b)
		b = "build";
	p = b[0] == '/' ? rv_xasprintf("%s/%s", b, name) :
		rv_xasprintf("%s/%s/%s", top, b, name);
	free(top);
	return p;
}

char *tu_top_dir(void)
{
	char cwd[4096];

	/* make test runs from the top; a suite run by hand may not */
	if (!getcwd(cwd, sizeof(cwd)))
		return rv_xstrdup(".");
	for (;;) {
		char probe[4200];

		snprintf(probe, sizeof(probe), "%s/orchestrator/core/rv_err.h", cwd);
		if (access(probe, F_OK) == 0)
			return rv_xstrdup(cwd);
		char *slash = strrchr(cwd, '/');
		if (!slash || slash == cwd)
			return rv_xstrdup(".");
		*slash = '\0';
	}
}

int tu_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

pid_t tu_spawn(char *const argv[], char *const env[], const char *log_path)
{
	pid_t pid = fork();

	if (pid < 0)
		abort();
	if (pid == 0) {
		int fd = open(log_path ? log_path : "/dev/null",
			      O_WRONLY | O_CREAT | O_APPEND, 0644);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		for (char *const *e = env; e && *e; e++)
			putenv(*e);
		execvp(argv[0], argv);
		fprintf(stderr, "exec '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

int tu_run(char *const argv[], char *const env[], const char *log,
	   char **out)
{
	int st = 0;

	unlink(log);
	waitpid(tu_spawn(argv, env, log), &st, 0);
	*out = tu_read_file(log, NULL);
	if (!*out)
		*out = rv_xstrdup("");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool tu_wait_port(int port, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_port = htons((unsigned short)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(fd);
			return true;
		}
		close(fd);
		usleep(5000);
	}
	return false;
}

int tu_stop(pid_t pid)
{
	int status = 0;

	kill(-pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			kill(-pid, SIGKILL);
			return status;
		}
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

bool tu_group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0;
}

char *tu_tmpdir(void)
{
	char *t = rv_xstrdup("/tmp/runeval-test-XXXXXX");

	if (!mkdtemp(t))
		abort();
	return t;
}

void tu_rmrf(const char *path)
{
	char *cmd;
	int rc;

	if (!path || strncmp(path, "/tmp/", 5))
		return;
	cmd = rv_xasprintf("rm -rf '%s'", path);
	rc = system(cmd);
	(void)rc;
	free(cmd);
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = rv_xrealloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

char *tu_tree_find(const char *dir, const char *name_part,
		       const char *content_part)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *hit = NULL;

	while (d && !hit && (de = readdir(d))) {
		char *p;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = rv_xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			hit = tu_tree_find(p, name_part, content_part);
		} else if (name_part && strstr(de->d_name, name_part)) {
			hit = rv_xstrdup(p);
		} else if (content_part) {
			size_t len = 0;
			char *text = tu_read_file(p, &len);

			if (text && memmem(text, len, content_part,
					   strlen(content_part)))
				hit = rv_xstrdup(p);
			free(text);
		}
		free(p);
	}
	if (d)
		closedir(d);
	return hit;
}

void tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write '%s'", path);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
}
