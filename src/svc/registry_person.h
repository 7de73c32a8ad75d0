/* The registry's persons (参保人员): registration with the document, the
 * nationality and the hukou checked against each other, non-key changes,
 * key changes through an application, the search for staff, the reads of a
 * person's record, relationships and history, and the certificate data
 * (参保证明, 未参保证明).
 *
 * Who sees a person: the person themself; a unit operator when the person
 * has (or had) an employment or an insured span at its unit, and then only
 * the spans at that unit; staff any person. Anyone else gets ERR_NOT_FOUND
 * "person_not_found", so existence does not leak. Every read of a person's
 * data appends an audit row (action "person.read", target "person:ID", the
 * detail naming what was read).
 *
 * Fields. Key fields (name, id_number, id_kind; the birth date and sex follow
 * the new document when it carries them) change only through an application
 * of item reg.person.correct-by-unit (policy registry.key_change_reasons
 * names the reasons and the proof each needs), applied on approval. Non-key
 * fields change at once: mobile, email, address by the person or the
 * counter; hukou_kind by the counter only (it decides eligibility, so it is
 * changed with the hukou book in front of a clerk). Every change writes one
 * person_changes row per field (old and new value). */
#ifndef SIPF_SVC_REGISTRY_PERSON_H
#define SIPF_SVC_REGISTRY_PERSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "svc/ctx.h"
#include "svc/registry.h"

enum {
    REG_MOBILE_DIGITS = 11,           /* mainland mobile numbers: 11 digits, first 1 */
    REG_EMAIL_BYTES_MAX = 254,        /* RFC 5321 path limit */
    REG_ADDRESS_BYTES_MAX = 400,      /* about 130 Chinese characters */
    REG_PROOF_BYTES_MAX = 1024,       /* the proof's description or file reference */
    REG_ID_MASKED_BYTES = 48,
    REG_KEY_CHANGE_ITEM_BYTES = 32,
};

/* The catalog item of key changes and the one that replaces the card after. */
#define REG_KEY_CHANGE_ITEM "reg.person.correct-by-unit"
#define REG_CARD_REISSUE_ITEM "card.replace.info-change"

/* Registration (reg.person.collect). Fills what the document implies
 * (nationality: CHN for a resident ID, TWN for a Taiwan permit, HKG or MAC
 * from an HK/Macao permit or a residence permit; hukou: hmt for HK, Macao and
 * Taiwan, foreign for other nationalities, other_province for Chinese),
 * checks the contacts (ERR_INVALID on the first bad one), then refuses with
 * every mismatch listed (ERR_RULE): "nationality_mismatch" (the document
 * does not fit the nationality), "hukou_mismatch" (the hukou kind does not
 * fit the nationality: a foreigner is never sip, an HK resident is hmt),
 * "birth_date_mismatch" / "sex_mismatch" (the given value differs from the
 * document's), "birth_in_future". Then reg_person_create (person_exists). */
err_kind reg_person_register(svc_ctx *ctx, const reg_person_new *in, int64_t *id_out,
                             err_detail *err);

/* ERR_OK when the actor may see the person, else ERR_NOT_FOUND. *unit_scope
 * receives the unit whose spans alone the actor sees (0: all). */
err_kind reg_person_visible(svc_ctx *ctx, int64_t person_id, int64_t *unit_scope,
                            err_detail *err);

/* The person's record as JSON (visibility checked, audited "record"). */
err_kind reg_person_read(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

typedef struct reg_person_query {
    const char *id_number;    /* current or former; exact */
    const char *name;         /* prefix of the current or a former name */
    const char *si_number;
    const char *park_number;
    int limit;                /* 1..LIMIT_QUERY_ROWS_MAX */
} reg_person_query;

/* Staff only (ERR_FORBIDDEN otherwise); at least one criterion (ERR_INVALID
 * "missing_field"). {"count":N,"truncated":bool,"items":[...]}, each person
 * read audited ("search"). */
err_kind reg_person_search(svc_ctx *ctx, const reg_person_query *q, json_t **out,
                           err_detail *err);

typedef struct reg_person_update {
    const char *mobile;       /* NULL: unchanged */
    const char *email;
    const char *address;
    const char *hukou_kind;   /* the counter only */
} reg_person_update;

/* Non-key changes at once (reg.person.update): the person for themself or
 * the counter (clerk, admin, the CLI). A unit operator or any other staff
 * role: ERR_FORBIDDEN. Refusals: ERR_INVALID for a bad mobile or email,
 * "missing_field" when nothing is given; rules "hukou_by_counter" (a person
 * changing their hukou kind) and "hukou_mismatch". *changed_out (may be
 * NULL) receives the number of fields that really changed. */
err_kind reg_person_update_contacts(svc_ctx *ctx, int64_t person_id, const reg_person_update *in,
                                    int *changed_out, err_detail *err);

/* Submits a key change (reg.person.correct-by-unit) through the application
 * record: a unit operator for a person it employs now, or the counter
 * naming the unit (unit_id 0: the person's current employer). body is
 * {"reason","changes":{"name","id_number","id_kind"},"proof"}; the stored
 * payload adds "person_id". The rules are those of
 * reg_person_key_change_check, plus "not_employed" when the counter names no
 * unit and the person has no current employer. */
err_kind reg_person_key_change_submit(svc_ctx *ctx, int64_t person_id, int64_t unit_id,
                                      const json_t *body, int64_t *app_id_out, err_detail *err);

/* The person's insured relationships with their events
 * ({"person_id","spans":[...]}; a unit operator sees only its unit's spans). */
err_kind reg_person_relationships(svc_ctx *ctx, int64_t person_id, json_t **out,
                                  err_detail *err);

/* Identity history and field changes: person, unit operators not included
 * (ERR_NOT_FOUND for them). {"person_id","identities":[...],"changes":[...]}. */
err_kind reg_person_history(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

/* 参保证明 data: the person or staff. name, masked ID, numbers, and for every
 * insurance its current status (normal, suspended, terminated, sealed or
 * not_insured), the unit, the first month insured and the months insured up
 * to the business month (suspended months not counted). */
err_kind reg_person_certificate(svc_ctx *ctx, int64_t person_id, json_t **out, err_detail *err);

/* 未参保证明 data. person_id > 0: that person (the person for themself or
 * staff); else staff look up id_number (current or former; id_kind checks
 * its format) and, when no person has it, name (required then) is echoed.
 * Refusals: rule "is_insured" naming the insurances the person has a span
 * of; rule "name_mismatch" when the name given is none the person has had. */
err_kind reg_person_non_insured_proof(svc_ctx *ctx, int64_t person_id, idno_kind id_kind,
                                      const char *id_number, const char *name, json_t **out,
                                      err_detail *err);

/* The ID number with its middle hidden: the first and last 4 characters of
 * a number of 12 or more, else the first and last 2 ("3205**********123X"). */
void reg_person_mask_id(const char *id_number, char out[REG_ID_MASKED_BYTES]);

#endif
