// Midge status page: renders /api/status and follows /api/events (server-sent events).
// Plain browser JavaScript, no build step. Every value from the gateway goes through
// textContent, never innerHTML: topics, payloads and client ids are untrusted.
'use strict';

const MAX_TOPICS = 100;
const $ = (id) => document.getElementById(id);
const topics = new Map(); // topic -> { payload, at, count, row }
let previous; // last status, for rates

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.append(c instanceof Node ? c : el('td', c));
  return tr;
}

function fmtNumber(n) {
  return Number.isInteger(n) ? n.toLocaleString('en') : n.toFixed(1);
}

function fmtBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function fmtDuration(s) {
  if (s === null || s === undefined) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString();
}

function stateCell(state) {
  return el('td', state, `state-${state}`);
}

function renderBroker(s) {
  const b = s.broker;
  const seconds = previous ? (s.now - previous.now) / 1000 : 0;
  const rate = (key) => (seconds > 0 ? `${fmtNumber(Math.max(0, (b[key] - previous.broker[key]) / seconds))}/s` : '–');
  const dropped = Object.values(b.dropped).reduce((a, n) => a + n, 0);
  const figures = [
    ['clients', `${b.clientsConnected}`],
    ['offline sessions', b.sessionsOffline],
    ['messages in', rate('publishReceived')],
    ['messages out', rate('publishSent')],
    ['subscriptions', b.subscriptions],
    ['retained', b.retained],
    ['queued', `${fmtNumber(s.store.queuedMessages)} (${fmtBytes(s.store.queuedBytes)})`],
    ['dropped', fmtNumber(dropped)],
    ['store file', s.store.enabled ? fmtBytes(s.store.fileBytes) : 'memory only'],
    ...(s.store.writesPerDay !== undefined ? [['flash writes', `${fmtBytes(s.store.writesPerDay)}/day at the current rate`]] : []),
    ['memory', fmtBytes(s.process.rssBytes)],
    ['uptime', fmtDuration(s.uptimeSeconds)],
    ['listeners', b.listeners.map((l) => `${l.address} ${l.protocol}${l.tls ? ' tls' : ''}`).join(', ')],
  ];
  $('broker').replaceChildren(...figures.map(([k, v]) => {
    const d = el('div');
    d.append(el('dt', k), el('dd', v));
    return d;
  }));
}

function renderBridges(bridges) {
  $('bridges').tBodies[0].replaceChildren(...bridges.map((b) => {
    const tr = row([
      el('td', `${b.name} (${b.type})`), stateCell(b.state), fmtNumber(b.queueDepth), fmtDuration(b.oldestAgeSeconds),
      `${fmtNumber(b.sendRate)}/s`, fmtNumber(b.sentTotal), fmtNumber(b.deadLetters),
    ]);
    if (b.lastError) tr.title = b.lastError;
    return tr;
  }));
}

// Counters worth a glance for each kind of device; the rest are folded away.
const MAIN_COUNTERS = { serial: ['lines_parsed', 'bytes_in', 'disconnects', 'lines_dropped', 'publish_errors'] };

/** A reading value with its unit: sizes in kB/MB/GB, durations in words. */
function fmtValue(v, unit) {
  if (typeof v !== 'number' || !unit) return String(v);
  if (unit === 'B') return fmtBytes(v);
  if (unit === 'B/s') return `${fmtBytes(v)}/s`;
  if (unit === 's') return fmtDuration(v);
  return `${fmtNumber(v)} ${unit}`;
}

function renderDevices(adapters) {
  $('devices').replaceChildren(...adapters.map((a) => {
    const d = el('div', undefined, 'device');
    const head = el('div');
    head.append(el('strong', a.name), ' ', el('span', a.kind, 'muted'), ' ', el('span', a.state, `state-${a.state}`));
    d.append(head);
    if (a.lastReading) {
      const values = Object.entries(a.lastReading.values)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => `${k} ${fmtValue(v, a.units?.[k])}`)
        .join(' · ');
      d.append(el('div', `${values}  (${fmtTime(a.lastReading.at)})`, 'readings'));
    }
    const main = MAIN_COUNTERS[a.kind];
    const shown = Object.entries(a.counters).filter(([k, v]) => (main ? main.includes(k) && (v > 0 || k === main[0]) : true));
    const counters = shown.map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmtNumber(v)}`).join(', ');
    if (counters) d.append(el('div', counters, 'muted'));
    if (main) {
      const all = el('details', undefined, 'counters');
      all.append(el('summary', 'all counters', 'muted'), el('div', Object.entries(a.counters).map(([k, v]) => `${k} ${v}`).join(', '), 'muted'));
      d.append(all);
    }
    if (a.lastError) d.append(el('div', a.lastError, 'state-error'));
    return d;
  }));
}

function renderClients(s) {
  $('clients-note').textContent = s.clientsTotal > s.clients.length ? `(${s.clients.length} of ${s.clientsTotal})` : `(${s.clientsTotal})`;
  $('clients').tBodies[0].replaceChildren(...s.clients.map((c) => row([
    c.clientId, c.username ?? '', c.connected ? c.remoteAddress : 'offline',
    c.connected ? fmtDuration(c.connectedSeconds) : '–', c.subscriptions, c.queued,
  ])));
}

function renderLogs(logs) {
  const pre = $('logs');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  // the text line starts with its UTC time: shown in local time, like every other time on the page
  pre.replaceChildren(...logs.map((l) => el('div', l.time ? `${fmtTime(l.time)} ${l.text.slice(l.text.indexOf(' ') + 1)}` : l.text, `log-${l.level}`)));
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function render(s) {
  $('version').textContent = s.version;
  const health = $('health');
  health.textContent = s.health.ok ? 'healthy' : `${s.health.problems.length} problem${s.health.problems.length === 1 ? '' : 's'}`;
  health.className = `pill ${s.health.ok ? 'ok' : 'bad'}`;
  const problems = $('problems');
  problems.hidden = s.health.ok;
  problems.textContent = s.health.problems.join('\n');
  renderBroker(s);
  renderBridges(s.bridges);
  renderDevices(s.adapters);
  renderClients(s);
  renderLogs(s.logs);
  previous = s;
}

function onMessages({ messages, skipped }) {
  const tbody = $('messages').tBodies[0];
  for (const m of messages) {
    let entry = topics.get(m.topic);
    if (!entry) {
      const value = el('td', '', 'value');
      const time = el('td', '');
      const tr = row([el('td', m.topic, 'topic'), value, time]);
      tr.dataset.topic = m.topic;
      entry = { count: 0, tr, value, time };
      topics.set(m.topic, entry);
    } else {
      topics.delete(m.topic); // re-insert: Map order = least recently updated first
      topics.set(m.topic, entry);
    }
    entry.count++;
    entry.value.textContent = m.payload;
    entry.time.textContent = fmtTime(m.at);
    entry.tr.title = `QoS ${m.qos}${m.retain ? ', retained' : ''}, ${entry.count} message(s) since the page opened`;
    entry.tr.classList.remove('flash');
    void entry.tr.offsetWidth; // restart the animation
    entry.tr.classList.add('flash');
    tbody.prepend(entry.tr);
  }
  while (topics.size > MAX_TOPICS) {
    const [oldest, entry] = topics.entries().next().value;
    entry.tr.remove();
    topics.delete(oldest);
  }
  if (skipped > 0) $('messages-note').textContent = `(busy: ${skipped} message(s) not shown)`;
}

function setLive(text, ok) {
  const live = $('live');
  live.textContent = text;
  live.className = `pill ${ok ? 'ok' : 'muted'}`;
}

async function start() {
  try {
    const res = await fetch('api/status', { cache: 'no-store' });
    if (res.ok) render(await res.json());
  } catch {
    // the event stream below retries by itself
  }
  const events = new EventSource('api/events');
  events.addEventListener('open', () => setLive('live', true));
  events.addEventListener('error', () => setLive('reconnecting…', false));
  events.addEventListener('status', (e) => render(JSON.parse(e.data)));
  events.addEventListener('messages', (e) => onMessages(JSON.parse(e.data)));
}

start();
