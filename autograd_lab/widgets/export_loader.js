// Mounts the players of an exported notebook from the widget state saved in the page, without a widget manager:
// each view's anywidget module (its saved _esm) is imported from a blob URL and rendered with a small model.
// A widget that cannot be shown says so in place of the output.
function aglModel(state) {
  const listeners = {};
  return {
    get: (key) => state[key],
    set: (key, value) => { state[key] = value; (listeners[`change:${key}`] || []).forEach((f) => f()); },
    save_changes: () => {},
    send: () => {},
    on: (name, f) => { (listeners[name] ||= []).push(f); },
    off: (name, f) => { listeners[name] = (listeners[name] || []).filter((g) => g !== f); },
  };
}

function aglMessage(box, text) {
  box.replaceChildren();
  const note = document.createElement("p");
  note.className = "agl-export-message";
  note.style.cssText = "border-left:4px solid #d55e00;padding:6px 10px;margin:4px 0;background:rgba(213,94,0,.08)";
  note.textContent = text;
  box.append(note);
}

async function aglMount() {
  const stateElement = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  let saved = {};
  try {
    saved = stateElement ? JSON.parse(stateElement.textContent).state || {} : {};
  } catch (_) { saved = {}; }
  const modules = new Map();
  for (const view of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
    const box = document.createElement("div");
    box.className = "agl-export-widget";
    view.after(box);
    let modelId = "";
    try { modelId = JSON.parse(view.textContent).model_id; } catch (_) { /* shown below */ }
    const entry = saved[modelId];
    if (!entry) {
      aglMessage(box, "This widget was not saved with the notebook. Run the notebook in Jupyter to see it.");
      continue;
    }
    const state = { ...entry.state };
    if (typeof state._esm !== "string") {
      aglMessage(box, `This ${entry.model_name || "widget"} needs a running Jupyter kernel; open the notebook in Jupyter.`);
      continue;
    }
    try {
      if (!modules.has(state._esm)) {
        const url = URL.createObjectURL(new Blob([state._esm], { type: "text/javascript" }));
        modules.set(state._esm, import(url));
      }
      const loaded = (await modules.get(state._esm)).default;
      const widget = typeof loaded === "function" ? await loaded() : loaded;
      box.textContent = "";
      await widget.render({ model: aglModel(state), el: box });
      box.dataset.mounted = "true";
    } catch (error) {
      aglMessage(box, `This player could not start in this page: ${error}`);
    }
  }
}

aglMount();
