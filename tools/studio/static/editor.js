// The pack editor: segments on a frame-accurate scrubber with in/out and cues, hit zones
// drawn on the frame and tracked with a confidence per keyframe, transitions of every
// trigger kind (forms made from the server's trigger registry), metadata and guidebook,
// the branch graph, the preview, and live lint linked to what each finding is about.
import { api, h, status, field, select, round } from "./util.js";
import { renderGraph } from "./graph.js";
import { renderPreview, stopPreview } from "./preview.js";

export const S = {};
let lintTimer = null;

// -- model helpers --------------------------------------------------------------------------

export function segs() { return S.model.segments || (S.model.segments = {}); }
export function seg(id = S.seg) { return segs()[id]; }
export function clipInfo(s = seg()) { return (s && S.clips[s.clip]) || { fps: 30, frames: 1, duration_s: 0 }; }
const fps = () => clipInfo().fps || 30;
const tOf = (frame) => round(frame / fps(), 3);
const frameOf = (t) => Math.round(t * fps());
export function segOut(s) { return s.out ?? clipInfo(s).duration_s; }

export function polygonAt(zone, t) {
  if (zone.polygon) return zone.polygon;
  const keys = zone.keys || [];
  if (!keys.length) return [];
  if (t <= keys[0].t) return keys[0].polygon;
  if (t >= keys[keys.length - 1].t) return keys[keys.length - 1].polygon;
  for (let i = 1; i < keys.length; i++) {
    if (t <= keys[i].t) {
      const a = keys[i - 1], b = keys[i];
      const f = (t - a.t) / (b.t - a.t);
      return a.polygon.map((p, j) => [p[0] + (b.polygon[j][0] - p[0]) * f, p[1] + (b.polygon[j][1] - p[1]) * f]);
    }
  }
  return keys[keys.length - 1].polygon;
}

function clean(model) {
  // empty lists are left out of the manifest (the format's default), not written as []
  const m = structuredClone(model);
  for (const s of Object.values(m.segments || {})) {
    for (const k of ["transitions", "zones", "cues", "sounds"]) if (Array.isArray(s[k]) && !s[k].length) delete s[k];
  }
  return m;
}

let lintSeq = 0;

export function changed(what = "all") {
  S.dirty = true;
  document.getElementById("save").textContent = "Save *";
  clearTimeout(lintTimer);
  lintSeq += 1;
  document.getElementById("lint")?.setAttribute("data-pending", "");
  lintTimer = setTimeout(runLint, 400);
  if (what === "all") renderTab();
}

async function runLint() {
  const seq = lintSeq;
  let findings;
  try {
    const r = await api(`/api/packs/${S.id}/lint`, { json: { model: clean(S.model) } });
    findings = r.findings;
  } catch (e) {
    findings = [{ level: "error", where: "", message: e.message, text: e.message }];
  }
  if (seq !== lintSeq) return; // a later change is being linted: this answer is stale
  S.findings = findings;
  renderLint();
}

// -- the editor shell -----------------------------------------------------------------------

window.addEventListener("beforeunload", (e) => {
  if (S.dirty) e.preventDefault(); // the browser asks before unsaved changes are lost
});

export async function openEditor(id, info) {
  stopPreview();
  const d = await api(`/api/packs/${id}`);
  Object.assign(S, {
    id, info, model: d.model, digest: d.digest, clips: d.clips, guidebook: d.guidebook,
    guidebookDigest: d.guidebook_digest, findings: d.findings, dirty: false,
    seg: d.model.start in (d.model.segments || {}) ? d.model.start : Object.keys(d.model.segments || {})[0],
    frame: 0, zone: null, drawing: null, tab: S.id === id ? S.tab || "segments" : "segments",
    conf: {}, lost: {}, pos: S.id === id ? S.pos || {} : {}, edge: null, connectFrom: null,
  });
  const s = seg();
  if (s) S.frame = frameOf(s.in || 0);
  document.getElementById("crumbs").replaceChildren(h("a", { href: "#/" }, "Library"), " › ", d.model.title || id);
  const tabs = [["segments", "Segments & zones"], ["graph", "Branch graph"], ["meta", "Metadata"],
    ["guidebook", "Guidebook"], ["preview", "Preview"]];
  document.getElementById("main").replaceChildren(
    h("div", { id: "editor" },
      h("div", { class: "toolbar" },
        h("nav", { class: "tabs" }, tabs.map(([k, label]) => h("button", {
          class: "tab", "data-tab": k, onclick: () => { S.tab = k; renderTab(); } }, label))),
        h("span", { class: "grow" }),
        h("button", { id: "run-range", title: "sightline run on the range (a window on this machine)",
          onclick: runOnRange }, "Run on the range"),
        h("button", { id: "save", class: "primary", onclick: save }, "Save")),
      h("div", { class: "columns" },
        h("div", { id: "tab", class: "tab-body" }),
        h("aside", { id: "lint", class: "panel" }))));
  renderTab();
  renderLint();
  status("");
}

async function save() {
  try {
    const r = await api(`/api/packs/${S.id}`, { method: "PUT", json: {
      model: clean(S.model), digest: S.digest, guidebook: S.guidebook, guidebook_digest: S.guidebookDigest } });
    S.digest = r.digest;
    S.guidebookDigest = r.guidebook_digest;
    S.findings = r.findings;
    S.dirty = false;
    lintSeq += 1;
    clearTimeout(lintTimer);
    document.getElementById("save").textContent = "Saved";
    status("saved scenario.toml (the previous version is scenario.toml.bak)", "good");
    renderLint();
  } catch (e) {
    status(e.status === 409 ? `not saved: ${e.message}` : e.message, "bad");
  }
}

async function runOnRange() {
  if (S.dirty) return status("save first: the range runs the saved pack", "bad");
  try {
    const r = await api(`/api/packs/${S.id}/run`, { json: {} });
    status(`started: ${r.started}`, "good");
  } catch (e) { status(e.message, "bad"); }
}

export function renderTab() {
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === S.tab);
  const body = document.getElementById("tab");
  if (!body) return;
  if (S.tab !== "preview") stopPreview();
  const view = { segments: segmentsTab, graph: () => renderGraph(S, transitionForm, segmentProps),
    meta: metaTab, guidebook: guidebookTab, preview: () => renderPreview(S, clean) }[S.tab];
  body.replaceChildren(view());
}

// -- lint -----------------------------------------------------------------------------------

function renderLint() {
  const el = document.getElementById("lint");
  if (!el) return;
  el.removeAttribute("data-pending");
  const fs = S.findings || [];
  const errors = fs.filter((f) => f.level === "error").length;
  el.replaceChildren(
    h("h2", {}, "Lint"),
    h("p", { id: "lint-summary", class: errors ? "bad" : "good" },
      errors ? `${errors} errors, ${fs.length - errors} warnings` : `no errors, ${fs.length} warnings`),
    h("ul", { id: "findings" }, fs.map((f) => h("li", { class: `finding ${f.level}`, "data-where": f.where },
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); goto(f.where); } },
        h("b", {}, f.level), " ", f.where ? h("code", {}, f.where) : null, f.line ? ` (line ${f.line})` : "",
        h("br"), f.message)))));
}

export function goto(where) {
  const m = (where || "").match(/^segments\.([^.[\]]+)(?:\.(transitions|zones|cues)\[(\d+)\])?/);
  if (m && segs()[m[1]]) {
    S.tab = "segments";
    S.seg = m[1];
    if (m[2] === "zones") S.zone = Number(m[3]);
    const s = seg();
    if (m[2] === "cues" && s.cues && s.cues[m[3]]) S.frame = frameOf(s.cues[m[3]].t);
    renderTab();
    const target = m[2] ? document.getElementById(`${m[2]}-${m[3]}`) : document.getElementById("seg-props");
    if (target) { target.scrollIntoView({ block: "center" }); target.classList.add("flash"); }
    return;
  }
  S.tab = "meta";
  renderTab();
  const item = (where || "").match(/^rubric\.items\[(\d+)\]/);
  if (item && document.getElementById(`rubric-${item[1]}`)) {
    const el = document.getElementById(`rubric-${item[1]}`);
    el.scrollIntoView({ block: "center" });
    el.classList.add("flash");
    return;
  }
  const key = (where || "").split(".").pop();
  const el = document.querySelector(`[data-key="${key}"]`);
  if (el) { el.scrollIntoView({ block: "center" }); el.classList.add("flash"); }
}

// -- segments tab ---------------------------------------------------------------------------

window.addEventListener("keydown", (e) => {
  // ← → step one frame (shift: a second) while the segment editor is open and no field
  // has the keyboard
  if (S.tab !== "segments" || !document.getElementById("scrub")) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName)) return;
  if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
  e.preventDefault();
  const info = clipInfo();
  const step = (e.shiftKey ? Math.round(fps()) : 1) * (e.key === "ArrowLeft" ? -1 : 1);
  S.frame = Math.max(0, Math.min(info.frames - 1, S.frame + step));
  renderTab();
});

function segmentList() {
  const newId = h("input", { id: "new-seg-id", placeholder: "new segment id", size: 12 });
  const clips = Object.keys(S.clips);
  const newClip = select(clips, clips[0], () => {}, { id: "new-seg-clip" });
  return h("div", { class: "seg-list panel" },
    h("h3", {}, "Segments"),
    h("ul", {}, Object.keys(segs()).map((id) => h("li", {},
      h("button", { class: id === S.seg ? "seg active" : "seg", "data-seg": id,
        onclick: () => { S.seg = id; S.zone = null; S.drawing = null; S.frame = frameOf(seg().in || 0); renderTab(); } },
      id, S.model.start === id ? " ▶" : "", seg(id).ending ? " ■" : "")))),
    h("div", { class: "add-seg" }, newId, newClip,
      h("button", { id: "add-seg", onclick: () => {
        const id = newId.value.trim();
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || segs()[id]) return status("a new, unique id: letters, digits, - and _", "bad");
        segs()[id] = { clip: newClip.value, ending: true };
        S.seg = id; S.frame = 0;
        changed();
      } }, "Add segment")));
}

export function segmentProps(id = S.seg) {
  const s = seg(id);
  const info = clipInfo(s);
  const num = (key, attrs = {}) => h("input", { type: "number", step: "any", value: s[key] ?? "", "data-key": key, ...attrs,
    onchange: (e) => { if (e.target.value === "") delete s[key]; else s[key] = Number(e.target.value); changed(); } });
  const check = (key) => h("input", { type: "checkbox", checked: !!s[key], "data-key": key,
    onchange: (e) => { if (e.target.checked) s[key] = true; else delete s[key]; changed(); } });
  const rename = (to) => {
    to = to.trim();
    if (to === id) return;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(to) || segs()[to]) {
      status("a segment id is 1-64 letters, digits, - or _, not used by another segment", "bad");
      return renderTab();
    }
    // keep the order; every transition to it and the start follow the new name
    S.model.segments = Object.fromEntries(Object.entries(segs()).map(([k, v]) => [k === id ? to : k, v]));
    for (const other of Object.values(segs())) for (const tr of other.transitions || []) if (tr.to === id) tr.to = to;
    if (S.model.start === id) S.model.start = to;
    if (S.pos[id]) { S.pos[to] = S.pos[id]; delete S.pos[id]; }
    if (S.seg === id) S.seg = to;
    if (S.selNode === id) S.selNode = to;
    changed();
  };
  return h("div", { id: "seg-props", class: "props" },
    h("h3", {}, `Segment ${id}`),
    field("Id", h("input", { value: id, id: "seg-id", onchange: (e) => rename(e.target.value) }),
      "renaming updates every transition to it"),
    field("Clip", select(Object.keys(S.clips), s.clip, (v) => { s.clip = v; changed(); }, { id: "seg-clip" }),
      `${info.frames} frames at ${round(info.fps, 2)} fps, ${round(info.duration_s, 2)} s`),
    h("div", { class: "row" }, field("In (s)", num("in", { id: "seg-in" })), field("Out (s)", num("out", { id: "seg-out" }))),
    h("div", { class: "row" },
      h("label", {}, h("input", { type: "radio", name: "start", id: "seg-start", checked: S.model.start === id,
        onchange: () => { S.model.start = id; changed(); } }), " start segment"),
      h("label", {}, check("ending"), " ending"),
      h("label", {}, check("loop"), " loop"),
      h("button", { class: "danger", onclick: () => {
        if (!confirm(`Delete segment ${id}?`)) return;
        delete segs()[id];
        S.seg = Object.keys(segs())[0];
        changed();
      } }, "Delete segment")));
}

function stage(s, zones, t) {
  const info = clipInfo(s);
  const W = info.width || 1280, Hh = info.height || 720;
  const img = h("img", { id: "frame", src: `/api/packs/${S.id}/frame?clip=${encodeURIComponent(s.clip)}&i=${S.frame}&w=960`, alt: "frame" });
  const svg = h("svg", { id: "overlay", viewBox: `0 0 ${W} ${Hh}`, preserveAspectRatio: "none" });
  const r = W / 110;
  zones.forEach((z, i) => {
    const poly = polygonAt(z, t);
    if (!poly.length) return;
    const selected = i === S.zone;
    svg.append(h("polygon", { class: `zone ${z.role} ${selected ? "selected" : ""}`, "data-zone": z.name,
      points: poly.map(([x, y]) => `${x * W},${y * Hh}`).join(" "),
      onclick: (e) => { if (!S.drawing && !selected) { e.stopPropagation(); S.zone = i; renderTab(); } },
      onmousedown: (e) => { if (selected && !S.drawing) startMove(e, svg, z, poly, t, W, Hh); } }));
    svg.append(h("text", { x: poly[0][0] * W + 4, y: poly[0][1] * Hh - 6, class: "zone-label", "font-size": W / 45 }, z.name));
    if (selected) {
      poly.forEach((p, j) => svg.append(h("circle", { class: "handle", cx: p[0] * W, cy: p[1] * Hh, r,
        "data-vertex": j, onmousedown: (e) => startDrag(e, svg, z, poly, j, t, W, Hh) })));
    }
  });
  if (S.drawing) {
    svg.append(h("polyline", { class: "drawing", points: S.drawing.map(([x, y]) => `${x * W},${y * Hh}`).join(" ") }));
    S.drawing.forEach(([x, y]) => svg.append(h("circle", { class: "handle", cx: x * W, cy: y * Hh, r })));
  }
  svg.addEventListener("click", (e) => {
    if (!S.drawing) return;
    const b = svg.getBoundingClientRect();
    S.drawing.push([round((e.clientX - b.left) / b.width, 4), round((e.clientY - b.top) / b.height, 4)]);
    renderTab();
  });
  return h("div", { class: "stage", style: `aspect-ratio: ${W} / ${Hh}` }, img, svg);
}

function startDrag(e, svg, zone, poly, j, t, W, Hh) {
  e.preventDefault();
  e.stopPropagation();
  const pts = poly.map((p) => [...p]);
  const circle = e.target;
  const move = (ev) => {
    const b = svg.getBoundingClientRect();
    pts[j] = [round(Math.min(1, Math.max(0, (ev.clientX - b.left) / b.width)), 4),
      round(Math.min(1, Math.max(0, (ev.clientY - b.top) / b.height)), 4)];
    circle.setAttribute("cx", pts[j][0] * W);
    circle.setAttribute("cy", pts[j][1] * Hh);
  };
  const up = () => {
    window.removeEventListener("mousemove", move);
    window.removeEventListener("mouseup", up);
    setZonePolygon(zone, t, pts);
    changed();
  };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
}

function startMove(e, svg, zone, poly, t, W, Hh) {
  // drag the whole zone: every corner moves by the same offset (kept inside the frame)
  e.preventDefault();
  e.stopPropagation();
  const b = svg.getBoundingClientRect();
  const x0 = e.clientX, y0 = e.clientY;
  const shape = e.target;
  let pts = poly.map((p) => [...p]);
  const move = (ev) => {
    const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
    const dx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), (ev.clientX - x0) / b.width));
    const dy = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), (ev.clientY - y0) / b.height));
    pts = poly.map(([x, y]) => [round(x + dx, 4), round(y + dy, 4)]);
    shape.setAttribute("points", pts.map(([x, y]) => `${x * W},${y * Hh}`).join(" "));
  };
  const up = (ev) => {
    window.removeEventListener("mousemove", move);
    window.removeEventListener("mouseup", up);
    if (Math.abs(ev.clientX - x0) + Math.abs(ev.clientY - y0) < 2) return;
    setZonePolygon(zone, t, pts);
    changed();
  };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
}

function setZonePolygon(zone, t, pts) {
  if (zone.polygon && !zone.keys) { zone.polygon = pts; return; }
  const keys = zone.keys || [];
  const half = 0.5 / fps();
  const at = keys.findIndex((k) => Math.abs(k.t - t) < half);
  if (at >= 0) keys[at].polygon = pts;
  else { keys.push({ t, polygon: pts }); keys.sort((a, b) => a.t - b.t); }
  zone.keys = keys;
}

function timeline(s) {
  const info = clipInfo(s);
  const dur = info.duration_s || 1;
  const pct = (t) => `${Math.max(0, Math.min(100, (t / dur) * 100))}%`;
  const bar = h("div", { id: "timeline", class: "timeline", title: "click to move here",
    onclick: (e) => {
      const b = e.currentTarget.getBoundingClientRect();
      S.frame = Math.max(0, Math.min(info.frames - 1, Math.round(((e.clientX - b.left) / b.width) * dur * fps())));
      renderTab();
    } },
    h("div", { class: "range", style: `left:${pct(s.in || 0)};width:calc(${pct(segOut(s))} - ${pct(s.in || 0)})` }),
    (s.cues || []).map((c, i) => h("div", { class: "cue-mark", style: `left:${pct(c.t)}`, title: `cue: ${c.name}`, "data-cue": i })),
    h("div", { class: "playhead", style: `left:${pct(S.frame / fps())}` }));
  const z = S.zone !== null ? (s.zones || [])[S.zone] : null;
  if (z && z.keys) {
    const conf = (S.conf[s.clip + "/" + z.name]) || {};
    for (const k of z.keys) {
      const c = conf[k.t];
      bar.append(h("div", { class: `key-mark ${c === undefined ? "" : c < 0.6 ? "low" : "high"}`, style: `left:${pct(k.t)}`,
        title: `keyframe ${k.t} s${c === undefined ? "" : `, confidence ${c}`}` }));
    }
    const lost = S.lost[s.clip + "/" + z.name];
    if (lost) bar.append(h("div", { class: "lost-mark", style: `left:${pct(lost.t)}`, title: `target lost at ${lost.t} s` }));
  }
  return bar;
}

function scrubber(s) {
  const info = clipInfo(s);
  const go = (f) => { S.frame = Math.max(0, Math.min(info.frames - 1, f)); renderTab(); };
  const t = tOf(S.frame);
  return h("div", { class: "scrubber" },
    h("button", { id: "prev-frame", title: "previous frame", onclick: () => go(S.frame - 1) }, "◀"),
    h("input", { id: "scrub", type: "range", min: 0, max: info.frames - 1, value: S.frame,
      oninput: (e) => { S.frame = Number(e.target.value); refreshFrame(s); },
      onchange: () => renderTab() }),
    h("button", { id: "next-frame", title: "next frame", onclick: () => go(S.frame + 1) }, "▶"),
    h("span", { id: "frame-pos", class: "mono" }, `frame ${S.frame} · ${t.toFixed(3)} s`),
    h("input", { id: "goto-frame", type: "number", min: 0, max: info.frames - 1, value: S.frame, title: "go to frame",
      onchange: (e) => go(Number(e.target.value)) }),
    h("button", { id: "set-in", onclick: () => { s.in = t; changed(); } }, "Set in"),
    h("button", { id: "set-out", onclick: () => { s.out = t; changed(); } }, "Set out"),
    h("button", { id: "add-cue", onclick: () => {
      s.cues = s.cues || [];
      s.cues.push({ name: `cue ${s.cues.length + 1}`, t });
      changed();
    } }, "Add cue here"));
}

function refreshFrame(s) {
  const img = document.getElementById("frame");
  if (img) img.src = `/api/packs/${S.id}/frame?clip=${encodeURIComponent(s.clip)}&i=${S.frame}&w=960`;
  const pos = document.getElementById("frame-pos");
  if (pos) pos.textContent = `frame ${S.frame} · ${tOf(S.frame).toFixed(3)} s`;
}

function cuesPanel(s) {
  const cues = s.cues || [];
  return h("div", { class: "panel" }, h("h3", {}, "Cues"),
    cues.length ? null : h("p", { class: "muted" }, "Decision points: reaction times are measured from them. Add one at the playhead."),
    cues.map((c, i) => h("div", { class: "row item", id: `cues-${i}` },
      h("input", { value: c.name, class: "cue-name", onchange: (e) => { c.name = e.target.value; changed(); } }),
      h("input", { type: "number", step: "any", value: c.t, class: "cue-t", onchange: (e) => { c.t = Number(e.target.value); changed(); } }),
      h("button", { onclick: () => { S.frame = frameOf(c.t); renderTab(); } }, "go"),
      h("button", { class: "danger", onclick: () => { cues.splice(i, 1); changed(); } }, "✕"))));
}

function zonesPanel(s) {
  const zones = s.zones || [];
  const t = tOf(S.frame);
  const z = S.zone !== null ? zones[S.zone] : null;
  const key = z ? s.clip + "/" + z.name : "";
  const lost = z && S.lost[key];
  return h("div", { class: "panel", id: "zones-panel" }, h("h3", {}, "Hit zones"),
    h("div", { class: "row" },
      S.drawing
        ? [h("span", { class: "muted" }, `click the frame to place points (${S.drawing.length})`),
          h("button", { id: "finish-zone", disabled: S.drawing.length < 3 ? true : null, onclick: () => {
            s.zones = s.zones || [];
            let n = s.zones.length + 1;
            while (s.zones.some((q) => q.name === `zone-${n}`)) n++;
            s.zones.push({ name: `zone-${n}`, role: "threat", points: 0, polygon: S.drawing });
            S.zone = s.zones.length - 1;
            S.drawing = null;
            changed();
          } }, "Finish zone"),
          h("button", { onclick: () => { S.drawing = null; renderTab(); } }, "Cancel")]
        : h("button", { id: "draw-zone", onclick: () => { S.drawing = []; S.zone = null; renderTab(); } }, "Draw a zone")),
    zones.map((q, i) => h("div", { class: `row item ${i === S.zone ? "selected" : ""}`, id: `zones-${i}` },
      h("button", { class: "pick", onclick: () => { S.zone = i; renderTab(); } }, i === S.zone ? "●" : "○"),
      h("input", { value: q.name, class: "zone-name", size: 10, onchange: (e) => {
        for (const tr of s.transitions || []) if (tr.on === "hit" && tr.zone === q.name) tr.zone = e.target.value;
        q.name = e.target.value; changed(); } }),
      select(S.info.roles, q.role, (v) => { q.role = v; changed(); }, { class: "zone-role" }),
      h("input", { type: "number", class: "zone-points", value: q.points ?? 0, title: "points per hit", style: "width:5em",
        onchange: (e) => { q.points = Number(e.target.value); changed(); } }),
      h("span", { class: "muted" }, q.keys ? `${q.keys.length} keyframes` : "still"),
      h("button", { class: "danger", onclick: () => { zones.splice(i, 1); S.zone = null; changed(); } }, "✕"))),
    z ? h("div", { class: "zone-tools" },
      h("p", { class: "muted" }, "Drag the zone, or a corner, to correct it at this frame (a moving zone gets a keyframe here). ← → step a frame."),
      h("div", { class: "row" },
        h("button", { id: "track-on", class: "primary", onclick: () => trackOn(s, z) }, "Track on from here"),
        z.keys ? h("button", { id: "key-here", onclick: () => { setZonePolygon(z, t, polygonAt(z, t).map((p) => [...p])); changed(); } }, "Keyframe here") : null,
        z.keys ? h("button", { onclick: () => { z.polygon = polygonAt(z, t); delete z.keys; changed(); } }, "Make still") : null),
      lost ? h("p", { id: "lost-warning", class: "bad" },
        `Lost the target at frame ${lost.frame} (${lost.t} s), confidence ${lost.confidence}: the track stops there. Drag the zone onto the target at that frame, then track on. `,
        h("button", { id: "goto-lost", onclick: () => { S.frame = lost.frame; renderTab(); } }, "Go to that frame")) : null,
      z.keys ? h("table", { class: "keys", id: "key-table" }, h("tr", {}, h("th", {}, "t (s)"), h("th", {}, "confidence")),
        z.keys.map((k) => {
          const c = (S.conf[key] || {})[k.t];
          return h("tr", { class: c === undefined ? "" : c < 0.6 ? "low" : "" },
            h("td", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); S.frame = frameOf(k.t); renderTab(); } }, k.t.toFixed(3))),
            h("td", {}, c === undefined ? "—" : c.toFixed(2)));
        })) : null) : null);
}

async function trackOn(s, z) {
  const info = clipInfo(s);
  const t = tOf(S.frame);
  const last = Math.min(info.frames - 1, Math.floor(segOut(s) * fps() + 1e-6));
  const poly = polygonAt(z, t).map((p) => [...p]);
  status(`tracking ${z.name} from ${t} s…`);
  const btn = document.getElementById("track-on");
  if (btn) btn.disabled = true;
  try {
    const r = await api(`/api/packs/${S.id}/track`, { json: { clip: s.clip, from: S.frame, to: last, polygon: poly, every_s: 0.2 } });
    const before = (z.keys || []).filter((k) => k.t < t - 0.5 / fps());
    const tracked = r.keys.map((k) => ({ t: k.t, polygon: k.polygon }));
    z.keys = before.concat(tracked);
    delete z.polygon;
    const key = s.clip + "/" + z.name;
    S.conf[key] = Object.fromEntries(Object.entries(S.conf[key] || {}).filter(([kt]) => Number(kt) < t - 0.5 / fps()));
    for (const k of r.keys) S.conf[key][k.t] = k.confidence;
    S.lost[key] = r.lost;
    const low = r.keys.length ? Math.min(...r.keys.map((k) => k.confidence)) : 1;
    status(r.lost ? `lost the target at ${r.lost.t} s: correct it there and track on`
      : `tracked ${r.keys.length} keyframes, lowest confidence ${low.toFixed(2)}`, r.lost ? "bad" : "good");
    changed();
  } catch (e) {
    status(e.message, "bad");
  } finally {
    if (btn) btn.disabled = false;
  }
}

// -- transitions (every trigger kind from the registry) -----------------------------------

function defaults(kind, s) {
  const used = new Set((s.transitions || []).filter((x) => x.on === "key").map((x) => x.key));
  const t0 = s.in || 0;
  switch (kind) {
    case "key": return { key: S.info.keys.find((k) => !used.has(k)) || "9", label: "" };
    case "time": return { at: round(t0 + 1, 3) };
    case "no-shot": return { by: round(t0 + 1, 3) };
    case "hit": return (s.zones || []).length ? { zone: s.zones[0].name } : { role: "threat" };
    case "action": return { action: S.info.actions[0] };
    case "said": return { phrases: ["show me your hands"] };
    default: return {};
  }
}

export function transitionForm(segId, i, onchange = () => changed()) {
  const s = seg(segId);
  const tr = s.transitions[i];
  const form = S.info.triggers.find((f) => f.kind === tr.on) || { fields: [], help: "unknown kind" };
  const inputs = form.fields.map((f) => {
    const set = (v) => { if (v === "" || v === undefined || (Array.isArray(v) && !v.length)) delete tr[f.key]; else tr[f.key] = v; onchange(); };
    let input;
    if (f.key === "zone") {
      input = select([["", "(any zone of a role)"], ...(s.zones || []).map((z) => z.name)], tr.zone || "", (v) => { set(v); if (v) delete tr.role; });
    } else if (f.key === "role") {
      input = select([["", "(a named zone)"], ...S.info.roles], tr.role || "", (v) => { set(v); if (v) delete tr.zone; });
    } else if (f.type === "choice") {
      input = select(f.required ? f.options : [["", "(any)"], ...f.options], tr[f.key] || "", set);
    } else if (f.type === "number") {
      input = h("input", { type: "number", step: "any", value: tr[f.key] ?? "", onchange: (e) => set(e.target.value === "" ? "" : Number(e.target.value)) });
    } else if (f.type === "list") {
      input = h("textarea", { rows: 2, value: (tr[f.key] || []).join("\n"), title: "one a line",
        onchange: (e) => set(e.target.value.split("\n").map((x) => x.trim()).filter(Boolean)) });
    } else if (f.key === "key") {
      input = select(S.info.keys, tr.key, set);
    } else {
      input = h("input", { value: tr[f.key] ?? "", onchange: (e) => set(e.target.value) });
    }
    input.classList.add(`tr-${f.key}`);
    return field(f.key, input);
  });
  return h("div", { class: "transition item", id: `transitions-${i}`, "data-seg": segId },
    h("div", { class: "row" },
      field("on", select(S.info.triggers.map((f) => [f.kind, f.kind]), tr.on, (v) => {
        s.transitions[i] = { on: v, ...defaults(v, s), to: tr.to };
        onchange();
      }, { class: "tr-on", title: form.help })),
      inputs,
      field("to", select(Object.keys(segs()), tr.to, (v) => { tr.to = v; onchange(); }, { class: "tr-to" })),
      h("button", { class: "danger", title: "delete this transition", onclick: () => { s.transitions.splice(i, 1); onchange(); } }, "✕")),
    h("small", { class: "muted" }, form.help));
}

export function addTransition(segId, to, kind = "key") {
  const s = seg(segId);
  s.transitions = s.transitions || [];
  s.transitions.push({ on: kind, ...defaults(kind, s), to });
  return s.transitions.length - 1;
}

function transitionsPanel(s) {
  return h("div", { class: "panel", id: "transitions-panel" }, h("h3", {}, "Transitions"),
    h("p", { class: "muted" }, "Tried in order; the first that fires wins."),
    (s.transitions || []).map((_, i) => transitionForm(S.seg, i)),
    h("button", { id: "add-transition", onclick: () => { addTransition(S.seg, Object.keys(segs()).find((k) => k !== S.seg) || S.seg); changed(); } }, "Add transition"));
}

function segmentsTab() {
  const s = seg();
  if (!s) return h("div", {}, segmentList());
  if (!S.clips[s.clip]) return h("div", { class: "split" }, segmentList(), h("div", {}, segmentProps(), h("p", { class: "bad" }, `clip ${s.clip} is missing`)));
  const t = tOf(S.frame);
  return h("div", { class: "split" }, segmentList(),
    h("div", { class: "seg-main" },
      stage(s, s.zones || [], t), scrubber(s), timeline(s),
      h("div", { class: "grid2" },
        h("div", {}, segmentProps(), zonesPanel(s)),
        h("div", {}, transitionsPanel(s), cuesPanel(s)))));
}

// -- metadata and guidebook -----------------------------------------------------------------

function metaTab() {
  const m = S.model;
  const meta = m.meta || (m.meta = {});
  const env = meta.environment || {};
  const text = (obj, key, attrs = {}) => h("input", { value: obj[key] ?? "", "data-key": key, ...attrs,
    onchange: (e) => { if (e.target.value === "") delete obj[key]; else obj[key] = e.target.value; changed("lint"); } });
  const choice = (obj, key, options) => select([["", "—"], ...options], obj[key] || "", (v) => { if (v) obj[key] = v; else delete obj[key]; changed("lint"); }, { "data-key": key, id: `meta-${key}` });
  const lines = (key) => h("textarea", { rows: 3, "data-key": key, id: `meta-${key}`, value: (meta[key] || []).join("\n"),
    onchange: (e) => { meta[key] = e.target.value.split("\n").map((x) => x.trim()).filter(Boolean); changed("lint"); } });
  const envSet = () => { if (Object.keys(env).length) meta.environment = env; else delete meta.environment; };
  const envText = (key) => h("input", { value: env[key] ?? "", "data-key": key, id: `env-${key}`,
    onchange: (e) => { if (e.target.value) env[key] = e.target.value; else delete env[key]; envSet(); changed("lint"); } });
  const envChoice = (key, options) => select([["", "—"], ...options], env[key] || "", (v) => { if (v) env[key] = v; else delete env[key]; envSet(); changed("lint"); }, { "data-key": key, id: `env-${key}` });
  const subjects = meta.subjects || [];
  return h("div", { class: "meta-form" },
    h("div", { class: "panel" }, h("h3", {}, "Scenario"),
      field("Title", text(m, "title", { id: "meta-title" })),
      field("Start segment", select(Object.keys(segs()), m.start, (v) => { m.start = v; changed("lint"); }, { id: "meta-start", "data-key": "start" })),
      field("Summary", h("textarea", { rows: 3, id: "meta-summary", "data-key": "summary", value: meta.summary || "",
        onchange: (e) => { meta.summary = e.target.value; changed("lint"); } })),
      h("div", { class: "row" },
        field("Category", choice(meta, "category", S.info.categories)),
        field("Difficulty", choice(meta, "difficulty", S.info.difficulties)),
        field("Typical length (s)", h("input", { type: "number", id: "meta-duration", "data-key": "duration_s", value: meta.duration_s ?? "",
          onchange: (e) => { if (e.target.value === "") delete meta.duration_s; else meta.duration_s = Number(e.target.value); changed("lint"); } }))),
      field("Objectives (one a line)", lines("objectives")),
      field("Policy references (one a line)", lines("policy_refs"))),
    h("div", { class: "panel" }, h("h3", {}, "Environment"),
      h("div", { class: "row" }, field("Light", envChoice("light", S.info.light)), field("Setting", envChoice("setting", S.info.settings)),
        field("Place", envText("place")))),
    h("div", { class: "panel", id: "subjects" }, h("h3", {}, "People on screen"),
      h("p", { class: "muted" }, "As you intend them to be perceived: `sightline catalog --makeup` counts them across the library."),
      h("table", {}, h("tr", {}, S.info.subject_keys.map((k) => h("th", {}, k)), h("th")),
        subjects.map((sub, i) => h("tr", { class: "subject" }, S.info.subject_keys.map((k) => h("td", {},
          h("input", { value: sub[k] || "", class: `subject-${k}`, onchange: (e) => { sub[k] = e.target.value; changed("lint"); } }))),
        h("td", {}, h("button", { class: "danger", onclick: () => { subjects.splice(i, 1); if (!subjects.length) delete meta.subjects; changed(); } }, "✕"))))),
      h("button", { id: "add-subject", onclick: () => { meta.subjects = subjects; subjects.push({ role: "", age_band: "", gender: "", race_ethnicity: "" }); changed(); } }, "Add a person")),
    rubricPanel());
}

function rubricPanel() {
  // the competencies the instructor scores: items with behaviour anchors per level and an
  // optional automatic rule (its parameters as JSON: lint checks them against the rule)
  const m = S.model;
  if (!m.rubric) {
    return h("div", { class: "panel", id: "rubric" }, h("h3", {}, "Rubric"),
      h("p", { class: "muted" }, "What the instructor scores this scenario on (docs/scenario-format.md, Rubric)."),
      h("button", { id: "add-rubric", onclick: () => {
        m.rubric = { items: [{ id: "verbal-commands", label: "Verbal commands",
          anchors: { 1: "No commands", 4: "Clear commands, but late", 7: "Clear, early, repeated" } }] };
        changed();
      } }, "Give the pack a rubric"));
  }
  const r = m.rubric;
  const items = r.items || (r.items = []);
  const anchorsText = (a) => Object.entries(a || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  const parseAnchors = (text) => Object.fromEntries(text.split("\n").map((l) => l.match(/^\s*(-?\d+)\s*:\s*(.*)$/))
    .filter(Boolean).map((mm) => [mm[1], mm[2]]));
  return h("div", { class: "panel", id: "rubric" }, h("h3", {}, "Rubric"),
    field("Pass level", h("input", { type: "number", id: "rubric-pass", value: r.pass_level ?? "", "data-key": "pass_level",
      onchange: (e) => { if (e.target.value === "") delete r.pass_level; else r.pass_level = Number(e.target.value); changed("lint"); } }),
    "the overall level needed to pass (default: the lowest acceptable level)"),
    items.map((it, i) => {
      const rule = it.rule || null;
      const params = rule ? Object.fromEntries(Object.entries(rule).filter(([k]) => k !== "kind")) : {};
      return h("div", { class: "item rubric-item", id: `rubric-${i}` },
        h("div", { class: "row" },
          field("id", h("input", { value: it.id || "", class: "rubric-id", onchange: (e) => { it.id = e.target.value; changed("lint"); } })),
          field("label", h("input", { value: it.label || "", size: 30, onchange: (e) => { it.label = e.target.value; changed("lint"); } })),
          field("weight", h("input", { type: "number", step: "any", value: it.weight ?? "", style: "width:5em",
            onchange: (e) => { if (e.target.value === "") delete it.weight; else it.weight = Number(e.target.value); changed("lint"); } })),
          h("label", {}, h("input", { type: "checkbox", checked: !!it.critical,
            onchange: (e) => { if (e.target.checked) it.critical = true; else delete it.critical; changed("lint"); } }), " critical"),
          h("button", { class: "danger", onclick: () => { items.splice(i, 1); changed(); } }, "✕")),
        field("Anchors (level: behaviour, one a line)", h("textarea", { rows: 3, value: anchorsText(it.anchors),
          onchange: (e) => { it.anchors = parseAnchors(e.target.value); changed("lint"); } })),
        h("div", { class: "row" },
          field("automatic rule", select([["", "(scored by the instructor)"], ...S.info.rules], rule ? rule.kind : "", (v) => {
            if (v) it.rule = { kind: v }; else delete it.rule;
            changed();
          })),
          rule ? field("its parameters (JSON)", h("input", { size: 50, value: JSON.stringify(params),
            onchange: (e) => {
              try { it.rule = { kind: rule.kind, ...JSON.parse(e.target.value || "{}") }; changed("lint"); }
              catch { status("rule parameters: not JSON, e.g. {\"cue\": \"weapon visible\", \"levels_s\": [0.5, 1, 2]}", "bad"); }
            } })) : null));
    }),
    h("button", { id: "add-rubric-item", onclick: () => {
      items.push({ id: `item-${items.length + 1}`, label: "", anchors: { 1: "", 7: "" } });
      changed();
    } }, "Add an item"));
}

function guidebookTab() {
  const m = S.model.meta || (S.model.meta = {});
  return h("div", { class: "panel" }, h("h3", {}, "Guidebook"),
    m.guidebook ? h("p", { class: "muted" }, `${m.guidebook}: the discussion guide for the debrief (markdown).`)
      : h("button", { id: "add-guidebook", onclick: () => { m.guidebook = "guidebook.md"; changed(); } }, "Give the pack a guidebook"),
    m.guidebook ? h("textarea", { id: "guidebook", rows: 28, value: S.guidebook,
      onchange: (e) => { S.guidebook = e.target.value; changed("lint"); } }) : null);
}
