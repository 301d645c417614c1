// Review: the history as a table with the trend chart, filtered by scenario and tag; open a
// report, play a part's moment (the ▶ ticks), re-check a recording, delete (after a confirm).
"use strict";
(function () {
  const select = document.getElementById("scenario");
  const tags = document.getElementById("tag");
  const tbody = document.querySelector("#attempts tbody");
  const frame = document.getElementById("report");
  const status = document.getElementById("status");
  const player = document.getElementById("player");

  function marks(a) {
    // an attempt where no speech was heard has no parts to tick: it says so (as history does)
    if (a.no_speech) return [noSpeechCell()];
    return PARTS.map((p) => mark(a, p));
  }

  // the answer to the interviewer's concern after practice, as history's "answer: ack adr hi"
  const ANSWER_PARTS = { acknowledge: "Acknowledge", address: "Address", high_note: "High note" };

  function answerCell(a) {
    if (!a.followup) {  // no answer; or, with its concern, an answer where nothing was said
      return el("td", { class: "opt answer" }, a.concern ? "no speech" : "–");
    }
    const parts = Object.entries(ANSWER_PARTS).map(([part, name]) =>
      [name, Boolean(a.followup[part] && a.followup[part].found)]);
    return el("td", { class: "opt answer",
      title: parts.map(([name, found]) => `${name} ${found ? "✓" : "✗"}`).join(", ") },
      parts.map(([, found]) => (found ? "✓" : "✗")).join(" "));
  }

  function mark(a, part) {
    const e = a.elements[part];
    const found = e && e.found;
    const cell = el("td", { class: "mark " + (found ? "yes" : "no") });
    if (found && a.recording) {
      cell.append(el("button", { type: "button", class: "play", "data-part": part,
        "aria-label": `Play ${PART_NAMES[part].toLowerCase()} in attempt ${a.id}`,
        title: `Play: “${e.evidence}”`, onclick: () => play(a, part) }, "▶✓"));
    } else {
      cell.append(el("span", { "aria-hidden": "true" }, found ? "✓" : "✗"),
        el("span", { class: "sr" }, `${PART_NAMES[part]} ${found ? "heard" : "not heard"}`));
    }
    return cell;
  }

  function openReport(id, row) {
    for (const r of tbody.querySelectorAll("tr")) r.classList.toggle("current", r === row);
    frame.hidden = false;
    frame.src = `/report/${id}`;
    frame.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // a deleted attempt's report and moment go with it (the page would still show and play them)
  function closeReport(id) {
    if (!frame.hidden && frame.getAttribute("src") === `/report/${id}`) {
      frame.hidden = true;
      frame.src = "about:blank";
    }
    if ((document.body.dataset.playing || "").startsWith(`${id}:`)) {
      player.pause();
      delete document.body.dataset.playing;
    }
  }

  async function play(a, part) {
    // fetched first, so a moment that cannot be played says why in a line, not a silent <audio>
    status.textContent = `Fetching ${PART_NAMES[part].toLowerCase()} in attempt ${a.id}…`;
    const response = await fetch(`/api/attempts/${a.id}/moment/${part}`, { credentials: "same-origin" });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = body.error || `${response.status} ${response.statusText}`;
      return;
    }
    if (player.src.startsWith("blob:")) URL.revokeObjectURL(player.src);
    player.src = URL.createObjectURL(await response.blob());
    document.body.dataset.playing = `${a.id}:${part}`;
    status.textContent = `Playing ${PART_NAMES[part].toLowerCase()} in attempt ${a.id}: “${a.elements[part].evidence}”`;
    player.play().catch((e) => { status.textContent = `Cannot play it: ${e.message}`; });
    player.onended = () => {  // "Playing ..." no longer true
      if (document.body.dataset.playing === `${a.id}:${part}`) {
        status.textContent = `Played ${PART_NAMES[part].toLowerCase()} in attempt ${a.id}.`;
        delete document.body.dataset.playing;
      }
    };
  }

  async function recheck(a, button) {
    status.textContent = `Checking attempt ${a.id} again with the current checker…`;
    button.disabled = true;
    try {
      const { body, status: code } = await api(`/api/attempts/${a.id}/recheck`, { method: "POST" });
      if (code !== 200) { status.textContent = body.error; return; }
      status.textContent = body.changes.length
        ? `Attempt ${a.id} checked again: ${body.changes.join("; ")}`
        : `Attempt ${a.id} checked again: nothing changed.`;
    } catch (e) { status.textContent = e.message; } finally { button.disabled = false; }
  }

  // practice records the close and the answer: two recordings, said as two
  function itsRecordings(n) {
    return n > 1 ? `its ${n} recordings (the close and your answer)` : "its recording";
  }

  function confirmDelete(a, r) {
    // asked in a row of its own under the attempt: keyboard-reachable, readable at phone width
    if (r.nextElementSibling && r.nextElementSibling.classList.contains("confirm-row")) return;
    const ask = el("tr", { class: "confirm-row" });
    const cancel = el("button", { type: "button", class: "cancel", onclick: () => {
      ask.remove();
      r.querySelector("button.delete").focus();
    } }, "Cancel");
    const buttons = [el("button", { type: "button", class: "danger confirm",
      onclick: () => remove(a, false) }, "Delete")];
    const made = a.recordings_made || 0;
    if (made && !a.own_file) {
      buttons.push(el("button", { type: "button", class: "danger confirm-files",
        onclick: () => remove(a, true) }, `Delete with ${itsRecordings(made)}`));
    }
    const stays = !a.recording ? ""
      : a.own_file ? ` Its recording is your own file (${a.recording.split("/").pop()}): it stays on disk.`
      : !made ? " Its recording is no longer on disk."
      : made > 1 ? ` Its ${made} recordings stay on disk unless you delete them too.`
      : " Its recording stays on disk unless you delete it too.";
    ask.append(el("td", { colspan: 10 }, el("div", { class: "actions" },
      el("span", { class: "ask", role: "alert" }, `Delete attempt ${a.id} from the history?` + stays),
      ...buttons, cancel)));
    ask.addEventListener("keydown", (e) => { if (e.key === "Escape") cancel.click(); });
    r.after(ask);
    cancel.focus();
  }

  async function remove(a, withFiles) {
    const query = withFiles ? "?recordings=1" : "";
    const { body, status: code } = await api(`/api/attempts/${a.id}${query}`, { method: "DELETE" });
    if (code === 200) closeReport(a.id);
    await load();
    const kept = code === 200 && body.kept.length
      ? ` Your own file ${body.kept.join(", ")} stays on disk: voiceclose deletes only what it recorded.`
      : "";
    const n = code === 200 ? body.files_deleted : 0;  // recordings and the reports beside them
    const files = n === 1 || (n && n === a.recordings_made) ? `, with ${itsRecordings(n)}`
      : n ? `, with ${n} files (its recordings and the reports saved beside them)` : "";
    status.textContent = code === 200
      ? `Attempt ${a.id} deleted${files}.` +
        kept + (body.problems.length ? ` ${body.problems.join("; ")}` : "")
      : body.error;
    status.scrollIntoView({ block: "nearest" });  // seen, however long the table
    status.focus();
  }

  function row(a) {
    const r = el("tr", { "data-attempt": a.id });
    // a practised close is named by its scenario; a checked file by its name (three files
    // checked against one scenario are told apart), with the scenario beside it
    const practised = a.practised;
    const file = a.source.split("/").pop();
    const name = practised ? a.scenario || file : file;
    const against = () => (!practised && a.scenario
      ? el("span", { class: "against" }, `for ${(labels && labels[a.scenario]) || a.scenario}`)
      : null);
    const actions = el("div", { class: "actions" },
      el("button", { type: "button", "aria-label": `Open the report of attempt ${a.id}`,
        onclick: () => openReport(a.id, r) }, "Open"));
    if (a.recording) {
      const again = el("button", { type: "button", class: "recheck" }, "Re-check");
      again.addEventListener("click", () => recheck(a, again));
      actions.append(again);
    }
    actions.append(el("button", { type: "button", class: "delete",
      "aria-label": `Delete attempt ${a.id}`, onclick: () => confirmDelete(a, r) }, "Delete"));
    const tag = () => (a.tag ? el("span", { class: "tag" }, a.tag) : null);
    r.append(
      el("td", {}, a.id),
      // at phone width the name column is hidden: the name goes under the time instead
      el("td", { class: "when" }, localTime(a.created_at),
        el("span", { class: "what", title: name }, breakable(name), tag(), against())),
      el("td", { class: "opt name" }, breakable(name), tag(), against()),
      ...marks(a),
      answerCell(a),
      el("td", { class: "opt" }, a.words_per_minute ? `${Math.round(a.words_per_minute)}/min` : "–"),
      el("td", {}, actions),
    );
    return r;
  }

  function trendText(t) {
    if (!t) return "";
    // attempts where no speech was heard are listed and charted but left out of the counts
    const counted = t.no_speech
      ? `${t.attempts + t.no_speech} attempts, ${t.no_speech} with no speech heard (left out);` +
        ` of the ${t.attempts} with speech, ${t.complete} complete`
      : `${t.attempts} attempt${t.attempts === 1 ? "" : "s"}, ${t.complete} complete`;
    const bits = [counted,
      `${t.complete_in_a_row} complete in a row (best ${t.best_in_a_row})`];
    if (t.most_missed) {
      const tied = (t.most_missed_tied && t.most_missed_tied.length) ? t.most_missed_tied : [t.most_missed];
      const names = tied.map((p) => PART_NAMES[p] || p);
      const said = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0];
      bits.push(`most often missed: ${said} (${t.missed_counts[t.most_missed]} of ${t.attempts}${t.no_speech ? " with speech" : ""}${names.length > 1 ? " each" : ""})`);
    }
    return bits.join(" · ");
  }

  // the scenarios' names as the other pages show them; a scenario since removed keeps its name
  let labels = null;

  async function scenarioLabels() {
    if (labels) return labels;
    const { body, status: code } = await api("/api/scenarios");
    if (code !== 200) return {};  // shown by name until they can be read
    labels = Object.fromEntries(body.scenarios.map((s) => [s.name, scenarioLabel(s)]));
    return labels;
  }

  function fill(list, values, label = {}, chosen = list.value) {
    list.replaceChildren(list.options[0]);
    for (const v of values) list.append(el("option", { value: v }, label[v] || v));
    list.value = values.includes(chosen) ? chosen : "";
  }

  function showChart(markup, shown, total) {
    const chart = document.getElementById("chart");
    chart.replaceChildren();
    if (!markup) return;
    // the chart is the report page's own (drawn and escaped by the server): the names of the
    // parts and the pace scale beside the attempts, which scroll where they do not fit
    const doc = new DOMParser().parseFromString(markup, "text/html");
    const row = doc.querySelector(".chart-row");
    const svg = row && row.querySelector("svg.chart");
    if (!svg) return;
    const latest = shown < total ? `The latest ${shown} of ${total} attempts, oldest` : "Oldest";
    const silent = svg.querySelector("[stroke-dasharray]") ? "Dashed: no speech was heard. " : "";
    chart.append(el("p", { class: "hint" }, `${latest} on the left. Filled: the part was heard. ` +
      `${silent}The green band is a comfortable pace, 120–170 words a minute.`),
      row);
    wholeColumns();
  }

  // Where the attempts scroll (a phone), the newest in view: as many whole columns as fit, so
  // the first one seen is not cut through its squares and its number
  function wholeColumns() {
    const row = document.querySelector("#chart .chart-row");
    const wrap = row && row.querySelector(".chart-wrap");
    const svg = wrap && wrap.querySelector("svg.chart");
    if (!svg) return;
    wrap.style.maxWidth = "";
    const column = Number(svg.dataset.column), trail = Number(svg.dataset.trail);
    const names = row.querySelector(".chart-labels");
    const room = row.clientWidth - (names ? names.getBoundingClientRect().width : 0);
    if (!column || room >= svg.getBoundingClientRect().width) return;
    wrap.style.maxWidth = `${Math.max(1, Math.floor((room - trail) / column)) * column + trail}px`;
  }
  window.addEventListener("resize", wholeColumns);

  // the filters are kept in the page's address, so a reload (or a link) shows the same attempts
  let wanted = new URLSearchParams(location.search);

  async function load() {
    const scenario = wanted ? wanted.get("scenario") || "" : select.value;
    const tag = wanted ? wanted.get("tag") || "" : tags.value;
    wanted = null;
    const query = new URLSearchParams();
    if (scenario) query.set("scenario", scenario);
    if (tag) query.set("tag", tag);
    const { body } = await api(`/api/history?${query}`);
    fill(select, body.scenarios, await scenarioLabels(), scenario);
    fill(tags, body.tags, {}, tag);
    if (select.value !== scenario || tags.value !== tag) {
      return load();  // the chosen filter is gone (its last attempt was deleted): show them all
    }
    history.replaceState(null, "", query.toString() ? `?${query}` : location.pathname);
    tags.closest("label").hidden = !body.tags.length;
    showChart(body.chart, Math.min(body.attempts.length, body.chart_attempts || body.attempts.length),
      body.attempts.length);
    document.getElementById("trend").textContent = trendText(body.trend);
    const empty = document.getElementById("empty");
    empty.hidden = body.attempts.length > 0;
    empty.textContent = query.toString()  // the filters match nothing; the history is not empty
      ? "No attempts match these filters: choose “All scenarios” or “All tags” to see the others."
      : "No attempts yet: practise or check a file and it appears here.";
    document.getElementById("attempts").hidden = !body.attempts.length;
    document.getElementById("play-hint").hidden = !body.attempts.some((a) => a.recording);
    tbody.replaceChildren(...body.attempts.slice().reverse().map(row));
  }

  select.addEventListener("change", load);
  tags.addEventListener("change", load);
  status.tabIndex = -1;
  load().catch((e) => { status.textContent = e.message; });
})();
