// The second seed's dropdown: /api/items is behind NoStore, so a saved item
// shows at once; nothing here needs a cache buster. Pages without the
// dropdown (the about page) load this script too, from the browser's cache.
const form = document.getElementById('add');
const sel = document.getElementById('items');

async function load() {
  const items = await (await fetch('/api/items')).json();
  sel.innerHTML = '';
  for (const it of items) {
    const o = document.createElement('option');
    o.textContent = it;
    sel.appendChild(o);
  }
}

if (form && sel) {
  form.onsubmit = async (e) => {
    e.preventDefault();
    await fetch('/api/items', {method: 'POST', body: new FormData(e.target)});
    e.target.reset();
    load();
  };
  load();
}
