#include "rv_clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

uint64_t rv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * RV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t rv_thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * RV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t rv_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * RV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

double rv_ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

char *rv_wall_iso8601(uint64_t wall_ns, char *buf, size_t size)
{
	time_t secs = (time_t)(wall_ns / RV_NS_PER_SEC);
	unsigned ms = (unsigned)((wall_ns % RV_NS_PER_SEC) / RV_NS_PER_MS);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

void rv_sleep_ns(uint64_t ns, const volatile int *stop)
{
	struct timespec req = {
		.tv_sec = (time_t)(ns / RV_NS_PER_SEC),
		.tv_nsec = (long)(ns % RV_NS_PER_SEC),
	};

	while (nanosleep(&req, &req) < 0 && errno == EINTR)
		if (stop && *stop)
			return;
}
