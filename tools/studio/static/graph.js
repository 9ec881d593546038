// The branch graph as a canvas (SVG): segments as boxes laid out by distance from the
// start, transitions as arrows coloured by trigger kind (the registry's colours). Click a
// box to edit its segment, an arrow to edit its transition; "Connect" then a box adds a
// transition; boxes can be dragged (positions are kept while Studio is open).
import { h, status } from "./util.js";
import { S, segs, changed, addTransition } from "./editor.js";

const NW = 150, NH = 48, GX = 250, GY = 100;
const bez = (p0, p1, p2, p3, t) => (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t * t * p2 + t ** 3 * p3;

function layout() {
  // columns by the longest path from the start (back edges of loops left out), so a
  // segment sits right of everything that leads to it; unreachable ones in a last column
  const ids = Object.keys(segs());
  const start = S.model.start in segs() ? S.model.start : ids[0];
  const next = (id) => (segs()[id].transitions || []).map((t) => t.to).filter((t) => t in segs() && t !== id);
  const order = [], state = {};
  const visit = (id) => {
    state[id] = 1;
    for (const t of next(id)) if (!state[t]) visit(t);
    state[id] = 2;
    order.push(id);
  };
  if (start) visit(start);
  const depth = {};
  order.reverse();
  const rank = Object.fromEntries(order.map((id, i) => [id, i]));
  if (start) depth[start] = 0;
  for (const id of order) {
    for (const t of next(id)) {
      if (rank[t] > rank[id]) depth[t] = Math.max(depth[t] ?? 0, (depth[id] ?? 0) + 1);
    }
  }
  const maxD = Math.max(0, ...Object.values(depth));
  const rows = {};
  for (const id of ids) {
    const d = id in depth ? depth[id] : maxD + 1;
    rows[d] = (rows[d] || 0) + 1;
    if (!S.pos[id]) S.pos[id] = { x: 30 + d * GX, y: 40 + (rows[d] - 1) * GY };
  }
}

function colour(kind) {
  const f = S.info.triggers.find((t) => t.kind === kind);
  return f ? `rgb(${f.colour.join(",")})` : "#888";
}

function label(tr) {
  switch (tr.on) {
    case "key": return `[${tr.key}] ${tr.label || ""}`;
    case "time": return `at ${tr.at} s`;
    case "no-shot": return `no shot by ${tr.by} s`;
    case "hit": return `hit ${tr.zone || tr.role || ""}${tr.weapon ? ` (${tr.weapon})` : ""}`;
    case "shot": return `shot${tr.weapon ? ` (${tr.weapon})` : ""}`;
    case "action": return `action: ${tr.action}`;
    case "said": return `said '${(tr.phrases || [])[0] || ""}'`;
    default: return tr.on;
  }
}

export function renderGraph(S_, transitionForm, segmentProps) {
  layout();
  const ids = Object.keys(segs());
  const W = Math.max(800, ...ids.map((id) => S.pos[id].x + NW + 40));
  const Hh = Math.max(300, ...ids.map((id) => S.pos[id].y + NH + 40));
  const svg = h("svg", { id: "graph", viewBox: `0 0 ${W} ${Hh}`, width: "100%" },
    h("defs", {}, h("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 11, markerHeight: 11, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
      h("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "context-stroke" }))));
  // edges
  for (const id of ids) {
    const from = S.pos[id];
    (segs()[id].transitions || []).forEach((tr, i) => {
      const to = S.pos[tr.to];
      if (!to) return;
      const sel = S.edge && S.edge[0] === id && S.edge[1] === i;
      let d, lx, ly;
      if (tr.to === id) {
        const x = from.x + NW / 2, y = from.y;
        d = `M ${x - 20} ${y} C ${x - 40} ${y - 60}, ${x + 40} ${y - 60}, ${x + 20} ${y}`;
        lx = x; ly = y - 48 - i * 4;
      } else {
        const x1 = from.x + NW, y1 = from.y + NH / 2 + (i - 1) * 6, x2 = to.x, y2 = to.y + NH / 2;
        const back = x2 <= x1;
        const bend = back ? 80 + i * 12 : Math.max(40, (x2 - x1) / 2);
        const c = back ? [x1 + bend, y1 + 90, x2 - bend, y2 + 90] : [x1 + bend, y1, x2 - bend, y2];
        d = `M ${x1} ${y1} C ${c[0]} ${c[1]}, ${c[2]} ${c[3]}, ${x2} ${y2}`;
        // the label sits along the arrow towards its target, so arrows leaving one box
        // do not stack their labels at one point
        const at = 0.42 + 0.16 * (i % 3);
        lx = bez(x1, c[0], c[2], x2, at); ly = bez(y1, c[1], c[3], y2, at) - 5;
      }
      const pick = () => { S.edge = [id, i]; S.selNode = null; renderGraphInto(transitionForm, segmentProps); };
      svg.append(h("g", { class: `edge ${sel ? "selected" : ""}`, "data-from": id, "data-index": i, "data-to": tr.to, onclick: pick },
        h("path", { d, stroke: colour(tr.on), "stroke-width": sel ? 4 : 2, fill: "none", "marker-end": "url(#arrow)" }),
        h("path", { d, stroke: "transparent", "stroke-width": 14, fill: "none" }),
        h("text", { x: lx, y: ly, "text-anchor": "middle", class: "edge-label", fill: colour(tr.on) }, label(tr))));
    });
  }
  // nodes
  for (const id of ids) {
    const p = S.pos[id];
    const s = segs()[id];
    const cls = ["node", id === S.model.start ? "start" : "", s.ending ? "ending" : "", S.selNode === id ? "selected" : ""].join(" ");
    const g = h("g", { class: cls, "data-seg": id, transform: `translate(${p.x},${p.y})` },
      h("rect", { width: NW, height: NH, rx: 8 }),
      s.ending ? h("rect", { x: 4, y: 4, width: NW - 8, height: NH - 8, rx: 6, class: "inner" }) : null,
      h("text", { x: NW / 2, y: 20, "text-anchor": "middle", class: "node-id" }, (id === S.model.start ? "▶ " : "") + id),
      h("text", { x: NW / 2, y: 37, "text-anchor": "middle", class: "node-sub" },
        `${(s.zones || []).length} zones · ${(s.cues || []).length} cues${s.loop ? " · loop" : ""}`));
    g.addEventListener("mousedown", (e) => dragNode(e, svg, id, g, transitionForm, segmentProps));
    svg.append(g);
  }
  const side = h("div", { class: "graph-side panel", id: "graph-side" });
  fillSide(side, transitionForm, segmentProps);
  return h("div", { class: "graph-wrap" },
    h("div", { class: "graph-canvas" },
      h("p", { class: "muted" }, S.connectFrom ? `Connecting from ${S.connectFrom}: click the segment it leads to (Esc: cancel)` :
        "Click a segment or an arrow to edit it; drag segments to arrange them."),
      svg),
    side);
}

function renderGraphInto(transitionForm, segmentProps) {
  const body = document.getElementById("tab");
  body.replaceChildren(renderGraph(S, transitionForm, segmentProps));
}

function dragNode(e, svg, id, g, transitionForm, segmentProps) {
  e.preventDefault();
  const start = { x: e.clientX, y: e.clientY };
  const p0 = { ...S.pos[id] };
  const scale = svg.viewBox.baseVal.width / svg.getBoundingClientRect().width;
  let moved = false;
  const move = (ev) => {
    const dx = (ev.clientX - start.x) * scale, dy = (ev.clientY - start.y) * scale;
    if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
    S.pos[id] = { x: Math.max(0, p0.x + dx), y: Math.max(0, p0.y + dy) };
    g.setAttribute("transform", `translate(${S.pos[id].x},${S.pos[id].y})`);
  };
  const up = () => {
    window.removeEventListener("mousemove", move);
    window.removeEventListener("mouseup", up);
    if (S.connectFrom) {
      const i = addTransition(S.connectFrom, id);
      S.edge = [S.connectFrom, i];
      S.connectFrom = null;
      status(`added a transition; set its trigger on the right`, "good");
      changed("lint");
    } else if (!moved) {
      S.selNode = id;
      S.edge = null;
    }
    renderGraphInto(transitionForm, segmentProps);
  };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
}

function fillSide(side, transitionForm, segmentProps) {
  const redraw = () => { changed("lint"); renderGraphInto(transitionForm, segmentProps); };
  if (S.edge && segs()[S.edge[0]] && (segs()[S.edge[0]].transitions || [])[S.edge[1]]) {
    const [id, i] = S.edge;
    side.append(h("h3", {}, `Transition ${i + 1} of ${id}`), transitionForm(id, i, redraw));
    return;
  }
  const id = S.selNode;
  if (id && segs()[id]) {
    side.append(segmentProps(id),
      h("button", { id: "connect", class: "primary", onclick: () => { S.connectFrom = id; renderGraphInto(transitionForm, segmentProps); } },
        "Connect to… (then click a segment)"),
      h("h4", {}, "Its transitions"),
      ...(segs()[id].transitions || []).map((_, i) => transitionForm(id, i, redraw)));
    return;
  }
  side.append(h("h3", {}, "Branch graph"),
    h("p", { class: "muted" }, "▶ marks the start; a double border an ending. Colours: blue keys, grey time and end, red hits and shots, orange no-shot, green actions, teal speech."));
}

window.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && S.connectFrom) { S.connectFrom = null; status(""); }
});
