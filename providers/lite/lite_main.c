/* lite_main: the shared main() of daytona-lite and e2b-lite. */
#include "lite.h"

#include "lite_server.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "rv_redact.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LITE_REMOVE_TRIES 30	/* the state directory: 3 s at most */
#define LITE_REMOVE_PAUSE_MS 100

enum rv_code lite_default_key(struct lite *l, struct rv_err *err)
{
	char *path = rv_xasprintf("%s/api-key", l->state_dir);
	char key[LITE_TOKEN_LEN + 1] = "";
	enum rv_code rc = RV_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, key, LITE_TOKEN_LEN);

		key[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strlen(key) < 16) {
		lite_random_token(key, LITE_TOKEN_LEN);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || rv_write_all(fd, key, strlen(key)) < 0)
			rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s",
				     path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (rc == RV_OK) {
		l->conf->api_key = rv_xstrdup(key);
		l->conf->api_key_generated = true;
	}
	free(path);
	return rc;
}

/* Each relayed request holds two descriptors: allow many. */
static void lite_raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max > 65536 ? 65536 : r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/*
 * Remove the state directory, trying again for a few seconds: a
 * sandbox's last process, killed a moment ago, may still make a file
 * there while the tree goes (the directory is then not empty).
 */
static enum rv_code lite_remove_state(const char *dir, struct rv_err *err)
{
	enum rv_code rc = RV_ERR_IO;

	for (int i = 0; i < LITE_REMOVE_TRIES && rc != RV_OK; i++) {
		if (i)
			usleep(LITE_REMOVE_PAUSE_MS * 1000);
		rv_err_clear(err);
		rc = rv_remove_tree(dir, err);
	}
	return rc;
}

static int lite_serve(const struct lite_face *face, struct lite_conf *conf,
		      pid_t parent)
{
	struct rv_err err = RV_ERR_INIT, e = RV_ERR_INIT;
	struct lite l;
	enum rv_code rc;
	int lock;

	lite_raise_fd_limit();
	rc = lite_open(&l, face, conf, &err);
	if (rc == RV_OK && !conf->api_key)
		rc = lite_default_key(&l, &err);
	if (rc == RV_OK) {
		rv_redact_add(conf->api_key);
		lite_life_recover(&l);
		rc = lite_server_run(&l, &err);
		lite_life_destroy_all(&l);
	}
	/* the directory's lock (held: the directory is ours) outlives
	   lite_close() until the directory is gone */
	lock = conf->remove_state_dir ? lite_lock_dup() : -1;
	lite_close(&l);
	if (rc)
		rv_error("%s", err.msg);
	/* a directory that was this run's goes once served and stopped, or
	   whatever happened when whoever started the server is gone (a
	   runeval killed): no one else would remove it; after a failure
	   the parent reads the log in it and removes it */
	if (lock >= 0 && (rc == RV_OK || getppid() != parent) &&
	    lite_remove_state(conf->state_dir, &e) != RV_OK)
		rv_warn("%s", e.msg);
	if (lock >= 0)
		close(lock);
	return rc ? 1 : 0;
}

int lite_main(const struct lite_face *face, const struct lite_conf_spec *spec,
	      int argc, char **argv)
{
	struct rv_err err = RV_ERR_INIT;
	struct lite_conf conf;
	enum lite_conf_info info;
	sigset_t sigs;
	pid_t parent;
	int rc;

	rv_log_set_prog(spec->prog);
	parent = getppid();
	/* signals are read from a signalfd by the server thread */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (lite_conf_parse(&conf, spec, argc, argv, &info, &err)) {
		rv_error("%s (see --help)", err.msg);
		lite_conf_release(&conf);
		return 2;
	}
	if (info == LITE_CONF_HELP) {
		char *usage = lite_conf_usage(spec);

		fputs(usage, stdout);
		free(usage);
		rc = 0;
	} else if (info == LITE_CONF_VERSION) {
		printf("%s %s (git %s)\n", spec->prog, RUNEVAL_VERSION,
		       RUNEVAL_GIT);
		rc = 0;
	} else {
		if (conf.quiet)
			rv_log_set_level(RV_LOG_ERROR);
		if (conf.debug)
			rv_log_set_level(RV_LOG_DEBUG);
		rc = lite_serve(face, &conf, parent);
	}
	lite_conf_release(&conf);
	return rc;
}
