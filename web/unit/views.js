// views.js — the employer client's views. Each view takes a context
//   { api, unitId, counter, channel, main, go, businessDate }
// and draws itself into ctx.main. The counter reuses the same views for a unit it serves
// (counter true: the bodies name unit_id, as the counter's routes require), so the unit and
// the clerk see one screen for one operation.
import { h, table, form, printView, notice, errorBox } from '/common/ui.js';
import { yuan, yuanText, date, month, maskId, applicationStateZh, spanStatusZh } from '/common/fmt.js';
import {
  card, facts, badge, frame, showError, ok, postFile, spanList, insuranceChecks, parseYuan, yuanError,
  BILL_STATUS_ZH, BILL_KIND_ZH, monthOf, addMonths, insuranceZh, DATE, MONTH, zhFile, parsePercent,
} from '/unit/lib.js';
import { ApiError } from '/common/api.js';

const withUnit = (ctx, body) => (ctx.counter ? { ...body, unit_id: ctx.unitId } : body);
const unitPath = (ctx, rest = '') => `/api/v1/units/${ctx.unitId}${rest}`;

// ---- 单位概况 ----
export async function viewHome(ctx) {
  const main = frame(ctx.main, '单位概况');
  try {
    const [u, bills, emp, arrears] = await Promise.all([
      ctx.api.get(unitPath(ctx)),
      ctx.api.get(unitPath(ctx, '/bills')),
      ctx.api.get(unitPath(ctx, '/employees?status=current')),
      ctx.api.get(unitPath(ctx, '/arrears')),
    ]);
    const yes = (b) => (b ? '已办理' : '未办理');
    main.append(card(u.name, facts([
      ['统一社会信用代码', u.code], ['单位类型', u.unit_type_zh], ['参保类别', u.category_zh],
      ['参保所属地', u.district], ['单位状态', u.status_zh], ['参保登记日期', date(u.registered_on)],
      ['托收协议', u.collection_agreement ? `已签订（${u.bank_name || ''}）` : '未签订'],
      ['数字证书', yes(u.has_certificate)], ['网上缴费权限', u.online_payment ? '已开通' : '未开通'],
      ['联系人', `${u.contact_name || '—'}　${u.contact_phone || ''}`],
    ])));
    const latest = bills.items[0];
    main.append(h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('p', { class: 'muted' }, '在职参保职工'), h('p', { class: 'amount', id: 'tile-employees' }, `${emp.count} 人`)),
      latest ? h('div', { class: 'tile' }, h('p', { class: 'muted' }, `${latest.month} ${BILL_KIND_ZH[latest.kind] || ''}账单`),
        h('p', { class: 'amount' }, yuanText(latest.total_fen)), h('p', {}, BILL_STATUS_ZH[latest.status] || latest.status)) : null,
      h('div', { class: `tile${arrears.count ? ' tile-red' : ''}`, id: 'tile-arrears' }, h('p', { class: 'muted' }, '欠费（含滞纳金）'),
        h('p', { class: 'amount' }, yuanText(arrears.total_fen)),
        h('p', {}, arrears.count ? `欠费 ${yuan(arrears.amount_fen)} 元，滞纳金 ${yuan(arrears.late_fee_fen)} 元` : '无欠费')),
      h('div', { class: 'tile' }, h('p', { class: 'muted' }, '业务日期'), h('p', { class: 'amount' }, date(ctx.businessDate)))));
  } catch (e) { showError(main, e); }
}

// ---- 单位信息变更、托收协议、网上缴费权限 ----
export async function viewInfo(ctx) {
  const main = frame(ctx.main, '单位信息', '联系方式和托收账户可直接变更；名称、类型等关键信息的变更需提交申请，经审核后生效。');
  let u;
  try { u = await ctx.api.get(unitPath(ctx)); } catch (e) { showError(main, e); return; }
  const out1 = h('div', { 'aria-live': 'polite', id: 'info-result' });
  const upd = form({
    id: 'info-form', legend: '变更联系方式', submitLabel: '保存变更',
    fields: [
      { name: 'address', label: '单位地址', value: u.address || '' }, { name: 'contact_name', label: '联系人', value: u.contact_name || '' },
      { name: 'contact_phone', label: '联系电话', value: u.contact_phone || '' }, { name: 'contact_email', label: '电子邮箱', value: u.contact_email || '' },
    ],
    onSubmit: async (v) => {
      out1.replaceChildren();
      const changes = Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== (u[k] || '')));
      if (!Object.keys(changes).length) { out1.append(notice('没有修改的内容', 'warn')); return; }
      u = await ctx.api.patch(unitPath(ctx), changes);
      out1.append(ok(`已保存 ${Object.keys(changes).length} 项变更`));
    },
  });
  const out2 = h('div', { 'aria-live': 'polite', id: 'agreement-result' });
  const agr = form({
    id: 'agreement-form', legend: '托收（委托扣款）协议', submitLabel: '签订托收协议',
    fields: [{ name: 'bank_name', label: '开户银行', required: true, value: u.bank_name || '' },
      { name: 'bank_account', label: '银行账号', required: true, inputmode: 'numeric', value: u.bank_account || '' }],
    onSubmit: async (v) => {
      out2.replaceChildren();
      u = await ctx.api.post(unitPath(ctx, '/collection-agreement'), v);
      out2.append(ok(`已签订托收协议：${u.bank_name} ${u.bank_account}`));
    },
  });
  const out3 = h('div', { 'aria-live': 'polite', id: 'online-result' });
  const online = h('button', { type: 'button', id: 'online-payment', onclick: async () => {
    out3.replaceChildren();
    try {
      u = await ctx.api.post(unitPath(ctx, '/online-payment'), {});
      out3.append(ok('已开通网上缴费权限'));
    } catch (e) { showError(out3, e); }
  } }, '开通网上缴费权限');
  main.append(card(null, facts([['单位名称', u.name], ['统一社会信用代码', u.code], ['托收协议', u.collection_agreement ? '已签订' : '未签订'],
    ['数字证书', u.has_certificate ? '已办理' : '未办理'], ['网上缴费权限', u.online_payment ? '已开通' : '未开通']])),
  card(null, upd.el, out1), card(null, agr.el, out2),
  card('网上缴费权限', h('p', { class: 'muted' }, '须已办理单位数字证书并签订托收协议。'), h('div', { class: 'actions' }, online), out3));
}

// ---- 职工名册 ----
export async function viewEmployees(ctx) {
  const main = frame(ctx.main, '职工名册', '本单位在职和离职职工，仅显示在本单位的参保关系。');
  const status = h('select', { id: 'emp-status' }, h('option', { value: 'current' }, '在职'), h('option', { value: 'former' }, '离职'));
  const text = h('input', { id: 'emp-text', type: 'search', placeholder: '姓名、证件号码或社保号' });
  const ins = h('select', { id: 'emp-ins' }, h('option', { value: '' }, '全部险种'),
    ['pension', 'medical', 'unemployment', 'injury', 'maternity', 'housing_fund', 'housing_subsidy']
      .map((k) => h('option', { value: k }, insuranceZh(k))));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': '筛选职工', onsubmit: (e) => { e.preventDefault(); draw(); } },
    h('div', { class: 'field' }, h('label', { for: 'emp-status' }, '在职状态'), status),
    h('div', { class: 'field' }, h('label', { for: 'emp-text' }, '姓名或证件号码'), text),
    h('div', { class: 'field' }, h('label', { for: 'emp-ins' }, '参保险种'), ins),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '筛选')));
  const out = h('div', { id: 'emp-list' });
  const detail = h('div', { id: 'emp-detail' });
  main.append(card(null, filters), out, detail);
  let cache = { status: null, items: [] };

  async function draw() {
    out.replaceChildren();
    detail.replaceChildren();
    try {
      if (cache.status !== status.value) {
        const d = await ctx.api.get(unitPath(ctx, `/employees?status=${status.value}`));
        cache = { status: status.value, items: d.items };
      }
      const q = text.value.trim();
      const rows = cache.items.filter((p) => (!q || p.name.includes(q) || p.id_number.includes(q) || (p.si_number || '').includes(q))
        && (!ins.value || (p.spans || []).some((s) => s.insurance === ins.value)));
      const emp = (p) => (p.employments || [])[0] || {};
      out.append(table({
        caption: `${status.value === 'current' ? '在职' : '离职'}职工 ${rows.length} 人`,
        columns: [
          { label: '姓名', value: (p) => p.name },
          { label: '证件号码', value: (p) => maskId(p.id_number, ctx.counter) },
          { label: '社保号', value: (p) => p.si_number },
          { label: '用工日期', value: (p) => date(emp(p).start_date) },
          { label: '离职日期', value: (p) => date(emp(p).end_date) },
          { label: '参保险种', wrap: true, value: (p) => spanList((p.spans || []).filter((s) => status.value === 'former' || !s.end_month)) || '—' },
          { label: '操作', value: (p) => h('span', { class: 'row-actions' },
            h('button', { type: 'button', class: 'link', 'aria-label': `查看${p.name}`, onclick: () => show(p) }, '查看'),
            status.value === 'current' ? h('button', { type: 'button', class: 'link', 'aria-label': `为${p.name}办理退工`, onclick: () => ctx.go(`${ctx.terminateHash || '#/terminate'}/${p.id_number}`) }, '退工') : null) },
        ],
        rows,
        empty: '没有符合条件的职工',
      }));
    } catch (e) { showError(out, e); }
  }

  function show(p) {
    detail.replaceChildren(card(`${p.name} 的参保信息`,
      facts([['证件号码', p.id_number], ['社保号', p.si_number], ['园区编号', p.park_number]]),
      table({
        caption: '用工记录',
        columns: [
          { label: '用工日期', value: (e) => date(e.start_date) }, { label: '离职日期', value: (e) => date(e.end_date) },
          { label: '登记日期', value: (e) => date(e.enrolled_on) }, { label: '逾期登记', value: (e) => (e.late ? '是' : '否') },
          { label: '状态', value: (e) => (e.status === 'active' ? '在职' : '已退工') },
        ],
        rows: p.employments || [],
      }),
      table({
        caption: '参保关系（本单位）',
        columns: [
          { label: '险种', value: (s) => s.insurance_zh }, { label: '起始月份', value: (s) => month(s.start_month) },
          { label: '终止月份', value: (s) => month(s.end_month) }, { label: '状态', value: (s) => spanStatusZh(s.status) },
        ],
        rows: p.spans || [],
      })));
    detail.querySelector('h2').setAttribute('tabindex', '-1');
    detail.querySelector('h2').focus();
  }
  status.addEventListener('change', draw);
  await draw();
}

// ---- 员工参保登记 (one employee, or a roster file) ----
export async function viewEnrol(ctx) {
  const main = frame(ctx.main, '员工参保登记', '一次登记本单位参保类别的全部险种（社保、医保、住房公积金）。请在规定期限内办理，逾期登记的结果会注明逾期天数。');
  const result = h('div', { id: 'enrol-result', 'aria-live': 'polite' });
  const f = form({
    id: 'enrol-form',
    legend: '登记一名职工',
    ruleFields: {
      already_employed: 'id_number', already_insured: 'id_number', person_retired: 'id_number', document_kind_mismatch: 'id_kind',
      name_mismatch: 'name', birth_date_missing: 'birth_date', age_below_min: 'birth_date', age_at_retirement: 'birth_date',
      sex_missing: 'sex', start_date_future: 'start_date', nationality_missing: 'nationality', nationality_mismatch: 'nationality',
      contract_end_missing: 'contract_end', contract_end_before_start: 'contract_end',
      pays_hf_missing: 'pays_hf', pays_hf_conflict: 'pays_hf', hf_rate_missing: 'hf_rate', hf_rate_out_of_range: 'hf_rate',
    },
    submitLabel: '提交参保登记',
    fields: [
      { name: 'id_kind', label: '证件类型', type: 'select', value: 'resident', options: [
        { value: 'resident', label: '居民身份证' }, { value: 'passport', label: '护照' },
        { value: 'hkmo_permit', label: '港澳居民来往内地通行证' }, { value: 'tw_permit', label: '台湾居民来往大陆通行证' },
        { value: 'hmt_residence', label: '港澳台居民居住证' }, { value: 'foreign_pr', label: '外国人永久居留身份证' }] },
      { name: 'id_number', label: '证件号码', required: true, autocomplete: 'off' },
      { name: 'name', label: '姓名', required: true },
      { name: 'start_date', label: '用工日期', ...DATE, required: true, value: ctx.businessDate },
      { name: 'kind', label: '用工类型', type: 'select', value: 'regular', options: [
        { value: 'regular', label: '普通职工' }, { value: 'foreign', label: '外籍职工' }, { value: 'hmt', label: '港澳台职工' }] },
      { name: 'sex', label: '性别', type: 'select', hint: '证件不含性别时必填', options: [
        { value: '', label: '按证件' }, { value: 'M', label: '男' }, { value: 'F', label: '女' }] },
      { name: 'birth_date', label: '出生日期', ...DATE, hint: '证件不含出生日期时必填' },
      { name: 'nationality', label: '国籍（地区）代码', hint: '外籍和港澳台职工必填，例如 DEU、HKG' },
      { name: 'contract_end', label: '劳动合同终止日期', ...DATE, hint: '外籍和港澳台职工必填' },
      { name: 'pays_hf', label: '缴存住房公积金', type: 'select', hint: '外籍和港澳台职工必选', options: [
        { value: '', label: '按参保类别' }, { value: 'true', label: '缴存' }, { value: 'false', label: '不缴存' }] },
      { name: 'hf_rate', label: '住房公积金缴存比例（%）', inputmode: 'decimal', hint: '外籍和港澳台职工缴存时必填，例如 8' },
      { name: 'mobile', label: '手机号码', inputmode: 'numeric' },
    ],
    onSubmit: async (v) => {
      result.replaceChildren();
      const body = { id_kind: v.id_kind, id_number: v.id_number, name: v.name, start_date: v.start_date, kind: v.kind };
      for (const k of ['sex', 'birth_date', 'nationality', 'contract_end', 'mobile']) if (v[k]) body[k] = v[k];
      if (v.pays_hf) body.pays_hf = v.pays_hf === 'true';
      if (v.hf_rate) {
        const bp = parsePercent(v.hf_rate);
        if (bp === null) throw new ApiError({ status: 400, code: 'invalid_rate', message: '缴存比例请填写百分数，最多两位小数，例如 8 或 8.5', field: 'hf_rate' });
        body.hf_rate_bp = bp;
      }
      const r = await ctx.api.post('/api/v1/enrolments', withUnit(ctx, body));
      result.append(card('登记结果',
        notice(r.message || `已为${r.name}办理参保登记`, r.late ? 'warn' : 'ok'),
        facts([['姓名', r.name], ['证件号码', r.id_number], ['用工日期', date(r.start_date)], ['登记日期', date(r.enrolled_on)],
          ['新建人员信息', r.person_created ? '是' : '否（已有人员信息）']]),
        table({ caption: '已参保险种', columns: [
          { label: '险种', value: (s) => s.insurance_zh }, { label: '起始月份', value: (s) => month(s.start_month) }], rows: r.spans || [] }),
        r.exempt && r.exempt.length ? h('p', {}, `按双边协定免缴：${r.exempt.map(insuranceZh).join('、')}`) : null));
      result.querySelector('h2').setAttribute('tabindex', '-1');
      result.querySelector('h2').focus();
    },
  });
  main.append(card(null, f.el), result);
  main.append(rosterCard(ctx));
}

function rosterCard(ctx) {
  const out = h('div', { id: 'roster-result', 'aria-live': 'polite' });
  const f = form({
    id: 'roster-form',
    legend: '导入参保花名册',
    submitLabel: '上传并登记',
    fields: [{ name: 'file', label: '花名册文件', type: 'file', required: true, accept: '.csv,.xlsx',
      hint: 'CSV（UTF-8）或 XLSX；列名见花名册模板。任何一行有误则整份不登记，并逐行列出问题。' }],
    onSubmit: async (v) => {
      out.replaceChildren();
      const path = `/api/v1/enrolments/roster${ctx.counter ? `?unit_id=${ctx.unitId}` : ''}`;
      const r = await postFile(ctx.api, path, v.file, ctx.channel);
      out.append(rosterReport(r, '登记'));
    },
  });
  zhFile(f, 'file');
  return card('花名册导入', f.el, out);
}

// The row-by-row report of a roster or bases file: every row done, or every problem.
export function rosterReport(r, verb) {
  if (r.status === 201) {
    const rows = r.data.enrolled || r.data.declared || [];
    return h('div', {},
      notice(`已${verb} ${r.data.count} 人${r.data.late_count ? `，其中逾期登记 ${r.data.late_count} 人` : ''}`, 'ok'),
      table({ caption: `${verb}结果（逐行）`, columns: [
        { label: '行号', value: (x) => String(x.row), num: true },
        { label: '姓名', value: (x) => x.name || '—' },
        { label: '证件号码', value: (x) => x.id_number },
        r.data.declared ? { label: '缴费基数（元）', value: (x) => yuan(x.base_fen), num: true }
          : { label: '逾期', value: (x) => (x.late ? `逾期 ${x.late_days} 天` : '否') },
      ], rows }));
  }
  const e = (r.data && r.data.error) || { message: `上传失败（${r.status}）`, rules: [] };
  const rows = e.rows || [];
  return h('div', {},
    errorBox({ message: e.message, rules: rows.length ? [] : (e.rules || []) }),
    rows.length ? table({ caption: `问题行 ${e.bad_row_count ?? rows.length} 行，整份文件未${verb}`, columns: [
      { label: '行号', value: (x) => String(x.row), num: true },
      { label: '列', value: (x) => x.column || x.field || '—' },
      { label: '问题', wrap: true, value: (x) => x.message },
      { label: '规则', value: (x) => x.code },
    ], rows, rowClass: () => 'state-red' }) : null);
}

// ---- 退工停保 ----
export async function viewTerminate(ctx, idNumber) {
  const main = frame(ctx.main, '退工停保登记', '结束用工，并在离职当月终止本单位的全部参保关系。');
  const result = h('div', { id: 'terminate-result', 'aria-live': 'polite' });
  let reasons = [];
  try {
    reasons = (await ctx.api.get('/api/v1/termination-reasons')).items;
  } catch (e) { showError(main, e); return; }
  const f = form({
    id: 'terminate-form',
    submitLabel: '办理退工',
    ruleFields: { not_employed: 'id_number', end_before_start: 'end_date', invalid_reason: 'reason' },
    fields: [
      { name: 'id_number', label: '证件号码', required: true, value: decodeURIComponent(idNumber || '') },
      { name: 'end_date', label: '离职日期', ...DATE, required: true, value: ctx.businessDate },
      { name: 'reason', label: '退工原因', type: 'select', required: true, value: '',
        options: [{ value: '', label: '请选择' }, ...reasons.map((r) => ({ value: r.key, label: `${r.name_zh}${r.voluntary ? '（本人原因）' : ''}` }))],
        hint: '本人原因离职的，不享受失业保险待遇。退工原因提交后修改次数有限，请核对。' },
    ],
    onSubmit: async (v) => {
      result.replaceChildren();
      const r = await ctx.api.post('/api/v1/terminations', withUnit(ctx, v));
      result.append(card('退工结果', ok(`已为${r.person_name}办理退工，离职日期 ${date(r.end_date)}`),
        facts([['姓名', r.person_name], ['单位', r.unit_name], ['用工日期', date(r.start_date)], ['离职日期', date(r.end_date)],
          ['退工原因', r.termination_reason_zh], ['本人原因', r.termination_voluntary ? '是' : '否']]),
        table({ caption: '已终止的参保关系', columns: [
          { label: '险种', value: (s) => s.insurance_zh }, { label: '起始月份', value: (s) => month(s.start_month) },
          { label: '终止月份', value: (s) => month(s.end_month) }], rows: r.spans || [] })));
    },
  });
  main.append(card(null, f.el), result, await reasonChangeCard(ctx, reasons));
}

// 失业合同解除原因修改: a former employee's termination reason, changed a limited number of
// times and only while the person has not been insured elsewhere since (the server's rules).
async function reasonChangeCard(ctx, reasons) {
  const out = h('div', { id: 'reason-result', 'aria-live': 'polite' });
  let former = [];
  try {
    former = (await ctx.api.get(unitPath(ctx, '/employees?status=former'))).items;
  } catch (e) { showError(out, e); }
  const zh = (k) => (reasons.find((r) => r.key === k) || { name_zh: k || '—' }).name_zh;
  const options = [];
  for (const p of former) {
    for (const e of p.employments || []) {
      if (e.status === 'terminated') options.push({ value: String(e.id), label: `${p.name}（离职 ${date(e.end_date)}，现为：${zh(e.termination_reason)}）` });
    }
  }
  const f = form({
    id: 'reason-form', legend: '修改退工原因', submitLabel: '修改退工原因',
    ruleFields: { not_terminated: 'employment', reason_changes_exhausted: 'employment', insured_elsewhere: 'employment', invalid_reason: 'reason', reason_unchanged: 'reason' },
    fields: [
      { name: 'employment', label: '离职职工', type: 'select', required: true, options: [{ value: '', label: options.length ? '请选择' : '没有离职职工' }, ...options] },
      { name: 'reason', label: '新的退工原因', type: 'select', required: true, options: [{ value: '', label: '请选择' }, ...reasons.map((r) => ({ value: r.key, label: r.name_zh }))] },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const r = await ctx.api.put(`/api/v1/terminations/${v.employment}/reason`, { reason: v.reason });
      out.append(ok(`已将${r.person_name}的退工原因改为“${r.termination_reason_zh}”（已修改 ${r.reason_changes} 次）`));
    },
  });
  return card('失业合同解除原因修改', f.el, out);
}

// ---- 缴费基数申报 ----
export async function viewBases(ctx) {
  const main = frame(ctx.main, '缴费基数', '申报职工月工资，系统按当年度缴费基数上下限核定缴费基数。');
  const out1 = h('div', { id: 'base-result', 'aria-live': 'polite' });
  const declare = form({
    id: 'base-form', legend: '申报一名职工', submitLabel: '申报缴费基数',
    ruleFields: { not_employed: 'id_number', from_month_before_hire: 'from_month', from_month_out_of_range: 'from_month', month_already_assessed: 'from_month' },
    fields: [
      { name: 'id_number', label: '证件号码', required: true },
      { name: 'wage', label: '月工资（元）', required: true, inputmode: 'decimal', hint: '例如 8000.00' },
      { name: 'from_month', label: '起始月份', ...MONTH, value: addMonths(monthOf(ctx.businessDate), 1) },
    ],
    onSubmit: async (v) => {
      out1.replaceChildren();
      const wage = parseYuan(v.wage);
      if (wage === null) throw yuanError('wage', '月工资');
      const body = { id_number: v.id_number, wage_fen: wage };
      if (v.from_month) body.from_month = v.from_month;
      const r = await ctx.api.post(unitPath(ctx, '/bases'), body);
      const held = { lower: '按下限核定', upper: '按上限核定', none: '按申报工资核定' }[r.held] || '';
      out1.append(notice(r.message || `已申报，缴费基数 ${yuan(r.base_fen)} 元`, 'ok'),
        facts([['申报工资', yuanText(r.declared_wage_fen)], ['缴费基数', `${yuanText(r.base_fen)}（${held}）`],
          ['当年度上下限', `${yuan(r.lower_fen)} ～ ${yuan(r.upper_fen)} 元`], ['起始月份', month(r.from_month)]]));
    },
  });
  const out2 = h('div', { id: 'base-file-result', 'aria-live': 'polite' });
  const file = form({
    id: 'base-file-form', legend: '文件批量申报', submitLabel: '上传并申报',
    fields: [{ name: 'file', label: '基数申报文件', type: 'file', required: true, accept: '.csv,.xlsx',
      hint: '列：证件号码、月工资（元），可选起始月份、姓名。任何一行有误则整份不申报。' }],
    onSubmit: async (v) => {
      out2.replaceChildren();
      out2.append(rosterReport(await postFile(ctx.api, unitPath(ctx, '/bases/file'), v.file, ctx.channel), '申报'));
    },
  });
  zhFile(file, 'file');
  const out3 = h('div', { id: 'raise-result', 'aria-live': 'polite' });
  const raise = form({
    id: 'raise-form', legend: '基数上调及差额补收', submitLabel: '上调缴费基数',
    ruleFields: { not_insured_here: 'id_number', not_current_year: 'from_month', not_upward: 'wage' },
    fields: [
      { name: 'id_number', label: '证件号码', required: true },
      { name: 'wage', label: '新月工资（元）', required: true, inputmode: 'decimal' },
      { name: 'from_month', label: '自哪月起', ...MONTH, required: true },
    ],
    onSubmit: async (v) => {
      out3.replaceChildren();
      const wage = parseYuan(v.wage);
      if (wage === null) throw yuanError('wage', '新月工资');
      const r = await ctx.api.post(unitPath(ctx, '/bases/raise'), { id_number: v.id_number, wage_fen: wage, from_month: v.from_month });
      const b = r.difference_bill;
      out3.append(ok(`缴费基数已由 ${yuan(r.old_base_fen)} 元上调至 ${yuan(r.new_base_fen)} 元`),
        b ? facts([['差额账单', `${month(b.month)}（编号 ${b.id}）`], ['单位补缴', yuanText(b.unit_total_fen)],
          ['个人补缴', yuanText(b.personal_total_fen)], ['合计', yuanText(b.total_fen)], ['缴费期限', date(b.due_on)]])
          : h('p', {}, '已核定的月份没有变化，无需补收差额。'));
    },
  });
  main.append(card('年度申报或新进员工', declare.el, out1), card('文件申报', file.el, out2), card('基数调整（上调）', raise.el, out3));
}

// ---- 月缴费账单 ----
export async function viewBills(ctx, billId) {
  if (billId) return viewBill(ctx, billId);
  const main = frame(ctx.main, '月缴费账单', '核对每月账单，确认（校验、保存）后由银行托收扣款。');
  const m = h('input', { id: 'bill-month', ...MONTH });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': '按月份查询账单', onsubmit: (e) => { e.preventDefault(); draw(); } },
    h('div', { class: 'field' }, h('label', { for: 'bill-month' }, '费款所属期'), m),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, '查询'),
      h('button', { type: 'button', onclick: () => { m.value = ''; draw(); } }, '全部月份')));
  const out = h('div', { id: 'bill-list' });
  main.append(card(null, filters), out);
  async function draw() {
    out.replaceChildren();
    try {
      const d = await ctx.api.get(unitPath(ctx, `/bills${m.value ? `?month=${m.value}` : ''}`));
      out.append(table({
        caption: `账单 ${d.count} 张`,
        columns: [
          { label: '所属期', value: (b) => month(b.month) },
          { label: '类型', wrap: true, value: (b) => BILL_KIND_ZH[b.kind] || b.kind },
          { label: '状态', value: (b) => badge(BILL_STATUS_ZH[b.status] || b.status, b.status === 'draft' ? 'amber' : b.status === 'failed' ? 'red' : 'green') },
          { label: '单位缴费（元）', value: (b) => yuan(b.unit_total_fen), num: true },
          { label: '个人缴费（元）', value: (b) => yuan(b.personal_total_fen), num: true },
          { label: '合计（元）', value: (b) => yuan(b.total_fen), num: true },
          { label: '缴费期限', value: (b) => date(b.due_on) },
          { label: '操作', value: (b) => h('button', { type: 'button', class: 'link', onclick: () => ctx.go(`${ctx.billsHash || '#/bills'}/${b.id}`) },
            b.status === 'draft' ? `核对并确认 ${month(b.month)} 账单` : `查看 ${month(b.month)} 账单`) },
        ],
        rows: d.items,
        rowClass: (b) => (b.status === 'draft' ? 'state-amber' : null),
        empty: '该月没有账单',
      }));
    } catch (e) { showError(out, e); }
  }
  await draw();
}

async function viewBill(ctx, billId) {
  const main = frame(ctx.main, '账单明细');
  try {
    const b = await ctx.api.get(`/api/v1/bills/${billId}`);
    const status = h('span', { id: 'bill-status' }, BILL_STATUS_ZH[b.status] || b.status);
    const actions = h('div', { class: 'actions no-print' },
      h('button', { type: 'button', onclick: () => ctx.go(ctx.billsHash || '#/bills') }, '返回账单列表'));
    const msg = h('div', { 'aria-live': 'polite', id: 'bill-msg' });
    if (b.status === 'draft') {
      const btn = h('button', { type: 'button', class: 'primary', id: 'bill-confirm', onclick: async () => {
        msg.replaceChildren();
        btn.disabled = true;
        try {
          const r = await ctx.api.post(`/api/v1/bills/${b.id}/confirm`, {});
          status.textContent = BILL_STATUS_ZH[r.status] || r.status;
          msg.append(ok(`账单已确认（${date(r.confirmed_on)}），合计 ${yuanText(b.total_fen)}，将于 ${date(b.due_on)} 前托收扣款。`));
          btn.remove();
        } catch (e) { btn.disabled = false; showError(msg, e); }
      } }, '确认账单（校验、保存）');
      actions.prepend(btn);
    }
    const body = h('div', {},
      facts([['单位', b.unit_name], ['费款所属期', month(b.month)], ['账单类型', BILL_KIND_ZH[b.kind] || b.kind], ['账单状态', status],
        ['单位缴费', yuanText(b.unit_total_fen)], ['个人缴费', yuanText(b.personal_total_fen)], ['合计', yuanText(b.total_fen)],
        ['缴费期限', date(b.due_on)], ['确认日期', date(b.confirmed_on)], ['到账日期', date(b.paid_on)]]),
      table({ caption: '分险种合计', columns: [
        { label: '险种', value: (x) => x.insurance_zh }, { label: '人数', value: (x) => String(x.lines), num: true },
        { label: '单位缴费（元）', value: (x) => yuan(x.unit_fen), num: true },
        { label: '个人缴费（元）', value: (x) => yuan(x.personal_fen), num: true }], rows: b.by_insurance || [] }),
      table({ caption: `人员明细（${(b.persons || []).length} 人）`, columns: [
        { label: '姓名', value: (p) => p.name }, { label: '证件号码', value: (p) => maskId(p.id_number, ctx.counter) },
        { label: '缴费基数（元）', value: (p) => yuan((p.items || [])[0]?.base_fen), num: true },
        { label: '单位缴费（元）', value: (p) => yuan(p.unit_fen), num: true },
        { label: '个人缴费（元）', value: (p) => yuan(p.personal_fen), num: true }], rows: b.persons || [] }));
    main.append(actions, msg, printView({ title: '单位月缴费通知单', subtitle: `${b.unit_name} · ${month(b.month)}`, body, serial: `BILL-${b.id}` }));
  } catch (e) { showError(main, e); }
}

// ---- 补缴 ----
export async function viewBackpay(ctx, preset) {
  const main = frame(ctx.main, '补缴', '近期月份的补缴直接生成补缴账单；较早月份的社会保险补缴（见“社保和住房公积金补缴（超过六个月不足三年）”）需提交申请并提供材料，经审核后生成账单。每月按当月政策计算。');
  const checks = insuranceChecks('补缴险种', preset ? [preset] : ['pension', 'medical', 'unemployment', 'injury', 'maternity']);
  const out = h('div', { id: 'backpay-result', 'aria-live': 'polite' });
  let materials = [];
  try {
    materials = (await ctx.api.get('/api/v1/catalog/contrib.backpay.si-6m-3y')).materials || [];
  } catch { /* the list below is then empty */ }
  const f = form({
    id: 'backpay-form', submitLabel: '提交补缴',
    ruleFields: { months_reversed: 'to_month', not_past: 'to_month', too_old: 'from_month', hf_too_old: 'from_month', reason_missing: 'reason' },
    fields: [
      { name: 'id_number', label: '证件号码', required: true },
      { name: 'from_month', label: '补缴起始月份', ...MONTH, required: true },
      { name: 'to_month', label: '补缴终止月份', ...MONTH, required: true },
      { name: 'wage', label: '补缴期间月工资（元）', required: true, inputmode: 'decimal' },
      { name: 'reason', label: '情况说明', type: 'textarea', hint: '需要审核的补缴必填：漏缴的人员和原因' },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const wage = parseYuan(v.wage);
      if (wage === null) throw yuanError('wage', '月工资');
      const body = { id_number: v.id_number, insurances: checks.values(), from_month: v.from_month, to_month: v.to_month, wage_fen: wage };
      if (v.reason) body.reason = v.reason;
      const r = await ctx.api.post('/api/v1/backpays', withUnit(ctx, body));
      if (r.mode === 'direct') {
        const b = r.bill;
        out.append(card('补缴结果', ok(`已生成补缴账单（补缴 ${r.months_back} 个月），合计 ${yuanText(b.total_fen)}`),
          facts([['账单编号', String(b.id)], ['单位补缴', yuanText(b.unit_total_fen)], ['个人补缴', yuanText(b.personal_total_fen)],
            ['合计', yuanText(b.total_fen)], ['缴费期限', date(b.due_on)], ['明细行数', String(b.line_count)]])));
      } else {
        const a = r.application;
        out.append(card('补缴申请已提交', notice(`补缴 ${r.months_back} 个月，需经审核，已提交申请（办件编号 ${a.id}），审核通过后生成补缴账单。`, 'warn'),
          facts([['办件编号', String(a.id)], ['事项', a.item_name], ['状态', a.state_zh || applicationStateZh(a.state)], ['提交日期', date(a.submitted_on)]]),
          h('h3', {}, '请将以下材料交至服务窗口'),
          h('ol', { class: 'materials' }, (a.materials || []).map((m) => h('li', {}, m.name)))));
      }
    },
  });
  main.append(card(null, f.el),
    materials.length ? card('需要审核的补缴所需材料', h('ol', {}, materials.map((m) => h('li', {}, m)))) : null, out);
  f.el.querySelector('fieldset').prepend(checks.el);
}

// ---- 住房补贴与医疗补助增记 ----
export async function viewSubsidy(ctx) {
  const main = frame(ctx.main, '住房补贴和医疗补助', '住房补贴随月缴费账单申报、确认和托收；医疗补助按月导入或由系统生成，保存后不可更改。');
  const hs = h('div', { id: 'housing-subsidy' });
  main.append(card('住房补贴缴费', hs));
  try {
    const bills = await ctx.api.get(unitPath(ctx, '/bills'));
    const regular = bills.items.filter((b) => b.kind === 'regular').slice(0, 3);
    const details = await Promise.all(regular.map((b) => ctx.api.get(`/api/v1/bills/${b.id}`)));
    const rows = details.map((d) => {
      const x = (d.by_insurance || []).find((i) => i.insurance === 'housing_subsidy');
      return { month: d.month, status: d.status, lines: x ? x.lines : 0, unit_fen: x ? x.unit_fen : 0, personal_fen: x ? x.personal_fen : 0, id: d.id };
    });
    hs.append(table({ caption: '最近各月住房补贴', columns: [
      { label: '所属期', value: (r) => month(r.month) }, { label: '账单状态', value: (r) => BILL_STATUS_ZH[r.status] || r.status },
      { label: '人数', value: (r) => String(r.lines), num: true },
      { label: '单位缴费（元）', value: (r) => yuan(r.unit_fen), num: true },
      { label: '个人缴费（元）', value: (r) => yuan(r.personal_fen), num: true }], rows }));
    if (rows.every((r) => r.lines === 0)) hs.append(h('p', { class: 'muted' }, '本单位近期账单中没有住房补贴缴费人员。'));
    hs.append(h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => ctx.go(ctx.backpayHash ? `${ctx.backpayHash}/housing_subsidy` : '#/backpay/housing_subsidy') }, '住房补贴补缴')));
  } catch (e) { showError(hs, e); }

  const out = h('div', { id: 'med-result', 'aria-live': 'polite' });
  const f = form({
    id: 'med-form', legend: '医疗补助增记个人账户', submitLabel: '保存医疗补助',
    ruleFields: { not_member: 'lines', duplicate_person: 'lines', no_medical_span: 'lines', no_members: 'mode' },
    fields: [
      { name: 'month', label: '所属月份', ...MONTH, required: true, value: monthOf(ctx.businessDate) },
      { name: 'mode', label: '方式', type: 'select', value: 'generate', options: [
        { value: 'generate', label: '系统生成（在职和退休人员按标准）' }, { value: 'lines', label: '导入名单和金额' }] },
      { name: 'lines', label: '名单', type: 'textarea', hint: '导入时每行一人：证件号码,金额（元），例如 320594199009051019,100.00' },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const body = { month: v.month };
      if (v.mode === 'generate') body.generate = true;
      else {
        body.lines = [];
        const text = v.lines.split(/\n/).map((l) => l.trim()).filter(Boolean);
        for (const [i, l] of text.entries()) {
          const [id, amt] = l.split(/[,，\t ]+/);
          const fen = parseYuan(amt);
          if (!id || fen === null) {
            throw Object.assign(yuanError('lines', `第 ${i + 1} 行`), { message: `名单第 ${i + 1} 行应为“证件号码,金额（元）”` });
          }
          body.lines.push({ id_number: id, amount_fen: fen });
        }
      }
      const r = await ctx.api.post(unitPath(ctx, '/med-subsidy'), body);
      out.append(ok(`已保存 ${month(r.month)} 医疗补助 ${r.count} 人（在职 ${r.active_count} 人，退休 ${r.retired_count} 人），合计 ${yuanText(r.total_fen)}`),
        table({ caption: '医疗补助名单', columns: [
          { label: '姓名', value: (x) => x.name }, { label: '证件号码', value: (x) => maskId(x.id_number, ctx.counter) },
          { label: '人员类别', value: (x) => (x.retired ? '退休' : '在职') },
          { label: '金额（元）', value: (x) => yuan(x.amount_fen), num: true }], rows: r.lines || [] }));
    },
  });
  main.append(card('医疗补助增记', f.el, out));
}

// ---- 证明打印 ----
export async function viewCerts(ctx) {
  const main = frame(ctx.main, '证明打印', '用人单位参保证明、缴费人员汇总参保证明和无欠费证明，可直接打印。');
  const out = h('div', { id: 'cert-view' });
  const from = h('input', { id: 'cert-from', ...MONTH, value: addMonths(monthOf(ctx.businessDate), -11) });
  const to = h('input', { id: 'cert-to', ...MONTH, value: monthOf(ctx.businessDate) });
  const show = async (fn) => {
    out.replaceChildren();
    try { out.append(await fn()); } catch (e) { showError(out, e); }
    out.querySelector('h2')?.setAttribute('tabindex', '-1');
    out.querySelector('h2')?.focus();
  };
  const participation = async () => {
    const c = await ctx.api.get(unitPath(ctx, '/participation-certificate'));
    return printView({ title: '用人单位参保证明', subtitle: `出具日期 ${date(c.as_of)}`, serial: `UP-${c.unit_id}-${c.as_of}`, body: h('div', {},
      h('p', {}, `兹证明 ${c.name}（统一社会信用代码 ${c.code}）于 ${date(c.registered_on)} 在本中心办理参保登记，单位状态：${c.status_zh}。`),
      h('p', {}, c.months_paid ? `已缴费 ${c.months_paid} 个月（${month(c.first_paid_month)} 至 ${month(c.last_paid_month)}）。` : '尚无已缴费月份。'),
      table({ caption: `${month(c.month)} 参保人数`, columns: [
        { label: '险种', value: (x) => x.insurance_zh }, { label: '参保人数', value: (x) => `${x.count} 人`, num: true }], rows: c.insured })) });
  };
  const summary = async () => {
    const s = await ctx.api.get(unitPath(ctx, `/contribution-summary?from=${from.value}&to=${to.value}`));
    return printView({ title: '用人单位缴费人员汇总参保证明', subtitle: `${s.name} · ${month(s.from)} 至 ${month(s.to)}`, serial: `US-${s.unit_id}-${s.as_of}`, body: h('div', {},
      table({ caption: `缴费人员 ${s.count} 人`, columns: [
        { label: '姓名', value: (p) => p.name }, { label: '证件号码', value: (p) => p.id_number_masked },
        { label: '缴费月数', value: (p) => String(p.months), num: true },
        { label: '单位缴费（元）', value: (p) => yuan(p.unit_fen), num: true },
        { label: '个人缴费（元）', value: (p) => yuan(p.personal_fen), num: true }], rows: s.persons }),
      facts([['单位缴费合计', yuanText(s.totals.unit_fen)], ['个人缴费合计', yuanText(s.totals.personal_fen)]])) });
  };
  const noArrears = async () => {
    const c = await ctx.api.get(unitPath(ctx, '/no-arrears-certificate'));
    return printView({ title: c.title || '无欠费证明', subtitle: `出具日期 ${date(c.date)}`, serial: `NA-${c.unit_id}-${c.date}`, body: h('div', {},
      h('p', {}, `${c.unit_name}（统一社会信用代码 ${c.unit_code}）：${c.statement}。`)) });
  };
  main.append(card(null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => show(participation) }, '用人单位参保证明'),
      h('button', { type: 'button', onclick: () => show(noArrears) }, '无欠费证明')),
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'cert-from' }, '起始月份'), from),
      h('div', { class: 'field' }, h('label', { for: 'cert-to' }, '终止月份'), to),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => show(summary) }, '缴费人员汇总参保证明')))), out);
}

// ---- 纸质权益单退订 ----
export async function viewPaper(ctx) {
  const main = frame(ctx.main, '纸质权益记录单退订', '单位可在每年规定的办理期内，为在职职工批量退订或恢复当期的纸质个人权益记录单；办理期外提交会说明办理期。');
  const out = h('div', { id: 'paper-result', 'aria-live': 'polite' });
  let employees = [];
  try {
    employees = (await ctx.api.get(unitPath(ctx, '/employees?status=current'))).items;
  } catch (e) { showError(main, e); return; }
  const picks = h('fieldset', { class: 'checks', id: 'paper-persons', hidden: true }, h('legend', {}, '选择职工'),
    employees.map((p) => {
      const cid = `paper-p${p.person_id}`;
      return h('span', { class: 'check' }, h('input', { type: 'checkbox', id: cid, value: String(p.person_id) }), h('label', { for: cid }, p.name));
    }));
  const f = form({
    id: 'paper-form', submitLabel: '提交',
    fields: [
      { name: 'paper', label: '办理内容', type: 'select', value: 'false', options: [{ value: 'false', label: '退订纸质权益单' }, { value: 'true', label: '恢复订阅纸质权益单' }] },
      { name: 'scope', label: '办理范围', type: 'select', value: 'all', options: [{ value: 'all', label: `全部在职职工（${employees.length} 人）` }, { value: 'some', label: '指定职工' }] },
    ],
    onSubmit: async (v) => {
      out.replaceChildren();
      const body = { paper: v.paper === 'true' };
      if (v.scope === 'all') body.all_current = true;
      else body.person_ids = [...picks.querySelectorAll('input:checked')].map((i) => Number(i.value));
      const r = await ctx.api.put(unitPath(ctx, '/statement/paper'), body);
      out.append(ok(`已为 ${r.count} 名职工${r.paper ? '恢复订阅' : '退订'} ${r.period} 期纸质权益记录单`));
    },
  });
  f.field('scope').addEventListener('change', (e) => { picks.hidden = e.target.value !== 'some'; });
  f.el.querySelector('fieldset').append(picks);
  main.append(card(null, f.el), out);
}

// ---- 办件进度 ----
export async function viewApplications(ctx, appId) {
  const main = frame(ctx.main, appId ? '办件详情' : '办件进度');
  try {
    if (appId) {
      const a = await ctx.api.get(`/api/v1/applications/${appId}`);
      main.append(card(`${a.item_name}（编号 ${a.id}）`,
        facts([['状态', a.state_zh], ['提交日期', date(a.submitted_on)], ['受理日期', date(a.accepted_on)], ['办结期限', date(a.deadline_on)],
          ['审核日期', date(a.decided_on)], ['审核意见', a.decision_reason || '—']]),
        table({ caption: '材料', columns: [{ label: '材料', wrap: true, value: (m) => m.name }, { label: '窗口收到', value: (m) => (m.received ? '已收到' : '未收到') }], rows: a.materials || [] }),
        table({ caption: '办理过程', columns: [{ label: '日期', value: (e) => date(e.business_date) }, { label: '环节', value: (e) => applicationStateZh(e.to) },
          { label: '说明', wrap: true, value: (e) => e.note || '—' }], rows: a.events || [] }),
        h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => ctx.go('#/applications') }, '返回办件列表'))));
      return;
    }
    const d = await ctx.api.get('/api/v1/applications?limit=200');
    main.append(table({ caption: `本单位办件 ${d.count} 件`, columns: [
      { label: '编号', value: (a) => String(a.id), num: true }, { label: '事项', wrap: true, value: (a) => a.item_name },
      { label: '状态', value: (a) => a.state_zh }, { label: '提交日期', value: (a) => date(a.submitted_on) },
      { label: '办结期限', value: (a) => date(a.deadline_on) },
      { label: '操作', value: (a) => h('button', { type: 'button', class: 'link', onclick: () => ctx.go(`#/applications/${a.id}`) }, `查看办件 ${a.id}`) }],
    rows: d.items, empty: '本单位暂无办件' }));
  } catch (e) { showError(main, e); }
}

// The catalog items each view handles (menus are drawn from the catalog).
export const UNIT_VIEWS = {
  'reg.employee.si': 'enrol', 'reg.employee.med': 'enrol', 'reg.employee.hf': 'enrol', 'reg.employee.foreign': 'enrol',
  'reg.employee.terminate': 'terminate', 'unemp.termination-reason-fix': 'terminate',
  'contrib.base.declare': 'bases', 'contrib.base.raise': 'bases', 'contrib.base-difference': 'bases',
  'contrib.monthly': 'bills', 'svc.cert.unit-monthly-bill': 'bills',
  'contrib.backpay.si-6m': 'backpay', 'contrib.backpay.si-6m-3y': 'backpay', 'contrib.backpay.hf': 'backpay/housing_fund',
  'contrib.backpay.housing-subsidy': 'backpay/housing_subsidy',
  'contrib.housing-subsidy.monthly': 'subsidy', 'contrib.med-subsidy': 'subsidy', 'contrib.med-subsidy.gov': 'subsidy',
  'svc.cert.unit-participation': 'certs', 'svc.cert.unit-employee-summary': 'certs', 'svc.cert.unit-no-arrears': 'certs',
  'svc.statement.optout.unit': 'paper',
  'unit.update': 'info', 'unit.collection-agreement': 'info', 'unit.online-payment-permission': 'info',
};

export const VIEW_FNS = {
  home: viewHome, info: viewInfo, employees: viewEmployees, enrol: viewEnrol, terminate: viewTerminate, bases: viewBases, bills: viewBills,
  backpay: viewBackpay, subsidy: viewSubsidy, certs: viewCerts, paper: viewPaper, applications: viewApplications,
};
