// kamgraph relationship map. Every CRM string is set as text (textContent), never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kamgraph-data").textContent);
  var started = performance.now();

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function actionBox(a, part) {
    var box = el("div", null, "act " + a.priority);
    box.appendChild(el("b", a.rank + ". " + a.priority.toUpperCase() + " · " + a.subject +
      (part ? " (" + part + ")" : "")));
    box.appendChild(el("div", a.problem, "problem"));
    box.appendChild(el("div", "→ " + a.action + (a.due ? " By " + a.due + "." : ""), "action"));
    if (a.because && a.because.length) box.appendChild(el("div", "because: " + a.because.join(", "), "because"));
    return box;
  }

  function functionLabel(f) { return f === "r_and_d" ? "R&D" : String(f || "").replace(/_/g, " "); }

  function tooltip(n) {
    var tip = n.tip;
    var box = el("div", null, "tip");
    box.appendChild(el("strong", tip.name));
    if (tip.title) box.appendChild(el("div", tip.title));
    var facts = [tip.function || functionLabel(n.function), tip.level];
    if (tip.roles && tip.roles.length) facts.push(tip.roles.join(", "));
    if (tip.team_roles && tip.team_roles.length) facts.push(tip.team_roles.join(", "));
    if (tip.stance) facts.push("stance: " + tip.stance);
    if (tip.influence !== null && tip.influence !== undefined) facts.push("influence " + tip.influence);
    if (tip.left) facts.push(tip.left === true ? "left" : "left " + tip.left);
    else if (tip.status && tip.status !== "active") facts.push(tip.status);
    if (tip.arrived) facts.push("new since " + tip.arrived);
    box.appendChild(el("div", facts.join(" · "), "facts"));
    if (tip.summary) box.appendChild(el("div", tip.summary, "hint"));
    var act = tip.action ? data.account.actions[tip.action.rank - 1] : null;
    if (act) box.appendChild(actionBox(act, tip.action.part));
    (tip.findings || []).forEach(function (f) {
      var item = el("div", null, "finding " + f.severity);
      item.appendChild(el("b", f.severity.toUpperCase() + " " + f.kind + " (" + f.score + ")"
        + (f.about ? " — " + f.about : "")));
      var list = el("ul");
      f.evidence.forEach(function (e) { list.appendChild(el("li", e)); });
      item.appendChild(list);
      if (f.action) item.appendChild(el("div", "→ " + f.action, "action"));
      box.appendChild(item);
    });
    return box;
  }

  // Tooltips are made when first needed: a map of thousands opens without building one
  // per person.
  data.edges.forEach(function (e) { e.title = e.tip; });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var state = { theirs: true, ours: true, departed: false, fn: "", kind: "", expanded: {} };

  function nodeVisible(n) {
    if (n.side === "customer" && !state.theirs) return false;
    if (n.side === "supplier" && !state.ours) return false;
    if (n.summary) return !state.expanded[n.function] && !state.fn && !state.kind;
    if (n.collapsed && !state.expanded[n.function]) return false;
    if (state.fn && n.function !== state.fn) return false;
    if (state.kind && (n.kinds || []).indexOf(state.kind) < 0) return false;
    return true;
  }
  var nodeView = new vis.DataView(nodes, { filter: nodeVisible });
  var edgeView = new vis.DataView(edges, {
    // Links of people who left inside the change window show at first sight; older
    // ones when asked.  An edge shows when both its people do.
    filter: function (e) {
      if (!(state.departed || !e.departed || e.recent)) return false;
      var a = nodes.get(e.from), b = nodes.get(e.to);
      return !!a && !!b && nodeVisible(a) && nodeVisible(b);
    }
  });
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, data.options);

  function withTitle(id) {
    var n = id ? nodes.get(id) : null;
    if (n && !n.title) nodes.update({ id: id, title: tooltip(n) });
  }
  network.on("hoverNode", function (p) { withTitle(p.node); });

  // The first view: everything, unless that is too small to read; then the top of their
  // side (the most senior people), across the middle, at a readable scale.
  var MIN_SCALE = 0.86;  // 14 px labels stay 12 px or more on screen
  var settled = false;
  network.once("afterDrawing", function () {
    network.fit({ animation: false });
    if (network.getScale() < MIN_SCALE) {
      // As many of the most senior dozen of theirs as one screen holds (they may sit
      // far apart, each atop their function), the most senior of all among them when
      // that holds as many, their top row at the top.
      var at = network.getPositions(nodeView.getIds());
      var ids = Object.keys(at).filter(function (id) {
        return nodes.get(id).side === "customer";
      });
      if (!ids.length) ids = Object.keys(at);
      ids.sort(function (a, b) { return at[a].y - at[b].y || at[a].x - at[b].x; });
      var xs = ids.slice(0, 12).map(function (id) { return at[id].x; });
      xs.sort(function (a, b) { return a - b; });
      var wide = container.clientWidth / MIN_SCALE - 160;  // a label's width to spare
      var top = at[ids[0]].x, best = null;
      for (var i = 0, j = 0; i < xs.length; i++) {
        while (xs[i] - xs[j] > wide) j++;
        var count = i - j + 1, holds = xs[j] <= top && top <= xs[i];
        if (!best || count > best.count || (count === best.count && holds && !best.holds)) {
          best = { count: count, holds: holds, x: (xs[j] + xs[i]) / 2 };
        }
      }
      var half = container.clientHeight / MIN_SCALE / 2;
      network.moveTo({ position: { x: best.x, y: at[ids[0]].y - 50 + half },
                       scale: MIN_SCALE, animation: false });
    }
    settled = true;
    window.kamgraph.settled = true;
    window.kamgraph.settleMs = performance.now() - started;
    window.kamgraph.settledAt = performance.now();  // since the page was asked for
  });

  function expand(fn) {
    state.expanded[fn] = true;
    refresh();
  }
  network.on("click", function (p) {
    if (!p.nodes.length) return;
    var n = nodes.get(p.nodes[0]);
    if (n && n.summary) {
      expand(n.function);
      network.fit({ nodes: nodeView.getIds({ filter: function (m) {
        return m.function === n.function && m.side === "customer"; } }), animation: false });
    }
  });

  function refresh() { nodeView.refresh(); edgeView.refresh(); }
  function bind(id, key, prop) {
    var input = document.getElementById(id);
    input.addEventListener("change", function () { state[key] = input[prop]; refresh(); });
  }
  bind("show-theirs", "theirs", "checked");
  bind("show-ours", "ours", "checked");
  bind("show-departed", "departed", "checked");
  bind("function-filter", "fn", "value");
  bind("finding-filter", "kind", "value");

  var fnSelect = document.getElementById("function-filter");
  data.account.functions.forEach(function (f) {
    var o = el("option", f.replace(/_/g, " ")); o.value = f; fnSelect.appendChild(o);
  });
  var kindSelect = document.getElementById("finding-filter");
  data.account.kinds.forEach(function (k) {
    var o = el("option", k.replace(/_/g, " ")); o.value = k; kindSelect.appendChild(o);
  });

  document.getElementById("title").textContent = data.account.name;
  var stage = data.account.stage_label || "not classified";
  document.getElementById("subtitle").textContent =
    "As of " + data.account.as_of + " · stage: " + stage + " · " +
    data.nodes.filter(function (n) { return !n.summary && !n.proposed; }).length +
    " people · theirs above, ours below";

  // The account's top actions, each person in them a link to their node.
  var panel = document.getElementById("actions");
  panel.appendChild(el("h2", "Top actions"));
  var shown = data.account.actions.slice(0, data.account.max_actions);
  if (!shown.length) panel.appendChild(el("p", "Nothing to act on.", "hint"));
  var ol = el("ol", null, "top-actions");
  function personLink(name, id) {
    if (!id || !nodes.get(id)) return el("span", name);
    var target = nodes.get(id);
    var a = el("a", name, "person");
    a.href = "#";
    a.dataset.node = id;
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      if (target.collapsed && !state.expanded[target.function]) expand(target.function);
      withTitle(id);
      network.selectNodes([id]);
      network.focus(id, { scale: 1.1 });
      showDetails(id);
    });
    return a;
  }
  shown.forEach(function (a) {
    var li = el("li", null, "act " + a.priority);
    var head = el("div");
    head.appendChild(el("b", a.priority.toUpperCase() + " "));
    // The subject is said once: linked where the problem names it, else leading it.
    var at = a.names_subject ? a.problem.indexOf(a.subject) : -1;
    if (at < 0) {
      head.appendChild(personLink(a.subject, a.subject_id));
      head.appendChild(el("span", ": " + a.problem));
    } else {
      head.appendChild(el("span", a.problem.slice(0, at)));
      head.appendChild(personLink(a.subject, a.subject_id));
      head.appendChild(el("span", a.problem.slice(at + a.subject.length)));
    }
    li.appendChild(head);
    var who = el("div", null, "who");
    if (a.owner) { who.appendChild(el("span", "owner ")); who.appendChild(personLink(a.owner, a.owner_id)); }
    (a.with || []).forEach(function (name, i) {
      who.appendChild(el("span", " · with ")); who.appendChild(personLink(name, a.with_ids[i]));
    });
    li.appendChild(who);
    li.appendChild(el("div", "→ " + a.action, "action"));
    ol.appendChild(li);
  });
  panel.appendChild(ol);
  if (data.account.action_count > shown.length) {
    panel.appendChild(el("p", "… and " + (data.account.action_count - shown.length) +
      " more in the audit (kamgraph audit --all)", "hint"));
  }

  function showDetails(id) {
    var box = document.getElementById("details");
    while (box.firstChild) box.removeChild(box.firstChild);
    var n = id ? nodes.get(id) : null;  // get(null) would be every node
    if (!n || !n.tip) {
      box.appendChild(el("p", "Select a person to see their action and findings.", "hint"));
      return;
    }
    box.appendChild(tooltip(n));
  }
  network.on("selectNode", function (p) { withTitle(p.nodes[0]); showDetails(p.nodes[0]); });
  network.on("deselectNode", function (p) { showDetails(p.nodes.length ? p.nodes[0] : null); });

  // Search finds anyone, shown or waiting in their function's node, and opens them.
  var search = document.getElementById("search");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    if (!q) { network.unselectAll(); return; }
    var hits = nodes.get({ filter: function (n) {
      return !n.summary && (String(n.tip.name).toLowerCase().indexOf(q) >= 0 ||
             String(n.tip.title || "").toLowerCase().indexOf(q) >= 0);
    } });
    if (hits.length && hits.length <= 20) {
      var opened = false;
      hits.forEach(function (n) {
        if (n.collapsed && !state.expanded[n.function]) { state.expanded[n.function] = true; opened = true; }
      });
      if (opened) refresh();
    }
    var ids = hits.map(function (n) { return n.id; })
      .filter(function (id) { return nodeView.get(id); });
    network.selectNodes(ids);
    if (ids.length === 1) {
      network.focus(ids[0], { scale: 1.2, animation: false });
      withTitle(ids[0]);
      showDetails(ids[0]);
    }
  });

  var legend = document.getElementById("legend");
  legend.appendChild(el("h2", "Legend"));
  // Every mark the map can use; the page lists those it does use (data.account.marks).
  var catalogue = [
    ["stance:champion", "swatch champion", "champion"],
    ["stance:supporter", "swatch supporter", "supporter"],
    ["stance:neutral", "swatch neutral", "neutral"],
    ["stance:skeptic", "swatch skeptic", "skeptic"],
    ["stance:anti_sponsor", "swatch anti_sponsor", "anti-sponsor (recorded)"],
    ["stance:unknown", "swatch unknown", "stance unknown"],
    ["ours", "swatch ours", "our people"],
    ["shape:star:customer", "shape", "★ theirs: a decision role"],
    ["shape:triangle:customer", "shape", "▲ theirs: another recorded role"],
    ["shape:dot:customer", "shape", "● theirs: no recorded role"],
    ["shape:star:supplier", "shape", "★ ours: executive sponsor"],
    ["shape:diamond:supplier", "shape", "◆ ours: key account manager or director"],
    ["shape:square:supplier", "shape", "■ ours: technical service, sales or delivery"],
    ["shape:dot:supplier", "shape", "● ours: no account team role"],
    ["gap", "ring gap", "magenta ring: nobody of ours meets them (coverage gap)"],
    ["risk", "ring risk", "orange ring: key-person risk"],
    ["anti", "ring anti", "dark ring and ⚠ score: likely anti-sponsor"],
    ["hidden", "ring hidden", "dashed outline: hidden influencer"],
    ["departed", "ring departed", "hollow, grey dotted, 'left DATE': has left"],
    ["new", "ring new", "purple glow, 'NEW since DATE': arrived recently"],
    ["proposed_node", "ring proposed", "hollow, blue dashed: proposed by an action"],
    ["contact", "line contact", "grey line: a relationship (width: how often)"],
    ["single", "line single", "red line: the only thread to a key person"],
    ["stale", "line stale", "dashed line: gone stale"],
    ["departed_link", "line departed", "grey dash-dot line: held by someone who left"],
    ["influence", "line influence", "orange dotted arrow: influence"],
    ["reports", "line reports", "grey arrow: reports to"],
    ["proposed", "line proposed", "green dashed: a relationship an action asks for"],
    ["path", "line path", "gold arrow: path to power"],
    ["function", "box", "grey box: a function's other people — click to show them"],
    ["size", "size", "size: influence"]
  ];
  var used = data.account.marks || [];
  var items = catalogue.filter(function (m) { return used.indexOf(m[0]) >= 0; })
    .map(function (m) { return [m[1], m[2]]; });
  var list = el("ul");
  items.forEach(function (it) {
    var li = el("li"); li.appendChild(el("span", "", it[0])); li.appendChild(el("span", it[1]));
    list.appendChild(li);
  });
  legend.appendChild(list);

  window.kamgraph = {
    network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
    settled: settled, settleMs: null, state: state, refresh: refresh
  };
})();
