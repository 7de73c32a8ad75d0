/* Identity documents and the unified social credit code of a unit.
 *
 * What each kind accepts, after normalization (ASCII spaces removed, letters
 * upper-cased):
 *   resident       18 characters: 17 digits and a GB 11643 check character
 *                  (digit or X); province code 11-15, 21-23, 31-37, 41-46,
 *                  50-54, 61-65 or 71; a real birth date (yyyymmdd, year
 *                  1900..2199); sex from the 17th digit (odd M, even F).
 *                  Numbers beginning 810000/820000/830000 are residence
 *                  permits and are refused here with a pointer to that kind.
 *   hmt_residence  港澳台居民居住证: as resident, but beginning 810000 (Hong
 *                  Kong), 820000 (Macao) or 830000 (Taiwan).
 *   passport       5..17 letters and digits (Chinese passports are E or G and
 *                  8 digits; foreign passports vary).
 *   hkmo_permit    港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits
 *                  (card since 2013) or 10 digits (older booklet: 8 digits and a
 *                  2-digit issue count).
 *   tw_permit      台湾居民来往大陆通行证: 8 digits (card since 2015), or the
 *                  older 10-character number: 8 digits and 2 letters or digits
 *                  (issue count or check letter), e.g. 1234567890, 12345678B1.
 *   foreign_pr     外国人永久居留身份证: the 2017 card, 15 characters: a 3-letter
 *                  nationality code and 12 digits (checked by format only); or
 *                  the 2023 card, 18 characters beginning with 9, laid out like
 *                  the resident ID (birth date in characters 7..14, sex from the
 *                  17th) with the GB 11643 check character. */
#include "base/idno.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

enum {
    /* Longest raw input looked at: normalized numbers fit in 39 bytes, and a
     * few spaces are tolerated on top of that. */
    IDNO_INPUT_BYTES_MAX = 128,
    USCC_LEN = 18,
    USCC_RADIX = 31,
};

static const struct {
    const char *name;
    const char *name_zh;
} kind_names[IDNO_KIND_COUNT] = {
    [IDNO_RESIDENT] = {"resident", "居民身份证"},
    [IDNO_PASSPORT] = {"passport", "护照"},
    [IDNO_HKMO_PERMIT] = {"hkmo_permit", "港澳居民来往内地通行证"},
    [IDNO_TW_PERMIT] = {"tw_permit", "台湾居民来往大陆通行证"},
    [IDNO_HMT_RESIDENCE] = {"hmt_residence", "港澳台居民居住证"},
    [IDNO_FOREIGN_PR] = {"foreign_pr", "外国人永久居留身份证"},
};

const char *idno_kind_name(idno_kind k) {
    assert(k >= 0 && k < IDNO_KIND_COUNT);
    return kind_names[k].name;
}

const char *idno_kind_name_zh(idno_kind k) {
    assert(k >= 0 && k < IDNO_KIND_COUNT);
    return kind_names[k].name_zh;
}

err_kind idno_kind_parse(const char *s, idno_kind *out, err_detail *err) {
    for (int k = 0; s && k < IDNO_KIND_COUNT; k++) {
        if (strcmp(s, kind_names[k].name) == 0) {
            *out = (idno_kind)k;
            return ERR_OK;
        }
    }
    char echo[ERR_ECHO_BYTES];
    err_echo(s, echo);
    return err_set(err, ERR_INVALID, "invalid_idno_kind", NULL,
                   "证件类型应为 resident、passport、hkmo_permit、tw_permit、hmt_residence 或 "
                   "foreign_pr：%s",
                   echo);
}

/* ---- GB 11643 --------------------------------------------------------- */

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

static bool all_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

char idno_resident_check_char(const char digits17[17]) {
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char map[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        assert(is_digit(digits17[i]));
        sum += (digits17[i] - '0') * weights[i];
    }
    return map[sum % 11];
}

static bool resident_province_ok(int p) {
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71;
}

static bool hmt_prefix(const char *s) {
    return strncmp(s, "810000", 6) == 0 || strncmp(s, "820000", 6) == 0 ||
           strncmp(s, "830000", 6) == 0;
}

/* The 18-character layout shared by the resident ID, the residence permit and
 * the 2023 permanent residence card: 17 digits and a check character, a birth
 * date in characters 7..14 and sex in the 17th. The caller has checked the
 * length and the leading characters. */
static err_kind check_gb11643(idno_kind kind, const char *s, idno_info *info, err_detail *err) {
    const char *zh = kind_names[kind].name_zh;
    if (!all_digits(s, 17) || !(is_digit(s[17]) || s[17] == 'X'))
        return err_set(err, ERR_INVALID, "idno_charset", NULL,
                       "%s号码前 17 位应为数字，第 18 位应为数字或 X：%s", zh, s);
    int y = 0, m = 0, d = 0;
    for (int i = 6; i < 10; i++) y = y * 10 + (s[i] - '0');
    for (int i = 10; i < 12; i++) m = m * 10 + (s[i] - '0');
    for (int i = 12; i < 14; i++) d = d * 10 + (s[i] - '0');
    if (!date_valid_ymd(y, m, d))
        return err_set(err, ERR_INVALID, "idno_birth_date", NULL,
                       "%s号码中的出生日期不是真实日期：%.8s", zh, s + 6);
    const char want = idno_resident_check_char(s);
    if (want != s[17])
        return err_set(err, ERR_INVALID, "idno_check_char", NULL,
                       "%s号码校验位错误：应为 %c，实为 %c", zh, want, s[17]);
    info->has_birth = true;
    info->birth_date = date_from_ymd(y, m, d);
    info->sex = ((s[16] - '0') % 2 == 1) ? 'M' : 'F';
    return ERR_OK;
}

static err_kind bad_length(idno_kind kind, const char *want, size_t got, err_detail *err) {
    return err_set(err, ERR_INVALID, "idno_length", NULL, "%s号码应为 %s，实为 %zu 位",
                   kind_names[kind].name_zh, want, got);
}

/* ---- the documents ---------------------------------------------------- */

static err_kind check_resident(const char *s, size_t n, idno_info *info, err_detail *err) {
    if (n != 18) return bad_length(IDNO_RESIDENT, "18 位", n, err);
    if (hmt_prefix(s))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "以 %.6s 开头的是港澳台居民居住证号码，请选择证件类型“港澳台居民居住证”", s);
    if (is_digit(s[0]) && is_digit(s[1]) && !resident_province_ok((s[0] - '0') * 10 + (s[1] - '0')))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "居民身份证号码的地址码无效：前两位 %.2s 不是省级行政区划代码", s);
    return check_gb11643(IDNO_RESIDENT, s, info, err);
}

static err_kind check_hmt_residence(const char *s, size_t n, idno_info *info, err_detail *err) {
    if (n != 18) return bad_length(IDNO_HMT_RESIDENCE, "18 位", n, err);
    if (!hmt_prefix(s))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "港澳台居民居住证号码应以 810000（香港）、820000（澳门）或 830000（台湾）开头：%.6s",
                       s);
    return check_gb11643(IDNO_HMT_RESIDENCE, s, info, err);
}

static err_kind check_passport(const char *s, size_t n, err_detail *err) {
    (void)s;  /* letters and digits only, checked while normalizing */
    if (n < 5 || n > 17) return bad_length(IDNO_PASSPORT, "5 至 17 位", n, err);
    return ERR_OK;
}

static err_kind check_hkmo_permit(const char *s, size_t n, err_detail *err) {
    if (n != 9 && n != 11) return bad_length(IDNO_HKMO_PERMIT, "9 位或 11 位", n, err);
    if ((s[0] != 'H' && s[0] != 'M') || !all_digits(s + 1, n - 1))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "港澳居民来往内地通行证号码应为 H 或 M 加 8 位或 10 位数字：%s", s);
    return ERR_OK;
}

static err_kind check_tw_permit(const char *s, size_t n, err_detail *err) {
    if (n != 8 && n != 10) return bad_length(IDNO_TW_PERMIT, "8 位或 10 位", n, err);
    if (!all_digits(s, 8))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "台湾居民来往大陆通行证号码应为 8 位数字（旧版为 8 位数字加 2 位字母或数字）：%s",
                       s);
    return ERR_OK;
}

static err_kind check_foreign_pr(const char *s, size_t n, idno_info *info, err_detail *err) {
    if (n != 15 && n != 18) return bad_length(IDNO_FOREIGN_PR, "15 位或 18 位", n, err);
    if (n == 18) {
        if (s[0] != '9')
            return err_set(err, ERR_INVALID, "idno_format", NULL,
                           "18 位的外国人永久居留身份证号码应以 9 开头：%s", s);
        return check_gb11643(IDNO_FOREIGN_PR, s, info, err);
    }
    if (!is_upper(s[0]) || !is_upper(s[1]) || !is_upper(s[2]) || !all_digits(s + 3, 12))
        return err_set(err, ERR_INVALID, "idno_format", NULL,
                       "15 位的外国人永久居留身份证号码应为 3 位国籍字母代码加 12 位数字：%s", s);
    return ERR_OK;
}

err_kind idno_check(idno_kind kind, const char *number, idno_info *out, err_detail *err) {
    assert(kind >= 0 && kind < IDNO_KIND_COUNT);
    const char *zh = kind_names[kind].name_zh;
    if (!number || !*number)
        return err_set(err, ERR_INVALID, "idno_length", NULL, "%s号码不能为空", zh);

    /* Normalize: drop ASCII spaces, upper-case letters; refuse anything that is
     * not an ASCII letter or digit before looking at the kind's format. */
    idno_info info;
    memset(&info, 0, sizeof info);
    info.kind = kind;
    size_t n = 0;
    const size_t raw = strnlen(number, IDNO_INPUT_BYTES_MAX + 1);
    if (raw > IDNO_INPUT_BYTES_MAX)
        return err_set(err, ERR_INVALID, "idno_length", NULL, "%s号码过长", zh);
    for (size_t i = 0; i < raw; i++) {
        char c = number[i];
        if (c == ' ') continue;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (!is_digit(c) && !is_upper(c))
            return err_set(err, ERR_INVALID, "idno_charset", NULL,
                           "%s号码只能包含字母和数字（不能含全角字符、横线等符号）", zh);
        if (n + 1 >= sizeof info.normalized)
            return err_set(err, ERR_INVALID, "idno_length", NULL, "%s号码过长", zh);
        info.normalized[n++] = c;
    }
    info.normalized[n] = 0;
    if (n == 0) return err_set(err, ERR_INVALID, "idno_length", NULL, "%s号码不能为空", zh);

    const char *s = info.normalized;
    err_kind k = ERR_OK;
    switch (kind) {
    case IDNO_RESIDENT: k = check_resident(s, n, &info, err); break;
    case IDNO_HMT_RESIDENCE: k = check_hmt_residence(s, n, &info, err); break;
    case IDNO_PASSPORT: k = check_passport(s, n, err); break;
    case IDNO_HKMO_PERMIT: k = check_hkmo_permit(s, n, err); break;
    case IDNO_TW_PERMIT: k = check_tw_permit(s, n, err); break;
    case IDNO_FOREIGN_PR: k = check_foreign_pr(s, n, &info, err); break;
    default: assert(!"unknown idno kind"); break;
    }
    if (k) return k;
    if (out) *out = info;
    return ERR_OK;
}

/* ---- GB 32100 / GB 11714 ---------------------------------------------- */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c) {
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

char uscc_check_char(const char first17[17]) {
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) {
        const int v = uscc_value(first17[i]);
        assert(v >= 0);
        sum += v * w;
        w = w * 3 % USCC_RADIX;
    }
    const int c = (USCC_RADIX - sum % USCC_RADIX) % USCC_RADIX;
    return uscc_alphabet[c];
}

/* GB 11714 check character of the 9-character organisation code's first 8. */
static char org_code_check_char(const char first8[8]) {
    static const int weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        const char c = first8[i];
        const int v = is_digit(c) ? c - '0' : c - 'A' + 10;
        sum += v * weights[i];
    }
    const int r = 11 - sum % 11;
    return r == 10 ? 'X' : r == 11 ? '0' : (char)('0' + r);
}

err_kind uscc_check(const char *code, err_detail *err) {
    const size_t n = code ? strnlen(code, USCC_LEN + 1) : 0;
    if (n != USCC_LEN) {
        if (n > USCC_LEN)
            return err_set(err, ERR_INVALID, "uscc_length", NULL,
                           "统一社会信用代码应为 18 位，实际超过 18 位");
        return err_set(err, ERR_INVALID, "uscc_length", NULL,
                       "统一社会信用代码应为 18 位，实为 %zu 位", n);
    }
    for (size_t i = 0; i < USCC_LEN; i++)
        if (uscc_value(code[i]) < 0)
            return err_set(err, ERR_INVALID, "uscc_charset", NULL,
                           "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）：第 %zu "
                           "位无效",
                           i + 1);
    const char want = uscc_check_char(code);
    if (want != code[17])
        return err_set(err, ERR_INVALID, "uscc_check_char", NULL,
                       "统一社会信用代码校验位错误：应为 %c，实为 %c", want, code[17]);
    const char org_want = org_code_check_char(code + 8);
    if (org_want != code[16])
        return err_set(err, ERR_INVALID, "uscc_org_check", NULL,
                       "统一社会信用代码中的组织机构代码（第 9 至 17 位）校验错误：第 17 位应为 "
                       "%c，实为 %c",
                       org_want, code[16]);
    return ERR_OK;
}
