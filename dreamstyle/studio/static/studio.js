// dreamstyle studio: the page. It only asks the server (same origin) and draws; no engine logic here.
// Text from the server (file names, titles, settings) reaches the page only as text: every element that
// carries data is built by el(), never from a string of markup.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// An element: el("img", { src, alt }, child...), properties set through the DOM and children as nodes or text.
function el(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element[name] = value;
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// The per-server secret the studio put in this page; it goes with every request that changes something.
const SECRET = document.querySelector("meta[name=dreamstyle-secret]").content;

const studio = {
  info: null,
  tab: "dream",
  photo: { dream: null, transfer: null },   // {path, name, width, height}
  dreamMask: null,                          // {path, canvas}
  styles: [],                               // [{path, name, blend, mask: {path, canvas} | null}]
  watched: null,                            // the job the stage shows
  jobs: [],                                 // the queue as last told
  previewShown: 0,
  previewLoading: false,
  shownResult: null,
  atlas: null,                              // {layer, chosen: Set}
};

// ---- talking to the server -------------------------------------------------------------------------

async function api(method, url, body, headers = {}) {
  if (method !== "GET") headers["X-Dreamstyle-Secret"] = SECRET;
  const options = { method, headers };
  if (body instanceof Blob || body instanceof ArrayBuffer) options.body = body;
  else if (body !== undefined) { options.body = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  const response = await fetch(url, options);
  const text = await response.text();
  const value = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(value && value.error ? value.error : `${response.status} ${response.statusText}`);
    error.setting = value && value.setting;  // the setting the server refused, if it was about one
    throw error;
  }
  return value;
}

const fileUrl = (path, thumb) => `/api/file?path=${encodeURIComponent(path)}${thumb ? `&thumb=${thumb}` : ""}`;

function say(text) { $("#message").textContent = text ? `Error: ${text}` : ""; }

// The field of a setting the studio refused is marked, so the eye goes where the fix is.
function markInvalid(setting) {
  for (const field of document.querySelectorAll("[aria-invalid=true]")) field.removeAttribute("aria-invalid");
  if (!setting) return;
  const forms = [$(`#form-${studio.tab}`)];
  if (studio.tab === "clip") forms.push($(`#form-${$("#form-clip").elements.command.value}`));
  for (const form of forms) {
    const field = form && form.elements.namedItem(setting);
    if (field instanceof Element) field.setAttribute("aria-invalid", "true");
  }
}

async function upload(blob, name) {
  return api("POST", "/api/uploads", blob, { "X-Filename": name });
}

// ---- forms -------------------------------------------------------------------------------------------

function buildSlider(holder) {
  const { name, min, max, step, label } = holder.dataset;
  const range = el("input", { type: "range", min, max, step });
  const number = el("input", { type: "number", name, min, max, step });
  holder.replaceChildren(el("label", { textContent: label }), el("div", { className: "pair" }, range, number));
  range.addEventListener("input", () => { number.value = range.value; });
  number.addEventListener("input", () => { range.value = number.value; });
  if (holder.dataset.value) { range.value = number.value = holder.dataset.value; }
}

function setField(form, name, value) {
  const field = form.elements[name];
  if (!field || value === undefined || value === null) return;
  field.value = value;
  field.dispatchEvent(new Event("input"));
}

function applyConfig(form, config) {
  for (const [name, value] of Object.entries(config)) if (name !== "size") setField(form, name, value);
}

const SPECIAL = new Set(["preset", "seed", "size", "input", "command", "layer", "tile"]);

function settingsOf(form) {
  const settings = {};
  for (const field of form.elements) {
    if (!field.name || SPECIAL.has(field.name) || field.value === "") continue;
    if (form.dataset.kind === "atlas" && field.name === "channels") continue;
    settings[field.name] = field.type === "number" ? Number(field.value) : field.value;
  }
  return settings;
}

function presetOf(kind, name) { return studio.info.presets[kind].find((preset) => preset.name === name); }

function choosePreset(form, name) {
  const preset = presetOf(form.dataset.kind, name);
  form.dataset.preset = name;
  applyConfig(form, preset.config);
  markPreset(form);
}

// The preset menu says "custom" once a setting departs from the preset's; the run still starts from it.
function changedSettings(form, config) {
  return Object.entries(settingsOf(form)).filter(([name, value]) => name in config && config[name] !== null
    && String(config[name]) !== String(value)).map(([name]) => name);
}

// What the Transfer tab's iterations mean: coarser scales run a multiple of them (the config's factors), so the
// form says the steps the run makes, as its progress will count them.
function showPlan(form) {
  const plan = $(".plan", form);
  if (!plan) return;
  const config = presetOf("transfer", form.dataset.preset).config;
  if (!("coarse_iterations_factor" in config)) { plan.textContent = ""; return; }  // its settings plan no scales
  const value = (name) => Number(form.elements[name] ? form.elements[name].value : config[name]);
  const [iterations, scales] = [value("iterations"), value("scales")];
  const steps = scales > 1 ? (scales - 1) * Math.max(1, Math.round(iterations * config.coarse_iterations_factor))
    + Math.max(1, Math.round(iterations * config.final_iterations_factor)) : iterations;
  plan.textContent = `${steps} steps over ${scales} scale${scales > 1 ? "s" : ""} (fewer scales if the picture is small)`;
}

function markPreset(form) {
  showPlan(form);
  const preset = presetOf(form.dataset.kind, form.dataset.preset);
  const changed = changedSettings(form, preset.config);
  const custom = changed.length > 0;
  const menu = form.elements.preset;
  const customOption = $("option[value=custom]", menu);
  customOption.hidden = !custom;
  customOption.textContent = `custom (from ${preset.name})`;
  menu.value = custom ? "custom" : preset.name;
  $(".description", form).textContent = custom
    ? `${preset.description} Changed: ${changed.map((name) => name.replace(/_/g, " ")).join(", ")}.`
    : preset.description;
}

function newSeed(form) { form.elements.seed.value = Math.floor(Math.random() * 2 ** 31); }

// ---- photos, styles and masks -----------------------------------------------------------------------

function dropZone(zone, onFile) {
  const input = $("input[type=file]", zone);
  input.addEventListener("change", () => { if (input.files[0]) onFile(input.files[0]); input.value = ""; });
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

function imageSize(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
    image.onerror = () => reject(new Error("the image did not load"));
    image.src = url;
  });
}

async function setPhoto(kind, path, name) {
  const size = await imageSize(fileUrl(path));
  studio.photo[kind] = { path, name, ...size };
  const zone = $(`#form-${kind} .drop[data-role=photo]`);
  zone.classList.add("has");
  $("img", zone).src = fileUrl(path, 256);
  $("span", zone).firstChild.textContent = `${name}: drop another, or `;
  $("img", zone).alt = name;
  if (kind === "dream") { studio.dreamMask = null; showDreamMask(); }
  else for (const style of studio.styles) style.mask = null;
  renderStyles();
}

async function photoDropped(kind, file) {
  try { say(""); const saved = await upload(file, file.name); await setPhoto(kind, saved.path, file.name); }
  catch (error) { say(error.message); }
}

async function styleDropped(file) {
  try { say(""); const saved = await upload(file, file.name); addStyle(saved.path, file.name); }
  catch (error) { say(error.message); }
}

function addStyle(path, name, blend = 1) {
  studio.styles.push({ path, name, blend, mask: null });
  renderStyles();
}

function renderStyles() {
  const painted = studio.styles.some((style) => style.mask);  // with regions, a style without one goes nowhere
  $("#styles").replaceChildren(...studio.styles.map((style, index) => el("div", { className: "style" },
    el("img", { src: fileUrl(style.path, 128), alt: "" }),
    el("div", {},
      el("div", { className: "name", textContent: style.name, title: style.name }),
      el("label", { className: "muted" }, "blend ",
        el("input", { type: "range", min: 0, max: 1, step: 0.05, value: style.blend,
                      oninput: (event) => { style.blend = Number(event.target.value); } })),
      el("div", { className: "muted mask-state",
                  textContent: style.mask && !style.mask.empty ? "mask painted"
                    : painted ? "nowhere: paint its region" : "everywhere" })),
    el("div", { className: "buttons" },
      el("button", { type: "button", className: "paint", textContent: "mask",
                     onclick: () => openPainter({ kind: "transfer", index }) }),
      el("button", { type: "button", className: "remove", title: "remove", textContent: "\u2715",
                     onclick: () => { studio.styles.splice(index, 1); renderStyles(); } })))));
}

function showDreamMask() {
  $("#form-dream .mask-state").textContent = studio.dreamMask ? "mask painted: the dream stays inside it"
    : "no mask: the whole picture";
}

// The painter: strokes in one colour on a transparent canvas at the photo's shape; exported as a white-on-black mask.
const painter = { target: null, drawing: false, last: null };

function blankCanvas(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width; canvas.height = height;
  return canvas;
}

function maskCanvas(photo) {  // a mask is painted and sent at the photo's shape, at most 1024 px
  const scale = Math.min(1, 1024 / Math.max(photo.width, photo.height));
  return blankCanvas(Math.round(photo.width * scale), Math.round(photo.height * scale));
}

function openPainter(target) {
  const photo = studio.photo[target.kind];
  if (!photo) { say("choose a photo first, then paint on it"); return; }
  painter.target = target;
  const canvas = $("#painter-canvas");
  const shape = maskCanvas(photo);
  canvas.width = shape.width;
  canvas.height = shape.height;
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const earlier = target.kind === "dream" ? studio.dreamMask : studio.styles[target.index].mask;
  if (earlier && earlier.canvas) context.drawImage(earlier.canvas, 0, 0, canvas.width, canvas.height);
  $("#painter-photo").src = fileUrl(photo.path);
  $("#painter-title").textContent = target.kind === "dream" ? "Where the dream may add detail"
    : `Where ${studio.styles[target.index].name} goes`;
  $("#painter").showModal();
}

function paintAt(event) {
  const canvas = $("#painter-canvas");
  const rect = canvas.getBoundingClientRect();
  const point = [(event.clientX - rect.left) * canvas.width / rect.width, (event.clientY - rect.top) * canvas.height / rect.height];
  const context = canvas.getContext("2d");
  const erase = $("input[name=brush-mode]:checked").value === "erase";
  context.globalCompositeOperation = erase ? "destination-out" : "source-over";
  context.strokeStyle = context.fillStyle = "rgb(255, 72, 72)";
  context.lineWidth = Number($("#brush").value) * canvas.width / rect.width;
  context.lineCap = context.lineJoin = "round";
  context.beginPath();
  context.moveTo(...(painter.last || point));
  context.lineTo(...point);
  context.stroke();
  painter.last = point;
}

function maskBlob(canvas) {
  const white = blankCanvas(canvas.width, canvas.height);
  const whiteContext = white.getContext("2d");
  whiteContext.drawImage(canvas, 0, 0);
  whiteContext.globalCompositeOperation = "source-in";
  whiteContext.fillStyle = "#fff";
  whiteContext.fillRect(0, 0, white.width, white.height);
  const out = blankCanvas(canvas.width, canvas.height);
  const context = out.getContext("2d");
  context.fillStyle = "#000";
  context.fillRect(0, 0, out.width, out.height);
  context.drawImage(white, 0, 0);
  return new Promise((resolve) => out.toBlob(resolve, "image/png"));
}

async function finishPainting() {
  const canvas = $("#painter-canvas");
  const kept = blankCanvas(canvas.width, canvas.height);
  kept.getContext("2d").drawImage(canvas, 0, 0);
  try {
    const saved = await upload(await maskBlob(canvas), "mask.png");
    const mask = { path: saved.path, canvas: kept };
    if (painter.target.kind === "dream") { studio.dreamMask = mask; showDreamMask(); }
    else { studio.styles[painter.target.index].mask = mask; renderStyles(); }
    $("#painter").close();
  } catch (error) { say(error.message); }
}

// A saved white-on-black mask as the painter's strokes: the painter's colour, opaque where the mask is white.
async function maskFromFile(path) {
  const image = el("img", { src: fileUrl(path) });
  await image.decode();
  const canvas = blankCanvas(image.naturalWidth, image.naturalHeight);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  let empty = true;
  for (let i = 0; i < pixels.data.length; i += 4) {
    const white = pixels.data[i];
    if (white) empty = false;
    pixels.data.set([255, 72, 72, white], i);
  }
  context.putImageData(pixels, 0, 0);
  return { path, canvas, empty };
}

async function blankMask(photo) {
  return (await upload(await maskBlob(maskCanvas(photo)), "mask.png")).path;
}

// ---- jobs --------------------------------------------------------------------------------------------

function commonFields(form) {
  const size = form.elements.size && form.elements.size.value;
  return { preset: form.dataset.preset, seed: Number(form.elements.seed.value),
           size: size ? Number(size) : null, settings: settingsOf(form) };
}

async function stillRequest(kind) {
  const form = $(`#form-${kind}`);
  const photo = studio.photo[kind];
  if (!photo) throw new Error("input: drop or pick a photo first");
  const body = { kind, input: photo.path, ...commonFields(form) };
  if (kind === "dream") body.masks = studio.dreamMask ? [studio.dreamMask.path] : [];
  else {
    body.styles = studio.styles.map((style) => style.path);
    if (studio.styles.length > 1) body.settings.style_blend = studio.styles.map((style) => style.blend).join(",");
    if (studio.styles.some((style) => style.mask)) {
      body.masks = [];
      for (const style of studio.styles) body.masks.push(style.mask ? style.mask.path : await blankMask(photo));
    }
  }
  return body;
}

async function requestOf(tab) {
  if (tab === "dream" || tab === "transfer") return stillRequest(tab);
  if (tab === "atlas") {
    const form = $("#form-atlas");
    return { kind: "atlas", layer: form.elements.layer.value, channels: form.elements.channels.value,
             tile: Number(form.elements.tile.value), seed: Number(form.elements.seed.value),
             settings: { iterations: Number(form.elements.iterations.value) } };
  }
  const form = $("#form-clip");
  const command = form.elements.command.value;
  const settingsForm = $(`#form-${command}`);
  const body = { kind: "clip", command, input: form.elements.input.value, ...commonFields(settingsForm) };
  if (command === "transfer") {
    body.styles = studio.styles.map((style) => style.path);
    if (studio.styles.length > 1) body.settings.style_blend = studio.styles.map((style) => style.blend).join(",");
  }
  return body;
}

async function run() {
  say("");
  try {
    const job = await api("POST", "/api/jobs", await requestOf(studio.tab));
    markInvalid(null);
    watch(job.id);
    showJob(job);
  } catch (error) { say(error.message); markInvalid(error.setting); }
}

// The stage belongs to the job it names: watching another clears it until that job's own picture comes.
function watch(id) {
  studio.watched = id;
  studio.previewShown = 0;
  studio.shownResult = null;
  studio.previewLoading = false;
  const preview = $("#preview");
  preview.onload = preview.onerror = null;  // a picture of the job watched before must not land here
  delete preview.dataset.result;
  preview.classList.remove("shown");
  preview.removeAttribute("src");
  $("#placeholder").hidden = false;
  showClip(null);
  clearCells();
}

function showClip(path) {  // a finished clip plays where its frames grew
  $("#preview").hidden = Boolean(path);
  playIn($("#stage-video"), path);
}

function playIn(video, path) {  // shows and plays the clip at path; null hides and stops the video
  video.hidden = !path;
  if (path) {
    video.src = fileUrl(path);
    video.play().catch(() => {});  // a browser that cannot autoplay still shows the controls
  } else {
    video.pause();
    video.removeAttribute("src");
  }
}

async function jobAction(id, action, body) {
  try {
    if (action === "remove") await api("DELETE", `/api/jobs/${id}`);
    else await api("POST", `/api/jobs/${id}/${action}`, body);
  } catch (error) { say(error.message); }
}

async function clearEnded() {
  try { await api("DELETE", "/api/jobs"); } catch (error) { say(error.message); }
}

function describe(job) {
  const p = job.progress || {};
  const parts = [p.stage, p.iteration && `iteration ${p.iteration}`, p.size];
  if (p.losses) parts.push(Object.entries(p.losses).map(([name, value]) => `${name} ${Number(value).toPrecision(3)}`).join(" "));
  const line2 = [];
  if (p.total) line2.push(`${p.done}/${p.total}`);
  if (p.rate) line2.push(job.kind === "clip" ? `${p.rate.toFixed(2)} fps` : `${p.rate.toFixed(2)} it/s`);
  if (p.eta !== null && p.eta !== undefined && job.state === "running") line2.push(`ETA ${Math.round(p.eta)} s`);
  if (p.memory) line2.push(`memory ${(p.memory / 2 ** 30).toFixed(2)} GiB`);
  const output = job.result && job.result.output;
  if (output) line2.push(`${job.state === "stopped" ? "kept" : "wrote"} ${output}`);
  return `${job.title}: ${job.state}${job.error ? ` (${job.error})` : ""}\n${parts.filter(Boolean).join("  ")}\n${line2.join("  ")}`;
}

const ENDED = new Set(["done", "stopped", "failed"]);

function showJob(job) {
  $("#status").textContent = describe(job);
  if (job.state === "failed" && job.error_setting) markInvalid(job.error_setting);
  const p = job.progress || {};
  const share = job.state === "done" ? 1 : p.total ? Math.min(1, p.done / p.total) : 0;
  $("#bar div").style.width = `${100 * share}%`;
  const preview = $("#preview");
  if (!studio.shownResult && !(job.result && job.result.output) && !job.preview) {
    $("#placeholder").textContent = ENDED.has(job.state) ? `${job.title}: ${job.state} before its first picture.`
      : job.state === "queued" ? `${job.title}: waiting for its turn.` : "The picture grows here.";
  }
  if (job.result && job.result.output && job.state !== "running" && studio.shownResult !== job.result.output) {
    studio.shownResult = job.result.output;
    preview.dataset.result = job.result.output;
    if (job.kind === "clip") showClip(job.result.output);
    else loadPreview(fileUrl(job.result.output));
    if (job.kind === "atlas") showAtlas(job.result);
    refreshHistory();
  } else if (job.preview > studio.previewShown && !studio.previewLoading && !studio.shownResult) {
    // Pulled at the browser's pace: one request at a time, always the newest.
    studio.previewShown = job.preview;
    loadPreview(`/api/jobs/${job.id}/preview?v=${job.preview}`);
  }
}

function loadPreview(url) {
  const preview = $("#preview");
  studio.previewLoading = true;
  preview.onload = () => {
    studio.previewLoading = false;
    preview.classList.add("shown");
    $("#placeholder").hidden = true;
    preview.dataset.loads = String(Number(preview.dataset.loads || 0) + 1);
    if (studio.atlas && url.startsWith("/api/file")) drawCells();
  };
  preview.onerror = () => { studio.previewLoading = false; };
  preview.src = url;
}

function renderQueue(jobs) {
  studio.jobs = jobs;
  const running = jobs.find((job) => job.state === "running");
  $("#stop").disabled = !running;
  $("#stop").dataset.job = running ? running.id : "";
  $("#clear-ended").disabled = !jobs.some((job) => ENDED.has(job.state));
  const queued = jobs.filter((job) => job.state === "queued");
  $("#queue").replaceChildren(...jobs.map((job) => {
    const p = job.progress || {};
    const share = job.state === "running" && p.total ? ` ${Math.round(100 * p.done / p.total)}%` : "";
    const output = job.result && job.result.output;
    const item = el("li", { className: job.state, dataset: { job: job.id }, onclick: () => { watch(job.id); showJob(job); } },
      el("span", { className: "title", textContent: job.title }),
      output ? el("span", { className: "output", textContent: output }) : null,
      el("span", { className: "state", textContent: `${job.state}${share}` }), " ");
    item.classList.toggle("watched", job.id === studio.watched);
    const add = (label, action, body) => item.append(el("button", {
      type: "button", textContent: label, dataset: { action },
      onclick: (event) => { event.stopPropagation(); jobAction(job.id, action, body); } }));
    if (job.state === "queued") {
      const place = queued.indexOf(job);
      if (place > 0) add("up", "move", { position: place - 1 });
      if (place < queued.length - 1) add("down", "move", { position: place + 1 });
      add("remove", "remove");
    } else if (job.state === "running") add("stop", "stop");
    else add("clear", "remove");
    return item;
  }));
  const watched = jobs.find((job) => job.id === studio.watched) || running;
  if (watched) { if (studio.watched !== watched.id) watch(watched.id); showJob(watched); }
}

function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = (event) => renderQueue(JSON.parse(event.data).jobs);
}

// ---- the layer explorer's clickable atlas ---------------------------------------------------------------

function clearCells() { $("#atlas-cells").replaceChildren(); studio.atlas = null; $("#dream-channels").disabled = true; }

function showAtlas(result) { studio.atlas = { result, chosen: new Set() }; }

function drawCells() {
  const holder = $("#atlas-cells");
  const preview = $("#preview");
  holder.replaceChildren();
  if (!studio.atlas) return;
  const { sheet, channels, layer } = studio.atlas.result;
  // The sheet is drawn "contain"ed in the preview's box: find where it lies.
  const scale = Math.min(preview.clientWidth / sheet.size[0], preview.clientHeight / sheet.size[1]);
  const left = preview.offsetLeft + (preview.clientWidth - sheet.size[0] * scale) / 2;
  const top = preview.offsetTop + (preview.clientHeight - sheet.size[1] * scale) / 2;
  holder.style.left = `${left}px`; holder.style.top = `${top}px`;
  holder.style.width = `${sheet.size[0] * scale}px`; holder.style.height = `${sheet.size[1] * scale}px`;
  sheet.corners.forEach(([left, top], index) => {
    const cell = el("button", { type: "button", title: `${layer}:${channels[index]}`,
                                dataset: { channel: channels[index] } });
    Object.assign(cell.style, { left: `${left * scale}px`, top: `${top * scale}px`,
                                width: `${sheet.tile[1] * scale}px`, height: `${sheet.tile[0] * scale}px` });
    cell.classList.toggle("chosen", studio.atlas.chosen.has(channels[index]));
    cell.addEventListener("click", () => {
      const chosen = studio.atlas.chosen;
      if (chosen.has(channels[index])) chosen.delete(channels[index]); else chosen.add(channels[index]);
      cell.classList.toggle("chosen");
      $("#dream-channels").disabled = chosen.size === 0;
    });
    holder.appendChild(cell);
  });
}

function dreamOnChosen() {
  const { layer } = studio.atlas.result;
  const chosen = [...studio.atlas.chosen].sort((a, b) => a - b);
  const form = $("#form-dream");
  setField(form, "layers", `${layer}:1`);
  setField(form, "channels", `${layer}=${chosen.join(",")}`);
  showTab("dream");
}

// ---- history and the viewer ---------------------------------------------------------------------------

async function refreshHistory() {
  try {
    const entries = await api("GET", "/api/history");
    $("#history").replaceChildren(...entries.map((entry) => {
      const button = el("button", { type: "button", title: entry.path, dataset: { path: entry.path },
                                    onclick: () => openViewer(entry) },
        el("img", { src: fileUrl(entry.path, 160), alt: entry.path, loading: "lazy" }));
      button.classList.toggle("clip", entry.clip);
      return button;
    }));
  } catch (error) { say(error.message); }
}

// The settings as a person reads them: one line each, the engine's config flattened in.
function settingsList(metadata) {
  const rows = [];
  const add = (name, value) => {
    if (value === null || value === undefined || value === "" || typeof value === "object") return;
    rows.push(el("dt", { textContent: name.replace(/_/g, " ") }), el("dd", { textContent: String(value) }));
  };
  for (const name of ["command", "preset", "size", "seed", "layer", "channels", "tile", "input", "weights",
                      "precision", "device", "interrupted_at_step"]) {
    add(name, Array.isArray(metadata[name]) ? metadata[name].join(", ") : metadata[name]);
  }
  const files = metadata.studio || {};
  if (files.styles && files.styles.length) add("styles", files.styles.map((path) => path.split("/").pop()).join(", "));
  if (files.masks && files.masks.length) add("masks", files.masks.join(", "));
  for (const [name, value] of Object.entries(metadata.config || {})) add(name, value);
  return rows;
}

let viewed = null;

function openViewer(entry) {
  viewed = entry;
  const studioFiles = entry.metadata.studio || {};
  $("#viewer-title").textContent = entry.path;
  $("#compare").hidden = entry.clip;
  playIn($("#viewer-video"), entry.clip ? entry.path : null);
  if (!entry.clip) {
    $("#compare-after").src = fileUrl(entry.path);
    $("#compare-before").src = studioFiles.input ? fileUrl(studioFiles.input) : fileUrl(entry.path);
    $("#compare-slider").value = 50;
    $("#compare-after-wrap").style.clipPath = "inset(0 0 0 50%)";
  }
  $("#viewer-download").href = fileUrl(entry.path);
  $("#viewer-download").download = entry.path;
  $("#viewer-settings").replaceChildren(...settingsList(entry.metadata));
  $("#viewer").showModal();
}

function likeAtlas(entry) {
  const metadata = entry.metadata;
  const form = $("#form-atlas");
  setField(form, "layer", metadata.layer);
  setField(form, "channels", metadata.channels.join(","));
  setField(form, "tile", metadata.tile);
  setField(form, "seed", metadata.seed);
  setField(form, "iterations", (metadata.config || {}).iterations);
  watch(null);
  studio.shownResult = entry.path;
  $("#preview").dataset.result = entry.path;
  showAtlas({ layer: metadata.layer, channels: metadata.channels, sheet: metadata.sheet, output: entry.path });
  loadPreview(fileUrl(entry.path));
  $("#status").textContent = `${entry.path}: atlas of ${metadata.layer}, ${metadata.channels.length} channels`;
  $("#viewer").close();
  showTab("atlas");
}

async function likeThisOne() {
  const metadata = viewed.metadata;
  const kind = metadata.command;
  if (kind === "atlas") { likeAtlas(viewed); return; }
  const form = $(`#form-${kind}`);
  if (metadata.preset && presetOf(kind, metadata.preset)) choosePreset(form, metadata.preset);
  applyConfig(form, metadata.config || {});
  setField(form, "seed", metadata.seed);
  setField(form, "size", metadata.size);
  markPreset(form);
  const files = metadata.studio || {};
  // Masks were saved beside the result: in its folder, under the names the metadata gives.
  const folder = viewed.path.includes("/") ? viewed.path.slice(0, viewed.path.lastIndexOf("/") + 1) : "";
  const masks = (files.masks || []).map((name) => folder + name);
  try {
    if (files.input && !viewed.clip) await setPhoto(kind, files.input, files.input.split("/").pop());
    if (kind === "transfer" && files.styles) {
      studio.styles = [];
      const blends = String((metadata.config || {}).style_blend || "").split(",").map(Number);
      files.styles.forEach((path, index) => addStyle(path, path.split("/").pop(), blends[index] || 1));
      if (masks.length === files.styles.length) {
        for (const [index, path] of masks.entries()) studio.styles[index].mask = await maskFromFile(path);
        renderStyles();
      }
    }
    if (kind === "dream" && masks.length) { studio.dreamMask = await maskFromFile(masks[0]); showDreamMask(); }
  } catch (error) { say(`like this one: ${error.message}`); }
  if (viewed.clip) {  // the clip and its command go to the Clips tab, the settings to that command's tab
    const clipForm = $("#form-clip");
    await refreshClips(files.input);
    setField(clipForm, "command", kind);
  }
  $("#viewer").close();
  showTab(viewed.clip ? "clip" : kind);
}

// ---- the page --------------------------------------------------------------------------------------------

function showTab(tab) {
  studio.tab = tab;
  for (const button of $$("#tabs button")) button.classList.toggle("active", button.dataset.tab === tab);
  for (const form of $$("form.panel")) form.hidden = form.dataset.kind !== tab;
}

// ---- clips -------------------------------------------------------------------------------------------------

async function refreshClips(chosen) {
  const menu = $("#form-clip select[name=input]");
  const keep = chosen === undefined ? menu.value : chosen;
  const clips = await api("GET", "/api/clips");
  menu.replaceChildren(el("option", { value: "", textContent: clips.length ? "choose a clip" : "no clip yet: drop one" }),
                       ...clips.map((clip) => el("option", { value: clip.path, textContent: clip.name, title: clip.path })));
  if (keep && !clips.some((clip) => clip.path === keep)) {
    menu.append(el("option", { value: keep, textContent: keep.split("/").pop() || keep }));
  }
  menu.value = keep || "";
}

async function clipDropped(file) {
  try { say(""); const saved = await upload(file, file.name); await refreshClips(saved.path); }
  catch (error) { say(error.message); }
}

async function start() {
  studio.info = await api("GET", "/api/info");
  $("#device").textContent = `dreamstyle ${studio.info.version} · ${studio.info.device} · results in ${studio.info.outputs}`;
  $("#roots").textContent = studio.info.roots.length ? `Besides its outputs folder, the studio may use: ${studio.info.roots.join(", ")}`
    : "Clips in the outputs folder (videos, or folders of frames) are listed; start the studio with a path "
      + "(dreamstyle studio PATH) to use one elsewhere on disk.";
  $$(".slider").forEach(buildSlider);
  for (const kind of ["dream", "transfer"]) {
    const form = $(`#form-${kind}`);
    form.elements.preset.replaceChildren(...studio.info.presets[kind].map((p) => el("option", { value: p.name, textContent: p.name })),
                                         el("option", { value: "custom", hidden: true }));
    form.elements.preset.addEventListener("change", () => {
      if (form.elements.preset.value !== "custom") choosePreset(form, form.elements.preset.value);
    });
    form.addEventListener("input", (event) => { if (event.target.name !== "preset") markPreset(form); });
    choosePreset(form, "classic");
    setField(form, "size", 512);
    dropZone($(".drop[data-role=photo]", form), (file) => photoDropped(kind, file));
  }
  dropZone($("#form-transfer .drop[data-role=style]"), styleDropped);
  dropZone($("#form-clip .drop[data-role=clip]"), clipDropped);
  $("#form-atlas").elements.layer.replaceChildren(...studio.info.layers.map((layer) =>
    el("option", { value: layer.name, textContent: `${layer.name} (${layer.channels} channels)` })));
  $("#form-atlas").elements.layer.value = "relu4_2";
  for (const form of $$("form.panel")) {
    form.addEventListener("submit", (event) => event.preventDefault());
    if (form.elements.seed) newSeed(form);
    const dice = $(".dice", form);
    if (dice) dice.addEventListener("click", () => newSeed(form));
  }
  $$("#tabs button").forEach((button) => button.addEventListener("click", () => showTab(button.dataset.tab)));
  $("#run").addEventListener("click", run);
  $("#stop").addEventListener("click", () => jobAction($("#stop").dataset.job, "stop"));
  $("#clear-ended").addEventListener("click", clearEnded);
  $(".paint[data-mask=dream]").addEventListener("click", () => openPainter({ kind: "dream" }));
  $("#dream-channels").addEventListener("click", dreamOnChosen);
  const canvas = $("#painter-canvas");
  canvas.addEventListener("pointerdown", (event) => { painter.drawing = true; painter.last = null; canvas.setPointerCapture(event.pointerId); paintAt(event); });
  canvas.addEventListener("pointermove", (event) => { if (painter.drawing) paintAt(event); });
  canvas.addEventListener("pointerup", () => { painter.drawing = false; painter.last = null; });
  $("#painter-clear").addEventListener("click", () => canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height));
  $("#painter-fill").addEventListener("click", () => {
    const context = canvas.getContext("2d");
    context.globalCompositeOperation = "source-over";
    context.fillStyle = "rgb(255, 72, 72)";
    context.fillRect(0, 0, canvas.width, canvas.height);
  });
  $("#painter-done").addEventListener("click", finishPainting);
  $("#painter-cancel").addEventListener("click", () => $("#painter").close());
  $("#viewer-close").addEventListener("click", () => $("#viewer").close());
  $("#viewer").addEventListener("close", () => $("#viewer-video").pause());  // Esc closes it too
  $("#viewer-like").addEventListener("click", likeThisOne);
  $("#compare-slider").addEventListener("input", (event) => {
    $("#compare-after-wrap").style.clipPath = `inset(0 0 0 ${event.target.value}%)`;
  });
  window.addEventListener("resize", drawCells);
  listen();
  refreshHistory();
  refreshClips();
  document.body.dataset.ready = "1";
}

start().catch((error) => say(error.message));
