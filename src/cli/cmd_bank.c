#include "cli/cli.h"
int cmd_bank(cli_opts *o) { return 2; }
