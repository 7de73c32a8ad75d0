#include "cli/cli.h"
int cmd_month(cli_opts *o) { return 2; }
