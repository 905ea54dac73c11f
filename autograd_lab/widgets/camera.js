// The player's camera (the static drawings need none); uses aglBox from viz/graph_view.js.
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
    const width = Math.min(this.viewport.clientWidth || this.width || Infinity, this.full.width * this.natural);
    return { width, height: Math.min(this.full.height * this.natural, this.maxHeight()) };
  }
  fits(box = this.box()) {
    return box.width >= this.full.width * this.natural - 0.5 && box.height >= this.full.height * this.natural - 0.5;
  }
  minZoom() {
    const { width, height } = this.box();
    return Math.min(width / this.full.width, height / this.full.height);
  }
  // ``width``: the viewport's width as a resize observer saw it (a skipped, off-screen output reports 0).
  layout(width) {
    if (width) this.width = width;
    if (!this.viewport.clientWidth && !this.width) return;
    const box = this.box();
    this.svg.setAttribute("width", `${box.width}px`);
    this.svg.setAttribute("height", `${box.height}px`);
    if (this.fits(box)) { this.zoom = this.natural; this.apply({ ...this.full }); return; }
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
    this.setViewBox(view);
  }
  setViewBox(view) {
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
    if (!smooth) { this.apply(target); delete this.viewport.dataset.moving; return; }
    const from = { ...this.view };
    const started = performance.now();
    this.viewport.dataset.moving = "true";
    const step = (now) => {
      const t = Math.min(1, (now - started) / 280);
      const e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
      this.setViewBox({ x: from.x + (target.x - from.x) * e, y: from.y + (target.y - from.y) * e,
                        width: from.width + (target.width - from.width) * e,
                        height: from.height + (target.height - from.height) * e });
      this.frame = t < 1 ? requestAnimationFrame(step) : null;
      if (!this.frame) delete this.viewport.dataset.moving;
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

