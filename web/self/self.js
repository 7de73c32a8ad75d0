// The self-service terminal and personal portal (/self/). A person signs in with the ID
// number and password and sees their own records through the /api/v1/me* routes; the
// flexible-employment, application and password routes act for them. ?terminal=1 turns on
// the terminal mode: large touch targets, an on-screen keypad, the ID number masked on the
// screen, and sign-out after the policy's idle seconds without input (terminal.js).
import { createApi } from '/common/api.js';
import {
  applicationStateZh, dash, date, insuranceZh, maskId, month, spanActionZh, spanStatusZh, yuan, yuanText,
} from '/common/fmt.js';
import {
  catalogMenu, errorBox, form, h, notice, printView, router, signInForm, table, userBar,
} from '/common/ui.js';
import { idleSeconds, keypad, startIdleTimer } from '/self/terminal.js';

const params = new URLSearchParams(location.search);
const terminal = params.get('terminal') === '1';
const api = createApi({ desk: 'self', channel: terminal ? 'terminal' : 'portal' });
const main = document.querySelector('#main');
const side = document.querySelector('#side');
const who = document.querySelector('#who');
const body = document.querySelector('#desk-body');
const idleBanner = document.querySelector('#idle');
let me = null;           // the signed-in person (GET /api/v1/me)
let stopIdle = null;
let flash = null;        // a notice shown once on the next page drawn
let idlePolicySeconds = 0;  // terminal: GET /api/v1/terminal/settings

const PAGES = [
  ['#/info', '我的信息'], ['#/relations', '参保关系'], ['#/contributions', '缴费明细'],
  ['#/accounts', '账户余额'], ['#/statement', '权益记录单'], ['#/certificate', '参保证明'],
  ['#/flexible', '灵活就业'], ['#/applications', '我的办件'], ['#/password', '修改密码'],
  ['#/services', '全部服务事项'],
];
// Catalog items this desk serves, and the page that serves each.
const ITEM_VIEWS = {
  'reg.flex.pension': '#/flexible', 'reg.flex.med': '#/flexible', 'reg.flex.hf': '#/flexible',
  'contrib.flex.tier-change': '#/flexible', 'reg.flex.pension.stop': '#/flexible', 'reg.flex.med.stop': '#/flexible',
  'svc.cert.person-participation': '#/certificate', 'svc.statement.sip': '#/statement',
  'svc.statement.optout.person': '#/statement', 'reg.person.update': '#/info',
};

// The tier choices of a set of insurances, from GET /api/v1/flexible/options: tiers 1..the
// largest count, each labelled with every insurance's base (or that it has no such tier, which
// the server refuses with the policy's limit next to the field).
function tierOptions(opts, insurances) {
  const tiers = insurances.map((i) => opts.tiers.find((t) => t.insurance === i)).filter(Boolean);
  const max = Math.max(0, ...tiers.map((t) => t.count));
  const out = [];
  for (let n = 1; n <= max; n++) {
    const bases = tiers.map((t) => {
      const it = t.items[n - 1];
      return it ? `${t.insurance_zh} ${yuanText(it.base_fen)}` : `${t.insurance_zh}无此档`;
    });
    out.push({ value: String(n), label: `第 ${n} 档（${bases.join('，')}）` });
  }
  return out;
}

function setOptions(select, options) {
  const keep = select.value;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
  if (options.some((o) => o.value === keep)) select.value = keep;
}

if (terminal) {
  document.body.classList.add('terminal');
  document.querySelector('#desk-name').textContent = '个人服务 · 自助终端';
}

function page(title, ...children) {
  const heading = h('h2', { id: 'page-title' }, title);
  const shown = flash;
  flash = null;
  main.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'page-title' },
    heading, shown ? notice(shown.text, shown.kind) : null, ...children));
  document.title = `${title} · 个人服务 · 园区社保和公积金中心`;
  if (terminal) {
    // Every text field of a terminal page is typed on the screen keypad.
    const inputs = [...main.querySelectorAll('input:not([type]), input[type=text], input[type=password], input[type=tel], input[type=email]')];
    if (inputs.length) {
      for (const i of inputs) i.setAttribute('inputmode', 'none');
      main.querySelector('.card').append(keypad(inputs));
    }
  }
  for (const a of side.querySelectorAll('.side-nav a')) {
    if (location.hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function failed(title, e) {
  page(title, errorBox(e));
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

// ---- sign-in and sign-out ----------------------------------------------------------

function showSignIn() {
  me = null;
  if (stopIdle) { stopIdle(); stopIdle = null; }
  userBar(who, { name: null });
  side.replaceChildren();
  body.classList.add('single');
  const s = signInForm({
    title: terminal ? '自助终端登录' : '个人网厅登录',
    intro: '请输入证件号码和社保（公积金）密码。',
    fields: [
      { name: 'id_number', label: '证件号码', required: true, inputmode: terminal ? 'none' : 'text', autocomplete: 'username' },
      { name: 'password', label: '密码', type: 'password', required: true, inputmode: terminal ? 'none' : null, autocomplete: 'current-password' },
    ],
    onSignIn: async (v) => {
      await api.signIn({ role: 'person', id_number: v.id_number.toUpperCase(), password: v.password });
      await start();
    },
  });
  const shown = flash;
  flash = null;
  main.replaceChildren(shown ? notice(shown.text, shown.kind) : '', s.el);
  if (terminal) {
    s.form.el.after(keypad([s.form.field('id_number'), s.form.field('password')]));
  }
  document.title = '登录 · 个人服务 · 园区社保和公积金中心';
  s.form.field('id_number').focus();
}

async function signOut(reason) {
  await api.signOut();
  if (reason) flash = { text: reason, kind: 'warn' };
  if (location.hash && location.hash !== '#/') history.replaceState(null, '', location.pathname + location.search);
  showSignIn();
}

api.onUnauthorized(() => {
  flash = { text: '登录已失效，请重新登录', kind: 'warn' };
  showSignIn();
});

async function start() {
  me = await api.get('/api/v1/me');
  body.classList.remove('single');
  userBar(who, { name: me.name, roleZh: '参保人', onSignOut: () => signOut('您已退出登录') });
  const nav = h('ul', { class: 'side-nav' }, PAGES.map(([href, label]) => h('li', {}, h('a', { href }, label))));
  side.replaceChildren(nav);
  if (terminal) {
    stopIdle = startIdleTimer({
      seconds: idleSeconds(params, idlePolicySeconds), banner: idleBanner,
      onExpire: () => signOut('因长时间无操作，已自动退出登录'),
    });
  }
  nav_.go(location.hash && location.hash !== '#/' ? location.hash : '#/info');
}

// ---- my information --------------------------------------------------------------

async function viewInfo() {
  const p = await api.get('/api/v1/me');
  me = p;
  const contact = form({
    legend: '修改联系方式', submitLabel: '保存联系方式',
    fields: [
      { name: 'mobile', label: '手机号码', value: p.mobile || '', inputmode: 'tel', hint: '以 1 开头的 11 位数字' },
      { name: 'email', label: '电子邮箱', value: p.email || '', type: 'email' },
      { name: 'address', label: '联系地址', value: p.address || '' },
    ],
    onSubmit: async (v) => {
      const changes = {};
      for (const k of ['mobile', 'email', 'address']) if (v[k] !== (p[k] || '')) changes[k] = v[k];
      if (Object.keys(changes).length === 0) {
        flash = { text: '联系方式没有变化', kind: 'warn' };
      } else {
        const r = await api.patch(`/api/v1/persons/${p.id}`, changes);
        flash = { text: `联系方式已保存（${r.changed_fields} 项）`, kind: 'ok' };
      }
      await viewInfo();
    },
  });
  page('我的信息',
    facts([
      ['姓名', p.name], ['证件类型', p.id_kind_zh], ['证件号码', maskId(p.id_number, !terminal)],
      ['性别', p.sex === 'M' ? '男' : p.sex === 'F' ? '女' : '—'], ['出生日期', date(p.birth_date)],
      ['社会保障号', p.si_number], ['园区编号', p.park_number], ['户籍类别', p.hukou_kind_zh],
      ['手机号码', dash(p.mobile)], ['电子邮箱', dash(p.email)], ['联系地址', dash(p.address)],
      ['退休日期', p.retired_on ? date(p.retired_on) : '未退休'],
    ]),
    contact.el);
}

// ---- insured relationships and their history --------------------------------------

async function viewRelations() {
  const [r, hist] = await Promise.all([api.get('/api/v1/me/relationships'), api.get(`/api/v1/persons/${me.id}/history`)]);
  // Insurances in their usual order (养老、医疗、失业、工伤、生育、住房公积金), newest span first.
  const order = ['pension', 'medical', 'unemployment', 'injury', 'maternity', 'housing_fund', 'housing_subsidy'];
  const rank = (i) => (order.indexOf(i) < 0 ? order.length : order.indexOf(i));
  const spans = (r.spans || []).slice().sort((a, b) => rank(a.insurance) - rank(b.insurance) ||
    (a.start_month < b.start_month ? 1 : a.start_month > b.start_month ? -1 : 0));
  const events = spans.flatMap((s) => (s.events || []).map((e) => ({ ...e, insurance: s.insurance, insurance_zh: s.insurance_zh || insuranceZh(s.insurance) })));
  events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0) || rank(a.insurance) - rank(b.insurance));
  page('参保关系',
    table({
      caption: '参保关系', rows: spans,
      columns: [
        { label: '险种', value: (s) => s.insurance_zh || insuranceZh(s.insurance) },
        { label: '参保单位', wrap: true, value: (s) => s.unit_name || (s.payer === 'person' ? '个人缴费' : '—') },
        { label: '开始月份', value: (s) => month(s.start_month) },
        { label: '终止月份', value: (s) => (s.end_month ? month(s.end_month) : '至今') },
        { label: '状态', value: (s) => spanStatusZh(s.status) },
        { label: '原因', wrap: true, value: (s) => s.reason },
      ],
      rowClass: (s) => (s.status === 'normal' ? null : 'muted-row'),
    }),
    table({
      caption: '参保关系变动记录', rows: events,
      columns: [
        { label: '办理日期', value: (e) => date(e.business_date) },
        { label: '险种', value: (e) => e.insurance_zh },
        { label: '变动', value: (e) => spanActionZh(e.action) },
        { label: '状态变化', value: (e) => (e.from ? `${spanStatusZh(e.from)} → ${spanStatusZh(e.to)}` : spanStatusZh(e.to)) },
        { label: '生效月份', value: (e) => month(e.effective_month) },
        { label: '说明', wrap: true, value: (e) => e.detail },
      ],
    }),
    table({
      caption: '身份信息记录', rows: hist.identities || [],
      columns: [
        { label: '姓名', value: (i) => i.name },
        { label: '证件', value: (i) => `${i.id_kind_zh} ${maskId(i.id_number, !terminal)}` },
        { label: '启用日期', value: (i) => date(i.valid_from) },
        { label: '停用日期', value: (i) => (i.current ? '当前使用' : date(i.valid_to)) },
      ],
    }));
}

// ---- contribution details by insurance and year ------------------------------------

async function viewContributions(rest) {
  const q = new URLSearchParams(rest || '');
  const year = q.get('year') || '';
  const ins = q.get('insurance') || '';
  const r = await api.get(`/api/v1/me/contributions${year ? `?year=${encodeURIComponent(year)}` : ''}`);
  const items = (r.items || []).filter((it) => !ins || it.insurance === ins);
  // The totals of what is shown, summed in integer fen.
  const sum = (k) => items.reduce((a, it) => a + BigInt(it[k] || 0), 0n);
  const thisYear = Number((r.items && r.items[0] && r.items[0].month || '').slice(0, 4)) || new Date().getFullYear();
  const years = [''];
  for (let y = Math.max(thisYear, Number(year) || 0); y >= thisYear - 5; y--) years.push(String(y));
  const filter = form({
    submitLabel: '查询', id: 'contrib-filter',
    fields: [
      { name: 'year', label: '年度', type: 'select', value: year, options: years.map((y) => ({ value: y, label: y ? `${y} 年` : '全部年度' })) },
      { name: 'insurance', label: '险种', type: 'select', value: ins,
        options: [{ value: '', label: '全部险种' }, ...['pension', 'medical', 'unemployment', 'injury', 'maternity', 'housing_fund', 'housing_subsidy']
          .map((c) => ({ value: c, label: insuranceZh(c) }))] },
    ],
    onSubmit: async (v) => {
      const p = new URLSearchParams();
      if (v.year) p.set('year', v.year);
      if (v.insurance) p.set('insurance', v.insurance);
      nav_.go(`#/contributions${p.toString() ? `/${p}` : ''}`);
    },
  });
  filter.el.classList.add('inline-form');
  page('缴费明细', filter.el,
    h('p', { class: 'totals', id: 'contrib-totals' },
      `共 ${items.length} 条，单位缴纳合计 ${yuanText(sum('unit_fen'))}，个人缴纳合计 ${yuanText(sum('personal_fen'))}`,
      r.truncated ? '（记录较多，仅显示最近部分）' : ''),
    table({
      caption: `缴费明细${year ? `（${year} 年）` : ''}${ins ? ` · ${insuranceZh(ins)}` : ''}`, rows: items,
      columns: [
        { label: '月份', value: (it) => month(it.month) },
        { label: '险种', value: (it) => it.insurance_zh || insuranceZh(it.insurance) },
        { label: '类型', value: (it) => it.kind_zh },
        { label: '缴费单位', wrap: true, value: (it) => it.unit_name || '个人缴费' },
        { label: '缴费基数（元）', num: true, value: (it) => yuan(it.base_fen) },
        { label: '单位缴纳（元）', num: true, value: (it) => yuan(it.unit_fen) },
        { label: '个人缴纳（元）', num: true, value: (it) => yuan(it.personal_fen) },
        { label: '到账', value: (it) => (it.paid ? `已到账 ${date(it.paid_on)}` : '未到账') },
      ],
    }));
}

// ---- account balances -------------------------------------------------------------

async function viewAccounts() {
  const r = await api.get('/api/v1/me/accounts');
  page('账户余额',
    h('div', { class: 'tiles' }, (r.accounts || []).map((a) => h('div', { class: 'tile', 'data-account': a.kind },
      h('p', { class: 'muted' }, a.name_zh), h('p', { class: 'amount' }, yuanText(a.balance_fen))))),
    table({
      caption: '最近每月记账', rows: r.monthly_credits || [],
      columns: [
        { label: '月份', value: (c) => month(c.month) },
        { label: '账户', value: (c) => insuranceZh(c.insurance) },
        { label: '记入金额（元）', num: true, value: (c) => yuan(c.amount_fen) },
      ],
    }),
    (r.interest || []).length ? table({
      caption: '结息记录', rows: r.interest,
      columns: [
        { label: '年度', value: (i) => dash(i.year || i.period) },
        { label: '账户', value: (i) => insuranceZh(i.insurance || i.kind) },
        { label: '利息（元）', num: true, value: (i) => yuan(i.amount_fen ?? i.interest_fen) },
      ],
    }) : null);
}

// ---- the rights statement (print view) ---------------------------------------------

async function viewStatement() {
  const s = await api.get('/api/v1/me/statement');
  const t = s.account_totals || {};
  const paper = form({
    submitLabel: s.paper ? '退订纸质权益记录单' : '恢复订阅纸质权益记录单', id: 'paper-form', fields: [],
    onSubmit: async () => {
      const r = await api.put('/api/v1/me/statement/paper', { paper: !s.paper });
      flash = { text: r.paper ? `已恢复订阅 ${r.period} 年度纸质权益记录单` : `已退订 ${r.period} 年度纸质权益记录单`, kind: 'ok' };
      await viewStatement();
    },
  });
  const months = (s.months || []).flatMap((m) => (m.items || []).map((it) => ({ ...it, month: m.month })));
  page('权益记录单',
    printView({
      title: `个人权益记录单（${s.period} 年度）`,
      subtitle: `记录期间 ${date(s.from)} 至 ${date(s.to)}${s.complete ? '' : `（截至 ${date(s.as_of)}，本期尚未结束）`}`,
      body: h('div', {},
        facts([['姓名', s.name], ['证件号码', s.id_number_masked], ['社会保障号', s.si_number]]),
        table({
          caption: '个人账户', rows: [...(s.accounts || []), { account_zh: '合计', ...t }],
          columns: [
            { label: '账户', value: (a) => a.account_zh },
            { label: '期初余额（元）', num: true, value: (a) => yuan(a.opening_fen) },
            { label: '本期缴费记入（元）', num: true, value: (a) => yuan(a.contributions_fen) },
            { label: '本期利息（元）', num: true, value: (a) => yuan(a.interest_fen) },
            { label: '其他变动（元）', num: true, value: (a) => yuan(a.other_fen) },
            { label: '期末余额（元）', num: true, value: (a) => yuan(a.closing_fen) },
          ],
        }),
        table({
          caption: '本期缴费记录', rows: months,
          columns: [
            { label: '月份', value: (m) => month(m.month) },
            { label: '险种', value: (m) => m.insurance_zh || insuranceZh(m.insurance) },
            { label: '缴费基数（元）', num: true, value: (m) => yuan(m.base_fen) },
            { label: '单位缴纳（元）', num: true, value: (m) => yuan(m.unit_fen) },
            { label: '个人缴纳（元）', num: true, value: (m) => yuan(m.personal_fen) },
            { label: '缴费单位', wrap: true, value: (m) => m.unit_name || '个人缴费' },
          ],
        })),
    }),
    h('div', { class: 'no-print' },
      h('h3', {}, '纸质权益记录单'),
      h('p', {}, s.paper ? '本年度将邮寄纸质权益记录单。' : '本年度已退订纸质权益记录单。',
        '每年 1 月 1 日至 6 月 30 日可办理退订或恢复订阅。'),
      paper.el));
}

// ---- the participation certificate (print view) ------------------------------------

async function viewCertificate() {
  const c = await api.get('/api/v1/me/certificate');
  page('参保证明',
    printView({
      title: '参保证明',
      subtitle: `出具日期 ${date(c.as_of)}`,
      body: h('div', {},
        facts([['姓名', c.name], ['证件类型', c.id_kind_zh], ['证件号码', c.id_number_masked],
          ['社会保障号', c.si_number], ['园区编号', c.park_number]]),
        h('p', {}, c.ever_insured
          ? `兹证明 ${c.name} 在本中心参保情况如下（截至 ${month(c.business_month)}）：`
          : `经查，${c.name} 截至 ${month(c.business_month)} 未在本中心参保。`),
        table({
          caption: '参保情况', rows: c.insurances || [],
          columns: [
            { label: '险种', value: (i) => i.insurance_zh },
            { label: '参保状态', value: (i) => i.status_zh },
            { label: '参保单位', wrap: true, value: (i) => i.unit_name },
            { label: '首次参保月份', value: (i) => month(i.first_month) },
            { label: '累计缴费月数', num: true, value: (i) => (i.months ?? 0).toString() },
          ],
        })),
    }));
}

// ---- flexible employment -----------------------------------------------------------

async function viewFlexible() {
  const [f, opts] = await Promise.all([api.get('/api/v1/me/flexible'), api.get('/api/v1/flexible/options')]);
  const spans = f.spans || [];
  const packageName = (key) => (opts.packages.find((p) => p.key === key) || {}).name_zh || key;
  const when = `每月 ${opts.first_deduction_day} 日前办理的当月生效，${opts.first_deduction_day} 日及以后办理的次月生效；今天办理自 ${month(opts.effective_month)} 起生效。`;
  const first = opts.packages[0];
  const register = form({
    legend: '灵活就业参保登记', submitLabel: '参保登记', id: 'flex-register',
    ruleFields: { tier_out_of_range: 'tier', hf_not_in_park: 'lives_in_park', hf_foreigner_no_pr: 'package', already_insured: 'package' },
    fields: [
      { name: 'package', label: '参保套餐', type: 'select', options: opts.packages.map((p) => ({ value: p.key, label: p.name_zh })) },
      { name: 'tier', label: '缴费档次', type: 'select', options: first ? tierOptions(opts, first.insurances) : [],
        hint: '括号内为各险种每月缴费基数' },
      { name: 'female_cadre_age', label: '女性选择按 55 周岁退休', type: 'checkbox' },
      { name: 'lives_in_park', label: '本人居住在园区（参加住房公积金时填写）', type: 'checkbox' },
    ],
    onSubmit: async (v) => {
      const r = await api.post('/api/v1/flexible', {
        package: v.package, tier: Number(v.tier), female_cadre_age: v.female_cadre_age, lives_in_park: v.lives_in_park,
      });
      const bases = (r.spans || []).map((s) => `${insuranceZh(s.insurance)}缴费基数 ${yuanText(s.base_fen)}`).join('，');
      flash = { text: `参保登记成功，自 ${month(r.effective_month)} 起按第 ${r.tier} 档缴费（${bases}）。`, kind: 'ok' };
      await viewFlexible();
    },
  });
  const pkgSelect = register.field('package');
  pkgSelect.addEventListener('change', () => {
    const p = opts.packages.find((x) => x.key === pkgSelect.value);
    setOptions(register.field('tier'), tierOptions(opts, p ? p.insurances : []));
  });
  const held = spans.map((s) => ({ value: s.insurance, label: s.insurance_zh || insuranceZh(s.insurance) }));
  const tier = form({
    legend: '缴费档次变更', submitLabel: '变更档次', id: 'flex-tier',
    ruleFields: { tier_out_of_range: 'tier', tier_unchanged: 'tier' },
    fields: [
      { name: 'insurance', label: '变更险种', type: 'select', options: held },
      { name: 'tier', label: '新的缴费档次', type: 'select', options: held.length ? tierOptions(opts, [held[0].value]) : [] },
    ],
    onSubmit: async (v) => {
      const r = await api.put('/api/v1/flexible/tier', { insurance: v.insurance, tier: Number(v.tier) });
      const what = (r.changes || []).map((c) => `${insuranceZh(c.insurance)}由第 ${c.from_tier} 档变更为第 ${c.to_tier} 档（缴费基数 ${yuanText(c.base_fen)}）`).join('，');
      flash = { text: `${what}，自 ${month(r.effective_month)} 起生效。`, kind: 'ok' };
      await viewFlexible();
    },
  });
  const insSelect = tier.field('insurance');
  insSelect.addEventListener('change', () => setOptions(tier.field('tier'), tierOptions(opts, [insSelect.value])));
  const normal = spans.filter((s) => s.status === 'normal');
  const suspended = spans.filter((s) => s.status === 'suspended');
  const pick = (list, prefix) => list.map((s) => ({ name: `${prefix}_${s.insurance}`, label: s.insurance_zh || insuranceZh(s.insurance), type: 'checkbox', value: true }));
  const chosen = (v, prefix) => Object.entries(v).filter(([k, on]) => k.startsWith(`${prefix}_`) && on).map(([k]) => k.slice(prefix.length + 1));
  const suspend = form({
    legend: '中断参保', submitLabel: '中断参保', id: 'flex-suspend', fields: pick(normal, 's'),
    onSubmit: async (v) => {
      const r = await api.post('/api/v1/flexible/suspend', { insurances: chosen(v, 's') });
      flash = { text: `已办理中断参保，自 ${month(r.effective_month)} 起停止缴费。`, kind: 'ok' };
      await viewFlexible();
    },
  });
  const resume = form({
    legend: '恢复参保', submitLabel: '恢复参保', id: 'flex-resume', fields: pick(suspended, 'r'),
    onSubmit: async (v) => {
      const r = await api.post('/api/v1/flexible/resume', { insurances: chosen(v, 'r') });
      flash = { text: `已恢复参保，自 ${month(r.effective_month)} 起缴费。`, kind: 'ok' };
      await viewFlexible();
    },
  });
  page('灵活就业',
    h('p', { class: 'notice notice-warn', id: 'flex-when' }, when),
    f.registered ? table({
      caption: '我的灵活就业参保', rows: spans,
      columns: [
        { label: '险种', value: (s) => s.insurance_zh || insuranceZh(s.insurance) },
        { label: '套餐', value: (s) => packageName(s.package) },
        { label: '档次', value: (s) => `第 ${s.tier} 档` },
        { label: '缴费基数（元）', num: true, value: (s) => yuan(s.base_fen) },
        { label: '状态', value: (s) => spanStatusZh(s.status) },
        { label: '开始月份', value: (s) => month(s.start_month) },
        { label: '待生效变更', value: (s) => (s.pending_tier ? `自 ${month(s.pending_month)} 起第 ${s.pending_tier} 档` : '—') },
      ],
    }) : h('p', {}, '您目前没有以灵活就业人员身份参保。'),
    register.el,
    spans.length ? tier.el : null,
    normal.length ? suspend.el : null,
    suspended.length ? resume.el : null);
}

// ---- my applications and their progress ---------------------------------------------

const DUE = { overdue: ['已超期', 'state-red'], due_soon: ['即将到期', 'state-amber'], ok: ['', ''] };

async function viewApplications(rest) {
  if (rest) return viewApplication(rest);
  const r = await api.get('/api/v1/applications');
  page('我的办件', table({
    caption: '我的办件', rows: r.items || [],
    rowClass: (a) => (DUE[a.due] || DUE.ok)[1] || null,
    columns: [
      { label: '办件编号', value: (a) => h('a', { href: `#/applications/${a.id}` }, String(a.id)) },
      { label: '事项', wrap: true, value: (a) => a.item_name },
      { label: '状态', value: (a) => a.state_zh },
      { label: '提交日期', value: (a) => date(a.submitted_on) },
      { label: '办结时限', value: (a) => [date(a.deadline_on), (DUE[a.due] || DUE.ok)[0] ? h('span', { class: `badge ${DUE[a.due][1]}` }, DUE[a.due][0]) : null] },
    ],
  }));
}

async function viewApplication(id) {
  const a = await api.get(`/api/v1/applications/${encodeURIComponent(id)}`);
  page(`办件进度 · ${a.item_name}`,
    facts([['办件编号', String(a.id)], ['事项', a.item_name], ['当前状态', a.state_zh], ['提交日期', date(a.submitted_on)],
      ['受理日期', date(a.accepted_on)], ['办结时限', date(a.deadline_on)], ['审核日期', date(a.decided_on)],
      ['办结日期', date(a.completed_on)], ['审核意见', dash(a.decision_reason)]]),
    table({
      caption: '材料', rows: a.materials || [],
      columns: [{ label: '材料名称', wrap: true, value: (m) => m.name }, { label: '收取情况', value: (m) => (m.received ? '已收取' : '未收取') }],
    }),
    table({
      caption: '办理过程', rows: a.events || [],
      columns: [
        { label: '日期', value: (e) => date(e.business_date) },
        { label: '环节', value: (e) => applicationStateZh(e.to) },
        { label: '说明', wrap: true, value: (e) => dash(e.note) },
      ],
    }),
    h('p', {}, h('a', { href: '#/applications' }, '返回我的办件')));
}

// ---- change of password ------------------------------------------------------------

function viewPassword() {
  const f = form({
    submitLabel: '修改密码', id: 'password-form',
    ruleFields: { password_too_short: 'new_password' },
    fields: [
      { name: 'old_password', label: '原密码', type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'new_password', label: '新密码', type: 'password', required: true, autocomplete: 'new-password' },
      { name: 'confirm', label: '再次输入新密码', type: 'password', required: true, autocomplete: 'new-password' },
    ],
    onSubmit: async (v, fa) => {
      if (v.new_password !== v.confirm) {
        fa.setErrors({ message: '两次输入的新密码不一致', field: 'confirm', rules: [] });
        return;
      }
      await api.put('/api/v1/me/password', { old_password: v.old_password, new_password: v.new_password });
      flash = { text: '密码已修改，下次登录请使用新密码', kind: 'ok' };
      viewPassword();
    },
  });
  page('修改密码', f.el);
}

// ---- every service item of a person -----------------------------------------------

async function viewServices() {
  const menu = await catalogMenu({
    api, audience: 'person', views: ITEM_VIEWS, label: '个人服务事项',
    onOpen: (view) => nav_.go(view),
  });
  page('全部服务事项', h('p', { class: 'muted' }, '本中心面向个人的全部服务事项；标为“暂未开通”的事项暂不能办理。'), menu);
}

// ---- routing -----------------------------------------------------------------------

function guarded(title, fn) {
  return async (rest) => {
    if (!me) return;
    main.replaceChildren(h('p', { class: 'muted' }, '正在加载…'));
    try {
      await fn(rest);
    } catch (e) {
      if (e && e.status === 401) return;
      failed(title, e);
    }
    main.focus({ preventScroll: true });
  };
}

const nav_ = router({
  '#/info': guarded('我的信息', viewInfo),
  '#/relations': guarded('参保关系', viewRelations),
  '#/contributions': guarded('缴费明细', viewContributions),
  '#/accounts': guarded('账户余额', viewAccounts),
  '#/statement': guarded('权益记录单', viewStatement),
  '#/certificate': guarded('参保证明', viewCertificate),
  '#/flexible': guarded('灵活就业', viewFlexible),
  '#/applications': guarded('我的办件', viewApplications),
  '#/password': guarded('修改密码', viewPassword),
  '#/services': guarded('全部服务事项', viewServices),
}, () => { if (me) nav_.go('#/info'); });

async function boot() {
  if (terminal) {
    // A terminal that cannot learn its idle sign-out does not let anyone sign in.
    try {
      idlePolicySeconds = (await api.get('/api/v1/terminal/settings')).idle_seconds;
    } catch (e) {
      body.classList.add('single');
      main.replaceChildren(errorBox({ message: `自助终端暂不可用：${e.message}`, rules: [] }));
      return;
    }
  }
  if (api.signedIn()) start().catch(() => showSignIn());
  else showSignIn();
}

boot();
