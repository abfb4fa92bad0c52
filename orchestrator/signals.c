/* signals: SIGINT/SIGTERM handling (see signals.h). */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

volatile int signals_stop;
static volatile sig_atomic_t signals_count;
static volatile sig_atomic_t signals_sig;
static int signals_pipe[2] = { -1, -1 };

static const char signals_job_msg[] =
	"runeval: interrupted: stopping, tearing down and writing the "
	"results (against a provider that does not answer, each "
	"cleanup call gets 10 s; what is left goes to 'runeval reap')\n";
static const char *volatile signals_msg = signals_job_msg;
static volatile size_t signals_msg_len = sizeof(signals_job_msg) - 1;

void signals_set_first_message(const char *msg)
{
	signals_msg_len = 0;	/* the handler writes nothing meanwhile */
	signals_msg = msg;
	signals_msg_len = strlen(msg);
}

static void signals_handler(int sig)
{
	static const char again[] =
		"runeval: tearing down, please wait (teardown always runs)\n";
	int saved = errno;
	ssize_t n;

	if (signals_count++ == 0) {
		signals_sig = sig;
		signals_stop = 1;
		n = write(STDERR_FILENO, signals_msg, signals_msg_len);
		(void)n;
	} else {
		n = write(STDERR_FILENO, again, sizeof(again) - 1);
		(void)n;
	}
	if (signals_pipe[1] >= 0) {
		n = write(signals_pipe[1], "x", 1);
		(void)n;
	}
	errno = saved;
}

void signals_install(void)
{
	struct sigaction sa;

	if (signals_pipe[0] >= 0)
		return;
	if (pipe2(signals_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		signals_pipe[0] = signals_pipe[1] = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signals_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a parent may have started us with them blocked (multi.c: a
	   signal between its fork and our handlers waits for them) */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
}

int signals_fd(void)
{
	return signals_pipe[0];
}

int signals_first(void)
{
	return signals_sig;
}
