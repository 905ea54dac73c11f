// Shared by viz.draw's HTML view (inlined as a classic script) and the players (prepended to their module):
// a shadow root the host page's CSS cannot reach, the SVG inlined in it, tooltips, the inspector, a camera.
// Only function declarations at the top level, so the text works both as a script body and in a module.

function aglElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function aglShadow(host, css) {
  const root = host.shadowRoot || host.attachShadow({ mode: "open" });
  root.replaceChildren();
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
  return root;
}

function aglParseSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (!svg || svg.nodeName !== "svg") return null;
  for (const comment of [...doc.childNodes].filter((n) => n.nodeType === 8)) comment.remove();
  return document.importNode(svg, true);
}

// Graphviz puts a node's tooltip on an <a xlink:title> and the node's name in <title>: keep the text on the
// group (data-tip) for our tooltip and put it into <title> too (the browser's own tooltip, for text readers).
function aglIndexSvg(svg) {
  const nodes = new Map();
  const edges = new Map();
  for (const g of svg.querySelectorAll("g.node, g.edge")) {
    const link = g.querySelector("a");
    const tip = link ? link.getAttributeNS("http://www.w3.org/1999/xlink", "title") || link.getAttribute("title") : "";
    if (link) {
      link.removeAttributeNS("http://www.w3.org/1999/xlink", "title");
      link.removeAttribute("title");
    }
    g.dataset.tip = tip || "";
    const title = g.querySelector("title");
    if (title && tip) title.textContent = tip;
    (g.classList.contains("node") ? nodes : edges).set(g.id, g);
  }
  return { nodes, edges };
}

// The tooltip lives in ``box`` (a positioned element of the view): fixed positioning is unreliable inside
// front ends whose cells are transformed or contained.
function aglTooltips(box, svg) {
  const tip = aglElement("div", "agl-tip");
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  box.append(tip);
  const show = (g, x, y) => {
    if (!g.dataset.tip) return;
    tip.textContent = g.dataset.tip;
    tip.hidden = false;
    const area = box.getBoundingClientRect();
    const left = Math.max(4, Math.min(x - area.left + 12, area.width - tip.offsetWidth - 4));
    tip.style.left = `${left}px`;
    tip.style.top = `${y - area.top + 16}px`;
  };
  const groupOf = (event) => event.target.closest && event.target.closest("g.node, g.edge");
  svg.addEventListener("pointerover", (event) => { const g = groupOf(event); if (g) show(g, event.clientX, event.clientY); });
  svg.addEventListener("pointermove", (event) => { const g = groupOf(event); if (g && !tip.hidden) show(g, event.clientX, event.clientY); });
  svg.addEventListener("pointerout", (event) => {
    const to = event.relatedTarget;
    if (!to || !to.closest || !to.closest("g.node, g.edge")) tip.hidden = true;
  });
  svg.addEventListener("focusin", (event) => {
    const g = event.target.closest && event.target.closest("g.node");
    if (g) { const b = g.getBoundingClientRect(); show(g, b.left, b.bottom - 8); }
  });
  svg.addEventListener("focusout", () => { tip.hidden = true; });
  return tip;
}

function aglRows(rows) {
  const list = aglElement("div", "agl-rows");
  list.setAttribute("role", "list");
  for (const [key, value] of rows) {
    const k = aglElement("div", "agl-key", key);
    const v = aglElement("div", "agl-value", value);
    k.setAttribute("role", "listitem");
    list.append(k, v);
  }
  return list;
}

function aglInspect(panel, title, rows) {
  panel.replaceChildren(aglElement("div", "agl-inspector-title", title), aglRows(rows));
}

function aglFocusable(nodes, titleOf, onPick) {
  for (const [id, g] of nodes) {
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${titleOf(id)}: inspect`);
    g.addEventListener("click", () => onPick(id));
    g.addEventListener("focus", () => onPick(id));
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); onPick(id); }
    });
  }
}

function aglBox(element) {
  try {
    const b = element.getBBox();
    return { x: b.x, y: b.y, width: b.width, height: b.height };
  } catch (_) {
    return null;
  }
}
