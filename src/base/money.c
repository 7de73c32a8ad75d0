/* Money in fen (int64_t), rates as integers, and the one rounding function.
 * No floating point anywhere: products go through a 128-bit intermediate. */
#include "base/money.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum {
    /* Longest text money_parse_yuan looks at: INT64_MAX fen with separators
     * is 26 characters; anything longer is refused without scanning on. */
    MONEY_INPUT_BYTES_MAX = 64,
};

typedef __int128 i128;

/* Rounds num/den (den > 0) in 128 bits. The remainder test compares |r| with
 * den - |r| so that nothing can overflow. */
static i128 div_round_128(i128 num, i128 den, money_round mode) {
    assert(den > 0);
    i128 q = num / den;  /* truncates toward zero */
    i128 r = num % den;  /* same sign as num */
    if (r == 0) return q;
    const i128 ar = r < 0 ? -r : r;
    const int sign = num < 0 ? -1 : 1;
    bool away;
    switch (mode) {
    case ROUND_DOWN:
        away = false;
        break;
    case ROUND_UP:
        away = true;
        break;
    case ROUND_HALF_UP:
        away = ar >= den - ar;
        break;
    case ROUND_HALF_EVEN:
        away = ar > den - ar || (ar == den - ar && (q % 2 != 0));
        break;
    default:
        assert(!"unknown rounding mode");
        away = false;
        break;
    }
    return away ? q + sign : q;
}

int64_t money_div_round(int64_t num, int64_t den, money_round mode) {
    assert(den > 0);
    /* |num / den| <= |num|, and rounding away adds one only when the
     * remainder is non-zero, so the result always fits int64_t. */
    return (int64_t)div_round_128(num, den, mode);
}

money_fen money_apply_rate(money_fen amount, int64_t rate, int64_t scale, money_round mode) {
    assert(scale > 0);
    /* |amount x rate| < 2^126: the product cannot overflow 128 bits. */
    const i128 r = div_round_128((i128)amount * rate, scale, mode);
    assert(r >= INT64_MIN && r <= INT64_MAX);
    return (money_fen)r;
}

static err_kind bad_amount(const char *s, const char *field, err_detail *err) {
    char echo[ERR_ECHO_BYTES];
    err_echo(s, echo);
    return err_set(err, ERR_INVALID, "invalid_amount", field,
                   "金额应以元为单位，最多两位小数，如 1234.56 或 1,234.56：%s", echo);
}

/* Grammar: ["-"] int ["." d [d]], where int is digits without separators, or
 * groups of three digits separated by ",", the first group having 1..3 digits.
 * No spaces, no "+", no leading or trailing ".". */
err_kind money_parse_yuan(const char *s, const char *field, money_fen *out, err_detail *err) {
    if (!s || !*s)
        return err_set(err, ERR_INVALID, "invalid_amount", field, "金额不能为空");
    const size_t len = strnlen(s, MONEY_INPUT_BYTES_MAX + 1);
    if (len > MONEY_INPUT_BYTES_MAX) return bad_amount(s, field, err);

    size_t i = 0;
    bool neg = false;
    if (s[i] == '-') {
        neg = true;
        i++;
    }
    /* Accumulate the magnitude in fen as unsigned; the limit is INT64_MAX. */
    const uint64_t limit = (uint64_t)INT64_MAX;
    bool overflow = false;
    uint64_t yuan = 0;
    int digits = 0, group = 0, groups = 0;
    bool seps = false;
    for (; i < len; i++) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            if (yuan > (limit - (uint64_t)(c - '0')) / 10)
                overflow = true;
            else
                yuan = yuan * 10 + (uint64_t)(c - '0');
            digits++;
            group++;
        } else if (c == ',') {
            /* The group before a separator: 1..3 digits if first, else 3. */
            if (group == 0 || group > 3 || (groups > 0 && group != 3))
                return bad_amount(s, field, err);
            seps = true;
            groups++;
            group = 0;
        } else {
            break;
        }
    }
    if (digits == 0) return bad_amount(s, field, err);
    /* With separators the last group has 3 digits and the first does not
     * start with 0 ("0,123" is no number anyone writes). */
    if (seps && (group != 3 || s[neg ? 1 : 0] == '0')) return bad_amount(s, field, err);

    uint64_t fen_part = 0;
    if (i < len && s[i] == '.') {
        i++;
        int dec = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (dec == 2) return bad_amount(s, field, err);  /* 3rd decimal */
            fen_part = fen_part * 10 + (uint64_t)(s[i] - '0');
            dec++;
        }
        if (dec == 0) return bad_amount(s, field, err);
        if (dec == 1) fen_part *= 10;
    }
    if (i != len) return bad_amount(s, field, err);

    if (overflow || yuan > (limit - fen_part) / 100) {
        char echo[ERR_ECHO_BYTES];
        err_echo(s, echo);
        return err_set(err, ERR_INVALID, "invalid_amount", field, "金额超出可处理的范围：%s",
                       echo);
    }
    const int64_t mag = (int64_t)(yuan * 100 + fen_part);
    *out = neg ? -mag : mag;
    return ERR_OK;
}

void money_format_yuan(money_fen f, int with_sep, char out[MONEY_STR_BYTES]) {
    /* Built right to left: 2 decimals, '.', integer digits with separators. */
    char buf[MONEY_STR_BYTES];
    int pos = MONEY_STR_BYTES - 1;
    buf[pos] = 0;
    const bool neg = f < 0;
    uint64_t mag = neg ? (uint64_t)0 - (uint64_t)f : (uint64_t)f;
    uint64_t yuan = mag / 100;
    const unsigned fen = (unsigned)(mag % 100);
    buf[--pos] = (char)('0' + fen % 10);
    buf[--pos] = (char)('0' + fen / 10);
    buf[--pos] = '.';
    int n = 0;
    do {
        if (with_sep && n > 0 && n % 3 == 0) buf[--pos] = ',';
        buf[--pos] = (char)('0' + yuan % 10);
        yuan /= 10;
        n++;
    } while (yuan > 0);
    if (neg) buf[--pos] = '-';
    memcpy(out, buf + pos, (size_t)(MONEY_STR_BYTES - pos));
}

static const struct {
    const char *name;
    money_round mode;
} round_names[] = {
    {"half_up", ROUND_HALF_UP},
    {"down", ROUND_DOWN},
    {"up", ROUND_UP},
    {"half_even", ROUND_HALF_EVEN},
};

err_kind money_round_parse(const char *s, money_round *out, err_detail *err) {
    for (size_t i = 0; s && i < sizeof round_names / sizeof round_names[0]; i++) {
        if (strcmp(s, round_names[i].name) == 0) {
            *out = round_names[i].mode;
            return ERR_OK;
        }
    }
    char echo[ERR_ECHO_BYTES];
    err_echo(s, echo);
    return err_set(err, ERR_INVALID, "invalid_round_mode", NULL,
                   "舍入方式应为 half_up（四舍五入）、down（舍去）、up（进位）或 half_even（银行家舍入）：%s",
                   echo);
}
