#include "testutil.h"

#include <string.h>

#include "base/idno.h"

static idno_info ok(idno_kind kind, const char *number) {
    idno_info info;
    memset(&info, 0x5a, sizeof info);
    err_detail e;
    err_clear(&e);
    err_kind k = idno_check(kind, number, &info, &e);
    if (k != ERR_OK) fail_msg("%s %s: %s %s", idno_kind_name(kind), number, e.code, e.message);
    assert_int_equal(info.kind, kind);
    return info;
}

/* Checks the error code, that the output stayed untouched and that the
 * message contains `msg` (when given). */
static void bad(idno_kind kind, const char *number, const char *code, const char *msg) {
    idno_info info;
    memset(&info, 0x5a, sizeof info);
    err_detail e;
    err_clear(&e);
    err_kind k = idno_check(kind, number, &info, &e);
    if (k != ERR_INVALID)
        fail_msg("%s %s: expected %s, got kind %d", idno_kind_name(kind), number, code, k);
    if (strcmp(e.code, code) != 0)
        fail_msg("%s %s: expected %s, got %s (%s)", idno_kind_name(kind), number, code, e.code,
                 e.message);
    if (msg && !strstr(e.message, msg))
        fail_msg("%s %s: no \"%s\" in \"%s\"", idno_kind_name(kind), number, msg, e.message);
    unsigned char *p = (unsigned char *)&info;
    for (size_t i = 0; i < sizeof info; i++) assert_int_equal(p[i], 0x5a);
}

static void test_check_char(void **state) {
    (void)state;
    assert_int_equal(idno_resident_check_char("11010519491231002"), 'X');
    assert_int_equal(idno_resident_check_char("32058319900101001"), '0');
    assert_int_equal(idno_resident_check_char("32058319900101002"), '9');
    assert_int_equal(idno_resident_check_char("44030419851203113"), '5');
    assert_int_equal(idno_resident_check_char("00000000000000000"), '1'); /* S = 0 */
}

static void test_resident_valid(void **state) {
    (void)state;
    idno_info i = ok(IDNO_RESIDENT, "11010519491231002X");
    assert_true(i.has_birth);
    assert_int_equal(i.birth_date, date_from_ymd(1949, 12, 31));
    assert_int_equal(i.sex, 'F'); /* 17th digit 2 */
    assert_string_equal(i.normalized, "11010519491231002X");

    i = ok(IDNO_RESIDENT, "11010519491231002x"); /* lower-case x normalized */
    assert_string_equal(i.normalized, "11010519491231002X");

    i = ok(IDNO_RESIDENT, "320583199001010010");
    assert_int_equal(i.sex, 'M');
    assert_int_equal(i.birth_date, date_from_ymd(1990, 1, 1));

    i = ok(IDNO_RESIDENT, "320583 19900101 0029"); /* spaces removed */
    assert_int_equal(i.sex, 'F');
    assert_string_equal(i.normalized, "320583199001010029");

    i = ok(IDNO_RESIDENT, "440304198512031135");
    assert_int_equal(i.sex, 'M');
    assert_int_equal(i.birth_date, date_from_ymd(1985, 12, 3));

    /* A NULL info is allowed. */
    assert_int_equal(idno_check(IDNO_RESIDENT, "11010519491231002X", NULL, NULL), ERR_OK);
}

static void test_resident_errors(void **state) {
    (void)state;
    bad(IDNO_RESIDENT, "11010519491231002", "idno_length", "18 位");
    bad(IDNO_RESIDENT, "11010519491231002X1", "idno_length", "19");
    bad(IDNO_RESIDENT, "", "idno_length", NULL);
    bad(IDNO_RESIDENT, NULL, "idno_length", NULL);
    bad(IDNO_RESIDENT, "   ", "idno_length", NULL);
    bad(IDNO_RESIDENT, "1101051949123100-X", "idno_charset", NULL);
    bad(IDNO_RESIDENT, "１１010519491231002X", "idno_charset", NULL); /* full-width */
    bad(IDNO_RESIDENT, "1101051949123100AX", "idno_charset", "前 17 位");
    bad(IDNO_RESIDENT, "11010519491231002Y", "idno_charset", NULL);
    /* Check character wrong: message names expected and actual. */
    bad(IDNO_RESIDENT, "110105194912310023", "idno_check_char", "校验位错误：应为 X，实为 3");
    bad(IDNO_RESIDENT, "32058319900101001X", "idno_check_char", "应为 0，实为 X");
    /* Birth dates that are not real: 1949-13-31 and 2023-02-29 and 1899. */
    bad(IDNO_RESIDENT, "110105194913310026", "idno_birth_date", "19491331");
    bad(IDNO_RESIDENT, "110105202302290011", "idno_birth_date", "20230229");
    bad(IDNO_RESIDENT, "110105189912310011", "idno_birth_date", NULL);
    /* Address code: 99 and 00 are no province; 81.. belongs to the permit. */
    bad(IDNO_RESIDENT, "990105194912310021", "idno_format", "地址码");
    bad(IDNO_RESIDENT, "000105194912310021", "idno_format", "地址码");
    bad(IDNO_RESIDENT, "810000198002290011", "idno_format", "港澳台居民居住证");
}

static void test_resident_check_char_catches_single_errors(void **state) {
    (void)state;
    /* Changing any one of the 17 digits of a valid number to another digit
     * changes the check character (GB 11643 detects every single error), so
     * the result is either a check-character or a date/address refusal. */
    const char *valid = "440304198512031135";
    for (int pos = 0; pos < 17; pos++)
        for (char c = '0'; c <= '9'; c++) {
            if (c == valid[pos]) continue;
            char s[19];
            memcpy(s, valid, 19);
            s[pos] = c;
            assert_int_not_equal(idno_check(IDNO_RESIDENT, s, NULL, NULL), ERR_OK);
        }
}

static void test_hmt_residence(void **state) {
    (void)state;
    idno_info i = ok(IDNO_HMT_RESIDENCE, "810000198002290011");
    assert_true(i.has_birth);
    assert_int_equal(i.birth_date, date_from_ymd(1980, 2, 29));
    assert_int_equal(i.sex, 'M');
    i = ok(IDNO_HMT_RESIDENCE, "83000020000101123x");
    assert_int_equal(i.sex, 'M'); /* 17th digit 3 */
    assert_string_equal(i.normalized, "83000020000101123X");
    bad(IDNO_HMT_RESIDENCE, "11010519491231002X", "idno_format", "810000");
    bad(IDNO_HMT_RESIDENCE, "840000198002290011", "idno_format", NULL);
    bad(IDNO_HMT_RESIDENCE, "810000198002290012", "idno_check_char", "应为 1，实为 2");
    bad(IDNO_HMT_RESIDENCE, "81000019800229001", "idno_length", NULL);
}

static void test_passport(void **state) {
    (void)state;
    idno_info i = ok(IDNO_PASSPORT, "E12345678");
    assert_false(i.has_birth);
    assert_int_equal(i.sex, 0);
    i = ok(IDNO_PASSPORT, "g 1234 5678");
    assert_string_equal(i.normalized, "G12345678");
    ok(IDNO_PASSPORT, "AB123");                   /* 5 */
    ok(IDNO_PASSPORT, "ABCDEFGHIJ1234567");       /* 17 */
    bad(IDNO_PASSPORT, "AB12", "idno_length", "5 至 17 位");
    bad(IDNO_PASSPORT, "ABCDEFGHIJ12345678", "idno_length", NULL);
    bad(IDNO_PASSPORT, "E1234-5678", "idno_charset", NULL);
    bad(IDNO_PASSPORT, "E1234567\xe4\xb8\x80", "idno_charset", NULL);
}

static void test_hkmo_permit(void **state) {
    (void)state;
    idno_info i = ok(IDNO_HKMO_PERMIT, "H12345678");
    assert_false(i.has_birth);
    ok(IDNO_HKMO_PERMIT, "M87654321");
    ok(IDNO_HKMO_PERMIT, "H1234567801");
    i = ok(IDNO_HKMO_PERMIT, "m12345678");
    assert_string_equal(i.normalized, "M12345678");
    bad(IDNO_HKMO_PERMIT, "H1234567", "idno_length", NULL);
    bad(IDNO_HKMO_PERMIT, "H123456789", "idno_length", NULL);
    bad(IDNO_HKMO_PERMIT, "A12345678", "idno_format", "H 或 M");
    bad(IDNO_HKMO_PERMIT, "H1234567A", "idno_format", NULL);
    bad(IDNO_HKMO_PERMIT, "H1234567_", "idno_charset", NULL);
}

static void test_tw_permit(void **state) {
    (void)state;
    idno_info i = ok(IDNO_TW_PERMIT, "12345678");
    assert_false(i.has_birth);
    ok(IDNO_TW_PERMIT, "1234567890");
    i = ok(IDNO_TW_PERMIT, "12345678b1");
    assert_string_equal(i.normalized, "12345678B1");
    bad(IDNO_TW_PERMIT, "1234567", "idno_length", NULL);
    bad(IDNO_TW_PERMIT, "123456789", "idno_length", NULL);
    bad(IDNO_TW_PERMIT, "A2345678", "idno_format", NULL);
    bad(IDNO_TW_PERMIT, "1234567A90", "idno_format", NULL);
    bad(IDNO_TW_PERMIT, "12345678(B)", "idno_charset", NULL);
}

static void test_foreign_pr(void **state) {
    (void)state;
    /* 2017 card: 3 letters and 12 digits. */
    idno_info i = ok(IDNO_FOREIGN_PR, "USA310080101001");
    assert_false(i.has_birth);
    i = ok(IDNO_FOREIGN_PR, "can 310080101001");
    assert_string_equal(i.normalized, "CAN310080101001");
    bad(IDNO_FOREIGN_PR, "US1310080101001", "idno_format", "3 位国籍");
    bad(IDNO_FOREIGN_PR, "USA31008010100A", "idno_format", NULL);
    /* 2023 card: 18 characters starting with 9, GB 11643 check character. */
    i = ok(IDNO_FOREIGN_PR, "915613200001010033");
    assert_true(i.has_birth);
    assert_int_equal(i.birth_date, date_from_ymd(2000, 1, 1));
    assert_int_equal(i.sex, 'M');
    bad(IDNO_FOREIGN_PR, "915613200001010034", "idno_check_char", "应为 3，实为 4");
    bad(IDNO_FOREIGN_PR, "11010519491231002X", "idno_format", "以 9 开头");
    bad(IDNO_FOREIGN_PR, "915613200002300033", "idno_birth_date", NULL);
    bad(IDNO_FOREIGN_PR, "USA31008010100", "idno_length", "15 位或 18 位");
}

static void test_kind_names(void **state) {
    (void)state;
    const char *names[] = {"resident", "passport", "hkmo_permit", "tw_permit", "hmt_residence",
                           "foreign_pr"};
    assert_int_equal(sizeof names / sizeof names[0], IDNO_KIND_COUNT);
    for (int k = 0; k < IDNO_KIND_COUNT; k++) {
        assert_string_equal(idno_kind_name((idno_kind)k), names[k]);
        idno_kind back = IDNO_KIND_COUNT;
        err_detail e;
        err_clear(&e);
        assert_int_equal(idno_kind_parse(names[k], &back, &e), ERR_OK);
        assert_int_equal(back, k);
        assert_true(strlen(idno_kind_name_zh((idno_kind)k)) > 0);
    }
    assert_string_equal(idno_kind_name_zh(IDNO_RESIDENT), "居民身份证");
    assert_string_equal(idno_kind_name_zh(IDNO_HMT_RESIDENCE), "港澳台居民居住证");
    idno_kind back = IDNO_PASSPORT;
    err_detail e;
    err_clear(&e);
    assert_int_equal(idno_kind_parse("Resident", &back, &e), ERR_INVALID);
    assert_string_equal(e.code, "invalid_idno_kind");
    assert_int_equal(back, IDNO_PASSPORT);
    assert_int_equal(idno_kind_parse(NULL, &back, &e), ERR_INVALID);
}

/* ---- unified social credit code ---- */

static void uscc_bad(const char *code, const char *want_code, const char *msg) {
    err_detail e;
    err_clear(&e);
    assert_int_equal(uscc_check(code, &e), ERR_INVALID);
    if (strcmp(e.code, want_code) != 0)
        fail_msg("%s: expected %s, got %s (%s)", code, want_code, e.code, e.message);
    if (msg && !strstr(e.message, msg)) fail_msg("%s: no \"%s\" in \"%s\"", code, msg, e.message);
}

static void test_uscc_valid(void **state) {
    (void)state;
    err_detail e;
    err_clear(&e);
    assert_int_equal(uscc_check("91110000600037341L", &e), ERR_OK);
    assert_int_equal(uscc_check_char("91110000600037341"), 'L');
    /* Computed independently (a separate script of the GB 32100 / GB 11714
     * rules), covering an org code with letters and check characters 8, E, 0. */
    const char *valid[] = {"913205941347856088", "91320594MA1P2G3K97", "12320000134785608E",
                           "12320000MA1P2G3K9D", "52320594MA1P2G3K98", "913205944660009506",
                           "91330100716105852F"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (uscc_check(valid[i], &e) != ERR_OK) fail_msg("%s: %s", valid[i], e.message);
        assert_int_equal(uscc_check_char(valid[i]), valid[i][17]);
    }
}

static void test_uscc_errors(void **state) {
    (void)state;
    uscc_bad("91110000600037341", "uscc_length", "18 位");
    uscc_bad("91110000600037341LL", "uscc_length", NULL);
    uscc_bad("", "uscc_length", NULL);
    uscc_bad(NULL, "uscc_length", NULL);
    uscc_bad("91110000600037341l", "uscc_charset", "第 18 位");   /* lower case */
    uscc_bad("9111000060003734IL", "uscc_charset", "第 17 位");   /* I not in alphabet */
    uscc_bad("911100006000373O1L", "uscc_charset", NULL);          /* O */
    uscc_bad("91110000600037341S", "uscc_charset", NULL);          /* S */
    uscc_bad("91110000600037341-", "uscc_charset", NULL);
    uscc_bad("91110000600037341A", "uscc_check_char", "应为 L，实为 A");
    uscc_bad("91110000600037342L", "uscc_check_char", NULL);
    /* Organisation code 600037342 (should end in 1), with the overall check
     * character recomputed so that only the GB 11714 check fails. */
    char code[19] = "91110000600037342?";
    code[17] = uscc_check_char(code);
    uscc_bad(code, "uscc_org_check", "应为 1，实为 2");
    /* An organisation code ending in a letter other than X cannot pass. */
    char code2[19] = "9111000060003734A?";
    code2[17] = uscc_check_char(code2);
    uscc_bad(code2, "uscc_org_check", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_char),
        cmocka_unit_test(test_resident_valid),
        cmocka_unit_test(test_resident_errors),
        cmocka_unit_test(test_resident_check_char_catches_single_errors),
        cmocka_unit_test(test_hmt_residence),
        cmocka_unit_test(test_passport),
        cmocka_unit_test(test_hkmo_permit),
        cmocka_unit_test(test_tw_permit),
        cmocka_unit_test(test_foreign_pr),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_uscc_valid),
        cmocka_unit_test(test_uscc_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
