/* docker_engine: a private dockerd for the Docker suites (docker_engine.h). */
#include "docker_engine.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DE_DOCKERD "/usr/sbin/dockerd"

/* One API call; the status (0: no answer) and the body in *body. */
static long de_api(const struct docker_engine *e, const char *method,
		   const char *path, const char *json, struct rv_buf *body)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *url = rv_xasprintf("http://docker/v1.41%s", path);
	const char *hdrs[] = { "Content-Type: application/json", NULL };
	struct rv_http_request req = { .method = method, .url = url,
				       .unix_socket = e->sock,
				       .headers = hdrs, .body = json,
				       .body_len = json ? strlen(json) : 0,
				       .timeout_ms = 60000,
				       .connect_timeout_ms = 2000 };
	long status = 0;

	if (rv_http_do(&req, &resp, NULL) == RV_OK)
		status = resp.status;
	if (body && resp.body.len)
		rv_buf_add(body, resp.body.data, resp.body.len);
	rv_http_response_release(&resp);
	free(url);
	return status;
}

static bool de_fail(char *why, size_t n, const char *fmt, const char *arg,
		    const char *log)
{
	char *tail = log ? tu_read_file(log, NULL) : NULL;
	size_t len = tail ? strlen(tail) : 0;

	snprintf(why, n, fmt, arg);
	if (tail) {
		size_t used = strlen(why);

		snprintf(why + used, n - used, "; last output: %s",
			 len > 600 ? tail + len - 600 : tail);
	}
	free(tail);
	return false;
}

/* Wait for /_ping to answer 200 while dockerd lives. */
static bool de_wait_ready(struct docker_engine *e, int timeout_s)
{
	uint64_t end = rv_now_ns() + (uint64_t)timeout_s * RV_NS_PER_SEC;

	while (rv_now_ns() < end) {
		struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
		struct rv_http_request req = { .url = "http://docker/_ping",
					       .unix_socket = e->sock,
					       .timeout_ms = 2000 };
		bool ok = rv_http_do(&req, &resp, NULL) == RV_OK &&
			resp.status == 200;
		int st;

		rv_http_response_release(&resp);
		if (ok)
			return true;
		if (waitpid(e->pid, &st, WNOHANG) == e->pid) {
			e->pid = 0;
			return false;
		}
		usleep(20000);
	}
	return false;
}

/* The bridge network, on a private subnet no other engine here uses. */
static bool de_network(struct docker_engine *e)
{
	for (int tries = 0; tries < 20; tries++) {
		unsigned third = 20 + (unsigned)(getpid() + tries * 37) % 200;
		char *json;
		long st;

		snprintf(e->network, sizeof(e->network), "rvt%u%u",
			 (unsigned)getpid() % 100000, (unsigned)tries);
		json = rv_xasprintf("{\"Name\":\"%s\",\"Driver\":\"bridge\","
			"\"IPAM\":{\"Config\":[{\"Subnet\":\"10.213.%u.0/24\"}]},"
			"\"Options\":{\"com.docker.network.bridge.name\":"
			"\"%s\"}}", e->network, third, e->network);
		st = de_api(e, "POST", "/networks/create", json, NULL);
		free(json);
		if (st == 201) {
			e->net_made = true;
			snprintf(e->net_env, sizeof(e->net_env),
				 "RUNEVAL_DOCKER_NETWORK=%s", e->network);
			return true;
		}
	}
	return false;
}

/* An image of no files, from a tar of only its two zero blocks. */
static bool de_empty_image(struct docker_engine *e)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	static const char tar[1024];
	const char *hdrs[] = { "Content-Type: application/x-tar", NULL };
	struct rv_http_request req = { .method = "POST",
		.url = "http://docker/v1.41/images/create?fromSrc=-&"
		       "repo=runeval-empty&tag=none",
		.unix_socket = e->sock, .headers = hdrs, .body = tar,
		.body_len = sizeof(tar), .timeout_ms = 60000 };
	bool ok = rv_http_do(&req, &resp, NULL) == RV_OK &&
		resp.status == 200;

	rv_http_response_release(&resp);
	return ok;
}

/* scripts/docker-image.sh [flag] into this engine. */
static bool de_image(struct docker_engine *e, const char *flag, char *why,
		     size_t n)
{
	char *top = tu_top_dir();
	char *script = rv_xasprintf("%s/scripts/docker-image.sh", top);
	char *log = rv_xasprintf("%s/image.log", e->dir);
	char *const argv[] = { "bash", script, (char *)flag, NULL };
	char *const env[] = { e->host_env, NULL };
	pid_t pid = tu_spawn(argv, env, log);
	int st = 0;
	bool ok;

	waitpid(pid, &st, 0);
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok)
		de_fail(why, n, "scripts/docker-image.sh %s failed", flag ?
			flag : "", log);
	free(log);
	free(script);
	free(top);
	return ok;
}

bool docker_engine_start(struct docker_engine *e, char *why, size_t n)
{
	char *log;

	memset(e, 0, sizeof(*e));
	if (geteuid() != 0)
		return de_fail(why, n, "the Docker suites start their own "
			       "dockerd, which needs root%s", "", NULL);
	if (access(DE_DOCKERD, X_OK) != 0)
		return de_fail(why, n, "'%s' is missing: install docker.io "
			       "(scripts/install-deps.sh)", DE_DOCKERD, NULL);
	e->dir = tu_tmpdir();
	e->sock = rv_xasprintf("%s/docker.sock", e->dir);
	snprintf(e->host, sizeof(e->host), "unix://%s", e->sock);
	snprintf(e->host_env, sizeof(e->host_env), "DOCKER_HOST=%s", e->host);
	log = rv_xasprintf("%s/dockerd.log", e->dir);
	{
		char *data = rv_xasprintf("%s/data", e->dir);
		char *exec = rv_xasprintf("%s/exec", e->dir);
		char *pidf = rv_xasprintf("%s/dockerd.pid", e->dir);
		char *const argv[] = { DE_DOCKERD, "--data-root", data,
			"--exec-root", exec, "--pidfile", pidf, "-H", e->host,
			"--iptables=false", "--ip6tables=false",
			"--ip-forward=false", "--ip-masq=false",
			"--bridge=none", "--storage-driver=overlay2",
			"--exec-opt", "native.cgroupdriver=cgroupfs", NULL };

		e->pid = tu_spawn(argv, NULL, log);
		free(data);
		free(exec);
		free(pidf);
	}
	if (!de_wait_ready(e, 90)) {
		de_fail(why, n, "dockerd did not answer on '%s'", e->sock, log);
		free(log);
		docker_engine_stop(e);
		return false;
	}
	free(log);
	if (!de_network(e)) {
		de_fail(why, n, "cannot create a bridge network in the test "
			"engine%s", "", NULL);
		docker_engine_stop(e);
		return false;
	}
	if (!de_image(e, NULL, why, n) || !de_image(e, "--scratch", why, n)) {
		docker_engine_stop(e);
		return false;
	}
	if (!de_empty_image(e)) {
		de_fail(why, n, "cannot import the empty image%s", "", NULL);
		docker_engine_stop(e);
		return false;
	}
	return true;
}

/* Every container's id (all states), to remove them. */
static void de_remove_all(struct docker_engine *e)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *j, *it;
	size_t i;

	if (de_api(e, "GET", "/containers/json?all=1", NULL, &b) != 200)
		goto out;
	j = rv_json_parse(b.data, b.len, "containers", NULL);
	json_array_foreach(j, i, it) {
		char *path = rv_xasprintf("/containers/%s?force=1&v=1",
					  rv_json_str(it, "Id"));

		de_api(e, "DELETE", path, NULL, NULL);
		free(path);
	}
	json_decref(j);
out:
	rv_buf_release(&b);
}

/* Unmount whatever dockerd left mounted under dir (deepest first). */
static void de_unmount_under(const char *dir)
{
	for (int round = 0; round < 8; round++) {
		FILE *f = fopen("/proc/self/mounts", "r");
		char line[4096], last[4096] = "";

		while (f && fgets(line, sizeof(line), f)) {
			char dev[1024], mnt[2048];

			size_t n = strlen(dir);

			/* dir itself or below it, never a sibling that
			   shares its prefix */
			if (sscanf(line, "%1023s %2047s", dev, mnt) == 2 &&
			    !strncmp(mnt, dir, n) &&
			    (mnt[n] == '/' || mnt[n] == '\0'))
				snprintf(last, sizeof(last), "%s", mnt);
		}
		if (f)
			fclose(f);
		if (!*last)
			return;
		umount2(last, MNT_DETACH);
	}
}

void docker_engine_stop(struct docker_engine *e)
{
	if (!e->dir)
		return;
	if (e->pid > 0) {
		de_remove_all(e);
		if (e->net_made) {
			char *path = rv_xasprintf("/networks/%s", e->network);

			de_api(e, "DELETE", path, NULL, NULL);
			free(path);
		}
		tu_stop(e->pid);
		e->pid = 0;
	}
	de_unmount_under(e->dir);
	if (e->net_made) {
		/* only if dockerd could not remove it */
		char *cmd = rv_xasprintf("ip link del %s 2>/dev/null",
					 e->network);

		if (system(cmd) != 0) {
			/* gone already: the usual case */
		}
		free(cmd);
	}
	tu_rmrf(e->dir);
	free(e->dir);
	free(e->sock);
	e->dir = e->sock = NULL;
}

/* Objects of kind what ("containers", "images") labelled label. */
static int de_count(const struct docker_engine *e, const char *what,
		    const char *label)
{
	struct rv_buf b = RV_BUF_INIT, path = RV_BUF_INIT;
	json_t *filter = json_pack("{s:[s]}", "label", label), *j = NULL;
	char *fs = rv_json_dumps(filter);
	int n = -1;

	rv_buf_addf(&path, "/%s/json?all=1&filters=", what);
	rv_http_urlencode(&path, fs);
	if (de_api(e, "GET", path.data, NULL, &b) == 200)
		j = rv_json_parse(b.data, b.len, what, NULL);
	if (json_is_array(j))
		n = (int)json_array_size(j);
	json_decref(j);
	json_decref(filter);
	free(fs);
	rv_buf_release(&path);
	rv_buf_release(&b);
	return n;
}

int docker_engine_containers(const struct docker_engine *e)
{
	return de_count(e, "containers", "runeval.job");
}

int docker_engine_job_containers(const struct docker_engine *e,
				 const char *job)
{
	char *label = rv_xasprintf("runeval.job=%s", job);
	int n = de_count(e, "containers", label);

	free(label);
	return n;
}

int docker_engine_images(const struct docker_engine *e)
{
	return de_count(e, "images", "runeval.job");
}

static struct docker_engine *de_global;
static pid_t de_owner;

static void de_atexit(void)
{
	/* libcheck's forked tests exit too: only the starter stops it */
	if (de_global && getpid() == de_owner)
		docker_engine_stop(de_global);
}

static void de_on_signal(int sig)
{
	de_atexit();
	signal(sig, SIG_DFL);
	raise(sig);
}

void docker_engine_start_or_die(struct docker_engine *e, const char *suite)
{
	char why[2048];
	uint64_t t0 = rv_now_ns();

	if (!docker_engine_start(e, why, sizeof(why))) {
		fprintf(stderr, "%s: FAILED: cannot start a Docker engine for "
			"the suite: %s\n", suite, why);
		exit(1);
	}
	de_global = e;
	de_owner = getpid();
	atexit(de_atexit);
	signal(SIGTERM, de_on_signal);
	signal(SIGINT, de_on_signal);
	fprintf(stderr, "%s: private dockerd ready with its images in %.1f s "
		"(%s, network %s)\n", suite,
		(double)(rv_now_ns() - t0) / RV_NS_PER_SEC, e->host,
		e->network);
}
