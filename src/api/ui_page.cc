#include "api/ui_page.h"

namespace dbtwin::api {

namespace {

// One self-contained document: inline style and plain script, no external assets, so that it
// works offline and behind any proxy. The script reads the API with fetch() and writes every
// string from it with textContent, never as HTML. Three literals: style, markup, script.
constexpr std::string_view kPage =
    R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dbtwin</title>
<link rel="icon" href="data:,">
<style>
  :root {
    --fg: #1d232b; --muted: #66707c; --line: #dde2e8; --bg: #f6f7f9; --card: #fff;
    --accent: #2456a6; --ok: #1d7a3e; --warn: #9a6a00; --bad: #b3261e;
  }
  * { box-sizing: border-box; }
  body {
    margin: 0; background: var(--bg); color: var(--fg);
    font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  }
  header {
    display: flex; align-items: baseline; gap: 1.5em; flex-wrap: wrap;
    padding: 0.8em 1.5em; background: #1d232b; color: #fff;
  }
  header h1 { margin: 0; font-size: 1.3em; letter-spacing: 0.02em; }
  header .meta { color: #b9c2cc; font-size: 0.9em; }
  main { padding: 1em 1.5em 3em; max-width: 1200px; }
  section {
    background: var(--card); border: 1px solid var(--line); border-radius: 6px;
    padding: 0.8em 1em 1em; margin-bottom: 1.2em; overflow-x: auto;
  }
  h2 { font-size: 1.05em; margin: 0 0 0.6em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.35em 0.6em; border-bottom: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: 0.85em; text-transform: uppercase; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.time, td.actions { white-space: nowrap; }
  tr.snapshot td { color: var(--muted); font-size: 0.92em; }
  tr.snapshot td:first-child { padding-left: 2em; }
  tr.empty td { color: var(--muted); font-style: italic; }
  .state { display: inline-block; padding: 0 0.5em; border-radius: 1em; font-size: 0.85em;
           background: #e8ebef; }
  .state.running, .state.ready { background: #dcf1e3; color: var(--ok); }
  .state.creating, .state.quiescing, .state.busy { background: #fbefd3; color: var(--warn); }
  .state.failed, .state.crashed { background: #f8dcda; color: var(--bad); }
  button {
    font: inherit; padding: 0.2em 0.7em; border: 1px solid #b8c0ca; border-radius: 4px;
    background: #fff; color: var(--fg); cursor: pointer;
  }
  button:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
  button:disabled { opacity: 0.5; cursor: default; }
  button.destroy:hover:not(:disabled) { border-color: var(--bad); color: var(--bad); }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
  button.primary:hover:not(:disabled) { color: #fff; filter: brightness(1.1); }
  .feedback { margin-left: 0.5em; color: var(--ok); font-size: 0.9em; }
  .feedback.failed { color: var(--bad); }
  form { display: flex; gap: 0.8em; align-items: end; flex-wrap: wrap; }
  label { display: flex; flex-direction: column; font-size: 0.85em; color: var(--muted); gap: 0.2em; }
  input, select { font: inherit; padding: 0.25em 0.4em; border: 1px solid #b8c0ca; border-radius: 4px;
                  min-width: 12em; color: var(--fg); background: #fff; }
  #message {
    display: flex; justify-content: space-between; gap: 1em; align-items: center;
    padding: 0.6em 1em; margin-bottom: 1em; border-radius: 6px; border: 1px solid;
  }
  #message[hidden], #token[hidden] { display: none; }
  #message.error { background: #fdeceb; border-color: #f0b7b2; color: var(--bad); }
  #message.info { background: #e9f0fb; border-color: #bcd0ee; color: var(--accent); }
  #message-text { white-space: pre-wrap; word-break: break-all; }
  #token { background: #fff8e6; border-color: #ecd9a6; }
  .hint { color: var(--muted); font-size: 0.85em; margin: 0.5em 0 0; }
</style>
</head>
)html"
    R"html(<body>
<header>
  <h1>dbtwin</h1>
  <span class="meta" id="pool"></span>
  <span class="meta" id="updated">loading…</span>
</header>
<main>
  <div id="message" role="alert" hidden>
    <span id="message-text"></span>
    <button type="button" id="message-close" title="dismiss">×</button>
  </div>

  <section id="token" hidden>
    <h2>API token</h2>
    <form id="token-form">
      <label>Token <input id="token-input" type="password" autocomplete="off" required></label>
      <button type="submit" class="primary">Use token</button>
    </form>
    <p class="hint" id="token-hint">This daemon needs an API token. It is kept in this
      browser's local storage.</p>
  </section>

  <section>
    <h2>Templates</h2>
    <table id="templates">
      <thead><tr>
        <th>Name</th><th>Engine</th><th>State</th><th>Source / origin</th>
        <th class="num">Size</th><th>Created</th><th class="num">Clones</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>

  <section>
    <h2>New clone</h2>
    <form id="create">
      <label>Template <select id="create-template" name="template" required></select></label>
      <label>Name (optional) <input id="create-name" name="name" placeholder="generated"
        pattern="[a-z0-9][a-z0-9_\-]{0,62}" autocomplete="off"></label>
      <label>Time to live (optional) <input id="create-ttl" name="ttl"
        placeholder="e.g. 30m, 8h, 3600" autocomplete="off"></label>
      <button type="submit" class="primary" id="create-submit">Create clone</button>
    </form>
  </section>

  <section>
    <h2>Clones</h2>
    <table id="clones">
      <thead><tr>
        <th>Name</th><th>Template</th><th>State</th><th class="num">Port</th><th>Owner</th>
        <th>Expires</th><th class="num">Used</th><th class="num">Restarts</th><th></th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
)html"
    R"html(<script>
'use strict';

// Where the API lives: the folder above /ui/, so that a reverse proxy may add a prefix.
const BASE = location.pathname.replace(/ui\/?(index\.html)?$/, '');
const POLL_MS = Number(new URLSearchParams(location.search).get('poll')) || 3000;
const TOKEN_KEY = 'dbtwin.token';

let creating = false;  // a POST /v1/clones is in flight

const $ = (selector) => document.querySelector(selector);

// Builds an element. Text always goes through textContent: API strings are never parsed as HTML.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'data') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- Formatting ----------------------------------------------------------------------------

function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

const pad = (n) => String(n).padStart(2, '0');

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fmtIn(ms) {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`;
}

function fmtExpiry(clone) {
  if (clone.protected) return 'protected';
  if (!clone.expires_at) return 'never';
  const left = new Date(clone.expires_at) - Date.now();
  if (isNaN(left)) return clone.expires_at;
  return left <= 0 ? 'expired' : `in ${fmtIn(left)} (${fmtTime(clone.expires_at)})`;
}

function stateBadge(state, busy) {
  return el('span', { class: 'state ' + (busy ? 'busy' : state), text: busy || state });
}

// ---- Talking to the daemon -----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function storedToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
}

// Calls the API; resolves to the parsed JSON answer (null for an empty one) or rejects with an
// ApiError carrying the daemon's {"error":{"code","message"}}.
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(BASE + path, {
      method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `cannot reach the daemon: ${e.message}`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (res.status === 401) askForToken(Boolean(token));
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(res.status, err.code || `http_${res.status}`,
                       err.message || res.statusText || 'request failed');
  }
  return data;
}

// ---- Messages and the token ----------------------------------------------------------------

let messageSource = null;  // 'poll' or 'action': a successful poll clears only its own errors

function showMessage(kind, text, source = 'action') {
  const box = $('#message');
  box.className = kind;
  box.dataset.kind = kind;
  $('#message-text').textContent = text;
  box.hidden = false;
  messageSource = source;
}

function clearMessage(source) {
  if (source && source !== messageSource) return;
  $('#message').hidden = true;
  messageSource = null;
}

function describe(err) {
  if (err instanceof ApiError) {
    return err.status ? `${err.message} (${err.code}, HTTP ${err.status})` : err.message;
  }
  return String(err && err.message || err);
}

function askForToken(rejected) {
  $('#token').hidden = false;
  $('#token-hint').textContent = rejected
    ? 'The daemon rejected the stored API token. Enter a valid one.'
    : 'This daemon needs an API token. It is kept in this browser\'s local storage.';
}

$('#token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  try {
    localStorage.setItem(TOKEN_KEY, $('#token-input').value.trim());
  } catch (e) {
    showMessage('error', 'cannot store the token: ' + e.message);
    return;
  }
  $('#token-input').value = '';
  $('#token').hidden = true;
  clearMessage();
  refresh();
});

$('#message-close').addEventListener('click', () => clearMessage());

// ---- Templates -----------------------------------------------------------------------------

function renderTemplates(templates) {
  const body = $('#templates tbody');
  const rows = [];
  for (const t of templates) {
    rows.push(el('tr', { class: 'template', data: { template: t.name, state: t.state } },
      el('td', {}, el('strong', { text: t.name })),
      el('td', { text: t.engine }),
      el('td', {}, stateBadge(t.state)),
      el('td', { text: t.source_kind || '', title: t.source || undefined }),
      el('td', { class: 'num', text: '' }),
      el('td', { class: 'time', text: fmtTime(t.created_at) }),
      el('td', { class: 'num', text: String(t.clones ?? 0) })));
    for (const s of t.snapshots || []) {
      rows.push(el('tr', { class: 'snapshot', data: { snapshot: s.id, snapshotOf: t.name } },
        el('td', { text: `snapshot #${s.id}` }),
        el('td', {}),
        el('td', {}, stateBadge(s.state)),
        el('td', { text: s.origin || '' }),
        el('td', { class: 'num', text: fmtBytes(s.size_bytes) }),
        el('td', { class: 'time', text: fmtTime(s.created_at) }),
        el('td', {})));
    }
  }
  if (!rows.length) {
    rows.push(el('tr', { class: 'empty' }, el('td', { colspan: 7, text: 'No templates yet.' })));
  }
  body.replaceChildren(...rows);
  renderTemplateChoices(templates);
}

function renderTemplateChoices(templates) {
  const select = $('#create-template');
  const chosen = select.value;
  const names = templates.map((t) => t.name);
  const current = Array.from(select.options, (o) => o.value);
  if (names.join('\n') !== current.join('\n')) {
    select.replaceChildren(...templates.map((t) =>
      el('option', { value: t.name, text: `${t.name} (${t.engine})` })));
    if (names.includes(chosen)) select.value = chosen;
  }
  select.disabled = names.length === 0;
  $('#create-submit').disabled = names.length === 0 || creating;
}

// ---- Clones --------------------------------------------------------------------------------

// One row per clone, kept across polls so that a row's feedback and busy state survive.
const cloneRows = new Map();  // name -> { row, clone, busy }

function cloneRow(name) {
  let entry = cloneRows.get(name);
  if (entry) return entry;
  const copy = el('button', { type: 'button', class: 'copy', title: 'copy the connection URL',
                              text: 'copy URL' });
  const reset = el('button', { type: 'button', class: 'reset', text: 'reset',
                               title: 'back to its snapshot; its changes are lost' });
  const destroy = el('button', { type: 'button', class: 'destroy', text: 'destroy' });
  const feedback = el('span', { class: 'feedback', 'aria-live': 'polite' });
  const row = el('tr', { data: { clone: name } });
  const cells = {};
  for (const key of ['name', 'template', 'state', 'port', 'owner', 'expires', 'used',
                     'restarts']) {
    cells[key] = el('td', { data: { field: key } });
    if (['port', 'used', 'restarts'].includes(key)) cells[key].className = 'num';
    row.append(cells[key]);
  }
  row.append(el('td', { class: 'actions' }, copy, ' ', reset, ' ', destroy, feedback));
  entry = { row, cells, feedback, buttons: [copy, reset, destroy], clone: null, busy: null };
  copy.addEventListener('click', () => copyUrl(entry));
  reset.addEventListener('click', () => resetClone(entry));
  destroy.addEventListener('click', () => destroyClone(entry));
  cloneRows.set(name, entry);
  return entry;
}

function fillCloneRow(entry) {
  const c = entry.clone;
  const { row, cells } = entry;
  row.dataset.state = c.state;
  if (entry.busy) row.dataset.busy = entry.busy; else delete row.dataset.busy;
  cells.name.replaceChildren(el('strong', { text: c.name }));
  cells.template.textContent = `${c.template} #${c.snapshot}`;
  cells.state.replaceChildren(stateBadge(c.state, entry.busy));
  cells.port.textContent = c.port ? String(c.port) : '—';
  cells.port.title = c.host ? `${c.host}:${c.port}` : '';
  cells.owner.textContent = c.owner || '—';
  cells.expires.textContent = fmtExpiry(c);
  cells.expires.title = c.expires_at || '';
  cells.used.textContent = fmtBytes(c.used_bytes);
  cells.restarts.textContent = String(c.restarts ?? 0);
  for (const b of entry.buttons) b.disabled = Boolean(entry.busy);
  entry.buttons[0].disabled = !c.url;
}

function renderClones(clones) {
  const body = $('#clones tbody');
  const seen = new Set();
  const rows = [];
  for (const c of clones) {
    const entry = cloneRow(c.name);
    entry.clone = c;
    fillCloneRow(entry);
    seen.add(c.name);
    rows.push(entry.row);
  }
  for (const [name, entry] of cloneRows) {
    if (!seen.has(name) && !entry.busy) cloneRows.delete(name);
    else if (!seen.has(name)) rows.push(entry.row);
  }
  if (!rows.length) {
    rows.push(el('tr', { class: 'empty' }, el('td', { colspan: 9, text: 'No clones.' })));
  }
  // Moves existing rows rather than recreating them, so focus and feedback survive a poll.
  body.replaceChildren(...rows);
}

function flash(entry, text, failed = false) {
  entry.feedback.textContent = text;
  entry.feedback.classList.toggle('failed', failed);
  clearTimeout(entry.flashTimer);
  entry.flashTimer = setTimeout(() => { entry.feedback.textContent = ''; }, 3000);
}

// The Clipboard API needs a secure context (https or localhost); the textarea fallback covers a
// daemon reached over plain http on another address.
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) { /* denied or unfocused: try the old way */ }
  }
  const area = el('textarea', { readonly: '', 'aria-hidden': 'true',
                                style: 'position:fixed;top:-1000px;left:0;opacity:0' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  area.remove();
  return ok;
}

async function copyUrl(entry) {
  const url = entry.clone && entry.clone.url;
  if (!url) return;
  if (await copyText(url)) {
    flash(entry, 'copied');
  } else {
    flash(entry, 'copy failed', true);
    showMessage('info', `Copy this connection URL by hand:\n${url}`);
  }
}

async function cloneAction(entry, busyLabel, work) {
  entry.busy = busyLabel;
  fillCloneRow(entry);
  try {
    const result = await work();
    if (result && result.name) entry.clone = result;
    return true;
  } catch (e) {
    showMessage('error', `${entry.clone.name}: ${describe(e)}`);
    return false;
  } finally {
    entry.busy = null;
    if (cloneRows.get(entry.clone.name) === entry) fillCloneRow(entry);
  }
}

async function resetClone(entry) {
  const name = entry.clone.name;
  if (await cloneAction(entry, 'resetting…',
      () => api('POST', `v1/clones/${encodeURIComponent(name)}/reset`))) {
    flash(entry, 'reset');
  }
  refresh();
}

async function destroyClone(entry) {
  const name = entry.clone.name;
  if (!confirm(`Destroy clone ${name}? Everything written in it is lost.`)) return;
  if (await cloneAction(entry, 'destroying…',
      () => api('DELETE', `v1/clones/${encodeURIComponent(name)}`))) {
    cloneRows.delete(name);
    entry.row.remove();
  }
  refresh();
}

// ---- Creating a clone ----------------------------------------------------------------------

$('#create').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { template: $('#create-template').value };
  const name = $('#create-name').value.trim();
  const ttl = $('#create-ttl').value.trim();
  if (name) body.name = name;
  if (ttl) body.ttl = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
  creating = true;
  $('#create-submit').disabled = true;
  showMessage('info', `Creating a clone of ${body.template}…`);
  try {
    const clone = await api('POST', 'v1/clones', body);
    showMessage('info', `Clone ${clone.name} is ready on port ${clone.port}.`);
    $('#create-name').value = '';
  } catch (e) {
    showMessage('error', `Cannot create the clone: ${describe(e)}`);
  } finally {
    creating = false;
    $('#create-submit').disabled = $('#create-template').options.length === 0;
  }
  refresh();
});

// ---- Polling -------------------------------------------------------------------------------

let inFlight = null;
let again = false;  // asked for while a refresh was in flight (e.g. after a new token)

function refresh() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    try {
      const [templates, clones] = await Promise.all([api('GET', 'v1/templates'),
                                                     api('GET', 'v1/clones')]);
      renderTemplates(templates);
      renderClones(clones);
      $('#updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      $('#token').hidden = true;
      clearMessage('poll');
      const pool = await api('GET', 'v1/pool').catch(() => null);
      $('#pool').textContent = pool
        ? `pool: ${pool.driver}, ${fmtBytes(pool.available_bytes)} free of ` +
          fmtBytes(pool.total_bytes)
        : '';
    } catch (e) {
      $('#updated').textContent = 'not updated';
      showMessage('error', describe(e), 'poll');
    } finally {
      inFlight = null;
    }
  })();
  return inFlight.then(() => {
    if (!again) return undefined;
    again = false;
    return refresh();
  });
}

async function poll() {
  await refresh();
  setTimeout(poll, POLL_MS);
}

poll();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view ui_page() {
  return kPage;
}

}  // namespace dbtwin::api
