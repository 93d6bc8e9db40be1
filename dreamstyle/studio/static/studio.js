// dreamstyle studio: the page. It only asks the server (same origin) and draws; no engine logic here.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const studio = {
  info: null,
  tab: "dream",
  photo: { dream: null, transfer: null },   // {path, name, width, height}
  dreamMask: null,                          // {path, canvas}
  styles: [],                               // [{path, name, blend, mask: {path, canvas} | null}]
  watched: null,                            // the job the stage shows
  previewShown: 0,
  previewLoading: false,
  shownResult: null,
  atlas: null,                              // {layer, chosen: Set}
};

// ---- talking to the server -------------------------------------------------------------------------

async function api(method, url, body, headers = {}) {
  const options = { method, headers };
  if (body instanceof Blob || body instanceof ArrayBuffer) options.body = body;
  else if (body !== undefined) { options.body = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  const response = await fetch(url, options);
  const text = await response.text();
  const value = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(value && value.error ? value.error : `${response.status} ${response.statusText}`);
  return value;
}

const fileUrl = (path, thumb) => `/api/file?path=${encodeURIComponent(path)}${thumb ? `&thumb=${thumb}` : ""}`;

function say(text) { $("#message").textContent = text ? `Error: ${text}` : ""; }

async function upload(blob, name) {
  return api("POST", "/api/uploads", blob, { "X-Filename": name });
}

// ---- forms -------------------------------------------------------------------------------------------

function buildSlider(holder) {
  const { name, min, max, step, label } = holder.dataset;
  holder.innerHTML = `<label>${label}</label><div class="pair"><input type="range" min="${min}" max="${max}" step="${step}">`
    + `<input type="number" name="${name}" min="${min}" max="${max}" step="${step}"></div>`;
  const [range, number] = $$("input", holder);
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
  form.elements.preset.value = name;
  $(".description", form).textContent = preset.description;
  applyConfig(form, preset.config);
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
  const holder = $("#styles");
  holder.innerHTML = "";
  const painted = studio.styles.some((style) => style.mask);  // with regions, a style without one goes nowhere
  studio.styles.forEach((style, index) => {
    const row = document.createElement("div");
    row.className = "style";
    row.innerHTML = `<img src="${fileUrl(style.path, 128)}" alt=""><div><div class="name">${style.name}</div>`
      + `<label class="muted">blend <input type="range" min="0" max="1" step="0.05" value="${style.blend}"></label>`
      + `<div class="muted mask-state">${style.mask ? "mask painted" : painted ? "nowhere: paint its region" : "everywhere"}</div></div>`
      + `<div class="buttons"><button type="button" class="paint">mask</button><button type="button" class="remove" title="remove">&#10005;</button></div>`;
    $("input", row).addEventListener("input", (event) => { style.blend = Number(event.target.value); });
    $(".paint", row).addEventListener("click", () => openPainter({ kind: "transfer", index }));
    $(".remove", row).addEventListener("click", () => { studio.styles.splice(index, 1); renderStyles(); });
    holder.appendChild(row);
  });
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

async function blankMask(photo) {
  return (await upload(await maskBlob(maskCanvas(photo)), "mask.png")).path;
}

// ---- jobs --------------------------------------------------------------------------------------------

function commonFields(form) {
  const size = form.elements.size && form.elements.size.value;
  return { preset: form.elements.preset.value, seed: Number(form.elements.seed.value),
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
  const body = { kind: "clip", command, input: form.elements.input.value.trim(), ...commonFields(settingsForm) };
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
    watch(job.id);
  } catch (error) { say(error.message); }
}

function watch(id) {
  studio.watched = id;
  studio.previewShown = 0;
  studio.shownResult = null;
  delete $("#preview").dataset.result;
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

function describe(job) {
  const p = job.progress || {};
  const parts = [p.stage, p.iteration && `iteration ${p.iteration}`, p.size];
  if (p.losses) parts.push(Object.entries(p.losses).map(([name, value]) => `${name} ${Number(value).toPrecision(3)}`).join(" "));
  const line2 = [];
  if (p.total) line2.push(`${p.done}/${p.total}`);
  if (p.rate) line2.push(job.kind === "clip" ? `${p.rate.toFixed(2)} fps` : `${p.rate.toFixed(2)} it/s`);
  if (p.eta !== null && p.eta !== undefined && job.state === "running") line2.push(`ETA ${Math.round(p.eta)} s`);
  if (p.memory) line2.push(`memory ${(p.memory / 2 ** 30).toFixed(2)} GiB`);
  return `${job.title}: ${job.state}${job.error ? ` (${job.error})` : ""}\n${parts.filter(Boolean).join("  ")}\n${line2.join("  ")}`;
}

function showJob(job) {
  $("#status").textContent = describe(job);
  const p = job.progress || {};
  $("#bar div").style.width = p.total ? `${Math.min(100, 100 * p.done / p.total)}%` : "0";
  const preview = $("#preview");
  if (job.result && job.result.output && job.state !== "running" && studio.shownResult !== job.result.output) {
    studio.shownResult = job.result.output;
    preview.dataset.result = job.result.output;
    if (job.kind === "clip") showClip(job.result.output);
    else loadPreview(fileUrl(job.result.output));
    if (job.kind === "atlas") studio.atlas = { result: job.result, chosen: new Set() };
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
  const list = $("#queue");
  list.innerHTML = "";
  const running = jobs.find((job) => job.state === "running");
  $("#stop").disabled = !running;
  $("#stop").dataset.job = running ? running.id : "";
  const queued = jobs.filter((job) => job.state === "queued");
  for (const job of jobs) {
    const item = document.createElement("li");
    item.className = job.state;
    item.dataset.job = job.id;
    const p = job.progress || {};
    const share = p.total ? ` ${Math.round(100 * p.done / p.total)}%` : "";
    item.innerHTML = `<span class="title">${job.title}</span><span class="state">${job.state}${job.state === "running" ? share : ""}</span> `;
    const add = (label, action, body) => {
      const button = document.createElement("button");
      button.textContent = label;
      button.dataset.action = action;
      button.addEventListener("click", (event) => { event.stopPropagation(); jobAction(job.id, action, body); });
      item.appendChild(button);
    };
    if (job.state === "queued") {
      const place = queued.indexOf(job);
      if (place > 0) add("up", "move", { position: place - 1 });
      if (place < queued.length - 1) add("down", "move", { position: place + 1 });
      add("remove", "stop");
    } else if (job.state === "running") add("stop", "stop");
    else add("clear", "remove");
    item.addEventListener("click", () => watch(job.id));
    list.appendChild(item);
  }
  const watched = jobs.find((job) => job.id === studio.watched) || running;
  if (watched) { if (studio.watched !== watched.id) watch(watched.id); showJob(watched); }
}

function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = (event) => renderQueue(JSON.parse(event.data).jobs);
}

// ---- the layer explorer's clickable atlas ---------------------------------------------------------------

function clearCells() { $("#atlas-cells").innerHTML = ""; studio.atlas = null; $("#dream-channels").disabled = true; }

function drawCells() {
  const holder = $("#atlas-cells");
  const preview = $("#preview");
  holder.innerHTML = "";
  if (!studio.atlas) return;
  const { sheet, channels, layer } = studio.atlas.result;
  // The sheet is drawn "contain"ed in the preview's box: find where it lies.
  const scale = Math.min(preview.clientWidth / sheet.size[0], preview.clientHeight / sheet.size[1]);
  const left = preview.offsetLeft + (preview.clientWidth - sheet.size[0] * scale) / 2;
  const top = preview.offsetTop + (preview.clientHeight - sheet.size[1] * scale) / 2;
  holder.style.left = `${left}px`; holder.style.top = `${top}px`;
  holder.style.width = `${sheet.size[0] * scale}px`; holder.style.height = `${sheet.size[1] * scale}px`;
  sheet.corners.forEach(([left, top], index) => {
    const cell = document.createElement("button");
    cell.type = "button";
    cell.title = `${layer}:${channels[index]}`;
    cell.dataset.channel = channels[index];
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
    const holder = $("#history");
    holder.innerHTML = "";
    for (const entry of entries) {
      const button = document.createElement("button");
      button.title = entry.path;
      button.dataset.path = entry.path;
      button.classList.toggle("clip", entry.clip);
      button.innerHTML = `<img src="${fileUrl(entry.path, 160)}" alt="${entry.path}" loading="lazy">`;
      button.addEventListener("click", () => openViewer(entry));
      holder.appendChild(button);
    }
  } catch (error) { say(error.message); }
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
  $("#viewer-settings").textContent = JSON.stringify(entry.metadata, null, 1);
  $("#viewer").showModal();
}

async function likeThisOne() {
  const metadata = viewed.metadata;
  const kind = metadata.command;
  const form = $(`#form-${kind}`);
  if (metadata.preset && presetOf(kind, metadata.preset)) choosePreset(form, metadata.preset);
  applyConfig(form, metadata.config || {});
  setField(form, "seed", metadata.seed);
  setField(form, "size", metadata.size);
  const files = metadata.studio || {};
  try {
    if (files.input && !viewed.clip) await setPhoto(kind, files.input, files.input.split("/").pop());
    if (kind === "transfer" && files.styles) {
      studio.styles = [];
      const blends = String((metadata.config || {}).style_blend || "").split(",").map(Number);
      files.styles.forEach((path, index) => addStyle(path, path.split("/").pop(), blends[index] || 1));
    }
  } catch (error) { say(`like this one: ${error.message}`); }
  if (viewed.clip) {  // the clip and its command go to the Clips tab, the settings to that command's tab
    const clipForm = $("#form-clip");
    setField(clipForm, "input", files.input || "");
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

async function start() {
  studio.info = await api("GET", "/api/info");
  $("#device").textContent = `dreamstyle ${studio.info.version} · ${studio.info.device} · results in ${studio.info.outputs}`;
  $("#roots").textContent = studio.info.roots.length ? `The studio may use: ${studio.info.roots.join(", ")}`
    : "Start the studio with the clip's path (dreamstyle studio PATH) to use a clip on disk.";
  $$(".slider").forEach(buildSlider);
  for (const kind of ["dream", "transfer"]) {
    const form = $(`#form-${kind}`);
    form.elements.preset.innerHTML = studio.info.presets[kind].map((p) => `<option>${p.name}</option>`).join("");
    form.elements.preset.addEventListener("change", () => choosePreset(form, form.elements.preset.value));
    choosePreset(form, "classic");
    setField(form, "size", 512);
    dropZone($(".drop[data-role=photo]", form), (file) => photoDropped(kind, file));
  }
  dropZone($("#form-transfer .drop[data-role=style]"), styleDropped);
  $("#form-atlas").elements.layer.innerHTML = studio.info.layers
    .map((layer) => `<option value="${layer.name}">${layer.name} (${layer.channels} channels)</option>`).join("");
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
  document.body.dataset.ready = "1";
}

start().catch((error) => say(error.message));
