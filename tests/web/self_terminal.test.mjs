// The self-service terminal (/self/?terminal=1): large touch targets, the on-screen keypad,
// the ID number masked on the public screen, and the sign-out after a time without input,
// policy auth.terminal_idle_seconds (60), shortened for the test with the URL flag idle_s
// (web/self/terminal.js).
import { DEMO, assert, assertEqual, expectText, visibleText } from './lib.mjs';

const P = DEMO.person;

async function typeOnKeypad(page, text) {
  const pad = page.getByRole('group', { name: '屏幕键盘' });
  for (const ch of text) {
    if (/[0-9X]/.test(ch)) {
      await pad.locator(`.keypad button[data-key="${ch}"]`).click();
      continue;
    }
    const letters = pad.locator('.keypad-letters');
    if (!(await letters.isVisible())) await pad.getByRole('button', { name: '字母' }).click();
    const shift = pad.getByRole('button', { name: '大写' });
    const upper = (await shift.getAttribute('aria-pressed')) === 'true';
    const wantUpper = ch !== ch.toLowerCase();
    if (/[a-z]/i.test(ch) && upper !== wantUpper) await shift.click();
    await letters.locator(`button[data-key="${ch}"]`).click();
  }
}

export const flows = [
  {
    name: '自助终端屏幕键盘登录',
    async run(t) {
      const { page } = t;
      // idle_s can shorten the policy's 60 seconds, never lengthen them.
      await page.goto(`${t.base}/self/?terminal=1&idle_s=600`);
      await expectText(page, '自助终端登录');
      assert(await page.evaluate(() => document.body.classList.contains('terminal')), 'terminal mode is on');
      const login = page.getByRole('button', { name: '登录', exact: true });
      const box = await login.boundingBox();
      assert(box.height >= 56, `a touch target is at least 56 px high, got ${box.height}`);
      // The ID number and the password are typed on the screen only.
      await page.getByLabel('证件号码', { exact: true }).focus();
      await typeOnKeypad(page, '3205941990090510199');
      await page.getByRole('button', { name: '退格' }).click();
      assertEqual(await page.getByLabel('证件号码', { exact: true }).inputValue(), P.idNumber, 'the ID number typed');
      await page.getByLabel('密码', { exact: true }).focus();
      await typeOnKeypad(page, P.password);
      assertEqual(await page.getByLabel('密码', { exact: true }).inputValue(), P.password, 'the password typed');
      await t.screenshot('终端登录');
      await login.click();
      await expectText(page, '张伟（参保人）');
      await expectText(page, '个人服务 · 自助终端');
      // A public screen: the person's own ID number is masked here.
      await expectText(page, '320***********1019');
      assert(!(await visibleText(page)).includes(P.idNumber), 'the full ID number is not on the terminal');
      await expectText(page, /无操作 (60|59|58) 秒后将自动退出登录/);
      await t.screenshot('终端我的信息');
      // Every text field of a terminal page has the keypad.
      await page.getByLabel('手机号码', { exact: true }).focus();
      await typeOnKeypad(page, '13800000000');
      await page.getByRole('button', { name: '保存联系方式' }).click();
      await expectText(page, '联系方式已保存（1 项）');
      await expectText(page, '13800000000');
    },
  },
  {
    name: '自助终端无操作自动退出',
    async run(t) {
      const { page } = t;
      await page.goto(`${t.base}/self/?terminal=1&idle_s=3`);
      await page.getByLabel('证件号码', { exact: true }).fill(P.idNumber);
      await page.getByLabel('密码', { exact: true }).fill(P.password);
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await expectText(page, '张伟（参保人）');
      const banner = page.getByRole('timer');
      await expectText(page, '无操作 3 秒后将自动退出登录');
      await expectText(page, '无操作 2 秒后将自动退出登录', { timeout: 3000 });
      // Input starts the countdown again.
      await page.locator('.side-nav').getByRole('link', { name: '账户余额' }).click();
      await expectText(page, '无操作 3 秒后将自动退出登录', { timeout: 1000 });
      await t.screenshot('倒计时');
      const token = await page.evaluate(() => sessionStorage.getItem('sipf.self.token'));
      assert(token, 'signed in with a token');
      await expectText(page, '因长时间无操作，已自动退出登录', { timeout: 6000 });
      await expectText(page, '自助终端登录');
      assert(!(await banner.isVisible()), 'the countdown is gone after sign-out');
      assertEqual(await page.evaluate(() => sessionStorage.getItem('sipf.self.token')), null, 'the token is forgotten');
      // The server has ended the session too.
      const r = await fetch(`${t.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
      assertEqual(r.status, 401, 'the old token after the automatic sign-out');
      await t.screenshot('自动退出');
    },
  },
];
