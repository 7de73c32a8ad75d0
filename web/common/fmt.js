// fmt.js — how every desk writes amounts, dates and ID numbers.
//
// Contract:
//   yuan(fen)          integer fen (number, numeric string or BigInt) -> "1,234,567.89";
//                      negative amounts get a leading "-". Integer arithmetic only (BigInt),
//                      so no amount is ever rounded by floating point. null/undefined -> "—".
//   yuanText(fen)      the same followed by " 元".
//   date(v)            "YYYY-MM-DD" from an ISO date or timestamp string, a Date, or a
//                      yyyymmdd integer; null -> "—".
//   month(v)           "YYYY-MM" from a yyyymm integer or string, or an ISO date; null -> "—".
//   maskId(id, entitled)  the ID number as is when the viewer is entitled to it, otherwise
//                      the first 3 and last 4 characters with "*" between, keeping the length
//                      (320***********1234 for 18 digits). Short numbers are masked whole.
//   dash(v)            v, or "—" when it is empty.

export function yuan(fen) {
  if (fen === null || fen === undefined || fen === '') return '—';
  let n = BigInt(fen);
  const neg = n < 0n;
  if (neg) n = -n;
  const whole = (n / 100n).toString();
  const cents = (n % 100n).toString().padStart(2, '0');
  let grouped = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) grouped += ',';
    grouped += whole[i];
  }
  return `${neg ? '-' : ''}${grouped}.${cents}`;
}

export function yuanText(fen) {
  const s = yuan(fen);
  return s === '—' ? s : `${s} 元`;
}

export function date(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (v instanceof Date) {
    const p = (x) => String(x).padStart(2, '0');
    return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
  }
  const s = String(v);
  if (/^\d{8}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}`;
  return s.slice(0, 10);
}

export function month(v) {
  if (v === null || v === undefined || v === '' || v === 0) return '—';
  const s = String(v);
  if (/^\d{6}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4)}`;
  return s.slice(0, 7);
}

export function maskId(id, entitled = false) {
  if (!id) return '—';
  const s = String(id);
  if (entitled) return s;
  if (s.length <= 7) return '*'.repeat(s.length);
  return s.slice(0, 3) + '*'.repeat(s.length - 7) + s.slice(-4);
}

export function dash(v) {
  return v === null || v === undefined || v === '' ? '—' : String(v);
}

// The words every desk shows for the codes of the API (the API gives *_zh beside most
// codes; these cover the places it does not).
const INSURANCE_ZH = {
  pension: '养老保险', medical: '医疗保险', unemployment: '失业保险', injury: '工伤保险',
  maternity: '生育保险', housing_fund: '住房公积金', housing_subsidy: '住房补贴',
};
const SPAN_STATUS_ZH = {
  normal: '正常参保', suspended: '暂停参保', terminated: '终止参保', sealed: '封存', not_insured: '未参保',
};
const SPAN_ACTION_ZH = { open: '参保', close: '停保', suspend: '中断参保', resume: '恢复参保', tier: '档次变更' };
const APPLICATION_STATE_ZH = {
  submitted: '已提交', accepted: '已受理', approved: '已批准', refused: '已退回', completed: '已办结', withdrawn: '已撤回',
};

//   insuranceZh(code), spanStatusZh(code), spanActionZh(code), applicationStateZh(code):
//   the Chinese word, or the code itself when it is not known here.
export const insuranceZh = (c) => INSURANCE_ZH[c] || c || '—';
export const spanStatusZh = (c) => SPAN_STATUS_ZH[c] || c || '—';
export const spanActionZh = (c) => SPAN_ACTION_ZH[c] || c || '—';
export const applicationStateZh = (c) => APPLICATION_STATE_ZH[c] || c || '—';
