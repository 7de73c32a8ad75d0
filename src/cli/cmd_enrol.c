/* not written yet */
#include "cli/cli.h"
int cmd_enrol(cli_opts *o) { return 2; }
int cmd_import(cli_opts *o) { return 2; }
