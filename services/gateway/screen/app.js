// The wall screen: fetches /api/screen every few seconds and draws it. Only
// textContent and SVG elements are written (no HTML from data).
'use strict';

const REFRESH_MS = 5000;
const SVG_NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function num(v) { return Number(v || 0); }
function px(v) { return v.toFixed(1); }
function pct(v) { return (num(v) * 100).toFixed(1) + '%'; }
// A rate with no trials yet (no sign-off, closure or callback) is n/a, not 0 %.
function rate(v, trials) { return num(trials) > 0 ? pct(v) : '—'; }

function drawTop(id, entries) {
  const list = document.getElementById(id);
  list.replaceChildren();
  if (!entries || entries.length === 0) {
    list.appendChild(el('li', { class: 'empty' }, '暂无数据'));
    return;
  }
  for (const e of entries) {
    const li = el('li', { 'data-code': e.code });
    li.appendChild(el('span', { class: 'name' }, e.name || e.code));
    li.appendChild(el('span', { class: 'count' }, String(num(e.count))));
    list.appendChild(li);
  }
}

function drawBars(id, entries) {
  const box = document.getElementById(id);
  box.replaceChildren();
  const max = Math.max(1, ...(entries || []).map(e => num(e.count)));
  for (const e of entries || []) {
    const row = el('div', { class: 'row', 'data-key': e.key });
    row.appendChild(el('span', { class: 'label' }, e.name));
    row.appendChild(el('span', { class: 'bar', style: `width:${Math.round(380 * num(e.count) / max)}px` }));
    row.appendChild(el('span', { class: 'value' }, String(num(e.count))));
    box.appendChild(row);
  }
  if (!entries || entries.length === 0) box.appendChild(el('div', { class: 'empty' }, '暂无数据'));
}

// Grouped bars: open (blue) and overdue (red) for each of the 11 districts.
function drawDistricts(districts) {
  const svg = document.getElementById('districts');
  svg.replaceChildren();
  const W = 600, H = 380, top = 24, bottom = 40, left = 10;
  const n = Math.max(1, districts.length);
  const slot = (W - left) / n;
  const max = Math.max(1, ...districts.map(d => num(d.open)));
  districts.forEach((d, i) => {
    const x = left + i * slot;
    const bw = slot * 0.36;
    const h1 = (H - top - bottom) * num(d.open) / max;
    const h2 = (H - top - bottom) * num(d.overdue) / max;
    svg.appendChild(el('svg:rect', { class: 'open', x: px(x + slot * 0.1), y: px(H - bottom - h1), width: px(bw), height: px(h1) }));
    svg.appendChild(el('svg:rect', { class: 'overdue', x: px(x + slot * 0.1 + bw), y: px(H - bottom - h2), width: px(bw), height: px(h2) }));
    svg.appendChild(el('svg:text', { x: px(x + slot * 0.1), y: px(H - bottom - h1 - 4) }, String(num(d.open))));
    svg.appendChild(el('svg:text', { x: px(x + slot * 0.05), y: H - 12, 'data-district': d.district_code }, d.name));
  });
  // Deadlines computed on a year whose official schedule is not out yet.
  const provisional = districts.reduce((sum, d) => sum + num(d.provisional), 0);
  document.getElementById('provisional').textContent =
    provisional > 0 ? `其中 ${provisional} 件办结时限暂定 (待公布明年节假日安排)` : '';
}

function drawRanking(rows) {
  const body = document.querySelector('#ranking tbody');
  body.replaceChildren();
  const ranked = (rows || []).filter(r => num(r.rank) > 0);
  const shown = ranked.length ? ranked : (rows || []);
  shown.slice(0, 11).forEach((r, i) => {
    const tr = el('tr', { 'data-unit': r.unit_code });
    if (i < 3 && num(r.rank) > 0) tr.classList.add('red');
    if (i >= shown.length - 3 && shown.length > 6 && num(r.rank) > 0) tr.classList.add('black');
    tr.appendChild(el('td', {}, num(r.rank) > 0 ? String(r.rank) : '—'));
    tr.appendChild(el('td', {}, r.unit_name || r.unit_code));
    tr.appendChild(el('td', { class: 'num' }, num(r.score).toFixed(2)));
    tr.appendChild(el('td', { class: 'num' }, rate(r.response_rate, r.response_trials)));
    tr.appendChild(el('td', { class: 'num' }, rate(r.resolution_rate, r.resolution_trials)));
    tr.appendChild(el('td', { class: 'num' }, rate(r.satisfaction_rate, r.satisfaction_trials)));
    body.appendChild(tr);
  });
}

function draw(s) {
  document.getElementById('today-total').textContent = String(num(s.today_total));
  document.getElementById('clock').textContent = s.day_label || '';
  document.getElementById('rules').textContent = s.rules_version ? `(考核规则 ${s.rules_version})` : '';
  drawTop('top-matters', s.top_matters_today);
  drawTop('top-locations', s.top_locations_month);
  drawTop('top-departments', s.top_departments_month);
  drawBars('by-type', s.today_by_type);
  drawBars('by-channel', s.today_by_channel);
  drawDistricts(s.districts || []);
  drawRanking(s.district_ranking);
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const r = await fetch('/api/screen', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const data = await r.json();
    draw(data);
    // The city's time from the server: the displaying machine's zone may differ.
    status.textContent = '实时 · ' + (data.time_label || '');
    status.classList.remove('bad');
    document.body.dataset.loaded = 'true';
  } catch (e) {
    status.textContent = '数据暂不可用';
    status.classList.add('bad');
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
