/* The Daytona toolbox as a face of the in-sandbox daemon framework. */
#include "toolbox.h"

#include "rv_clock.h"

#include <string.h>
#include <strings.h>

json_t *tb_error_json(int status, const char *code, const char *msg,
		      const char *path, const char *method)
{
	char ts[40];

	rv_wall_iso8601(rv_wall_ns(), ts, sizeof(ts));
	return json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "statusCode", status,
			 "message", msg, "code", code ? code :
			 tb_status_code(status), "timestamp", ts, "path", path,
			 "method", method, "source", "DAYTONA_DAEMON");
}

enum tb_out_fmt tb_req_out_format(struct tb_req *r)
{
	const char *split = tb_req_header(r, "x-daytona-split-output");

	return tb_out_format(tb_req_header(r, "x-daytona-sdk-version"),
			     split && !strcasecmp(split, "true"));
}

static const struct tb_route *const tb_toolbox_routes[] = {
	tb_routes_process, tb_routes_files, tb_routes_misc, NULL,
};

static const struct tb_face tb_toolbox_face = {
	.prog = "daytona-lite toolbox",
	.socket = "toolbox.sock",
	.usage = "usage: daytona-lite toolbox --socket-dir DIR [--home DIR] "
		 "[--workdir DIR]\n"
		 "       daytona-lite toolbox --toolbox-fd N --forward-fd N "
		 "[--ready-fd N] [...]\n"
		 "Serve the Daytona toolbox API on DIR/toolbox.sock and port "
		 "forwarding on\nDIR/forward.sock; write DIR/ready when both "
		 "listen.  Or serve listening unix\nsockets inherited as "
		 "descriptors, and write \"ready\" to the ready descriptor.\n",
	.routes = tb_toolbox_routes,
	.headers = (const char *const[]){ "x-daytona-sdk-version:",
		"x-daytona-split-output:", NULL },
	.error_json = tb_error_json,
	.shutdown = tb_sessions_destroy,
	.ws_filter = tb_follow_filter,
	.ws_start = tb_follow_start,
	.ws_writable = tb_follow_writable,
	.ws_closed = tb_follow_closed,
};

int toolbox_main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "toolbox")) {
		argc--;
		argv++;
	}
	return tb_daemon_main(&tb_toolbox_face, "/home/daytona", argc, argv);
}
