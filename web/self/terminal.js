// The self-service terminal's pieces: the on-screen keypad and the idle sign-out.
//
// How long a terminal stays signed in without input is policy (auth.terminal_idle_seconds),
// read from GET /api/v1/terminal/settings before anyone signs in. The URL flag idle_s=N (e.g.
// /self/?terminal=1&idle_s=3) shortens it for the browser tests; it is honoured only between 1
// and the policy's seconds, so it can never lengthen the time a public machine stays signed in.
import { h } from '/common/ui.js';

// The countdown turns to a warning colour, and is read out, in its last seconds.
const IDLE_WARN_SECONDS = 15;

export function idleSeconds(params, policySeconds) {
  const n = Number.parseInt(params.get('idle_s') || '', 10);
  return Number.isInteger(n) && n >= 1 && n <= policySeconds ? n : policySeconds;
}

// Starts the countdown shown in banner; any input starts it again; at zero calls onExpire
// once. Returns stop().
export function startIdleTimer({ seconds, banner, onExpire }) {
  let left = seconds;
  const show = () => {
    banner.hidden = false;
    banner.textContent = `无操作 ${left} 秒后将自动退出登录`;
    banner.classList.toggle('warn', left <= IDLE_WARN_SECONDS);
    // Read out only in the last seconds, not every second of the minute.
    banner.setAttribute('aria-live', left <= IDLE_WARN_SECONDS ? 'polite' : 'off');
  };
  const reset = () => { left = seconds; show(); };
  const events = ['pointerdown', 'keydown', 'input', 'touchstart', 'wheel'];
  for (const e of events) document.addEventListener(e, reset, true);
  show();
  const timer = setInterval(() => {
    left -= 1;
    if (left > 0) { show(); return; }
    stop();
    onExpire();
  }, 1000);
  function stop() {
    clearInterval(timer);
    for (const e of events) document.removeEventListener(e, reset, true);
    banner.hidden = true;
  }
  return stop;
}

const DIGITS = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['X', '0', '⌫']];
const LETTERS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '@._-#!'];

// An on-screen keypad typing into whichever of inputs has focus (the last focused one):
// digits and X for ID numbers, and a letter panel for passwords. Keys do not take the focus
// away from the field, so the field's label stays what a screen reader announces.
export function keypad(inputs) {
  let target = inputs[0];
  let upper = false;
  for (const i of inputs) i.addEventListener('focus', () => { target = i; });
  const type = (ch) => {
    if (!target) return;
    if (ch === '⌫') target.value = target.value.slice(0, -1);
    else if (ch === 'clear') target.value = '';
    else target.value += ch;
    target.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const key = (label, ch, name) => h('button', {
    type: 'button', class: 'key', 'aria-label': name || label, 'data-key': ch,
    onmousedown: (e) => e.preventDefault(), onclick: () => type(ch),
  }, label);
  const letterPanel = h('div', { class: 'keypad-letters', hidden: true });
  const drawLetters = () => {
    letterPanel.replaceChildren(...LETTERS.map((row) => h('div', { class: 'key-row' },
      [...row].map((c) => {
        const ch = upper ? c.toUpperCase() : c;
        return key(ch, ch);
      }))));
  };
  drawLetters();
  const shift = h('button', {
    type: 'button', class: 'key wide', 'aria-pressed': 'false', onmousedown: (e) => e.preventDefault(),
    onclick: () => { upper = !upper; shift.setAttribute('aria-pressed', String(upper)); drawLetters(); },
  }, '大写');
  const abc = h('button', {
    type: 'button', class: 'key wide', 'aria-expanded': 'false', onmousedown: (e) => e.preventDefault(),
    onclick: () => {
      letterPanel.hidden = !letterPanel.hidden;
      abc.setAttribute('aria-expanded', String(!letterPanel.hidden));
    },
  }, '字母');
  return h('div', { class: 'keypad-box', role: 'group', 'aria-label': '屏幕键盘' },
    h('div', { class: 'keypad' }, DIGITS.flat().map((d) => (d === '⌫' ? key('⌫', '⌫', '退格') : key(d, d)))),
    h('div', { class: 'key-row' }, abc, shift, key('清空', 'clear')),
    letterPanel);
}
