// The second seed's dropdown: /api/items is behind NoStore, so a saved item
// shows at once; nothing here needs a cache buster.
async function load() {
  const items = await (await fetch('/api/items')).json();
  const sel = document.getElementById('items');
  sel.innerHTML = '';
  for (const it of items) {
    const o = document.createElement('option');
    o.textContent = it;
    sel.appendChild(o);
  }
}
document.getElementById('add').onsubmit = async (e) => {
  e.preventDefault();
  await fetch('/api/items', {method: 'POST', body: new FormData(e.target)});
  e.target.reset();
  load();
};
load();
