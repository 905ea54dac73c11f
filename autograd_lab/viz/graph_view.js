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

function aglFocusable(nodes, onPick) {
  for (const [id, g] of nodes) {
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${(g.dataset.tip || id).split("  ")[0]}: inspect`);
    g.addEventListener("click", () => onPick(id));
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); onPick(id); }
    });
  }
}

// Pans and zooms the SVG's viewBox so the boxes asked for are in view; smooth unless motion is reduced.
class AglCamera {
  constructor(svg, viewport) {
    this.svg = svg;
    this.viewport = viewport;
    const box = svg.viewBox.baseVal;
    this.full = { x: box.x, y: box.y, width: box.width, height: box.height };
    this.scale = svg.width.baseVal.value / box.width || 1;
    this.view = { ...this.full };
    this.frame = null;
  }
  size() {
    const width = Math.min(this.viewport.clientWidth || this.full.width * this.scale, this.full.width * this.scale);
    return { width, height: Math.min(this.full.height * this.scale, this.maxHeight()) };
  }
  maxHeight() {
    return Math.max(240, Math.min(window.innerHeight * 0.7, 720));
  }
  fits() {
    const { width, height } = this.size();
    return width >= this.full.width * this.scale - 1 && height >= this.full.height * this.scale - 1;
  }
  layout() {
    const { width, height } = this.size();
    this.svg.setAttribute("width", `${width}px`);
    this.svg.setAttribute("height", `${height}px`);
    this.view.width = width / this.scale * (this.view.width / this.viewWidthAtScale());
    this.apply(this.fits() ? this.full : this.clamp({ ...this.view, width: width / this.zoomScale(), height: height / this.zoomScale() }));
  }
  zoomScale() {
    return this.zoom || this.scale;
  }
  viewWidthAtScale() {
    return this.view.width || 1;
  }
  clamp(view) {
    const f = this.full;
    const x = Math.max(f.x, Math.min(view.x, f.x + f.width - view.width));
    const y = Math.max(f.y, Math.min(view.y, f.y + f.height - view.height));
    return { x: view.width >= f.width ? f.x + (f.width - view.width) / 2 : x,
             y: view.height >= f.height ? f.y + (f.height - view.height) / 2 : y, width: view.width, height: view.height };
  }
  apply(view) {
    this.view = view;
    this.svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.width} ${view.height}`);
  }
  // Boxes are in SVG user units (getBBox of elements that are not transformed further than the graph).
  show(boxes, smooth) {
    if (!boxes.length || this.fits()) return;
    const left = Math.min(...boxes.map((b) => b.x)), top = Math.min(...boxes.map((b) => b.y));
    const right = Math.max(...boxes.map((b) => b.x + b.width)), bottom = Math.max(...boxes.map((b) => b.y + b.height));
    const { width, height } = this.size();
    const pad = 24 / this.scale;
    let zoom = this.scale;
    const needW = right - left + 2 * pad, needH = bottom - top + 2 * pad;
    zoom = Math.min(zoom, width / needW, height / needH);
    zoom = Math.max(zoom, Math.min(width / this.full.width, height / this.full.height));
    const viewW = width / zoom, viewH = height / zoom;
    const v = this.view;
    const inside = left >= v.x && right <= v.x + v.width && top >= v.y && bottom <= v.y + v.height &&
      Math.abs(viewW - v.width) < 1;
    if (inside) return;
    this.zoom = zoom;
    const target = this.clamp({ x: (left + right) / 2 - viewW / 2, y: (top + bottom) / 2 - viewH / 2, width: viewW, height: viewH });
    this.move(target, smooth);
  }
  move(target, smooth) {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (!smooth) { this.apply(target); return; }
    const from = { ...this.view };
    const started = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - started) / 300);
      const e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
      this.apply({ x: from.x + (target.x - from.x) * e, y: from.y + (target.y - from.y) * e,
                   width: from.width + (target.width - from.width) * e, height: from.height + (target.height - from.height) * e });
      this.frame = t < 1 ? requestAnimationFrame(step) : null;
    };
    this.frame = requestAnimationFrame(step);
  }
  pan(dx, dy) {
    const z = this.zoomScale();
    this.apply(this.clamp({ ...this.view, x: this.view.x - dx / z, y: this.view.y - dy / z }));
  }
  zoomBy(factor) {
    const { width, height } = this.size();
    const min = Math.min(width / this.full.width, height / this.full.height);
    const z = Math.max(min, Math.min(this.scale * 2, this.zoomScale() * factor));
    const cx = this.view.x + this.view.width / 2, cy = this.view.y + this.view.height / 2;
    this.zoom = z;
    this.apply(this.clamp({ x: cx - width / z / 2, y: cy - height / z / 2, width: width / z, height: height / z }));
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
