/* lite: opening the state directory and the URLs a server hands out. */
#include "lite.h"

#include "lite_jobs.h"
#include "lite_tls.h"
#include "rv_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Worker threads: one per sandbox in transition, up to this many. */
#define LITE_MAX_WORKERS 64

static int lite_lock_fd = -1;

static enum rv_code lite_take_lock(const char *dir, struct rv_err *err)
{
	char *path = rv_xasprintf("%s/lock", dir);
	enum rv_code rc = RV_OK;

	lite_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lite_lock_fd < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot open '%s': %s", path,
			     strerror(errno));
	else if (flock(lite_lock_fd, LOCK_EX | LOCK_NB) < 0)
		rc = rv_errf(err, RV_ERR_CONFLICT, "state directory '%s' is in "
			     "use by another server", dir);
	free(path);
	return rc;
}

/* mkdir -p for the state directory itself. */
static int lite_mkdirs(const char *path)
{
	char *p = rv_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

enum rv_code lite_open(struct lite *l, const struct lite_face *face,
		       struct lite_conf *conf, struct rv_err *err)
{
	char real[PATH_MAX];
	char *dir, *etc;
	enum rv_code rc;

	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->wake_lock, NULL);
	l->face = face;
	l->conf = conf;
	if (lite_mkdirs(conf->state_dir) < 0 || !realpath(conf->state_dir,
							   real))
		return rv_errf(err, RV_ERR_IO, "cannot create state directory "
			       "'%s': %s", conf->state_dir, strerror(errno));
	l->state_dir = rv_xstrdup(real);
	chmod(l->state_dir, 0700);
	rc = lite_take_lock(l->state_dir, err);
	if (rc)
		return rc;
	dir = rv_xasprintf("%s/sandboxes", l->state_dir);
	etc = rv_xasprintf("%s/etc", l->state_dir);
	l->store = lite_store_new(dir, err);
	{
		struct lite_box_opts bo = {
			.bwrap = conf->bwrap, .slirp = conf->slirp,
			.net_host_only = conf->net_host_only,
			.uid = conf->sandbox_uid,
			.gid = conf->sandbox_gid, .uids = conf->max_sandboxes,
			.pids = conf->sandbox_pids,
			.start_timeout_ms = conf->start_timeout_ms,
		};

		rc = l->store ? lite_box_host_init(&l->box, face->daemon, dir,
						   etc, &bo, err) : RV_ERR_IO;
	}
	if (rc == RV_OK)
		rc = lite_store_load(l->store, err);
	free(dir);
	free(etc);
	if (rc == RV_OK)
		l->jobs = lite_jobs_new(LITE_MAX_WORKERS);
	return rc;
}

void lite_set_port(struct lite *l, int port)
{
	const char *host = l->conf->host, *scheme;

	/* a wildcard listener is still reached on loopback */
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "") ||
	    !strcmp(host, "localhost"))
		host = "127.0.0.1";
	else if (!strcmp(host, "::"))
		host = "::1";
	free(l->base_url);
	free(l->api_url);
	free(l->toolbox_url);
	l->port = port;
	scheme = lite_tls_scheme(l->conf->tls_cert != NULL, false);
	l->base_url = strchr(host, ':') ?
		rv_xasprintf("%s://[%s]:%d", scheme, host, port) :
		rv_xasprintf("%s://%s:%d", scheme, host, port);
	l->api_url = rv_xasprintf("%s%s", l->base_url, l->face->api_path);
	l->toolbox_url = rv_xasprintf("%s/toolbox", l->base_url);
}

void lite_wake(struct lite *l)
{
	pthread_mutex_lock(&l->wake_lock);
	if (l->wake)
		l->wake(l->wake_arg);
	pthread_mutex_unlock(&l->wake_lock);
}

void lite_set_wake(struct lite *l, void (*wake)(void *), void *arg)
{
	pthread_mutex_lock(&l->wake_lock);
	l->wake = wake;
	l->wake_arg = arg;
	pthread_mutex_unlock(&l->wake_lock);
}

char *lite_preview_url(const struct lite *l, const char *id, int port)
{
	/* over TLS the domain is one level deeper (lite_conf, lite_tls.h) */
	return rv_xasprintf("%s://%d-%s.%s:%d",
			    lite_tls_scheme(l->conf->tls_cert != NULL, false),
			    port, id, l->conf->domain, l->port);
}

int lite_lock_dup(void)
{
	return lite_lock_fd >= 0 ? fcntl(lite_lock_fd, F_DUPFD_CLOEXEC, 0) : -1;
}

void lite_close(struct lite *l)
{
	lite_jobs_free(l->jobs);
	lite_store_free(l->store);
	lite_box_host_release(&l->box);
	free(l->state_dir);
	free(l->base_url);
	free(l->api_url);
	free(l->toolbox_url);
	if (lite_lock_fd >= 0) {
		close(lite_lock_fd);
		lite_lock_fd = -1;
	}
	pthread_mutex_destroy(&l->wake_lock);
	memset(l, 0, sizeof(*l));
}
