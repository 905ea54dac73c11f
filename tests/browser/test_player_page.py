"""The player's ES module in Chromium, driven by a stand-in model (no Jupyter): stepping, keys, inspector, speed."""
from __future__ import annotations

import statistics

import autograd_lab as torch
from autograd_lab.widgets import BackwardPlayer, play_backward, play_forward
from autograd_lab import viz

from support.examples import involved_example

from .harness import open_standalone


def involved():
    tensors = involved_example()
    return play_backward(tensors["y"], names=tensors)


def state(page, index=0):
    return page.evaluate(f"""() => {{
      const root = window.aglPlayers()[{index}];
      const grad = (id) => {{
        const g = root.querySelector(`g.node[id="${{id}}"]`);
        if (!g) return null;
        const t = [...g.querySelectorAll('text')].find((t) => t.textContent.startsWith('grad: '));
        return t ? t.textContent : null;
      }};
      return {{frame: Number(root.dataset.frame), active: root.dataset.active,
              caption: root.querySelector('.agl-caption').textContent,
              activeNodes: [...root.querySelectorAll('g.agl-active')].map((g) => g.id),
              hot: [...root.querySelectorAll('g.edge.agl-hot')].map((g) => g.id),
              freed: [...root.querySelectorAll('g.agl-freed')].map((g) => g.id),
              hidden: root.querySelectorAll('g.node.agl-hidden').length,
              x: grad('fn12_var'), z: grad('fn11_var'),
              error: root.querySelector('.agl-error').hidden ? null : root.querySelector('.agl-error').textContent}};
    }}""")


def test_steps_with_buttons_and_keys(browser):
    page = open_standalone(browser, [involved()])
    start = state(page)
    assert start["frame"] == 0 and "before backward()" in start["caption"]
    assert start["x"] == "grad: None"
    page.click("[data-action=forward]")
    page.click("[data-action=forward]")
    now = state(page)
    assert now["activeNodes"] == ["fn0"] and now["caption"].startswith("AddBackward0 gets upstream grad = tensor(1.)")
    assert sorted(now["hot"]) == ["fn1__fn0_0", "fn2__fn0_1"]
    page.focus(".agl-player")
    page.keyboard.press("End")
    end = state(page)
    assert end["caption"].startswith("Call 1 of 1 finished")
    assert end["x"] == "grad: 1020.5499" and end["z"] == "grad: 136.0426"
    assert len(end["freed"]) == 5
    page.keyboard.press("ArrowLeft")
    assert state(page)["activeNodes"] == ["fn12"]
    page.keyboard.press("Home")
    assert state(page)["frame"] == 0 and state(page)["freed"] == [] and state(page)["x"] == "grad: None"
    page.fill(".agl-slider", "5")
    assert state(page)["frame"] == 5
    assert page.evaluate("window.aglModels[0].saves + window.aglModels[0].sets") == 0
    assert page.agl_errors == []


def test_play_pause_and_space(browser):
    player = involved()
    player.speed = 4.0
    page = open_standalone(browser, [player])
    page.click("[data-action=play]")
    page.wait_for_function("Number(window.aglPlayers()[0].dataset.frame) >= 3")
    page.click("[data-action=play]")
    stopped = state(page)["frame"]
    page.wait_for_timeout(600)
    assert state(page)["frame"] == stopped
    page.focus(".agl-player")
    page.keyboard.press(" ")
    page.wait_for_function(f"Number(window.aglPlayers()[0].dataset.frame) > {stopped}")
    page.keyboard.press(" ")
    assert page.get_attribute("[data-action=play]", "aria-label") == "play"


def test_inspector_and_focus(browser):
    page = open_standalone(browser, [involved()])
    page.focus(".agl-player")
    page.keyboard.press("End")
    page.focus('g.node[id="fn12_var"]')
    text = page.inner_text(".agl-inspector")
    for field in ("grad_fn", "is_leaf", "requires_grad", "shape", "dtype", "data", "grad"):
        assert field in text
    assert "tensor(5.)" in text and "None → tensor(1020.5499)" in text
    outline = page.locator('g.node[id="fn12_var"] polygon').evaluate("p => getComputedStyle(p).strokeWidth")
    assert outline == "3px"
    page.click('g.node[id="fn0"]')
    assert "AddBackward0" in page.inner_text(".agl-inspector")


def test_several_calls_error_and_reduced_motion(browser):
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    y = x ** 2
    w = torch.FloatTensor([1.0, 1.0])
    player = play_backward(y, w)
    player.backward(w)
    page = open_standalone(browser, [player], reduced_motion=True)
    page.focus(".agl-player")
    page.keyboard.press("End")
    end = state(page)
    assert "Trying to backward through the graph a second time" in end["error"]
    assert page.inner_text(".agl-call") == "call 2 of 2"
    assert end["freed"] == ["fn0"]
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    animation = page.locator("g.agl-active").evaluate("g => getComputedStyle(g).animationName")
    assert animation == "none"


def test_forward_mode_grows_the_graph(browser):
    a = torch.tensor(2., requires_grad=True)
    b = a * 3
    c = torch.exp(b) + a
    page = open_standalone(browser, [play_forward(c, names={"a": a, "b": b, "c": c})])
    total = page.locator("g.node").count()
    assert state(page)["hidden"] == total
    page.focus(".agl-player")
    page.keyboard.press("ArrowRight")
    assert "MulBackward0" in state(page)["caption"]
    assert 0 < state(page)["hidden"] < total
    page.keyboard.press("End")
    assert state(page)["hidden"] == 0
    assert page.locator("g.edge.agl-hidden").count() == 0


def chain(steps: int) -> torch.Tensor:
    torch.manual_seed(0)
    h = torch.randn(3, requires_grad=True)
    for _ in range(steps):
        h = torch.tanh(h * torch.randn(3, requires_grad=True)) + h
    return h.sum()


def measure_steps(page, steps: int = 200) -> list[float]:
    """Milliseconds per step: the step handler plus the style and layout it causes."""
    return page.evaluate(f"""() => {{
      const root = window.aglPlayers()[0];
      const next = root.querySelector('[data-action=forward]');
      const first = root.querySelector('[data-action=first]');
      first.click();
      const times = [];
      for (let i = 0; i < {steps}; i++) {{
        const t0 = performance.now();
        next.click();
        root.getBoundingClientRect();
        document.body.offsetHeight;
        times.push(performance.now() - t0);
      }}
      return times;
    }}""")


def test_step_cost_on_a_500_node_graph(browser):
    y = chain(100)
    assert 480 <= len(viz.build_graph(y)) <= 520
    player = BackwardPlayer(y, large_at=10_000, fold=False)
    assert player.graph["blocks"] == [] and player.svg.count('class="node') >= 480
    page = open_standalone(browser, [player])
    times = measure_steps(page)
    handler = page.evaluate("Number(window.aglPlayers()[0].dataset.stepMs)")
    median, worst = statistics.median(times), sorted(times)[int(0.95 * len(times))]
    print(f"\n500-node step: median {median:.2f} ms, p95 {worst:.2f} ms, last handler {handler:.2f} ms")
    assert median < 16 and worst < 16
    assert page.evaluate("window.aglModels[0].saves + window.aglModels[0].sets") == 0


def test_a_folded_loop_plays_as_one_step_that_opens(browser):
    from support.examples import tanh_loop

    names, h = tanh_loop(150)
    player = play_backward(h, names=names)
    assert player.svg.count('class="node') < 20 and "× 149" in player.svg
    page = open_standalone(browser, [player])
    root = page.locator(".agl-player")
    steps = 0
    while not page.locator("[data-action=forward]").is_disabled():
        page.click("[data-action=forward]")
        steps += 1
    assert steps < 20, "the 447 steps inside the loop play as one"
    captions = []
    page.click("[data-action=first]")
    for _ in range(6):
        page.click("[data-action=forward]")
        captions.append(state(page)["caption"])
    assert any(c.startswith("Backward through the folded loop") for c in captions)
    folded_at = next(i for i, c in enumerate(captions) if c.startswith("Backward through the folded loop"))
    assert root.get_attribute("data-active") in {g for g in page.locator("g.node").evaluate_all("gs => gs.map(g => g.id)")}
    page.click("[data-action=open]")
    opened = [state(page)["frame"]]
    for _ in range(5):
        page.click("[data-action=back]")
        opened.append(state(page)["frame"])
    assert opened == list(range(opened[0], opened[0] - 6, -1)), "opened, every step of the loop is its own"
    assert "iterations" not in state(page)["caption"]
    assert page.locator("g.node.agl-active").count() == 1
    assert folded_at >= 1 and page.agl_errors == []
