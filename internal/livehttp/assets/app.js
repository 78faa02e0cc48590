// The live view of gridlock's debughttp: it reads api/snapshot and
// api/findings and renders them. Everything the program names (functions,
// files, locks) is inserted as text, never as markup.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  let snap = null;
  let findings = [];
  let timer = null;
  const opened = new Set(); // keys of <details> the user opened

  // el builds an element: attrs are set as attributes (class, title, href,
  // data-*), kids are nodes or strings (made text nodes).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      e.append(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(String(k)) : k);
    }
    return e;
  }
  function sel(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  // details makes a <details> that stays open across refreshes.
  function details(key, summary, ...body) {
    const d = el('details', { 'data-key': key, open: opened.has(key) }, el('summary', null, summary), ...body);
    d.addEventListener('toggle', () => { if (d.open) opened.add(key); else opened.delete(key); });
    return d;
  }

  function dur(s) {
    if (!s) return '';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 60) return s.toFixed(1) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    return (s / 3600).toFixed(1) + ' h';
  }
  function shortFunc(f) {
    if (!f) return '?';
    const i = f.lastIndexOf('/');
    return i >= 0 ? f.slice(i + 1) : f;
  }
  function frames(stack) {
    return (stack || []).map((f) => f.func + '\n\t' + (f.file ? f.file + ':' + f.line : '?')).join('\n');
  }
  function posOf(f) { return f && f.file ? f.file + ':' + f.line : ''; }
  // short shortens a "file:line" to its last two path elements; the page
  // shows it with the full position as its title.
  function short(p) {
    if (!p) return '';
    const parts = p.split('/');
    return parts.length > 2 ? '…/' + parts.slice(-2).join('/') : p;
  }
  function posEl(p, cls) { return p ? el('span', { class: cls || 'pos mono', title: p }, short(p)) : ''; }

  // Filtering.
  function query() { return $('search').value.trim().toLowerCase(); }
  function matches(q, ...texts) {
    if (!q) return true;
    return texts.some((t) => t !== undefined && t !== null && String(t).toLowerCase().includes(q));
  }
  function stackText(stack) { return (stack || []).map((f) => f.func + ' ' + posOf(f)).join(' '); }

  async function load() {
    try {
      const get = async (u) => {
        const r = await fetch(u, { cache: 'no-store' });
        if (!r.ok) throw new Error(u + ': ' + r.status + ' ' + r.statusText);
        return r.json();
      };
      const [s, f] = await Promise.all([get('api/snapshot'), get('api/findings')]);
      snap = s;
      findings = f || [];
      render();
    } catch (err) {
      $('status').textContent = 'cannot read the program: ' + err.message + ' (retrying)';
    }
    schedule();
  }
  function schedule() {
    clearTimeout(timer);
    if ($('refresh').checked) timer = setTimeout(load, Number($('interval').value) * 1000);
  }

  function render() {
    if (!snap) return;
    const q = query();
    renderStatus();
    renderStates();
    renderFindings(q);
    renderGraph();
    renderResources(q);
    renderGroups(q);
  }

  function renderStatus() {
    const cycles = (snap.cycles || []).length;
    const t = new Date(snap.time);
    const st = $('status');
    st.replaceChildren(
      snap.goroutines + ' goroutines in ' + snap.groups.length + ' groups · ' +
      snap.resources.length + ' watched resources in use · ',
      el('span', { class: cycles ? 'bad' : '' }, cycles + (cycles === 1 ? ' circular wait' : ' circular waits')),
      ' · ' + findings.length + ' findings · taken in ' + Math.round(snap.tookSeconds * 1000) + ' ms at ' +
      t.toLocaleTimeString() + (snap.enabled ? '' : ' · detection is off'));
  }

  function renderStates() {
    const s = $('state');
    const cur = s.value;
    const states = [...new Set(snap.groups.map((g) => g.state))].sort();
    const have = [...s.options].slice(1).map((o) => o.value);
    if (have.join('\n') === states.join('\n')) return;
    s.replaceChildren(el('option', { value: '' }, 'all states'), ...states.map((x) => el('option', { value: x }, x)));
    s.value = states.includes(cur) ? cur : '';
  }

  function renderFindings(q) {
    const box = $('findings');
    const shown = findings.filter((f) => matches(q, f.kind, f.summary, (f.positions || []).join(' '),
      (f.goroutines || []).map((g) => g.id + ' ' + (g.name || '') + ' ' + stackText(g.stack)).join(' '),
      (f.resources || []).map((r) => r.id + ' ' + (r.name || '')).join(' ')));
    $('findings-count').textContent = '(' + shown.length + (shown.length !== findings.length ? ' of ' + findings.length : '') + ')';
    if (!shown.length) { box.replaceChildren(el('p', { class: 'empty' }, findings.length ? 'none matches' : 'none so far')); return; }
    box.replaceChildren(...shown.map((f, i) => {
      const key = 'f:' + (f.key || i);
      const gs = (f.goroutines || []).map((g) => details(key + ':g' + g.id,
        'goroutine ' + g.id + (g.name ? ' (' + g.name + ')' : '') + (g.stack && g.stack.length ? ' — ' + shortFunc(g.stack[0].func) : '') + (g.state ? ' — ' + g.state : ''),
        (g.holds || []).map((h) => el('div', null, 'holds ' + h.resource + ' (' + h.mode + ')', h.stack && h.stack.length ? el('span', { class: 'pos' }, ' at ' + posOf(h.stack[0])) : '')),
        g.wait ? el('div', null, 'waits for ' + g.wait.resource + ' (' + g.wait.mode + ')', g.wait.stack && g.wait.stack.length ? el('span', { class: 'pos' }, ' at ' + posOf(g.wait.stack[0])) : '') : '',
        el('pre', null, frames(g.stack))));
      return el('div', { class: 'finding' + (f.kind === 'deadlock' || f.kind === 'partial-deadlock' ? ' cyc' : ''), 'data-kind': f.kind },
        el('div', null, el('span', { class: 'kind ' + f.kind }, f.kind), ' ', f.summary,
          f.count > 1 ? el('span', { class: 'pos' }, ' — seen ' + f.count + ' times') : ''),
        (f.positions || []).length ? el('div', { class: 'pos mono' }, f.positions.map((p, i) => [i ? '  ·  ' : '', posEl(p, 'pos')])) : '',
        gs,
        (f.resources || []).length ? el('div', { class: 'pos' }, 'resources: ' + f.resources.map((r) => r.id + (r.name && r.name !== r.id ? ' (' + r.name + ')' : '')).join(', ')) : '',
        f.hint ? el('div', null, el('b', null, 'fix: '), f.hint) : '');
    }));
  }

  // The wait-for graph: resources in use and the goroutines that hold or
  // wait for them, laid out by dagre.
  const maxGraphNodes = 300;
  function renderGraph() {
    const box = $('graph');
    const res = snap.resources;
    if (!res.length) { box.replaceChildren(el('p', { class: 'empty' }, 'no goroutine holds or waits for a watched resource')); $('graph-count').textContent = ''; return; }
    if (typeof dagre === 'undefined') { box.replaceChildren(el('p', { class: 'empty' }, 'the layout library did not load')); return; }
    const funcOf = new Map();
    for (const g of snap.groups) for (const m of g.goroutines) funcOf.set(m.id, g.function);
    const cycG = new Map(); const cycR = new Map();
    (snap.cycles || []).forEach((c, i) => { c.goroutines.forEach((id) => cycG.set(id, i)); (c.resources || []).forEach((r) => cycR.set(r, i)); });
    // Resources in a cycle first, then as many as fit.
    const ordered = res.filter((r) => r.inCycle).concat(res.filter((r) => !r.inCycle));
    const gr = new dagre.graphlib.Graph({ multigraph: true });
    gr.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 60, marginx: 12, marginy: 12 });
    let n = 0; let cut = 0;
    const node = (id, lines, cls) => {
      if (gr.hasNode(id)) return true;
      if (n >= maxGraphNodes) return false;
      n++;
      const w = Math.max(...lines.map((l) => l.length)) * 7.3 + 16;
      gr.setNode(id, { lines, cls, width: w, height: lines.length * 15 + 10 });
      return true;
    };
    const gnode = (id) => node('g' + id, ['goroutine ' + id, shortFunc(funcOf.get(id))], 'node node-g' + (cycG.has(id) ? ' cyc' : ''));
    for (const r of ordered) {
      if (!node('r:' + r.id, [r.kind + ' ' + r.id].concat(r.class && !r.id.startsWith(r.class) ? [r.class] : []), 'node node-r' + (r.inCycle ? ' cyc' : ''))) { cut++; continue; }
      for (const h of r.holders || []) {
        if (!gnode(h.goroutine)) continue;
        const c = cycR.has(r.id) && cycG.get(h.goroutine) === cycR.get(r.id);
        const text = 'held (' + h.mode + ')';
        gr.setEdge('r:' + r.id, 'g' + h.goroutine, { text, cls: 'edge hold' + (c ? ' cyc' : ''), width: text.length * 6.7 + 6, height: 14, labelpos: 'c' }, 'h');
      }
      for (const w of r.waiters || []) {
        if (!gnode(w.goroutine)) continue;
        const c = cycG.has(w.goroutine) && cycR.get(r.id) === cycG.get(w.goroutine);
        const text = 'waits (' + w.mode + ')' + (w.waitSeconds ? ' ' + dur(w.waitSeconds) : '');
        gr.setEdge('g' + w.goroutine, 'r:' + r.id, { text, cls: 'edge wait' + (c ? ' cyc' : ''), width: text.length * 6.7 + 6, height: 14, labelpos: 'c' }, 'w');
      }
    }
    $('graph-count').textContent = '(' + gr.nodeCount() + ' nodes' + (cut ? ', ' + cut + ' resources left out' : '') + ')';
    dagre.layout(gr);
    const G = gr.graph();
    const svg = sel('svg', { width: Math.ceil(G.width), height: Math.ceil(G.height), viewBox: '0 0 ' + Math.ceil(G.width) + ' ' + Math.ceil(G.height), role: 'img' });
    const defs = sel('defs');
    for (const [id, color] of [['arrow', '#868e96'], ['arrow-cyc', '#c62828']]) {
      const m = sel('marker', { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
      m.append(sel('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
      defs.append(m);
    }
    svg.append(defs);
    for (const e of gr.edges()) {
      const d = gr.edge(e);
      const g = sel('g', { class: d.cls });
      g.append(sel('path', { d: 'M' + d.points.map((p) => p.x.toFixed(1) + ',' + p.y.toFixed(1)).join(' L'), 'marker-end': d.cls.includes('cyc') ? 'url(#arrow-cyc)' : 'url(#arrow)' }));
      if (d.x !== undefined) {
        g.append(sel('rect', { x: d.x - d.width / 2, y: d.y - 8, width: d.width, height: 16, class: 'label-bg' }));
        const t = sel('text', { x: d.x, y: d.y + 4, 'text-anchor': 'middle' });
        t.textContent = d.text;
        g.append(t);
      }
      svg.append(g);
    }
    for (const id of gr.nodes()) {
      const d = gr.node(id);
      const g = sel('g', { class: d.cls, 'data-id': id });
      g.append(sel('rect', { x: d.x - d.width / 2, y: d.y - d.height / 2, width: d.width, height: d.height, rx: 4 }));
      d.lines.forEach((l, i) => {
        const t = sel('text', { x: d.x, y: d.y - d.height / 2 + 17 + i * 15, 'text-anchor': 'middle' });
        t.textContent = l;
        g.append(t);
      });
      const title = sel('title');
      title.textContent = d.lines.join('\n');
      g.append(title);
      svg.append(g);
    }
    box.replaceChildren(svg);
  }

  function who(list, more, fmt) {
    const items = (list || []).map(fmt);
    if (more) items.push('+' + more + ' more');
    return items.length ? items.map((x) => el('div', null, x)) : [el('span', { class: 'empty' }, 'none')];
  }

  function renderResources(q) {
    const body = $('resources').tBodies[0];
    const shown = snap.resources.filter((r) => matches(q, r.id, r.kind, r.class, r.site,
      (r.holders || []).map((h) => h.goroutine + ' ' + h.where).join(' '), (r.waiters || []).map((w) => w.goroutine + ' ' + w.where).join(' ')));
    $('resources-count').textContent = '(' + shown.length + (shown.length !== snap.resources.length ? ' of ' + snap.resources.length : '') + ')';
    body.replaceChildren(...shown.map((r) => el('tr', { class: r.inCycle ? 'cyc' : '' },
      el('td', null, r.kind), el('td', { class: 'mono' }, r.id, r.class && !r.id.startsWith(r.class) ? el('div', { class: 'pos' }, 'class ' + r.class) : ''),
      el('td', null, posEl(r.site)),
      el('td', null, who(r.holders, r.moreHolders, (h) => el('span', null, 'goroutine ' + h.goroutine + ' (' + h.mode + ')' + (h.where ? ' at ' : ''), posEl(h.where)))),
      el('td', null, who(r.waiters, r.moreWaiters, (w) => el('span', null, 'goroutine ' + w.goroutine + ' (' + w.mode + (w.waitSeconds ? ', ' + dur(w.waitSeconds) : '') + ')' + (w.where ? ' at ' : ''), posEl(w.where)))))));
  }

  function renderGroups(q) {
    const body = $('groups').tBodies[0];
    const state = $('state').value;
    const graphed = $('graphed').checked;
    const shown = snap.groups.filter((g) => (!state || g.state === state) &&
      (!graphed || g.goroutines.some((m) => m.wait || (m.holds || []).length)) &&
      matches(q, g.state, g.function, g.where, stackText(g.stack), g.createdBy && g.createdBy.func,
        g.goroutines.map((m) => m.id + ' ' + (m.name || '') + ' ' + (m.wait ? m.wait.resource : '') + ' ' + (m.holds || []).map((h) => h.resource).join(' ')).join(' ')));
    const total = snap.groups.length;
    $('groups-count').textContent = '(' + shown.length + (shown.length !== total ? ' of ' + total : '') + ' groups)';
    body.replaceChildren(...shown.map((g) => el('tr', { class: g.inCycle ? 'cyc' : '', 'data-key': g.key },
      el('td', null, String(g.count)),
      el('td', null, g.state),
      el('td', null, details('g:' + g.key, el('span', { class: 'mono' }, g.function || '?'),
        el('pre', null, frames(g.stack) + (g.createdBy ? '\ncreated by ' + g.createdBy.func + '\n\t' + posOf(g.createdBy) : ''))),
      el('div', null, posEl(g.where))),
      el('td', null, g.maxWaitSeconds ? (g.minWaitSeconds !== g.maxWaitSeconds ? dur(g.minWaitSeconds) + ' – ' : '') + dur(g.maxWaitSeconds) : ''),
      el('td', { class: 'ids' }, g.goroutines.map((m) => el('div', { class: m.inCycle ? 'mono cycm' : 'mono' },
        String(m.id) + (m.name ? ' (' + m.name + ')' : '') +
        (m.wait ? ' waits ' + m.wait.resource + ' (' + m.wait.mode + ')' : '') +
        ((m.holds || []).length ? ' holds ' + m.holds.map((h) => h.resource).join(', ') : ''))),
      g.more ? el('div', { class: 'pos' }, '+' + g.more + ' more') : ''))));
  }

  // The filters live in the URL's fragment (#q=...&state=...&graphed=1),
  // so that a view can be linked to.
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    $('search').value = h.get('q') || '';
    $('graphed').checked = h.get('graphed') === '1';
    const st = h.get('state') || '';
    if (st && ![...$('state').options].some((o) => o.value === st)) $('state').append(el('option', { value: st }, st));
    $('state').value = st;
  }
  function writeHash() {
    const h = new URLSearchParams();
    if ($('search').value) h.set('q', $('search').value);
    if ($('state').value) h.set('state', $('state').value);
    if ($('graphed').checked) h.set('graphed', '1');
    history.replaceState(null, '', h.toString() ? '#' + h.toString() : location.pathname + location.search);
  }
  readHash();
  window.addEventListener('hashchange', () => { readHash(); render(); });
  for (const id of ['search', 'state', 'graphed']) $(id).addEventListener('input', () => { writeHash(); render(); });
  $('refresh').addEventListener('change', schedule);
  $('interval').addEventListener('change', schedule);
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  load();
})();
