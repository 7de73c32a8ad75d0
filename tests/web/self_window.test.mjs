// The personal portal on 2026-03-16: inside the paper-statement window (1 January to 30 June)
// and before the 18th, so the opt-out is accepted and a flexible registration takes effect in
// the same month.
import { DEMO, assert, expectText, newPerson, signIn } from './lib.mjs';

export const options = { asOf: '2026-03-16' };

export const flows = [
  {
    name: '纸质权益单退订与恢复订阅',
    async run(t) {
      const { page } = t;
      await signIn(page, `${t.base}/self/`, { 证件号码: DEMO.person.idNumber, 密码: DEMO.person.password });
      await page.locator('.side-nav').getByRole('link', { name: '权益记录单', exact: true }).click();
      await expectText(page, '个人权益记录单（2026 年度）');
      await expectText(page, '记录期间 2025-07-01 至 2026-06-30（截至 2026-03-16，本期尚未结束）');
      await expectText(page, '本年度将邮寄纸质权益记录单。');
      await page.getByRole('button', { name: '退订纸质权益记录单' }).click();
      await expectText(page, '已退订 2026 年度纸质权益记录单');
      await expectText(page, '本年度已退订纸质权益记录单。');
      await t.screenshot('已退订');
      await page.getByRole('button', { name: '恢复订阅纸质权益记录单' }).click();
      await expectText(page, '已恢复订阅 2026 年度纸质权益记录单');
      await expectText(page, '本年度将邮寄纸质权益记录单。');
    },
  },
  {
    name: '18日前办理灵活就业参保当月生效',
    async run(t) {
      const { page } = t;
      const who = await newPerson(t.base, { first17: '32059419880704222', name: '赵敏' });
      await signIn(page, `${t.base}/self/`, { 证件号码: who.idNumber, 密码: who.password });
      await page.locator('.side-nav').getByRole('link', { name: '灵活就业', exact: true }).click();
      await expectText(page, '今天办理自 2026-03 起生效。');
      const form = page.locator('#flex-register');
      await form.getByLabel('参保套餐', { exact: true }).selectOption('pension');
      await form.getByLabel('缴费档次', { exact: true }).selectOption('3');
      await page.getByRole('button', { name: '参保登记' }).click();
      await expectText(page, '参保登记成功，自 2026-03 起按第 3 档缴费（养老保险缴费基数 8,000.00 元）。');
      const row = await page.locator('table.data tbody tr').first().innerText();
      assert(row.includes('仅养老') && row.includes('第 3 档') && row.includes('8,000.00') && row.includes('2026-03'), `the span: ${row}`);
      await t.screenshot('当月生效');
    },
  },
];
