/*
 * fuzz_config: a configuration file as `runeval --config FILE` reads it
 * (orchestrator/cli_config.c through cli_parse: libyaml's events, the
 * option table, the env and policy-config mappings, seed lists), then
 * printed back as `runeval config` does.  The file is a memfd read
 * through /proc/self/fd, as a pipe or a user's file would be.
 *
 * Contract: it parses, or fails with a usage or configuration error
 * that says something (what it quotes is escaped where it is printed:
 * rv_log); what it parsed prints; nothing leaks.
 */
#include "fuzz.h"

#include "cli.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct cli_options opt;
	struct rv_err err = RV_ERR_INIT;
	char path[64], *argv[4];
	enum rv_code rc;
	FILE *out;

	if (fd < 0) {
		fd = memfd_create("fuzz-config", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	argv[0] = (char *)"runeval";
	argv[1] = (char *)"--config";
	argv[2] = path;
	argv[3] = NULL;
	memset(&opt, 0, sizeof(opt));
	rc = cli_parse(3, argv, &opt, &err);
	if (rc == RV_OK) {
		out = fopen("/dev/null", "w");
		FUZZ_CHECK(out);
		cli_config_print(&opt, out);
		fclose(out);
	} else {
		FUZZ_CHECK(rc == RV_ERR_USAGE || rc == RV_ERR_CONFIG);
		FUZZ_CHECK(err.msg[0]);
	}
	cli_options_release(&opt);
	return 0;
}
