/*
 * rv_log: leveled logging to stderr.
 *
 * Lines look like "runeval: warning: ..." and pass through rv_redact()
 * before they are written, so a registered secret never reaches a log,
 * then through rv_term_escape(), so that no control character (not even
 * a newline) in a message reaches the terminal.
 * Thread-safe (one line is written atomically).
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_LOG_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_LOG_H

enum rv_log_level {
	RV_LOG_QUIET = -1,	/* only for rv_log_set_level: print nothing */
	RV_LOG_ERROR = 0,
	RV_LOG_WARN,
	RV_LOG_INFO,
	RV_LOG_DEBUG,
};

/* Program name used as the line prefix (borrowed; default "runeval"). */
void rv_log_set_prog(const char *prog);
void rv_log_set_level(enum rv_log_level level);

void rv_log(enum rv_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define rv_error(...) rv_log(RV_LOG_ERROR, __VA_ARGS__)
#define rv_warn(...) rv_log(RV_LOG_WARN, __VA_ARGS__)
#define rv_info(...) rv_log(RV_LOG_INFO, __VA_ARGS__)
#define rv_debug(...) rv_log(RV_LOG_DEBUG, __VA_ARGS__)

#endif
