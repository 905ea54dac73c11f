// Mounts one viz.draw picture: runs inside the HTML output right after the <img> fallback it replaces.
// Expects the shared helpers (graph_view.js) before it and AGL_CSS, AGL_TABLE, AGL_SCRIPT set by the caller.
const host = AGL_SCRIPT.parentElement;
const img = host.querySelector("img");
const source = img ? img.getAttribute("src") : "";
const svg = aglParseSvg(decodeURIComponent(source.slice(source.indexOf(",") + 1)));
if (svg) {
  const root = aglShadow(host, AGL_CSS);
  const wrap = aglElement("div", "agl-theme agl-drawing");
  const figure = aglElement("div", "agl-figure");
  const inspector = aglElement("div", "agl-inspector");
  inspector.append(aglElement("p", "agl-hint", "Hover a node for its details; click it to inspect."));
  figure.append(svg);
  wrap.append(figure, inspector);
  root.append(wrap);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", img.getAttribute("alt") || "computational graph");
  const index = aglIndexSvg(svg);
  aglTooltips(wrap, svg);
  for (const [id, g] of index.edges) if (/grad /.test(g.textContent)) g.classList.add("agl-gradient");
  aglFocusable(index.nodes, (id) => (AGL_TABLE[id] || { title: id }).title, (id) => {
    const info = AGL_TABLE[id];
    if (!info) return;
    for (const [nid, g] of index.nodes) g.classList.toggle("agl-selected", nid === id);
    aglInspect(inspector, info.title, info.rows);
  });
}
