// Preview: the real scenario runtime (on the server, on the unsaved draft) stepped in real
// time from the browser; frames by index from the server, zones drawn over them, a
// button per instructor key, a click on the picture is a shot, and the branch log.
import { api, h, status, select } from "./util.js";

let timer = null;
let run = null; // { sid, state, last, busy, events }

export function stopPreview() {
  if (timer) clearInterval(timer);
  timer = null;
  run = null;
}

function draw(S) {
  const st = run.state;
  const img = document.getElementById("pv-frame");
  const want = `/api/packs/${S.id}/frame?clip=${encodeURIComponent(st.clip)}&i=${st.frame}&w=960`;
  if (img && !run.loading && img.dataset.want !== want) {
    run.loading = true;
    img.dataset.want = want;
    img.onload = img.onerror = () => { run && (run.loading = false); };
    img.src = want;
  }
  const svg = document.getElementById("pv-overlay");
  // redraw the zones only when they change: a polygon replaced under the pointer between
  // press and release would swallow the shot
  const zkey = JSON.stringify(st.zones);
  if (svg && svg.dataset.zones !== zkey) {
    svg.dataset.zones = zkey;
    svg.replaceChildren(...st.zones.map((z) => h("polygon", { class: `zone ${z.role}`, "data-zone": z.name,
      points: z.polygon.map(([x, y]) => `${x * 1000},${y * 1000}`).join(" ") })));
  }
  const info = document.getElementById("pv-info");
  if (info) {
    info.replaceChildren(...[
      h("div", { id: "pv-segment" }, h("b", {}, st.segment), ` · ${st.media_t_s.toFixed(2)} s`,
        st.ended ? h("b", { class: "bad" }, " · ended") : st.paused ? h("b", {}, " · paused")
          : st.holding ? " · holding (branch it)" : ""),
      h("div", {}, `shots ${st.shots} · hits ${st.hits} · score ${st.score}`,
        st.last_shot ? ` · last shot: ${st.last_shot.zone || "no zone"}` : ""),
      h("div", { class: "pv-keys" }, st.keys.map((k) => h("button", { class: "pv-key", "data-key": k.key,
        onclick: () => run.events.push({ type: "key", key: k.key }) }, `${k.key}: ${k.label || k.to}`))),
      st.automatic.length ? h("ul", { class: "muted" }, st.automatic.map((a) => h("li", {}, `${a.text} → ${a.to}`))) : null,
      h("ol", { id: "pv-log" }, st.log.map((l) => h("li", {}, l)))].filter(Boolean));
  }
}

async function tick(S) {
  if (!run || run.busy || run.state.ended) return;
  run.busy = true;
  const now = performance.now();
  const ticks = Math.min(60, Math.round(((now - run.last) / 1000) * 30));
  try {
    const events = run.events.splice(0);
    if (ticks > 0 || events.length) {
      run.last += (ticks * 1000) / 30;
      run.state = await api(`/api/preview/${run.sid}/step`, { json: { ticks, events } });
      draw(S);
    }
  } catch (e) {
    status(e.message, "bad");
    stopPreview();
  } finally {
    if (run) run.busy = false;
  }
}

export function renderPreview(S, clean) {
  const segIds = Object.keys(S.model.segments || {});
  let from = S.seg || S.model.start;
  const stage = h("div", { class: "stage preview-stage" },
    h("img", { id: "pv-frame", alt: "preview" }),
    h("svg", { id: "pv-overlay", viewBox: "0 0 1000 1000", preserveAspectRatio: "none",
      // a shot is the press, as a trigger pull is: it does not wait for the release
      onpointerdown: (e) => {
        if (!run || e.button !== 0) return;
        const b = e.currentTarget.getBoundingClientRect();
        run.events.push({ type: "shot", x: (e.clientX - b.left) / b.width, y: (e.clientY - b.top) / b.height, kind: run.weapon });
      } }));
  const start = async () => {
    stopPreview();
    try {
      const r = await api(`/api/packs/${S.id}/preview`, { json: { model: clean(S.model), segment: from } });
      run = { sid: r.sid, state: r.state, last: performance.now(), busy: false, events: [], weapon: "firearm" };
      stage.style.aspectRatio = `${r.state.width} / ${r.state.height}`;
      draw(S);
      timer = setInterval(() => tick(S), 66);
      status(`previewing from ${from}: click the picture to shoot`, "good");
    } catch (e) { status(e.message, "bad"); }
  };
  return h("div", { class: "preview" },
    h("div", { class: "row" },
      h("label", {}, "from segment ", select(segIds, from, (v) => { from = v; }, { id: "pv-from" })),
      h("button", { id: "pv-play", class: "primary", onclick: start }, "Play"),
      h("button", { id: "pv-pause", onclick: () => {
        if (run) run.events.push({ type: run.state.paused ? "resume" : "pause" });
      } }, "Pause / resume"),
      h("button", { id: "pv-stop", onclick: () => { stopPreview(); status("preview stopped"); } }, "Stop"),
      h("label", {}, " weapon ", select(S.info.weapons, "firearm", (v) => { if (run) run.weapon = v; })),
      h("span", { class: "muted" }, " Previews the unsaved draft with the real runtime; no sound.")),
    h("div", { class: "preview-body" }, stage,
      h("div", { class: "panel" },
        h("div", { id: "pv-info" }, h("p", { class: "muted" }, "Press Play.")),
        h("h4", {}, "Trainee"),
        h("div", { class: "row" }, S.info.actions.map((a) => h("button", { class: "pv-action",
          onclick: () => run && run.events.push({ type: "action", action: a }) }, a))),
        h("div", { class: "row" }, h("input", { id: "pv-say", placeholder: "say…" }),
          h("button", { onclick: () => { const i = document.getElementById("pv-say"); if (run && i.value) run.events.push({ type: "said", phrase: i.value }); } }, "Say")))));
}
