/* One session command: its script, FIFOs, log and subscribers. */
#include "toolbox_session.h"

#include "rv_alloc.h"
#include "rv_random.h"
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tb_fifo_names[2] = { "out", "err" };

static void tb_cmd_notify(struct tb_cmd *c, bool gone)
{
	struct tb_cmd_sub *sub = c->subs, *next;

	if (gone)
		c->subs = NULL;
	for (; sub; sub = next) {
		next = sub->next;	/* fn may unsubscribe */
		sub->fn(sub->arg, gone);
	}
}

void tb_cmd_subscribe(struct tb_cmd *c, struct tb_cmd_sub *sub)
{
	sub->next = c->subs;
	c->subs = sub;
}

void tb_cmd_unsubscribe(struct tb_cmd *c, struct tb_cmd_sub *sub)
{
	for (struct tb_cmd_sub **pp = &c->subs; *pp; pp = &(*pp)->next)
		if (*pp == sub) {
			*pp = sub->next;
			return;
		}
}

/* Read the FIFO of stream until it is empty; -1 at EOF or error. */
static int tb_cmd_read(struct tb_cmd *c, int stream, int fd)
{
	char buf[16384];
	bool grew = false;
	int rc;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			tb_log_append(&c->log, (enum tb_stream)stream, buf,
				      (size_t)n);
			grew = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		rc = n < 0 && errno == EAGAIN ? 0 : -1;
		break;
	}
	if (grew)
		tb_cmd_notify(c, false);
	return rc;
}

static int tb_cmd_on_out(struct tb_watch *w, int fd, void *arg)
{
	(void)w;
	return tb_cmd_read(arg, TB_STDOUT, fd);
}

static int tb_cmd_on_err(struct tb_watch *w, int fd, void *arg)
{
	struct tb_cmd *c = arg;

	/* when both are ready their order is unknown: stdout first is the
	 * better guess (output, then the error about it); its own EOF is
	 * left to its own callback */
	(void)w;
	if (c->w[TB_STDOUT])
		tb_cmd_read(c, TB_STDOUT, tb_watch_fd(c->w[TB_STDOUT]));
	return tb_cmd_read(c, TB_STDERR, fd);
}

static void tb_cmd_on_close(struct tb_watch *w, void *arg)
{
	struct tb_cmd *c = arg;

	for (int i = 0; i < 2; i++)
		if (c->w[i] == w)
			c->w[i] = NULL;
	tb_cmd_unref(c);
}

void tb_cmd_drain(struct tb_cmd *c)
{
	for (int i = 0; i < 2; i++)
		if (c->w[i])
			tb_cmd_read(c, i, tb_watch_fd(c->w[i]));
}

/* Write the script and make the FIFOs with our reader and writer ends. */
static enum rv_code tb_cmd_setup(struct tb_server *s, struct tb_cmd *c,
				 struct rv_err *err)
{
	static const tb_watch_fn on_read[2] = { tb_cmd_on_out, tb_cmd_on_err };
	char *script = rv_xasprintf("%s/cmd.sh", c->dir);
	FILE *f;
	bool ok;

	if (mkdir(c->dir, 0700) < 0) {
		free(script);
		return rv_errf(err, RV_ERR_IO, "mkdir %s: %s", c->dir,
			       strerror(errno));
	}
	f = fopen(script, "w");
	ok = f && fputs(c->command, f) >= 0 && fputc('\n', f) != EOF;
	if (f && fclose(f))
		ok = false;
	free(script);
	if (!ok)
		return rv_errf(err, RV_ERR_IO, "cannot write the command "
			       "script: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		char *path = rv_xasprintf("%s/%s", c->dir, tb_fifo_names[i]);
		int rfd = -1;

		if (mkfifo(path, 0600) == 0)
			rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfd >= 0)
			c->keep[i] = open(path, O_WRONLY | O_NONBLOCK |
					  O_CLOEXEC);
		free(path);
		if (rfd < 0 || c->keep[i] < 0) {
			if (rfd >= 0)
				close(rfd);
			return rv_errf(err, RV_ERR_IO, "cannot make a FIFO "
				       "in %s: %s", c->dir, strerror(errno));
		}
		c->refs++;
		c->w[i] = tb_watch_new(s, rfd, on_read[i], NULL, tb_cmd_on_close,
				       c);
		if (!c->w[i]) {
			c->refs--;
			return rv_errf(err, RV_ERR_IO, "cannot watch a FIFO");
		}
	}
	return RV_OK;
}

struct tb_cmd *tb_cmd_new(struct tb_server *s, struct tb_session *sess,
			  const char *dir, const char *command,
			  struct rv_err *err)
{
	struct tb_cmd *c = rv_xcalloc(1, sizeof(*c));

	c->refs = 1;
	c->sess = sess;
	c->command = rv_xstrdup(command);
	c->keep[0] = c->keep[1] = -1;
	rv_random_uuid(c->id);
	c->dir = rv_xasprintf("%s/%s", dir, c->id);
	tb_log_init(&c->log, TB_MAX_OUTPUT);
	if (tb_cmd_setup(s, c, err)) {
		tb_cmd_detach(c);
		tb_cmd_unref(c);
		return NULL;
	}
	return c;
}

/* Remove the script, the FIFOs and the directory (fds stay open). */
static void tb_cmd_cleanup_files(struct tb_cmd *c)
{
	char *p;

	for (int i = 0; i < 2; i++) {
		if (c->keep[i] >= 0)
			close(c->keep[i]);
		c->keep[i] = -1;
		p = rv_xasprintf("%s/%s", c->dir, tb_fifo_names[i]);
		unlink(p);
		free(p);
	}
	p = rv_xasprintf("%s/cmd.sh", c->dir);
	unlink(p);
	free(p);
	rmdir(c->dir);
}

void tb_cmd_finish(struct tb_cmd *c, int rc)
{
	struct tb_req *waiter = c->waiter;

	if (c->finished)
		return;
	tb_cmd_drain(c);	/* all it wrote is in the FIFOs by now */
	c->finished = true;
	c->exit_code = rc;
	tb_cmd_cleanup_files(c);	/* EOF once background writers end */
	if (waiter) {
		c->waiter = NULL;
		tb_cmd_reply_exec(c, waiter);
		tb_req_unref(waiter);
	}
	tb_cmd_notify(c, false);
}

void tb_cmd_detach(struct tb_cmd *c)
{
	if (c->waiter) {
		tb_reply_error(c->waiter, 410, "SESSION_ENDED", "session "
			       "ended: the session was deleted");
		tb_req_unref(c->waiter);
		c->waiter = NULL;
	}
	c->sess = NULL;
	tb_cmd_cleanup_files(c);
	tb_cmd_notify(c, true);
	for (int i = 0; i < 2; i++)
		tb_watch_close(c->w[i]);
}

void tb_cmd_unref(struct tb_cmd *c)
{
	if (!c || --c->refs > 0)
		return;
	tb_log_release(&c->log);
	free(c->command);
	free(c->dir);
	free(c);
}

void tb_cmd_reply_exec(struct tb_cmd *c, struct tb_req *r)
{
	enum tb_out_fmt fmt = tb_req_out_format(r);
	const struct rv_buf *log = &c->log.data;
	struct rv_buf out = RV_BUF_INIT, err = RV_BUF_INIT;
	json_t *v = json_pack("{s:s,s:n,s:n,s:n,s:i}", "cmdId", c->id,
			      "output", "stdout", "stderr", "exitCode",
			      c->exit_code);

	if (fmt == TB_OUT_COMBINED) {
		tb_log_strip(log->data, log->len, &out);
		json_object_set_new(v, "output", tb_json_bytes(out.data,
							       out.len));
	} else {
		json_object_set_new(v, "output", tb_json_bytes(log->data,
							       log->len));
	}
	if (fmt == TB_OUT_SPLIT) {
		rv_buf_reset(&out);
		tb_log_demux(log->data, log->len, &out, &err);
		json_object_set_new(v, "stdout", tb_json_bytes(out.data,
							       out.len));
		json_object_set_new(v, "stderr", tb_json_bytes(err.data,
							       err.len));
	}
	rv_buf_release(&out);
	rv_buf_release(&err);
	tb_reply_json(r, 200, v);
}
