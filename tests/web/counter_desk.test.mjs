// The counter and review desk (/counter/): staff sign-in, finding persons and units by ID
// number, name, social security number and unit code, a person's whole record with a change
// made at the counter, acting for a unit through the employer client's views, the
// applications queue (overdue red, due within a working day amber) and its handling (accept,
// materials, refuse only with a reason, approve, complete), and the audit trail for admins.
// The queue flows run on a second server whose business date, 2026-11-24, lies after the
// demo's 1-working-day deadlines of 2026-11-23 (the demo is written on 2026-11-20).
import { rmSync } from 'node:fs';
import { DEMO, makeDatabase, apiCall, apiSignIn, assert, assertEqual, expectText, fill, residentId, signIn, startServer } from './lib.mjs';

const staffSignIn = (t, user, base = t.base) => signIn(t.page, `${base}/counter/`, { 工号: user, 密码: DEMO.staff.password });
const yuan = (fen) => `${String(Math.trunc(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(fen % 100).padStart(2, '0')}`;
let later = null;

async function laterServer() {
  if (later) return later;
  const seeded = makeDatabase({ asOf: '2026-11-20' });
  later = await startServer({ template: seeded.db, asOf: '2026-11-24' });
  // A flow that fails before stopLater() must not leave the server running after the runner.
  process.once('exit', () => { if (later) later.stop(); });
  rmSync(seeded.dir, { recursive: true, force: true });
  return later;
}

async function stopLater() {
  if (!later) return;
  await later.stop();
  rmSync(later.dir, { recursive: true, force: true });
  later = null;
}

// A unified social credit code from its first 16 characters: the organisation code's check
// character (GB 11714, 17th) and the code's own (GB 32100, 18th).
function uscc(first16) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first16[8 + i];
    sum += (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55) * orgWeights[i];
  }
  const r = 11 - (sum % 11);
  const first17 = first16 + (r === 10 ? 'X' : r === 11 ? '0' : String(r));
  let total = 0;
  let w = 1;
  for (const c of first17) {
    total += alphabet.indexOf(c) * w;
    w = (w * 3) % 31;
  }
  return first17 + alphabet[(31 - (total % 31)) % 31];
}

async function queueRow(page, id) {
  return page.locator('#queue-list tbody tr', { has: page.getByRole('button', { name: `办理办件 ${id}`, exact: true }) });
}

export const flows = [
  {
    name: '工作人员登录，密码错误说明原因',
    async run(t) {
      const { page } = t;
      await page.goto(`${t.base}/counter/`);
      await fill(page, '工号', DEMO.staff.clerk);
      await fill(page, '密码', 'Wrong@2026');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await expectText(page, '账号或密码错误');
      await staffSignIn(t, DEMO.staff.clerk);
      await expectText(page, '办件队列');
      await expectText(page, '柜员');
      assertEqual(await page.getByRole('button', { name: '审计记录' }).count(), 0, 'a clerk has no audit menu');
      assert(await page.locator('.catalog-menu [data-item="svc.consult"]').first().evaluate((e) => e.textContent).then((x) => x.includes('暂未开通')), 'items not open are marked 暂未开通');
      await t.screenshot('办件队列');
    },
  },
  {
    name: '按证件号码、姓名、社保号查人员，按统一社会信用代码查单位',
    async run(t) {
      const { page } = t;
      const clerk = await apiSignIn(t.base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
      const byName = await apiCall(t.base, 'GET', `/api/v1/persons?name=${encodeURIComponent('王')}`, { token: clerk });
      const zhang = (await apiCall(t.base, 'GET', `/api/v1/persons?id_number=${DEMO.person.idNumber}`, { token: clerk })).data.items[0];
      await staffSignIn(t, DEMO.staff.clerk);
      await page.goto(`${t.base}/counter/#/find`);
      const pf = page.locator('#find-person');
      await pf.getByLabel('证件号码', { exact: true }).fill(DEMO.person.idNumber);
      await page.getByRole('button', { name: '查询人员', exact: true }).click();
      await expectText(page, '人员 1 人');
      await expectText(page, DEMO.person.idNumber);
      await pf.getByLabel('证件号码', { exact: true }).fill('');
      await pf.getByLabel('社保号', { exact: true }).fill(zhang.si_number);
      await page.getByRole('button', { name: '查询人员', exact: true }).click();
      await expectText(page, zhang.si_number);
      const hit = await page.locator('#find-result tbody tr').allInnerTexts();
      assert(hit.length === 1 && hit[0].includes(DEMO.person.name), `found by social security number: ${hit.join(' | ')}`);
      await pf.getByLabel('社保号', { exact: true }).fill('');
      await pf.getByLabel('姓名', { exact: true }).fill('王');
      await page.getByRole('button', { name: '查询人员', exact: true }).click();
      await expectText(page, `人员 ${byName.data.count} 人`);
      await t.screenshot('查询人员');
      await page.locator('#find-unit').getByLabel('统一社会信用代码', { exact: true }).fill(DEMO.unit.code.toLowerCase());
      await page.getByRole('button', { name: '查询单位', exact: true }).click();
      await expectText(page, '单位 1 个');
      await page.getByRole('button', { name: `打开${DEMO.unit.name}` }).click();
      await expectText(page, `柜面代办：${DEMO.unit.name}（${DEMO.unit.code}）`);
      await expectText(page, '统一社会信用代码');
    },
  },
  {
    name: '查看人员的全部信息，柜面代为修改联系方式',
    async run(t) {
      const { page } = t;
      const clerk = await apiSignIn(t.base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
      const found = await apiCall(t.base, 'GET', `/api/v1/persons?id_number=${DEMO.person.idNumber}`, { token: clerk });
      const id = found.data.items[0].id;
      const rel = await apiCall(t.base, 'GET', `/api/v1/persons/${id}/relationships`, { token: clerk });
      const acc = await apiCall(t.base, 'GET', `/api/v1/persons/${id}/accounts`, { token: clerk });
      await staffSignIn(t, DEMO.staff.clerk);
      await page.goto(`${t.base}/counter/#/person/${id}`);
      await expectText(page, DEMO.person.idNumber);
      await expectText(page, '参保关系');
      const spans = page.locator('#person-spans tbody tr');
      assertEqual(await spans.count(), rel.data.spans.length, 'every insured relationship listed');
      const hf = acc.data.accounts.find((a) => a.kind === 'housing_fund');
      await expectText(page, yuan(hf.balance_fen));
      const f = page.locator('#person-update');
      await f.getByLabel('手机号码', { exact: true }).fill('123');
      await page.getByRole('button', { name: '保存修改' }).click();
      const err = f.locator('.field.invalid .field-error');
      await err.waitFor();
      assert((await err.innerText()).includes('以 1 开头的 11 位数字'), 'a bad mobile number is refused next to the field');
      await f.getByLabel('手机号码', { exact: true }).fill('13912345678');
      await page.getByRole('button', { name: '保存修改' }).click();
      await expectText(page, '已保存联系方式的修改');
      const after = await apiCall(t.base, 'GET', `/api/v1/persons/${id}`, { token: clerk });
      assertEqual(after.data.mobile, '13912345678', 'the change is stored');
      await page.getByRole('button', { name: '出具参保证明' }).click();
      await expectText(page, '参保人员参保证明');
      await t.screenshot('人员信息');
    },
  },
  {
    name: '新参保登记：人员基础信息采集，单位代码校验位错误被拒绝后登记单位',
    async run(t) {
      const { page } = t;
      const idNumber = residentId('32058219850707123');
      await staffSignIn(t, DEMO.staff.clerk);
      await page.getByRole('button', { name: '新参保登记' }).click();
      const pf = page.locator('#register-person');
      await pf.getByLabel('证件号码', { exact: true }).fill(idNumber);
      await pf.getByLabel('姓名', { exact: true }).fill('沈静怡');
      await page.getByRole('button', { name: '登记人员' }).click();
      await expectText(page, '已登记人员 沈静怡，社保号 ');
      await page.getByRole('link', { name: '打开沈静怡的信息' }).click();
      await expectText(page, idNumber);
      await expectText(page, '没有参保关系');
      await page.goto(`${t.base}/counter/#/register`);
      const code = uscc('91320594MA1XY2QB');
      const wrong = code.slice(0, 17) + (code[17] === '1' ? '2' : '1');
      const uf = page.locator('#register-unit');
      await uf.getByLabel('统一社会信用代码', { exact: true }).fill(wrong);
      await uf.getByLabel('单位名称', { exact: true }).fill('苏州工业园区云帆软件有限公司');
      await uf.getByLabel('工伤风险类别', { exact: true }).fill('1');
      await uf.getByLabel('单位地址', { exact: true }).fill('苏州工业园区星湖街 218 号');
      await uf.getByLabel('联系人', { exact: true }).fill('顾敏');
      await uf.getByLabel('联系电话', { exact: true }).fill('0512-62881234');
      await page.getByRole('button', { name: '登记单位' }).click();
      await expectText(page, `统一社会信用代码校验位错误：应为 ${code[17]}`);
      await t.screenshot('单位代码被拒绝');
      await uf.getByLabel('统一社会信用代码', { exact: true }).fill(code);
      await page.getByRole('button', { name: '登记单位' }).click();
      await expectText(page, `已登记单位 苏州工业园区云帆软件有限公司（${code}）`);
    },
  },
  {
    name: '柜面代单位办理参保登记，职工名册显示完整证件号码',
    async run(t) {
      const { page } = t;
      const idNumber = residentId('32059419880808501');
      await staffSignIn(t, DEMO.staff.clerk);
      await page.goto(`${t.base}/counter/#/unit/1/enrol`);
      await page.locator('#enrol-form').waitFor();
      await fill(page, '证件号码', idNumber);
      await fill(page, '姓名', '韩雪松');
      await fill(page, '用工日期', '2026-11-18');
      await page.getByRole('button', { name: '提交参保登记' }).click();
      await page.locator('#enrol-result .card').waitFor();
      await expectText(page, '韩雪松');
      await page.getByRole('button', { name: '职工', exact: true }).click();
      await page.locator('#emp-text').fill('韩雪松');
      await page.getByRole('button', { name: '筛选', exact: true }).click();
      await expectText(page, '在职职工 1 人');
      assert((await page.locator('#emp-list tbody').innerText()).includes(idNumber), 'staff see the full ID number');
      await t.screenshot('柜面代单位办理');
    },
  },
  {
    name: '办件队列：逾期标红，1个工作日内到期标黄，按状态筛选',
    async run(t) {
      const { page } = t;
      const s = await laterServer();
      const clerk = await apiSignIn(s.base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
      const all = await apiCall(s.base, 'GET', '/api/v1/applications?limit=1000', { token: clerk });
      const overdue = all.data.items.find((a) => a.due === 'overdue');
      const submitted = all.data.items.find((a) => a.state === 'submitted' && a.item_id === 'med.dual-channel-drug');
      assert(overdue && submitted, `an overdue and a submitted application in the demo: ${JSON.stringify(all.data.items)}`);
      const acc = await apiCall(s.base, 'POST', `/api/v1/applications/${submitted.id}/accept`, { token: clerk, body: {} });
      assertEqual(acc.data.deadline_on, '2026-11-25', 'accepted on 2026-11-24, due one working day later');
      await staffSignIn(t, DEMO.staff.clerk, s.base);
      await page.locator('#queue-list table').waitFor();
      const red = await queueRow(page, overdue.id);
      assertEqual(await red.getAttribute('class'), 'state-red', 'the overdue row is red');
      assert((await red.innerText()).includes('已逾期'), 'the overdue row says so');
      const applicant = await apiCall(s.base, 'GET', `/api/v1/persons/${overdue.person_id}`, { token: clerk });
      await expectText(page, applicant.data.name);
      assert((await red.innerText()).includes(applicant.data.name), 'the applicant is named');
      const amber = await queueRow(page, submitted.id);
      assertEqual(await amber.getAttribute('class'), 'state-amber', 'the row due within a working day is amber');
      assert((await amber.innerText()).includes('1 个工作日内到期'), 'the amber row says so');
      await t.screenshot('办件队列_逾期和临期');
      await page.locator('#q-state').selectOption('submitted');
      await page.getByRole('button', { name: '筛选', exact: true }).click();
      await page.waitForTimeout(300);
      const rows = await page.locator('#queue-list tbody tr').allInnerTexts();
      assert(rows.length > 0 && rows.every((r) => r.includes('已提交') && !r.includes('已逾期')), `only submitted applications: ${rows.join(' | ')}`);
    },
  },
  {
    name: '受理、登记材料；审核员退回须写明原因，批准后办结',
    async run(t) {
      const { page } = t;
      const s = await laterServer();
      const clerk = await apiSignIn(s.base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
      const all = await apiCall(s.base, 'GET', '/api/v1/applications?limit=1000&state=submitted', { token: clerk });
      const unitApp = all.data.items.find((a) => a.unit_id && a.item_id === 'med.retire.approval.gov');
      assert(unitApp, 'the demo unit has a submitted application');
      await staffSignIn(t, DEMO.staff.clerk, s.base);
      await page.goto(`${s.base}/counter/#/app/${unitApp.id}`);
      await page.getByRole('button', { name: '受理', exact: true }).click();
      await expectText(page, '已受理');
      assertEqual(await page.locator('#app-state').innerText(), '已受理', 'state after accepting');
      const first = page.locator('#materials input[type=checkbox]').first();
      await first.check();
      await expectText(page, '已登记：');
      assert(await page.locator('#materials input[type=checkbox]').first().isChecked(), 'the material stays ticked');
      assertEqual(await page.getByRole('button', { name: '批准', exact: true }).count(), 0, 'a clerk does not decide');
      await page.getByRole('button', { name: '退出登录' }).click();
      await staffSignIn(t, DEMO.staff.reviewer, s.base);
      await page.goto(`${s.base}/counter/#/app/${unitApp.id}`);
      await page.getByRole('button', { name: '退回', exact: true }).click();
      await expectText(page, '退回办件须说明理由');
      await t.screenshot('退回须说明理由');
      await page.getByLabel('审核意见（退回时必填）').fill('缺少退休审批表原件');
      await page.getByRole('button', { name: '退回', exact: true }).click();
      await expectText(page, '已退回');
      await expectText(page, '缺少退休审批表原件');
      const accepted = (await apiCall(s.base, 'GET', '/api/v1/applications?limit=1000&state=accepted', { token: clerk })).data.items[0];
      await page.goto(`${s.base}/counter/#/app/${accepted.id}`);
      await page.getByRole('button', { name: '批准', exact: true }).click();
      await expectText(page, '已批准');
      await page.getByRole('button', { name: '办结', exact: true }).click();
      await expectText(page, '已办结');
      assertEqual(await page.locator('#app-state').innerText(), '已办结', 'state after completing');
      await stopLater();
    },
  },
  {
    name: '管理员查看人员的审计记录',
    async run(t) {
      const { page } = t;
      const admin = await apiSignIn(t.base, { role: 'staff', username: DEMO.staff.admin, password: DEMO.staff.password });
      const id = (await apiCall(t.base, 'GET', `/api/v1/persons?id_number=${DEMO.person.idNumber}`, { token: admin })).data.items[0].id;
      await staffSignIn(t, DEMO.staff.admin);
      await page.getByRole('button', { name: '审计记录' }).click();
      await fill(page, '记录对象', `person:${id}`);
      await page.getByRole('button', { name: '查询', exact: true }).click();
      await page.locator('#audit-list tbody tr').first().waitFor();
      const rows = await page.locator('#audit-list tbody tr').allInnerTexts();
      assert(rows.length > 0 && rows.every((r) => r.includes(`person:${id}`)), `only the person's rows: ${rows.slice(0, 3).join(' | ')}`);
      assert(rows.some((r) => r.includes('person.read') && r.includes('（柜员）') && r.includes('柜面')), 'the clerk\'s reads of the person are in the trail');
      assert(rows.some((r) => r.includes('person.update')), 'the counter\'s change of the mobile number is in the trail');
      await t.screenshot('审计记录');
    },
  },
];
