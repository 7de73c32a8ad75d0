// The landing page: links to the three desks and the whole service catalog, drawn with the
// desks' shared modules (web/common).
import { createApi } from '/common/api.js';
import { h, table, errorBox } from '/common/ui.js';

const api = createApi({ desk: 'landing' });
const box = document.querySelector('#items');
const count = document.querySelector('#count');
const audience = document.querySelector('#audience');

async function load() {
  const q = audience.value ? `?audience=${encodeURIComponent(audience.value)}` : '';
  try {
    const data = await api.get(`/api/v1/catalog${q}`);
    box.replaceChildren(table({
      caption: '服务事项', hiddenCaption: true, rows: data.items,
      rowClass: (it) => (it.is_open ? null : 'closed'),
      columns: [
        { label: '事项', value: (it) => it.name },
        { label: '类别', value: (it) => it.area },
        { label: '办结时限', value: (it) => it.time_limit },
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
