// Live figures and one-click reports. The page works without this file: the form posts and
// redirects back, and a <noscript> refresh keeps the figures current.
"use strict";

const LABELS = { ok: "No issues", possible: "Possible problems", major: "Major outage" };

function plural(n) {
  return n === 1 ? "" : "s";
}

function showFigures(update) {
  const head = document.querySelector(`[data-live="${update.slug}"]`);
  if (!head) return;
  const hour = head.querySelector('[data-count="hour"]');
  const today = head.querySelector('[data-count="today"]');
  if (hour) {
    hour.textContent = update.reports_this_hour.toLocaleString("en-US");
    hour.nextSibling.textContent = ` report${plural(update.reports_this_hour)} this hour · `;
  }
  if (today) today.textContent = update.reports_today.toLocaleString("en-US");
  const word = head.querySelector(".status-word");
  if (word && word.dataset.status !== update.status) {
    word.dataset.status = update.status;
    word.textContent = LABELS[update.status] || update.status;
    head.classList.remove("status-ok", "status-possible", "status-major");
    head.classList.add(`status-${update.status}`);
  }
}

// Times come from the server in UTC (what a page without JavaScript shows); here they are
// turned into the reader's own time, and the page says which offset that is.
function zoneOf(date) {
  const minutes = -date.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const hours = Math.floor(Math.abs(minutes) / 60);
  const rest = Math.abs(minutes) % 60;
  return `UTC${minutes > 0 ? "+" : "−"}${hours}${rest ? `:${String(rest).padStart(2, "0")}` : ""}`;
}

const TIME_FORMATS = {
  long: { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
  short: { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
  time: { hour: "2-digit", minute: "2-digit", hourCycle: "h23" },
};

function localiseTimes(root) {
  let zone = null;
  for (const element of root.querySelectorAll("time[data-local]")) {
    const date = new Date(element.getAttribute("datetime"));
    const format = TIME_FORMATS[element.dataset.local];
    if (Number.isNaN(date.getTime()) || !format) continue;
    element.title = element.textContent;
    element.textContent = new Intl.DateTimeFormat("en-GB", format).format(date).replace(",", "");
    zone = zoneOf(date);
  }
  if (!zone) return;
  for (const note of root.querySelectorAll("[data-zone-note]")) {
    note.textContent = `Times are in your time zone (${zone}).`;
  }
}

// Pages a crowd keeps open fetch their changing parts at most once per REFRESH_GAP_MS; the
// last change is never lost, only delayed.
const REFRESH_GAP_MS = 10000;

function throttled(action) {
  let last = Date.now(); // the page was just rendered
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(async () => {
      last = Date.now();
      try {
        await action();
      } finally {
        timer = null;
      }
    }, Math.max(0, last + REFRESH_GAP_MS - Date.now()));
  };
}

// An open incident page follows the service's live stream: when something changes, its
// facts, timeline and comments are fetched anew.
function listenIncident(box) {
  if (!window.EventSource || !window.fetch || box.dataset.state !== "open") return;
  const source = new EventSource(`/api/v1/services/${encodeURIComponent(box.dataset.slug)}/events`);
  const refresh = throttled(async () => {
    const response = await fetch(`/incidents/${encodeURIComponent(box.dataset.incident)}/live`);
    if (!response.ok) return;
    box.innerHTML = await response.text();
    localiseTimes(box);
    if (!box.querySelector("[data-incident-open]")) source.close(); // it has ended
  });
  source.addEventListener("update", (event) => {
    showFigures(JSON.parse(event.data));
    refresh();
  });
}

// What people say on a service page: new comments arrive with new reports.
function voicesRefresher(slug) {
  if (!document.querySelector("[data-voices]") || !window.fetch) return () => {};
  return throttled(async () => {
    const response = await fetch(`/services/${encodeURIComponent(slug)}/comments`);
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.querySelector("[data-voices]");
    const current = document.querySelector("[data-voices]");
    if (fresh && current) {
      current.replaceWith(fresh);
      localiseTimes(fresh);
    }
  });
}

// The incidents section is rendered by the server; when the stream says the timeline grew
// (an operator's update, an official statement, a status change), fetch it anew.
async function refreshTimeline(update) {
  const box = document.getElementById("incidents-live");
  if (!box || !window.fetch || box.dataset.slug !== update.slug) return;
  if (Number(box.dataset.timeline) === update.timeline) return;
  box.dataset.timeline = String(update.timeline);
  try {
    const response = await fetch(`/services/${encodeURIComponent(update.slug)}/timeline`);
    if (response.ok) {
      box.innerHTML = await response.text();
      localiseTimes(box);
    }
  } catch (error) {
    box.dataset.timeline = ""; // try again at the next update
  }
}

function listen(slug) {
  if (!window.EventSource) return;
  const source = new EventSource(`/api/v1/services/${encodeURIComponent(slug)}/events`);
  const refreshVoices = voicesRefresher(slug);
  source.addEventListener("update", (event) => {
    const update = JSON.parse(event.data);
    showFigures(update);
    refreshTimeline(update);
    refreshVoices();
  });
}

const OUTCOMES = {
  counted: "Thanks: your report was counted.",
  duplicate: "Thanks: you already reported in the last half hour, so this one was kept but not counted again.",
  brigade: "Thanks: your report was kept, but many reports came from your network in the last half hour, so it was not counted.",
};

function enableOneClickReports(form) {
  const result = document.querySelector(".report-result");
  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button || !window.fetch) return; // fall back to the plain form post
    event.preventDefault();
    const fields = new FormData(form);
    const body = { problem: button.value };
    for (const name of ["platform", "country", "comment"]) {
      const value = (fields.get(name) || "").toString().trim();
      if (value) body[name] = value;
    }
    button.disabled = true;
    try {
      const response = await fetch(`/api/v1/services/${encodeURIComponent(form.dataset.slug)}/reports`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (response.ok) {
        result.textContent = OUTCOMES[answer.reason || "counted"];
        showFigures({ ...answer, slug: form.dataset.slug, status: document.querySelector(".status-word").dataset.status });
      } else {
        result.textContent = answer.error ? answer.error.message : "Your report could not be sent.";
      }
    } catch (error) {
      result.textContent = "Your report could not be sent; check your connection and try again.";
    } finally {
      result.hidden = false;
      button.disabled = false;
      result.focus(); // a disabled button drops focus to <body>; the answer is where to be
    }
  });
}

// "Most reported" stays a ranking as its counts change in place (a stable sort: ties keep
// the server's order).
function keepRankedInOrder(item, reports) {
  if (!item || !item.parentElement) return;
  item.dataset.hourReports = String(reports);
  const list = item.parentElement;
  const items = [...list.children];
  const sorted = [...items].sort((a, b) => Number(b.dataset.hourReports) - Number(a.dataset.hourReports));
  if (sorted.some((element, index) => element !== items[index])) list.append(...sorted);
}

// The home page: counts of the most reported services change in place; when a service's
// status changes, the "Problems right now" and "Most reported" sections are fetched anew.
function listenHome() {
  if (!window.EventSource || !window.fetch) return;
  let refreshing = false;
  const source = new EventSource("/api/v1/events");
  source.addEventListener("update", async (event) => {
    const update = JSON.parse(event.data);
    const count = document.querySelector(`[data-hour-count="${update.slug}"]`);
    if (count) {
      count.textContent = `${update.reports_this_hour.toLocaleString("en-US")} report${plural(update.reports_this_hour)}`;
      keepRankedInOrder(count.closest("li"), update.reports_this_hour);
    }
    const row = document.querySelector(`#problems-section [data-row-slug="${update.slug}"]`);
    const shown = row ? row.dataset.rowStatus : "ok";
    if (shown === update.status || refreshing) return;
    refreshing = true;
    try {
      const html = await (await fetch("/", { headers: { Accept: "text/html" } })).text();
      const fresh = new DOMParser().parseFromString(html, "text/html");
      for (const id of ["problems-section", "most-reported-section"]) {
        const replacement = fresh.getElementById(id);
        if (replacement) document.getElementById(id).replaceWith(replacement);
      }
    } finally {
      refreshing = false;
    }
  });
}

// "Report a problem" at the top and in the phone's dock: go to the buttons, ready to press.
function enableReportShortcuts() {
  for (const link of document.querySelectorAll("[data-report-now]")) {
    link.addEventListener("click", (event) => {
      const first = document.querySelector("#report-problems .problem-button");
      if (!first) return;
      event.preventDefault();
      document.getElementById("report-problems").scrollIntoView({ block: "center" });
      first.focus({ preventScroll: true });
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localiseTimes(document);
  enableReportShortcuts();
  const incident = document.getElementById("incident-live");
  if (incident) listenIncident(incident);
  if (document.querySelector("[data-live-home]")) listenHome();
  const head = document.querySelector("[data-live]");
  if (head && !incident) listen(head.dataset.live);
  const form = document.querySelector(".report-form");
  if (form) enableOneClickReports(form);
});
