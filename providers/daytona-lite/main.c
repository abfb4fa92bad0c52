/*
 * daytona-lite: a server that speaks the Daytona API on this machine, and
 * (as "daytona-lite toolbox") the daemon inside each of its sandboxes.
 */
#include "lite.h"
#include "lite_api.h"
#include "toolbox.h"

#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "toolbox"))
		return toolbox_main(argc - 1, argv + 1);
	return lite_main(&lite_daytona_face, &lite_daytona_spec, argc, argv);
}
