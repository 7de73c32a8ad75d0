// The personal portal's actions: flexible employment (registration, tier change, suspension,
// each telling the month it takes effect) and the change of password. The business date is
// 2026-11-20, past the 18th (policy flexible.first_deduction_day), so changes take effect in
// 2026-12. 李娜 is registered at the counter by the test (no employer, hukou outside the park).
import { DEMO, assert, assertEqual, expectNoText, expectText, fill, newPerson, signIn } from './lib.mjs';

let lina = null;
const signInAs = (t, who) => signIn(t.page, `${t.base}/self/`, { 证件号码: who.idNumber, 密码: who.password });
const openFlexible = async (t) => {
  await t.page.locator('.side-nav').getByRole('link', { name: '灵活就业', exact: true }).click();
  await t.page.locator('#flex-when').waitFor();
};
const errorNextTo = async (page, formId, label) => {
  const field = page.locator(`#${formId} .field`, { has: page.getByLabel(label, { exact: true }) });
  return (await field.locator('.field-error').innerText()).trim();
};

export const flows = [
  {
    name: '灵活就业参保被拒绝时显示原因',
    async run(t) {
      const { page } = t;
      await signInAs(t, DEMO.person);
      await openFlexible(t);
      await expectText(page, '您目前没有以灵活就业人员身份参保。');
      await page.locator('#flex-register').getByLabel('参保套餐', { exact: true }).selectOption('pension_medical');
      await page.getByRole('button', { name: '参保登记' }).click();
      const box = page.locator('#flex-register .error-box');
      await box.waitFor();
      const text = await box.innerText();
      assert(text.includes('不符合办理条件：共 2 项规则未通过'), `the refusal's title: ${text}`);
      assert(text.includes('养老保险已由单位参保缴费（单位 1），不能以灵活就业人员身份参保'), `the pension rule: ${text}`);
      assert(text.includes('医疗保险已由单位参保缴费（单位 1），不能以灵活就业人员身份参保'), `the medical rule: ${text}`);
      assert(text.includes('employed_insured') && text.includes('start_month=2024-11'), `the rule's code and numbers: ${text}`);
      await t.screenshot('参保被拒绝');
    },
  },
  {
    name: '灵活就业参保登记告知生效月份',
    async run(t) {
      const { page } = t;
      lina = await newPerson(t.base, { first17: '32059419950315123', name: '李娜' });
      await signInAs(t, lina);
      await openFlexible(t);
      await expectText(page, '每月 18 日前办理的当月生效，18 日及以后办理的次月生效；今天办理自 2026-12 起生效。');
      const form = page.locator('#flex-register');
      await form.getByLabel('参保套餐', { exact: true }).selectOption('pension_medical');
      // The tiers come with their bases, as policy has them today.
      const tierLabels = await form.getByLabel('缴费档次', { exact: true }).locator('option').allInnerTexts();
      assertEqual(tierLabels.length, 5, 'tiers of 养老+医疗');
      assertEqual(tierLabels[1], '第 2 档（养老保险 6,000.00 元，医疗保险 6,000.00 元）', 'the second tier');
      assertEqual(tierLabels[4], '第 5 档（养老保险 12,000.00 元，医疗保险无此档）', 'the fifth tier');
      await form.getByLabel('参保套餐', { exact: true }).selectOption('housing_fund');
      const hf = await form.getByLabel('缴费档次', { exact: true }).locator('option').allInnerTexts();
      assertEqual(hf.join('|'), '第 1 档（住房公积金 2,490.00 元）|第 2 档（住房公积金 4,600.00 元）|第 3 档（住房公积金 8,000.00 元）',
        'the housing fund tiers');
      await form.getByLabel('参保套餐', { exact: true }).selectOption('pension_medical');
      await form.getByLabel('缴费档次', { exact: true }).selectOption('5');
      await page.getByRole('button', { name: '参保登记' }).click();
      await form.locator('.field.invalid').waitFor();
      // Medical insurance has 3 tiers only: said next to the tier, with the rule's numbers.
      const err = await errorNextTo(page, 'flex-register', '缴费档次');
      assert(err.includes('医疗保险缴费档次应为 1 到 3，收到 5') && err.includes('max_tier=3'), `the tier error: ${err}`);
      // Every rule sits next to its field: no list above the form repeats it.
      assertEqual(await form.locator('.form-errors .error-box').count(), 0, 'boxes above the form');
      await t.screenshot('档次超出范围');
      await form.getByLabel('缴费档次', { exact: true }).selectOption('2');
      await page.getByRole('button', { name: '参保登记' }).click();
      await expectText(page, '参保登记成功，自 2026-12 起按第 2 档缴费（养老保险缴费基数 6,000.00 元，医疗保险缴费基数 6,000.00 元）。');
      const rows = page.locator('table.data tbody tr');
      assertEqual(await rows.count(), 2, 'two flexible spans');
      const first = await rows.first().innerText();
      assert(first.includes('养老+医疗') && first.includes('第 2 档') && first.includes('6,000.00') && first.includes('2026-12'),
        `the pension span: ${first}`);
      await t.screenshot('参保登记成功');
    },
  },
  {
    name: '缴费档次变更告知生效月份',
    async run(t) {
      const { page } = t;
      assert(lina, 'registered in the flow before');
      await signInAs(t, lina);
      await openFlexible(t);
      const form = page.locator('#flex-tier');
      await form.getByLabel('变更险种', { exact: true }).selectOption('pension');
      await form.getByLabel('新的缴费档次', { exact: true }).selectOption('2');
      await page.getByRole('button', { name: '变更档次' }).click();
      await form.locator('.field.invalid').waitFor();
      const same = await errorNextTo(page, 'flex-tier', '新的缴费档次');
      assert(same.includes('tier_unchanged'), `an unchanged tier is refused next to the field: ${same}`);
      await form.getByLabel('新的缴费档次', { exact: true }).selectOption('4');
      await page.getByRole('button', { name: '变更档次' }).click();
      await expectText(page, '养老保险由第 2 档变更为第 4 档（缴费基数 10,000.00 元），自 2026-12 起生效。');
      await t.screenshot('档次变更');
    },
  },
  {
    name: '中断参保告知生效月份',
    async run(t) {
      const { page } = t;
      assert(lina, 'registered in the flow before');
      await signInAs(t, lina);
      await openFlexible(t);
      const form = page.locator('#flex-suspend');
      await form.getByLabel('医疗保险', { exact: true }).uncheck();
      await page.getByRole('button', { name: '中断参保' }).click();
      await expectText(page, '已办理中断参保，自 2026-12 起停止缴费。');
      const pension = await page.locator('table.data tbody tr', { hasText: '养老保险' }).innerText();
      assert(pension.includes('暂停参保'), `pension is suspended: ${pension}`);
      const medical = await page.locator('table.data tbody tr', { hasText: '医疗保险' }).innerText();
      assert(medical.includes('正常参保'), `medical is not: ${medical}`);
      await expectText(page, '恢复参保');
      await t.screenshot('中断参保');
    },
  },
  {
    name: '修改密码',
    async run(t) {
      const { page } = t;
      const who = DEMO.person2;
      await signInAs(t, who);
      await page.locator('.side-nav').getByRole('link', { name: '修改密码', exact: true }).click();
      await page.locator('#password-form').waitFor();
      const submit = () => page.getByRole('button', { name: '修改密码', exact: true }).click();
      await fill(page, '原密码', 'Wrong@2026');
      await fill(page, '新密码', 'Better@2026');
      await fill(page, '再次输入新密码', 'Better@2026');
      await submit();
      await page.locator('#password-form .field.invalid').waitFor();
      assertEqual(await errorNextTo(page, 'password-form', '原密码'), '原密码错误', 'a wrong old password');
      await fill(page, '原密码', who.password);
      await fill(page, '新密码', 'short');
      await fill(page, '再次输入新密码', 'short');
      await submit();
      await page.locator('#password-form .field.invalid').waitFor();
      const short = await errorNextTo(page, 'password-form', '新密码');
      assert(short.startsWith('密码至少需要 8 个字符，当前为 5 个') && short.includes('min_length=8'), `too short: ${short}`);
      await t.screenshot('密码太短');
      await fill(page, '新密码', 'Better@2026');
      await fill(page, '再次输入新密码', 'Better@2027');
      await submit();
      await page.locator('#password-form .field.invalid').waitFor();
      assertEqual(await errorNextTo(page, 'password-form', '再次输入新密码'), '两次输入的新密码不一致', 'a mismatch');
      await fill(page, '再次输入新密码', 'Better@2026');
      await submit();
      await expectText(page, '密码已修改，下次登录请使用新密码');
      await page.getByRole('button', { name: '退出登录' }).click();
      await expectText(page, '您已退出登录');
      await expectNoText(page, '王芳');
      await signInAs(t, { ...who, password: 'Better@2026' });
      await expectText(page, '王芳（参保人）');
    },
  },
];
