/*
 * WebSocket follow of a session command's log (reference §6.5):
 * GET /process/session/{sid}/command/{cid}/logs?follow=true with Upgrade.
 *
 * Binary frames of at most 1024 bytes carry the raw log (markers
 * included, or stripped for clients that want combined output).  New
 * output is pushed as soon as it is read (the daemon polls every 20 ms);
 * once the command has ended and everything is sent, the server closes
 * with 1000.  Without follow=true the current log is sent, then closed.
 * An unknown session or command is refused before the upgrade (404).
 */
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_lws.h"
#include "toolbox_session.h"
#include "toolbox_srv.h"

#include "rv_alloc.h"

#include <string.h>
#include <strings.h>

#define TB_FRAME_MAX 1024

struct tb_follow {
	struct lws *wsi;
	struct tb_cmd *cmd;	/* a reference; NULL once the session is gone */
	struct tb_cmd_sub sub;
	size_t off;		/* log bytes sent */
	bool follow;
	enum tb_out_fmt fmt;
	struct tb_strip strip;
};

/* sid and cid of a logs path (malloc'ed), or false. */
static bool tb_follow_path(const char *path, char **sid, char **cid)
{
	static const char pre[] = "/process/session/";
	const char *p = path, *mid, *end;

	if (strncmp(p, pre, sizeof(pre) - 1))
		return false;
	p += sizeof(pre) - 1;
	mid = strstr(p, "/command/");
	end = mid ? strstr(mid + 9, "/logs") : NULL;
	if (!mid || mid == p || !end || end == mid + 9 || end[5])
		return false;
	*sid = rv_xstrndup(p, (size_t)(mid - p));
	*cid = rv_xstrndup(mid + 9, (size_t)(end - mid - 9));
	return true;
}

/* The command the upgrade request names, or NULL with *why. */
static struct tb_cmd *tb_follow_lookup(struct tb_server *s, struct lws *wsi,
				       const char **why)
{
	char path[1024], *sid = NULL, *cid = NULL;
	struct tb_cmd *c = NULL;

	*why = "not found: no such log stream";
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) > 0 &&
	    tb_follow_path(path, &sid, &cid))
		c = tb_cmd_find(s, sid, cid, why);
	free(sid);
	free(cid);
	return c;
}

/* The SDK version from the header or the "X-Daytona-SDK-Version~v" protocol */
static enum tb_out_fmt tb_follow_format(struct lws *wsi)
{
	char v[256] = "", split[16] = "", proto[512];
	const char *tilde;

	if (lws_hdr_custom_copy(wsi, v, sizeof(v), "x-daytona-sdk-version:",
				22) < 0)
		v[0] = '\0';
	if (!v[0] && lws_hdr_copy(wsi, proto, sizeof(proto),
				  WSI_TOKEN_PROTOCOL) > 0 &&
	    (tilde = strstr(proto, "X-Daytona-SDK-Version~")))
		snprintf(v, sizeof(v), "%.*s", (int)strcspn(tilde + 22, ", "),
			 tilde + 22);
	if (lws_hdr_custom_copy(wsi, split, sizeof(split),
				"x-daytona-split-output:", 23) < 0)
		split[0] = '\0';
	return tb_out_format(v, !strcasecmp(split, "true"));
}

static void tb_follow_on_cmd(void *arg, bool gone)
{
	struct tb_follow *f = arg;

	if (gone && f->cmd) {
		tb_cmd_unref(f->cmd);
		f->cmd = NULL;
	}
	lws_callback_on_writable(f->wsi);
}

/* Refuse an upgrade for an unknown command with a 404 (before ESTABLISHED) */
int tb_follow_filter(struct tb_server *s, struct lws *wsi)
{
	const char *why;

	if (tb_follow_lookup(s, wsi, &why))
		return 0;
	lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, why);
	return -1;
}

int tb_follow_start(struct tb_server *s, struct lws *wsi, void **slot)
{
	struct tb_follow *f;
	const char *why;
	char arg[64];
	struct tb_cmd *c = tb_follow_lookup(s, wsi, &why);

	if (!c)
		return -1;
	f = rv_xcalloc(1, sizeof(*f));
	f->wsi = wsi;
	f->cmd = c;
	c->refs++;
	f->fmt = tb_follow_format(wsi);
	for (int i = 0; lws_hdr_copy_fragment(wsi, arg, sizeof(arg),
					      WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
	     i++)
		if (!strcmp(arg, "follow=true"))
			f->follow = true;
	f->sub.fn = tb_follow_on_cmd;
	f->sub.arg = f;
	tb_cmd_subscribe(c, &f->sub);
	*slot = f;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Send one frame of what is new; 1 when there was nothing to send. */
static int tb_follow_send(struct tb_follow *f)
{
	const struct rv_buf *log = &f->cmd->log.data;
	unsigned char buf[LWS_PRE + TB_FRAME_MAX + TB_MARK_LEN];
	struct rv_buf out = RV_BUF_INIT;
	size_t n = log->len - f->off;
	const char *data = log->data + f->off;
	int rc = 0;

	if (!n)
		return 1;
	if (n > TB_FRAME_MAX)
		n = TB_FRAME_MAX;
	f->off += n;
	if (f->fmt == TB_OUT_COMBINED) {
		tb_strip_feed(&f->strip, data, n, &out);
		data = out.data;
		n = out.len;
	}
	if (n) {
		memcpy(buf + LWS_PRE, data, n);
		if (lws_write(f->wsi, buf + LWS_PRE, n, LWS_WRITE_BINARY) !=
		    (int)n)
			rc = -1;
	}
	rv_buf_release(&out);
	if (!rc)
		lws_callback_on_writable(f->wsi);
	return rc;
}

int tb_follow_writable(struct lws *wsi, void *follow)
{
	struct tb_follow *f = follow;
	unsigned char buf[LWS_PRE + TB_MARK_LEN];
	int rc;

	if (f->cmd) {
		rc = tb_follow_send(f);
		if (rc <= 0)
			return rc;
		if (f->follow && !f->cmd->finished)
			return 0;	/* wait for more */
	}
	if (f->strip.ncarry) {		/* combined output: the held tail */
		size_t n = f->strip.ncarry;

		memcpy(buf + LWS_PRE, f->strip.carry, n);
		f->strip.ncarry = 0;
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_BINARY) !=
		    (int)n)
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
	return -1;
}

void tb_follow_closed(void *follow)
{
	struct tb_follow *f = follow;

	if (f->cmd) {
		tb_cmd_unsubscribe(f->cmd, &f->sub);
		tb_cmd_unref(f->cmd);
	}
	free(f);
}
