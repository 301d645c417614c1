// Review: the history as a table with the trend chart; open, play, re-check, delete.
"use strict";
(function () {
  const select = document.getElementById("scenario");
  const tbody = document.querySelector("#attempts tbody");
  const frame = document.getElementById("report");
  const status = document.getElementById("status");
  const player = document.getElementById("player");
  let canDelete = false;

  function mark(found) {
    return el("td", { class: "mark " + (found ? "yes" : "no") }, found ? "✓" : "✗");
  }

  function openReport(id, row) {
    for (const r of tbody.querySelectorAll("tr")) r.classList.toggle("current", r === row);
    frame.hidden = false;
    frame.src = `/report/${id}`;
    frame.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function play(a, part) {
    player.src = `/api/attempts/${a.id}/moment/${part}`;
    status.textContent = `Playing ${PART_NAMES[part].toLowerCase()} in attempt ${a.id}: “${a.elements[part].evidence}”`;
    player.play().catch((e) => { status.textContent = `Cannot play it: ${e.message}`; });
  }

  async function recheck(a) {
    status.textContent = `Checking attempt ${a.id} again…`;
    try {
      const { body, status: code } = await api(`/api/attempts/${a.id}/recheck`, { method: "POST" });
      if (code !== 200) { status.textContent = body.error; return; }
      status.textContent = body.changes.length
        ? `Attempt ${a.id} checked again: ${body.changes.join("; ")}`
        : `Attempt ${a.id} checked again: nothing changed.`;
    } catch (e) { status.textContent = e.message; }
  }

  async function remove(a) {
    if (!confirm(`Delete attempt ${a.id} from the history?`)) return;
    const { body, status: code } = await api(`/api/attempts/${a.id}`, { method: "DELETE" });
    status.textContent = code === 200 ? `Attempt ${a.id} deleted.` : body.error;
    load();
  }

  function row(a) {
    const r = el("tr", { "data-attempt": a.id });
    const name = a.scenario || a.source.split("/").pop();
    const actions = el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => openReport(a.id, r) }, "Open"));
    if (a.recording) {
      const heard = PARTS.filter((p) => a.elements[p] && a.elements[p].found);
      if (heard.length) {
        const pick = el("select", { "aria-label": `Play a part of attempt ${a.id}` },
          el("option", { value: "" }, "Play…"),
          heard.map((p) => el("option", { value: p }, PART_NAMES[p])));
        pick.addEventListener("change", () => { if (pick.value) play(a, pick.value); pick.value = ""; });
        actions.append(pick);
      }
      actions.append(el("button", { type: "button", onclick: () => recheck(a) }, "Re-check"));
    }
    if (canDelete) actions.append(el("button", { type: "button", onclick: () => remove(a) }, "Delete"));
    r.append(
      el("td", {}, a.id), el("td", {}, localTime(a.created_at)), el("td", { class: "opt" }, name),
      ...PARTS.map((p) => mark(a.elements[p] && a.elements[p].found)),
      el("td", { class: "opt" }, a.words_per_minute ? `${Math.round(a.words_per_minute)}/min` : "–"),
      el("td", {}, actions),
    );
    return r;
  }

  function trendText(t) {
    if (!t) return "";
    const bits = [`${t.attempts} attempt(s), ${t.complete} complete`,
      `${t.complete_in_a_row} complete in a row (best ${t.best_in_a_row})`];
    if (t.most_missed) bits.push(`most often missed: ${PART_NAMES[t.most_missed] || t.most_missed}`);
    return bits.join(" · ");
  }

  async function load() {
    const query = select.value ? `?scenario=${encodeURIComponent(select.value)}` : "";
    const { body } = await api(`/api/history${query}`);
    canDelete = body.can_delete;
    if (select.options.length === 1) {
      for (const s of body.scenarios) select.append(el("option", { value: s }, s));
    }
    const chart = document.getElementById("chart");
    chart.replaceChildren();
    if (body.chart) {
      // the chart is the report page's own (drawn by the server, escaped there); its inline
      // style is not allowed by this page's policy, so its size is set here instead
      const doc = new DOMParser().parseFromString(body.chart, "text/html");
      const svg = doc.querySelector("svg");
      if (svg) {
        svg.removeAttribute("style");
        svg.style.maxWidth = `${svg.viewBox.baseVal.width * 1.4}px`;
        chart.append(el("p", { class: "hint" }, "Oldest on the left. Filled: the part was heard. " +
          "The green band is a comfortable pace, 120–170 words a minute."), svg);
      }
    }
    document.getElementById("trend").textContent = trendText(body.trend);
    document.getElementById("empty").hidden = body.attempts.length > 0;
    tbody.replaceChildren(...body.attempts.slice().reverse().map(row));
  }

  select.addEventListener("change", load);
  load().catch((e) => { status.textContent = e.message; });
})();
