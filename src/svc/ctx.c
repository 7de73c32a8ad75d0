#include "svc/ctx.h"

#include <assert.h>
#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_NONE] = "none",   [ROLE_PERSON] = "person",     [ROLE_UNIT] = "unit",
    [ROLE_CLERK] = "clerk", [ROLE_REVIEWER] = "reviewer", [ROLE_FINANCE] = "finance",
    [ROLE_ADMIN] = "admin", [ROLE_SYSTEM] = "system",
};

static const char *const role_names_zh[ROLE_COUNT] = {
    [ROLE_NONE] = "访客",     [ROLE_PERSON] = "参保人", [ROLE_UNIT] = "单位经办人",
    [ROLE_CLERK] = "柜员",    [ROLE_REVIEWER] = "审核员", [ROLE_FINANCE] = "财务",
    [ROLE_ADMIN] = "管理员",  [ROLE_SYSTEM] = "系统",
};

const char *svc_role_name(svc_role r) {
    assert(r >= 0 && r < ROLE_COUNT);
    return role_names[r];
}

const char *svc_role_name_zh(svc_role r) {
    assert(r >= 0 && r < ROLE_COUNT);
    return role_names_zh[r];
}

err_kind svc_role_parse(const char *s, svc_role *out, err_detail *err) {
    for (int r = ROLE_PERSON; r < ROLE_SYSTEM; r++)
        if (s && strcmp(s, role_names[r]) == 0) { *out = (svc_role)r; return ERR_OK; }
    return err_set(err, ERR_INVALID, "invalid_role", "role",
                   "角色 %s 无效，可选：person、unit、clerk、reviewer、finance、admin", s ? s : "");
}

bool svc_role_is_staff(svc_role r) {
    return (ROLE_BIT(r) & ROLES_STAFF) != 0;
}

bool svc_channel_valid(const char *channel) {
    static const char *const ok[] = {"portal", "terminal", "unit_client", "counter", "cli",
                                     "institution", NULL};
    for (int i = 0; channel && ok[i]; i++)
        if (strcmp(ok[i], channel) == 0) return true;
    return false;
}
