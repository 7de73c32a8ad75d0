// The counter and review desk (/counter/): staff sign in; find a person or a unit; see what
// their role allows; act at the counter for a unit (the employer client's own views, with
// unit_id) or a person; work the applications queue (overdue red, due within a working day
// amber): accept, tick received materials, approve or refuse with a reason, complete; and,
// for admins, the audit trail of a record.
import { createApi } from '/common/api.js';
import { h, table, form, signInForm, catalogMenu, router, userBar, printView, notice } from '/common/ui.js';
import { yuan, yuanText, date, month, applicationStateZh, spanStatusZh } from '/common/fmt.js';
import { card, facts, badge, frame, showError, ok, sideFixed, APP_STATES, ROLE_ZH, CHANNEL_ZH, DATE } from '/unit/lib.js';
import { VIEW_FNS } from '/unit/views.js';

const api = createApi({ desk: 'counter', channel: 'counter' });
const main = document.getElementById('main');
const side = document.getElementById('side');
const body = document.getElementById('desk-body');
const who = document.getElementById('who');
let me = null;
let businessDate = '';

const ROLE_NOTE = '受理和登记材料由柜员办理，批准或退回由审核员办理。';
const DUE = { overdue: ['已逾期', 'red'], due_soon: ['1 个工作日内到期', 'amber'], ok: ['正常', null] };
const UNIT_TABS = [['home', '概况'], ['info', '单位信息'], ['employees', '职工'], ['enrol', '参保登记'], ['terminate', '退工'], ['bases', '缴费基数'],
  ['bills', '账单'], ['backpay', '补缴'], ['subsidy', '补贴'], ['certs', '证明'], ['paper', '纸质权益单']];

function showSignIn(message) {
  me = null;
  userBar(who, { name: null });
  side.hidden = true;
  side.replaceChildren();
  body.classList.add('single');
  const s = signInForm({
    title: '工作人员登录',
    fields: [
      { name: 'username', label: '工号', required: true, autocomplete: 'username' },
      { name: 'password', label: '密码', type: 'password', required: true, autocomplete: 'current-password' },
    ],
    onSignIn: async (v) => {
      await api.signIn({ role: 'staff', username: v.username, password: v.password });
      await start();
    },
  });
  main.replaceChildren(...(message ? [notice(message, 'warn')] : []), s.el);
  s.form.field('username').focus();
}

async function start() {
  const [cur, health] = await Promise.all([api.get('/api/v1/sessions/current'), api.get('/healthz')]);
  const user = cur.user;
  businessDate = health.business_date;
  const fixed = [['find', '查询人员和单位'], ['queue', '办件队列']];
  if (['clerk', 'admin'].includes(user.role)) fixed.splice(1, 0, ['register', '新参保登记']);
  if (user.role === 'admin') fixed.push(['audit', '审计记录']);
  const menus = await Promise.all([['person', '个人事项'], ['unit', '单位事项']].map(([aud, label]) =>
    catalogMenu({ api, audience: aud, label, views: openViews[aud], onOpen: () => nav.go(`#/find/${aud}`) })));
  // The counter works from a search or the queue; the catalog's groups start folded.
  for (const m of menus) for (const d of m.querySelectorAll('details')) d.open = false;
  side.replaceChildren(sideFixed(fixed, (v) => nav.go(`#/${v}`)),
    h('h2', { class: 'side-title' }, '个人服务事项'), menus[0], h('h2', { class: 'side-title' }, '单位服务事项'), menus[1]);
  side.hidden = false;
  body.classList.remove('single');
  // Views draw only once the desk is whole, so a route opened while it loads draws once.
  me = user;
  userBar(who, { name: me.name, roleZh: me.role_zh, onSignOut: async () => { await api.signOut(); location.hash = ''; showSignIn('已退出登录。'); } });
  nav.dispatch();
}

// Every open catalog item is handled at the counter after finding its person or unit.
const openViews = { person: new Proxy({}, { get: () => 'find' }), unit: new Proxy({}, { get: () => 'find' }) };

function mark(view) {
  for (const b of side.querySelectorAll('button[aria-current]')) b.removeAttribute('aria-current');
  side.querySelector(`button[data-view="${view}"]`)?.setAttribute('aria-current', 'page');
}

// ---- 查询 ----
async function viewFind(rest) {
  mark('find');
  frame(main, '查询人员和单位', rest ? `请先查询要办理的${rest === 'unit' ? '单位' : '人员'}，再在其页面办理。` : '按证件号码（含曾用）、姓名、社保号查询人员；按统一社会信用代码或名称查询单位。');
  const out = h('div', { id: 'find-result', 'aria-live': 'polite' });
  const pf = form({
    id: 'find-person', legend: '查询人员', submitLabel: '查询人员',
    fields: [
      { name: 'id_number', label: '证件号码' }, { name: 'name', label: '姓名', hint: '姓名开头的字即可' },
      { name: 'si_number', label: '社保号' },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const q = new URLSearchParams(Object.entries(v).filter(([, x]) => x)).toString();
      const d = await api.get(`/api/v1/persons?${q}`);
      out.append(table({ caption: `人员 ${d.count} 人${d.truncated ? '（仅显示前面部分）' : ''}`, columns: [
        { label: '姓名', value: (p) => p.name }, { label: '证件号码', value: (p) => p.id_number },
        { label: '证件类型', value: (p) => p.id_kind_zh }, { label: '社保号', value: (p) => p.si_number },
        { label: '出生日期', value: (p) => date(p.birth_date) },
        { label: '操作', value: (p) => h('button', { type: 'button', class: 'link', 'aria-label': `打开${p.name}`, onclick: () => nav.go(`#/person/${p.id}`) }, '打开') }],
      rows: d.items, empty: '没有找到人员' }));
    },
  });
  const uf = form({
    id: 'find-unit', legend: '查询单位', submitLabel: '查询单位',
    fields: [{ name: 'code', label: '统一社会信用代码' }, { name: 'name', label: '单位名称', hint: '名称中的一部分即可' }],
    onSubmit: async (v) => {
      out.replaceChildren();
      const q = new URLSearchParams(Object.entries(v).filter(([, x]) => x)).toString();
      const d = await api.get(`/api/v1/units?${q}`);
      out.append(table({ caption: `单位 ${d.count} 个`, columns: [
        { label: '单位名称', wrap: true, value: (u) => u.name }, { label: '统一社会信用代码', value: (u) => u.code },
        { label: '单位类型', value: (u) => u.unit_type_zh }, { label: '状态', value: (u) => u.status_zh },
        { label: '操作', value: (u) => h('button', { type: 'button', class: 'link', 'aria-label': `打开${u.name}`, onclick: () => nav.go(`#/unit/${u.id}`) }, '打开') }],
      rows: d.items, empty: '没有找到单位' }));
    },
  });
  main.append(h('div', { class: 'tiles two' }, card(null, pf.el), card(null, uf.el)), out);
}

// ---- 人员 ----
async function viewPerson(rest) {
  mark('find');
  const id = Number.parseInt(rest, 10);
  frame(main, '人员信息');
  try {
    const [p, rel, acc] = await Promise.all([
      api.get(`/api/v1/persons/${id}`), api.get(`/api/v1/persons/${id}/relationships`),
      api.get(`/api/v1/persons/${id}/accounts`).catch(() => ({ accounts: [] }))]);
    main.append(card(`${p.name}`, facts([
      ['证件类型', p.id_kind_zh], ['证件号码', p.id_number], ['性别', p.sex === 'M' ? '男' : p.sex === 'F' ? '女' : '—'],
      ['出生日期', date(p.birth_date)], ['户籍', p.hukou_kind_zh], ['社保号', p.si_number], ['园区编号', p.park_number],
      ['手机号码', p.mobile], ['电子邮箱', p.email], ['联系地址', p.address], ['退休日期', date(p.retired_on)]])));
    main.append(h('div', { id: 'person-spans' }, card('参保关系', table({ caption: '全部参保关系', hiddenCaption: true, columns: [
      { label: '险种', value: (s) => s.insurance_zh }, { label: '单位', wrap: true, value: (s) => s.unit_name || '个人' },
      { label: '起始月份', value: (s) => month(s.start_month) }, { label: '终止月份', value: (s) => month(s.end_month) },
      { label: '状态', value: (s) => spanStatusZh(s.status) }, { label: '原因', wrap: true, value: (s) => s.reason }],
    rows: rel.spans || [], empty: '没有参保关系' }))));
    main.append(await personRecords(id));
    main.append(card('个人账户', table({ caption: '账户余额', hiddenCaption: true, columns: [
      { label: '账户', value: (a) => a.name_zh }, { label: '余额（元）', value: (a) => yuan(a.balance_fen), num: true }], rows: acc.accounts || [] })));

    const out = h('div', { 'aria-live': 'polite', id: 'person-update-result' });
    const upd = form({
      id: 'person-update', legend: '修改联系方式（非关键信息）', submitLabel: '保存修改',
      fields: [{ name: 'mobile', label: '手机号码', value: p.mobile || '' }, { name: 'email', label: '电子邮箱', value: p.email || '' },
        { name: 'address', label: '联系地址', value: p.address || '' }],
      onSubmit: async (v) => {
        out.replaceChildren();
        const changes = {};
        for (const k of ['mobile', 'email', 'address']) if ((v[k] || '') !== (p[k] || '')) changes[k] = v[k];
        if (!Object.keys(changes).length) { out.append(notice('没有修改的内容', 'warn')); return; }
        await api.patch(`/api/v1/persons/${id}`, changes);
        Object.assign(p, changes);
        out.append(ok('已保存联系方式的修改'));
      },
    });
    main.append(card('代为办理', upd.el, out, await applyForm({ personId: id })));
    const cert = h('div', { id: 'person-cert' });
    main.append(card('参保证明', h('div', { class: 'actions' }, h('button', { type: 'button', onclick: async () => {
      cert.replaceChildren();
      try {
        const c = await api.get(`/api/v1/persons/${id}/contribution-certificate`);
        cert.append(printView({ title: '参保人员参保证明', subtitle: `${c.name}（${c.id_number_masked}）· 截至 ${month(c.to)}`, serial: `PC-${id}-${c.as_of}`, body: h('div', {},
          table({ caption: '分险种缴费', columns: [
            { label: '险种', value: (x) => x.insurance_zh }, { label: '缴费月数', value: (x) => String(x.months), num: true },
            { label: '单位缴费（元）', value: (x) => yuan(x.unit_fen), num: true }, { label: '个人缴费（元）', value: (x) => yuan(x.personal_fen), num: true }],
          rows: c.insurances || [] }),
          facts([['单位缴费合计', yuanText(c.totals.unit_fen)], ['个人缴费合计', yuanText(c.totals.personal_fen)]])) }));
      } catch (e) { showError(cert, e); }
    } }, '出具参保证明')), cert));
    if (me.role === 'admin') main.append(h('p', {}, h('a', { href: `#/audit/person:${id}` }, '查看此人的审计记录')));
  } catch (e) { showError(main, e); }
}

// What else the counter sees of a person: contributions by month, identities and changes,
// transfers and flexible employment, each read audited by the server.
async function personRecords(id) {
  const [con, hist, tr, flex] = await Promise.all([
    api.get(`/api/v1/persons/${id}/contributions`), api.get(`/api/v1/persons/${id}/history`),
    api.get(`/api/v1/persons/${id}/transfers`), api.get(`/api/v1/persons/${id}/flexible`)]);
  const months = new Map();
  for (const it of con.items || []) {
    const m = months.get(it.month) || { month: it.month, unit_fen: 0, personal_fen: 0, paid: true, units: new Set(), kinds: new Set() };
    m.unit_fen += it.unit_fen;
    m.personal_fen += it.personal_fen;
    m.paid = m.paid && it.paid;
    if (it.unit_name) m.units.add(it.unit_name);
    m.kinds.add(it.kind_zh || it.kind);
    months.set(it.month, m);
  }
  const rows = [...months.values()].sort((a, b) => (a.month < b.month ? 1 : -1));
  return h('div', { id: 'person-records' },
    card('缴费记录',
      facts([['单位缴费合计', yuanText(con.unit_total_fen)], ['个人缴费合计', yuanText(con.personal_total_fen)]]),
      table({ caption: `按月汇总（${rows.length} 个月）`, columns: [
        { label: '月份', value: (m) => month(m.month) }, { label: '类型', wrap: true, value: (m) => [...m.kinds].join('、') },
        { label: '单位', wrap: true, value: (m) => [...m.units].join('、') || '个人' },
        { label: '单位缴费（元）', value: (m) => yuan(m.unit_fen), num: true },
        { label: '个人缴费（元）', value: (m) => yuan(m.personal_fen), num: true },
        { label: '到账', value: (m) => (m.paid ? '已到账' : '未到账') }], rows, empty: '没有缴费记录' })),
    card('身份和信息变更',
      table({ caption: '证件', columns: [
        { label: '证件类型', value: (x) => x.id_kind_zh }, { label: '证件号码', value: (x) => x.id_number }, { label: '姓名', value: (x) => x.name },
        { label: '启用', value: (x) => date(x.valid_from) }, { label: '停用', value: (x) => date(x.valid_to) }], rows: hist.identities || [] }),
      table({ caption: '信息变更', columns: [
        { label: '项目', value: (x) => x.field_zh || x.field }, { label: '原值', value: (x) => x.old_value }, { label: '新值', value: (x) => x.new_value },
        { label: '日期', value: (x) => date(x.changed_on || x.at) }], rows: hist.changes || [], empty: '没有变更' })),
    card('转移和灵活就业',
      facts([['灵活就业参保', flex.registered ? '已登记' : '未登记'], ['转移记录', `${tr.count} 条`]]),
      tr.count ? table({ caption: '转移记录', columns: [
        { label: '方向', value: (x) => (x.direction === 'in' ? '转入' : '转出') }, { label: '险种', value: (x) => x.insurance_zh },
        { label: '地区', value: (x) => `${x.province} ${x.region}` }, { label: '月数', value: (x) => String(x.months), num: true },
        { label: '登记日期', value: (x) => date(x.recorded_on) }], rows: tr.items }) : null));
}

// Submits an application of a generic item for a person or unit at the counter.
async function applyForm({ personId, unitId }) {
  const aud = personId ? 'person' : 'unit';
  const cat = await api.get(`/api/v1/catalog?audience=${aud}`);
  const items = cat.items.filter((i) => i.is_open && !i.operation);
  const out = h('div', { 'aria-live': 'polite', id: 'apply-result' });
  const f = form({
    id: 'apply-form', legend: '代为提交办件', submitLabel: '提交办件',
    fields: [
      { name: 'item_id', label: '办理事项', type: 'select', required: true, options: [{ value: '', label: '请选择' }, ...items.map((i) => ({ value: i.id, label: i.name }))] },
      { name: 'note', label: '说明', type: 'textarea' },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const b = { item_id: v.item_id, payload: v.note ? { 说明: v.note } : {} };
      if (personId) b.person_id = personId; else b.unit_id = unitId;
      const a = await api.post('/api/v1/applications', b);
      out.append(ok(`已提交办件（编号 ${a.id}），状态：${a.state_zh}`),
        h('p', {}, h('a', { href: `#/app/${a.id}` }, `打开办件 ${a.id}`)));
    },
  });
  return h('div', {}, f.el, out);
}

// ---- 单位（柜面代办，沿用单位客户端的页面） ----
async function viewUnit(rest) {
  mark('find');
  const [idText, view = 'home', ...more] = rest.split('/');
  const unitId = Number.parseInt(idText, 10);
  main.replaceChildren();
  let u;
  try { u = await api.get(`/api/v1/units/${unitId}`); } catch (e) { frame(main, '单位'); showError(main, e); return; }
  const base = `#/unit/${unitId}`;
  const tabs = h('nav', { class: 'tabs', 'aria-label': '单位业务' }, UNIT_TABS.map(([v, label]) =>
    h('button', { type: 'button', 'aria-current': v === view ? 'page' : null, onclick: () => nav.go(`${base}/${v}`) }, label)));
  const sub = h('div', { id: 'unit-view', tabindex: '-1' });
  main.append(h('p', { class: 'muted' }, `柜面代办：${u.name}（${u.code}）`), tabs, sub);
  const ctx = { api, unitId, counter: true, channel: 'counter', main: sub, businessDate, go: (x) => nav.go(x.startsWith('#/unit/') ? x : `${base}/${x.slice(2)}`),
    billsHash: `${base}/bills`, terminateHash: `${base}/terminate`, backpayHash: `${base}/backpay` };
  const fn = VIEW_FNS[view] || VIEW_FNS.home;
  await fn(ctx, more.length ? more.join('/') : undefined);
  if (view === 'home') sub.append(card('代为提交办件', await applyForm({ unitId })));
}

// ---- 新参保登记（人员基础信息采集、单位参保登记） ----
async function viewRegister() {
  mark('register');
  frame(main, '新参保登记', '本中心尚无记录的人员和单位在柜面登记；登记后即可参保、缴费和办理各项业务。');
  const outP = h('div', { 'aria-live': 'polite', id: 'register-person-result' });
  const pf = form({
    id: 'register-person', legend: '人员基础信息采集', submitLabel: '登记人员',
    fields: [
      { name: 'id_kind', label: '证件类型', type: 'select', value: 'resident', options: [
        { value: 'resident', label: '居民身份证' }, { value: 'passport', label: '护照' },
        { value: 'hkmo_permit', label: '港澳居民来往内地通行证' }, { value: 'tw_permit', label: '台湾居民来往大陆通行证' },
        { value: 'hmt_residence', label: '港澳台居民居住证' }, { value: 'foreign_pr', label: '外国人永久居留身份证' }] },
      { name: 'id_number', label: '证件号码', required: true },
      { name: 'name', label: '姓名', required: true },
      { name: 'sex', label: '性别', type: 'select', options: [{ value: '', label: '按证件' }, { value: 'M', label: '男' }, { value: 'F', label: '女' }] },
      { name: 'birth_date', label: '出生日期', ...DATE, hint: '证件不含出生日期时必填' },
      { name: 'nationality', label: '国籍（地区）代码', hint: '护照必填，例如 USA' },
      { name: 'hukou_kind', label: '户籍类别', type: 'select', options: [{ value: '', label: '按证件' }, { value: 'sip', label: '园区户籍' },
        { value: 'suzhou', label: '苏州市户籍' }, { value: 'jiangsu', label: '江苏省户籍' }, { value: 'other_province', label: '外省户籍' },
        { value: 'hmt', label: '港澳台' }, { value: 'foreign', label: '外籍' }] },
      { name: 'mobile', label: '手机号码', inputmode: 'numeric' },
    ],
    onSubmit: async (v) => {
      outP.replaceChildren();
      const body = Object.fromEntries(Object.entries(v).filter(([, x]) => x));
      const p = await api.post('/api/v1/persons', body);
      outP.append(ok(`已登记人员 ${p.name}，社保号 ${p.si_number}，园区编号 ${p.park_number}`),
        h('p', {}, h('a', { href: `#/person/${p.id}` }, `打开${p.name}的信息`)));
    },
  });
  const outU = h('div', { 'aria-live': 'polite', id: 'register-unit-result' });
  const uf = form({
    id: 'register-unit', legend: '单位参保登记', submitLabel: '登记单位',
    fields: [
      { name: 'code', label: '统一社会信用代码', required: true },
      { name: 'name', label: '单位名称', required: true },
      { name: 'unit_type', label: '单位类型', type: 'select', required: true, value: 'enterprise', options: [
        { value: 'enterprise', label: '企业' }, { value: 'institution', label: '事业单位' }, { value: 'social_org', label: '社会组织' },
        { value: 'non_legal', label: '非法人单位' }, { value: 'government', label: '机关事业单位' }] },
      { name: 'industry_class', label: '工伤风险类别', required: true, inputmode: 'numeric', hint: '行业风险类别序号' },
      { name: 'address', label: '单位地址', required: true },
      { name: 'contact_name', label: '联系人', required: true },
      { name: 'contact_phone', label: '联系电话', required: true },
      { name: 'bank_name', label: '托收开户银行' },
      { name: 'bank_account', label: '托收银行账号', inputmode: 'numeric' },
    ],
    onSubmit: async (v) => {
      outU.replaceChildren();
      const body = Object.fromEntries(Object.entries(v).filter(([, x]) => x));
      body.code = body.code.toUpperCase();
      body.industry_class = /^\d+$/.test(v.industry_class) ? Number(v.industry_class) : v.industry_class;
      const u = await api.post('/api/v1/units', body);
      outU.append(ok(`已登记单位 ${u.name}（${u.code}），参保类别：${u.category_zh}`),
        h('p', {}, h('a', { href: `#/unit/${u.id}` }, `打开${u.name}`)));
    },
  });
  main.append(card(null, pf.el, outP), card(null, uf.el, outU));
}

// ---- 办件队列 ----
async function viewQueue() {
  mark('queue');
  frame(main, '办件队列', '按办结期限排序；已逾期的标红，1 个工作日内到期的标黄。');
  const state = h('select', { id: 'q-state' }, h('option', { value: '' }, '全部状态'),
    APP_STATES.map((k) => h('option', { value: k }, applicationStateZh(k))));
  const item = h('select', { id: 'q-item' }, h('option', { value: '' }, '全部事项'));
  const due = h('select', { id: 'q-due' }, h('option', { value: '' }, '全部期限'),
    Object.entries(DUE).map(([k, [v]]) => h('option', { value: k }, v)));
  const out = h('div', { id: 'queue-list' });
  main.append(card(null, h('form', { class: 'filters', role: 'search', 'aria-label': '筛选办件', onsubmit: (e) => { e.preventDefault(); draw(); } },
    h('div', { class: 'field' }, h('label', { for: 'q-state' }, '状态'), state),
    h('div', { class: 'field' }, h('label', { for: 'q-item' }, '事项'), item),
    h('div', { class: 'field' }, h('label', { for: 'q-due' }, '期限'), due),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '筛选')))), out);
  let itemsKnown = false;
  async function draw() {
    out.replaceChildren();
    try {
      const q = new URLSearchParams({ limit: '1000' });
      if (state.value) q.set('state', state.value);
      if (item.value) q.set('item', item.value);
      const d = await api.get(`/api/v1/applications?${q}`);
      if (!itemsKnown) {
        const names = new Map(d.items.map((a) => [a.item_id, a.item_name]));
        for (const [k, v] of names) item.append(h('option', { value: k }, v));
        itemsKnown = true;
      }
      const rows = d.items.filter((a) => !due.value || a.due === due.value);
      out.append(table({ caption: `办件 ${rows.length} 件`, columns: [
        { label: '编号', value: (a) => String(a.id), num: true }, { label: '事项', wrap: true, value: (a) => a.item_name },
        { label: '申请人', wrap: true, value: (a) => h('span', { 'data-applicant': a.person_id ? `p${a.person_id}` : `u${a.unit_id}` }, a.person_id ? `人员 ${a.person_id}` : `单位 ${a.unit_id}`) },
        { label: '状态', value: (a) => a.state_zh }, { label: '提交日期', value: (a) => date(a.submitted_on) },
        { label: '办结期限', value: (a) => date(a.deadline_on) },
        { label: '时限', value: (a) => (DUE[a.due] ? badge(DUE[a.due][0], DUE[a.due][1]) : '—') },
        { label: '操作', value: (a) => h('button', { type: 'button', class: 'link', 'aria-label': `办理办件 ${a.id}`, onclick: () => nav.go(`#/app/${a.id}`) }, '办理') }],
      rows, rowClass: (a) => (a.due === 'overdue' ? 'state-red' : a.due === 'due_soon' ? 'state-amber' : null), empty: '没有符合条件的办件' }));
      await nameApplicants(out);
    } catch (e) { showError(out, e); }
  }
  await draw();
}

// Puts the applicants' names in place of their numbers, for the first rows only: each read
// of a person is an audited read of personal data, so the desk reads what the clerk sees first.
const APPLICANT_NAMES_MAX = 50;
async function nameApplicants(el) {
  const keys = [...new Set([...el.querySelectorAll('[data-applicant]')].map((x) => x.dataset.applicant))].slice(0, APPLICANT_NAMES_MAX);
  await Promise.all(keys.map(async (k) => {
    try {
      const who2 = await api.get(k[0] === 'p' ? `/api/v1/persons/${k.slice(1)}` : `/api/v1/units/${k.slice(1)}`);
      for (const x of el.querySelectorAll(`[data-applicant="${k}"]`)) x.textContent = who2.name;
    } catch { /* the number stays */ }
  }));
}

// ---- 办件办理 ----
async function viewApp(rest) {
  mark('queue');
  const id = Number.parseInt(rest, 10);
  frame(main, `办件 ${id}`);
  const msg = h('div', { 'aria-live': 'polite', id: 'app-msg' });
  const holder = h('div', {});
  main.append(msg, holder);
  // The center's division of work: the counter accepts and receives materials, the reviewer
  // decides; the server refuses anything else, so the desk offers only what the role may do.
  const canReceive = ['clerk', 'admin'].includes(me.role);
  const canDecide = ['reviewer', 'admin'].includes(me.role);
  const act = async (fn, text) => {
    msg.replaceChildren();
    try { await fn(); await draw(); msg.append(ok(text)); } catch (e) { showError(msg, e); }
  };
  async function draw() {
    const a = await api.get(`/api/v1/applications/${id}`);
    const who2 = a.person_id ? h('a', { href: `#/person/${a.person_id}`, 'data-applicant': `p${a.person_id}` }, `人员 ${a.person_id}`)
      : h('a', { href: `#/unit/${a.unit_id}`, 'data-applicant': `u${a.unit_id}` }, `单位 ${a.unit_id}`);
    const mats = h('fieldset', { class: 'checks', id: 'materials' }, h('legend', {}, '收到的材料（勾选即登记）'),
      (a.materials || []).map((m) => {
        const cid = `mat-${m.index}`;
        const input = h('input', { type: 'checkbox', id: cid, checked: m.received, disabled: !canReceive || ['completed', 'refused'].includes(a.state),
          onchange: (e) => act(() => api.post(`/api/v1/applications/${id}/materials`, { index: m.index, received: e.target.checked }),
            `已登记：${m.name}${e.target.checked ? ' 已收到' : ' 未收到'}`) });
        return h('div', { class: 'check' }, input, h('label', { for: cid }, m.name));
      }));
    const reason = h('textarea', { id: 'decision-reason', rows: 2 });
    const buttons = h('div', { class: 'actions' });
    if (a.state === 'submitted' && canReceive) buttons.append(h('button', { type: 'button', class: 'primary', onclick: () => act(() => api.post(`/api/v1/applications/${id}/accept`, {}), '已受理') }, '受理'));
    if (a.state === 'accepted' && canDecide) {
      buttons.append(h('button', { type: 'button', class: 'primary', onclick: () => act(() => api.post(`/api/v1/applications/${id}/decision`, { approve: true, reason: reason.value.trim() || undefined }), '已批准') }, '批准'),
        h('button', { type: 'button', class: 'danger', onclick: () => act(() => api.post(`/api/v1/applications/${id}/decision`, { approve: false, reason: reason.value.trim() }), '已退回') }, '退回'));
    }
    if (a.state === 'approved') buttons.append(h('button', { type: 'button', class: 'primary', onclick: () => act(() => api.post(`/api/v1/applications/${id}/complete`, {}), '已办结') }, '办结'));
    holder.replaceChildren(card(`${a.item_name}`,
      facts([['状态', h('span', { id: 'app-state' }, a.state_zh)], ['申请人', who2], ['渠道', CHANNEL_ZH[a.channel] || a.channel], ['提交日期', date(a.submitted_on)],
        ['受理日期', date(a.accepted_on)], ['办结期限', date(a.deadline_on)], ['审核日期', date(a.decided_on)], ['审核意见', a.decision_reason || '—'],
        ['申请内容', Object.entries(a.payload || {}).map(([k, v]) => `${k}：${typeof v === 'object' ? JSON.stringify(v) : v}`).join('；') || '—']]),
      mats,
      a.state === 'accepted' && canDecide ? h('div', { class: 'field' }, h('label', { for: 'decision-reason' }, '审核意见（退回时必填）'), reason) : null,
      buttons, h('p', { class: 'muted' }, ROLE_NOTE)),
    card('办理过程', table({ caption: '办理过程', hiddenCaption: true, columns: [
      { label: '时间', value: (e) => String(e.at || '').replace('T', ' ').slice(0, 16) }, { label: '角色', value: (e) => ROLE_ZH[e.actor_role] || e.actor_role },
      { label: '环节', value: (e) => applicationStateZh(e.to) }, { label: '说明', wrap: true, value: (e) => e.note || '—' }], rows: a.events || [] })));
    await nameApplicants(holder);
  }
  try { await draw(); } catch (e) { showError(main, e); }
}

// ---- 审计记录（管理员） ----
async function viewAudit(rest) {
  mark('audit');
  frame(main, '审计记录', '每一次变更和每一次查阅个人数据的记录，按时间倒序。对象写作 person:人员编号 或 unit:单位编号。');
  const out = h('div', { id: 'audit-list' });
  const f = form({
    id: 'audit-form', submitLabel: '查询',
    fields: [{ name: 'target', label: '记录对象', value: decodeURIComponent(rest || ''), hint: '例如 person:7、unit:1；留空为全部' }],
    onSubmit: async (v) => {
      out.replaceChildren();
      const q = new URLSearchParams({ limit: '200' });
      if (v.target) q.set('target', v.target);
      const d = await api.get(`/api/v1/audit?${q}`);
      out.append(table({ caption: `审计记录 ${d.items.length} 条`, columns: [
        { label: '序号', value: (x) => String(x.seq), num: true }, { label: '时间', value: (x) => String(x.ts).replace('T', ' ').slice(0, 19) },
        { label: '操作人', value: (x) => `${x.actor_user_id ?? '—'}（${ROLE_ZH[x.actor_role] || x.actor_role}）` }, { label: '渠道', value: (x) => CHANNEL_ZH[x.channel] || x.channel },
        { label: '操作', value: (x) => x.action }, { label: '对象', value: (x) => x.target }, { label: '结果', value: (x) => x.outcome },
        { label: '说明', wrap: true, value: (x) => x.detail || '—' }], rows: d.items, empty: '没有审计记录' }));
    },
  });
  main.append(card(null, f.el), out);
  if (rest) f.el.requestSubmit();
}

const nav = router({
  '#/find': (r) => me && viewFind(r), '#/person': (r) => me && viewPerson(r), '#/unit': (r) => me && viewUnit(r),
  '#/queue': () => me && viewQueue(), '#/register': () => me && viewRegister(), '#/app': (r) => me && viewApp(r), '#/audit': (r) => me && viewAudit(r),
}, () => me && viewQueue());

api.onUnauthorized(() => showSignIn('登录已过期，请重新登录。'));
if (api.signedIn()) start().catch(() => showSignIn()); else showSignIn();
