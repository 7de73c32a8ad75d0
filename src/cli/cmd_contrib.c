#include <stdio.h>

#include "cli/cli.h"

/* sipf contrib base|quote|bill|confirm ... (the contributions area). */
int cmd_contrib(cli_opts *o) {
    (void)o;
    fprintf(stderr, "sipf contrib: 尚未实现\n");
    return 2;
}
