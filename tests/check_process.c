/* The `process` provider and the local mode's building blocks, for real. */
#include "testutil.h"

#include "mode.h"
#include "process.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct provider_config cfg = { .job_id = "test-job" };

static struct provider_sandbox *make_sandbox(void)
{
	const struct provider_ops *ops = provider_find("process");
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_ptr_eq(ops, &provider_process);
	ck_assert_int_eq(provider_create(ops, &cfg, &sb, &err), RV_OK);
	ck_assert_ptr_nonnull(sb);
	return sb;
}

START_TEST(test_process_start_logs_and_stop_group)
{
	struct provider_sandbox *sb = make_sandbox();
	char *dir = tu_tmpdir();
	char *log = rv_xasprintf("%s/app.log", dir);
	const char *env[] = { "RV_TEST_VALUE=hello42", NULL };
	/* a child that ignores nothing, plus a grandchild in its group */
	struct provider_cmd cmd = {
		.shell = "echo \"value=$RV_TEST_VALUE pwd=$(pwd)\"; "
			 "sleep 30 & echo started; wait",
		.cwd = dir, .env = env, .log_path = log,
	};
	struct provider_proc *p = NULL;
	struct provider_proc_status st;
	struct rv_buf out = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	char *want;

	ck_assert_int_eq(provider_start_process(sb, &cmd, &p, &err), RV_OK);
	for (int i = 0; i < 200; i++) {
		rv_buf_reset(&out);
		provider_process_logs(sb, p, 4096, &out, &err);
		if (strstr(out.data, "started"))
			break;
		usleep(10000);
	}
	want = rv_xasprintf("value=hello42 pwd=%s", dir);
	ck_assert_msg(strstr(out.data, want), "log: %s", out.data);
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(st.running);
	ck_assert(tu_group_alive(st.pid));
	ck_assert_int_eq(provider_stop_process(sb, p, 2000, &err), RV_OK);
	ck_assert(!tu_group_alive(st.pid));
	ck_assert_int_eq(provider_process_status(sb, p, &st, &err), RV_OK);
	ck_assert(!st.running);
	ck_assert_int_eq(st.term_signal, SIGTERM);
	/* idempotent */
	ck_assert_int_eq(provider_stop_process(sb, p, 2000, &err), RV_OK);
	ck_assert_int_eq(provider_destroy(sb, &err), RV_OK);
	ck_assert_int_eq(provider_destroy(sb, &err), RV_OK);
	provider_sandbox_free(sb);
	rv_buf_release(&out);
	free(want);
	free(log);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_process_stop_kills_after_grace)
{
	struct provider_sandbox *sb = make_sandbox();
	char *dir = tu_tmpdir();
	char *ready = rv_xasprintf("%s/trapped", dir);
	char *shell = rv_xasprintf("trap '' TERM; : > %s; "
				   "while :; do sleep 0.05; done", ready);
	struct provider_cmd cmd = { .shell = shell };
	struct provider_proc *p = NULL;
	struct provider_proc_status st;
	struct rv_err err = RV_ERR_INIT;
	uint64_t t0;

	ck_assert_int_eq(provider_start_process(sb, &cmd, &p, &err), RV_OK);
	/* SIGTERM before the trap is set would end it with no grace used */
	for (int i = 0; i < 1000 && access(ready, F_OK) != 0; i++)
		usleep(10000);
	ck_assert_msg(access(ready, F_OK) == 0, "the shell never set its trap");
	provider_process_status(sb, p, &st, &err);
	t0 = rv_now_ns();
	ck_assert_int_eq(provider_stop_process(sb, p, 300, &err), RV_OK);
	ck_assert(rv_now_ns() - t0 >= 250 * RV_NS_PER_MS);
	ck_assert(!tu_group_alive(st.pid));
	provider_process_status(sb, p, &st, &err);
	ck_assert_int_eq(st.term_signal, SIGKILL);
	provider_sandbox_free(sb);
	tu_rmrf(dir);
	free(dir);
	free(ready);
	free(shell);
}
END_TEST

START_TEST(test_process_exit_status_and_free_kills)
{
	struct provider_sandbox *sb = make_sandbox();
	struct provider_cmd quick = { .shell = "exit 7" };
	struct provider_cmd slow = { .shell = "sleep 30" };
	struct provider_proc *p = NULL, *q = NULL;
	struct provider_proc_status st;
	struct rv_err err = RV_ERR_INIT;
	pid_t slow_pid;

	ck_assert_int_eq(provider_start_process(sb, &quick, &p, &err), RV_OK);
	ck_assert_int_eq(provider_start_process(sb, &slow, &q, &err), RV_OK);
	for (int i = 0; i < 300; i++) {
		provider_process_status(sb, p, &st, &err);
		if (!st.running)
			break;
		usleep(10000);
	}
	ck_assert(!st.running);
	ck_assert_int_eq(st.exit_code, 7);
	provider_process_status(sb, q, &st, &err);
	slow_pid = st.pid;
	ck_assert(tu_group_alive(slow_pid));
	provider_sandbox_free(sb);	/* no destroy: free still kills */
	ck_assert(!tu_group_alive(slow_pid));
}
END_TEST

START_TEST(test_process_start_errors_are_clear)
{
	struct provider_sandbox *sb = make_sandbox();
	const char *argv[] = { "/nonexistent/prog", NULL };
	struct provider_cmd bad = { .argv = argv };
	struct provider_cmd badcwd = { .shell = "true", .cwd = "/nonexistent" };
	struct provider_cmd badlog = { .shell = "true",
				       .log_path = "/nonexistent/x.log" };
	struct provider_proc *p = NULL;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(provider_start_process(sb, &bad, &p, &err),
			 RV_ERR_CHILD);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, "cannot start '/nonexistent/prog'"),
		      "%s", err.msg);
	ck_assert_int_eq(provider_start_process(sb, &badcwd, &p, &err),
			 RV_ERR_CHILD);
	ck_assert_msg(strstr(err.msg, "/nonexistent"), "%s", err.msg);
	ck_assert_int_eq(provider_start_process(sb, &badlog, &p, &err),
			 RV_ERR_IO);
	ck_assert_int_eq(provider_upload(sb, "x.tar.gz", NULL, "/", &err),
			 RV_ERR_NOTSUP);
	ck_assert_msg(strstr(err.msg, "'process' cannot upload"), "%s",
		      err.msg);
	provider_sandbox_free(sb);
}
END_TEST

START_TEST(test_process_exec_output_and_timeout)
{
	struct provider_sandbox *sb = make_sandbox();
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
			       NULL };
	struct provider_cmd ok = { .argv = argv };
	struct provider_cmd slow = { .shell = "sleep 20", .timeout_ms = 200 };
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct rv_err err = RV_ERR_INIT;
	uint64_t t0;

	ck_assert_int_eq(provider_exec(sb, &ok, &res, &err), RV_OK);
	ck_assert_int_eq(res.exit_code, 3);
	ck_assert_msg(strstr(res.output.data, "out") &&
		      strstr(res.output.data, "err"), "%s", res.output.data);
	provider_exec_result_release(&res);
	t0 = rv_now_ns();
	ck_assert_int_eq(provider_exec(sb, &slow, &res, &err), RV_ERR_TIMEOUT);
	ck_assert(rv_now_ns() - t0 < 5 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(err.msg, "timed out"), "%s", err.msg);
	provider_exec_result_release(&res);
	provider_sandbox_free(sb);
}
END_TEST

/* clear_env: the command gets its env and nothing of ours. */
START_TEST(test_process_clear_env)
{
	struct provider_sandbox *sb = make_sandbox();
	const char *env[] = { "ONLY_THIS=1", NULL };
	struct provider_cmd c = { .shell = "/usr/bin/env", .env = env,
				  .clear_env = true };
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct rv_err err = RV_ERR_INIT;

	setenv("RV_TEST_OURS", "x", 1);
	ck_assert_int_eq(provider_exec(sb, &c, &res, &err), RV_OK);
	ck_assert_msg(strstr(res.output.data, "ONLY_THIS=1\n"), "%s",
		      res.output.data);
	ck_assert_msg(!strstr(res.output.data, "RV_TEST_OURS"), "%s",
		      res.output.data);
	ck_assert_msg(!strstr(res.output.data, "PATH="), "%s",
		      res.output.data);
	provider_exec_result_release(&res);
	c.clear_env = false;
	ck_assert_int_eq(provider_exec(sb, &c, &res, &err), RV_OK);
	ck_assert_ptr_nonnull(strstr(res.output.data, "RV_TEST_OURS=x"));
	provider_exec_result_release(&res);
	provider_sandbox_free(sb);
}
END_TEST

START_TEST(test_process_port_probe_and_preview)
{
	struct provider_sandbox *sb = make_sandbox();
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct rv_err err = RV_ERR_INIT;
	int port = tu_free_port();
	int fd;

	ck_assert(!rv_net_port_in_use(port));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert(rv_net_port_in_use(port));
	/* held by a listener that accepts nothing, its queue full: the
	   probe answers in its time, not the kernel's two minutes, and
	   the port counts as in use */
	{
		int q[8], m = 0, r = RV_NET_CONNECTS;
		uint64_t t0;

		while (m < 8 && r != RV_NET_TIMEOUT) {
			q[m] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			(void)connect(q[m++], (struct sockaddr *)&a,
				      sizeof(a));
			t0 = rv_now_ns();
			r = rv_net_connect_probe((struct sockaddr *)&a,
						 sizeof(a), 300);
		}
		ck_assert_int_eq(r, RV_NET_TIMEOUT);
		ck_assert(rv_now_ns() - t0 < 5 * RV_NS_PER_SEC);
		ck_assert(rv_net_port_in_use(port));
		while (m)
			close(q[--m]);
	}
	close(fd);
	ck_assert_int_eq(rv_net_connect_probe((struct sockaddr *)&a, sizeof(a),
					      300), RV_NET_REFUSED);
	ck_assert(rv_net_free_port() > 0);
	ck_assert_int_eq(provider_preview(sb, port, &pv, &err), RV_OK);
	ck_assert_int_eq(strncmp(pv.url, "http://127.0.0.1:", 17), 0);
	ck_assert_int_eq(atoi(pv.url + 17), port);
	ck_assert_ptr_null(pv.headers);
	provider_preview_release(&pv);
	ck_assert_int_eq(provider_preview(sb, 0, &pv, &err), RV_ERR_USAGE);
	provider_sandbox_free(sb);
}
END_TEST

START_TEST(test_process_owns_port)
{
	struct provider_sandbox *sb = make_sandbox();
	struct sockaddr_in a = { .sin_family = AF_INET };
	int port = tu_free_port(), other = tu_free_port();
	char *shell = rv_xasprintf("python3 -c 'import socket,time; "
		"s=socket.socket(); s.bind((\"127.0.0.1\",%d)); s.listen(); "
		"time.sleep(30)'", port);	/* a child of sh: a group scan */
	struct provider_cmd cmd = { .shell = shell };
	struct provider_proc *p = NULL;
	struct rv_err err = RV_ERR_INIT;
	/* close-on-exec, or the child would share the socket */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_eq(provider_start_process(sb, &cmd, &p, &err), RV_OK);
	ck_assert(tu_wait_port(port, 10000));
	ck_assert(provider_owns_port(sb, p, port));
	a.sin_port = htons((unsigned short)other);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert(!provider_owns_port(sb, p, other));	/* ours, not its */
	close(fd);
	ck_assert(!provider_owns_port(sb, p, other));	/* nobody's */
	provider_sandbox_free(sb);
	free(shell);
}
END_TEST

START_TEST(test_mode_local_refuses_taken_port)
{
	const struct mode_ops *local = mode_find("local");
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct mode_app app = { 0 };
	struct rv_err err = RV_ERR_INIT;
	int port = tu_free_port();
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_ptr_nonnull(local);
	ck_assert_ptr_null(mode_find("nope"));
	ck_assert_str_eq(rv_phase_name(local->up[0].phase), "start");
	ck_assert_str_eq(rv_phase_name(local->up[1].phase), "preview");
	ck_assert_str_eq(rv_phase_name(local->up[2].phase), "health");
	ck_assert_ptr_null(local->up[3].run);
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	app.mode = local;
	app.provider = &provider_process;
	app.pcfg = &cfg;
	app.start_cmd = "sleep 30";
	app.port = port;
	ck_assert_int_eq(local->up[0].run(&app, &err), RV_ERR_CONFLICT);
	ck_assert_msg(strstr(err.msg, "already in use"), "%s", err.msg);
	ck_assert_ptr_null(app.proc);
	ck_assert_int_eq(mode_teardown(&app, &err), RV_OK);
	close(fd);
}
END_TEST

static Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_process_start_logs_and_stop_group);
	tcase_add_test(tc, test_process_clear_env);
	tcase_add_test(tc, test_process_stop_kills_after_grace);
	tcase_add_test(tc, test_process_exit_status_and_free_kills);
	tcase_add_test(tc, test_process_start_errors_are_clear);
	tcase_add_test(tc, test_process_exec_output_and_timeout);
	tcase_add_test(tc, test_process_port_probe_and_preview);
	tcase_add_test(tc, test_process_owns_port);
	tcase_add_test(tc, test_mode_local_refuses_taken_port);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(process_suite()) ? 1 : 0;
}
