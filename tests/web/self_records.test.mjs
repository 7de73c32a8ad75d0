// The personal portal (/self/): signing in and the person's own records, as 张伟 of the demo
// park (employed at 星海科技 since 2024-11, 2026-08..10 assessed, collected and paid, base
// 24,600.00 yuan).
import { DEMO, assert, assertEqual, expectNoText, expectText, fill, signIn, visibleText } from './lib.mjs';

const P = DEMO.person;
const portal = (t) => `${t.base}/self/`;
const signInPortal = (t) => signIn(t.page, portal(t), { 证件号码: P.idNumber, 密码: P.password });
const go = async (t, name) => {
  await t.page.locator('.side-nav').getByRole('link', { name, exact: true }).click();
  await t.page.locator('#page-title', { hasText: name }).waitFor();
};

export const flows = [
  {
    name: '首页进入个人服务',
    async run(t) {
      const { page } = t;
      await page.goto(`${t.base}/`);
      await expectText(page, '服务事项目录');
      for (const name of ['个人服务', '自助终端模式', '单位网厅', '柜面与审核']) {
        assert(await page.getByRole('link', { name }).count() === 1, `the landing page links ${name}`);
      }
      await expectText(page, /共 \d+ 项/);
      await expectText(page, '暂未开通');
      await t.screenshot('首页');
      await page.getByRole('link', { name: '个人服务' }).click();
      await expectText(page, '个人网厅登录');
      await t.screenshot('登录');
    },
  },
  {
    name: '登录被拒绝时显示原因',
    async run(t) {
      const { page } = t;
      await page.goto(portal(t));
      await expectText(page, '个人网厅登录');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await expectText(page, '请填写证件号码');
      await expectText(page, '请填写密码');
      await fill(page, '证件号码', P.idNumber);
      await fill(page, '密码', 'Wrong@2026');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await expectText(page, '账号或密码错误');
      await t.screenshot('登录失败');
      await expectNoText(page, '退出登录');
    },
  },
  {
    name: '我的信息',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await expectText(page, '张伟（参保人）');
      await page.locator('#page-title', { hasText: '我的信息' }).waitFor();
      const text = await visibleText(page);
      // The person is entitled to their own ID number in the portal.
      assert(text.includes(P.idNumber), 'the portal shows the own ID number in full');
      for (const s of ['居民身份证', '1990-09-05', '3210000006', 'YQ20000006', '园区户籍', '未退休']) {
        assert(text.includes(s), `my information shows ${s}`);
      }
      await t.screenshot('我的信息');
      // A bad mobile number is refused next to its field.
      await fill(page, '手机号码', '123');
      await page.getByRole('button', { name: '保存联系方式' }).click();
      const err = page.locator('.field.invalid .field-error');
      await err.waitFor();
      assertEqual(await err.innerText(), '手机号码应为以 1 开头的 11 位数字：123', 'the error next to 手机号码');
      assertEqual(await page.getByLabel('手机号码', { exact: true }).getAttribute('aria-invalid'), 'true', 'aria-invalid');
      await fill(page, '手机号码', '13912345678');
      await page.getByRole('button', { name: '保存联系方式' }).click();
      await expectText(page, '联系方式已保存（1 项）');
      await expectText(page, '13912345678');
    },
  },
  {
    name: '参保关系及变动记录',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '参保关系');
      await expectText(page, '参保关系变动记录');
      const rows = page.locator('table.data').first().locator('tbody tr');
      assertEqual(await rows.count(), 6, 'six insured relationships');
      assert((await rows.first().innerText()).startsWith('养老保险'), 'pension comes first');
      assert((await rows.last().innerText()).startsWith('住房公积金'), 'the housing fund comes last');
      const text = await visibleText(page);
      for (const s of ['养老保险', '住房公积金', '苏州工业园区星海科技有限公司', '2024-11', '至今', '正常参保', '单位参保登记', '2024-11-16', '当前使用']) {
        assert(text.includes(s), `relationships show ${s}`);
      }
      await t.screenshot('参保关系');
    },
  },
  {
    name: '缴费明细按险种和年度',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '缴费明细');
      await expectText(page, '共 18 条，单位缴纳合计 25,239.60 元，个人缴纳合计 15,129.00 元');
      await page.getByLabel('年度', { exact: true }).selectOption('2026');
      await page.getByLabel('险种', { exact: true }).selectOption('pension');
      await page.getByRole('button', { name: '查询' }).click();
      await expectText(page, '共 3 条，单位缴纳合计 11,808.00 元，个人缴纳合计 5,904.00 元');
      await expectText(page, '缴费明细（2026 年） · 养老保险');
      const first = await page.locator('table.data tbody tr').first().innerText();
      for (const s of ['2026-08', '养老保险', '正常缴费', '24,600.00', '3,936.00', '1,968.00', '已到账 2026-08-20']) {
        assert(first.includes(s), `the first pension row shows ${s}: ${first}`);
      }
      await t.screenshot('缴费明细');
      // A year without contributions shows none.
      await page.getByLabel('年度', { exact: true }).selectOption('2024');
      await page.getByRole('button', { name: '查询' }).click();
      await expectText(page, '共 0 条，单位缴纳合计 0.00 元，个人缴纳合计 0.00 元');
      await expectText(page, '暂无记录');
    },
  },
  {
    name: '账户余额',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '账户余额');
      const tile = (kind) => page.locator(`.tile[data-account="${kind}"]`).innerText();
      assert((await tile('pension_account')).includes('5,904.00 元'), 'pension account 5,904.00');
      assert((await tile('medical_account')).includes('1,476.00 元'), 'medical account 1,476.00');
      assert((await tile('housing_fund')).includes('14,760.00 元'), 'housing fund 14,760.00');
      assert((await tile('housing_subsidy')).includes('0.00 元'), 'housing subsidy 0.00');
      await expectText(page, '最近每月记账');
      await expectText(page, '4,920.00');
      await t.screenshot('账户余额');
    },
  },
  {
    name: '权益记录单打印视图',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '权益记录单');
      await expectText(page, '个人权益记录单（2027 年度）');
      await expectText(page, '记录期间 2026-07-01 至 2027-06-30（截至 2026-11-20，本期尚未结束）');
      await expectText(page, '3205**********1019');
      const total = await page.locator('.print-area table.data').first().locator('tbody tr').last().innerText();
      assert(total.includes('合计') && total.includes('22,140.00'), `the totals row: ${total}`);
      await page.getByRole('button', { name: '打印' }).waitFor();
      // Printed, only the print area is on paper.
      await page.emulateMedia({ media: 'print' });
      assert(!(await page.locator('.side-nav').isVisible()), 'the menu is not printed');
      assert(await page.locator('.print-area h2').isVisible(), 'the statement is printed');
      await t.screenshot('权益记录单-打印');
      await page.emulateMedia({ media: 'screen' });
      // The paper opt-out is refused outside its window (1 January to 30 June), with the reason.
      await page.getByRole('button', { name: '退订纸质权益记录单' }).click();
      await expectText(page, /退订|订阅/);
      const box = page.locator('#paper-form .error-box');
      await box.waitFor();
      const why = await box.innerText();
      assert(why.includes('outside_window') && why.includes('2027-01-01'), `the refusal names the window: ${why}`);
      await t.screenshot('权益记录单-退订被拒绝');
    },
  },
  {
    name: '参保证明打印视图',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '参保证明');
      await expectText(page, '兹证明 张伟 在本中心参保情况如下（截至 2026-11）');
      const rows = page.locator('.print-area table.data tbody tr');
      assertEqual(await rows.count(), 7, 'seven insurances on the certificate');
      const last = await rows.last().innerText();
      assert(last.includes('住房补贴') && last.includes('未参保'), `the housing subsidy row: ${last}`);
      const first = await rows.first().innerText();
      for (const s of ['养老保险', '正常参保', '苏州工业园区星海科技有限公司', '2024-11', '25']) {
        assert(first.includes(s), `the certificate's pension row shows ${s}: ${first}`);
      }
      await expectText(page, '3205**********1019');
      await expectText(page, '出具日期 2026-11-20');
      await t.screenshot('参保证明');
    },
  },
  {
    name: '我的办件及进度',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '我的办件');
      const row = page.locator('table.data tbody tr').first();
      const text = await row.innerText();
      assert(text.includes('“双通道”管理及单独支付药品待遇认定') && text.includes('已提交') && text.includes('2026-11-20'),
        `the application row: ${text}`);
      await row.getByRole('link').click();
      await expectText(page, '办件进度 · “双通道”管理及单独支付药品待遇认定');
      await expectText(page, '医保电子凭证或居民身份证或社会保障卡');
      await expectText(page, '未收取');
      await expectText(page, '办理过程');
      await t.screenshot('办件进度');
    },
  },
  {
    name: '仅用键盘登录和查询',
    async run(t) {
      const { page } = t;
      await page.goto(portal(t));
      await page.getByLabel('证件号码', { exact: true }).waitFor();
      // The sign-in form takes the focus; Tab moves on, Enter submits.
      await page.keyboard.type(P.idNumber);
      await page.keyboard.press('Tab');
      await page.keyboard.type(P.password);
      await page.keyboard.press('Enter');
      await expectText(page, '张伟（参保人）');
      // From the menu by Tab and Enter to the account balances.
      const link = page.locator('.side-nav').getByRole('link', { name: '账户余额' });
      for (let i = 0; i < 20 && !(await link.evaluate((el) => el === document.activeElement)); i++) {
        await page.keyboard.press('Tab');
      }
      assert(await link.evaluate((el) => el === document.activeElement), 'the menu is reached by Tab');
      const outline = await link.evaluate((el) => getComputedStyle(el).outlineStyle);
      assert(outline !== 'none', `the focused link shows an outline, got ${outline}`);
      await page.keyboard.press('Enter');
      await expectText(page, '14,760.00 元');
    },
  },
  {
    name: '全部服务事项含暂未开通',
    async run(t) {
      const { page } = t;
      await signInPortal(t);
      await go(t, '全部服务事项');
      await page.locator('.catalog-menu').waitFor();
      const closed = page.locator('.catalog-menu .item.closed');
      assert(await closed.count() > 100, 'the items not open yet are all listed');
      assert((await closed.first().textContent()).includes('暂未开通'), 'a closed item says 暂未开通');
      assertEqual(await closed.first().getAttribute('aria-disabled'), 'true', 'a closed item is disabled');
      await t.screenshot('全部服务事项');
      await page.locator('.catalog-menu').getByRole('button', { name: '参保人员参保证明和参保明细出具' }).click();
      await expectText(page, '兹证明 张伟');
    },
  },
];
