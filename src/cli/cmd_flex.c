/* not written yet */
#include "cli/cli.h"
int cmd_flex(cli_opts *o) { return 2; }
int cmd_retirement(cli_opts *o) { return 2; }
