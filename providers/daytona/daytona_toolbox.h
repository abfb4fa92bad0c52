/*
 * daytona_toolbox: the in-sandbox toolbox API of Daytona (docs/
 * daytona-api.md section 6), reached at the toolbox base URL from
 * daytona_toolbox_base().  Same headers, retries, attempt log and error
 * contract as daytona_api.h.  Steps that start something (execute,
 * session exec) are not repeated after an ambiguous failure, unless the
 * caller says the command is idempotent; an async session command is
 * looked up in its session instead.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_TOOLBOX_H
#define RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_TOOLBOX_H

#include <stdbool.h>

#include "daytona_api.h"

/* POST {tb}/files/bulk-upload: local file -> remote path (multipart). */
enum rv_code daytona_upload_file(struct daytona_client *c, const char *tb,
				 const char *local, const char *remote,
				 const struct remote_call *call,
				 struct rv_err *err);

struct daytona_exec_result {
	int exit_code;
	char *output;		/* stdout and stderr combined, malloc'ed */
};

void daytona_exec_result_release(struct daytona_exec_result *r);

/*
 * POST {tb}/process/execute and wait for the end.  timeout_s 0 = none.
 * An exit code other than 0 is not an error (see out->exit_code); a
 * command timeout is RV_ERR_TIMEOUT.
 */
enum rv_code daytona_execute(struct daytona_client *c, const char *tb,
			     const char *command, const char *cwd,
			     int timeout_s, bool idempotent,
			     const struct remote_call *call,
			     struct daytona_exec_result *out,
			     struct rv_err *err);

/* POST {tb}/process/session; an existing session of that id is fine. */
enum rv_code daytona_session_create(struct daytona_client *c, const char *tb,
				    const char *sid,
				    const struct remote_call *call,
				    struct rv_err *err);

/* Exec with runAsync; *cmd_id malloc'ed. */
enum rv_code daytona_session_exec_async(struct daytona_client *c,
					const char *tb, const char *sid,
					const char *command,
					const struct remote_call *call,
					char **cmd_id, struct rv_err *err);

/* Has the command ended?  *exit_code is set when *done. */
enum rv_code daytona_command_status(struct daytona_client *c, const char *tb,
				    const char *sid, const char *cid,
				    const struct remote_call *call,
				    bool *done, int *exit_code,
				    struct rv_err *err);

/* The command's output so far; *out_stdout and *out_stderr malloc'ed. */
enum rv_code daytona_command_logs(struct daytona_client *c, const char *tb,
				  const char *sid, const char *cid,
				  const struct remote_call *call,
				  char **out_stdout, char **out_stderr,
				  struct rv_err *err);

/* DELETE {tb}/process/session/{sid}; a missing session is fine. */
enum rv_code daytona_session_delete(struct daytona_client *c, const char *tb,
				    const char *sid,
				    const struct remote_call *call,
				    struct rv_err *err);

/* The ws:// (wss://) URL that follows a command's logs; malloc'ed. */
char *daytona_logs_ws_url(const char *tb, const char *sid, const char *cid);

#endif
