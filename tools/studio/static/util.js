// Small DOM and fetch helpers shared by Studio's screens (no framework: plain ES modules).

export function h(tag, attrs = {}, ...children) {
  const svg = ["svg", "g", "path", "polygon", "polyline", "circle", "line", "rect", "text",
    "defs", "marker", "title"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value" && !svg) el.value = v;
    else if (k === "checked" && !svg) el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export async function api(path, opts = {}) {
  const init = { credentials: "same-origin", ...opts };
  if (opts.json !== undefined) {
    init.method = opts.method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(opts.json);
  }
  const r = await fetch(path, init);
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new Error((data && data.error) || data || r.statusText);
    err.status = r.status;
    throw err;
  }
  return data;
}

export function status(text, kind = "") {
  const el = document.getElementById("status");
  el.textContent = text;
  el.className = kind;
}

export const round = (v, n = 3) => Math.round(v * 10 ** n) / 10 ** n;

export function field(label, input, help = "") {
  return h("label", { class: "field" }, h("span", {}, label), input,
    help ? h("small", { class: "muted" }, help) : null);
}

export function select(options, value, onchange, attrs = {}) {
  return h("select", { onchange: (e) => onchange(e.target.value), ...attrs },
    options.map((o) => {
      const [v, text] = Array.isArray(o) ? o : [o, o];
      return h("option", { value: v, selected: v === value ? true : null }, text);
    }));
}
