// The employer client (/unit/) on the demo park at 2026-11-20: sign-in and the catalog menu,
// employees with filters, enrolment of one employee and of a roster (with its row-by-row
// refusal), termination with a reason, bases, the monthly bill checked and confirmed,
// back-payments (direct and by application), the medical subsidy credit, certificates and the
// paper statement opt-out refused outside its window. Each flow asserts what the user reads,
// amounts against the API's fen, and a refused action's reason.
import { DEMO, apiCall, apiSignIn, assert, assertEqual, expectText, fill, residentId, signIn } from './lib.mjs';

const signInUnit = (t) => signIn(t.page, `${t.base}/unit/`,
  { 统一社会信用代码: DEMO.unit.code, 经办人账号: DEMO.unit.operator, 密码: DEMO.unit.password });
const unitToken = (t) => apiSignIn(t.base, { role: 'unit', unit_code: DEMO.unit.code, operator: DEMO.unit.operator, password: DEMO.unit.password });
const go = async (t, view) => { await t.page.goto(`${t.base}/unit/#/${view}`); await t.page.locator('.view-title').waitFor(); };
// Amounts as the desks write them: yuan with two decimals and thousands separators.
const yuan = (fen) => {
  const s = String(fen / 100 | 0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${s}.${String(fen % 100).padStart(2, '0')}`;
};
const NEW_HIRE = { id: residentId('32059419950315201'), name: '陈晓燕' };

export const flows = [
  {
    name: '登录和服务事项菜单',
    async run(t) {
      const { page } = t;
      await page.goto(`${t.base}/unit/`);
      await fill(page, '统一社会信用代码', DEMO.unit.code);
      await fill(page, '经办人账号', DEMO.unit.operator);
      await fill(page, '密码', 'Wrong@2026');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await expectText(page, '账号或密码错误');
      await signInUnit(t);
      await expectText(page, DEMO.unit.name);
      await expectText(page, '在职参保职工');
      assertEqual(await page.locator('#tile-arrears').innerText().then((x) => x.includes('0.00 元') && x.includes('无欠费')), true, 'no arrears shown as 0.00 元');
      const menu = page.locator('.catalog-menu');
      assert(await menu.getByRole('button', { name: '用人单位退工登记（退工停保）', exact: true }).count() === 1, 'open item is a menu button');
      const closed = menu.locator('[data-item="svc.query.unit-contributions"]');
      assert((await closed.innerText()).includes('暂未开通'), 'an item not open is marked 暂未开通');
      await t.screenshot('单位概况');
    },
  },
  {
    name: '只用键盘登录并打开职工名册',
    async run(t) {
      const { page } = t;
      await page.goto(`${t.base}/unit/`);
      await page.bringToFront();
      await page.locator('#sign-in').waitFor();
      // The page puts the focus on the credit code field; the browser window gets it first.
      assertEqual(await page.evaluate(() => document.activeElement.name), 'unit_code', 'the first field has the focus');
      await page.locator('#sign-in input').first().focus();
      await page.keyboard.type(DEMO.unit.code);
      assertEqual(await page.locator('#sign-in input').first().inputValue(), DEMO.unit.code, 'typed into the first field');
      await page.keyboard.press('Tab');
      await page.keyboard.type(DEMO.unit.operator);
      await page.keyboard.press('Tab');
      await page.keyboard.type(DEMO.unit.password);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: '退出登录' }).waitFor();
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement && document.activeElement.textContent === '职工名册');
      }
      assert(reached, 'the menu entry 职工名册 is reached with Tab');
      await page.keyboard.press('Enter');
      await expectText(page, '在职职工');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement.id);
      assertEqual(focused, 'emp-status', 'after opening a page the first filter comes next');
    },
  },
  {
    name: '职工名册按在职状态和姓名筛选',
    async run(t) {
      const { page } = t;
      const token = await unitToken(t);
      const cur = await apiCall(t.base, 'GET', '/api/v1/units/1/employees?status=current', { token });
      const former = await apiCall(t.base, 'GET', '/api/v1/units/1/employees?status=former', { token });
      await signInUnit(t);
      await go(t, 'employees');
      await expectText(page, `在职职工 ${cur.data.count} 人`);
      await page.locator('#emp-text').fill('张伟');
      await page.getByRole('button', { name: '筛选', exact: true }).click();
      await expectText(page, '在职职工 1 人');
      const row = page.locator('#emp-list tbody tr');
      assertEqual(await row.count(), 1, 'rows after the name filter');
      const text = await row.innerText();
      assert(text.includes('张伟') && text.includes('320***********1019'), `ID number masked in the list: ${text}`);
      await page.getByRole('button', { name: '查看张伟' }).click();
      await expectText(page, '张伟 的参保信息');
      await expectText(page, DEMO.person.idNumber);
      await page.locator('#emp-text').fill('');
      await page.locator('#emp-status').selectOption('former');
      await expectText(page, `离职职工 ${former.data.count} 人`);
      await t.screenshot('职工名册');
    },
  },
  {
    name: '登记一名职工，重复登记被拒绝',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '员工参保登记（社保系统）/用人单位用工参保登记');
      await fill(page, '证件号码', NEW_HIRE.id);
      await fill(page, '姓名', NEW_HIRE.name);
      await fill(page, '用工日期', '2026-11-16');
      await page.getByRole('button', { name: '提交参保登记' }).click();
      await page.locator('#enrol-result .card').waitFor();
      const res = await page.locator('#enrol-result').innerText();
      assert(res.includes(NEW_HIRE.name) && res.includes('2026-11-16'), `enrolment result: ${res}`);
      assert(res.includes('养老保险') && res.includes('2026-11'), `spans listed from 2026-11: ${res}`);
      await t.screenshot('参保登记');
      await page.getByRole('button', { name: '提交参保登记' }).click();
      const err = page.locator('#enrol-form .field.invalid', { has: page.getByLabel('证件号码', { exact: true }) }).locator('.field-error');
      await err.waitFor();
      const refusal = await err.innerText();
      assert(refusal.includes('already_employed'), `second enrolment refused next to the ID number with its rule: ${refusal}`);
    },
  },
  {
    name: '登记外籍职工：缴存比例超出范围时在字段旁说明范围',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '港澳台及外籍员工参保登记');
      const f = page.locator('#enrol-form');
      await f.getByLabel('证件类型', { exact: true }).selectOption('passport');
      await fill(page, '证件号码', 'C01X00T47');
      await fill(page, '姓名', 'Anna Schmidt');
      await f.getByLabel('用工类型', { exact: true }).selectOption('foreign');
      await f.getByLabel('性别', { exact: true }).selectOption('F');
      await fill(page, '出生日期', '1990-04-02');
      await fill(page, '国籍（地区）代码', 'DEU');
      await fill(page, '劳动合同终止日期', '2028-11-15');
      await f.getByLabel('缴存住房公积金', { exact: true }).selectOption('true');
      await fill(page, '住房公积金缴存比例（%）', '15');
      await page.getByRole('button', { name: '提交参保登记' }).click();
      const err = f.locator('.field.invalid', { has: page.getByLabel('住房公积金缴存比例（%）', { exact: true }) }).locator('.field-error');
      await err.waitFor();
      const why = await err.innerText();
      assert(why.includes('5%～12%') && why.includes('hf_rate_out_of_range'), `the rate's range next to the field: ${why}`);
      await fill(page, '住房公积金缴存比例（%）', '8');
      await page.getByRole('button', { name: '提交参保登记' }).click();
      await page.locator('#enrol-result .card').waitFor();
      await expectText(page, '已办理参保登记');
      await expectText(page, 'Anna Schmidt');
    },
  },
  {
    name: '花名册逐行报告：有错整份不登记，改正后全部登记',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await go(t, 'enrol');
      const a = residentId('32059419960521301');
      const b = residentId('32059419970612402');
      const bad = `证件号码,姓名,用工日期\n${a},林一鸣,2026-11-02\n${b},周可欣,2026-13-40\n`;
      await page.locator('#roster-form input[type=file]').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.getByRole('button', { name: '上传并登记' }).click();
      await page.locator('#roster-result table').waitFor();
      const report = await page.locator('#roster-result').innerText();
      assert(report.includes('整份文件未登记') && report.includes('用工日期'), `row report: ${report}`);
      const cells = await page.locator('#roster-result tbody tr').first().locator('td').allInnerTexts();
      assertEqual(cells[0], '3', 'the bad row is the third row of the file');
      await t.screenshot('花名册逐行报告');
      const good = bad.replace('2026-13-40', '2026-11-03');
      await page.locator('#roster-form input[type=file]').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      await page.getByRole('button', { name: '上传并登记' }).click();
      await expectText(page, '已登记 2 人');
      await expectText(page, '周可欣');
    },
  },
  {
    name: '退工停保选择原因，再次退工被拒绝',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await go(t, 'employees');
      await page.getByRole('button', { name: `为${NEW_HIRE.name}办理退工` }).click();
      await page.locator('#terminate-form').waitFor();
      assertEqual(await page.getByLabel('证件号码', { exact: true }).inputValue(), NEW_HIRE.id, 'ID number carried over from the list');
      await fill(page, '离职日期', '2026-11-20');
      await page.getByLabel('退工原因', { exact: true }).selectOption({ label: '本人辞职（本人原因）' });
      await page.getByRole('button', { name: '办理退工' }).click();
      await expectText(page, `已为${NEW_HIRE.name}办理退工，离职日期 2026-11-20`);
      const res = await page.locator('#terminate-result').innerText();
      assert(res.includes('本人辞职') && res.includes('2026-11'), `reason and end month shown: ${res}`);
      await t.screenshot('退工');
      await page.getByRole('button', { name: '办理退工' }).click();
      const err = page.locator('#terminate-form .field.invalid .field-error');
      await err.waitFor();
      assert((await err.innerText()).includes('not_employed'), 'a second termination is refused next to the ID number with not_employed');
    },
  },
  {
    name: '修改退工原因一次，再次修改被拒绝',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '失业合同解除原因修改');
      const f = page.locator('#reason-form');
      const option = f.locator('option', { hasText: `${NEW_HIRE.name}（离职 2026-11-20，现为：本人辞职）` });
      await f.getByLabel('离职职工', { exact: true }).selectOption(await option.getAttribute('value'));
      await f.getByLabel('新的退工原因', { exact: true }).selectOption({ label: '劳动合同期满终止' });
      await page.getByRole('button', { name: '修改退工原因', exact: true }).click();
      await expectText(page, `已将${NEW_HIRE.name}的退工原因改为“劳动合同期满终止”（已修改 1 次）`);
      await f.getByLabel('新的退工原因', { exact: true }).selectOption({ label: '用人单位解除劳动合同' });
      await page.getByRole('button', { name: '修改退工原因', exact: true }).click();
      const err = f.locator('.field.invalid .field-error');
      await err.waitFor();
      assert((await err.innerText()).includes('reason_changes_exhausted'), 'a second change is refused next to the employee: the one change is used');
    },
  },
  {
    name: '缴费基数申报，金额有误时在字段旁提示',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await go(t, 'bases');
      const f = page.locator('#base-form');
      await f.getByLabel('证件号码', { exact: true }).fill(DEMO.person.idNumber);
      await f.getByLabel('月工资（元）', { exact: true }).fill('八千');
      await page.getByRole('button', { name: '申报缴费基数' }).click();
      const err = f.locator('.field.invalid .field-error');
      await err.waitFor();
      assert((await err.innerText()).includes('最多两位小数'), 'a wage that is not money is refused next to the field');
      await f.getByLabel('月工资（元）', { exact: true }).fill('8,000.00');
      await f.getByLabel('起始月份', { exact: true }).fill('2026-12');
      await page.getByRole('button', { name: '申报缴费基数' }).click();
      await page.locator('#base-result dl').waitFor();
      const res = await page.locator('#base-result').innerText();
      assert(res.includes('8,000.00 元') && res.includes('2026-12'), `declared base shown: ${res}`);
      await t.screenshot('缴费基数');
    },
  },
  {
    name: '核对并确认本月账单',
    async run(t) {
      const { page } = t;
      const fin = await apiSignIn(t.base, { role: 'staff', username: DEMO.staff.finance, password: DEMO.staff.password });
      const run = await apiCall(t.base, 'POST', '/api/v1/months/2026-11/run', { token: fin, body: {} });
      assert(run.status === 200 || run.status === 201, `month run: ${JSON.stringify(run.data)}`);
      const token = await unitToken(t);
      const list = await apiCall(t.base, 'GET', '/api/v1/units/1/bills?month=2026-11', { token });
      const bill = list.data.items.find((b) => b.kind === 'regular');
      assert(bill && bill.status === 'draft', `a draft bill of 2026-11: ${JSON.stringify(list.data)}`);
      await signInUnit(t);
      await go(t, 'bills');
      await page.getByRole('button', { name: '核对并确认 2026-11 账单' }).click();
      await page.locator('#bill-confirm').waitFor();
      await expectText(page, '单位月缴费通知单');
      await expectText(page, `${yuan(bill.total_fen)} 元`);
      await expectText(page, `${yuan(bill.unit_total_fen)} 元`);
      assertEqual(await page.locator('#bill-status').innerText(), '待确认', 'status before confirming');
      await t.screenshot('账单明细');
      await page.locator('#bill-confirm').click();
      await expectText(page, `账单已确认（2026-11-20），合计 ${yuan(bill.total_fen)} 元`);
      assertEqual(await page.locator('#bill-status').innerText(), '已确认', 'status after confirming');
      const again = await apiCall(t.base, 'POST', `/api/v1/bills/${bill.id}/confirm`, { token, body: {} });
      assertEqual(again.status, 409, 'a confirmed bill cannot be confirmed again');
    },
  },
  {
    name: '补缴：已核定月份被拒绝，近期直接生成账单，较早月份提交申请',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await go(t, 'backpay');
      const fillBackpay = async (from, to, reason) => {
        await fill(page, '证件号码', DEMO.person.idNumber);
        await fill(page, '补缴起始月份', from);
        await fill(page, '补缴终止月份', to);
        await fill(page, '补缴期间月工资（元）', '8000');
        await fill(page, '情况说明', reason || '');
        await page.getByRole('button', { name: '提交补缴' }).click();
      };
      await fillBackpay('2026-09', '2026-10');
      const box = page.locator('#backpay-form .error-box');
      await box.waitFor();
      assert((await box.innerText()).includes('已核定缴费，不能重复补缴'), 'months billed already are refused with the reason');
      await fillBackpay('2026-06', '2026-07');
      await page.locator('#backpay-result .card').waitFor();
      const direct = await page.locator('#backpay-result').innerText();
      assert(direct.includes('已生成补缴账单（补缴 5 个月）'), `direct back-payment: ${direct}`);
      await t.screenshot('补缴账单');
      await fillBackpay('2026-01', '2026-02');
      const why = page.locator('#backpay-form .field.invalid', { has: page.getByLabel('情况说明', { exact: true }) }).locator('.field-error');
      await why.waitFor();
      assert((await why.innerText()).includes('reason_missing'), 'a back-payment needing review is refused without its 情况说明, next to the field');
      await fillBackpay('2026-01', '2026-02', '入职时漏报养老保险');
      await expectText(page, '补缴申请已提交');
      const app = await page.locator('#backpay-result').innerText();
      assert(app.includes('补缴 10 个月') && app.includes('情况说明'), `application with its materials: ${app}`);
      const appId = /办件编号 (\d+)/.exec(app)[1];
      await page.getByRole('button', { name: '办件进度', exact: true }).click();
      await page.getByRole('button', { name: `查看办件 ${appId}` }).click();
      await expectText(page, `社保和住房公积金补缴（超过六个月不足三年）（编号 ${appId}）`);
      await expectText(page, '已提交');
      await expectText(page, '未收到');
    },
  },
  {
    name: '医疗补助增记：系统生成一次，再次保存被拒绝',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '社会保险和公积金参保人员医疗补助增记个人账户');
      await expectText(page, '住房补贴缴费');
      await expectText(page, '最近各月住房补贴');
      await page.getByRole('button', { name: '保存医疗补助' }).click();
      await page.locator('#med-result table').waitFor();
      const res = await page.locator('#med-result').innerText();
      const m = /已保存 2026-11 医疗补助 (\d+) 人.*合计 ([\d,]+\.\d\d) 元/.exec(res);
      assert(m, `saved credits with count and total: ${res}`);
      const rows = await page.locator('#med-result tbody tr').count();
      assertEqual(String(rows), m[1], 'one row per person credited');
      await t.screenshot('医疗补助');
      await page.getByRole('button', { name: '保存医疗补助' }).click();
      const err = page.locator('#med-form .field.invalid .field-error');
      await err.waitFor();
      const why = await err.innerText();
      assert(why.includes(`2026-11 的医疗补助名单已保存（${m[1]} 人）`), `a second save is refused next to the month: ${why}`);
    },
  },
  {
    name: '证明打印：参保证明、无欠费证明、缴费人员汇总',
    async run(t) {
      const { page } = t;
      const token = await unitToken(t);
      const c = await apiCall(t.base, 'GET', '/api/v1/units/1/participation-certificate', { token });
      await signInUnit(t);
      await go(t, 'certs');
      await page.getByRole('button', { name: '用人单位参保证明', exact: true }).click();
      await page.locator('.print-area').waitFor();
      await expectText(page, `已缴费 ${c.data.months_paid} 个月（${c.data.first_paid_month} 至 ${c.data.last_paid_month}）`);
      assert(await page.getByRole('button', { name: '打印', exact: true }).count() === 1, 'a print button');
      await t.screenshot('参保证明');
      await page.getByRole('button', { name: '无欠费证明', exact: true }).click();
      await expectText(page, '截至 2026-11-20 无欠费');
      await page.getByRole('button', { name: '缴费人员汇总参保证明', exact: true }).click();
      await expectText(page, '用人单位缴费人员汇总参保证明');
      await expectText(page, '单位缴费合计');
    },
  },
  {
    name: '单位信息：变更联系电话，已开通的网上缴费权限不能再开通',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '单位信息变更');
      await fill(page, '联系电话', '0512-62889999');
      await page.getByRole('button', { name: '保存变更' }).click();
      await expectText(page, '已保存 1 项变更');
      const token = await unitToken(t);
      const u = await apiCall(t.base, 'GET', '/api/v1/units/1', { token });
      assertEqual(u.data.contact_phone, '0512-62889999', 'the phone number is stored');
      await page.getByRole('button', { name: '开通网上缴费权限', exact: true }).click();
      const box = page.locator('#online-result .error-box');
      await box.waitFor();
      assert((await box.innerText()).includes('已开通'), `granting twice is refused with its reason: ${await box.innerText()}`);
      await t.screenshot('单位信息');
    },
  },
  {
    name: '纸质权益单退订在办理期外被拒绝并说明办理期',
    async run(t) {
      const { page } = t;
      await signInUnit(t);
      await openMenuItem(page, '单位批量退订个人纸质权益单');
      await page.getByRole('button', { name: '提交', exact: true }).click();
      const box = page.locator('#paper-form .error-box');
      await box.waitFor();
      const text = await box.innerText();
      assert(text.includes('2027-06-01 至 2027-06-30') && text.includes('outside_window'), `refusal names the window: ${text}`);
      await t.screenshot('纸质权益单退订被拒绝');
    },
  },
];

async function openMenuItem(page, name) {
  const btn = page.locator('.catalog-menu').getByRole('button', { name, exact: true });
  // The menu groups fold; open the group that holds the item first.
  const group = page.locator('.catalog-menu details', { has: btn });
  if (await group.count()) await group.evaluate((d) => { d.open = true; });
  await btn.click();
  await page.locator('.view-title').waitFor();
}
