// voiceclose app: what every page shares. The token travels in a cookie set by the first link.
"use strict";
const PARTS = ["interest", "fit", "reservations", "thanks"];
const PART_NAMES = { interest: "Interest", fit: "Fit", reservations: "Reservations question",
  thanks: "Thanks" };

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok && !(body && "ok" in body)) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  }
  return { status: response.status, body, headers: response.headers };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clock(seconds, counting = false) {
  // a length rounds, as the CLI's and the report's do (10.98 s is 0:11); a running timer counts
  // whole seconds gone
  const s = Math.max(0, counting ? Math.floor(seconds) : Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function localTime(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit",
    minute: "2-digit" });
}

async function scenarioOptions(select, { any = null } = {}) {
  const { body } = await api("/api/scenarios");
  select.replaceChildren();
  if (any) select.append(el("option", { value: "" }, any));
  for (const s of body.scenarios) select.append(el("option", { value: s.name }, scenarioLabel(s)));
  select.dataset.last = body.last || "";  // the scenario practised last (the server's history)
  return body.scenarios;
}

// How the pages name a scenario: its role and organisation, as Practise and Check files list it.
function scenarioLabel(s) {
  return `${s.role}, ${s.organisation}` + (s.own ? " (yours)" : "");
}

// A file or scenario name with places to break it at phone width: after - _ / and before the
// extension's dot (so "silent.wav" breaks as "silent" ".wav", never letter by letter).
function breakable(name) {
  const out = [];
  for (const piece of String(name).split(/(?<=[-_/])|(?=\.)/)) out.push(piece, el("wbr"));
  out.pop();
  return out;
}

// A results row's cells for an attempt where no speech was heard: one cell across the parts.
function noSpeechCell(parts = 4) {
  return el("td", { colspan: parts, class: "mark nospeech" }, "no speech heard");
}

// A report shown in the page is as tall as its content, so the page scrolls once, not a
// scrolling frame inside the scrolling page (awkward on a phone); it follows the report's own
// changes of height (a narrower window, a section opened).
function fitReportFrames() {
  for (const frame of document.querySelectorAll("iframe.report")) {
    let watcher = null;
    frame.addEventListener("load", () => {
      if (watcher) watcher.disconnect();
      const doc = frame.contentDocument;
      if (!doc || !doc.documentElement || frame.getAttribute("src") === "about:blank") return;
      const fit = () => { frame.style.height = `${doc.documentElement.scrollHeight + 2}px`; };
      fit();
      watcher = new ResizeObserver(fit);
      watcher.observe(doc.body || doc.documentElement);
    });
  }
}
document.addEventListener("DOMContentLoaded", fitReportFrames);
