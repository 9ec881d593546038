// The phone page of a community session: polls the question, votes once per question.
// Plain ES module, no libraries, nothing fetched from the internet.
const base = location.pathname.replace(/\/+$/, "");
const $ = (id) => document.getElementById(id);
const form = $("vote"), choices = $("choices"), status = $("status"), prompt = $("prompt");
const result = $("result"), send = $("send");
let shown = null; // "number:phase:vote" on screen
let builtFor = null; // the question whose choices are in the form
let current = null;

function say(text) { status.textContent = text; }

function render(s) {
  current = s;
  const key = `${s.ask}:${s.phase}:${s.voted || ""}`;
  if (key === shown) return;
  shown = key;
  if (s.phase === "idle") {
    prompt.textContent = "Waiting for the next question";
    form.hidden = true; result.hidden = true;
    say("");
    return;
  }
  prompt.textContent = s.prompt;
  if (s.phase === "open") {
    result.hidden = true;
    if (builtFor !== s.ask) {
      builtFor = s.ask;
      choices.replaceChildren(...s.choices.map((label, i) => {
        const wrap = document.createElement("label");
        wrap.className = "choice";
        const input = document.createElement("input");
        input.type = "radio"; input.name = "choice"; input.value = label; input.id = `c${i}`;
        wrap.append(input, document.createTextNode(label));
        return wrap;
      }));
      $("legend").textContent = `Question ${s.question}: choose one`;
      prompt.focus();
    }
    form.hidden = false;
    const voted = Boolean(s.voted);
    send.disabled = voted;
    for (const input of choices.querySelectorAll("input")) {
      input.disabled = voted;
      if (voted && input.value === s.voted) input.checked = true;
    }
    say(voted ? `Your vote is in: ${s.voted}. Wait for the result on the screen.`
              : "Choose one, then press Vote.");
    return;
  }
  // closed: the room's result
  form.hidden = true;
  const total = (s.counts || []).reduce((a, b) => a + b, 0);
  result.replaceChildren(...s.choices.map((label, i) => {
    const li = document.createElement("li");
    const n = (s.counts || [])[i] || 0;
    li.textContent = `${label}: ${n} vote${n === 1 ? "" : "s"}`;
    return li;
  }));
  result.hidden = false;
  say(`The vote is closed: ${total} vote${total === 1 ? "" : "s"}.` +
      (s.voted ? ` You chose ${s.voted}.` : ""));
}

async function poll() {
  try {
    const r = await fetch(`${base}/state`, { cache: "no-store" });
    if (r.ok) render(await r.json());
  } catch (e) { /* the screen may be restarting: keep trying */ }
  setTimeout(poll, 1000);
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const picked = choices.querySelector("input:checked");
  if (!picked) { say("Choose one of the options first."); return; }
  send.disabled = true;
  try {
    const r = await fetch(`${base}/vote`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: current.question, choice: picked.value }),
    });
    const answer = await r.json().catch(() => ({}));
    if (r.ok) {
      shown = null;
      render({ ...current, voted: picked.value });
    } else {
      say(`Not counted: ${answer.error || r.status}.`);
      send.disabled = false;
    }
  } catch (e) {
    say("Not sent: no connection to the screen. Try again.");
    send.disabled = false;
  }
});

poll();
