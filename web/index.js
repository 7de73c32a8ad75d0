// The landing page: links to the three desks and the whole service catalog, drawn with the
// desks' shared modules (web/common).
import { createApi } from '/common/api.js';
import { h, table, errorBox } from '/common/ui.js';

const api = createApi({ desk: 'landing' });
const box = document.querySelector('#items');
const count = document.querySelector('#count');
const audience = document.querySelector('#audience');

function limitZh(days) {
  if (days === 0) return '即时办结';
  return Number.isInteger(days) ? `${days} 个工作日` : '—';
}

async function load() {
  const q = audience.value ? `?audience=${encodeURIComponent(audience.value)}` : '';
  try {
    const data = await api.get(`/api/v1/catalog${q}`);
    box.replaceChildren(table({
      caption: '服务事项', hiddenCaption: true, rows: data.items,
      rowClass: (it) => (it.is_open ? null : 'closed'),
      columns: [
        { label: '事项', wrap: true, value: (it) => it.name },
        { label: '类别', value: (it) => it.area },
        // time_limit is the source document's wording (not always Chinese); the number of
        // working days is what a reader needs.
        { label: '办结时限', value: (it) => limitZh(it.time_limit_workdays) },
        { label: '状态', value: (it) => h('span', { class: `badge ${it.is_open ? 'state-green' : ''}` }, it.is_open ? '可办理' : '暂未开通') },
      ],
    }));
    count.textContent = `共 ${data.count} 项`;
  } catch (e) {
    box.replaceChildren(errorBox(e));
  }
}

audience.addEventListener('change', load);
load();
