/*
 * toolbox_lws: the libwebsockets glue of the toolbox daemon.
 *
 * Only the files that talk to lws directly include this: the protocol
 * table of the daemon's vhost and the two callbacks in it.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_LWS_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_LWS_H

#include <libwebsockets.h>

/* HTTP and WebSocket (toolbox_http.c); protocols[0] of the vhost. */
int tb_http_cb(struct lws *wsi, enum lws_callback_reasons reason,
	       void *user, void *in, size_t len);

/* Adopted pipes and FIFOs (toolbox_loop.c). */
int tb_watch_cb(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len);

/* { "http", "tb-fd", terminator } */
extern const struct lws_protocols tb_protocols[];

#define TB_WATCH_PROTOCOL "tb-fd"

#endif
