// api.js — the one way the desks talk to the server.
//
// Contract:
//   const api = createApi({ desk: 'self', channel: 'portal' });
//     desk     names the sessionStorage slot of the bearer token ("sipf.<desk>.token"),
//              so a person, a unit operator and a clerk signed in in the same browser
//              do not share a token.
//     channel  is sent as X-Channel (portal, terminal, unit_client, counter) so the audit
//              log records which desk a request came from; it may be changed later with
//              api.setChannel().
//   await api.get(path) / api.post(path, body) / api.put / api.patch / api.del
//     body is JSON unless it is a Blob, File, ArrayBuffer or string, which is sent as is
//     (pass { contentType } as the third argument for those). The answer is the parsed
//     JSON (or text when the server answers with something else).
//   A non-2xx answer throws an ApiError { status, code, message, field, rules[] } whose
//   message and rules[].message are the server's Chinese texts; rules[].data holds the
//   numbers involved (an object, possibly empty). A network failure throws an ApiError
//   with status 0 and code "network".
//   api.signIn(body) posts /api/v1/sessions, keeps the token and returns the session;
//   api.signOut() deletes the session on the server (errors ignored) and forgets it.
//   api.onUnauthorized(fn): fn(err) runs on every 401 of a signed-in request that means the
//   session is gone (token expired, revoked or invalid; not bad_credentials, which is a wrong
//   old password); the token is forgotten and the desk shows its sign-in form again.

export class ApiError extends Error {
  constructor({ status, code, message, field, rules }) {
    super(message || '请求失败');
    this.name = 'ApiError';
    this.status = status;
    this.code = code || 'error';
    this.field = field || '';
    this.rules = Array.isArray(rules)
      ? rules.map((r) => ({ code: r.code || '', message: r.message || '', data: r.data || {} }))
      : [];
  }
}

function isRaw(body) {
  return (typeof Blob !== 'undefined' && body instanceof Blob) || body instanceof ArrayBuffer ||
    typeof body === 'string';
}

export function createApi({ desk, channel }) {
  const key = `sipf.${desk}.token`;
  let currentChannel = channel;
  let unauthorized = null;

  const token = () => sessionStorage.getItem(key);

  async function request(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    if (currentChannel) headers['X-Channel'] = currentChannel;
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    let payload;
    if (body !== undefined && body !== null) {
      if (isRaw(body)) {
        payload = body;
        headers['Content-Type'] = opts.contentType || 'application/octet-stream';
      } else {
        payload = JSON.stringify(body);
        headers['Content-Type'] = 'application/json';
      }
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload });
    } catch (e) {
      throw new ApiError({ status: 0, code: 'network', message: '无法连接服务器，请稍后再试' });
    }
    const type = res.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
    if (res.ok) return data;
    const e = data && data.error ? data.error : {};
    const err = new ApiError({
      status: res.status,
      code: e.code || `http_${res.status}`,
      message: e.message || `请求失败（${res.status}）`,
      field: e.field,
      rules: e.rules,
    });
    // A wrong old password is a 401 too, but the session itself is still good.
    if (res.status === 401 && err.code !== 'bad_credentials' && t && unauthorized) {
      sessionStorage.removeItem(key);
      unauthorized(err);
    }
    throw err;
  }

  return {
    token,
    signedIn: () => Boolean(token()),
    setChannel(c) { currentChannel = c; },
    onUnauthorized(fn) { unauthorized = fn; },
    get: (p) => request('GET', p),
    post: (p, b, o) => request('POST', p, b ?? {}, o),
    put: (p, b, o) => request('PUT', p, b ?? {}, o),
    patch: (p, b, o) => request('PATCH', p, b ?? {}, o),
    del: (p) => request('DELETE', p),
    async signIn(body) {
      sessionStorage.removeItem(key);
      const s = await request('POST', '/api/v1/sessions', { ...body, channel: currentChannel });
      sessionStorage.setItem(key, s.token);
      return s;
    },
    async signOut() {
      if (token()) {
        try { await request('DELETE', '/api/v1/sessions/current'); } catch (e) { /* gone already */ }
      }
      sessionStorage.removeItem(key);
    },
  };
}
