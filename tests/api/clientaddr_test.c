/* api/clientaddr: whose address the per-address limits count, behind
 * trusted proxies and not. */
#include <string.h>

#include "api/clientaddr.h"
#include "testutil.h"

static api_proxies proxies(const char *list) {
    api_proxies p;
    err_detail err = {0};
    if (api_proxies_parse(list, &p, &err)) fail_msg("%s: %s", list ? list : "(none)", err.message);
    return p;
}

static const char *client(const api_proxies *p, const char *peer, const char *xff) {
    static char out[INET6_ADDRSTRLEN];
    return api_client_addr(p, peer, xff, out);
}

static void the_list_is_checked(void **state) {
    api_proxies p = proxies(" 10.0.0.1 , 0:0:0:0:0:0:0:1");
    assert_int_equal(p.n, 2);
    assert_string_equal(p.addr[0], "10.0.0.1");
    assert_string_equal(p.addr[1], "::1");   /* one written form */
    assert_int_equal(proxies(NULL).n, 0);
    assert_int_equal(proxies("").n, 0);
    err_detail err = {0};
    api_proxies q;
    assert_int_equal(api_proxies_parse("10.0.0.1,balancer.local", &q, &err), ERR_INVALID);
    assert_string_equal(err.code, "invalid_trust_proxy");
    assert_non_null(strstr(err.message, "balancer.local"));
    assert_int_equal(api_proxies_parse("10.0.0.1,,10.0.0.2", &q, &err), ERR_INVALID);
    char many[API_PROXIES_MAX * 16 + 16] = "";
    for (int i = 0; i <= API_PROXIES_MAX; i++) snprintf(many + strlen(many), 16, "%s10.0.1.%d", i ? "," : "", i);
    assert_int_equal(api_proxies_parse(many, &q, &err), ERR_INVALID);   /* one past the most */
    many[strrchr(many, ',') - many] = 0;
    assert_int_equal(api_proxies_parse(many, &q, &err), ERR_OK);
    assert_int_equal(q.n, API_PROXIES_MAX);
}

static void forwarded_only_from_a_trusted_peer(void **state) {
    api_proxies none = proxies(NULL), p = proxies("10.0.0.1,10.0.0.2");
    assert_string_equal(client(&none, "10.0.0.1", "203.0.113.7"), "10.0.0.1");
    assert_string_equal(client(&p, "10.0.0.1", NULL), "10.0.0.1");
    assert_string_equal(client(&p, "10.0.0.1", "203.0.113.7"), "203.0.113.7");
    assert_string_equal(client(&p, "198.51.100.9", "203.0.113.7"), "198.51.100.9");   /* not a proxy: its header is the client's word */
}

static void the_rightmost_untrusted_hop_is_the_client(void **state) {
    api_proxies p = proxies("10.0.0.1,10.0.0.2");
    /* a client writing its own header: what it wrote is at the left, passed over */
    assert_string_equal(client(&p, "10.0.0.1", "1.2.3.4, 203.0.113.7"), "203.0.113.7");
    /* two proxies in a row */
    assert_string_equal(client(&p, "10.0.0.1", "203.0.113.7, 10.0.0.2"), "203.0.113.7");
    assert_string_equal(client(&p, "10.0.0.1", " 2001:DB8::1 "), "2001:db8::1");
    /* a hop that is not an address where one must be: the peer */
    assert_string_equal(client(&p, "10.0.0.1", "1.2.3.4, unknown"), "10.0.0.1");
    assert_string_equal(client(&p, "10.0.0.1", ""), "10.0.0.1");
    assert_string_equal(client(&p, "10.0.0.1", "10.0.0.2"), "10.0.0.1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_list_is_checked),
        cmocka_unit_test(forwarded_only_from_a_trusted_peer),
        cmocka_unit_test(the_rightmost_untrusted_hop_is_the_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
