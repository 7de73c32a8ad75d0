// lib.js — helpers the employer client and the counter share beside web/common: money typed
// in yuan, the insurances' Chinese names, file uploads whose refusal lists rows, and small
// building blocks (cards, facts lists, state badges).
import { h, errorBox, notice } from '/common/ui.js';
import { ApiError } from '/common/api.js';
import { insuranceZh } from '/common/fmt.js';

// The insurances in the order the desks list them; their Chinese names are web/common's.
export const INSURANCES = ['pension', 'medical', 'unemployment', 'injury', 'maternity', 'housing_fund', 'housing_subsidy']
  .map((key) => ({ key, zh: insuranceZh(key) }));
export { insuranceZh };
const SHORT_ZH = { pension: '养老', medical: '医疗', unemployment: '失业', injury: '工伤', maternity: '生育', housing_fund: '公积金', housing_subsidy: '住房补贴' };

export const BILL_STATUS_ZH = { draft: '待确认', confirmed: '已确认', sent: '已托收', paid: '已到账', failed: '扣款失败' };
export const BILL_KIND_ZH = { regular: '月缴费', backpay: '补缴', difference: '基数差额', subsidy: '医疗补助' };
export const ROLE_ZH = { person: '参保人', unit: '单位经办人', clerk: '柜员', reviewer: '审核员', finance: '财务', admin: '管理员', system: '系统' };
export const CHANNEL_ZH = { portal: '个人网厅', terminal: '自助终端', unit_client: '单位客户端', counter: '柜面', institution: '机构', cli: '中心后台' };
// The states of an application in the order of its life (their words: fmt.applicationStateZh).
export const APP_STATES = ['submitted', 'accepted', 'approved', 'refused', 'completed'];

// "1,234.5" or "1234.56" yuan -> integer fen, by string arithmetic (no floating point);
// null when it is not money with at most two decimals.
export function parseYuan(text) {
  const s = String(text ?? '').replace(/[,，\s]/g, '');
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// "8" or "8.5" per cent -> basis points (800, 850), by string arithmetic; null otherwise.
export function parsePercent(text) {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(String(text ?? '').replace(/[%％\s]/g, ''));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// An ApiError for a money field that does not parse, shown next to the field by form().
export function yuanError(field, label) {
  return new ApiError({ status: 400, code: 'invalid_amount', message: `${label}请填写金额（元），最多两位小数，例如 8000.00`, field });
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...children);
}

// [[label, value], ...] -> <dl class="facts">.
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k),
    h('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]));
}

export function badge(text, tone) {
  return h('span', { class: `badge${tone ? ` state-${tone}` : ''}` }, text);
}

// A view's frame: the main element emptied, a heading, and a body to fill.
export function frame(main, title, intro) {
  main.replaceChildren(h('h2', { class: 'view-title' }, title));
  if (intro) main.append(h('p', { class: 'muted' }, intro));
  main.focus({ preventScroll: true });
  return main;
}

// Shows an error of any kind (ApiError or other) at the end of el.
export function showError(el, e) {
  el.append(errorBox(e && e.name === 'ApiError' ? e : { message: `页面出错：${e && e.message ? e.message : e}`, rules: [] }));
}

export function ok(text) { return notice(text, 'ok'); }

// The content type of an uploaded roster or bases file.
export function fileType(file) {
  const n = (file && file.name ? file.name : '').toLowerCase();
  if (n.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  return 'text/csv';
}

// Posts a file as it is and answers { status, data } without throwing, since the refusal of a
// whole file carries error.rows (every problem of every row), which an ApiError does not keep.
export async function postFile(api, path, file, channel) {
  const headers = { Accept: 'application/json', 'Content-Type': fileType(file) };
  const t = api.token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (channel) headers['X-Channel'] = channel;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, body: file });
  } catch {
    return { status: 0, data: { error: { code: 'network', message: '无法连接服务器，请稍后再试', rules: [] } } };
  }
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

// The short Chinese list of the insurances of spans in the usual order, e.g. "养老、医疗、公积金".
export function spanList(spans) {
  const have = new Set((spans || []).map((s) => s.insurance));
  return INSURANCES.filter((i) => have.has(i.key)).map((i) => SHORT_ZH[i.key]).join('、');
}

// Checkbox group of insurances (fieldset with a legend), returns { el, values() }.
let groupSeq = 0;
export function insuranceChecks(legend, checked = [], only = null) {
  const id = `ins${++groupSeq}`;
  const boxes = INSURANCES.filter((i) => !only || only.includes(i.key)).map((i) => {
    const cid = `${id}-${i.key}`;
    const input = h('input', { type: 'checkbox', id: cid, value: i.key, checked: checked.includes(i.key) });
    return { input, el: h('span', { class: 'check' }, input, h('label', { for: cid }, i.zh)) };
  });
  const el = h('fieldset', { class: 'checks' }, h('legend', {}, legend), boxes.map((b) => b.el));
  return { el, values: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value) };
}

// The current month "YYYY-MM" of a business date "YYYY-MM-DD".
export const monthOf = (d) => String(d || '').slice(0, 7);
export function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

// The fixed entries above a desk's catalog menu: [[view, label], ...].
export function sideFixed(entries, onOpen, label = '常用功能') {
  return h('nav', { class: 'side-fixed', 'aria-label': label },
    h('ul', {}, entries.map(([view, text]) => h('li', {}, h('button', { type: 'button', 'data-view': view, onclick: () => onOpen(view) }, text)))));
}

// Dates and months are typed as the desks write them (YYYY-MM-DD, YYYY-MM): a browser's own
// date control shows the machine's format (11/20/2026), not the center's.
export const DATE = { type: 'text', placeholder: 'YYYY-MM-DD', inputmode: 'numeric', maxlength: 10 };
export const MONTH = { type: 'text', placeholder: 'YYYY-MM', inputmode: 'numeric', maxlength: 7 };

// The file control of a form in Chinese: the browser's own button speaks the browser's
// language, so it is hidden behind a 选择文件 button and the chosen file's name.
export function zhFile(formApi, name) {
  const input = formApi.field(name);
  const shown = h('span', { class: 'file-name', 'aria-live': 'polite' }, '未选择文件');
  input.classList.add('visually-hidden');
  input.addEventListener('change', () => { shown.textContent = input.files && input.files[0] ? input.files[0].name : '未选择文件'; });
  input.after(h('span', { class: 'file-pick' }, h('button', { type: 'button', onclick: () => input.click() }, '选择文件'), shown));
}
