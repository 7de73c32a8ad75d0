#include "cli/cli.h"
int cmd_statements(cli_opts *o) { return 2; }
