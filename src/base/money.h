/* Money is int64_t fen. Rates are integers: basis points (1/10000) or parts per
 * million. Every rounding names its mode. */
#ifndef SIPF_BASE_MONEY_H
#define SIPF_BASE_MONEY_H

#include <stdint.h>

#include "base/err.h"

typedef int64_t money_fen;

typedef enum money_round {
    ROUND_HALF_UP = 0,  /* 四舍五入, away from zero at .5: the default */
    ROUND_DOWN,         /* toward zero: 舍去 */
    ROUND_UP,           /* away from zero: 进位 */
    ROUND_HALF_EVEN
} money_round;

enum { MONEY_STR_BYTES = 32 };

/* Rounds num/den (den > 0) to an integer in the given mode. Asserts no overflow
 * of the 128-bit intermediate is possible for |num| < 2^62. */
int64_t money_div_round(int64_t num, int64_t den, money_round mode);

/* amount x rate / scale, rounded: money_apply_rate(449400, 800, 10000, ROUND_HALF_UP). */
money_fen money_apply_rate(money_fen amount, int64_t rate, int64_t scale, money_round mode);

/* "1234.5", "1234.56", "-3", "1,234.56" -> fen; more than two decimals is an error. */
err_kind money_parse_yuan(const char *s, const char *field, money_fen *out, err_detail *err);
/* 123456 -> "1,234.56"; with_sep = 0 -> "1234.56". */
void money_format_yuan(money_fen f, int with_sep, char out[MONEY_STR_BYTES]);

/* "half_up", "down", "up", "half_even" */
err_kind money_round_parse(const char *s, money_round *out, err_detail *err);

#endif
