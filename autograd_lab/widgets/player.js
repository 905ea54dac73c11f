// The autograd-lab player: steps recorded frames by restyling a Graphviz SVG laid out once.
// Stepping never talks to the kernel; the kernel may set `frame` to jump. The helpers (agl*) come from
// viz/graph_view.js, which the widget puts before this text.

const SPEEDS = [0.5, 1, 2, 4];
const CHECKPOINT_EVERY = 32;
const SVG_NS = "http://www.w3.org/2000/svg";
const LABEL_LIMIT = 22;

function emptyState() {
  return { active: null, hot: new Set(), edges: new Map(), grads: new Map(), freed: new Set(),
           done: new Set(), shown: new Set(), error: null };
}

function copyState(s) {
  return { active: s.active, hot: new Set(s.hot), edges: new Map(s.edges), grads: new Map(s.grads),
           freed: new Set(s.freed), done: new Set(s.done), shown: new Set(s.shown), error: s.error };
}

function applyFrame(state, frame) {
  if (frame.reset) {
    state.edges.clear();
    state.done.clear();
  }
  if (state.active) state.done.add(state.active);
  state.active = frame.active;
  state.hot = new Set(frame.hot);
  for (const [id, value] of Object.entries(frame.edges)) state.edges.set(id, value);
  for (const [id, pair] of Object.entries(frame.grads)) state.grads.set(id, pair);
  for (const id of frame.freed) state.freed.add(id);
  for (const id of frame.show || []) state.shown.add(id);
  state.error = frame.error ? frame.active : null;
  return state;
}

class Timeline {
  constructor(frames) {
    this.frames = frames;
    this.checkpoints = [];
    let state = emptyState();
    frames.forEach((frame, index) => {
      state = applyFrame(state, frame);
      if (index % CHECKPOINT_EVERY === 0) this.checkpoints.push(copyState(state));
    });
  }
  stateAt(index, current, currentIndex) {
    if (current && index >= currentIndex && index - currentIndex < CHECKPOINT_EVERY) {
      const state = copyState(current);
      for (let i = currentIndex + 1; i <= index; i++) applyFrame(state, this.frames[i]);
      return state;
    }
    const base = Math.floor(index / CHECKPOINT_EVERY);
    const state = copyState(this.checkpoints[base]);
    for (let i = base * CHECKPOINT_EVERY + 1; i <= index; i++) applyFrame(state, this.frames[i]);
    return state;
  }
}

function oneLine(text) {
  return String(text ?? "").split(/\s+/).filter(Boolean).join(" ");
}

// The same cut as short_value(..., summaries=True) in viz/dot.py: one line, no "tensor(...)", 22 characters.
function short(text) {
  let line = oneLine(text);
  if (line.startsWith("tensor(") && line.endsWith(")")) line = line.slice(7, -1);
  return line.length <= LABEL_LIMIT ? line : line.slice(0, LABEL_LIMIT - 1) + "…";
}

function button(label, title, onClick, action) {
  const b = aglElement("button", "agl-button", label);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", title);
  b.dataset.action = action;
  b.addEventListener("click", onClick);
  return b;
}

function indexPlayerSvg(svg, graph) {
  const { nodes: groups, edges: edgeGroups } = aglIndexSvg(svg);
  const nodes = new Map();
  const edges = new Map();
  for (const [id, g] of groups) {
    if (!graph.nodes[id]) continue;
    const slot = [...g.querySelectorAll("text")].find((t) => t.textContent.startsWith("grad: "));
    nodes.set(id, { g, slot, badge: null });
  }
  for (const [id, g] of edgeGroups) {
    if (!graph.edges[id]) continue;
    const slot = [...g.querySelectorAll("text")].find((t) => t.textContent.startsWith("grad "));
    if (slot) slot.textContent = "";
    edges.set(id, { g, slot, ends: graph.edges[id] });
    if (graph.edges[id][2] === "constant") markCut(g);
  }
  return { nodes, edges };
}

function markCut(g) {
  g.classList.add("agl-cut");
  const path = g.querySelector("path");
  if (!path || !path.getTotalLength) return;
  try {
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const mark = document.createElementNS(SVG_NS, "text");
    mark.setAttribute("x", p.x);
    mark.setAttribute("y", p.y + 4);
    mark.setAttribute("class", "agl-scissors");
    mark.setAttribute("text-anchor", "middle");
    mark.textContent = "✂";
    g.appendChild(mark);
    g.dataset.tip = `${g.dataset.tip}\ncut: no gradient flows here (constant, no_grad or detach)`;
  } catch (_) { /* the path is not rendered yet */ }
}

// A small word in the node's top-right corner ("freed", "failed here"): a cue that does not rely on colour.
function setBadge(item, className, text) {
  if (item.badge && item.badge.dataset.kind === className && text) return;
  if (item.badge) { item.badge.remove(); item.badge = null; }
  if (!text) return;
  const shape = item.g.querySelector("polygon, path");
  const box = aglBox(shape || item.g);
  if (!box) return;
  const badge = document.createElementNS(SVG_NS, "text");
  badge.setAttribute("x", box.x + box.width - 2);
  badge.setAttribute("y", box.y - 3);
  badge.setAttribute("text-anchor", "end");
  badge.setAttribute("class", `agl-badge ${className}`);
  badge.dataset.kind = className;
  badge.textContent = text;
  item.g.appendChild(badge);
  item.badge = badge;
}

function toggle(items, id, className, on) {
  const item = items.get(id);
  if (item) item.g.classList.toggle(className, on);
}

function diffSets(before, after, apply) {
  for (const id of before) if (!after.has(id)) apply(id, false);
  for (const id of after) if (!before.has(id)) apply(id, true);
}

const NODE_KEYS = {
  leaf: ["agl-key-leaf", "leaf tensor (its .grad gets filled)"],
  function: ["agl-key-fn", "backward function (grad_fn)"],
  accumulate: ["agl-key-acc", "AccumulateGrad (adds into .grad)"],
  output: ["agl-key-output", "output"],
  intermediate: ["agl-key-intermediate", "named non-leaf tensor"],
  constant: ["agl-key-constant", "constant: no grad"],
  saved: ["agl-key-saved", "tensor saved for backward"],
};

// Only what this player draws and what its frames do.
function legend(mode, graph, frames) {
  const box = aglElement("div", "agl-legend");
  box.setAttribute("aria-label", "legend");
  const kinds = new Set(Object.values(graph.nodes).map((n) => n.kind));
  const rows = [["agl-key-active", mode === "forward" ? "op just recorded" : "node running backward now"],
                ["agl-key-done", mode === "forward" ? "recorded earlier" : "already ran"]];
  for (const [kind, row] of Object.entries(NODE_KEYS)) if (kinds.has(kind)) rows.push(row);
  if (frames.some((f) => f.hot.length)) rows.push(["agl-key-hot", "gradient travelling now"], ["agl-key-value", "gradient that travelled"]);
  if (frames.some((f) => f.freed.length)) rows.push(["agl-key-freed", "freed: saved tensors released"]);
  if (frames.some((f) => f.error && f.active)) rows.push(["agl-key-failed", "backward failed here"]);
  if (Object.values(graph.edges).some((e) => e[2] === "constant")) rows.push(["agl-key-cut", "✂ no grad flows (constant, no_grad, detach)"]);
  for (const [key, text] of rows) {
    const item = aglElement("span", "agl-legend-item");
    item.append(aglElement("span", `agl-swatch ${key}`), aglElement("span", "", text));
    box.append(item);
  }
  return box;
}

function inspectorRows(info, gradPair) {
  if (!gradPair) return info.rows;
  const grad = gradPair[0] === null ? gradPair[1] : `${gradPair[0]} → ${gradPair[1]}`;
  return info.rows.map(([key, value]) => (key === "grad" ? [key, grad] : [key, value]));
}

function render({ model, el: host }) {
  host.setAttribute("data-lm-suppress-shortcuts", "true");
  let timer = null;
  let view = null;
  let cleanup = [];

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (view) {
      view.play.textContent = "▶ play";
      view.play.setAttribute("aria-label", "play");
      view.play.title = "play (space)";
      view.root.classList.remove("agl-playing");
    }
  }

  function build() {
    stop();
    for (const undo of cleanup) undo();
    cleanup = [];
    const shadow = aglShadow(host, model.get("css") || "");
    const root = aglElement("div", "agl-theme agl-player");
    root.tabIndex = 0;
    root.setAttribute("role", "group");
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    shadow.append(root);
    const frames = model.get("frames");
    const graph = model.get("graph");
    const mode = model.get("mode");
    root.setAttribute("aria-label", model.get("title") || "autograd player");
    root.classList.toggle("agl-forward", mode === "forward");

    const header = aglElement("div", "agl-header");
    const callBadge = aglElement("span", "agl-call");
    const counter = aglElement("span", "agl-counter");
    header.append(aglElement("span", "agl-title", model.get("title")), callBadge, counter);

    const figure = aglElement("div", "agl-figure");
    const svg = aglParseSvg(model.get("svg"));
    if (svg) {
      figure.append(svg);
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `graph of ${model.get("title")}`);
    } else {
      figure.append(aglElement("p", "agl-hint", "The graph could not be drawn here."));
    }
    const index = svg ? indexPlayerSvg(svg, graph) : { nodes: new Map(), edges: new Map() };
    const graphRoot = svg ? svg.querySelector("g.graph") : null;
    const graphMatrix = graphRoot ? graphRoot.transform.baseVal.consolidate() : null;

    const caption = aglElement("div", "agl-caption");
    caption.setAttribute("role", "status");
    caption.setAttribute("aria-live", "polite");
    const error = aglElement("div", "agl-error");
    error.setAttribute("role", "alert");
    error.hidden = true;

    const first = button("|◀", "first step (Home)", () => go(0), "first");
    const back = button("◀ back", "step back (left arrow)", () => go(stepFrom(current, -1)), "back");
    const play = button("▶ play", "play (space)", () => togglePlay(), "play");
    const forward = button("next ▶", "step forward (right arrow)", () => go(stepFrom(current, 1)), "forward");
    const last = button("▶|", "last step (End)", () => go(frames.length - 1), "last");
    const slider = aglElement("input", "agl-slider");
    slider.type = "range";
    slider.min = "0";
    slider.max = String(Math.max(frames.length - 1, 0));
    slider.setAttribute("aria-label", "step");
    slider.addEventListener("input", () => go(Number(slider.value)));
    const speed = aglElement("select", "agl-speed");
    speed.setAttribute("aria-label", "speed");
    for (const s of SPEEDS) {
      const option = aglElement("option", "", `${s}×`);
      option.value = String(s);
      speed.append(option);
    }
    speed.value = String(SPEEDS.includes(model.get("speed")) ? model.get("speed") : 1);
    speed.addEventListener("change", () => { if (timer !== null) { stop(); togglePlay(); } });
    const controls = aglElement("div", "agl-controls");
    controls.append(first, back, play, forward, last, slider, speed);

    const inspector = aglElement("aside", "agl-inspector");
    inspector.setAttribute("aria-label", "node inspector");
    inspector.append(aglElement("p", "agl-hint", "Click a node (or Tab to it) to inspect it; hover for details."));
    const below = aglElement("div", "agl-below");
    below.append(inspector, legend(mode, graph, frames));

    root.append(header, controls, caption, error, figure, below);
    if (svg) aglTooltips(root, svg);

    const camera = svg ? new AglCamera(svg, figure) : null;
    if (camera) {
      const zoom = aglElement("div", "agl-zoom");
      zoom.append(button("−", "zoom out", () => camera.zoomBy(1 / 1.25), "zoom-out"),
                  button("+", "zoom in", () => camera.zoomBy(1.25), "zoom-in"),
                  button("fit", "whole graph", () => { camera.zoomBy(0.0001); }, "fit"));
      figure.append(zoom);
      camera.layout();
      requestAnimationFrame(() => camera.layout());  // the front end may attach the output only after render()
      const resize = new ResizeObserver((entries) => {
        camera.layout(entries[entries.length - 1].contentRect.width);
        if (current >= 0) follow(false);
      });
      resize.observe(figure);
      cleanup.push(() => resize.disconnect());
      let drag = null;
      svg.addEventListener("pointerdown", (event) => {
        if (event.target.closest("g.node")) return;
        drag = { x: event.clientX, y: event.clientY };
        svg.setPointerCapture(event.pointerId);
      });
      svg.addEventListener("pointermove", (event) => {
        if (!drag) return;
        camera.pan(event.clientX - drag.x, event.clientY - drag.y);
        drag = { x: event.clientX, y: event.clientY };
      });
      svg.addEventListener("pointerup", () => { drag = null; });
    }

    const timeline = new Timeline(frames);
    let current = -1;
    let shownState = emptyState();
    let shownDrawn = emptyState();
    let selected = null;
    view = { play, timeline, root };

    if (mode === "forward") {
      for (const item of index.nodes.values()) item.g.classList.add("agl-hidden");
      for (const item of index.edges.values()) item.g.classList.add("agl-hidden");
    }
    aglFocusable(new Map([...index.nodes].map(([id, item]) => [id, item.g])), (id) => graph.nodes[id].title,
                 (id) => inspect(id));

    function inspect(id) {
      selected = id;
      for (const [nid, item] of index.nodes) item.g.classList.toggle("agl-selected", nid === id);
      const info = graph.nodes[id];
      if (info) aglInspect(inspector, info.title, inspectorRows(info, shownDrawn.grads.get(id)));
    }

    // A folded loop draws many nodes and edges of the full graph as one: the frames name the full graph's.
    const alias = graph.alias || {};
    const drawn = (id) => (id === null || id === undefined ? id : alias[id] ?? id);
    const drawnSet = (ids) => new Set([...ids].map(drawn));
    const drawnMap = (map) => new Map([...map].map(([id, value]) => [drawn(id), value]));

    function paint(full) {
      const state = { ...full, active: drawn(full.active), error: drawn(full.error), done: drawnSet(full.done),
                      freed: drawnSet(full.freed), hot: drawnSet(full.hot), shown: drawnSet(full.shown),
                      edges: drawnMap(full.edges), grads: drawnMap(full.grads) };
      const before = shownDrawn;
      if (before.active !== state.active) {
        toggle(index.nodes, before.active, "agl-active", false);
        toggle(index.nodes, state.active, "agl-active", true);
      }
      if (before.error !== state.error) {
        const was = index.nodes.get(before.error);
        if (was) { was.g.classList.remove("agl-failed"); setBadge(was, "", null); }
        const now = index.nodes.get(state.error);
        if (now) { now.g.classList.add("agl-failed"); setBadge(now, "agl-badge-failed", "✕ failed here"); }
      }
      diffSets(before.done, state.done, (id, on) => toggle(index.nodes, id, "agl-done", on));
      diffSets(before.freed, state.freed, (id, on) => {
        const item = index.nodes.get(id);
        if (!item) return;
        item.g.classList.toggle("agl-freed", on);
        if (state.error !== id) setBadge(item, "agl-badge-freed", on ? "freed" : null);
      });
      diffSets(before.hot, state.hot, (id, on) => toggle(index.edges, id, "agl-hot", on));
      if (mode === "forward") {
        diffSets(before.shown, state.shown, (id, on) => toggle(index.nodes, id, "agl-hidden", !on));
        for (const item of index.edges.values()) {
          item.g.classList.toggle("agl-hidden", !(state.shown.has(item.ends[0]) && state.shown.has(item.ends[1])));
        }
      }
      for (const id of before.edges.keys()) if (!state.edges.has(id)) setEdge(id, null);
      for (const [id, value] of state.edges) if (before.edges.get(id) !== value) setEdge(id, value);
      for (const [id, pair] of state.grads) {
        if (before.grads.get(id) === pair) continue;
        const item = index.nodes.get(id);
        if (item && item.slot) {
          item.slot.textContent = `grad: ${short(pair[1])}`;
          item.slot.classList.toggle("agl-grad-changed", pair[0] !== null);
        }
      }
      shownState = full;
      shownDrawn = state;
    }

    function setEdge(id, value) {
      const item = index.edges.get(id);
      if (!item) return;
      item.g.classList.toggle("agl-value", value !== null);
      if (item.slot) item.slot.textContent = value === null ? "" : `grad ${short(value)}`;
      if (value !== null) item.g.setAttribute("aria-label", `gradient ${oneLine(value)}`);
    }

    // A node's box never changes (the layout is done once): measure its shape once, so a step forces no layout.
    function boxOf(item) {
      if (item.box && item.box.width) return item.box;
      const b = aglBox(item.g.querySelector("polygon, path") || item.g);
      if (!b || !graphMatrix) return b;
      const m = graphMatrix.matrix;
      item.box = { x: m.a * b.x + m.e, y: m.d * b.y + m.f, width: m.a * b.width, height: m.d * b.height };
      return item.box;
    }

    // Keep the running node and both ends of every edge the gradient travels now in view.
    function follow(smooth) {
      if (!camera) return;
      const ids = new Set();
      if (shownDrawn.active) ids.add(shownDrawn.active);
      for (const id of shownDrawn.hot) {
        const item = index.edges.get(id);
        if (item) { ids.add(item.ends[0]); ids.add(item.ends[1]); }
      }
      const boxes = [...ids].map((id) => index.nodes.get(id)).filter(Boolean).map(boxOf).filter(Boolean);
      // A front end may skip rendering outputs far off screen (JupyterLab's windowed notebooks): no boxes yet.
      pendingFollow = boxes.some((b) => b.width === 0 && b.height === 0);
      if (!pendingFollow) camera.show(boxes, smooth);
    }
    let pendingFollow = false;
    if (camera && window.IntersectionObserver) {
      const seen = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        camera.layout(entries[entries.length - 1].boundingClientRect.width - 2);
        follow(false);
      });
      seen.observe(figure);
      cleanup.push(() => seen.disconnect());
    }

    // Steps inside a folded loop play as one (the run's last frame) until the loop is opened.
    let opened = false;
    const runEnd = [], runStart = [];
    frames.forEach((frame, i) => { runStart[i] = frame.block && i > 0 && frames[i - 1].block === frame.block ? runStart[i - 1] : i; });
    for (let i = frames.length - 1; i >= 0; i--) {
      runEnd[i] = frames[i].block && i + 1 < frames.length && frames[i + 1].block === frames[i].block ? runEnd[i + 1] : i;
    }
    function stepFrom(from, direction) {
      let k = from + direction;
      if (opened || k < 0 || k >= frames.length || !frames[k].block) return k;
      return direction > 0 ? runEnd[k] : (runStart[k] === runStart[from] && frames[from].block ? runStart[k] - 1 : runEnd[k]);
    }
    if ((graph.blocks || []).length) {
      const open = button("open loop", "step through each iteration of the folded loop", () => {
        opened = !opened;
        open.textContent = opened ? "fold loop" : "open loop";
        open.setAttribute("aria-pressed", String(opened));
        const k = current; current = -1; go(opened ? k : runEnd[k], false);
      }, "open");
      open.setAttribute("aria-pressed", "false");
      controls.insertBefore(open, speed);
    }

    function go(target, user = true) {
      if (!frames.length) return;
      const k = Math.max(0, Math.min(frames.length - 1, target));
      if (k === current) return;
      const started = performance.now();
      const state = timeline.stateAt(k, shownState, current);
      paint(state);
      const frame = frames[k];
      current = k;
      slider.value = String(k);
      counter.textContent = `step ${k + 1} / ${frames.length}`;
      callBadge.textContent = mode === "forward" ? `op ${frame.call}` :
        (frame.call ? `call ${frame.call} of ${model.get("calls")}` : "before backward()");
      caption.textContent = !opened && frame.summary ? frame.summary : frame.caption;
      error.hidden = !frame.error;
      error.textContent = frame.error ? `Error from backward(): ${frame.error}` : "";
      root.classList.toggle("agl-has-error", Boolean(frame.error));
      back.disabled = first.disabled = k === 0;
      forward.disabled = last.disabled = k === frames.length - 1;
      const focused = shadow.activeElement;
      if (focused && focused.disabled) root.focus({ preventScroll: true });
      root.dataset.frame = String(k);
      root.dataset.active = drawn(frame.active) ?? "";
      if (selected) inspect(selected);
      follow(user && !window.matchMedia("(prefers-reduced-motion: reduce)").matches);
      root.dataset.stepMs = (performance.now() - started).toFixed(3);
      if (k === frames.length - 1) stop();
    }

    function togglePlay() {
      if (timer !== null) { stop(); return; }
      if (current >= frames.length - 1) go(0);
      timer = setInterval(() => go(stepFrom(current, 1)), 1000 / Number(speed.value));
      play.textContent = "❚❚ pause";
      play.setAttribute("aria-label", "pause");
      play.title = "pause (space)";
      root.classList.add("agl-playing");
    }

    root.addEventListener("keydown", (event) => {
      const tag = event.target.tagName;
      if (tag === "INPUT" || tag === "SELECT") return;
      if (tag === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
      const actions = { ArrowRight: () => go(stepFrom(current, 1)), ArrowLeft: () => go(stepFrom(current, -1)),
                        Home: () => go(0), End: () => go(frames.length - 1), " ": () => togglePlay() };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      if (event.key !== " ") stop();
      action();
    });
    view.go = go;
    go(Math.min(model.get("frame"), frames.length - 1), false);
  }

  const onFrame = () => view && view.go(model.get("frame"));
  model.on("change:frames", build);
  model.on("change:svg", build);
  model.on("change:frame", onFrame);
  try {
    build();
  } catch (err) {
    host.textContent = `The backward player could not start here: ${err}`;
  }
  return () => {
    stop();
    for (const undo of cleanup) undo();
    model.off("change:frames", build);
    model.off("change:svg", build);
    model.off("change:frame", onFrame);
  };
}

export default { render };
