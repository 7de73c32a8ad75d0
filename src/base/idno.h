/* Identity documents the seeds name. The resident ID is checked in full
 * (GB 11643: address code, a real birth date, order code, check character);
 * the others by format. */
#ifndef SIPF_BASE_IDNO_H
#define SIPF_BASE_IDNO_H

#include <stdbool.h>

#include "base/date.h"
#include "base/err.h"

typedef enum idno_kind {
    IDNO_RESIDENT = 0,     /* 居民身份证 (18 digits) */
    IDNO_PASSPORT,         /* 护照 */
    IDNO_HKMO_PERMIT,      /* 港澳居民来往内地通行证 */
    IDNO_TW_PERMIT,        /* 台湾居民来往大陆通行证 */
    IDNO_HMT_RESIDENCE,    /* 港澳台居民居住证 (18 characters, 810000/820000/830000) */
    IDNO_FOREIGN_PR,       /* 外国人永久居留身份证 */
    IDNO_KIND_COUNT
} idno_kind;

typedef struct idno_info {
    idno_kind kind;
    bool has_birth;        /* resident ID and residence permit carry birth and sex */
    date_days birth_date;
    char sex;              /* 'M', 'F', or 0 when the document does not say */
    char normalized[40];   /* upper case, no spaces */
} idno_info;

/* Names as used in the API: "resident", "passport", "hkmo_permit", "tw_permit",
 * "hmt_residence", "foreign_pr". */
const char *idno_kind_name(idno_kind k);
const char *idno_kind_name_zh(idno_kind k);
err_kind idno_kind_parse(const char *s, idno_kind *out, err_detail *err);

/* Checks `number` as a document of `kind`. On failure err->code is one of
 * "idno_length", "idno_charset", "idno_birth_date", "idno_check_char",
 * "idno_format", with a Chinese message. */
err_kind idno_check(idno_kind kind, const char *number, idno_info *out, err_detail *err);

/* GB 11643 check character for the first 17 digits ('0'..'9' or 'X'). */
char idno_resident_check_char(const char digits17[17]);

/* Unified social credit code of a unit (GB 32100-2015), with the embedded
 * organisation code (GB 11714) checked too. Codes: "uscc_length",
 * "uscc_charset", "uscc_org_check", "uscc_check_char". */
err_kind uscc_check(const char *code, err_detail *err);
char uscc_check_char(const char first17[17]);

#endif
