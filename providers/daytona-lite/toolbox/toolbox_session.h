/*
 * toolbox_session: persistent shell sessions and their commands.
 *
 * A session is one long-lived shell (bash if present, else sh) in its own
 * process group; commands written to its stdin run one after the other in
 * that shell, so `cd` and variables carry over, as on Daytona.  Each
 * command gets two FIFOs for stdout and stderr; the daemon reads them and
 * keeps the command's log with the 3-byte stream markers (toolbox_log.h).
 * The shell reports "S <cid>" when a command starts and "E <cid> <rc>"
 * when it ends on its own stdout, which only the daemon reads.
 *
 * Commands are reference counted: the session holds one reference and
 * every open FIFO watch one more, so a command outlives its session while
 * a background process still writes to it.  Subscribers (log followers)
 * hear about new output, the end, and deletion.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_SESSION_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_SESSION_H

#include <stdbool.h>
#include <sys/types.h>

#include "toolbox_log.h"

struct tb_server;
struct tb_session;
struct tb_req;
struct rv_err;
struct tb_watch;

struct tb_cmd_sub {
	struct tb_cmd_sub *next;
	/* the log grew or the command ended; gone: the session was deleted
	 * and the subscription is over */
	void (*fn)(void *arg, bool gone);
	void *arg;
};

struct tb_cmd {
	struct tb_cmd *next;		/* in its session, oldest first */
	int refs;
	struct tb_session *sess;	/* NULL once the session is deleted */
	char id[37];
	char *command;
	char *dir;			/* its FIFOs and script */
	struct tb_log log;
	bool started, finished;
	int exit_code;
	int keep[2];			/* our own FIFO writers until the end */
	struct tb_watch *w[2];		/* stdout, stderr readers */
	struct tb_req *waiter;		/* a synchronous exec */
	struct tb_cmd_sub *subs;
};

/* toolbox_cmd.c: one command */

/* Create a command in dir (made here) with its script and FIFOs. */
struct tb_cmd *tb_cmd_new(struct tb_server *s, struct tb_session *sess,
			  const char *dir, const char *command,
			  struct rv_err *err);
void tb_cmd_unref(struct tb_cmd *c);
/* The shell said it ended with rc (-1: never ran / shell died). */
void tb_cmd_finish(struct tb_cmd *c, int rc);
/* The session is going away: end subscriptions and waiters, close FIFOs. */
void tb_cmd_detach(struct tb_cmd *c);
/* Read whatever the FIFOs hold now into the log. */
void tb_cmd_drain(struct tb_cmd *c);

void tb_cmd_subscribe(struct tb_cmd *c, struct tb_cmd_sub *sub);
void tb_cmd_unsubscribe(struct tb_cmd *c, struct tb_cmd_sub *sub);

/* toolbox_session.c: lookups for the log follower */

/*
 * The command cid of session sid, or NULL with *why set to the daemon's
 * message ("not found: session not found").
 */
struct tb_cmd *tb_cmd_find(struct tb_server *s, const char *sid,
			   const char *cid, const char **why);

/* The route handlers */
void tb_session_create(struct tb_req *r);
void tb_session_list(struct tb_req *r);
void tb_session_get(struct tb_req *r);
void tb_session_delete(struct tb_req *r);
void tb_session_exec(struct tb_req *r);
void tb_session_command(struct tb_req *r);
void tb_session_logs(struct tb_req *r);

/* The reply to a finished synchronous exec, shaped for fmt. */
void tb_cmd_reply_exec(struct tb_cmd *c, struct tb_req *r);

#endif
