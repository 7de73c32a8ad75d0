/* not written yet */
#include "cli/cli.h"
int cmd_person(cli_opts *o) { return 2; }
