/* What every benchmark of bench/ does alike: clocks, arguments, the table. */
#ifndef SIPF_BENCH_COMMON_H
#define SIPF_BENCH_COMMON_H

/* The benchmark's name in its messages (set by main). */
extern const char *bench_name;

_Noreturn void bench_die(const char *what, const char *msg);
/* Wall seconds (monotonic) and processor seconds of the process: on a shared
 * machine the wall clock also counts the others' work, the processor does not. */
double bench_now_s(void);
double bench_cpu_s(void);
/* --name N (positive), --name S, and the first argument that is no option's
 * (the source directory), each with its default. */
long bench_arg_long(int argc, char **argv, const char *name, long def);
const char *bench_arg_str(int argc, char **argv, const char *name, const char *def);
const char *bench_source_dir(int argc, char **argv);
/* The median of n values (sorts them): one try alone swings with whatever
 * else the machine does; the median neither flatters nor punishes. */
double bench_median(double *v, int n);
/* One row of the printed table. */
void bench_line(const char *what, const char *value, const char *goal);
/* The table's head, then the rows every run-against-baseline benchmark
 * prints: rows written, seconds and rows per second of the run and of the
 * baseline (named base_what), their ratio against goal. */
#include <stdint.h>
void bench_run_table(int64_t rows, double run_s, const char *base_what, double base_s, const char *goal);

#endif
