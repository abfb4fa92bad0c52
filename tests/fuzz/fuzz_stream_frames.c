/*
 * fuzz_stream_frames: the framed output streams a sandbox sends back,
 * which whatever runs inside it can forge: Docker's multiplexed attach
 * and exec stream (providers/docker/docker_api.c, docker_demux_feed:
 * [stream, 0, 0, 0, len BE32] headers) and E2B envd's Connect envelopes
 * (providers/e2b/e2b_envd.c, e2b_frames_feed: [flags][len BE32][json]).
 *
 * Input: the first byte's low bit picks the decoder, the rest is the
 * stream.  Both decoders stream: the stream is decoded whole and in
 * pieces, and both must say the same (payload bytes and their streams;
 * a process's pid, end, exit status, error), within their bounds.
 */
#include "fuzz.h"

#include "docker_api.h"
#include "e2b_envd.h"
#include "rv_buf.h"

#include <stdbool.h>

struct fuzz_docker_out {
	struct rv_buf *log;
	size_t payload;
	int last;		/* the stream of the last piece, -1 */
};

static void fuzz_docker_sink(int stream, const char *data, size_t len,
			     void *arg)
{
	struct fuzz_docker_out *o = arg;

	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(stream >= 0 && stream <= 255);
	/* how the bytes were cut is not what is compared: a tag per run of
	   one stream, then its bytes */
	if (stream != o->last)
		rv_buf_addf(o->log, "[%d]", stream);
	o->last = stream;
	rv_buf_add(o->log, data, len);
	o->payload += len;
}

static void fuzz_docker(const uint8_t *data, size_t size, bool pieces,
			struct rv_buf *log)
{
	struct fuzz_docker_out o = { log, 0, -1 };
	struct docker_demux d;
	struct fuzz_split sp;
	size_t off = 0, n;

	rv_buf_init(log);
	docker_demux_init(&d, fuzz_docker_sink, &o);
	fuzz_split_init(&sp, data, size);
	while (off < size) {
		n = pieces ? fuzz_split_next(&sp, size - off) : size - off;
		docker_demux_feed(&d, (const char *)data + off, n);
		off += n;
	}
	/* no payload byte is made up: the input less a header at least */
	FUZZ_CHECK(o.payload + (size ? 8 : 0) <= size || o.payload == 0);
	rv_buf_addf(log, "[left %zu hdr %zu]", d.left, d.hdr_len);
}

static void fuzz_e2b_output(const char *data, size_t len, void *arg)
{
	FUZZ_CHECK(len > 0);
	rv_buf_addf(arg, "[out %zu]", len);
	rv_buf_add(arg, data, len);
}

static void fuzz_e2b(const uint8_t *data, size_t size, bool pieces,
		     struct rv_buf *log)
{
	struct e2b_frames f = { .pending = RV_BUF_INIT };
	struct e2b_proc_events ev = { .output = fuzz_e2b_output,
				      .arg = log };
	struct fuzz_split sp;
	size_t off = 0, n;

	rv_buf_init(log);
	fuzz_split_init(&sp, data, size);
	while (off < size) {
		n = pieces ? fuzz_split_next(&sp, size - off) : size - off;
		e2b_frames_feed(&f, (const char *)data + off, n, &ev);
		off += n;
	}
	/* what a signal may name later: a positive pid, or none */
	FUZZ_CHECK(ev.pid >= 0);
	FUZZ_CHECK(ev.term_signal >= 0 && ev.term_signal < 65);
	FUZZ_CHECK(!ev.term_signal || ev.exit_code == 128 + ev.term_signal);
	FUZZ_CHECK(strlen(ev.error_code) < sizeof(ev.error_code));
	FUZZ_CHECK(strlen(ev.error) < sizeof(ev.error));
	/* a malformed envelope ends the stream, and nothing counts after */
	FUZZ_CHECK(!f.bad || ev.closed);
	rv_buf_addf(log, "[pid %d ended %d exit %d sig %d closed %d code '%s' "
		    "error '%s' bad %d]", (int)ev.pid, ev.ended, ev.exit_code,
		    ev.term_signal, ev.closed, ev.error_code, ev.error, f.bad);
	e2b_frames_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void (*decode)(const uint8_t *, size_t, bool, struct rv_buf *);
	struct rv_buf whole, pieces;

	if (size == 0)
		return 0;
	decode = data[0] & 1 ? fuzz_e2b : fuzz_docker;
	decode(data + 1, size - 1, false, &whole);
	decode(data + 1, size - 1, true, &pieces);
	fuzz_same(&whole, &pieces, "stream");
	return 0;
}
