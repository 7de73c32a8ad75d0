// The employer client's paper statement opt-out inside its window: on 2026-06-10 (the demo
// written that day) the unit opts chosen employees out of the 2026 period's paper statement,
// then all its current employees, and the people's own statements show the change.
import { DEMO, apiCall, apiSignIn, assert, assertEqual, expectText, signIn } from './lib.mjs';

export const options = { asOf: '2026-06-10' };

const signInUnit = (t) => signIn(t.page, `${t.base}/unit/`,
  { 统一社会信用代码: DEMO.unit.code, 经办人账号: DEMO.unit.operator, 密码: DEMO.unit.password });

export const flows = [
  {
    name: '办理期内为指定职工和全部在职职工退订纸质权益单',
    async run(t) {
      const { page } = t;
      const token = await apiSignIn(t.base, { role: 'unit', unit_code: DEMO.unit.code, operator: DEMO.unit.operator, password: DEMO.unit.password });
      const cur = await apiCall(t.base, 'GET', '/api/v1/units/1/employees?status=current', { token });
      const [first, second] = cur.data.items;
      await signInUnit(t);
      await page.goto(`${t.base}/unit/#/paper`);
      await page.locator('#paper-form').waitFor();
      await page.getByLabel('办理范围', { exact: true }).selectOption('some');
      await page.locator('#paper-persons').getByLabel(first.name, { exact: true }).check();
      await page.locator('#paper-persons').getByLabel(second.name, { exact: true }).check();
      await page.getByRole('button', { name: '提交', exact: true }).click();
      await expectText(page, '已为 2 名职工退订 2026 期纸质权益记录单');
      await t.screenshot('纸质权益单退订');
      const clerk = await apiSignIn(t.base, { role: 'staff', username: DEMO.staff.clerk, password: DEMO.staff.password });
      const st = await apiCall(t.base, 'GET', `/api/v1/persons/${first.person_id}/statement`, { token: clerk });
      assertEqual(st.data.paper, false, 'the chosen employee no longer gets paper');
      await page.getByLabel('办理范围', { exact: true }).selectOption('all');
      await page.getByRole('button', { name: '提交', exact: true }).click();
      await expectText(page, `已为 ${cur.data.count} 名职工退订 2026 期纸质权益记录单`);
      await page.getByLabel('办理内容', { exact: true }).selectOption('true');
      await page.getByRole('button', { name: '提交', exact: true }).click();
      await expectText(page, `已为 ${cur.data.count} 名职工恢复订阅 2026 期纸质权益记录单`);
      const back = await apiCall(t.base, 'GET', `/api/v1/persons/${second.person_id}/statement`, { token: clerk });
      assert(back.data.paper === true, 'paper restored for everyone');
    },
  },
];
