/* placeholder: being written */
#include "commands.h"
#include <stdio.h>
int loa_cmd_init(LoaContext *ctx, int argc, char **argv) { fprintf(stderr, "not yet\n"); return 1; }
