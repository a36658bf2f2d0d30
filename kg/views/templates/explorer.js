/* The aikg explorer's script: window.aikgExplorerBoot(prefix) draws one explorer, whose elements carry ids
   starting with `prefix` ("" in the standalone page, a unique one per notebook output). Data never reaches
   HTML: it is read from the JSON element and set as text. */
window.aikgExplorerBoot = function (prefix) {
  "use strict";
  var t0 = performance.now();
  function $(id) { return document.getElementById(prefix + id); }
  var DATA = JSON.parse($("aikg-data").textContent);
  var CFG = DATA.config;
  var FONT = "#1f2933", FADED_FONT = "rgba(31,41,51,0.18)", LABEL_PX = 14, MIN_LABEL_PX = 10;
  // Milestones in ms since navigation start, for bench/bench_explorer.py.
  var api = { ready: false, readyAt: null, timings: { scriptStart: t0, parsed: performance.now() } };
  window.aikgExplorer = api;
  (window.aikgExplorers = window.aikgExplorers || {})[prefix] = api;

  // --- tiny DOM helpers: data only ever goes through textContent / properties -------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fold(s) { return String(s).normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase(); }
  function isHttp(u) { return typeof u === "string" && /^https?:\/\/[^\s\/]/i.test(u); }
  function link(url, text) {
    if (!isHttp(url)) return el("span", text);
    var a = el("a", text);
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function dayToIso(d) { return new Date(d * 86400000).toISOString().slice(0, 10); }
  function num(n) { return n.toLocaleString("en"); }
  function labelMap(list) { var m = new Map(); list.forEach(function (x) { m.set(x.code, x.label); }); return m; }
  var KIND = labelMap(CFG.kinds), STATUS = labelMap(CFG.statuses), TYPE = labelMap(CFG.types);
  var CATEGORY = labelMap(CFG.categories);

  // --- data: tooltips are built here rather than shipped, to keep big pages small ---------------------
  var orgs = new Map(Object.entries(DATA.orgs));
  var collapsedNames = new Map(Object.entries(DATA.names));  // organisations inside an "Other …" group
  function orgLabel(id) {
    var o = orgs.get(id);
    return o ? o.label : collapsedNames.has(id) ? collapsedNames.get(id) : String(id);
  }
  function isGroup(id) { var o = orgs.get(id); return !!(o && o.aggregate); }
  var CAT_COLOUR = new Map(Object.entries(CFG.category_colours));
  function baseColour(e) { return CAT_COLOUR.get(e.c) || "#6b7280"; }
  DATA.nodes.forEach(function (n) {
    var o = orgs.get(n.id);
    n.full = n.label;
    n.title = o.aggregate ? o.label + "\ncollapsed: " + o.flow + " in deals"
                          : o.label + "\n" + (TYPE.get(n.grp) || n.grp) + " · " + o.flow + " in deals";
  });
  DATA.edges.forEach(function (e) {
    var head = orgLabel(e.from) + " → " + orgLabel(e.to) + "\n";
    if (e.agg) { e.title = head + (CATEGORY.get(e.c) || e.c) + ": " + e.n + " deals · " + (e.amt || "undisclosed"); return; }
    e.title = head + DATA.deals[e.d].title + "\n" + [KIND.get(e.k) || e.k, e.amt, e.t !== null ? dayToIso(e.t) : "undated",
                                                   STATUS.get(e.s) || e.s].join(" · ");
  });
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var nodeType = new Map(DATA.nodes.map(function (n) { return [n.id, n.grp]; }));
  var searchIndex = DATA.nodes.map(function (n) {
    var o = orgs.get(n.id) || { label: n.label, aliases: [] };
    var aliases = o.aliases || [];
    return { id: n.id, label: o.label, aliases: aliases,
             names: [o.label].concat(aliases, [String(n.id)]).map(fold) };
  });

  var allKinds = CFG.kinds.map(function (k) { return k.code; });
  var allStatuses = CFG.statuses.map(function (s) { return s.code; });
  var state = {
    hiddenTypes: new Set(), hiddenCats: new Set(),
    kinds: new Set(CFG.initial.kinds || allKinds), statuses: new Set(CFG.initial.statuses || allStatuses),
    minAmount: 0, asOf: CFG.initial.as_of_day !== null ? CFG.initial.as_of_day : CFG.max_day,
    allLegs: false, hideIsolated: true, edgeLabels: false,
    focus: CFG.initial.focus, depth: CFG.initial.depth,
    // The organisations opened so far (a big view starts from its core); null: every organisation.
    shown: CFG.initial.shown ? new Set(CFG.initial.shown) : null,
    highlight: null  // {kind: "search"|"loop"|"path", nodes: Set, edges: Set, force: bool, index}
  };
  if (state.asOf !== null && CFG.min_day !== null) {
    state.asOf = Math.min(Math.max(state.asOf, CFG.min_day), CFG.max_day);
  }

  // --- visibility (filters, opened organisations) and emphasis (focus / highlight fade) ----------------
  var visN = new Set(), visE = new Set(), fadedN = new Set(), fadedE = new Set(), emphasis = null;
  function anyIn(v, set) { return Array.isArray(v) ? v.some(function (x) { return set.has(x); }) : set.has(v); }
  function passEdge(e) {  // the filters alone, whether or not its ends are opened
    if (state.hiddenCats.has(e.c)) return false;
    if (state.hiddenTypes.has(nodeType.get(e.from)) || state.hiddenTypes.has(nodeType.get(e.to))) return false;
    if (!anyIn(e.k, state.kinds) || !anyIn(e.s, state.statuses)) return false;
    if (state.asOf !== null && e.t !== null && e.t > state.asOf) return false;
    var amount = (e.da !== undefined && e.da !== null) ? e.da : e.a;  // a deal's own amount, not one leg's
    if (state.minAmount > 0 && !(amount !== null && amount >= state.minAmount)) return false;
    return state.allLegs || e.p;
  }
  function opened(id) { return state.shown === null || state.shown.has(id); }
  function computeVisible() {
    var forced = state.highlight && state.highlight.force ? state.highlight : null;
    visE = new Set(); visN = new Set();
    edges.forEach(function (e) {
      if ((forced && forced.edges.has(e.id)) || (passEdge(e) && opened(e.from) && opened(e.to))) {
        visE.add(e.id); visN.add(e.from); visN.add(e.to);
      }
    });
    nodes.forEach(function (n) {
      if (forced && forced.nodes.has(n.id)) { visN.add(n.id); return; }
      if (state.hiddenTypes.has(n.grp) || !opened(n.id)) return;
      if (!state.hideIsolated || n.id === state.focus) visN.add(n.id);
    });
  }
  function adjacency(edgeIds) {
    var adj = new Map();
    edgeIds.forEach(function (id) {
      var e = edges.get(id);
      if (!adj.has(e.from)) adj.set(e.from, []);
      if (!adj.has(e.to)) adj.set(e.to, []);
      adj.get(e.from).push(e.to); adj.get(e.to).push(e.from);
    });
    return adj;
  }
  function filtered() { return edges.getIds({ filter: passEdge }); }
  function neighbourhood(centre, depth, edgeIds) {
    var adj = adjacency(edgeIds);
    var seen = new Set([centre]), frontier = [centre];
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (n) {
        (adj.get(n) || []).forEach(function (m) { if (!seen.has(m)) { seen.add(m); next.push(m); } });
      });
      frontier = next;
    }
    var inner = new Set();
    edgeIds.forEach(function (id) { var e = edges.get(id); if (seen.has(e.from) && seen.has(e.to)) inner.add(id); });
    return { nodes: seen, edges: inner };
  }
  function open(ids) {  // add organisations to a partial view
    if (state.shown === null) return;
    ids.forEach(function (id) { state.shown.add(id); });
  }
  function computeEmphasis() {
    if (state.highlight) return state.highlight;
    if (state.focus !== null && visN.has(state.focus)) return neighbourhood(state.focus, state.depth, visE);
    return null;
  }
  function applyEmphasis() {
    emphasis = computeEmphasis();
    var nu = [], eu = [];
    // Only what is drawn: a hidden node or line gets its fade when it is shown again (thousands of updates
    // to hidden lines would cost a second on a big view).
    visN.forEach(function (id) {
      var fade = emphasis !== null && !emphasis.nodes.has(id);
      if (fade === fadedN.has(id)) return;
      if (fade) fadedN.add(id); else fadedN.delete(id);
      nu.push({ id: id, opacity: fade ? 0.15 : 1, font: { color: fade ? FADED_FONT : FONT } });
    });
    visE.forEach(function (id) {
      var fade = emphasis !== null && !emphasis.edges.has(id);
      if (fade === fadedE.has(id)) return;
      if (fade) fadedE.add(id); else fadedE.delete(id);
      var c = baseColour(edges.get(id));
      eu.push({ id: id, color: { color: c, highlight: c, hover: c, opacity: fade ? 0.08 : 1 } });
    });
    if (nu.length) nodes.update(nu);
    if (eu.length) edges.update(eu);
  }

  // --- labels: the most important first, none drawn over another (boxes in canvas units) ---------------
  var measure = document.createElement("canvas").getContext("2d"), widths = new Map();
  function textWidth(label) {  // at LABEL_PX; a label's width scales with its font size
    if (!widths.has(label)) {
      measure.font = LABEL_PX + "px arial";  // vis's default face, as it measures its own labels
      widths.set(label, Math.max.apply(null, String(label).split("\n").map(function (l) {
        return measure.measureText(l).width; })));
    }
    return widths.get(label);
  }
  var labelled = new Set(nodes.getIds()), labelSize = LABEL_PX;  // every node starts with its label
  function declutter() {
    // Names stay readable: 14 px on screen when zoomed in (so they take less of the canvas and more of them
    // fit), at least 10 px when zoomed out (fewer fit, none is a smudge).
    var scale = network.getScale();
    var size = scale >= 1 ? Math.max(4, LABEL_PX / scale) : Math.max(LABEL_PX, MIN_LABEL_PX / scale);
    var k = size / LABEL_PX, pad = 3 * k + 1;
    var ids = Array.from(visN), pos = network.getPositions(ids);
    var hi = state.highlight ? state.highlight.nodes : null, chosen = new Set(network.getSelectedNodes());
    function rank(id) {
      return (id === state.focus || chosen.has(id) ? 4 : 0) + (hi && hi.has(id) ? 2 : 0) + (fadedN.has(id) ? 0 : 1);
    }
    ids.sort(function (a, b) {
      return rank(b) - rank(a) || nodes.get(b).size - nodes.get(a).size || (a < b ? -1 : a > b ? 1 : 0);
    });
    var cell = 120, grid = new Map(), keep = new Set();
    function cells(b, visit) {
      for (var gx = Math.floor(b[0] / cell); gx <= Math.floor(b[2] / cell); gx++) {
        for (var gy = Math.floor(b[1] / cell); gy <= Math.floor(b[3] / cell); gy++) {
          if (visit(gx + "," + gy) === false) return false;
        }
      }
      return true;
    }
    function occupy(box) { cells(box, function (key) { if (!grid.has(key)) grid.set(key, []); grid.get(key).push(box); }); }
    var discsPlaced = false;
    ids.forEach(function (id) {
      var n = nodes.get(id), p = pos[id];
      if (!p || !n.full) return;
      if (fadedN.has(id) && !discsPlaced) {  // a faded name never covers an organisation in the emphasis
        discsPlaced = true;
        ids.forEach(function (o) {
          var q = pos[o], r = nodes.get(o).size || 10;
          if (q && !fadedN.has(o)) occupy([q.x - r, q.y - r, q.x + r, q.y + r]);
        });
      }
      var half = textWidth(n.full) * k / 2 + pad, lines = String(n.full).split("\n").length;
      var top = p.y + (n.size || 10) + 3 * k - pad;  // vis hangs a dot's label 3px under the dot
      var box = [p.x - half, top, p.x + half, top + lines * size * 1.25 + 2 * pad];
      var free = cells(box, function (key) {
        return !(grid.get(key) || []).some(function (o) {
          return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3];
        });
      });
      if (!free) return;
      keep.add(id);
      occupy(box);
    });
    var sizeChanged = size !== labelSize, updates = [];
    labelSize = size;
    nodes.forEach(function (n) {
      var on = keep.has(n.id);
      if (on === labelled.has(n.id) && !sizeChanged) return;
      if (on) labelled.add(n.id); else labelled.delete(n.id);
      updates.push({ id: n.id, label: on ? n.full : "", font: { size: size } });
    });
    if (updates.length) nodes.update(updates);
    api.labels = keep.size;
  }
  var declutterTimer = null;
  function declutterSoon() { clearTimeout(declutterTimer); declutterTimer = setTimeout(declutter, 120); }

  function refresh() {
    computeVisible();
    nodesView.refresh(); edgesView.refresh();
    applyEmphasis();
    declutter();
    updateStatus();
  }

  api.timings.datasets = performance.now();
  computeVisible();
  var nodesView = new vis.DataView(nodes, { filter: function (n) { return visN.has(n.id); } });
  var edgesView = new vis.DataView(edges, { filter: function (e) { return visE.has(e.id); } });
  var network = new vis.Network($("graph"), { nodes: nodesView, edges: edgesView }, DATA.options);
  api.timings.network = performance.now();
  network.once("afterDrawing", function () {
    api.ready = true; api.readyAt = api.timings.drawn = performance.now();
    $("aikg-root").setAttribute("data-ready", "1");
  });
  network.on("zoom", function () { lastFit = null; declutterSoon(); });
  network.on("dragStart", function () { lastFit = null; });

  // The view a fit chose is fitted again when the canvas changes size, until the reader moves it: the first fit
  // can run before the frame has its final size, and vis-network would only scale that view.
  var lastFit = null;
  function fit(options) { lastFit = options; network.fit(options); }
  if (window.ResizeObserver) {
    new ResizeObserver(function () { if (lastFit) { network.fit(lastFit); declutterSoon(); } }).observe($("graph"));
  }

  function countIn(set, visible) { var c = 0; visible.forEach(function (id) { if (set.has(id)) c++; }); return c; }
  function stats() {
    var groups = 0, legs = 0;
    visN.forEach(function (id) { if (isGroup(id)) groups++; });
    visE.forEach(function (id) { var e = edges.get(id); legs += e.agg ? e.n : 1; });
    return {
      nodes: nodes.length, edges: edges.length,
      visibleNodes: nodesView.length, visibleEdges: edgesView.length,
      organisations: CFG.counts.organisations, collapsed: CFG.counts.collapsed, groups: CFG.counts.groups,
      shownOrganisations: visN.size - groups, shownGroups: groups, legs: CFG.counts.legs, shownLegs: legs,
      opened: state.shown === null ? null : state.shown.size,
      fadedNodes: countIn(fadedN, visN), fadedEdges: countIn(fadedE, visE),
      emphasizedNodes: emphasis ? countIn(emphasis.nodes, visN) : visN.size,
      emphasizedEdges: emphasis ? countIn(emphasis.edges, visE) : visE.size,
      labels: labelled.size,
      highlight: state.highlight ? state.highlight.kind : null, focus: state.focus,
      asOf: state.asOf === null ? null : dayToIso(state.asOf)
    };
  }
  function updateStatus() {
    var s = stats();
    var parts = ["Showing " + num(s.shownOrganisations) + " of " + num(s.organisations) + " organisations"];
    if (s.collapsed) {
      parts[0] += " (" + num(s.collapsed) + " collapsed into " + s.groups + " “Other …” groups, " +
                  s.shownGroups + " shown)";
    }
    parts.push(num(s.shownLegs) + " of " + num(s.legs) + " deal legs");
    if (state.asOf !== null) parts.push("as of " + dayToIso(state.asOf));
    if (state.shown !== null) parts.push("click an organisation to add its partners");
    if (state.highlight) parts.push(state.highlight.kind + " highlighted");
    else if (state.focus !== null) parts.push("focus: " + orgLabel(state.focus) + " (depth " + state.depth + ")");
    $("status").textContent = parts.join(" · ");
    $("as-of-title").textContent = state.asOf !== null ? " — as of " + dayToIso(state.asOf) : "";
    $("show-all").disabled = state.shown === null;
  }

  // --- details panel ----------------------------------------------------------------------------------
  function fact(dl, term, value) {
    if (value === null || value === undefined || value === "") return;
    dl.append(el("dt", term));
    var dd = el("dd"); dd.append(value instanceof Node ? value : el("span", value)); dl.append(dd);
  }
  function renderSources(sources) {
    var wrap = el("div", null, "sources");
    wrap.append(el("h5", "Sources (" + sources.length + ")"));
    var ol = el("ol");
    sources.forEach(function (s) {
      var li = el("li", null, s.preferred ? "source preferred" : "source");
      var head = el("div", null, "source-head");
      if (s.publisher) head.append(el("strong", s.publisher), document.createTextNode(" "));
      head.append(link(s.url, s.title || s.url || "untitled"));
      if (s.published) head.append(el("span", " · " + s.published, "muted"));
      li.append(head);
      if (s.quote) li.append(el("blockquote", s.quote, "quote"));
      if (!s.url && s.seed_file) li.append(el("div", "Seed file: " + s.seed_file, "muted"));
      ol.append(li);
    });
    wrap.append(ol);
    return wrap;
  }
  function renderDeal(d) {
    var art = el("article", null, "deal");
    art.append(el("h4", d.title));
    var meta = [KIND.get(d.kind) || d.kind, d.amount, d.date || "undated", STATUS.get(d.status) || d.status];
    if (d.evidence) meta.push(d.evidence);
    art.append(el("div", meta.join(" · "), "deal-meta"));
    if (d.in_cycle) art.append(el("span", "part of a circular deal", "badge loop"));
    if (d.iri) art.append(el("div", d.iri, "muted iri"));
    var ul = el("ul", null, "legs");
    d.legs.forEach(function (l) {
      var li = el("li", orgLabel(l.from) + " → " + orgLabel(l.to) + ": " + (l.flow || "?") + " (" + l.amount + ")");
      ul.append(li);
    });
    art.append(ul);
    art.append(renderSources(d.sources));
    return art;
  }
  function button(text, onClick, cls) {
    var b = el("button", text, cls); b.type = "button"; b.addEventListener("click", onClick); return b;
  }
  function showNode(id) {
    var o = orgs.get(id), box = $("details");
    if (!o) return;
    box.replaceChildren(el("h2", o.label));
    box.dataset.kind = "node";
    if (o.aggregate) {
      box.append(el("p", o.count + " organisations collapsed into this node (" + o.flow + " in deals)."));
      var ul = el("ul", null, "members");
      o.members.forEach(function (m) { ul.append(el("li", m)); });
      box.append(el("h3", "Largest members"), ul);
      return;
    }
    var chips = el("div", null, "chips");
    o.types.forEach(function (t) { chips.append(el("span", TYPE.get(t) || t, "chip")); });
    box.append(chips);
    var dl = el("dl", null, "facts");
    if (o.aliases.length) fact(dl, "Also known as", o.aliases.join("; "));
    fact(dl, "Deal volume", o.flow);
    fact(dl, "Id", String(id));
    fact(dl, "IRI", o.iri);
    if (o.wikidata) {
      fact(dl, "Wikidata", /^Q\d+$/.test(o.wikidata) ? link("https://www.wikidata.org/wiki/" + o.wikidata, o.wikidata)
                                                    : o.wikidata);
    }
    fact(dl, "LEI", o.lei);
    fact(dl, "Ticker", o.ticker);
    if (o.parent) fact(dl, "Parent", button(o.parent_label || o.parent, function () { selectNode(o.parent); }, "linkish"));
    else fact(dl, "Parent", o.parent_label);
    box.append(dl);
    box.append(button("Focus on this organisation", function () { setFocus(id, state.depth); }, "action"));
    box.append(el("h3", "Deals (" + o.deals.length + ")"));
    o.deals.forEach(function (i) { box.append(renderDeal(DATA.deals[i])); });
  }
  function showEdge(id) {
    var e = edges.get(id), box = $("details");
    if (!e) return;
    box.replaceChildren(el("h2", orgLabel(e.from) + " → " + orgLabel(e.to)));
    box.dataset.kind = "edge";
    if (e.agg) {
      box.append(el("p", e.n + " " + (CATEGORY.get(e.c) || e.c).toLowerCase() + " deals, " + (e.amt || "undisclosed") +
                    " in total, drawn as one line because an end is a collapsed group. The largest:"));
      e.sum.forEach(function (i) { box.append(renderDeal(DATA.deals[i])); });
      return;
    }
    box.append(renderDeal(DATA.deals[e.d]));
  }
  function selectNode(id) {
    if (!visN.has(id) && nodes.get(id) && !state.hiddenTypes.has(nodeType.get(id))) { open([id]); refresh(); }
    if (visN.has(id)) {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
      declutter();
    }
    showNode(id);
  }
  function selectEdge(id) {
    if (visE.has(id)) network.selectEdges([id]);
    showEdge(id);
  }
  function expand(id) {  // a partial view: bring in the organisation's partners under the filters
    if (state.shown === null) return 0;
    var before = state.shown.size;
    open(neighbourhood(id, 1, filtered()).nodes);
    if (state.shown.size !== before) refresh();
    return state.shown.size - before;
  }
  network.on("click", function (p) {
    if (p.nodes.length) { expand(p.nodes[0]); showNode(p.nodes[0]); }
    else if (p.edges.length) showEdge(p.edges[0]);
  });
  network.on("doubleClick", function (p) { if (p.nodes.length) setFocus(p.nodes[0], state.depth); });

  // --- focus ------------------------------------------------------------------------------------------
  function setFocus(id, depth) {
    state.focus = id; state.depth = depth; $("depth").value = String(depth);
    state.highlight = null; markLoop(null);
    open(neighbourhood(id, depth, filtered()).nodes);
    $("focus-label").textContent = orgLabel(id);
    $("focus-clear").disabled = false;
    refresh();
    if (emphasis) fit({ nodes: Array.from(emphasis.nodes).filter(function (n) { return visN.has(n); }),
                                animation: false });
    declutter();
  }
  function clearFocus() {
    state.focus = null; $("focus-label").textContent = "none"; $("focus-clear").disabled = true; refresh();
  }
  $("depth").addEventListener("change", function () {
    state.depth = Number(this.value);
    if (state.focus !== null) setFocus(state.focus, state.depth); else refresh();
  });
  $("focus-clear").addEventListener("click", clearFocus);

  // --- search -----------------------------------------------------------------------------------------
  function searchMatches(q) {
    var f = fold(q.trim());
    if (!f) return [];
    var out = [];
    searchIndex.forEach(function (s) {
      var i = s.names.findIndex(function (n) { return n.indexOf(f) !== -1; });
      if (i < 0) return;
      var via = i > 0 && i <= s.aliases.length ? s.aliases[i - 1] : null;
      out.push({ id: s.id, label: s.label, via: via, rank: s.names[i] === f ? 0 : s.names[i].indexOf(f) === 0 ? 1 : 2 });
    });
    out.sort(function (a, b) { return a.rank - b.rank || a.label.localeCompare(b.label); });
    return out;
  }
  function runSearch(q) {
    var matches = searchMatches(q), list = $("search-results");
    list.replaceChildren();
    matches.slice(0, 25).forEach(function (m) {
      var b = button(m.label, function () { chooseResult(m.id); }, "result");
      if (m.via) b.append(el("span", " (" + m.via + ")", "muted"));
      if (!visN.has(m.id)) b.append(el("span", state.shown && !state.shown.has(m.id) ? " · not yet shown"
                                                                                   : " · hidden by filters", "muted"));
      var li = el("li"); li.append(b); list.append(li);
    });
    if (q.trim() && !matches.length) list.append(el("li", "No organisation matches.", "muted"));
    if (matches.length) {
      var ids = new Set(matches.map(function (m) { return m.id; })), inner = new Set();
      visE.forEach(function (id) { var e = edges.get(id); if (ids.has(e.from) && ids.has(e.to)) inner.add(id); });
      state.highlight = { kind: "search", nodes: ids, edges: inner, force: false };
      markLoop(null);
    } else if (state.highlight && state.highlight.kind === "search") {
      state.highlight = null;
    }
    applyEmphasis(); declutter(); updateStatus();
    return matches.map(function (m) { return m.id; });
  }
  function chooseResult(id) {
    $("search-results").replaceChildren();
    if (state.highlight && state.highlight.kind === "search") state.highlight = null;
    applyEmphasis(); updateStatus();
    selectNode(id);
  }
  $("search").addEventListener("input", function () { runSearch(this.value); });
  document.addEventListener("click", function (ev) {  // close the result list, keep the highlight
    if (!$("search-box").contains(ev.target)) $("search-results").replaceChildren();
  });
  $("search").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var m = searchMatches(this.value); if (m.length) chooseResult(m[0].id); }
    if (ev.key === "Escape") { this.value = ""; runSearch(""); }
  });

  // --- legend = filter --------------------------------------------------------------------------------
  function legend(listId, entries, hidden, swatchClass) {
    var ul = $(listId);
    entries.forEach(function (entry) {
      var b = el("button", null, "legend-item"); b.type = "button";
      b.dataset.code = entry.code; b.setAttribute("aria-pressed", "true");
      var sw = el("span", null, "swatch " + swatchClass); sw.style.background = entry.colour;
      b.append(sw, el("span", entry.label), el("span", " " + entry.count, "count"));
      b.addEventListener("click", function () {
        if (hidden.has(entry.code)) hidden.delete(entry.code); else hidden.add(entry.code);
        b.classList.toggle("off", hidden.has(entry.code));
        b.setAttribute("aria-pressed", String(!hidden.has(entry.code)));
        refresh();
      });
      var li = el("li"); li.append(b); ul.append(li);
    });
  }
  legend("legend-types", CFG.types, state.hiddenTypes, "dot");
  legend("legend-categories", CFG.categories, state.hiddenCats, "line");

  // --- filters ----------------------------------------------------------------------------------------
  function checkboxes(boxId, entries, set) {
    var box = $(boxId);
    entries.forEach(function (entry) {
      var label = el("label", null, "check"), input = el("input");
      input.type = "checkbox"; input.value = entry.code; input.checked = set.has(entry.code);
      input.addEventListener("change", function () {
        if (input.checked) set.add(entry.code); else set.delete(entry.code);
        refresh();
      });
      label.append(input, el("span", " " + entry.label), el("span", " " + entry.count, "count"));
      box.append(label);
    });
  }
  checkboxes("filter-kinds", CFG.kinds, state.kinds);
  checkboxes("filter-statuses", CFG.statuses, state.statuses);
  $("min-amount").addEventListener("change", function () { state.minAmount = Number(this.value); refresh(); });

  // --- the as-of date: slider, title and status say the same day; arrow keys step by a month -----------
  var asOf = $("as-of");
  function setAsOf(day) {
    state.asOf = Math.min(Math.max(day, CFG.min_day), CFG.max_day);
    asOf.value = String(state.asOf);
    $("as-of-label").textContent = dayToIso(state.asOf);
    refresh();
  }
  function monthStep(day, months) {  // the same day of another month, or that month's last day
    var d = new Date(day * 86400000), dom = d.getUTCDate();
    var target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
    var last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(dom, last));
    return Math.round(target.getTime() / 86400000);
  }
  var MONTH_KEYS = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -12, PageUp: 12 };
  function stepAsOf(ev) {
    if (state.asOf === null || !(ev.key in MONTH_KEYS) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    ev.preventDefault();
    setAsOf(monthStep(state.asOf, MONTH_KEYS[ev.key]));
  }
  if (CFG.min_day === null) {
    asOf.disabled = true; $("as-of-label").textContent = "no dated deals";
  } else {
    asOf.min = String(CFG.min_day); asOf.max = String(CFG.max_day); asOf.value = String(state.asOf);
    $("as-of-label").textContent = dayToIso(state.asOf);
    asOf.addEventListener("input", function () { setAsOf(Number(asOf.value)); });
    asOf.addEventListener("keydown", stepAsOf);
    // Arrow keys anywhere in the explorer (the whole page when it is one) but a text field or list step it too.
    document.addEventListener("keydown", function (ev) {
      var t = ev.target, root = $("aikg-root");
      if (!(root.contains(t) || (prefix === "" && (t === document.body || t === document.documentElement)))) return;
      if (t === asOf || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName) || t.isContentEditable) return;
      stepAsOf(ev);
    });
  }
  $("all-legs").addEventListener("change", function () { state.allLegs = this.checked; refresh(); });
  $("hide-isolated").addEventListener("change", function () { state.hideIsolated = this.checked; refresh(); });
  $("edge-labels").addEventListener("change", function () {
    state.edgeLabels = this.checked;
    edges.update(edges.map(function (e) { return { id: e.id, label: state.edgeLabels ? e.amt || "" : "" }; }));
  });

  // --- circular deals ---------------------------------------------------------------------------------
  function markLoop(index) {
    $("loops").querySelectorAll("button.loop").forEach(function (b) {
      b.classList.toggle("active", Number(b.dataset.index) === index);
    });
  }
  function highlightLoop(index) {
    if (state.highlight && state.highlight.kind === "loop" && state.highlight.index === index) {
      clearHighlight(); return;
    }
    var c = DATA.cycles[index];
    state.highlight = { kind: "loop", index: index, nodes: new Set(c.nodes), edges: new Set(c.edges), force: true };
    markLoop(index);
    refresh();
    network.setSelection({ nodes: [], edges: c.edges.filter(function (id) { return visE.has(id); }) });
    fit({ nodes: c.nodes.filter(function (n) { return visN.has(n); }), animation: false });
    declutter();
  }
  function clearHighlight() {
    state.highlight = null; markLoop(null); network.unselectAll();
    $("path-result").replaceChildren();
    refresh();
  }
  if (!DATA.cycles.length) $("loops").append(el("li", "No circular deals in this view.", "muted"));
  DATA.cycles.forEach(function (c, i) {
    var b = button(c.label, function () { highlightLoop(i); }, "loop");
    b.dataset.index = String(i);
    b.append(el("span", c.legs + " legs · round trip " + c.round_trip, "muted block"));
    var li = el("li"); li.append(b); $("loops").append(li);
  });
  $("highlight-clear").addEventListener("click", clearHighlight);

  // --- path between two organisations ------------------------------------------------------------------
  var nameList = $("org-names");
  searchIndex.forEach(function (s) {
    if (!isGroup(s.id)) { var opt = el("option"); opt.value = s.label; nameList.append(opt); }
  });
  function resolveOrg(text) {  // an organisation, never an "Other …" group
    var f = fold(text.trim());
    if (!f) return null;
    for (var i = 0; i < searchIndex.length; i++) {
      if (fold(searchIndex[i].label) === f && !isGroup(searchIndex[i].id)) return searchIndex[i].id;
    }
    var m = searchMatches(text).filter(function (x) { return !isGroup(x.id); });
    return m.length ? m[0].id : null;
  }
  function width(e) { return e.a !== null && e.a !== undefined ? e.a : -1; }  // undisclosed: below any amount
  function findPath(a, b, directed, widest) {
    // Over every deal the filters pass (opened or not) between organisations, never through a group.
    // Fewest hops, ties broken by the widest bottleneck; or, widest, the path whose smallest known amount
    // is largest (an undisclosed leg counts below any amount), ties broken by fewer hops.
    if (a === b || isGroup(a) || isGroup(b)) return null;
    var adj = new Map();
    function add(x, y, e) {
      if (!adj.has(x)) adj.set(x, new Map());
      var best = adj.get(x).get(y);  // the widest of parallel deals
      if (!best || width(e) > width(best)) adj.get(x).set(y, e);
    }
    edges.forEach(function (e) {
      if (e.agg || isGroup(e.from) || isGroup(e.to) || !passEdge(e)) return;
      add(e.from, e.to, e);
      if (!directed) add(e.to, e.from, e);
    });
    if (!adj.has(a)) return null;
    var floor = -Infinity;
    if (widest) {  // the largest bottleneck to b: a Dijkstra on (min, max)
      var wide = new Map([[a, Infinity]]), done = new Set();
      for (;;) {
        var n = null;
        wide.forEach(function (w, k) { if (!done.has(k) && (n === null || w > wide.get(n))) n = k; });
        if (n === null || n === b) break;
        done.add(n);
        (adj.get(n) || new Map()).forEach(function (e, m) {
          var w = Math.min(wide.get(n), width(e));
          if (!wide.has(m) || w > wide.get(m)) wide.set(m, w);
        });
      }
      if (!wide.has(b)) return null;
      floor = wide.get(b);
    }
    // Fewest hops over the legs at least `floor` wide; among those, the widest bottleneck.
    var dist = new Map([[a, 0]]), order = [a];
    for (var i = 0; i < order.length; i++) {
      (adj.get(order[i]) || new Map()).forEach(function (e, m) {
        if (width(e) >= floor && !dist.has(m)) { dist.set(m, dist.get(order[i]) + 1); order.push(m); }
      });
    }
    if (!dist.has(b)) return null;
    var best = new Map([[a, { w: Infinity, prev: null, edge: null }]]);
    order.forEach(function (n) {
      if (!best.has(n)) return;
      (adj.get(n) || new Map()).forEach(function (e, m) {
        if (width(e) < floor || dist.get(m) !== dist.get(n) + 1) return;
        var w = Math.min(best.get(n).w, width(e));
        if (!best.has(m) || w > best.get(m).w) best.set(m, { w: w, prev: n, edge: e.id });
      });
    });
    var pathNodes = [b], pathEdges = [], cur = b;
    while (best.get(cur).prev !== null) {
      pathEdges.unshift(best.get(cur).edge); cur = best.get(cur).prev; pathNodes.unshift(cur);
    }
    return { nodes: pathNodes, edges: pathEdges, bottleneck: best.get(b).w };
  }
  function showPath(fromText, toText, directed, widest) {
    var out = $("path-result"), a = resolveOrg(fromText), b = resolveOrg(toText);
    if (widest === undefined) widest = $("path-widest").checked;
    out.replaceChildren();
    if (a === null || b === null) { out.append(el("p", "Pick two organisations from the list.", "muted")); return null; }
    var path = findPath(a, b, directed, widest);
    if (!path) {
      out.append(el("p", "No path between " + orgLabel(a) + " and " + orgLabel(b) +
                    " through organisations (not “Other …” groups) among the deals the filters show.", "muted"));
      return null;
    }
    open(path.nodes);
    state.highlight = { kind: "path", nodes: new Set(path.nodes), edges: new Set(path.edges), force: true };
    markLoop(null);
    refresh();
    network.setSelection({ nodes: [], edges: path.edges });
    fit({ nodes: path.nodes, animation: false });
    declutter();
    var smallest = path.bottleneck < 0 ? "an undisclosed leg" : path.bottleneck === Infinity ? "" :
      edges.get(path.edges.find(function (id) { return width(edges.get(id)) === path.bottleneck; })).amt;
    out.append(el("p", path.nodes.map(orgLabel).join(" → ") + " (" + path.edges.length + " hops" +
                  (smallest ? "; smallest leg " + smallest : "") + ")"));
    var ol = el("ol", null, "hops");
    path.edges.forEach(function (id) {
      var e = edges.get(id);
      var li = el("li"); li.append(button(orgLabel(e.from) + " → " + orgLabel(e.to) + ": " + DATA.deals[e.d].title +
                                          " · " + (e.amt || "undisclosed"), function () { selectEdge(id); }, "linkish"));
      ol.append(li);
    });
    out.append(ol);
    return path;
  }
  $("path-go").addEventListener("click", function () {
    showPath($("path-from").value, $("path-to").value, $("path-directed").checked);
  });

  // --- misc -------------------------------------------------------------------------------------------
  function showAll() { state.shown = null; refresh(); fit({ animation: false, maxZoomLevel: 1.6 }); declutter(); }
  $("show-all").addEventListener("click", showAll);
  $("reset").addEventListener("click", function () {
    state.focus = null; $("focus-label").textContent = "none"; $("focus-clear").disabled = true;
    state.shown = CFG.initial.shown ? new Set(CFG.initial.shown) : null;
    $("search").value = ""; $("search-results").replaceChildren();
    clearHighlight(); fit({ animation: false, maxZoomLevel: 1.6 }); declutter();
  });
  $("save-png").addEventListener("click", function () {
    var canvas = $("graph").querySelector("canvas"), a = document.createElement("a");
    a.href = canvas.toDataURL("image/png"); a.download = "aikg-explorer.png"; a.click();
  });

  Object.assign(api, {
    network: network, nodes: nodes, edges: edges, nodesView: nodesView, edgesView: edgesView, state: state,
    stats: stats, refresh: refresh, search: runSearch, selectNode: selectNode, selectEdge: selectEdge,
    setFocus: setFocus, clearFocus: clearFocus, highlightLoop: highlightLoop, clearHighlight: clearHighlight,
    findPath: showPath, expand: expand, showAll: showAll, setAsOf: setAsOf, declutter: declutter
  });
  $("depth").value = String(state.depth);
  if (state.focus !== null && orgs.has(state.focus)) {
    $("focus-label").textContent = orgLabel(state.focus); $("focus-clear").disabled = false;
    open(neighbourhood(state.focus, state.depth, filtered()).nodes);
    computeVisible(); nodesView.refresh(); edgesView.refresh();
  } else {
    state.focus = null;
  }
  applyEmphasis();
  if (emphasis) fit({ nodes: Array.from(emphasis.nodes).filter(function (n) { return visN.has(n); }),
                              animation: false });
  else fit({ animation: false, maxZoomLevel: 1.6 });
  declutter(); updateStatus();
  var missing = $("aikg-root").querySelector(".aikg-missing");
  if (missing) missing.remove();
  return api;
};
