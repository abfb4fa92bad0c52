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

static int lite_serve(const struct lite_face *face, struct lite_conf *conf)
{
	struct rv_err err = RV_ERR_INIT;
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
	/* the directory's lock outlives lite_close() until it is gone */
	lock = rc == RV_OK && conf->remove_state_dir ? lite_lock_dup() : -1;
	lite_close(&l);
	if (rc) {
		rv_error("%s", err.msg);
		return 1;
	}
	/* served and stopped: a directory that was this run's goes (not
	   after a failed open: it may be another server's, locked) */
	if (lock >= 0 && rv_remove_tree(conf->state_dir, &err))
		rv_warn("%s", err.msg);
	if (lock >= 0)
		close(lock);
	return 0;
}

int lite_main(const struct lite_face *face, const struct lite_conf_spec *spec,
	      int argc, char **argv)
{
	struct rv_err err = RV_ERR_INIT;
	struct lite_conf conf;
	enum lite_conf_info info;
	sigset_t sigs;
	int rc;

	rv_log_set_prog(spec->prog);
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
		rc = lite_serve(face, &conf);
	}
	lite_conf_release(&conf);
	return rc;
}
