// The autograd-lab player: steps recorded frames by restyling a Graphviz SVG laid out once.
// Stepping never talks to the kernel; the kernel may set `frame` to jump.

const SPEEDS = [0.5, 1, 2, 4];
const CHECKPOINT_EVERY = 32;
const SVG_NS = "http://www.w3.org/2000/svg";

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
  state.error = frame.error;
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

function cut(text, limit) {
  return text.length <= limit ? text : text.slice(0, limit - 1) + "…";
}

function gradLabel(pair) {
  const [before, after] = pair;
  return before === null ? cut(oneLine(after), 40) : cut(`${oneLine(before)} → ${oneLine(after)}`, 80);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, title, onClick) {
  const b = el("button", "agl-button", label);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", title);
  b.addEventListener("click", onClick);
  return b;
}

function indexSvg(svg, graph) {
  const nodes = new Map();
  const edges = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    if (!graph.nodes[g.id]) continue;
    const slot = [...g.querySelectorAll("text")].find((t) => t.textContent.startsWith("grad: "));
    const saved = [...g.querySelectorAll("text")].filter((t) => t.textContent.startsWith("saved"));
    nodes.set(g.id, { g, slot, saved });
  }
  for (const g of svg.querySelectorAll("g.edge")) {
    if (!graph.edges[g.id]) continue;
    const slot = [...g.querySelectorAll("text")].find((t) => t.textContent.startsWith("grad "));
    if (slot) {
      slot.textContent = "";
      g.classList.add("agl-traced");
    }
    edges.set(g.id, { g, slot, ends: graph.edges[g.id] });
    if (graph.edges[g.id][2] === "constant") markCut(g);
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
    const title = document.createElementNS(SVG_NS, "title");
    title.textContent = "cut: no gradient flows here (constant, no_grad or detach)";
    mark.appendChild(title);
    g.appendChild(mark);
  } catch (_) { /* the path is not rendered yet */ }
}

function toggle(items, id, className, on) {
  const item = items.get(id);
  if (item) item.g.classList.toggle(className, on);
}

function diffSets(before, after, apply) {
  for (const id of before) if (!after.has(id)) apply(id, false);
  for (const id of after) if (!before.has(id)) apply(id, true);
}

function legend(mode) {
  const box = el("div", "agl-legend");
  box.setAttribute("aria-label", "legend");
  const rows = [
    ["agl-key-active", mode === "forward" ? "op just recorded" : "node running backward now"],
    ["agl-key-done", mode === "forward" ? "recorded earlier" : "already ran"],
    ["agl-key-leaf", "leaf tensor (.grad filled)"],
    ["agl-key-fn", "backward function / AccumulateGrad (dashed)"],
  ];
  if (mode !== "forward") {
    rows.push(["agl-key-hot", "gradient travelling now"], ["agl-key-value", "gradient that travelled"],
              ["agl-key-freed", "saved tensors freed"]);
  }
  rows.push(["agl-key-cut", "✂ cut: no grad (constant, no_grad, detach)"]);
  for (const [key, text] of rows) {
    const item = el("span", "agl-legend-item");
    item.append(el("span", `agl-swatch ${key}`), el("span", "", text));
    box.append(item);
  }
  return box;
}

function inspectorRows(info, gradPair) {
  const rows = [];
  if (info.kind === "function" || info.kind === "accumulate") {
    rows.push(["grad_fn", info.grad_fn]);
    if (info.saved && info.saved.length) rows.push(["saved", info.saved.join(", ")]);
    if (info.produces && info.produces.length) rows.push(["makes", info.produces.join(", ")]);
    return rows;
  }
  rows.push(["kind", info.kind], ["grad_fn", info.grad_fn ?? "None"], ["is_leaf", String(info.is_leaf)],
            ["requires_grad", String(info.requires_grad)],
            ["shape", `(${info.shape.join(", ")}${info.shape.length === 1 ? "," : ""})`],
            ["dtype", info.dtype], ["data", info.data ?? "(not kept)"]);
  let grad = info.grad ?? `None${info.grad_note ? ` (${info.grad_note})` : ""}`;
  if (gradPair) grad = gradPair[0] === null ? gradPair[1] : `${gradPair[0]} → ${gradPair[1]}`;
  rows.push(["grad", grad]);
  if (info.note) rows.push(["note", info.note]);
  return rows;
}

function render({ model, el: host }) {
  const root = el("div", "agl-player");
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  host.append(root);
  let timer = null;
  let view = null;

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    if (view) {
      view.play.textContent = "▶ play";
      view.play.setAttribute("aria-label", "play");
      view.play.title = "play (space)";
      root.classList.remove("agl-playing");
    }
  }

  function build() {
    stop();
    root.replaceChildren();
    const frames = model.get("frames");
    const graph = model.get("graph");
    const mode = model.get("mode");
    root.setAttribute("aria-label", model.get("title") || "autograd player");
    root.classList.toggle("agl-forward", mode === "forward");

    const header = el("div", "agl-header");
    const title = el("span", "agl-title", model.get("title"));
    const counter = el("span", "agl-counter");
    const callBadge = el("span", "agl-call");
    header.append(title, callBadge, counter);

    const figure = el("div", "agl-figure");
    figure.innerHTML = model.get("svg");
    const svg = figure.querySelector("svg");
    if (svg) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `graph of ${model.get("title")}`);
    }
    const index = svg ? indexSvg(svg, graph) : { nodes: new Map(), edges: new Map() };

    const caption = el("div", "agl-caption");
    caption.setAttribute("role", "status");
    caption.setAttribute("aria-live", "polite");
    const error = el("div", "agl-error");
    error.setAttribute("role", "alert");
    error.hidden = true;

    const first = button("|◀ first", "first step (Home)", () => go(0));
    const back = button("◀ back", "step back (left arrow)", () => go(current - 1));
    const play = button("▶ play", "play (space)", () => togglePlay());
    const forward = button("next ▶", "step forward (right arrow)", () => go(current + 1));
    const last = button("last ▶|", "last step (End)", () => go(frames.length - 1));
    first.dataset.action = "first"; back.dataset.action = "back"; play.dataset.action = "play";
    forward.dataset.action = "forward"; last.dataset.action = "last";
    const slider = el("input", "agl-slider");
    slider.type = "range";
    slider.min = "0";
    slider.max = String(Math.max(frames.length - 1, 0));
    slider.setAttribute("aria-label", "step");
    slider.addEventListener("input", () => go(Number(slider.value)));
    const speed = el("select", "agl-speed");
    speed.setAttribute("aria-label", "speed");
    for (const s of SPEEDS) {
      const option = el("option", "", `${s}×`);
      option.value = String(s);
      speed.append(option);
    }
    speed.value = String(SPEEDS.includes(model.get("speed")) ? model.get("speed") : 1);
    speed.addEventListener("change", () => { if (timer !== null) { stop(); togglePlay(); } });
    const controls = el("div", "agl-controls");
    const fit = button("fit", "fit the graph to the width", () => {
      figure.classList.toggle("agl-fit");
      fit.setAttribute("aria-pressed", String(figure.classList.contains("agl-fit")));
    });
    fit.setAttribute("aria-pressed", "false");
    controls.append(first, back, play, forward, last, slider, speed, fit);

    const inspector = el("aside", "agl-inspector");
    inspector.setAttribute("aria-label", "node inspector");
    inspector.append(el("p", "agl-hint", "Click or focus a node to inspect it."));

    root.append(header, controls, caption, error, figure, inspector, legend(mode));

    const timeline = new Timeline(frames);
    let current = -1;
    let shownState = emptyState();
    let selected = null;
    view = { play, timeline };

    if (mode === "forward") {
      for (const [id, item] of index.nodes) item.g.classList.add("agl-hidden");
      for (const [id, item] of index.edges) item.g.classList.add("agl-hidden");
    }

    for (const [id, item] of index.nodes) {
      item.g.setAttribute("tabindex", "0");
      item.g.setAttribute("role", "button");
      item.g.setAttribute("aria-label", `${graph.nodes[id].title}: inspect`);
      item.g.addEventListener("click", () => inspect(id));
      item.g.addEventListener("focus", () => inspect(id));
    }

    function inspect(id) {
      selected = id;
      for (const [nid, item] of index.nodes) item.g.classList.toggle("agl-selected", nid === id);
      const info = graph.nodes[id];
      inspector.replaceChildren(el("h4", "agl-inspector-title", info.title));
      const list = el("dl", "agl-inspector-list");
      for (const [key, value] of inspectorRows(info, shownState.grads.get(id))) {
        list.append(el("dt", "", key), el("dd", "", value));
      }
      inspector.append(list);
    }

    function paint(state) {
      const before = shownState;
      if (before.active !== state.active) {
        toggle(index.nodes, before.active, "agl-active", false);
        toggle(index.nodes, state.active, "agl-active", true);
      }
      diffSets(before.done, state.done, (id, on) => toggle(index.nodes, id, "agl-done", on));
      diffSets(before.freed, state.freed, (id, on) => {
        toggle(index.nodes, id, "agl-freed", on);
        const item = index.nodes.get(id);
        if (item) for (const t of item.saved) t.classList.toggle("agl-struck", on);
      });
      diffSets(before.hot, state.hot, (id, on) => toggle(index.edges, id, "agl-hot", on));
      if (mode === "forward") {
        diffSets(before.shown, state.shown, (id, on) => toggle(index.nodes, id, "agl-hidden", !on));
        for (const [id, item] of index.edges) {
          const visible = state.shown.has(item.ends[0]) && state.shown.has(item.ends[1]);
          item.g.classList.toggle("agl-hidden", !visible);
        }
      }
      for (const [id, value] of before.edges) if (!state.edges.has(id)) setEdge(id, null);
      for (const [id, value] of state.edges) if (before.edges.get(id) !== value) setEdge(id, value);
      for (const [id, pair] of state.grads) {
        if (before.grads.get(id) === pair) continue;
        const item = index.nodes.get(id);
        if (item && item.slot) item.slot.textContent = `grad: ${gradLabel(pair)}`;
        if (item && item.slot) item.slot.classList.toggle("agl-grad-changed", pair[0] !== null);
      }
      shownState = state;
    }

    function setEdge(id, value) {
      const item = index.edges.get(id);
      if (!item) return;
      item.g.classList.toggle("agl-value", value !== null);
      if (item.slot) item.slot.textContent = value === null ? "" : `grad ${cut(oneLine(value), 40)}`;
      const title = item.g.querySelector("title");
      if (title && value !== null) item.g.setAttribute("aria-label", `gradient ${oneLine(value)}`);
    }

    function reveal(id) {
      const item = index.nodes.get(id);
      if (!item) return;
      const box = item.g.getBoundingClientRect();
      const view = figure.getBoundingClientRect();
      if (box.left < view.left || box.right > view.right || box.top < view.top || box.bottom > view.bottom) {
        const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        item.g.scrollIntoView({ block: "nearest", inline: "nearest", behavior: smooth ? "smooth" : "auto" });
      }
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
      const calls = model.get("calls");
      counter.textContent = `step ${k + 1} / ${frames.length}`;
      callBadge.textContent = mode === "forward" ? `op ${frame.call}` :
        (frame.call ? `call ${frame.call} of ${calls}` : "before backward()");
      caption.textContent = frame.caption;
      error.hidden = !frame.error;
      error.textContent = frame.error ? `Error from backward(): ${frame.error}` : "";
      root.classList.toggle("agl-has-error", Boolean(frame.error));
      back.disabled = first.disabled = k === 0;
      forward.disabled = last.disabled = k === frames.length - 1;
      root.dataset.frame = String(k);
      root.dataset.active = frame.active ?? "";
      if (selected) inspect(selected);
      if (user && frame.active && !figure.classList.contains("agl-fit")) reveal(frame.active);
      const elapsed = performance.now() - started;
      root.dataset.stepMs = elapsed.toFixed(3);
      if (k === frames.length - 1) stop();
    }

    function togglePlay() {
      if (timer !== null) { stop(); return; }
      if (current >= frames.length - 1) go(0);
      const delay = 1000 / Number(speed.value);
      timer = setInterval(() => go(current + 1), delay);
      play.textContent = "❚❚ pause";
      play.setAttribute("aria-label", "pause");
      play.title = "pause (space)";
      root.classList.add("agl-playing");
    }

    root.onkeydown = (event) => {
      const tag = event.target.tagName;
      if (tag === "INPUT" || tag === "SELECT") return;
      if (tag === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
      const actions = { ArrowRight: () => go(current + 1), ArrowLeft: () => go(current - 1),
                        Home: () => go(0), End: () => go(frames.length - 1), " ": () => togglePlay() };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      if (event.key !== " ") stop();
      action();
    };
    view.go = go;
    go(Math.min(model.get("frame"), frames.length - 1), false);
  }

  const onFrame = () => view && view.go(model.get("frame"));
  model.on("change:frames", build);
  model.on("change:svg", build);
  model.on("change:frame", onFrame);
  build();
  return () => {
    stop();
    model.off("change:frames", build);
    model.off("change:svg", build);
    model.off("change:frame", onFrame);
  };
}

export default { render };
