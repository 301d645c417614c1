// Practise: choose a scenario and a microphone, Start/Stop (or the space bar), follow the
// recording live (timer, level meter and its warnings, the parts heard so far), then the report.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const start = $("start"), status = $("status"), select = $("scenario");
  const mics = $("microphone"), frame = $("report");
  let scenarios = [], state = "idle", events = null, stopClicked = 0, suggested = 60;

  function showScenario() {
    const s = scenarios.find((x) => x.name === select.value);
    if (!s) return;
    suggested = s.suggested_seconds;
    $("scenario-card").replaceChildren(
      el("h2", {}, `${s.role}, ${s.organisation}`),
      el("dl", {},
        s.field ? [el("dt", {}, "Field"), el("dd", {}, `${s.field} (${s.seniority.toLowerCase()})`)]
          : [el("dt", {}, "Scenario"), el("dd", {}, "your own")],
        el("dt", {}, "Interviewer"), el("dd", {}, s.interviewer),
        el("dt", {}, "What the role needs most"), el("dd", {}, s.needs.join("; ")),
        el("dt", {}, "Aim for"), el("dd", {}, `about ${Math.round(s.suggested_seconds)} seconds`)),
      el("p", { class: "moment" }, s.moment));
  }

  function showParts(parts) {
    $("parts").replaceChildren(...PARTS.map((p) => el("li",
      { class: `part-${p}` + (parts && parts[p] ? " heard" : ""), "data-part": p },
      el("span", { class: "box", "aria-hidden": "true" }),
      el("span", {}, PART_NAMES[p]),
      el("span", { class: "sr" }, parts && parts[p] ? "heard" : "not yet heard"))));
  }

  function setState(next) {
    state = next;
    const labels = { idle: "Start", preparing: "Stop", recording: "Stop", checking: "Checking…",
      done: "Start" };
    start.textContent = labels[next];
    start.classList.toggle("stop", next === "recording" || next === "preparing");
    start.disabled = next === "checking";
    select.disabled = mics.disabled = next !== "idle" && next !== "done";
  }

  function level(e) {
    const timer = $("timer");
    timer.firstChild.textContent = `${clock(e.elapsed_s)} `;
    timer.classList.toggle("over", e.elapsed_s > suggested);
    const pct = Math.max(0, Math.min(100, (e.level_dbfs + 60) / 60 * 100));
    const fill = $("meter-fill");
    fill.style.width = `${pct}%`;
    fill.classList.toggle("speaking", e.speaking);
    $("meter").setAttribute("aria-valuenow", Math.round(e.level_dbfs));
    const warn = e.warning || (e.elapsed_s > suggested ? "past the suggested length" : "");
    if ($("warning").textContent !== warn) $("warning").textContent = warn;
  }

  function report(e) {
    setState("done");
    status.textContent = "Here is what was heard. Try again whenever you like.";
    const list = $("changes");
    list.replaceChildren(...(e.changes || []).map((c) => el("li", {}, c)));
    $("changes-panel").hidden = !e.changes;
    if (e.changes && !e.changes.length) list.append(el("li", {}, "The same parts as last time."));
    showParts(e.parts);
    $("parts-h").textContent = "Heard in this attempt";
    $("result").hidden = false;
    $("open-report").href = `/report/${e.attempt_id}`;
    frame.onload = () => {
      if (!stopClicked) return;
      const s = (performance.now() - stopClicked) / 1000;
      $("timing").textContent = `Report ${s.toFixed(2)} s after Stop`;
      document.body.dataset.stopToReport = s.toFixed(3);
      document.body.dataset.serverTimings = JSON.stringify(e.timings || {});
      stopClicked = 0;
    };
    frame.src = `/report/${e.attempt_id}`;
    followup(e);
  }

  async function followup(e) {
    // The follow-up round (after the reservations question) appears here once the app offers it.
    const { body } = await api("/api/features");
    $("followup").hidden = !body.followup;
  }

  function listen() {
    if (events) events.close();
    events = new EventSource("/api/practice/events");
    events.onmessage = (message) => {
      const e = JSON.parse(message.data);
      if (e.type === "ready") status.textContent = `Microphone ready: ${e.device}`;
      else if (e.type === "started") {
        setState("recording");
        status.textContent = `● Speak now (${e.device}). Stop, or the space bar, ends it.`;
      } else if (e.type === "level") level(e);
      else if (e.type === "parts") showParts(e.parts);
      else if (e.type === "stopped") {
        setState("checking");
        $("warning").textContent = "";
        $("meter-fill").style.width = "0";
        status.textContent = `${e.how[0].toUpperCase()}${e.how.slice(1)} (${e.seconds} s). Checking…`;
        if (e.problem) $("warning").textContent = e.problem;
      } else if (e.type === "report") { events.close(); report(e); }
      else if (e.type === "error") {
        events.close();
        setState("idle");
        status.textContent = e.error;
      }
    };
  }

  async function begin() {
    setState("preparing");
    $("result").hidden = true;
    $("live").hidden = false;
    $("warning").textContent = "";
    $("target").textContent = `/ ${clock(suggested)}`;
    showParts(null);
    $("parts-h").textContent = "Heard so far";
    status.textContent = "Opening the microphone…";
    const body = JSON.stringify({ scenario: select.value, device: mics.value || null });
    try {
      const r = await api("/api/practice/start", { method: "POST", body,
        headers: { "Content-Type": "application/json" } });
      if (r.status !== 200) throw new Error(r.body.error);
      listen();
    } catch (e) {
      setState("idle");
      status.textContent = e.message;
    }
  }

  async function end() {
    stopClicked = performance.now();
    setState("checking");
    status.textContent = "Stopping…";
    await api("/api/practice/stop", { method: "POST" });
  }

  function toggle() {
    if (state === "idle" || state === "done") begin();
    else if (state === "recording" || state === "preparing") end();
  }

  start.addEventListener("click", toggle);
  $("again").addEventListener("click", () => { begin(); start.focus(); });
  document.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || e.repeat) return;
    const t = e.target;
    if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement ||
        t instanceof HTMLTextAreaElement || (t instanceof HTMLButtonElement && t !== start) ||
        t instanceof HTMLAnchorElement || t.tagName === "SUMMARY") return;
    e.preventDefault();  // on the Start button too: one toggle per press, not a click as well
    toggle();
  });
  document.addEventListener("keyup", (e) => { if (e.code === "Space" && e.target === start) e.preventDefault(); });
  select.addEventListener("change", showScenario);

  function slug(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "").slice(0, 64);
  }

  async function createScenario(event) {
    // the server checks every value (as scenario new does) and says what is wrong in one line
    event.preventDefault();
    const form = event.target, error = $("new-error");
    const data = Object.fromEntries(new FormData(form));
    const lines = (text) => text.split("\n").map((x) => x.trim()).filter(Boolean);
    const body = { ...data, needs: lines(data.needs), concerns: lines(data.concerns) };
    if (!body.name.trim()) body.name = slug(`${data.role} ${data.organisation}`);
    error.textContent = "";
    const r = await api("/api/scenarios", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" } });
    if (r.status !== 200) { error.textContent = r.body.error; return; }
    scenarios = await scenarioOptions(select);
    select.value = r.body.scenario.name;
    showScenario();
    form.reset();
    $("new-scenario").open = false;
    status.textContent = `Saved your scenario “${r.body.scenario.name}”. Press Start when you are ready.`;
    start.focus();
  }

  $("new-form").addEventListener("submit", (e) => {
    createScenario(e).catch((x) => { $("new-error").textContent = x.message; });
  });

  (async () => {
    scenarios = await scenarioOptions(select);
    const wanted = new URLSearchParams(location.search).get("scenario");
    if (wanted) select.value = wanted;
    showScenario();
    showParts(null);
    try {
      const { body } = await api("/api/microphones");
      for (const m of body.microphones || []) {
        mics.append(el("option", { value: m.name }, m.name + (m.is_default ? " (default)" : "")));
      }
    } catch (e) { /* the default device is still offered */ }
  })();
})();
