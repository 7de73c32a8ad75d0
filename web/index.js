// Draws the catalog from the API; the desks of later issues reuse the same call.
const tbody = document.querySelector('#items');
const count = document.querySelector('#count');
const audience = document.querySelector('#audience');

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function load() {
  const q = audience.value ? `?audience=${encodeURIComponent(audience.value)}` : '';
  const res = await fetch(`/api/v1/catalog${q}`);
  const data = await res.json();
  tbody.replaceChildren();
  for (const it of data.items) {
    const tr = document.createElement('tr');
    tr.append(cell(it.name), cell(it.area), cell(it.time_limit || '—'), cell(it.is_open ? '可办理' : '暂未开通'));
    if (!it.is_open) tr.className = 'closed';
    tbody.append(tr);
  }
  count.textContent = `共 ${data.count} 项`;
}

if (document.body.dataset.audience) audience.value = document.body.dataset.audience;
audience.addEventListener('change', load);
load();
