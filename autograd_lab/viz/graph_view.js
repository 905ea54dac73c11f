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

function aglTooltips(root, svg) {
  const tip = aglElement("div", "agl-tip");
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  root.append(tip);
  const show = (g, x, y) => {
    if (!g.dataset.tip) return;
    tip.textContent = g.dataset.tip;
    tip.hidden = false;
    const width = tip.offsetWidth;
    tip.style.left = `${Math.max(4, Math.min(x + 12, window.innerWidth - width - 8))}px`;
    tip.style.top = `${Math.min(y + 16, window.innerHeight - tip.offsetHeight - 8)}px`;
  };
  svg.addEventListener("pointerover", (event) => {
    const g = event.target.closest && event.target.closest("g.node, g.edge");
    if (g) show(g, event.clientX, event.clientY);
  });
  svg.addEventListener("pointermove", (event) => {
    if (tip.hidden) return;
    const g = event.target.closest && event.target.closest("g.node, g.edge");
    if (g) show(g, event.clientX, event.clientY);
  });
  svg.addEventListener("pointerout", (event) => {
    const to = event.relatedTarget;
    if (!to || !to.closest || !to.closest("g.node, g.edge")) tip.hidden = true;
  });
  svg.addEventListener("focusin", (event) => {
    const g = event.target.closest && event.target.closest("g.node");
    if (g) {
      const box = g.getBoundingClientRect();
      show(g, box.left, box.bottom);
    }
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

// Pans and zooms the SVG's viewBox so the boxes asked for are in view; smooth unless motion is reduced.
// A picture that fits its box at natural size (1 pt = 1.33 px) is shown whole and never moves.
class AglCamera {
  constructor(svg, viewport) {
    this.svg = svg;
    this.viewport = viewport;
    const box = svg.viewBox.baseVal;
    this.full = { x: box.x, y: box.y, width: box.width, height: box.height };
    this.natural = (svg.width.baseVal.value || box.width) / box.width;
    this.zoom = this.natural;
    this.view = { ...this.full };
    this.frame = null;
  }
  maxHeight() {
    return Math.max(260, Math.min(window.innerHeight * 0.7, 760));
  }
  box() {
    const width = Math.min(this.viewport.clientWidth || Infinity, this.full.width * this.natural);
    return { width, height: Math.min(this.full.height * this.natural, this.maxHeight()) };
  }
  fits() {
    const { width, height } = this.box();
    return width >= this.full.width * this.natural - 0.5 && height >= this.full.height * this.natural - 0.5;
  }
  minZoom() {
    const { width, height } = this.box();
    return Math.min(width / this.full.width, height / this.full.height);
  }
  layout() {
    const { width, height } = this.box();
    this.svg.setAttribute("width", `${width}px`);
    this.svg.setAttribute("height", `${height}px`);
    if (this.fits()) { this.zoom = this.natural; this.apply({ ...this.full }); return; }
    this.zoom = Math.max(this.minZoom(), Math.min(this.zoom, 2 * this.natural));
    this.apply(this.around(this.view.x + this.view.width / 2, this.view.y + this.view.height / 2));
  }
  around(cx, cy) {
    const { width, height } = this.box();
    const w = width / this.zoom, h = height / this.zoom, f = this.full;
    const x = w >= f.width ? f.x + (f.width - w) / 2 : Math.max(f.x, Math.min(cx - w / 2, f.x + f.width - w));
    const y = h >= f.height ? f.y + (f.height - h) / 2 : Math.max(f.y, Math.min(cy - h / 2, f.y + f.height - h));
    return { x, y, width: w, height: h };
  }
  apply(view) {
    this.view = view;
    this.svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.width} ${view.height}`);
  }
  // Boxes are in the SVG's own units.
  show(boxes, smooth) {
    if (!boxes.length || this.fits()) return;
    const left = Math.min(...boxes.map((b) => b.x)), top = Math.min(...boxes.map((b) => b.y));
    const right = Math.max(...boxes.map((b) => b.x + b.width)), bottom = Math.max(...boxes.map((b) => b.y + b.height));
    const v = this.view, pad = 8;
    if (left >= v.x + pad / this.zoom && right <= v.x + v.width - pad / this.zoom &&
        top >= v.y + pad / this.zoom && bottom <= v.y + v.height - pad / this.zoom) return;
    const { width, height } = this.box();
    const margin = 40 / this.natural;
    const wanted = Math.min(this.natural, width / (right - left + 2 * margin), height / (bottom - top + 2 * margin));
    this.zoom = Math.max(this.minZoom(), wanted);
    this.move(this.around((left + right) / 2, (top + bottom) / 2), smooth);
  }
  move(target, smooth) {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = null;
    if (!smooth) { this.apply(target); return; }
    const from = { ...this.view };
    const started = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - started) / 280);
      const e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
      this.apply({ x: from.x + (target.x - from.x) * e, y: from.y + (target.y - from.y) * e,
                   width: from.width + (target.width - from.width) * e,
                   height: from.height + (target.height - from.height) * e });
      this.frame = t < 1 ? requestAnimationFrame(step) : null;
    };
    this.frame = requestAnimationFrame(step);
    this.view = target;
  }
  pan(dx, dy) {
    if (this.fits()) return;
    const v = this.view;
    this.apply(this.around(v.x + v.width / 2 - dx / this.zoom, v.y + v.height / 2 - dy / this.zoom));
  }
  zoomBy(factor) {
    if (this.fits()) return;
    const v = this.view;
    this.zoom = Math.max(this.minZoom(), Math.min(2 * this.natural, this.zoom * factor));
    this.apply(this.around(v.x + v.width / 2, v.y + v.height / 2));
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
