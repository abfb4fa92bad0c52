/* envd as a face of the in-sandbox daemon framework: routes and errors. */
#include "envd.h"

#include "toolbox_http.h"
#include "toolbox_srv.h"

#include <string.h>

/* envd's REST errors: {code, message} (spec/envd/envd.yaml). */
static json_t *envd_error_json(int status, const char *code,
			       const char *msg, const char *path,
			       const char *method)
{
	(void)code;
	(void)path;
	(void)method;
	return json_pack("{s:i,s:s}", "code", status, "message", msg);
}

static const struct tb_upload_body envd_upload = {
	envd_files_upload_begin, envd_files_upload_data,
};

#define ENVD_RPC(svc, method, fn) \
	{ "POST", "/" svc "/" method, fn, TB_BODY_BUFFER, NULL }

static const struct tb_route envd_routes[] = {
	{ "GET", "/health", envd_health, TB_BODY_NONE, NULL },
	{ "GET", "/envs", envd_envs, TB_BODY_NONE, NULL },
	{ "GET", "/files", envd_files_get, TB_BODY_NONE, NULL },
	{ "POST", "/files", envd_files_post, TB_BODY_UPLOAD, &envd_upload },
	ENVD_RPC("process.Process", "Start", envd_proc_start),
	ENVD_RPC("process.Process", "Connect", envd_proc_connect),
	ENVD_RPC("process.Process", "List", envd_proc_list),
	ENVD_RPC("process.Process", "SendSignal", envd_proc_signal),
	ENVD_RPC("process.Process", "SendInput", envd_proc_input),
	ENVD_RPC("process.Process", "CloseStdin", envd_proc_close_stdin),
	ENVD_RPC("filesystem.Filesystem", "Stat", envd_fs_stat),
	ENVD_RPC("filesystem.Filesystem", "MakeDir", envd_fs_make_dir),
	ENVD_RPC("filesystem.Filesystem", "Move", envd_fs_move),
	ENVD_RPC("filesystem.Filesystem", "ListDir", envd_fs_list_dir),
	ENVD_RPC("filesystem.Filesystem", "Remove", envd_fs_remove),
	{ NULL, NULL, NULL, TB_BODY_NONE, NULL },
};

static const struct tb_route *const envd_tables[] = { envd_routes, NULL };

static const struct tb_face envd_face = {
	.prog = "e2b-lite envd",
	.socket = "envd.sock",
	.usage = "usage: e2b-lite envd --socket-dir DIR [--home DIR] "
		 "[--workdir DIR]\n"
		 "       e2b-lite envd --toolbox-fd N --forward-fd N "
		 "[--ready-fd N] [...]\n"
		 "Serve the subset of E2B's envd that the SDK uses on "
		 "DIR/envd.sock and port\nforwarding on DIR/forward.sock; "
		 "write DIR/ready when both listen.  Or serve\nlistening unix "
		 "sockets inherited as descriptors (the API on --toolbox-fd),\n"
		 "and write \"ready\" to the ready descriptor.\n",
	.routes = envd_tables,
	.headers = (const char *const[]){ "connect-timeout-ms:",
		"keepalive-ping-interval:", NULL },
	.error_json = envd_error_json,
	.shutdown = envd_proc_shutdown,
};

int envd_main(int argc, char **argv)
{
	return tb_daemon_main(&envd_face, "/home/user", argc, argv);
}
