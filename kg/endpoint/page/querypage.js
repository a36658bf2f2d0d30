// The query page (kg/endpoint/pages.py): gallery, editor, run, results, chart, graph, downloads, link.
// Untrusted text (query results, gallery entries) only ever goes into textContent, attribute
// values and http(s) hrefs; nothing is parsed as HTML.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const readJson = (id) => JSON.parse($(id).textContent);
  const gallery = readJson('gallery-data');
  const prefixes = readJson('prefixes');
  const byName = new Map(gallery.map((q) => [q.name, q]));
  const XSD = 'http://www.w3.org/2001/XMLSchema#';
  const ID_BASE = prefixes.id || null;  // data IRIs: linked to this server's /id/... pages
  const SVG = 'http://www.w3.org/2000/svg';
  const NUMERIC = new Set(['integer', 'decimal', 'double', 'float', 'int', 'long', 'short', 'byte',
    'nonNegativeInteger', 'positiveInteger', 'negativeInteger', 'nonPositiveInteger', 'unsignedLong',
    'unsignedInt', 'unsignedShort', 'unsignedByte'].map((t) => XSD + t));
  const INTEGER = new Set([...NUMERIC].filter((t) => !/(decimal|double|float)$/.test(t)));
  const status = $('status');
  const state = { loaded: null, last: null, data: null, view: 'table' };
  const api = { ready: false, vocabulary: [] };
  window.aikgQuery = api;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the editor -----------------------------------------------------------------------------
  const KEYWORDS = ['SELECT', 'DISTINCT', 'WHERE', 'OPTIONAL', 'FILTER', 'UNION', 'MINUS', 'GRAPH',
    'ORDER BY', 'GROUP BY', 'HAVING', 'LIMIT', 'OFFSET', 'VALUES', 'BIND', 'AS', 'ASK', 'CONSTRUCT',
    'DESCRIBE', 'PREFIX', 'BASE', 'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'SAMPLE', 'GROUP_CONCAT',
    'EXISTS', 'NOT EXISTS', 'STR', 'LANG', 'DATATYPE', 'YEAR', 'CONTAINS', 'STRSTARTS', 'REGEX',
    'COALESCE', 'IF', 'ASC', 'DESC', 'FROM', 'FROM NAMED'];
  const textarea = $('query');
  let cm = null;
  if (window.CodeMirror) {
    cm = window.CodeMirror.fromTextArea(textarea, {
      mode: 'application/sparql-query', lineNumbers: true, matchBrackets: true, indentUnit: 2,
      viewportMargin: Infinity,
      extraKeys: { 'Ctrl-Space': 'autocomplete', 'Ctrl-Enter': () => run(), 'Cmd-Enter': () => run() },
      hintOptions: { hint: complete, completeSingle: false },
    });
    cm.on('inputRead', (editor, change) => {
      // after "prefix:" or "?x" typing goes on; offer the matches without waiting for Ctrl-Space
      if (change.origin === '+input' && /[\w:?]/.test(change.text.join(''))) {
        const word = currentWord(editor).word;
        if (word.includes(':') || (word.length >= 3 && !word.startsWith('?'))) editor.showHint();
      }
    });
    cm.on('change', edited);
  } else {
    textarea.addEventListener('input', edited);
    textarea.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(); });
  }
  const getText = () => (cm ? cm.getValue() : textarea.value);
  const setText = (text) => { if (cm) cm.setValue(text); else textarea.value = text; };

  function currentWord(editor) {
    const cur = editor.getCursor();
    const line = editor.getLine(cur.line);
    let start = cur.ch;
    while (start > 0 && /[\w:?$.\-]/.test(line.charAt(start - 1))) start--;
    return { word: line.slice(start, cur.ch).replace(/^\./, ''), from: window.CodeMirror.Pos(cur.line, start), to: cur };
  }

  // prefix:local for an IRI under a known prefix; strict: only names SPARQL can parse (for completion),
  // else also with "/" in the local part (for display: id:org/openai)
  function compact(iri, strict) {
    let best = null;
    for (const [p, base] of Object.entries(prefixes)) {
      if (iri.startsWith(base) && (!best || base.length > best[1].length)) best = [p, base];
    }
    if (!best) return null;
    const local = iri.slice(best[1].length);
    const ok = strict ? /^[\w.\-]*$/.test(local) && !local.endsWith('.') : /^[\w.\-\/]*$/.test(local);
    return ok ? best[0] + ':' + local : null;
  }

  // Completion: ?variables of the query, the ontology's terms (loaded from the store), prefixes, keywords.
  function complete(editor) {
    const { word, from, to } = currentWord(editor);
    const lower = word.toLowerCase();
    let list = [];
    if (word.startsWith('?') || word.startsWith('$')) {
      const seen = new Set(getText().match(/[?$][A-Za-z_][\w]*/g) || []);
      list = [...seen].filter((v) => v.slice(1).toLowerCase().startsWith(lower.slice(1)) && v !== word)
        .map((v) => ({ text: v, displayText: v }));
    } else {
      const terms = api.vocabulary.filter((t) => (word.includes(':')
        ? t.name.toLowerCase().startsWith(lower)
        : t.local.toLowerCase().startsWith(lower)));
      list = terms.map((t) => ({ text: t.name, displayText: `${t.name}  ${t.kind}${t.label ? ' · ' + t.label : ''}` }));
      if (!word.includes(':')) {
        const words = [...Object.keys(prefixes).map((p) => p + ':'), ...KEYWORDS];
        list = words.filter((k) => k.toLowerCase().startsWith(lower)).map((k) => ({ text: k, displayText: k }))
          .concat(list);
      }
    }
    return { list: list.slice(0, 200), from, to };
  }

  async function loadVocabulary() {
    // classes and properties the store declares, for completion
    const query = `PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term (SAMPLE(?k) AS ?kind) (SAMPLE(?l) AS ?label) WHERE {
  VALUES (?type ?k) { (owl:Class "class") (rdfs:Class "class") (owl:ObjectProperty "property")
    (owl:DatatypeProperty "property") (owl:AnnotationProperty "property") (rdf:Property "property") }
  ?term a ?type . FILTER (isIRI(?term)) OPTIONAL { ?term rdfs:label ?l }
} GROUP BY ?term LIMIT 5000`;
    try {
      const response = await fetch('sparql', { method: 'POST', body: query, headers: {
        'Content-Type': 'application/sparql-query', Accept: 'application/sparql-results+json' } });
      if (!response.ok) return;
      const data = await response.json();
      api.vocabulary = data.results.bindings.map((b) => {
        const name = compact(b.term.value, true);
        return name && { name, local: name.split(':')[1], kind: b.kind ? b.kind.value : '', label: b.label ? b.label.value : '' };
      }).filter(Boolean).sort((a, b) => a.name.localeCompare(b.name));
    } catch (e) { /* completion then offers keywords and prefixes only */ }
  }

  // --- gallery and parameters -----------------------------------------------------------------
  const cards = [...document.querySelectorAll('#cards .card')];
  $('filter').addEventListener('input', () => {
    const words = $('filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const card of cards) {
      const q = byName.get(card.dataset.name);
      const hay = [q.name, q.title, q.description, ...q.tags].join(' ').toLowerCase();
      card.parentElement.hidden = !words.every((w) => hay.includes(w));
    }
  });
  for (const card of cards) card.addEventListener('click', () => { load(card.dataset.name, {}); share(); });
  $('restore').addEventListener('click', () => { if (state.loaded) setText(state.loaded.text); });

  let orgList = null;
  async function organisations() {
    // the org parameters' suggestions: every organisation's id and name
    if (orgList) return orgList;
    orgList = $('orgs') || document.body.appendChild(el('datalist', { id: 'orgs' }));
    const query = `PREFIX aikg: <${prefixes.aikg}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?id (SAMPLE(?n) AS ?name) WHERE { ?o a aikg:Organisation ; aikg:recordId ?id . OPTIONAL { ?o rdfs:label ?n } }
GROUP BY ?id ORDER BY ?id LIMIT 20000`;
    try {
      const response = await fetch('sparql', { method: 'POST', body: query, headers: {
        'Content-Type': 'application/sparql-query', Accept: 'application/sparql-results+json' } });
      if (response.ok) {
        for (const b of (await response.json()).results.bindings) {
          orgList.appendChild(el('option', { value: b.id.value, label: b.name ? b.name.value : b.id.value }));
        }
      }
    } catch (e) { /* free text still works: names and aliases are resolved by the server */ }
    return orgList;
  }

  function paramInput(p, value) {
    const id = 'param-' + p.name;
    const wrap = el('label', { for: id, class: 'param' });
    wrap.appendChild(el('span', { class: 'param-name' }, p.name));
    let input;
    if (p.type === 'bool') {
      input = el('select', { id });
      for (const v of ['true', 'false']) input.appendChild(el('option', { value: v }, v));
    } else {
      const type = p.type === 'date' ? 'date' : (p.type === 'int' || p.type === 'float') ? 'number' : 'text';
      input = el('input', { id, type });
      if (type === 'number') input.setAttribute('step', p.type === 'int' ? '1' : 'any');
      if (p.type === 'org') { input.setAttribute('list', 'orgs'); organisations(); }
      if (p.wildcard) input.setAttribute('placeholder', '* for all');
    }
    input.dataset.param = p.name;
    input.value = value !== undefined ? value : (p.default === null ? '' : String(p.default));
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); run(); } });
    wrap.appendChild(input);
    if (p.description) wrap.appendChild(el('span', { class: 'param-desc' }, p.description));
    return wrap;
  }

  function load(name, values) {
    const q = byName.get(name);
    if (!q) return false;
    state.loaded = q;
    $('loaded').hidden = false;
    $('loaded-title').textContent = q.title;
    $('loaded-desc').textContent = q.description;
    const form = $('params');
    form.replaceChildren(...q.params.map((p) => paramInput(p, values[p.name])));
    form.hidden = q.params.length === 0;
    for (const card of cards) card.classList.toggle('current', card.dataset.name === name);
    setText(q.text);
    edited();
    return true;
  }

  function edited() {
    const isEdited = Boolean(state.loaded) && getText() !== state.loaded.text;
    $('edited').hidden = !isEdited;
    $('params').classList.toggle('inactive', isEdited);
    for (const input of $('params').querySelectorAll('[data-param]')) input.disabled = isEdited;
  }

  function paramValues() {
    const values = {};
    for (const input of $('params').querySelectorAll('[data-param]')) {
      if (input.value !== '') values[input.dataset.param] = input.value;
    }
    return values;
  }

  // What Run sends: the named query with its parameters (bound by the server), or the editor's text.
  function request() {
    if (state.loaded && getText() === state.loaded.text) {
      return { named: state.loaded.name, params: paramValues() };
    }
    return { query: getText() };
  }

  // The ontology's prefixes, declared before the query for every prefix it does not declare itself;
  // on one line, so that an error's line number is one more than in the editor.
  function withPrefixes(text) {
    const declared = new Set([...text.matchAll(/PREFIX\s+([A-Za-z][\w.\-]*)?\s*:/gi)].map((m) => m[1] || ''));
    const missing = Object.entries(prefixes).filter(([p]) => !declared.has(p));
    if (!missing.length) return { text, added: 0 };
    return { text: missing.map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join(' ') + '\n' + text, added: 1 };
  }

  function fetchFor(req, format) {
    const accept = 'application/sparql-results+json, application/ld+json;q=0.9, text/turtle;q=0.8';
    if (req.named) {
      const params = new URLSearchParams(req.params);
      if (format) params.set('format', format);
      const query = params.toString();
      return fetch('queries/' + encodeURIComponent(req.named) + (query ? '?' + query : ''), { headers: { Accept: accept } });
    }
    const body = new URLSearchParams({ query: withPrefixes(req.query).text });
    if (format) body.set('format', format);
    return fetch('sparql', { method: 'POST', body, headers: { Accept: accept } });
  }

  // --- running --------------------------------------------------------------------------------
  let running = 0;
  async function run() {
    const req = request();
    const ticket = ++running;
    status.textContent = 'running…';
    status.className = '';
    const started = performance.now();
    let response;
    try {
      response = await fetchFor(req, null);
    } catch (e) {
      if (ticket === running) showError('the server could not be reached', '');
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get('Content-Type') || '';
    if (ticket !== running) return;
    state.last = req;
    share();
    if (!response.ok) {
      let text = await response.text();
      if (req.query && withPrefixes(req.query).added) {
        // positions as "error at L:C" (Oxigraph) or "at line L, column C" (the guard's parser)
        text = text.replace(/error at (\d+):(\d+)/, (m, line, col) => `error at ${Math.max(1, line - 1)}:${col}`)
          .replace(/at line (\d+), column/, (m, line) => `at line ${Math.max(1, line - 1)}, column`);
      }
      showError(`${response.status} in ${seconds} s`, text);
      return;
    }
    $('downloads').hidden = false;
    if (!type.includes('sparql-results+json')) {
      state.data = null;
      showViews({});
      const pre = el('pre', { class: 'graph-text' }, await response.text());
      $('results').replaceChildren(el('caption', {}, 'RDF (' + type.split(';')[0] + ')'), pre);
      status.textContent = `graph result in ${seconds} s`;
      return;
    }
    const data = await response.json();
    if ('boolean' in data) {
      state.data = null;
      showViews({});
      $('results').replaceChildren(el('caption', {}, 'ASK: ' + data.boolean));
      status.textContent = `ASK: ${data.boolean} (${seconds} s)`;
      return;
    }
    state.data = data;
    const rows = data.results.bindings.length;
    const truncated = response.headers.get('X-aikg-truncated') === 'true';
    status.textContent = `${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'} in ${seconds} s` +
      (truncated ? ' (truncated: the row limit was reached)' : '');
    renderTable(data);
    showViews(data);
  }

  function showError(title, text) {
    state.data = null;
    status.textContent = title;
    status.className = 'error';
    showViews({});
    $('downloads').hidden = true;
    $('results').replaceChildren(el('caption', {}, ''), el('pre', { class: 'error-text' }, text));
  }

  // --- cells ----------------------------------------------------------------------------------
  const isUsdColumn = (name) => /usd/i.test(name);
  const isNumber = (term) => term && term.type === 'literal' && NUMERIC.has(term.datatype);

  function exact(term) {
    // the value in full with thousands separators; integers of any size through BigInt
    const v = term.value.trim();
    if (INTEGER.has(term.datatype) && /^[+-]?\d+$/.test(v)) return BigInt(v).toLocaleString('en-US');
    const m = /^([+-]?)(\d+)(\.\d+)?$/.exec(v);
    if (m) return m[1] + BigInt(m[2]).toLocaleString('en-US') + (m[3] || '');
    return v;
  }

  function usd(value) {
    const n = Number(value);
    if (!Number.isFinite(n)) return value;
    const abs = Math.abs(n);
    for (const [size, unit] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']]) {
      if (abs >= size) return (n < 0 ? '-$' : '$') + Number((abs / size).toPrecision(3)).toString() + unit;
    }
    return (n < 0 ? '-$' : '$') + Number(abs.toPrecision(6)).toLocaleString('en-US');
  }

  function href(iri) {
    if (ID_BASE && iri.startsWith(ID_BASE)) return 'id/' + iri.slice(ID_BASE.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function label(term) {
    if (term.type === 'uri') return compact(term.value) || term.value;
    if (term.type === 'bnode') return '_:' + term.value;
    return term.value;
  }

  function cell(td, term, variable) {
    if (!term) return;
    if (term.type === 'uri') {
      const target = href(term.value);
      const text = compact(term.value) || term.value;
      if (target) {
        const a = el('a', { href: target, title: term.value }, text);
        if (!target.startsWith('id/')) { a.setAttribute('rel', 'noopener noreferrer'); a.setAttribute('target', '_blank'); }
        td.appendChild(a);
      } else td.appendChild(el('span', { title: term.value }, text));
      return;
    }
    if (term.type === 'triple') { td.textContent = JSON.stringify(term.value); return; }
    if (isNumber(term)) {
      td.className = 'num';
      const full = exact(term);
      td.textContent = isUsdColumn(variable) ? usd(term.value) : full;
      td.title = (isUsdColumn(variable) ? '$' : '') + full;
      return;
    }
    td.textContent = label(term);
    if (term.value.length > 40) td.className = 'long';
    if (term['xml:lang']) td.appendChild(el('span', { class: 'lang' }, ' @' + term['xml:lang']));
  }

  function renderTable(data) {
    const table = $('results');
    table.replaceChildren();
    const head = table.createTHead().insertRow();
    for (const v of data.head.vars) head.appendChild(el('th', {}, v));
    const body = table.createTBody();
    for (const binding of data.results.bindings) {
      const row = body.insertRow();
      for (const v of data.head.vars) cell(row.insertCell(), binding[v], v);
    }
  }

  // --- views: which apply to a result ---------------------------------------------------------
  function columns(data) {
    const vars = (data.head && data.head.vars) || [];
    const rows = (data.results && data.results.bindings) || [];
    const kind = (v) => {
      const kinds = new Set(rows.map((b) => b[v]).filter(Boolean).map((t) => (isNumber(t) ? 'number' : t.type)));
      return kinds.size === 1 ? [...kinds][0] : (kinds.size ? 'mixed' : 'empty');
    };
    const kinds = Object.fromEntries(vars.map((v) => [v, kind(v)]));
    const numbers = vars.filter((v) => kinds[v] === 'number');
    const value = numbers.find(isUsdColumn) || numbers[0];
    // the bars' labels: a title or name column, else the first text or IRI column that varies
    const texts = vars.filter((v) => kinds[v] === 'literal' || kinds[v] === 'uri');
    const varies = (v) => new Set(rows.map((b) => (b[v] ? b[v].value : ''))).size > 1 || rows.length === 1;
    const labelVar = texts.find((v) => /title|name|label/i.test(v)) || texts.find(varies) || texts[0];
    const iris = vars.filter((v) => kinds[v] === 'uri');
    return { rows, chart: rows.length && value && labelVar ? { label: labelVar, value } : null,
      graph: rows.length && iris.length >= 2 ? { from: iris[0], to: iris[1] } : null };
  }

  function showViews(data) {
    const found = columns(data);
    const available = { table: true, chart: Boolean(found.chart), graph: Boolean(found.graph) };
    $('views').hidden = !(available.chart || available.graph);
    for (const button of document.querySelectorAll('#views [data-view]')) {
      button.hidden = !available[button.dataset.view];
    }
    if (!available[state.view]) state.view = 'table';
    $('view-chart').replaceChildren();
    $('view-graph').replaceChildren();
    if (found.chart) drawChart(found.rows, found.chart);
    if (found.graph) drawGraph(found.rows, found.graph);
    select(state.view);
  }

  function select(view) {
    state.view = view;
    for (const button of document.querySelectorAll('#views [data-view]')) {
      button.setAttribute('aria-selected', String(button.dataset.view === view));
    }
    for (const name of ['table', 'chart', 'graph']) $('view-' + name).hidden = name !== view;
  }
  for (const button of document.querySelectorAll('#views [data-view]')) {
    button.addEventListener('click', () => select(button.dataset.view));
  }

  // A horizontal bar per row (the first 40), in the result's order.
  function drawChart(rows, { label: lv, value: vv }) {
    const items = rows.filter((b) => b[lv] && isNumber(b[vv])).slice(0, 40)
      .map((b) => ({ label: label(b[lv]), value: Number(b[vv].value), term: b[vv] }));
    if (!items.length) return;
    const max = Math.max(...items.map((i) => Math.abs(i.value))) || 1;
    const barH = 22, labelW = 300, width = 940, plotW = width - labelW - 110;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${items.length * barH + 30}`, width, role: 'img', class: 'chart' });
    chart.appendChild(svg('text', { x: labelW, y: 14, class: 'axis' }, `${vv} by ${lv}`));
    items.forEach((item, i) => {
      const y = 24 + i * barH;
      const text = item.label.length > 40 ? item.label.slice(0, 39) + '…' : item.label;
      chart.appendChild(svg('text', { x: labelW - 8, y: y + 14, 'text-anchor': 'end', class: 'bar-label' }, text));
      const w = Math.max(1, (Math.abs(item.value) / max) * plotW);
      const bar = svg('rect', { x: labelW, y: y + 3, width: w.toFixed(1), height: barH - 6, class: 'bar' });
      const shown = isUsdColumn(vv) ? usd(item.term.value) : exact(item.term);
      bar.appendChild(svg('title', {}, `${item.label}: ${isUsdColumn(vv) ? '$' : ''}${exact(item.term)}`));
      chart.appendChild(bar);
      chart.appendChild(svg('text', { x: labelW + w + 6, y: y + 14, class: 'bar-value' }, shown));
    });
    $('view-chart').appendChild(chart);
  }

  // Nodes for the IRIs of two columns, an edge per row; a small force layout, then drawn once.
  function drawGraph(rows, { from, to }) {
    const nodes = new Map();
    const edges = [];
    const node = (term) => {
      if (!nodes.has(term.value)) nodes.set(term.value, { iri: term.value, x: 0, y: 0, vx: 0, vy: 0, degree: 0 });
      return nodes.get(term.value);
    };
    let used = 0, cut = false;
    for (const b of rows) {
      if (!b[from] || !b[to] || b[from].type !== 'uri' || b[to].type !== 'uri') continue;
      // the layout costs nodes² per step: the picture stops at 300 nodes (the table has every row)
      const fresh = [b[from].value, b[to].value].filter((v) => !nodes.has(v)).length;
      if (nodes.size + fresh > 300) { cut = true; break; }
      used++;
      const a = node(b[from]), c = node(b[to]);
      a.degree++; c.degree++;
      edges.push([a, c]);
    }
    const list = [...nodes.values()];
    const W = 900, H = 560;
    list.forEach((n, i) => {  // deterministic start: a circle
      const angle = (2 * Math.PI * i) / list.length;
      n.x = W / 2 + (W / 3) * Math.cos(angle);
      n.y = H / 2 + (H / 3) * Math.sin(angle);
    });
    const k = Math.sqrt((W * H) / Math.max(1, list.length)) * 0.6;
    for (let step = 0; step < 250; step++) {
      const t = 0.1 * (1 - step / 250) + 0.005;
      for (const a of list) { a.vx = 0; a.vy = 0; }
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i], b = list[j];
          const dx = a.x - b.x || 0.01, dy = a.y - b.y || 0.01;
          const d2 = dx * dx + dy * dy;
          const f = (k * k) / d2;
          a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
        }
      }
      for (const [a, b] of edges) {
        const dx = a.x - b.x, dy = a.y - b.y;
        const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
        const f = d / k;
        a.vx -= dx * f; a.vy -= dy * f; b.vx += dx * f; b.vy += dy * f;
      }
      for (const a of list) {
        const d = Math.sqrt(a.vx * a.vx + a.vy * a.vy) || 1;
        const move = Math.min(d, t * W);
        a.x = Math.min(W - 20, Math.max(20, a.x + (a.vx / d) * move + (W / 2 - a.x) * 0.01));
        a.y = Math.min(H - 20, Math.max(20, a.y + (a.vy / d) * move + (H / 2 - a.y) * 0.01));
      }
    }
    // fit the layout into the picture, leaving room for the labels on the right
    const xs = list.map((n) => n.x), ys = list.map((n) => n.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (const n of list) {
      n.x = 30 + ((n.x - x0) / (x1 - x0 || 1)) * (W - 190);
      n.y = 40 + ((n.y - y0) / (y1 - y0 || 1)) * (H - 70);
    }
    const graph = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, role: 'img', class: 'graph' });
    const shown = cut ? ` (from the first ${used} rows of ${rows.length})` : '';
    graph.appendChild(svg('text', { x: 10, y: 16, class: 'axis' }, `${from} → ${to}: ${list.length} nodes, ${edges.length} edges${shown}`));
    const defs = svg('defs');
    const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 16, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' });
    marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }));
    defs.appendChild(marker);
    graph.appendChild(defs);
    for (const [a, b] of edges) {
      graph.appendChild(svg('line', { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), class: 'edge', 'marker-end': 'url(#arrow)' }));
    }
    for (const n of list) {
      const target = href(n.iri);
      const group = svg(target ? 'a' : 'g', target ? { href: target } : {});
      group.appendChild(svg('circle', { cx: n.x.toFixed(1), cy: n.y.toFixed(1), r: Math.min(12, 4 + n.degree), class: 'node' }));
      const name = compact(n.iri) || n.iri;
      group.appendChild(svg('text', { x: (n.x + 8).toFixed(1), y: (n.y - 6).toFixed(1), class: 'node-label' }, name.split(/[:/#]/).pop()));
      group.appendChild(svg('title', {}, n.iri));
      graph.appendChild(group);
    }
    $('view-graph').appendChild(graph);
  }

  // --- downloads and the shareable link -------------------------------------------------------
  for (const button of document.querySelectorAll('#downloads [data-format]')) {
    button.addEventListener('click', async () => {
      const req = state.last || request();
      const format = button.dataset.format;
      const response = await fetchFor(req, format);
      if (!response.ok) { showError(`${response.status}: download failed`, await response.text()); return; }
      const url = URL.createObjectURL(await response.blob());
      const a = el('a', { href: url, download: (req.named || 'query') + '.' + format });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  }

  function fragment(req) {
    const params = req.named ? new URLSearchParams({ named: req.named, ...req.params }) : new URLSearchParams({ query: req.query });
    return '#' + params.toString();
  }
  function share() {
    const link = fragment(request());
    $('share').setAttribute('href', link);
    history.replaceState(null, '', link);
  }
  $('share').addEventListener('click', (e) => { e.preventDefault(); share(); });

  function restore() {
    const params = new URLSearchParams(location.hash.slice(1));
    const named = params.get('named');
    if (named && byName.has(named)) {
      params.delete('named');
      load(named, Object.fromEntries(params));
      return true;
    }
    if (params.has('query')) { setText(params.get('query')); return true; }
    return false;
  }

  $('run').addEventListener('click', () => run());
  restore();
  window.addEventListener('hashchange', restore);
  api.run = run;
  api.load = (name, values) => load(name, values || {});
  api.ready = true;
  loadVocabulary().then(() => { api.vocabularyReady = true; });
})();
