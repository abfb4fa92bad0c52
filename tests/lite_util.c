#include "lite_util.h"

#include "testutil.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct tl_server tl_srv;

static void tl_setup(void)
{
	memset(&tl_srv, 0, sizeof(tl_srv));
	tl_start(&tl_srv, NULL);
}

static void tl_teardown(void)
{
	tl_free(&tl_srv);
}

TCase *tl_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
	tcase_set_timeout(tc, 60);
	return tc;
}

void tl_start(struct tl_server *s, const char *const *extra)
{
	char *bin = tu_build_path(s->prog ? s->prog : "daytona-lite");
	char listen[64];
	const char *argv[40];
	int n = 0;
	pid_t pid;

	if (!s->tmp) {
		s->tmp = tu_tmpdir();
		s->state_dir = rv_xasprintf("%s/state", s->tmp);
		s->log = rv_xasprintf("%s/server.log", s->tmp);
	}
	s->port = tu_free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--state-dir";
	argv[n++] = s->state_dir;
	argv[n++] = "--api-key";
	argv[n++] = TL_KEY;
	for (; extra && *extra && n < 38; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		setpgid(0, 0);
		/* a failed check _exits: take the server down with us */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(bin, (char **)argv);
		_exit(127);
	}
	s->pid = pid;
	free(bin);
	ck_assert_msg(tu_wait_port(s->port, 10000), "%s did not start: %s",
		      s->prog ? s->prog : "daytona-lite", tl_log(s));
}

void tl_stop(struct tl_server *s)
{
	int status;

	if (s->pid <= 0)
		return;
	status = tu_stop(s->pid);
	s->pid = 0;
	/* a clean exit also means no sanitizer report */
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s exited with status %d: %s", s->prog ? s->prog :
		      "daytona-lite", status, tl_log(s));
}

void tl_kill(struct tl_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

void tl_free(struct tl_server *s)
{
	tl_stop(s);
	tu_rmrf(s->tmp);
	free(s->tmp);
	free(s->state_dir);
	free(s->log);
	memset(s, 0, sizeof(*s));
}

char *tl_log(struct tl_server *s)
{
	char *log = tu_read_file(s->log, NULL);

	return log ? log : rv_xstrdup("(no log)");
}

long tl_req(struct tl_server *s, const char *method, const char *url,
	    const char *const *headers, const char *body,
	    struct rv_http_response *resp)
{
	char *full = url[0] == '/' ? rv_xasprintf("%s%s", s->base, url) :
		rv_xstrdup(url);
	struct rv_http_request req = {
		.method = method, .url = full, .headers = headers,
		.body = body, .body_len = body ? strlen(body) : 0,
		.timeout_ms = 30000,
	};

	rv_http_do(&req, resp, NULL);
	free(full);
	return resp->status;
}

long tl_api(struct tl_server *s, const char *method, const char *path,
	    const char *body, json_t **out)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer " TL_KEY,
		"Content-Type: application/json", NULL,
	};
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *url = rv_xasprintf("/api%s", path);
	long st = tl_req(s, method, url, hdrs, body, &resp);

	if (out)
		*out = resp.body.len ? rv_json_parse(resp.body.data,
						     resp.body.len, "answer",
						     NULL) : NULL;
	rv_http_response_release(&resp);
	free(url);
	return st;
}

char *tl_create(struct tl_server *s, const char *body)
{
	json_t *sb = NULL;
	long st = tl_api(s, "POST", "/sandbox", body ? body : "{}", &sb);
	char *id;

	ck_assert_msg(st == 200, "create answered %ld: %s", st, tl_log(s));
	ck_assert_msg(!strcmp(rv_json_str(sb, "state"), "started"),
		      "sandbox state '%s' (%s)", rv_json_str(sb, "state"),
		      rv_json_str(sb, "errorReason") ?
		      rv_json_str(sb, "errorReason") : "");
	id = rv_xstrdup(rv_json_str(sb, "id"));
	json_decref(sb);
	return id;
}

char *tl_exec(struct tl_server *s, const char *id, const char *cmd,
	      int *exit_code)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer " TL_KEY,
		"Content-Type: application/json", NULL,
	};
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *url = rv_xasprintf("/toolbox/%s/process/execute", id);
	json_t *body = json_pack("{s:s}", "command", cmd);
	char *text = rv_json_dumps(body);
	json_t *ans;
	char *result;

	ck_assert_int_eq(tl_req(s, "POST", url, hdrs, text, &resp), 200);
	ans = rv_json_parse(resp.body.data, resp.body.len, "exec", NULL);
	ck_assert_ptr_nonnull(ans);
	result = rv_xstrdup(rv_json_str(ans, "result") ?
			    rv_json_str(ans, "result") : "");
	if (exit_code)
		*exit_code = (int)rv_json_int(ans, "exitCode", -1);
	json_decref(ans);
	json_decref(body);
	free(text);
	free(url);
	rv_http_response_release(&resp);
	return result;
}

json_t *tl_preview_link(struct tl_server *s, const char *id, int port)
{
	char *url = rv_xasprintf("/sandbox/%s/ports/%d/preview-url", id, port);
	json_t *link = NULL;

	ck_assert_int_eq(tl_api(s, "GET", url, NULL, &link), 200);
	ck_assert_ptr_nonnull(rv_json_str(link, "token"));
	free(url);
	return link;
}

long tl_preview(struct tl_server *s, const char *id, int port,
		const char *path, bool with_token,
		struct rv_http_response *resp)
{
	json_t *link = tl_preview_link(s, id, port);
	char *token_hdr, *full;
	const char *hdrs[2] = { NULL, NULL };
	long st;

	token_hdr = rv_xasprintf("X-Daytona-Preview-Token: %s",
				 rv_json_str(link, "token"));
	full = rv_xasprintf("%s%s", rv_json_str(link, "url"), path);
	if (with_token)
		hdrs[0] = token_hdr;
	st = tl_req(s, "GET", full, hdrs, NULL, resp);
	json_decref(link);
	free(token_hdr);
	free(full);
	return st;
}

void tl_start_app(struct tl_server *s, const char *id, const char *name,
		  const char *script, int port)
{
	char *cmd = rv_xasprintf("cat > /tmp/%s.py <<'PYEOF'\n%sPYEOF\n"
				 "nohup python3 /tmp/%s.py %d > /tmp/%s.log "
				 "2>&1 &", name, script, name, port, name);

	free(tl_exec(s, id, cmd, NULL));
	free(cmd);
	for (int i = 0; i < 1000; i++) {
		struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
		long st = tl_preview(s, id, port, "/ready", true, &r);

		rv_http_response_release(&r);
		if (st == 200)
			return;
		ck_assert_int_eq(st, 502);	/* not listening yet */
		usleep(10000);
	}
	ck_abort_msg("%s did not start in sandbox %s", name, id);
}

int tl_count_procs(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, marker))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

bool tl_wait_procs(const char *marker, int n, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (tl_count_procs(marker) == n)
			return true;
		usleep(10000);
	}
	return tl_count_procs(marker) == n;
}
