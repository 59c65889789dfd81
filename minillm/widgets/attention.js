// The static attention viewer: reads the JSON inlined next to it and draws, for the chosen layer and
// head, a heat map (rows: the token that attends, columns: the tokens it attends to) and a
// token-to-token view whose line opacity is the weight. Hovering a token shows only its lines.
function minillmAttention(root) {
  const data = JSON.parse(root.querySelector(".mlv-data").textContent);
  const T = data.tokens.length, L = data.weights.length, H = data.weights[0].length;
  const make = (tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const controls = make("div", "mlv-controls");
  const layerSel = make("select", "mlv-layer"), headSel = make("select", "mlv-head");
  for (let l = 0; l < L; l++) layerSel.append(new Option("第 " + l + " 层", l));
  headSel.append(new Option("全部头（平均）", "all"));
  for (let h = 0; h < H; h++) headSel.append(new Option("第 " + h + " 个头", h));
  controls.append("层 ", layerSel, "头 ", headSel);
  const views = make("div", "mlv-views");
  const heat = make("table", "mlv-heat");
  const links = make("div", "mlv-links");
  const left = make("div", "mlv-col"), right = make("div", "mlv-col");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  links.append(left, right, svg);
  views.append(heat, links);
  root.append(controls, views);
  let focus = null;

  function matrix() {
    const layer = data.weights[+layerSel.value];
    if (headSel.value !== "all") return layer[+headSel.value];
    return layer[0].map((row, q) => row.map((_, k) => layer.reduce((s, m) => s + m[q][k], 0) / H));
  }

  function drawHeat(m) {
    heat.textContent = "";
    const top = heat.insertRow();
    top.append(make("th"));
    data.tokens.forEach(t => top.append(make("th", "", t)));
    m.forEach((row, q) => {
      const tr = heat.insertRow();
      tr.append(make("th", "", data.tokens[q]));
      row.forEach((w, k) => {
        const td = tr.insertCell();
        td.style.background = "rgba(33,102,172," + w.toFixed(3) + ")";
        td.dataset.q = q; td.dataset.k = k; td.dataset.w = w.toFixed(4);
        td.title = data.tokens[q] + " → " + data.tokens[k] + ": " + w.toFixed(3);
      });
    });
  }

  function drawLinks(m) {
    svg.textContent = "";
    const box = links.getBoundingClientRect();
    svg.setAttribute("width", box.width); svg.setAttribute("height", box.height);
    const ls = left.children, rs = right.children;
    for (let q = 0; q < T; q++) {
      if (focus !== null && focus !== q) continue;
      const a = ls[q].getBoundingClientRect();
      for (let k = 0; k < T; k++) {
        if (m[q][k] < 0.01) continue;
        const b = rs[k].getBoundingClientRect();
        const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
        line.setAttribute("x1", a.right - box.left); line.setAttribute("y1", (a.top + a.bottom) / 2 - box.top);
        line.setAttribute("x2", b.left - box.left); line.setAttribute("y2", (b.top + b.bottom) / 2 - box.top);
        line.setAttribute("stroke", "#2166ac");
        line.setAttribute("stroke-opacity", Math.min(1, m[q][k]).toFixed(3));
        line.setAttribute("stroke-width", focus === null ? 1 : 2);
        svg.append(line);
      }
    }
  }

  function draw() {
    const m = matrix();
    drawHeat(m);
    drawLinks(m);
  }

  data.tokens.forEach((t, i) => {
    const a = make("span", "mlv-tok", t), b = make("span", "mlv-tok", t);
    a.addEventListener("mouseenter", () => { focus = i; a.classList.add("mlv-active"); drawLinks(matrix()); });
    a.addEventListener("mouseleave", () => { focus = null; a.classList.remove("mlv-active"); drawLinks(matrix()); });
    left.append(a); right.append(b);
  });
  layerSel.addEventListener("change", draw);
  headSel.addEventListener("change", draw);
  draw();
}
