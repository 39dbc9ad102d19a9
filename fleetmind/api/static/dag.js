// The task graph as SVG: layers left to right by longest path, subtasks coloured by status.

const W = 172, H = 56, GAP_X = 56, GAP_Y = 16, PAD = 8;
const SVG = "http://www.w3.org/2000/svg";
const STATUS_COLOUR = {
  pending: "#9aa3b2", ready: "#1c9bd6", running: "#e39b12", succeeded: "#1f9d55",
  failed: "#d93b3b", cancelled: "#9b4dca", skipped: "#c3c8d1",
};

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text, n) {
  return text.length > n ? text.slice(0, n - 1) + "…" : text;
}

// Layer = longest path from a source; order within a layer by the mean position of parents.
export function layout(nodes, edges) {
  const ids = nodes.map((n) => n.id);
  const parents = new Map(ids.map((id) => [id, []]));
  const children = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (parents.has(e.dst) && children.has(e.src)) {
      parents.get(e.dst).push(e.src);
      children.get(e.src).push(e.dst);
    }
  }
  const layer = new Map();
  const indegree = new Map(ids.map((id) => [id, parents.get(id).length]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  queue.forEach((id) => layer.set(id, 0));
  while (queue.length) {
    const id = queue.shift();
    for (const c of children.get(id)) {
      layer.set(c, Math.max(layer.get(c) ?? 0, layer.get(id) + 1));
      indegree.set(c, indegree.get(c) - 1);
      if (indegree.get(c) === 0) queue.push(c);
    }
  }
  const columns = [];
  for (const id of ids) (columns[layer.get(id) ?? 0] ||= []).push(id);
  const row = new Map();
  columns.forEach((col) => {
    col.sort((a, b) => mean(parents.get(a)) - mean(parents.get(b)));
    col.forEach((id, i) => row.set(id, i));
  });
  function mean(list) {
    return list.length ? list.reduce((s, p) => s + (row.get(p) ?? 0), 0) / list.length : 0;
  }
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const pos = new Map(ids.map((id) => {
    const col = layer.get(id) ?? 0;
    const offset = (tallest - columns[col].length) / 2; // shorter columns sit centred
    return [id, { x: PAD + col * (W + GAP_X), y: PAD + (row.get(id) + offset) * (H + GAP_Y) }];
  }));
  const width = PAD * 2 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
  const height = PAD * 2 + tallest * (H + GAP_Y) - GAP_Y;
  return { pos, width, height };
}

// Draw `graph` ({nodes, edges}) into `container`; clicking a subtask calls onSelect(id).
export function drawDag(container, graph, selected, onSelect) {
  const { pos, width, height } = layout(graph.nodes, graph.edges);
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "task graph" });
  const defs = el("defs");
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#aab1bd" }));
  defs.append(marker);
  svg.append(defs);
  for (const e of graph.edges) {
    const a = pos.get(e.src), b = pos.get(e.dst);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mid = (x1 + x2) / 2;
    svg.append(el("path", {
      class: `edge ${e.kind || "on_success"}`, "marker-end": "url(#arrow)",
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
    }));
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id);
    const colour = STATUS_COLOUR[n.status] || STATUS_COLOUR.pending;
    const g = el("g", {
      class: `node ${n.status}${n.id === selected ? " selected" : ""}`,
      transform: `translate(${p.x},${p.y})`, tabindex: 0, "data-subtask": n.id, "data-status": n.status,
    });
    g.append(el("title", {}, `${n.id}: ${n.goal}\n${n.status}${n.device_id ? " on " + n.device_id : ""}`));
    g.append(el("rect", { width: W, height: H, rx: 8, stroke: colour, fill: colour, "fill-opacity": 0.08 }));
    g.append(el("circle", { cx: W - 12, cy: 12, r: 4, fill: colour }));
    g.append(el("text", { x: 10, y: 17, class: "sid" }, clip(n.id, 22)));
    g.append(el("text", { x: 10, y: 33 }, clip(n.goal, 25)));
    const where = n.device_id ? ` · ${n.device_id}` : "";
    g.append(el("text", { x: 10, y: 48, class: "sub" }, clip(`${n.status}${where}`, 28)));
    g.addEventListener("click", () => onSelect(n.id));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter") onSelect(n.id); });
    svg.append(g);
  }
  container.replaceChildren(svg);
}
