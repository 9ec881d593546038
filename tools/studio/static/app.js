// Studio's entry: the library screen and the router (#/ and #/pack/ID).
import { api, h, status, field } from "./util.js";
import { openEditor, S } from "./editor.js";

export const app = { info: null };

async function route() {
  if (!app.info) app.info = await api("/api/info");
  const m = location.hash.match(/^#\/pack\/([A-Za-z0-9_-]+)/);
  const here = m && m[1] === S.id && document.getElementById("editor");
  if (here) return; // back from a cancelled leave: the editor is still open as it was
  if (S.dirty && document.getElementById("editor")) {
    if (!confirm(`${S.id} has unsaved changes: leave them?`)) {
      location.hash = `#/pack/${S.id}`;
      return;
    }
    S.dirty = false;
  }
  if (m) return openEditor(m[1], app.info);
  return showLibrary();
}

function subjectsText(meta) {
  const subs = Array.isArray(meta.subjects) ? meta.subjects : [];
  return subs.map((s) => [s.role, s.age_band, s.gender, s.race_ethnicity].filter(Boolean).join(", "));
}

function card(p) {
  const meta = p.meta || {};
  const env = meta.environment || {};
  const lint = p.errors
    ? h("span", { class: "badge bad", title: p.first_error }, `${p.errors} lint errors`)
    : h("span", { class: "badge good" }, "lint ok");
  return h("article", { class: "pack-card", "data-pack": p.id },
    h("img", { class: "thumb", src: `/api/packs/${p.id}/thumb`, alt: `first frame of ${p.title}`,
      onerror: (e) => { e.target.classList.add("missing"); e.target.removeAttribute("src"); } }),
    h("div", { class: "card-body" },
      h("h2", {}, p.title),
      h("div", { class: "tags" },
        meta.category ? h("span", { class: "badge" }, meta.category) : h("span", { class: "badge warn" }, "no category"),
        meta.difficulty ? h("span", { class: "badge" }, meta.difficulty) : null,
        lint,
        p.warnings ? h("span", { class: "badge warn" }, `${p.warnings} warnings`) : null),
      p.broken ? h("p", { class: "bad" }, p.broken) : null,
      h("p", { class: "summary" }, meta.summary || h("em", { class: "muted" }, "no summary")),
      h("dl", {},
        h("dt", {}, "Pack"), h("dd", {}, p.id),
        h("dt", {}, "Segments"), h("dd", {}, String(p.segments)),
        meta.duration_s ? [h("dt", {}, "Length"), h("dd", {}, `${meta.duration_s} s`)] : null,
        (env.light || env.setting || env.place) ? [h("dt", {}, "Setting"),
          h("dd", {}, [env.light, env.setting, env.place].filter(Boolean).join(", "))] : null,
        h("dt", {}, "People"),
        h("dd", { class: "subjects" }, subjectsText(meta).length
          ? h("ul", {}, subjectsText(meta).map((s) => h("li", {}, s)))
          : h("em", { class: "muted" }, "not described"))),
      h("a", { class: "button", href: `#/pack/${p.id}` }, "Open")));
}

function newPackForm(onDone) {
  const name = h("input", { id: "new-name", placeholder: "traffic-stop", pattern: "[A-Za-z0-9_-]+" });
  const title = h("input", { id: "new-title", placeholder: "Traffic stop: the glovebox" });
  const paths = h("textarea", { id: "new-paths", rows: 3,
    placeholder: "/home/me/footage/approach.mp4\n/home/me/footage/complies.mp4" });
  const files = h("input", { id: "new-files", type: "file", multiple: true,
    accept: ".mp4,.m4v,.mov,.mkv,.webm,.avi" });
  const create = h("button", { id: "new-create", type: "submit" }, "Create pack");
  const form = h("form", { id: "new-pack", class: "panel" },
    h("h2", {}, "New pack from footage"),
    h("p", { class: "muted" }, "The first clip becomes the start segment, with a key to branch to each other clip; the others are endings. Then draw zones, add branches and describe the scenario."),
    field("Folder name", name, "letters, digits, - and _"),
    field("Title", title),
    field("Videos on this machine (one path a line)", paths),
    field("…or upload videos", files),
    create);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    create.disabled = true;
    try {
      const uploads = [];
      for (const f of files.files) {
        status(`uploading ${f.name}…`);
        const r = await api(`/api/uploads?name=${encodeURIComponent(f.name)}`, { method: "POST", body: f });
        uploads.push(r.upload);
      }
      status("copying clips and writing the manifest…");
      const r = await api("/api/packs", { json: {
        name: name.value.trim(), title: title.value.trim(),
        paths: paths.value.split("\n").map((s) => s.trim()).filter(Boolean), uploads } });
      status(`made ${r.id}`, "good");
      onDone(r.id);
    } catch (err) {
      status(err.message, "bad");
    } finally {
      create.disabled = false;
    }
  });
  return form;
}

async function showLibrary() {
  document.getElementById("crumbs").textContent = "Library";
  const main = document.getElementById("main");
  main.replaceChildren(h("p", { class: "muted" }, "Reading the library…"));
  const packs = await api("/api/library");
  main.replaceChildren(
    h("section", { id: "library" },
      h("div", { class: "lib-head" },
        h("h1", {}, "Library"),
        h("p", { class: "muted" }, `${packs.length} packs in ${app.info.library}`)),
      h("div", { class: "cards" }, packs.map(card))),
    newPackForm((id) => { location.hash = `#/pack/${id}`; }));
  status("");
}

window.addEventListener("hashchange", () => route().catch((e) => status(e.message, "bad")));
route().catch((e) => status(e.message, "bad"));
