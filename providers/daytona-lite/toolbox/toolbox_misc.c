/*
 * Small toolbox endpoints: version, directories, listening ports, and
 * git clone, which only works offline: a local path or file:// URL is
 * cloned with git (when installed); anything that needs the network is
 * refused with a clear 400, since sandboxes here have no network.
 */
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_srv.h"

#include "rv_alloc.h"
#include "toolbox_path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tb_version(struct tb_req *r)
{
	tb_reply_json(r, 200, json_pack("{s:s,s:s}", "version", TB_VERSION,
					"daytonaLite", RUNEVAL_VERSION));
}

static void tb_home_dir(struct tb_req *r)
{
	tb_reply_json(r, 200, json_pack("{s:s}", "dir",
					tb_req_server(r)->home));
}

static void tb_work_dir(struct tb_req *r)
{
	tb_reply_json(r, 200, json_pack("{s:s}", "dir",
					tb_req_server(r)->workdir));
}

/* Ports in LISTEN state from /proc/net/tcp{,6}, ascending, unique. */
static json_t *tb_listening_ports(void)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	bool seen[65536] = { false };
	json_t *ports = json_array();

	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char local[128];
			unsigned port, state;
			char *colon;

			if (sscanf(line, " %*d: %127s %*s %x", local, &state) != 2 ||
			    state != 0x0a || !(colon = strrchr(local, ':')))
				continue;
			port = (unsigned)strtoul(colon + 1, NULL, 16);
			if (port < 65536)
				seen[port] = true;
		}
		fclose(f);
	}
	for (unsigned p = 1; p < 65536; p++)
		if (seen[p])
			json_array_append_new(ports, json_integer(p));
	return ports;
}

static void tb_ports(struct tb_req *r)
{
	tb_reply_json(r, 200, json_pack("{s:o}", "ports",
					tb_listening_ports()));
}

static void tb_port_in_use(struct tb_req *r)
{
	char *end;
	long port = strtol(tb_req_param(r, 0), &end, 10);
	json_t *ports, *p;
	size_t i;
	bool used = false;

	if (*end || port < 1 || port > 65535) {
		tb_reply_error(r, 400, NULL, "bad request: invalid port");
		return;
	}
	ports = tb_listening_ports();
	json_array_foreach(ports, i, p)
		used = used || json_integer_value(p) == port;
	json_decref(ports);
	tb_reply_json(r, 200, json_pack("{s:b}", "isInUse", used));
}

/* --- git clone (offline) ------------------------------------------------ */

struct tb_clone {
	struct tb_req *req;
	struct tb_watch *out;
	struct rv_buf output;
	bool exited;
	int status;
};

static void tb_clone_done(struct tb_clone *c)
{
	if (!c->exited || c->out)
		return;
	if (tb_exit_code(c->status) == 0)
		tb_reply_empty(c->req, 200);
	else
		tb_reply_error(c->req, 400, NULL, "bad request: git clone "
			       "failed: %s", c->output.data);
	tb_req_unref(c->req);
	rv_buf_release(&c->output);
	free(c);
}

static int tb_clone_read(struct tb_watch *w, int fd, void *arg)
{
	struct tb_clone *c = arg;
	char buf[4096];
	ssize_t n;

	(void)w;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (c->output.len < 4096)
			rv_buf_add(&c->output, buf, (size_t)n);
	return n < 0 && errno == EAGAIN ? 0 : -1;
}

static void tb_clone_closed(struct tb_watch *w, void *arg)
{
	struct tb_clone *c = arg;

	(void)w;
	c->out = NULL;
	tb_clone_done(c);
}

static void tb_clone_exit(void *arg, pid_t pid, int status)
{
	struct tb_clone *c = arg;

	(void)pid;
	c->exited = true;
	c->status = status;
	tb_clone_done(c);
}

static const char *tb_git_path(void)
{
	static const char *const cands[] = { "/usr/bin/git", "/bin/git",
					     "/usr/local/bin/git" };

	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

/* Run git clone [--branch B] [--depth N] url path; replies when done. */
static void tb_clone_run(struct tb_req *r, const char *url, const char *dest,
			 const char *branch, json_int_t depth)
{
	struct tb_server *s = tb_req_server(r);
	char depth_s[32], *argv[10];
	char *overrides[] = { "GIT_TERMINAL_PROMPT=0",
			      "GIT_ALLOW_PROTOCOL=file", NULL };
	char **envp = tb_env_merge(overrides);
	int n = 0, pipefd[2];
	struct tb_spawn sp = { argv, envp, s->workdir, -1, -1, -1 };
	struct rv_err err = RV_ERR_INIT;
	struct tb_clone *c;
	pid_t pid;

	argv[n++] = (char *)tb_git_path();
	argv[n++] = "clone";
	if (branch && *branch) {
		argv[n++] = "--branch";
		argv[n++] = (char *)branch;
	}
	if (depth > 0) {
		snprintf(depth_s, sizeof(depth_s), "--depth=%lld",
			 (long long)depth);
		argv[n++] = depth_s;
	}
	argv[n++] = "--";
	argv[n++] = (char *)url;
	argv[n++] = (char *)dest;
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		tb_reply_error(r, 500, NULL, "pipe: %s", strerror(errno));
		tb_env_free(envp);
		return;
	}
	sp.fd_out = sp.fd_err = pipefd[1];
	if (tb_spawn(&sp, &pid, &err)) {
		tb_reply_error(r, 500, NULL, "git clone: %s", err.msg);
		close(pipefd[0]);
	} else {
		c = rv_xcalloc(1, sizeof(*c));
		rv_buf_init(&c->output);
		c->req = tb_req_ref(r);
		c->out = tb_watch_new(s, pipefd[0], tb_clone_read, NULL,
				      tb_clone_closed, c);
		tb_child_track(s, pid, tb_clone_exit, c);
	}
	close(pipefd[1]);
	tb_env_free(envp);
}

/* A clone source that needs no network: a local path or file:// URL. */
static bool tb_clone_local(const char *url)
{
	return url[0] == '/' || !strncmp(url, "file://", 7) ||
		!strncmp(url, "./", 2) || !strncmp(url, "../", 3);
}

static void tb_git_clone(struct tb_req *r)
{
	json_t *body = tb_req_json(r);
	const char *url, *path, *branch;
	struct rv_err err = RV_ERR_INIT;
	char *dest = NULL;

	if (!body)
		return;
	url = json_string_value(json_object_get(body, "url"));
	path = json_string_value(json_object_get(body, "path"));
	branch = json_string_value(json_object_get(body, "branch"));
	if (!url || !*url || !path) {
		tb_reply_error(r, 400, "INVALID_REQUEST_BODY", "invalid body "
			       "request: 'url' and 'path' are required");
	} else if (!tb_clone_local(url)) {
		tb_reply_error(r, 400, NULL, "bad request: cannot clone '%s': "
			       "network access is unavailable in daytona-lite "
			       "sandboxes (only local paths and file:// URLs "
			       "can be cloned)", url);
	} else if (!tb_git_path()) {
		tb_reply_error(r, 400, NULL, "bad request: git is not installed "
			       "in this sandbox");
	} else if (tb_path_resolve(&tb_req_server(r)->roots, path, &dest,
				   &err)) {
		tb_reply_error(r, 400, "INVALID_FILE_PATH", "bad request: %s",
			       err.msg);
	} else {
		tb_clone_run(r, url, dest, branch,
			     json_integer_value(json_object_get(body, "depth")));
	}
	free(dest);
	json_decref(body);
}

const struct tb_route tb_routes_misc[] = {
	{ "GET", "/version", tb_version, TB_BODY_NONE, NULL },
	{ "GET", "/user-home-dir", tb_home_dir, TB_BODY_NONE, NULL },
	{ "GET", "/project-dir", tb_home_dir, TB_BODY_NONE, NULL },
	{ "GET", "/work-dir", tb_work_dir, TB_BODY_NONE, NULL },
	{ "GET", "/port", tb_ports, TB_BODY_NONE, NULL },
	{ "GET", "/port/:port/in-use", tb_port_in_use, TB_BODY_NONE, NULL },
	{ "POST", "/git/clone", tb_git_clone, TB_BODY_BUFFER, NULL },
	{ NULL, NULL, NULL, TB_BODY_NONE, NULL },
};
