// Check files: upload each file to POST /api/check, one at a time, and list the results.
"use strict";
(function () {
  const input = document.getElementById("files");
  const drop = document.getElementById("drop");
  const tbody = document.querySelector("#results tbody");
  const panel = document.getElementById("results-panel");
  const frame = document.getElementById("report");
  const scenario = document.getElementById("scenario");
  let queue = Promise.resolve();

  scenarioOptions(scenario, { any: "None: the general checks" });

  function nameCell(name) {
    return el("td", { class: "name", title: name }, breakable(name));
  }

  function mark(found) {
    return el("td", { class: "mark " + (found ? "yes" : "no") }, found ? "✓" : "✗");
  }

  function openReport(id, row) {
    for (const r of tbody.querySelectorAll("tr")) r.classList.toggle("current", r === row);
    frame.hidden = false;
    frame.src = `/report/${id}`;
    frame.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function addFile(file) {
    const concern = document.getElementById("concern").value.trim();
    if (concern) return addAnswer(file, concern);
    panel.hidden = false;
    const row = el("tr", {}, nameCell(file.name),
      el("td", { colspan: 7, class: "status" }, "waiting…"));
    tbody.append(row);
    queue = queue.then(() => checkOne(file, row));
  }

  // --- answers to the interviewer's concern (not stored: feedback shown in the table) ---
  const ANSWER_PARTS = ["acknowledge", "address", "high_note"];
  const answers = document.querySelector("#answers tbody");

  function addAnswer(file, concern) {
    document.getElementById("answers-panel").hidden = false;
    const row = el("tr", {}, nameCell(file.name),
      el("td", { colspan: 5, class: "status" }, "waiting…"));
    answers.append(row);
    queue = queue.then(() => checkAnswer(file, concern, row));
  }

  // the note on an answer where nothing was said (as the CLI's report checks for it)
  const silent = (data) => (data.notes || []).includes("no speech heard");

  function feedbackRow(data) {
    const fb = data.feedback || { praise: [], tips: [] };
    const items = silent(data) ? [el("li", {}, "No speech heard, so the answer could not be checked.")]
      : [...fb.praise.map((p) => el("li", {}, "✓ ", p)),
        ...fb.tips.map((t) => el("li", {}, `✗ ${t.observed} `, el("em", {}, t.tip), " Try: ", `“${t.example}”`))];
    return el("tr", { class: "feedback", hidden: true },
      el("td", { colspan: 6 }, el("p", {}, `Concern (${data.concern.kind.replace("_", " ")}): “${data.concern.text}”`),
        el("ul", {}, items)));
  }

  async function checkAnswer(file, concern, row) {
    row.cells[1].textContent = "checking…";
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("concern", concern);
    let data;
    try {
      data = (await api("/api/check", { method: "POST", body: form })).body;
    } catch (e) {
      row.replaceChildren(nameCell(file.name), el("td", { colspan: 5, class: "error" }, e.message));
      return;
    }
    if (!data.ok) {
      row.replaceChildren(nameCell(file.name),
        el("td", { colspan: 5, class: "error" }, `could not be checked: ${data.error}`));
      return;
    }
    const details = feedbackRow(data);
    const toggle = el("button", { type: "button", "aria-expanded": "false",
      "aria-label": `Feedback on ${data.source}`, onclick: () => {
        details.hidden = !details.hidden;
        toggle.setAttribute("aria-expanded", String(!details.hidden));
        toggle.textContent = details.hidden ? "Show" : "Hide";
      } }, "Show");
    row.replaceChildren(
      nameCell(data.source),
      el("td", { class: "opt" }, data.duration_s !== null ? clock(data.duration_s) : "typed"),
      // a silent answer says so, rather than three crosses and advice on its ending
      ...(silent(data) ? [noSpeechCell(ANSWER_PARTS.length)]
        : ANSWER_PARTS.map((p) => mark(data.elements[p].found))),
      el("td", {}, toggle),
    );
    row.after(details);
  }

  async function checkOne(file, row) {
    row.cells[1].textContent = "checking…";
    const form = new FormData();
    form.append("file", file, file.name);
    if (scenario.value) form.append("scenario", scenario.value);
    const tag = document.getElementById("tag").value.trim();
    if (tag) form.append("tag", tag);
    let result;
    try {
      result = await api("/api/check", { method: "POST", body: form });
    } catch (e) {
      row.replaceChildren(nameCell(file.name), el("td", { colspan: 7, class: "error" }, e.message));
      return;
    }
    const data = result.body;
    if (!data.ok) {
      row.replaceChildren(nameCell(file.name),
        el("td", { colspan: 7, class: "error" }, `could not be checked: ${data.error}`));
      return;
    }
    const id = result.headers.get("x-attempt-id");
    const pace = data.extras.words_per_minute;
    const button = el("button", { type: "button", onclick: () => openReport(id, row) }, "Open report");
    row.replaceChildren(
      nameCell(data.source),
      el("td", { class: "opt" }, data.duration_s !== null ? clock(data.duration_s) : "typed"),
      // a silent file says so, as the report does, rather than four crosses
      ...(data.extras.speech_heard === false ? [noSpeechCell()]
        : PARTS.map((p) => mark(data.elements[p].found))),
      el("td", { class: "opt" }, pace ? `${Math.round(pace)}/min` : "–"),
      el("td", {}, id ? button : "not stored"),
    );
    row.dataset.attempt = id || "";
  }

  input.addEventListener("change", () => {
    for (const file of input.files) addFile(file);
    input.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    for (const file of e.dataTransfer.files) addFile(file);
  });
})();
