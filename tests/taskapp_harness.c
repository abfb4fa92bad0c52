#include "taskapp_harness.h"

#include "minibench.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TH_MAX_ARGS 32
#define TH_MAX_ENV 32

/* Wait for the listening line in the log; returns the port or -1. */
static int th_wait_listening(const struct th_app *a, int timeout_ms)
{
	static const char mark[] = "taskapp: listening on http://127.0.0.1:";

	for (int waited = 0; waited < timeout_ms; waited += 5) {
		char *log = tu_read_file(a->log, NULL);
		char *hit = log ? strstr(log, mark) : NULL;
		int port = hit ? atoi(hit + strlen(mark)) : -1;

		free(log);
		if (port > 0)
			return port;
		if (waitpid(a->pid, NULL, WNOHANG) == a->pid)
			return -1;
		usleep(5000);
	}
	return -1;
}

/*
 * The app must not outlive the test: a failed ck_assert _exit()s without
 * the fixture's teardown.  setpriv --pdeathsig makes the kernel send it
 * SIGTERM (a clean stop) when the test process dies.
 */
static const char th_setpriv[] = "/usr/bin/setpriv";

void th_start_cmd(struct th_app *a, char *const argv[], char *const env[])
{
	char *av[TH_MAX_ARGS + 3];
	int n = 0;

	if (access(th_setpriv, X_OK) == 0) {
		av[n++] = (char *)th_setpriv;
		av[n++] = "--pdeathsig";
		av[n++] = "TERM";
	}
	for (char *const *p = argv; *p && n < TH_MAX_ARGS + 2; p++)
		av[n++] = *p;
	av[n] = NULL;
	if (!a->dir) {
		memset(a, 0, sizeof(*a));
		a->dir = tu_tmpdir();
		a->log = rv_xasprintf("%s/taskapp.log", a->dir);
	}
	a->pid = tu_spawn(av, env, a->log);
	a->port = th_wait_listening(a, 15000);
	if (a->port <= 0) {
		char *log = tu_read_file(a->log, NULL);

		ck_abort_msg("taskapp did not start; log:\n%s", log ? log : "");
	}
}

void th_start(struct th_app *a, char *const env[], char *const args[])
{
	char *av[TH_MAX_ARGS], *ev[TH_MAX_ENV];
	char *bin = tu_build_path("taskapp");
	char *uid_env;
	int n = 0, m = 0;

	memset(a, 0, sizeof(*a));
	a->dir = tu_tmpdir();
	a->log = rv_xasprintf("%s/taskapp.log", a->dir);
	av[n++] = bin;
	for (char *const *p = args; p && *p && n < TH_MAX_ARGS - 5; p++)
		av[n++] = *p;
	av[n++] = "--host";
	av[n++] = "127.0.0.1";
	av[n++] = "--port";
	av[n++] = "0";
	av[n] = NULL;
	/* apart from other suites running on this machine at the same time */
	a->uid_base = 300000 + (unsigned)(getpid() % 5000) * 64;
	uid_env = rv_xasprintf("TASKAPP_SANDBOX_UID=%u", a->uid_base);
	ev[m++] = "ENVIRONMENT_API_KEY=" TH_KEY;
	ev[m++] = uid_env;
	for (char *const *p = env; p && *p && m < TH_MAX_ENV - 1; p++)
		ev[m++] = *p;
	ev[m] = NULL;
	th_start_cmd(a, av, ev);
	free(bin);
	free(uid_env);
}

int th_stop(struct th_app *a)
{
	int st = a->pid > 0 ? tu_stop(a->pid) : 0;

	tu_rmrf(a->dir);
	free(a->dir);
	free(a->log);
	memset(a, 0, sizeof(*a));
	return st;
}

void th_forget(struct th_app *a)
{
	a->pid = 0;
}

void th_http(const struct th_app *a, const char *method, const char *path,
	     const char *const *headers, const char *body, struct th_resp *r)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *url = rv_xasprintf("http://127.0.0.1:%d%s", a->port, path);
	struct rv_http_request req = {
		.method = method, .url = url, .headers = headers,
		.body = body, .body_len = body ? strlen(body) : 0,
		.timeout_ms = 120000,
	};
	enum rv_code rc = rv_http_do(&req, &resp, &err);

	ck_assert_msg(rc == RV_OK, "%s %s: %s", method ? method : "GET", path,
		      err.msg);
	memset(r, 0, sizeof(*r));
	r->status = resp.status;
	r->body = rv_buf_detach(&resp.body, NULL);
	r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
	r->allow = rv_http_header(&resp, "allow");
	r->ms = rv_ns_to_ms(resp.elapsed_ns);
	rv_http_response_release(&resp);
	free(url);
}

static const char *const th_key_headers[] = {
	"X-API-Key: " TH_KEY, "Content-Type: application/json", NULL
};

void th_get(const struct th_app *a, const char *path, struct th_resp *r)
{
	th_http(a, NULL, path, th_key_headers, NULL, r);
}

void th_post(const struct th_app *a, const char *path, const char *body,
	     struct th_resp *r)
{
	th_http(a, "POST", path, th_key_headers, body, r);
}

void th_resp_release(struct th_resp *r)
{
	free(r->body);
	free(r->allow);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

char *th_rollout_body(long long seed, const char *policy,
		      const char *config_members)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "{\"trace_correlation_id\":\"th-%lld\",\"env\":"
		    "{\"seed\":%lld,\"config\":{}},\"policy\":{\"config\":{",
		    seed, seed);
	if (policy)
		rv_buf_addf(&b, "\"policy\":\"%s\"", policy);
	if (config_members)
		rv_buf_addf(&b, "%s%s", policy ? "," : "", config_members);
	rv_buf_adds(&b, "}}}");
	return rv_buf_detach(&b, NULL);
}

char *th_source_rollout(long long seed, const char *source,
			const char *config_members)
{
	char *js = th_json_str(source);
	char *members = rv_xasprintf("\"code\":%s%s%s", js,
				     config_members ? "," : "",
				     config_members ? config_members : "");
	char *body = th_rollout_body(seed, "code", members);

	free(members);
	free(js);
	return body;
}

char *th_code_rollout(long long seed, const char *prelude, const char *fn_body,
		      const char *config_members)
{
	const struct minibench_task *t = minibench_for_seed(seed);
	char *src = rv_xasprintf("#include <stdbool.h>\n#include <stddef.h>\n"
				 "#include <stdint.h>\n%s\n%s\n{\n%s\n}\n",
				 prelude ? prelude : "", t->signature, fn_body);
	char *body = th_source_rollout(seed, src, config_members);

	free(src);
	return body;
}

json_t *th_rollout(const struct th_app *a, const char *body)
{
	struct th_resp r;
	json_t *v;

	th_post(a, "/rollout", body, &r);
	ck_assert_msg(r.status == 200 && r.json, "rollout: HTTP %ld: %s",
		      r.status, r.body);
	v = json_incref(r.json);
	th_resp_release(&r);
	return v;
}

struct th_batch {
	const struct th_app *a;
	char *const *bodies;
	json_t **out;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *th_batch_main(void *arg)
{
	struct th_batch *b = arg;

	for (;;) {
		struct th_resp r;
		size_t i;

		pthread_mutex_lock(&b->lock);
		i = b->next++;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->n)
			return NULL;
		th_post(b->a, "/rollout", b->bodies[i], &r);
		b->out[i] = r.status == 200 ? json_incref(r.json) : NULL;
		th_resp_release(&r);
	}
}

void th_rollouts(const struct th_app *a, char *const *bodies, size_t n,
		 unsigned k, json_t **out)
{
	struct th_batch b = { a, bodies, out, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[64];

	if (k > 64)
		k = 64;
	for (unsigned i = 0; i < k; i++)
		pthread_create(&th[i], NULL, th_batch_main, &b);
	for (unsigned i = 0; i < k; i++)
		pthread_join(th[i], NULL);
}

double th_reward(const json_t *resp)
{
	json_t *v = json_object_get(json_object_get(resp, "reward_info"),
				    "outcome_reward");

	return json_is_number(v) ? json_number_value(v) : -1;
}

char *th_json_str(const char *s)
{
	json_t *v = json_string(s);
	char *out = json_dumps(v, JSON_ENCODE_ANY);

	json_decref(v);
	return out;
}

int th_count_uid_procs(unsigned lo, unsigned hi)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		struct stat st;
		char path[300];

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s", e->d_name);
		if (stat(path, &st) == 0 && st.st_uid >= lo && st.st_uid <= hi)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}
