// The employer client (/unit/): a unit operator signs in with the unit's credit code, the
// operator's name and password; the menu is the catalog's unit items (not open: 暂未开通),
// with the unit's overview, employee list and applications above it.
import { createApi } from '/common/api.js';
import { h, signInForm, catalogMenu, router, userBar } from '/common/ui.js';
import { UNIT_VIEWS, VIEW_FNS } from '/unit/views.js';
import { sideFixed } from '/unit/lib.js';

const api = createApi({ desk: 'unit', channel: 'unit_client' });
const main = document.getElementById('main');
const side = document.getElementById('side');
const body = document.getElementById('desk-body');
const who = document.getElementById('who');
let ctx = null;

const FIXED = [['home', '单位概况'], ['employees', '职工名册'], ['applications', '办件进度']];

function showSignIn(message) {
  ctx = null;
  userBar(who, { name: null });
  side.hidden = true;
  side.replaceChildren();
  body.classList.add('single');
  const s = signInForm({
    title: '单位经办人登录',
    intro: '请输入单位的统一社会信用代码、经办人账号和密码。',
    fields: [
      { name: 'unit_code', label: '统一社会信用代码', required: true, autocomplete: 'username' },
      { name: 'operator', label: '经办人账号', required: true },
      { name: 'password', label: '密码', type: 'password', required: true, autocomplete: 'current-password' },
    ],
    onSignIn: async (v) => {
      await api.signIn({ role: 'unit', unit_code: v.unit_code.toUpperCase(), operator: v.operator, password: v.password });
      await start();
    },
  });
  main.replaceChildren(...(message ? [h('p', { class: 'notice notice-warn', role: 'status' }, message)] : []), s.el);
  s.form.field('unit_code').focus();
}

async function start() {
  const [cur, health] = await Promise.all([api.get('/api/v1/sessions/current'), api.get('/healthz')]);
  const unit = await api.get(`/api/v1/units/${cur.user.unit_id}`);
  const menu = await catalogMenu({ api, audience: 'unit', views: UNIT_VIEWS, label: '单位服务事项', onOpen: (view) => nav.go(`#/${view}`) });
  side.replaceChildren(sideFixed(FIXED, (v) => nav.go(`#/${v}`)), menu);
  side.hidden = false;
  body.classList.remove('single');
  // Views draw only once the desk is whole, so a route opened while it loads draws once.
  ctx = { api, unitId: cur.user.unit_id, counter: false, channel: 'unit_client', main, businessDate: health.business_date, go: (x) => nav.go(x) };
  userBar(who, { name: `${unit.name} · ${cur.user.name}`, roleZh: cur.user.role_zh, onSignOut: async () => { await api.signOut(); location.hash = ''; showSignIn('已退出登录。'); } });
  nav.dispatch();
}

function mark(view) {
  for (const b of side.querySelectorAll('button[aria-current]')) b.removeAttribute('aria-current');
  const b = side.querySelector(`button[data-view="${view}"]`);
  if (b) b.setAttribute('aria-current', 'page');
}

const routes = {};
for (const [name, fn] of Object.entries(VIEW_FNS)) {
  routes[`#/${name}`] = (rest) => {
    if (!ctx) return;
    mark(name);
    fn(ctx, rest || undefined);
  };
}
const nav = router(routes, () => { if (ctx) { mark('home'); VIEW_FNS.home(ctx); } });

api.onUnauthorized(() => showSignIn('登录已过期，请重新登录。'));
if (api.signedIn()) start().catch(() => showSignIn()); else showSignIn();
