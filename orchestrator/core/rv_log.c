#include "rv_log.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_redact.h"
#include "rv_term.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static const char *rv_log_prog = "runeval";
static enum rv_log_level rv_log_level = RV_LOG_INFO;

static const char *const rv_log_tags[] = {
	[RV_LOG_ERROR] = "error: ",
	[RV_LOG_WARN] = "warning: ",
	[RV_LOG_INFO] = "",
	[RV_LOG_DEBUG] = "debug: ",
};

void rv_log_set_prog(const char *prog)
{
	rv_log_prog = prog;
}

void rv_log_set_level(enum rv_log_level level)
{
	rv_log_level = level;
}

void rv_log(enum rv_log_level level, const char *fmt, ...)
{
	struct rv_buf msg = RV_BUF_INIT, line = RV_BUF_INIT;
	va_list ap;
	ssize_t n;

	if (level > rv_log_level || level < RV_LOG_ERROR)
		return;
	va_start(ap, fmt);
	rv_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	rv_redact_buf(&msg);
	/* the message may quote a task app or a provider: one line, and
	   nothing in it reaches the terminal as a control character */
	rv_buf_addf(&line, "%s: %s", rv_log_prog, rv_log_tags[level]);
	rv_term_escape(&line, msg.data, msg.len, false);
	rv_buf_addch(&line, '\n');
	/* one write(2) per line keeps lines whole between threads */
	n = write(STDERR_FILENO, line.data, line.len);
	(void)n;
	rv_buf_release(&msg);
	rv_buf_release(&line);
}
