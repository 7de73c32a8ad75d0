// ui.js — small DOM functions shared by the three desks. Plain DOM, no framework.
//
// Contract:
//   h(tag, attrs, ...children)  an element; attrs keys: class, text, on<Event> (function),
//       data-*, aria-*, and any other attribute or property (boolean true sets it, false/null
//       omits it). Children are nodes, strings, arrays or null (skipped).
//   table({ caption, columns, rows, empty, rowClass })  a <table> with a caption (visible or
//       .visually-hidden with hiddenCaption: true); columns are { label, value(row) -> string
//       or Node, num: true for right-aligned numbers, wrap: true for long text (cells do
//       not wrap otherwise) }; rowClass(row) may name a class
//       (state-red, state-amber). Empty rows show `empty` (default "暂无记录").
//   form({ fields, submitLabel, onSubmit, legend, id })  -> { el, values(), setErrors(err),
//       clearErrors(), field(name) }. A field is { name, label, type (text, password, number,
//       date, month, select, textarea, file, checkbox), options [{value,label}], required,
//       hint, value, inputmode, autocomplete, pattern, min, max }. Submitting checks required
//       fields (Chinese message next to the field), then awaits onSubmit(values, formApi);
//       an ApiError it throws is shown by setErrors: the error's field, each rule whose
//       data.field names a field and each rule whose code ruleFields maps to a field
//       ({ password_too_short: 'new_password' }) go next to that field, the rest in a list at
//       the top of the form, each with its rule code and numbers ("依据：…").
//   errorBox(err)  the list of an ApiError (message, then every rule) as a role="alert" node.
//   ruleLine(rule) one rule as text: message, code and the numbers of rule.data.
//   notice(text, kind)  a role="status" paragraph (kind: ok, warn, error).
//   catalogMenu({ api, audience, views, onOpen })  fetches GET /api/v1/catalog?audience=..
//       and returns a <nav> listing every item grouped by area: an open item with an entry in
//       views (item id -> view name) is a button calling onOpen(view, item); an open item
//       without a view here is listed with its channels ("可在…办理"); an item not open is a
//       disabled entry marked 暂未开通. Each area is a <details> group, open when it holds
//       an item with a view.
//   signInForm({ title, fields, submitLabel, onSignIn })  a form in a card whose submit
//       calls onSignIn(values); errors as in form().
//   printView({ title, subtitle, body, serial })  a section.print-area with a 打印 button;
//       desk.css prints only the print area (no header, menu or buttons).
//   router(routes, fallback)  hash routing: routes maps "#/name" prefixes to functions
//       called with the rest of the path; returns go(hash).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function table({ caption, hiddenCaption = false, columns, rows, empty = '暂无记录', rowClass }) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)));
  const body = h('tbody');
  if (!rows || rows.length === 0) {
    body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)));
  } else {
    for (const r of rows) {
      const tr = h('tr', { class: rowClass ? rowClass(r) : null });
      for (const c of columns) {
        const v = c.value(r);
        tr.append(h('td', { class: c.num ? 'num' : c.wrap ? 'wrap' : null }, v === null || v === undefined || v === '' ? '—' : v));
      }
      body.append(tr);
    }
  }
  return h('table', { class: 'data' },
    caption ? h('caption', { class: hiddenCaption ? 'visually-hidden' : null }, caption) : null,
    h('thead', {}, head), body);
}

export function ruleLine(rule) {
  // The numbers the rule was decided on (limits, ages, months); record ids are left out.
  const nums = Object.entries(rule.data || {})
    .filter(([k, v]) => k !== 'field' && !/(^|_)id$/.test(k) && (typeof v === 'number' || /^\d{4}-\d{2}(-\d{2})?$/.test(v)))
    .map(([k, v]) => `${k}=${v}`);
  const basis = [rule.code, ...nums].filter(Boolean).join('，');
  return basis ? `${rule.message}（依据：${basis}）` : rule.message;
}

export function errorBox(err) {
  const rules = err.rules || [];
  return h('div', { class: 'error-box', role: 'alert' },
    h('p', { class: 'error-title' }, err.message || '操作未成功'),
    rules.length ? h('ul', {}, rules.map((r) => h('li', { 'data-rule': r.code },
      // A lone rule repeating the title adds only its basis.
      rules.length === 1 && r.message === err.message ? ruleLine({ ...r, message: '' }) : ruleLine(r)))) : null);
}

export function notice(text, kind = 'ok') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

let fieldSeq = 0;

export function form({ fields, submitLabel = '提交', onSubmit, legend, id, ruleFields = {} }) {
  const controls = new Map();
  const top = h('div', { class: 'form-errors', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const el = h('form', { class: 'desk-form', id, novalidate: true });
  const fs = h('fieldset', {}, legend ? h('legend', {}, legend) : null);
  el.append(top, fs);
  for (const f of fields) {
    const cid = `f${++fieldSeq}-${f.name}`;
    const errId = `${cid}-err`;
    const hintId = f.hint ? `${cid}-hint` : null;
    let input;
    const common = {
      id: cid, name: f.name, required: f.required || null,
      'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    };
    if (f.type === 'select') {
      input = h('select', common, (f.options || []).map((o) => h('option', { value: o.value }, o.label)));
      if (f.value !== undefined) input.value = f.value;
    } else if (f.type === 'textarea') {
      input = h('textarea', { ...common, rows: f.rows || 3 });
      if (f.value !== undefined) input.value = f.value;
    } else {
      input = h('input', {
        ...common, type: f.type || 'text', inputmode: f.inputmode, autocomplete: f.autocomplete || 'off',
        pattern: f.pattern, min: f.min, max: f.max, step: f.step, accept: f.accept,
        placeholder: f.placeholder,
      });
      if (f.type === 'checkbox') input.checked = Boolean(f.value);
      else if (f.value !== undefined) input.value = f.value;
    }
    const errEl = h('p', { class: 'field-error', id: errId, 'aria-live': 'polite' });
    const wrap = h('div', { class: `field${f.type === 'checkbox' ? ' field-check' : ''}` },
      h('label', { for: cid, class: f.required ? 'required' : null }, f.label),
      input, hintId ? h('p', { class: 'hint', id: hintId }, f.hint) : null, errEl);
    fs.append(wrap);
    controls.set(f.name, { f, input, errEl, wrap });
  }
  el.append(h('div', { class: 'actions' }, submit));

  function values() {
    const out = {};
    for (const [name, { f, input }] of controls) {
      if (f.type === 'checkbox') out[name] = input.checked;
      else if (f.type === 'file') out[name] = input.files && input.files[0] ? input.files[0] : null;
      else out[name] = input.value.trim();
    }
    return out;
  }

  function clearErrors() {
    top.replaceChildren();
    for (const { input, errEl, wrap } of controls.values()) {
      errEl.textContent = '';
      input.removeAttribute('aria-invalid');
      wrap.classList.remove('invalid');
    }
  }

  function fieldError(name, text) {
    const c = controls.get(name);
    if (!c) return false;
    c.errEl.textContent = c.errEl.textContent ? `${c.errEl.textContent}；${text}` : text;
    c.input.setAttribute('aria-invalid', 'true');
    c.wrap.classList.add('invalid');
    return true;
  }

  function setErrors(err) {
    clearErrors();
    const rest = [];
    let placedMain = false;
    if (err.field && fieldError(err.field, err.message)) placedMain = true;
    for (const r of err.rules || []) {
      const target = (r.data && r.data.field) || ruleFields[r.code];
      if (!(target && fieldError(target, ruleLine(r)))) rest.push(r);
    }
    const placedRules = (err.rules || []).length - rest.length;
    if (rest.length || (!placedMain && placedRules === 0)) {
      top.append(errorBox({ message: err.message, rules: rest }));
    }
    const first = el.querySelector('[aria-invalid="true"]');
    (first || top).focus?.();
  }

  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    let missing = false;
    const v = values();
    for (const [name, { f }] of controls) {
      if (f.required && (v[name] === '' || v[name] === null)) {
        fieldError(name, `请填写${f.label}`);
        missing = true;
      }
    }
    if (missing) {
      el.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    submit.disabled = true;
    try {
      await onSubmit(v, api);
    } catch (e) {
      if (e && e.name === 'ApiError') setErrors(e);
      else setErrors({ message: `页面出错：${e && e.message ? e.message : e}`, rules: [] });
    } finally {
      submit.disabled = false;
    }
  });

  const api = { el, values, setErrors, clearErrors, field: (n) => controls.get(n)?.input, top };
  return api;
}

export function signInForm({ title, fields, submitLabel = '登录', onSignIn, intro }) {
  const f = form({ fields, submitLabel, onSubmit: onSignIn, id: 'sign-in' });
  const card = h('section', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, title), intro ? h('p', { class: 'muted' }, intro) : null, f.el);
  return { el: card, form: f };
}

const CHANNEL_ZH = {
  online: '网上办事大厅', app: '手机客户端', terminal: '自助终端', window: '服务窗口', bank: '合作银行',
  phone: '电话', 'card-settlement': '持卡结算',
};

export async function catalogMenu({ api, audience, views = {}, onOpen, label = '服务事项' }) {
  const data = await api.get(`/api/v1/catalog?audience=${encodeURIComponent(audience)}`);
  const groups = new Map();
  for (const it of data.items) {
    if (!groups.has(it.area)) groups.set(it.area, []);
    groups.get(it.area).push(it);
  }
  const nav = h('nav', { class: 'catalog-menu', 'aria-label': label });
  for (const [area, items] of groups) {
    const ul = h('ul', {});
    for (const it of items) {
      const view = views[it.id];
      let entry;
      if (!it.is_open) {
        entry = h('span', { class: 'item closed', 'aria-disabled': 'true', 'data-item': it.id },
          it.name, h('span', { class: 'badge' }, '暂未开通'));
      } else if (view) {
        entry = h('button', { type: 'button', class: 'item open', 'data-item': it.id, onclick: () => onOpen(view, it) }, it.name);
      } else {
        const where = (it.channels || []).map((c) => CHANNEL_ZH[c] || c).join('、');
        entry = h('span', { class: 'item elsewhere', 'data-item': it.id }, it.name,
          h('span', { class: 'where' }, where ? `可在${where}办理` : '请到服务窗口办理'));
      }
      ul.append(h('li', {}, entry));
    }
    const hasView = items.some((it) => it.is_open && views[it.id]);
    nav.append(h('details', { class: 'menu-group', open: hasView || null },
      h('summary', {}, `${area}（${items.length}）`), ul));
  }
  return nav;
}

export function printView({ title, subtitle, body, serial }) {
  return h('section', { class: 'print-area', 'aria-labelledby': 'print-title' },
    h('div', { class: 'print-head' },
      h('p', { class: 'print-org' }, '苏州工业园区社会保险和公积金管理中心'),
      h('h2', { id: 'print-title' }, title),
      subtitle ? h('p', { class: 'print-sub' }, subtitle) : null),
    body,
    serial ? h('p', { class: 'print-serial' }, `编号：${serial}`) : null,
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, '打印')));
}

export function router(routes, fallback) {
  function dispatch() {
    const hash = location.hash || '#/';
    const keys = Object.keys(routes).sort((a, b) => b.length - a.length);
    for (const k of keys) {
      if (hash === k || hash.startsWith(`${k}/`)) {
        routes[k](hash.slice(k.length + 1));
        return;
      }
    }
    fallback(hash);
  }
  window.addEventListener('hashchange', dispatch);
  return {
    go(hash) {
      if (location.hash === hash) dispatch();
      else location.hash = hash;
    },
    dispatch,
  };
}

// userBar(el, { name, roleZh, onSignOut }) fills the header's .who slot: who is signed in
// and a 退出登录 button; with name null it empties the slot.
export function userBar(el, { name, roleZh, onSignOut }) {
  el.replaceChildren();
  if (!name) return;
  el.append(h('span', { class: 'who-name' }, `${name}${roleZh ? `（${roleZh}）` : ''}`),
    h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: onSignOut }, '退出登录'));
}
