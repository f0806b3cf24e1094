// The writers' room: a small page over dsr's JSON API. No framework, no
// build step. Views are chosen by the URL hash:
//   #/                 runs            #/new[/EXAMPLE]   a new story
//   #/run/ID/story     the story       #/run/ID          scenes: write, read, fix
//   #/run/ID/pages     the screenplay as printed pages
"use strict";

const main = document.getElementById("main");
const statusLine = document.getElementById("status");
let session = { models: [{ name: "embedded", spec: "embedded" }] };
let leaveView = null; // cleanup of the current view (closes the event stream)
let viewNumber = 0; // which view is current: work of a view left meanwhile stops

// ---------------------------------------------------------------- helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else if (key === "html") node.innerHTML = value; // only server-rendered, escaped screenplay HTML
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(message, kind) {
  statusLine.textContent = message || "";
  statusLine.className = "status" + (kind ? " " + kind : "");
}

class ApiError extends Error {
  constructor(status, data) {
    super((data && data.error) || `request failed (${status})`);
    this.status = status;
    this.data = data || {};
  }
}

async function api(method, path, body, raw) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (raw !== undefined) {
    options.body = raw;
    options.headers["Content-Type"] = "application/octet-stream";
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (response.status === 401 && path !== "/api/login") {
    await askToken();
    return api(method, path, body, raw);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let tokenAsked = null; // one prompt, however many requests were refused at once

function askToken() {
  if (!tokenAsked) tokenAsked = promptToken().finally(() => { tokenAsked = null; });
  return tokenAsked;
}

function promptToken() {
  return new Promise((resolve) => {
    const input = el("input", { id: "token", type: "password", autocomplete: "current-password", required: true });
    const problem = el("p", { class: "finding error", role: "alert" });
    const form = el("form", { class: "card narrow", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("POST", "/api/login", { token: input.value });
        dialog.remove();
        resolve();
      } catch (e) { problem.textContent = e.message; input.focus(); }
    } },
      el("h1", { text: "This writers' room is locked" }),
      el("p", { text: "Enter the token the server was started with (--token or DSR_SERVE_TOKEN). It is kept for this browser session." }),
      el("label", { for: "token", text: "Token" }), input, problem,
      el("button", { type: "submit", class: "primary", text: "Open" }));
    const dialog = el("div", { class: "overlay", role: "dialog", "aria-modal": "true", "aria-label": "Token" }, form);
    document.body.append(dialog);
    input.focus();
  });
}

function runNav(id, current) {
  const nav = document.getElementById("run-nav");
  nav.hidden = !id;
  if (!id) return;
  const links = { story: `#/run/${id}/story`, scenes: `#/run/${id}`, pages: `#/run/${id}/pages` };
  for (const [name, href] of Object.entries(links)) {
    const a = document.getElementById("nav-" + name);
    a.href = href;
    if (name === current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

function when(seconds) {
  if (!seconds) return "";
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function modelSelect(id, label, chosen) {
  const select = el("select", { id, name: id });
  for (const model of session.models) {
    select.append(el("option", { value: model.name, selected: model.name === chosen, text: `${model.name} (${model.spec})` }));
  }
  return el("div", { class: "field" }, el("label", { for: id, text: label }), select);
}

// ---------------------------------------------------------------- router

async function route() {
  viewNumber += 1;
  if (leaveView) { leaveView(); leaveView = null; }
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  main.replaceChildren();
  say("");
  try {
    if (parts.length === 0) { runNav(null); await runsView(); }
    else if (parts[0] === "new") { runNav(null); await storyView(null, parts[1]); }
    else if (parts[0] === "run" && parts[2] === "story") { runNav(parts[1], "story"); await storyView(parts[1]); }
    else if (parts[0] === "run" && parts[2] === "pages") { runNav(parts[1], "pages"); await pagesView(parts[1]); }
    else if (parts[0] === "run") { runNav(parts[1], "scenes"); await runView(parts[1]); }
    else { main.append(el("p", { class: "notice", text: "No such page." })); }
  } catch (e) {
    main.append(el("div", { class: "card" }, el("h1", { text: "Cannot show this page" }),
      el("p", { role: "alert", text: e.message }), el("p", {}, el("a", { href: "#/", text: "Back to the runs" }))));
  }
  const heading = main.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

// ---------------------------------------------------------------- runs

async function runsView() {
  document.title = "dsr · writers' room";
  await sessionReady; // the models the develop card offers
  const data = await api("GET", "/api/runs");
  const examples = await api("GET", "/api/examples");
  const fileInput = el("input", { type: "file", id: "import-file", accept: ".yaml,.yml,.json,.md,.markdown", class: "visually-hidden",
    onchange: async () => {
      const file = fileInput.files[0];
      if (!file) return;
      try {
        const made = await api("POST", "/api/import?name=" + encodeURIComponent(file.name), undefined, file);
        location.hash = `#/run/${made.id}/story`;
      } catch (e) {
        const problems = (e.data.findings || []).map((f) => `${f.path || "story"}: ${f.message}`).join("; ");
        say(e.message + (problems ? " — " + problems : ""), "error");
      }
    } });
  const exampleSelect = el("select", { id: "example" },
    examples.examples.map((x) => el("option", { value: x.name, text: x.title || x.name })));
  const start = el("section", { class: "card start", "aria-labelledby": "start-h" },
    el("h2", { id: "start-h", text: "Start a story" }),
    el("div", { class: "row" },
      el("a", { class: "button primary", href: "#/new", id: "new-story", text: "New story" }),
      fileInput, el("label", { class: "button", for: "import-file", text: "Import a story file…" }),
      el("span", { class: "or", text: "or from an example:" }),
      el("label", { for: "example", class: "visually-hidden", text: "Example" }), exampleSelect,
      el("button", { type: "button", onclick: () => { location.hash = "#/new/" + encodeURIComponent(exampleSelect.value); }, text: "Open example" })));
  const fromLogline = await loglineCard();
  const rows = data.runs.map((run) => el("tr", {},
    el("td", {}, el("a", { href: `#/run/${encodeURIComponent(run.id)}`, text: run.title })),
    el("td", { text: run.finished_at ? when(Date.parse(run.finished_at) / 1000) : "not written yet" }),
    el("td", { text: [run.models.stage1, run.models.stage2].filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(" / ") || "—" }),
    el("td", { class: "num", text: run.develop ? "—" : `${run.scenes_written} / ${run.scenes}` }),
    el("td", { class: "num", text: run.pages || "—" }),
    el("td", { class: "num", text: run.develop ? "—" : run.fallbacks.length ? run.fallbacks.join(", ") : "none" }),
    run.develop ? el("td", { class: `develop-${run.develop.state}`, text: developNow(run.develop) })
      : el("td", { text: run.job && run.job.state === "running" ? "writing…" : run.in_use ? "in use by dsr write" : run.job && run.job.state === "failed" ? "failed" : "" })));
  const table = data.runs.length
    ? el("table", { class: "runs" },
      el("caption", { class: "visually-hidden", text: "Runs" }),
      el("thead", {}, el("tr", {}, ["Title", "Written", "Models", "Scenes", "Pages", "Fallbacks", "Now"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows))
    : el("p", { class: "empty", text: "No runs yet. Start a story above; it is saved as a run directory you can also use with dsr write." });
  main.append(el("h1", { text: "Your screenplays" }), start, fromLogline,
    el("section", { class: "card", "aria-labelledby": "runs-h" }, el("h2", { id: "runs-h", text: "Runs" }), table));
}

// A run started from a logline that has no story yet, in the runs list's "Now" column.
function developNow(d) {
  const steps = `${d.steps_done} of ${d.steps.length} steps`;
  if (d.state === "developing") return `developing… (${steps})`;
  if (d.state === "failed") return `develop failed (${steps}): ${d.error}`;
  return `develop did not finish (${steps})`;
}

// A story from one sentence: dsr develop's steps (premise, characters, beats,
// scenes) run on the server (the run's page follows them), then the story opens in the editor.
async function loglineCard() {
  const structures = (await api("GET", "/api/structures")).structures;
  const logline = el("textarea", { id: "logline", rows: 2, required: true, "aria-describedby": "logline-msg" });
  const structure = el("select", { id: "structure" }, structures.map((x) =>
    el("option", { value: x.name, selected: x.name === "three-act", text: `${x.name} (${x.beats} beats)` })));
  const scenes = el("input", { id: "develop-scenes", type: "number", min: 1, max: 200, inputmode: "numeric" });
  const defaultScenes = () => { scenes.placeholder = String(structures.find((x) => x.name === structure.value).default_scenes); };
  structure.addEventListener("change", defaultScenes);
  defaultScenes();
  const problem = el("p", { class: "finding error", id: "logline-msg", role: "alert" });
  const button = el("button", { type: "submit", class: "primary", id: "develop", text: "Develop the story" });
  const form = el("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    problem.textContent = "";
    button.disabled = true;
    try {
      const made = await api("POST", "/api/develop", { logline: logline.value, structure: structure.value,
        scenes: scenes.value ? Number(scenes.value) : null, model: document.getElementById("develop-model").value });
      location.hash = `#/run/${encodeURIComponent(made.id)}`; // its page follows the steps
    } catch (e) {
      problem.textContent = e.message;
      button.disabled = false;
      logline.focus();
    }
  } },
    el("div", { class: "field wide" }, el("label", { for: "logline", text: "Logline: who wants what, and what stands in the way" }), logline, problem),
    el("div", { class: "field" }, el("label", { for: "structure", text: "Structure" }), structure),
    el("div", { class: "field small" }, el("label", { for: "develop-scenes", text: "Scenes" }), scenes),
    modelSelect("develop-model", "Model"),
    el("div", { class: "field wide" }, el("div", { class: "row" }, button)));
  return el("section", { class: "card", "aria-labelledby": "logline-h" },
    el("h2", { id: "logline-h", text: "Start from a logline" }),
    el("p", { text: "dsr develops it step by step into a premise, a cast, plot beats and scenes, then opens the story for you to edit. The files of each step stay in the run's develop/ folder (dsr develop -o RUN/develop redoes the steps after any you edit)." }),
    form);
}

// The page of a run started from a logline before it has its story: the
// steps done, what became of develop (running, failed with its error, or cut
// off by a server restart), and "Develop again", which keeps the steps done.
async function developView(run, myView) {
  const base = `/api/runs/${encodeURIComponent(run.id)}`;
  const stepList = el("ol", { class: "develop-steps", id: "develop-steps" });
  const state = el("p", { class: "job", id: "develop-state", role: "status", "aria-live": "polite" });
  const model = modelSelect("develop-again-model", "Model", run.develop.model || session.models[0].name);
  const newDraws = el("input", { type: "checkbox", id: "new-draws", checked: run.develop.new_draws });
  const again = el("button", { type: "button", class: "primary", id: "develop-again", text: "Develop again", onclick: async () => {
    again.disabled = true;
    try {
      await api("POST", `${base}/develop`, { model: document.getElementById("develop-again-model").value, new_draws: newDraws.checked });
      follow();
    } catch (e) { say(e.message, "error"); again.disabled = false; }
  } });
  const LABELS = { premise: "Premise", characters: "Characters", beats: "Plot beats", story: "Scenes (the story)" };

  function show(d) {
    heading.textContent = d.title; // the logline's words, then the premise's title once that step is done
    document.title = `${d.title} · dsr`;
    stepList.replaceChildren(...d.steps.map((s) => el("li", { class: s.done ? "done" : "", "data-step": s.step },
      el("span", { class: "mark", "aria-hidden": "true", text: s.done ? "✓" : "○" }),
      `${LABELS[s.step] || s.step}: ${s.done ? "done" : d.state === "developing" ? "not yet" : "not done"}`)));
    state.dataset.state = d.state;
    if (d.state === "developing") state.replaceChildren(el("span", { class: "spinner", "aria-hidden": "true" }), "Developing…");
    else if (d.state === "failed") state.replaceChildren(el("span", { class: "error", text: "Develop failed: " }), d.error || "");
    else state.replaceChildren(el("span", { class: "error", text: "Develop did not finish" }),
      " (the server stopped while it ran, or it was stopped). The steps done are kept.");
    again.disabled = d.state === "developing";
    if (d.state !== "developing") newDraws.checked = d.new_draws; // ticked when no answer passed
  }

  // While it runs: the steps as they are written; when the story is there, it opens in the editor.
  async function follow() {
    for (;;) {
      if (myView !== viewNumber) return;
      let data;
      try { data = await api("GET", `${base}/develop`); } catch (e) { say(e.message, "error"); return; }
      if (myView !== viewNumber) return;
      if (!data.status) { location.hash = `#/run/${encodeURIComponent(run.id)}/story`; return; }
      show(data.status);
      if (data.status.state !== "developing") return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }

  const heading = el("h1", { text: run.title });
  main.append(heading,
    el("section", { class: "card develop-panel", "aria-labelledby": "develop-h" },
      el("h2", { id: "develop-h", text: "Developing the story from its logline" }),
      run.develop.logline ? el("p", { class: "logline" }, el("strong", { text: "Logline: " }), run.develop.logline) : null,
      stepList, state,
      el("div", { class: "row" }, model,
        el("div", { class: "check" }, newDraws, el("label", { for: "new-draws", text: "New draws for the step not done" })), again),
      el("p", { class: "note", text: "Develop again goes on from the first step not done; the steps done are kept. A model asked the same gives the same answers (they are kept in the run's develop/ folder): when its answers did not pass, ask for new draws or pick another model." })));
  show(run.develop);
  if (run.develop.state === "developing") follow();
}

// ---------------------------------------------------------------- story

const INTERIOR = [["true", "INT."], ["false", "EXT."], ["both", "INT./EXT."]];

function blankStory() {
  return { title: "", logline: "", genre: "", language: "en", style: "", author: "", contact: "", draft_date: "", characters: [], scenes: [] };
}

async function storyView(id, example) {
  let loaded;
  if (id) loaded = await api("GET", `/api/runs/${encodeURIComponent(id)}/story`);
  else if (example) loaded = { story: (await api("GET", "/api/examples/" + encodeURIComponent(example))).story, findings: [] };
  else loaded = { story: blankStory(), findings: [] };
  let version = loaded.version || null;
  const story = Object.assign(blankStory(), loaded.story || {});
  story.characters = (story.characters || []).map((c) => typeof c === "string" ? { name: c } : Object.assign({ name: "", profile: "", relationships: {}, aliases: [] }, c));
  story.scenes = (story.scenes || []).map((s) => Object.assign({ place: "", time: "DAY", interior: true, characters: [], extras: [], summary: "", directives: "" }, s));
  document.title = (story.title || "New story") + " · story · dsr";

  const form = el("form", { class: "story", novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } });
  const findingsBox = el("div", { class: "card findings-all", "aria-live": "polite" });
  let checkTimer = null;

  function field(path, label, value, opts = {}) {
    const fid = "f-" + path.replace(/\./g, "-");
    const input = opts.multiline
      ? el("textarea", { id: fid, name: path, rows: opts.rows || 3, "aria-describedby": fid + "-msg" })
      : el("input", { id: fid, name: path, type: "text", "aria-describedby": fid + "-msg", autocomplete: "off" });
    input.value = Array.isArray(value) ? value.join("\n") : (value || "");
    input.addEventListener("input", () => { setPath(path, input.value); scheduleCheck(); });
    return el("div", { class: "field" + (opts.wide ? " wide" : "") },
      el("label", { for: fid, text: label + (opts.required ? " (required)" : "") }), input,
      el("p", { class: "finding", id: fid + "-msg", "data-field": path }));
  }

  // A list of names typed as one comma-separated line ("Nelly, Mrs. Hartley").
  function listField(path, label, values) {
    const fid = "f-" + path.replace(/\./g, "-");
    const input = el("input", { id: fid, name: path, type: "text", "aria-describedby": fid + "-msg", autocomplete: "off" });
    input.value = Array.isArray(values) ? values.join(", ") : (values || "");
    input.addEventListener("input", () => {
      setPath(path, input.value.split(",").map((v) => v.trim()).filter((v) => v));
      scheduleCheck();
    });
    return el("div", { class: "field wide" }, el("label", { for: fid, text: label }), input,
      el("p", { class: "finding", id: fid + "-msg", "data-field": path }));
  }

  function setPath(path, value) {
    const keys = path.split(".");
    let target = story;
    for (const key of keys.slice(0, -1)) target = target[key];
    target[keys[keys.length - 1]] = value;
  }

  function relationshipsText(rel) {
    return Object.entries(rel || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  }

  function characterCard(c, i) {
    const rel = el("textarea", { id: `f-characters-${i}-relationships`, rows: 2, "aria-describedby": `f-characters-${i}-relationships-msg` });
    rel.value = relationshipsText(c.relationships);
    rel.addEventListener("input", () => {
      const out = {};
      for (const line of rel.value.split("\n")) {
        const at = line.indexOf(":");
        if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      c.relationships = out;
      scheduleCheck();
    });
    return el("fieldset", { class: "item character" },
      el("legend", { text: c.name || `Character ${i + 1}` }),
      el("div", { class: "grid" },
        field(`characters.${i}.name`, "Name", c.name, { required: true }),
        field(`characters.${i}.profile`, "Profile: who they are, what they want, how they speak", c.profile, { multiline: true, wide: true }),
        el("div", { class: "field wide" }, el("label", { for: `f-characters-${i}-relationships`, text: "Relationships, one per line (NAME: how they relate)" }), rel,
          el("p", { class: "finding", id: `f-characters-${i}-relationships-msg`, "data-field": `characters.${i}.relationships` })),
        listField(`characters.${i}.aliases`, "Other names the text may use, separated by commas (optional)", c.aliases)),
      el("div", { class: "row" }, el("button", { type: "button", class: "quiet", onclick: () => {
        const name = c.name;
        story.characters.splice(i, 1);
        for (const s of story.scenes) s.characters = s.characters.filter((n) => n !== name);
        render(); scheduleCheck();
        say(`Removed ${name || "the character"}.`);
      }, text: `Remove ${c.name || "character"}` })));
  }

  function moveScene(from, to) {
    if (to < 0 || to >= story.scenes.length || from === to) return;
    const [scene] = story.scenes.splice(from, 1);
    story.scenes.splice(to, 0, scene);
    render(); scheduleCheck();
    const handle = document.getElementById(`scene-${to}`);
    if (handle) handle.focus();
    say(`Scene moved to position ${to + 1}.`);
  }

  function sceneCard(s, i) {
    const interior = el("select", { id: `f-scenes-${i}-interior`, "aria-describedby": `f-scenes-${i}-interior-msg` },
      INTERIOR.map(([v, t]) => el("option", { value: v, selected: String(s.interior) === v, text: t })));
    interior.addEventListener("change", () => { s.interior = interior.value === "both" ? "both" : interior.value === "true"; scheduleCheck(); });
    const who = el("fieldset", { class: "who" }, el("legend", { text: "Characters in the scene" }),
      story.characters.filter((c) => c.name).map((c, j) => {
        const cid = `f-scenes-${i}-who-${j}`;
        const box = el("input", { type: "checkbox", id: cid, checked: s.characters.includes(c.name) });
        box.addEventListener("change", () => {
          s.characters = story.characters.map((x) => x.name).filter((n) => n === c.name ? box.checked : s.characters.includes(n));
          scheduleCheck();
        });
        return el("span", { class: "check" }, box, el("label", { for: cid, text: c.name }));
      }),
      el("p", { class: "finding", id: `f-scenes-${i}-characters-msg`, "data-field": `scenes.${i}.characters` }));
    const card = el("li", { class: "item scene", draggable: "true", "data-index": i },
      el("div", { class: "scene-top" },
        el("button", { type: "button", class: "handle", id: `scene-${i}`, "aria-label": `Scene ${i + 1}: move with Alt+Up and Alt+Down, or drag`,
          title: "Drag, or Alt+Up / Alt+Down", text: `${i + 1}` ,
          onkeydown: (e) => {
            if (e.altKey && e.key === "ArrowUp") { e.preventDefault(); moveScene(i, i - 1); }
            if (e.altKey && e.key === "ArrowDown") { e.preventDefault(); moveScene(i, i + 1); }
          } }),
        el("span", { class: "slug", text: `${INTERIOR.find(([v]) => v === String(s.interior))[1]} ${(s.place || "PLACE").toUpperCase()} - ${(s.time || "DAY").toUpperCase()}` }),
        el("span", { class: "spacer" }),
        el("button", { type: "button", class: "quiet", onclick: () => moveScene(i, i - 1), disabled: i === 0, text: "Up", "aria-label": `Move scene ${i + 1} up` }),
        el("button", { type: "button", class: "quiet", onclick: () => moveScene(i, i + 1), disabled: i === story.scenes.length - 1, text: "Down", "aria-label": `Move scene ${i + 1} down` }),
        el("button", { type: "button", class: "quiet", onclick: () => { story.scenes.splice(i, 1); render(); scheduleCheck(); say(`Removed scene ${i + 1}.`); }, text: "Remove", "aria-label": `Remove scene ${i + 1}` })),
      el("div", { class: "grid" },
        el("div", { class: "field small" }, el("label", { for: `f-scenes-${i}-interior`, text: "Int./Ext." }), interior,
          el("p", { class: "finding", id: `f-scenes-${i}-interior-msg`, "data-field": `scenes.${i}.interior` })),
        field(`scenes.${i}.place`, "Place", s.place),
        field(`scenes.${i}.time`, "Time", s.time),
        who,
        listField(`scenes.${i}.extras`, "Extras: minor people who may appear and speak, separated by commas (optional)", s.extras),
        field(`scenes.${i}.summary`, "What happens", s.summary, { multiline: true, wide: true, required: true, rows: 3 }),
        field(`scenes.${i}.directives`, "Directives for the writer (optional)", s.directives, { multiline: true, wide: true, rows: 2 })));
    card.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", String(i)); card.classList.add("dragging"); });
    card.addEventListener("dragend", () => card.classList.remove("dragging"));
    card.addEventListener("dragover", (e) => e.preventDefault());
    card.addEventListener("drop", (e) => { e.preventDefault(); moveScene(Number(e.dataTransfer.getData("text/plain")), i); });
    return card;
  }

  function render() {
    const focusedId = document.activeElement && document.activeElement.id;
    form.replaceChildren(
      el("section", { class: "card", "aria-labelledby": "about-h" }, el("h2", { id: "about-h", text: "The story" }),
        el("div", { class: "grid" },
          field("title", "Title", story.title, { required: true }),
          field("genre", "Genre", story.genre),
          field("language", "Language (code such as en, de, es)", story.language),
          field("logline", "Logline", story.logline, { multiline: true, wide: true, rows: 2 }),
          field("style", "Style and tone", story.style, { multiline: true, wide: true, rows: 2 }),
          field("author", "Written by (title page)", story.author),
          field("draft_date", "Draft date (title page)", story.draft_date),
          field("contact", "Contact, a line each (title page)", story.contact, { multiline: true, wide: true, rows: 2 }))),
      el("section", { class: "card", "aria-labelledby": "chars-h" }, el("h2", { id: "chars-h", text: `Characters (${story.characters.length})` }),
        el("p", { class: "finding", "data-field": "characters" }),
        story.characters.map(characterCard),
        el("button", { type: "button", id: "add-character", onclick: () => {
          story.characters.push({ name: "", profile: "", relationships: {}, aliases: [] });
          render(); document.getElementById(`f-characters-${story.characters.length - 1}-name`).focus();
        }, text: "Add character" })),
      el("section", { class: "card", "aria-labelledby": "scenes-h" }, el("h2", { id: "scenes-h", text: `Scenes (${story.scenes.length})` }),
        el("p", { class: "finding", "data-field": "scenes" }),
        el("ol", { class: "scenes" }, story.scenes.map(sceneCard)),
        el("button", { type: "button", id: "add-scene", onclick: () => {
          story.scenes.push({ place: "", time: "DAY", interior: true, characters: [], extras: [], summary: "", directives: "" });
          render(); document.getElementById(`f-scenes-${story.scenes.length - 1}-place`).focus();
        }, text: "Add scene" })),
      el("div", { class: "actions sticky" },
        el("button", { type: "submit", class: "primary", id: "save-story", text: id ? "Save story" : "Create story" }),
        id ? el("a", { class: "button", href: `#/run/${id}`, text: "Go to the scenes" }) : null,
        loaded.has_comments ? el("span", { class: "note", text: "Saving rewrites the file as plain YAML: its # comments are not kept." }) : null));
    if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
    showFindings(lastFindings);
  }

  let lastFindings = loaded.findings || [];
  function showFindings(findings) {
    lastFindings = findings;
    for (const p of form.querySelectorAll(".finding")) { p.textContent = ""; p.className = "finding"; }
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const loose = [];
    for (const f of findings) {
      let target = null;
      let key = f.field;
      while (key && !target) {
        target = form.querySelector(`.finding[data-field="${CSS.escape(key)}"]`);
        if (!target) key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "";
      }
      if (target) {
        target.textContent += (target.textContent ? " · " : "") + f.message;
        target.className = "finding " + f.severity;
        const input = document.getElementById(target.id.replace(/-msg$/, ""));
        if (input && f.severity === "error") input.setAttribute("aria-invalid", "true");
      } else loose.push(f);
    }
    findingsBox.replaceChildren(el("h2", { text: "Check" }),
      findings.length ? el("ul", {}, findings.map((f) => el("li", { class: f.severity },
        el("strong", { text: f.severity === "error" ? "Problem" : "Note" }), ` ${f.path ? f.path + ": " : ""}${f.message}`)))
        : el("p", { text: "No problems: dsr write can write this story." }));
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(async () => {
      try { showFindings((await api("POST", "/api/check", { story })).findings); } catch (e) { say(e.message, "error"); }
    }, 350);
  }

  async function save() {
    say("Saving…");
    try {
      if (!id) {
        const made = await api("POST", "/api/runs", { story });
        say("Created.", "ok");
        location.hash = `#/run/${made.id}/story`;
        return;
      }
      const saved = await api("PUT", `/api/runs/${encodeURIComponent(id)}/story`, { story, base_version: version });
      version = saved.version;
      loaded.has_comments = false;
      showFindings(saved.findings);
      say(`Saved ${saved.file}.`, "ok");
    } catch (e) {
      if (e.data.findings) showFindings(e.data.findings);
      say(e.message, "error");
      const first = form.querySelector("[aria-invalid]");
      if (first) first.focus();
    }
  }

  main.append(el("h1", { text: id ? `Story: ${story.title || id}` : "New story" }),
    el("div", { class: "story-layout" }, form, findingsBox));
  render();
  if (!id && (example || story.title)) scheduleCheck();
  else showFindings(lastFindings);
}

// ---------------------------------------------------------------- scenes (write, read, fix)

const FLAGS = {
  truncated: "the prose was cut off by the token limit; its whole sentences are kept",
  prose_from_outline: "no usable prose from the model; the outline's summary stands in",
  directives_from_outline: "no usable directives from the model; they were derived from the outline",
};

async function runView(id) {
  const base = `/api/runs/${encodeURIComponent(id)}`;
  const myView = viewNumber;
  const [run] = await Promise.all([api("GET", base), sessionReady]);
  if (myView !== viewNumber) return;
  document.title = `${run.title} · dsr`;
  if (run.develop) return developView(run, myView); // no story yet: nothing to write
  const scenes = new Map(); // n -> data
  const cards = new Map(); // n -> element
  const editing = new Set(); // "n:prose" / "n:screenplay" being edited: not replaced by live updates

  const jobBox = el("div", { class: "job", id: "job", role: "status", "aria-live": "polite" });
  const s1 = modelSelect("stage1-model", "Stage 1 model (prose)", run.settings.stage1_model || session.models[0].name);
  const s2 = modelSelect("stage2-model", "Stage 2 model (screenplay)", run.settings.stage2_model || session.models[0].name);
  const writeButton = el("button", { type: "button", class: "primary", id: "write", text: "Write", onclick: () => startWrite() });
  const downloads = el("div", { class: "downloads", role: "group", "aria-label": "Downloads" },
    ["fountain", "pdf", "fdx"].map((fmt) => el("a", { class: "button", id: `download-${fmt}`, href: `${base}/download/${fmt}`, download: "", text: fmt === "fdx" ? "Final Draft (.fdx)" : fmt === "pdf" ? "PDF" : "Fountain" })));
  const list = el("ol", { class: "scene-list" });
  const warningsBox = el("div", { class: "warnings" });

  async function startWrite() {
    try {
      showJob((await api("POST", `${base}/write`, { stage1_model: document.getElementById("stage1-model").value, stage2_model: document.getElementById("stage2-model").value })).job);
      say("Writing started.");
    } catch (e) { say(e.message, "error"); }
  }

  function applyBusy() {
    const busy = !!(run.job && run.job.state === "running");
    writeButton.disabled = busy;
    for (const b of main.querySelectorAll("button.needs-idle")) b.disabled = busy;
  }

  function showJob(job) {
    const ended = job && job.state !== "running" && (!run.job || run.job.number !== job.number || run.job.state === "running");
    run.job = job;
    applyBusy();
    if (ended) {
      refreshOutputs(true);
      if (statusLine.textContent.endsWith("…")) say(job.state === "done" ? "" : job.error, job.state === "done" ? "" : "error");
    }
    if (!job) { jobBox.replaceChildren(); return; }
    jobBox.dataset.state = job.state;
    jobBox.dataset.kind = job.kind;
    jobBox.dataset.number = job.number;
    const what = job.kind === "write" ? "Writing" : job.kind === "reconvert" ? `Re-converting scene ${job.scene}` :
      job.kind === "redraw" ? `Drawing a new take of scene ${job.scene}` : job.kind === "take" ? `Switching scene ${job.scene}'s take` : `Saving scene ${job.scene}`;
    if (job.state === "running") jobBox.replaceChildren(el("span", { class: "spinner", "aria-hidden": "true" }), `${what}…`);
    else if (job.state === "done") jobBox.replaceChildren(el("span", { class: "ok", text: "Done: " }), job.summary || what);
    else jobBox.replaceChildren(el("span", { class: "error", text: "Failed: " }), job.error,
      el("button", { type: "button", class: "retry", onclick: () => (job.kind === "write" ? startWrite() : location.reload()), text: job.kind === "write" ? "Retry" : "Reload" }));
  }

  async function refreshOutputs(fetchRun) {
    if (fetchRun) {
      try {
        const fresh = await api("GET", base);
        run.outputs = fresh.outputs;
        warningsBox.replaceChildren(...warningList(fresh.warnings));
        // The assembly's findings (continuity) change with the run as a whole.
        for (const s of fresh.scenes) {
          const known = scenes.get(s.n);
          if (!known || JSON.stringify(known) !== JSON.stringify(s)) update(s);
        }
      } catch (e) { say(e.message, "error"); }
    }
    for (const a of downloads.querySelectorAll("a")) {
      const off = !run.outputs.fountain;
      a.classList.toggle("off", off);
      if (off) a.setAttribute("aria-disabled", "true"); else a.removeAttribute("aria-disabled");
    }
  }

  function warningList(warnings) {
    return warnings.length ? [el("details", {}, el("summary", { text: `${warnings.length} warning${warnings.length === 1 ? "" : "s"} from the last write` }),
      el("ul", {}, warnings.map((w) => el("li", { text: w }))))] : [];
  }

  function findingList(s) {
    const items = [];
    if (s.fallback) items.push({ severity: "warning", source: "stage 2", message: "the model's answers did not pass; this scene was made by the deterministic fallback from the prose" });
    for (const flag of s.flags) items.push({ severity: "warning", source: "stage 1", message: FLAGS[flag] || flag.replace(/_/g, " ") });
    for (const f of s.findings) items.push(f);
    if (!items.length) return null;
    return el("ul", { class: "scene-findings", "aria-label": `Findings on scene ${s.n}` },
      items.map((f) => el("li", { class: f.severity }, el("strong", { text: `${f.source === "format" ? "Format" : f.source}${f.line ? ", line " + f.line : ""}: ` }), f.message)));
  }

  function sceneCard(s) {
    const n = s.n;
    const stateText = { waiting: "waiting", prose: "prose written, formatting…", done: "done" }[s.state];
    const failed = run.job && run.job.state === "failed" && run.job.failed_scene === n;
    const proseCol = el("div", { class: "col prose-col" }, el("h3", { text: "Prose" }));
    const scriptCol = el("div", { class: "col script-col" }, el("h3", { text: "Screenplay" }));

    if (editing.has(n + ":prose")) {
      const area = el("textarea", { id: `prose-edit-${n}`, rows: 14, class: "prose-edit" });
      area.value = s.prose || "";
      proseCol.append(el("label", { for: `prose-edit-${n}`, class: "visually-hidden", text: `Prose of scene ${n}` }), area,
        el("div", { class: "row" },
          el("button", { type: "button", class: "primary needs-idle", id: `reconvert-${n}`, text: "Re-convert this scene", onclick: async () => {
            try {
              const started = await api("PUT", `${base}/scenes/${n}/prose`, { prose: area.value, base_version: s.prose_version, stage2_model: document.getElementById("stage2-model").value });
              editing.delete(n + ":prose");
              showJob(started.job);
              say(`Re-converting scene ${n}…`);
            } catch (e) { say(e.message, "error"); }
          } }),
          el("button", { type: "button", text: "Cancel", onclick: () => { editing.delete(n + ":prose"); redraw(n); } })));
    } else if (s.prose !== null) {
      proseCol.append(el("div", { class: "prose", id: `prose-${n}` }, (s.prose || "").split(/\n\s*\n/).map((p) => el("p", { text: p }))),
        s.directives ? el("details", { class: "directives" }, el("summary", { text: "Directives" }),
          el("dl", {}, Object.entries(s.directives).filter(([, v]) => v && v.length).map(([k, v]) => [el("dt", { text: k.replace(/_/g, " ") }), el("dd", { text: Array.isArray(v) ? v.join(" · ") : v })]))) : null);
    } else {
      proseCol.append(el("p", { class: "empty", text: s.summary ? `Outline: ${s.summary}` : "Not written yet." }));
    }

    if (editing.has(n + ":screenplay")) {
      const area = el("textarea", { id: `script-edit-${n}`, rows: 16, class: "script-edit", spellcheck: "false" });
      area.value = s.screenplay || "";
      const problems = el("ul", { class: "scene-findings", "aria-live": "polite" });
      scriptCol.append(el("label", { for: `script-edit-${n}`, class: "visually-hidden", text: `Screenplay of scene ${n} (Fountain)` }), area, problems,
        el("div", { class: "row" },
          el("button", { type: "button", class: "primary needs-idle", id: `save-script-${n}`, text: "Save screenplay", onclick: async () => {
            try {
              const started = await api("PUT", `${base}/scenes/${n}/screenplay`, { screenplay: area.value, base_version: s.screenplay_version });
              editing.delete(n + ":screenplay");
              showJob(started.job);
              say(`Saving scene ${n}…`);
            } catch (e) {
              say(e.message, "error");
              problems.replaceChildren(...(e.data.findings || []).filter((f) => f.severity === "error").map((f) => el("li", { class: "error", text: `line ${f.line}: ${f.message}` })));
            }
          } }),
          el("button", { type: "button", text: "Cancel", onclick: () => { editing.delete(n + ":screenplay"); redraw(n); } })));
    } else if (s.screenplay_html) {
      scriptCol.append(el("div", { class: "scene-page", id: `script-${n}`, html: s.screenplay_html }));
    } else {
      scriptCol.append(el("p", { class: "empty", text: s.state === "prose" ? "Formatting…" : "Not written yet." }));
    }

    const takeSelect = s.takes.length > 1 ? el("select", { id: `take-${n}`, "aria-label": `Take of scene ${n}` },
      s.takes.map((t) => el("option", { value: t, selected: t === s.take, text: `Take ${t + 1}${t === s.take ? " (in use)" : ""}` }))) : null;
    const compareBox = el("div", { class: "compare", id: `compare-${n}` });
    const actions = s.state === "done" ? el("div", { class: "row scene-actions" },
      el("button", { type: "button", id: `edit-prose-${n}`, onclick: () => { editing.add(n + ":prose"); redraw(n); document.getElementById(`prose-edit-${n}`).focus(); }, text: "Edit prose" }),
      el("button", { type: "button", id: `edit-script-${n}`, onclick: () => { editing.add(n + ":screenplay"); redraw(n); document.getElementById(`script-edit-${n}`).focus(); }, text: "Edit screenplay" }),
      el("button", { type: "button", class: "needs-idle", id: `redraw-${n}`, onclick: async () => {
        try { showJob((await api("POST", `${base}/scenes/${n}/redraw`, { stage1_model: document.getElementById("stage1-model").value, stage2_model: document.getElementById("stage2-model").value })).job); say(`Drawing a new take of scene ${n}…`); }
        catch (e) { say(e.message, "error"); }
      }, text: "New take" }),
      takeSelect ? [el("span", { class: "spacer" }), takeSelect,
        el("button", { type: "button", id: `compare-btn-${n}`, text: "Compare", onclick: async () => {
          const t = Number(takeSelect.value);
          const take = await api("GET", `${base}/scenes/${n}/takes/${t}`);
          compareBox.replaceChildren(el("h4", { text: `Take ${t + 1} beside take ${s.take + 1} (in use)` }),
            el("div", { class: "two" },
              el("div", { class: "scene-page", html: take.screenplay_html || "" }),
              el("div", { class: "scene-page", html: s.screenplay_html || "" })));
        } }),
        el("button", { type: "button", class: "needs-idle", id: `use-take-${n}`, text: "Use this take", onclick: async () => {
          try { showJob((await api("POST", `${base}/scenes/${n}/take`, { take: Number(takeSelect.value) })).job); compareBox.replaceChildren(); say(`Switching scene ${n} to take ${Number(takeSelect.value) + 1}…`); }
          catch (e) { say(e.message, "error"); }
        } })] : null) : null;

    return el("li", { class: `scene-card state-${s.state}${failed ? " failed" : ""}`, id: `scene-card-${n}`, "data-state": s.state, "data-take": s.take, "aria-labelledby": `scene-h-${n}` },
      el("header", {},
        el("h2", { id: `scene-h-${n}` }, el("span", { class: "n", text: `${n}.` }), ` ${s.heading}`),
        el("span", { class: `badge ${s.state}`, text: failed ? `failed at ${run.job.failed_stage || "this scene"}` : stateText }),
        s.takes.length > 1 ? el("span", { class: "badge take", text: `take ${s.take + 1} of ${s.takes.length}` }) : null,
        Object.keys(s.edited || {}).length ? el("span", { class: "badge edited", text: "edited" }) : null),
      el("div", { class: "two" }, proseCol, scriptCol),
      findingList(s), actions, compareBox);
  }

  function redraw(n) {
    const s = scenes.get(n);
    const old = cards.get(n);
    // Text being edited survives a live update of its scene.
    const typed = old ? [...old.querySelectorAll("textarea")].map((t) => [t.id, t.value]) : [];
    const focused = document.activeElement && old && old.contains(document.activeElement) ? document.activeElement.id : null;
    const card = sceneCard(s);
    for (const [id, value] of typed) {
      const area = card.querySelector("#" + CSS.escape(id));
      if (area) area.value = value;
    }
    if (old) old.replaceWith(card); else list.append(card);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    cards.set(n, card);
    applyBusy();
  }

  function update(s) {
    scenes.set(s.n, s);
    redraw(s.n);
    const done = [...scenes.values()].filter((x) => x.state === "done").length;
    document.getElementById("progress").textContent = `${done} of ${scenes.size} scenes written`;
  }

  main.append(
    el("div", { class: "title-row" }, el("h1", { text: run.title }),
      el("a", { class: "button quiet", href: `#/run/${id}/story`, text: "Edit the story" })),
    el("section", { class: "card write-panel", "aria-label": "Write" },
      el("div", { class: "row" }, s1, s2, writeButton, el("span", { class: "spacer" }), downloads),
      el("p", { id: "progress", class: "progress" }), jobBox, warningsBox),
    list);
  // The first scenes at once, the rest a batch per frame: the page shows and answers early.
  run.scenes.slice(0, 8).forEach(update);
  for (let i = 8; i < run.scenes.length; i += 24) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    if (myView !== viewNumber) return;
    run.scenes.slice(i, i + 24).forEach(update);
  }
  showJob(run.job);
  refreshOutputs(false);
  warningsBox.replaceChildren(...warningList(run.warnings));

  // Live: the run directory as it changes (this page's jobs, or dsr write in a terminal).
  const source = new EventSource(`${base}/events`);
  source.addEventListener("sigs", async (event) => {
    const sigs = JSON.parse(event.data);
    for (const [n, sig] of Object.entries(sigs)) {
      const known = scenes.get(Number(n));
      if (!known || known.sig !== sig) update(await api("GET", `${base}/scenes/${n}`));
    }
  });
  source.addEventListener("scene", (event) => {
    const s = JSON.parse(event.data);
    update(s);
  });
  source.addEventListener("job", (event) => showJob(JSON.parse(event.data).job));
  leaveView = () => source.close();
}

// ---------------------------------------------------------------- pages

async function pagesView(id) {
  const base = `/api/runs/${encodeURIComponent(id)}`;
  const run = await api("GET", base + "?html=0");
  document.title = `${run.title} · pages · dsr`;
  const data = await api("GET", base + "/pages");
  main.append(el("div", { class: "title-row" }, el("h1", { text: `${run.title}: ${data.pages} pages` }),
    el("a", { class: "button", href: `${base}/download/pdf`, download: "", text: "Download PDF" })),
    el("div", { class: "sheets", html: data.html }));
}

// ---------------------------------------------------------------- start

window.addEventListener("hashchange", route);
// The session (models offered) and the first view's data are fetched at once.
const sessionReady = api("GET", "/api/session").then((data) => { session = data; }, (e) => say(e.message, "error"));
route();
