// Practise: choose (or create) a scenario and a microphone, Start/Stop (or the space bar), follow
// the recording live (timer, level meter and its warnings, the parts heard so far), then the
// report, the follow-up round (the interviewer's concern spoken and shown, the answer recorded
// until Stop, checked) and Try again, which makes ready for another try (Start), then says what
// changed since the last attempt. A practice under way belongs to no one page: a page opened
// meanwhile (or reloaded) follows it (timer, Stop); when no page has followed it for a few
// seconds (all closed), its recording stops and is kept.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const start = $("start"), status = $("status"), select = $("scenario");
  const mics = $("microphone"), frame = $("report");
  let scenarios = [], state = "idle", events = null, stopClicked = 0, suggested = 60;
  let againAfterEnd = false, skipping = false;
  let answerKept = false;  // this round's answer was checked and kept (Try again says so)
  let joined = "";  // said while following a practice this page's Start did not begin
  const ANSWER_NAMES = { acknowledge: "Acknowledge", address: "Address", high_note: "High note" };

  function showScenario() {
    let s = scenarios.find((x) => x.name === select.value);
    if (!s && scenarios.length) {  // one that is gone (or no such name): the first
      s = scenarios[0];
      select.value = s.name;
    }
    if (!s) return;
    // kept in the page's address: a reload (or the link) comes back to the same scenario
    history.replaceState(null, "", `?scenario=${encodeURIComponent(s.name)}`);
    suggested = s.suggested_seconds;
    $("scenario-card").replaceChildren(
      el("h2", {}, `${s.role}, ${s.organisation}`),
      el("dl", {},
        s.field ? [el("dt", {}, "Field"), el("dd", {}, `${s.field} (${s.seniority.toLowerCase()})`)]
          : [el("dt", {}, "Scenario"), el("dd", {}, "your own")],
        el("dt", {}, "Interviewer"), el("dd", {}, s.interviewer),
        el("dt", {}, "What the role needs most"), el("dd", {}, s.needs.join("; ")),
        el("dt", {}, "Aim for"), el("dd", {}, `about ${Math.round(s.suggested_seconds)} seconds`)),
      el("p", { class: "moment" }, s.moment),
      // (replaceChildren writes a null out as the text "null": only the user's own get it)
      ...(s.own ? [el("p", { class: "controls", id: "remove-row" }, el("button",
        { type: "button", id: "remove-scenario", disabled: !["idle", "done"].includes(state) },
        "Remove this scenario…"))] : []));
    if (s.own) $("remove-scenario").addEventListener("click", () => askRemove(s));
  }

  function askRemove(s) {
    // your own scenario goes as `voiceclose scenario remove` removes it; asked first, inline
    const keep = el("button", { type: "button", id: "remove-keep" }, "Keep it");
    const remove = el("button", { type: "button", class: "danger", id: "remove-yes" }, "Remove");
    $("remove-row").replaceChildren(
      `Remove your scenario “${s.name}”? Its attempts stay in your history. `, remove, " ", keep);
    keep.addEventListener("click", () => { showScenario(); $("remove-scenario").focus(); });
    keep.addEventListener("keydown", (e) => { if (e.key === "Escape") keep.click(); });
    remove.addEventListener("keydown", (e) => { if (e.key === "Escape") keep.click(); });
    remove.addEventListener("click", async () => {
      const r = await api(`/api/scenarios/${encodeURIComponent(s.name)}`, { method: "DELETE" });
      if (r.status !== 200) { status.textContent = r.body.error; showScenario(); return; }
      scenarios = await scenarioOptions(select);
      showScenario();  // the first scenario
      status.textContent = `Removed your scenario “${s.name}”; its attempts are still in Review.`;
      select.focus();
    });
    keep.focus();
  }

  function showParts(parts, final) {
    // live, a part not heard may still come; in the report (final) it was missed
    const unheard = final ? "not heard" : "not yet heard";
    $("parts").replaceChildren(...PARTS.map((p) => el("li",
      { class: `part-${p}` + (parts && parts[p] ? " heard" : final ? " missed" : ""),
        "data-part": p },
      el("span", { class: "box", "aria-hidden": "true" }),
      el("span", {}, PART_NAMES[p]),
      el("span", { class: "sr" }, parts && parts[p] ? "heard" : unheard))));
  }

  function setState(next) {
    state = next;
    const labels = { idle: "Start", preparing: "Stop", recording: "Stop", checking: "Checking…",
      followup: "Follow-up…", answering: "Follow-up…", done: "Start" };
    start.textContent = labels[next];
    start.classList.toggle("stop", next === "recording" || next === "preparing");
    start.disabled = !["idle", "done", "preparing", "recording"].includes(next);
    select.disabled = mics.disabled = $("followup-on").disabled = next !== "idle" && next !== "done";
    if ($("remove-scenario")) $("remove-scenario").disabled = select.disabled;
    $("answer-stop").hidden = next !== "answering";
    $("skip").hidden = skipping || (next !== "followup" && next !== "answering");
  }

  function level(e) {
    const answer = state === "answering";
    const timer = $(answer ? "answer-timer" : "timer");
    timer.firstChild.textContent = `${clock(e.elapsed_s, true)} `;
    const over = !answer && e.elapsed_s > suggested;
    timer.classList.toggle("over", over);
    const pct = Math.max(0, Math.min(100, (e.level_dbfs + 60) / 60 * 100));
    const fill = $(answer ? "answer-fill" : "meter-fill");
    fill.style.width = `${pct}%`;
    fill.classList.toggle("speaking", e.speaking);
    const meter = $(answer ? "answer-meter" : "meter");
    meter.setAttribute("aria-valuenow", Math.round(e.level_dbfs));
    meter.classList.remove("idle");
    const warn = e.warning || (over ? "past the suggested length" : "");
    const line = $(answer ? "answer-warning" : "warning");
    if (line.textContent !== warn) line.textContent = warn;
  }

  function report(e) {
    setState(e.followup ? "followup" : "done");
    // nothing said: no comparison of nothing, no follow-up, and the page says so plainly
    status.textContent = e.nothing_said || "Here is what was heard.";
    const list = $("changes");
    list.replaceChildren(...(e.changes || []).map((c) => el("li", {}, c)));
    $("changes-panel").hidden = !e.changes;
    if (e.previous) $("changes-h").textContent = `What changed since your last try (${e.previous})`;
    showParts(e.parts, true);
    $("parts-h").textContent = "Heard in this attempt";
    $("result").hidden = false;
    $("open-report").href = `/report/${e.attempt_id}`;
    frame.onload = () => {
      if (!stopClicked) return;
      const s = (performance.now() - stopClicked) / 1000;
      document.body.dataset.stopToReport = s.toFixed(3); // for the benchmark, not shown
      document.body.dataset.serverTimings = JSON.stringify(e.timings || {});
      stopClicked = 0;
    };
    frame.src = `/report/${e.attempt_id}`;
  }

  function followupStarts(asked, unasked) {
    // the heading says what happened: an answer to the reservations question, or (not asked)
    // the doubt a real interviewer might have kept to themselves, voiced to practise on
    answerKept = false;
    $("followup").hidden = false;
    $("followup-h").textContent = asked ? "Follow-up: the interviewer answers your question"
      : "Follow-up: a concern the interviewer might not have said";
    $("concern").replaceChildren();
    $("answer-result").replaceChildren();
    $("answer-live").hidden = true;
    $("followup-why").hidden = asked;
    $("followup-why").textContent = asked ? "" : unasked;  // the words the CLI prints
    $("followup-status").textContent = asked ? "The interviewer is about to answer your question…"
      : "The interviewer is about to raise a concern…";
  }

  function concern(e) {
    $("concern").replaceChildren(el("strong", {}, `${e.interviewer}: `), `“${e.text}”`);
    $("followup-status").textContent = `Listen: ${e.interviewer} is speaking.`;
  }

  function quiet(id) {
    // a meter whose recording has stopped shows no level (it kept the last one: "-8 dB")
    const meter = $(id);
    meter.classList.add("idle");
    meter.setAttribute("aria-valuenow", "-60");
    meter.querySelector(".fill").style.width = "0";
  }

  function answerStarted(e) {
    setState("answering");
    $("answer-live").hidden = false;
    $("answer-timer").firstChild.textContent = "0:00 ";
    // the answer has no suggested length, but it does stop by itself (as the close does)
    $("answer-limit").textContent = e.max_s ? `(stops by itself at ${clock(e.max_s)})` : "";
    $("followup-status").textContent =
      "● Answer now. Stop answering (or the space bar) when you have finished.";
    $("answer-stop").focus();
  }

  function answer(e) {
    const f = e.followup;
    const rows = Object.entries(f.elements).map(([part, r]) => el("li",
      { class: r.found ? "heard" : "missed", "data-part": part },
      el("span", { class: "box", "aria-hidden": "true" }),
      el("span", {}, el("strong", {}, ANSWER_NAMES[part] || part),
        r.found ? `: “${r.evidence}”` : ": not heard",
        el("span", { class: "sr" }, r.found ? " (heard)" : ""))));
    const tips = (f.feedback.tips || []).map((t) => el("li", {}, el("strong", {}, `${t.label}: `),
      `${t.observed} ${t.tip} Try: “${t.example}”`));
    $("answer-result").replaceChildren(el("div", {},
      el("h3", {}, f.missed.length
        ? `Your answer: ${rows.length - f.missed.length} of ${rows.length} parts heard`
        : "Your answer: all three parts were there"),
      el("ul", { class: "answer-parts" }, rows),
      tips.length ? el("ul", { class: "tips" }, tips) : null,
      e.warning ? el("p", { class: "warning" }, e.warning) : null));
    answerKept = true;
    $("followup-status").textContent = "Your answer was checked; the report below now has it too.";
    frame.src = `/report/${e.attempt_id}`;
    // the pressed Stop answering is gone: the keyboard goes on from Try again (on the page's
    // body, the space bar would start a new recording at once)
    if (!againAfterEnd) $("again").focus();
  }

  function ended() {
    if (events) events.close();
    if (state !== "idle") setState("done");
    if (againAfterEnd) { againAfterEnd = false; ready(answerKept); return; }
    if (!/Try again|Press Start/.test(status.textContent)) status.textContent += " Try again whenever you like.";
  }

  function ready(keptAnswer = false) {
    // Try again: ready for another try, as at the terminal ("Press Enter when you are ready"):
    // nothing records until Start, so a press where Start was never stops a recording unseen
    setState("idle");
    $("result").hidden = $("followup").hidden = $("live").hidden = true;
    showParts(null);
    status.textContent = (keptAnswer ? "Your answer was kept with the last attempt (see Review). "
      : "") + "Ready for another try: press Start (or the space bar) when you are " +
      "ready to speak. It will be compared with your last try.";
    start.focus();
  }

  function follow(s, pressed = false) {
    // a practice already under way (started by a page since closed, or another tab): follow
    // it from its first event, so the timer, the checklist and Stop are all there; a Start
    // pressed meanwhile says whose it is (it joined another page's practice without a word)
    joined = pressed ? ` This is the practice already under way in another page (${
      scenarios.find((x) => x.name === s.scenario)?.role || s.scenario}): it is not a new one.` : "";
    if (scenarios.some((x) => x.name === s.scenario)) { select.value = s.scenario; showScenario(); }
    $("followup-on").checked = s.followup;
    setState("preparing");
    $("result").hidden = true;
    $("live").hidden = false;
    $("target").textContent = `/ ${clock(suggested)}`;
    showParts(null);
    status.textContent = "A practice is under way: following it…";
    listen();
  }

  function listen() {
    if (events) events.close();
    events = new EventSource("/api/practice/events");
    events.onmessage = (message) => {
      const e = JSON.parse(message.data);
      if (e.type !== "level") document.body.dataset.events = `${document.body.dataset.events || ""} ${e.type}`.slice(-400);
      const on = {
        ready: () => { status.textContent = `Microphone ready: ${e.device}`; },
        started: () => {
          setState("recording");
          // at phone width the timer, meter and live checklist sit below the Start button
          $("live").scrollIntoView({ block: "nearest" });
          status.textContent = `● Speak now (${e.device}). Stop, or the space bar, ends it.${joined}`;
        },
        level: () => level(e),
        parts: () => showParts(e.parts),
        stopped: () => {
          setState("checking");
          $("warning").textContent = "";
          quiet("meter");
          status.textContent = `${e.how[0].toUpperCase()}${e.how.slice(1)} (${e.seconds} s). Checking…`;
          if (e.problem) $("warning").textContent = e.problem;
        },
        report: () => { report(e); if (e.followup) followupStarts(e.asked, e.unasked_note); else $("followup").hidden = true; },
        concern: () => concern(e),
        asked: () => {
          if (!e.spoken && e.problem) $("followup-status").textContent = `(Not spoken aloud: ${e.problem}.)`;
        },
        "answer-started": () => answerStarted(e),
        "answer-stopped": () => {
          setState("followup");
          quiet("answer-meter");
          $("answer-warning").textContent = "";  // a warning while it was recording is over
          $("followup-status").textContent = `Answer ${e.how || "stopped"} (${e.seconds} s). Checking it…`;
          if (e.problem) $("answer-warning").textContent = e.problem;
        },
        answer: () => answer(e),
        skipped: () => {
          quiet("answer-meter");
          $("followup-status").textContent = e.left ? "No follow-up: the page was closed." : "Follow-up skipped.";
          $("answer-live").hidden = true;
        },
        error: () => {
          if (state === "followup" || state === "answering") $("followup-status").textContent = e.error;
          else { status.textContent = e.error; setState("idle"); }
        },
        end: ended,
      }[e.type];
      if (on) on();
    };
  }

  async function begin() {
    skipping = answerKept = false;
    joined = "";
    setState("preparing");
    $("result").hidden = true;
    $("followup").hidden = true;
    $("live").hidden = false;
    $("warning").textContent = "";
    $("target").textContent = `/ ${clock(suggested)}`;
    showParts(null);
    $("parts-h").textContent = "Heard so far";
    status.textContent = "Opening the microphone…";
    const body = JSON.stringify({ scenario: select.value, device: mics.value || null,
      followup: $("followup-on").checked });
    try {
      const r = await api("/api/practice/start", { method: "POST", body,
        headers: { "Content-Type": "application/json" } });
      if (r.status === 409 && r.body.under_way) { follow(r.body, true); return; }
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
    else if (state === "answering") api("/api/practice/stop", { method: "POST" });
  }

  function again() {
    if (state === "followup" || state === "answering") {  // the round is not wanted now
      againAfterEnd = true;
      skip();  // an answer begun is stopped, and kept if anything was said in it
    } else ready();
  }

  function skip() {
    // at once: the voice stops and the round ends (the server confirms with "skipped")
    skipping = true;
    $("skip").hidden = true;
    $("answer-stop").hidden = true;
    $("followup-status").textContent = state === "answering"
      ? "Skipping the follow-up (anything you said is kept)…" : "Skipping the follow-up…";
    api("/api/practice/skip", { method: "POST" });
    $("again").focus();  // the pressed button is gone: the keyboard goes on from Try again
  }

  start.addEventListener("click", toggle);
  $("again").addEventListener("click", again);
  $("answer-stop").addEventListener("click", () => api("/api/practice/stop", { method: "POST" }));
  $("skip").addEventListener("click", skip);
  // a page left open in another tab learns of a practice started elsewhere when it is looked at
  // again (it asked only when it loaded, and showed Start while the other tab recorded)
  async function catchUp() {
    if (!["idle", "done"].includes(state)) return;
    const now = await api("/api/practice").catch(() => null);
    if (now && now.body && now.body.under_way && ["idle", "done"].includes(state)) follow(now.body);
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) catchUp(); });
  window.addEventListener("focus", catchUp);
  // and while it is shown (a window beside the one recording): a look every few seconds
  setInterval(() => { if (!document.hidden) catchUp(); }, 3000);
  // A page going away does not stop the practice at once: a reload (or the link opened again)
  // follows it on, as any page opened meanwhile does (a reload cut strangers' closes off). A page
  // closed for good leaves no page following it, and the server stops and keeps the recording
  // after PAGE_GONE_S (session.py), with no follow-up round.
  document.addEventListener("keydown", (e) => {
    // Escape skips the round, as it cancels elsewhere (while Skip is offered)
    if (e.key === "Escape" && ["followup", "answering"].includes(state) && !$("skip").hidden) {
      skip();
      return;
    }
    if (e.code !== "Space" || e.repeat) return;
    const t = e.target;
    if (t instanceof HTMLSelectElement || t instanceof HTMLInputElement ||
        t instanceof HTMLTextAreaElement || (t instanceof HTMLButtonElement && t !== start && t.id !== "answer-stop") ||
        t instanceof HTMLAnchorElement || t.tagName === "SUMMARY") return;
    e.preventDefault();  // on the Start button too: one toggle per press, not a click as well
    toggle();
  });
  document.addEventListener("keyup", (e) => {
    if (e.code === "Space" && (e.target === start || e.target.id === "answer-stop")) e.preventDefault();
  });
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
    // the address's scenario (a reload), else the one practised last
    const wanted = new URLSearchParams(location.search).get("scenario") || select.dataset.last;
    if (wanted) select.value = wanted;
    showScenario();
    showParts(null);
    const now = await api("/api/practice").catch(() => null);
    if (now && now.body && now.body.under_way) follow(now.body);
    try {
      const { body } = await api("/api/microphones");
      for (const m of body.microphones || []) {
        if (m.is_default) {  // the first choice already is the system's default: named there
          if (m.name !== "default") mics.options[0].textContent = `The system's default (${m.name})`;
          continue;
        }
        mics.append(el("option", { value: m.name }, m.name));
      }
    } catch (e) { /* the default device is still offered */ }
  })();
})();
