#include "contract_harness.h"

#include "docker_engine.h"
#include "lite_server.h"
#include "lite_util.h"
#include "testutil.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "tarball.h"

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ct_env[] = { "CT_SANDBOX_ENV=from the config",
				      NULL };

/* --- process: this host --------------------------------------------- */

static bool ct_process_setup(struct ct_world *w, enum ct_fault fault)
{
	if (fault != CT_FAULT_NONE)
		return false;	/* its create makes nothing that can fail */
	w->box = rv_xasprintf("%s/box", w->tmp);
	return true;
}

static void ct_process_teardown(struct ct_world *w)
{
	(void)w;
}

static const struct ct_harness ct_process = {
	.provider = "process",
	.caps = PROVIDER_CAP_EXEC | PROVIDER_CAP_PROCESS |
		PROVIDER_CAP_PREVIEW,
	.host_procs = true,
	.api_key = false,
	.setup = ct_process_setup,
	.teardown = ct_process_teardown,
	.count = NULL,
};

/* --- daytona: against a daytona-lite started here --------------------- */

static bool ct_daytona_setup(struct ct_world *w, enum ct_fault fault)
{
	/* the create answers at once, so the client's wait is what stalls */
	static const char *const fails[] = { "--fault-error-rate", "1", NULL };
	static const char *const stalls[] = { "--fault-stuck-rate", "1",
					      "--create-wait-ms", "0", NULL };
	struct lite_server *s = rv_xcalloc(1, sizeof(*s));

	ck_assert(lite_server_start(s, fault == CT_FAULT_CREATE_FAILS ? fails :
				    fault == CT_FAULT_CREATE_STALLS ? stalls :
				    NULL));
	w->priv = s;
	w->cfg.api_url = s->api_url;
	w->cfg.api_key = s->api_key;
	w->box = rv_xstrdup("/home/daytona/ct-box");
	return true;
}

static void ct_daytona_teardown(struct ct_world *w)
{
	struct lite_server *s = w->priv;

	lite_server_stop(s);
	free(s);
}

/* Asked of daytona-lite's API directly, not through the client. */
static long ct_daytona_count(struct ct_world *w, const char *job)
{
	struct lite_server *s = w->priv;
	json_t *filter = json_pack("{s:s}", PROVIDER_LABEL_JOB, job);
	char *fs = rv_json_dumps(filter);
	struct rv_buf path = RV_BUF_INIT;
	json_t *ans = NULL, *items, *it;
	long st, n = 0;
	size_t i;

	rv_buf_adds(&path, "/sandbox?limit=1000&labels=");
	rv_http_urlencode(&path, fs);
	st = tl_api(&s->tl, "GET", path.data, NULL, &ans);
	ck_assert_msg(st == 200, "daytona-lite list answered %ld", st);
	items = json_is_array(ans) ? ans : json_object_get(ans, "items");
	ck_assert(json_is_array(items));
	json_array_foreach(items, i, it) {
		const char *state = rv_json_str(it, "state");
		const char *lv = json_string_value(json_object_get(
			json_object_get(it, "labels"), PROVIDER_LABEL_JOB));

		if (lv && !strcmp(lv, job) &&
		    !(state && !strcmp(state, "destroyed")))
			n++;
	}
	json_decref(ans);
	json_decref(filter);
	free(fs);
	rv_buf_release(&path);
	return n;
}

static const struct ct_harness ct_daytona = {
	.provider = "daytona",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW |
		PROVIDER_CAP_LIST | PROVIDER_CAP_NETWORK |
		PROVIDER_CAP_PRIVATE_ENV | PROVIDER_CAP_IMAGE |
		PROVIDER_CAP_TEMPLATE | PROVIDER_CAP_TARGET,
	.host_procs = true,	/* bubblewrap sandboxes on this host */
	.api_key = true,
	.api_calls = true,
	.setup = ct_daytona_setup,
	.teardown = ct_daytona_teardown,
	.count = ct_daytona_count,
};

/* --- bwrap: the engine on this host, records under a private state ---- */

static bool ct_bwrap_setup(struct ct_world *w, enum ct_fault fault)
{
	char *state = rv_xasprintf("%s/state", w->tmp);
	char *lite = tu_build_path("daytona-lite");
	char *bw;

	/* a bubblewrap that fails, or one that never starts a sandbox */
	if (fault == CT_FAULT_CREATE_FAILS)
		bw = rv_xstrdup("/bin/false");
	else if (fault == CT_FAULT_CREATE_STALLS)
		bw = rv_xasprintf("%s/stall.sh", w->tmp);
	else
		bw = rv_xstrdup("");
	if (fault == CT_FAULT_CREATE_STALLS) {
		FILE *f = fopen(bw, "w");

		ck_assert_ptr_nonnull(f);
		fputs("#!/bin/sh\nexec sleep 300\n", f);
		fclose(f);
		/* bubblewrap runs as the sandbox's own ids */
		ck_assert_int_eq(chmod(bw, 0755), 0);
		ck_assert_int_eq(chmod(w->tmp, 0755), 0);
	}
	setenv("RUNEVAL_STATE_DIR", state, 1);
	setenv("RUNEVAL_DAYTONA_LITE", lite, 1);
	setenv("RUNEVAL_BWRAP", bw, 1);
	w->priv = state;
	w->box = rv_xstrdup("/home/daytona/ct-box");
	free(lite);
	free(bw);
	return true;
}

static void ct_bwrap_teardown(struct ct_world *w)
{
	free(w->priv);
}

/* The records on disk whose job is job and whose pid 1 still runs. */
static long ct_bwrap_count(struct ct_world *w, const char *job)
{
	char *root = rv_xasprintf("%s/bwrap", (char *)w->priv);
	DIR *d = opendir(root);
	struct dirent *de;
	long n = 0;

	while (d && (de = readdir(d))) {
		char *path = rv_xasprintf("%s/%s/box.json", root, de->d_name);
		json_t *o = de->d_name[0] == '.' ? NULL :
			json_load_file(path, 0, NULL);

		if (o && rv_json_str(o, "job") && !strcmp(rv_json_str(o, "job"),
							   job))
			n++;
		json_decref(o);
		free(path);
	}
	if (d)
		closedir(d);
	free(root);
	return n;
}

static const struct ct_harness ct_bwrap = {
	.provider = "bwrap",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW |
		PROVIDER_CAP_LIST,
	.host_procs = true,
	.api_key = false,
	.api_calls = false,
	.setup = ct_bwrap_setup,
	.teardown = ct_bwrap_teardown,
	.count = ct_bwrap_count,
};

/* --- docker: a private dockerd started once for the suite ------------- */

static struct docker_engine ct_engine;

static void ct_docker_suite_setup(void)
{
	docker_engine_start_or_die(&ct_engine, "check_provider_contract");
}

static bool ct_docker_setup(struct ct_world *w, enum ct_fault fault)
{
	if (fault == CT_FAULT_CREATE_STALLS)
		return false;	/* a container starts or fails, at once */
	w->cfg.api_url = ct_engine.host;
	/* an image without /bin/sh: made, then it cannot start */
	if (fault == CT_FAULT_CREATE_FAILS)
		w->cfg.image = DOCKER_ENGINE_EMPTY_IMAGE;
	/*
	 * The host's network: the cases' servers bind 127.0.0.1, which a
	 * bridge network's published port or address cannot reach (this
	 * forked test's environment only; check_docker runs on a bridge).
	 */
	setenv("RUNEVAL_DOCKER_NETWORK", "host", 1);
	w->box = rv_xstrdup("/tmp/ct-box");
	return true;
}

static void ct_docker_teardown(struct ct_world *w)
{
	(void)w;
}

static long ct_docker_count(struct ct_world *w, const char *job)
{
	int n = docker_engine_job_containers(&ct_engine, job);

	(void)w;
	ck_assert_msg(n >= 0, "the engine did not list its containers");
	return n;
}

static const struct ct_harness ct_docker = {
	.provider = "docker",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW |
		PROVIDER_CAP_LIST | PROVIDER_CAP_RESOURCES |
		PROVIDER_CAP_SNAPSHOT | PROVIDER_CAP_IMAGE |
		PROVIDER_CAP_TEMPLATE,
	.host_procs = true,	/* containers' processes show in /proc */
	.api_key = false,
	.api_calls = true,
	.suite_setup = ct_docker_suite_setup,
	.setup = ct_docker_setup,
	.teardown = ct_docker_teardown,
	.count = ct_docker_count,
};

/* --- e2b: against an e2b-lite started here ----------------------------- */

static bool ct_e2b_setup(struct ct_world *w, enum ct_fault fault)
{
	/* a stuck create answers only after --create-wait-ms: it stalls */
	static const char *const plain[] = { "--quiet", NULL };
	static const char *const fails[] = { "--quiet", "--fault-error-rate",
					     "1", NULL };
	static const char *const stalls[] = { "--quiet", "--fault-stuck-rate",
					      "1", NULL };
	struct tl_server *s = rv_xcalloc(1, sizeof(*s));

	s->prog = "e2b-lite";
	tl_start(s, fault == CT_FAULT_CREATE_FAILS ? fails :
		 fault == CT_FAULT_CREATE_STALLS ? stalls : plain);
	w->priv = s;
	w->cfg.api_url = s->base;
	w->cfg.api_key = TL_KEY;
	w->box = rv_xstrdup("/home/user/ct-box");
	return true;
}

static void ct_e2b_teardown(struct ct_world *w)
{
	tl_free(w->priv);
	free(w->priv);
}

/* Asked of e2b-lite's API directly, not through the client. */
static long ct_e2b_count(struct ct_world *w, const char *job)
{
	static const char *const hdrs[] = { "X-API-Key: " TL_KEY, NULL };
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct rv_buf path = RV_BUF_INIT, pair = RV_BUF_INIT;
	json_t *items, *it;
	long st, n = 0;
	size_t i;

	rv_buf_addf(&pair, "%s=%s", PROVIDER_LABEL_JOB, job);
	rv_buf_adds(&path, "/v2/sandboxes?metadata=");
	rv_http_urlencode(&path, pair.data);
	st = tl_req(w->priv, "GET", path.data, hdrs, NULL, &r);
	ck_assert_msg(st == 200, "e2b-lite list answered %ld", st);
	items = json_loadb(r.body.data, r.body.len, 0, NULL);
	ck_assert(json_is_array(items));
	json_array_foreach(items, i, it) {
		const char *lv = json_string_value(json_object_get(
			json_object_get(it, "metadata"), PROVIDER_LABEL_JOB));

		n += lv && !strcmp(lv, job);
	}
	json_decref(items);
	rv_http_response_release(&r);
	rv_buf_release(&path);
	rv_buf_release(&pair);
	return n;
}

static const struct ct_harness ct_e2b = {
	.provider = "e2b",
	.caps = PROVIDER_CAP_REMOTE | PROVIDER_CAP_UPLOAD | PROVIDER_CAP_EXEC |
		PROVIDER_CAP_PROCESS | PROVIDER_CAP_PREVIEW |
		PROVIDER_CAP_LIST | PROVIDER_CAP_PRIVATE_ENV |
		PROVIDER_CAP_TEMPLATE,
	.host_procs = true,	/* bubblewrap sandboxes on this host */
	.api_key = true,
	.setup = ct_e2b_setup,
	.teardown = ct_e2b_teardown,
	.count = ct_e2b_count,
};

/* --- the table -------------------------------------------------------- */

const struct ct_harness *const ct_harnesses[] = {
	&ct_process,
	&ct_daytona,
	&ct_docker,
	&ct_e2b,
	&ct_bwrap,
	NULL,
};

void ct_suite_setup(void)
{
	for (size_t i = 0; ct_harnesses[i]; i++)
		if (ct_harnesses[i]->suite_setup)
			ct_harnesses[i]->suite_setup();
}

size_t ct_harness_count(void)
{
	size_t n = 0;

	while (ct_harnesses[n])
		n++;
	return n;
}

const struct ct_harness *ct_harness_find(const char *name)
{
	for (size_t i = 0; ct_harnesses[i]; i++)
		if (!strcmp(ct_harnesses[i]->provider, name))
			return ct_harnesses[i];
	return NULL;
}

struct ct_world *ct_open(int i, enum ct_fault fault)
{
	static unsigned seq;
	struct ct_world *w = rv_xcalloc(1, sizeof(*w));

	w->h = ct_harnesses[i];
	w->ops = provider_find(w->h->provider);
	ck_assert_msg(w->ops, "no provider '%s'", w->h->provider);
	snprintf(w->job, sizeof(w->job), "ct-%ld-%u", (long)getpid(), ++seq);
	snprintf(w->name, sizeof(w->name), "%s-sb", w->job);
	w->tmp = tu_tmpdir();
	w->cfg.job_id = w->job;
	w->cfg.env = ct_env;
	w->cfg.create_timeout_ms = 60000;
	w->cfg.auto_delete_min = -1;
	w->cfg.cancel = &w->cancel;
	w->cfg.attempts = &w->attempts;
	if (!w->h->setup(w, fault)) {
		tu_rmrf(w->tmp);
		free(w->tmp);
		free(w);
		return NULL;
	}
	return w;
}

void ct_close(struct ct_world *w)
{
	if (!w)
		return;
	w->h->teardown(w);
	provider_attempts_release(&w->attempts);
	tu_rmrf(w->tmp);
	free(w->tmp);
	free(w->box);
	free(w);
}

long ct_left(struct ct_world *w, const char *job)
{
	return w->h->count ? w->h->count(w, job) : -1;
}

char *ct_marker(struct ct_world *w, const char *tag)
{
	return rv_xasprintf("%s-%s-mark", w->job, tag);
}

/* --- helpers of the cases --------------------------------------------- */

bool ct_has_cap(const struct ct_world *w, unsigned cap)
{
	return (w->ops->caps & cap) != 0;
}

struct provider_sandbox *ct_create(struct ct_world *w,
				   const struct provider_config *cfg)
{
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(provider_create(w->ops, cfg, &sb, &err) == RV_OK,
		      "%s: create: %s", w->ops->name, err.msg);
	ck_assert_ptr_nonnull(sb);
	return sb;
}

void ct_destroy(struct provider_sandbox *sb)
{
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(provider_destroy(sb, &err) == RV_OK, "destroy: %s",
		      err.msg);
	ck_assert_msg(provider_destroy(sb, &err) == RV_OK, "destroy again: %s",
		      err.msg);
	provider_sandbox_free(sb);
}

enum rv_code ct_sh(struct provider_sandbox *sb, const char *cwd,
		   long timeout_ms, struct provider_exec_result *res,
		   struct rv_err *err, const char *fmt, ...)
{
	struct provider_cmd cmd = { .cwd = cwd, .timeout_ms = timeout_ms };
	va_list ap;
	char *line;
	enum rv_code rc;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	cmd.shell = line;
	rc = provider_exec(sb, &cmd, res, err);
	free(line);
	return rc;
}

char *ct_sh_ok(struct provider_sandbox *sb, const char *cwd,
	       const char *line)
{
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *out;

	ck_assert_msg(ct_sh(sb, cwd, 30000, &res, &err, "%s", line) == RV_OK,
		      "exec '%s': %s", line, err.msg);
	ck_assert_msg(res.exit_code == 0, "'%s' exited %d: %s", line,
		      res.exit_code, res.output.data);
	out = rv_xstrdup(res.output.data);
	provider_exec_result_release(&res);
	return out;
}

void ct_box(struct ct_world *w, struct provider_sandbox *sb)
{
	char *line = rv_xasprintf("mkdir -p '%s'", w->box);

	free(ct_sh_ok(sb, NULL, line));
	free(line);
}

void ct_wait_exited(struct provider_sandbox *sb, struct provider_proc *p,
		    struct provider_proc_status *st)
{
	uint64_t end = rv_now_ns() + (uint64_t)CT_WAIT_MS * RV_NS_PER_MS;
	struct rv_err err = RV_ERR_INIT;

	for (;;) {
		ck_assert_msg(provider_process_status(sb, p, st, &err) == RV_OK,
			      "process_status: %s", err.msg);
		if (!st->running)
			return;
		ck_assert_msg(rv_now_ns() < end, "still running after %d ms",
			      CT_WAIT_MS);
		usleep(10000);
	}
}

char *ct_read(const char *path)
{
	char *s = tu_read_file(path, NULL);

	return s ? s : rv_xstrdup("");
}

char *ct_wait_file(const char *path, const char *const *want)
{
	uint64_t end = rv_now_ns() + (uint64_t)CT_WAIT_MS * RV_NS_PER_MS;

	for (;;) {
		char *s = ct_read(path);
		bool all = true;

		for (const char *const *w = want; *w; w++)
			all = all && strstr(s, *w);
		if (all || rv_now_ns() >= end)
			return s;
		free(s);
		usleep(10000);
	}
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

char *ct_tarball(struct ct_world *w, struct tarball_info *info)
{
	char *src = rv_xasprintf("%s/src", w->tmp);
	char *p, *tar = rv_xasprintf("%s/app.tar.gz", w->tmp);
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(mkdir(src, 0755), 0);
	p = rv_xasprintf("%s/run.sh", src);
	write_file(p, "#!/bin/sh\necho ran-ok\n", 0755);
	free(p);
	p = rv_xasprintf("%s/data", src);
	ck_assert_int_eq(mkdir(p, 0750), 0);
	free(p);
	p = rv_xasprintf("%s/data/secret.txt", src);
	write_file(p, "secret-42\n", 0600);
	free(p);
	p = rv_xasprintf("%s/link", src);
	ck_assert_int_eq(symlink("data/secret.txt", p), 0);
	free(p);
	ck_assert_msg(tarball_pack(src, tar, info, &err) == RV_OK, "%s",
		      err.msg);
	free(src);
	return tar;
}

struct provider_proc *ct_sleeper(struct ct_world *w,
				 struct provider_sandbox *sb,
				 const char *marker)
{
	char *line = rv_xasprintf("exec python3 -c 'import time; "
				  "time.sleep(300)' %s", marker);
	struct provider_cmd cmd = { .shell = line };
	struct provider_proc *p = NULL;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(provider_start_process(sb, &cmd, &p, &err) == RV_OK,
		      "start_process: %s", err.msg);
	if (w->h->host_procs)
		ck_assert_msg(tl_wait_procs(marker, 1, CT_WAIT_MS),
			      "'%s' never ran", marker);
	free(line);
	return p;
}

long ct_get(const struct provider_preview *pv, const char *path,
	    struct rv_http_response *resp)
{
	uint64_t end = rv_now_ns() + (uint64_t)CT_WAIT_MS * RV_NS_PER_MS;
	char *url = rv_xasprintf("%s%s", pv->url, path);
	struct rv_http_request req = { .method = "GET", .url = url,
				       .headers = (const char *const *)
				       pv->headers, .timeout_ms = 5000 };

	for (;;) {
		rv_http_do(&req, resp, NULL);
		if (resp->status == 200 || rv_now_ns() >= end)
			break;
		usleep(20000);
	}
	free(url);
	return resp->status;
}

