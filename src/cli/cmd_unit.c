/* not written yet */
#include "cli/cli.h"
int cmd_unit(cli_opts *o) { return 2; }
