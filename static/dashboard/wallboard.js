/** The wallboard: KPI tiles, charts, a clock, and every live call with ticking durations. */

import { drawCategories, drawHourly } from "./charts.js";
import { el, formatDuration, formatMs, readLabels, secondsSince } from "./format.js";
import { showTiles } from "./kpi_tiles.js";
import { MonitorSocket, SeqTracker, showConnection } from "./monitor_socket.js";

const LEAVE_AFTER_MS = 4000;
const TOTALS_REFRESH_MS = 2000;
const KPI_REFRESH_MS = 30000; // the last hour moves on even when no call starts or ends
const STALE_AFTER_MS = 90000;
const clockFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: "Asia/Seoul",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const dateFormat = new Intl.DateTimeFormat("ko-KR", {
  timeZone: "Asia/Seoul",
  month: "long",
  day: "numeric",
  weekday: "short",
});
let updatedAt = null;

const script = document.querySelector("script[data-socket]");
const labels = readLabels();
const body = document.getElementById("live-calls");
const callUrl = body.dataset.callUrl;
const rows = new Map();
const seqs = new SeqTracker();

const socket = new MonitorSocket(
  script.dataset.socket,
  { target: "wallboard" },
  { onMessage: handle, onStatus: (status) => showConnection(status, labels) },
);

function handle(message) {
  if (message.type === "snapshot" && message.target === "wallboard") return loadSnapshot(message);
  if (message.type !== "call.status") return;
  // Status events are full snapshots: only an older one is ignored, gaps need no resync.
  if (seqs.check(message.call_sid, message.seq) === "stale") return;
  showCall(message);
}

function loadSnapshot(snapshot) {
  // Sequence numbers are kept: a call's counter never restarts, and a database row (seq null)
  // must not overwrite the fresher live state of a call already on the board.
  const current = new Set(snapshot.calls.map((call) => call.call_sid));
  for (const [sid, row] of rows) {
    if (!current.has(sid)) {
      row.remove();
      rows.delete(sid);
    }
  }
  snapshot.calls.filter((call) => !seqs.last.has(call.call_sid)).forEach(showCall);
  if (snapshot.kpis) showKpis(snapshot.kpis);
}

function showKpis(kpis) {
  showTiles(kpis);
  drawHourly(document.getElementById("hourly-chart"), kpis.hourly, labels);
  drawCategories(document.getElementById("category-chart"), kpis.by_category, labels);
  updatedAt = Date.parse(kpis.updated_at);
  document.querySelector("#updated time").textContent = clockFormat.format(updatedAt);
  showCount();
}

function showCall(status) {
  let row = rows.get(status.call_sid);
  if (!row) {
    if (status.state === "ended") return;
    row = newRow(status);
    rows.set(status.call_sid, row);
    body.append(row);
    if (status.seq !== null && status.seq !== undefined) socket.requestResync(TOTALS_REFRESH_MS);
  }
  row.dataset.started = status.started_at || row.dataset.started;
  row.dataset.state = status.state;
  row.querySelector(".state").textContent = labels.states[status.state] || status.state;
  row.querySelector(".profile").textContent = status.profile_name || "–";
  row.querySelector(".interruptions").textContent = status.interruptions;
  row.querySelector(".latency").textContent = formatMs(status.last_latency_ms);
  if (status.state === "ended" || !["ringing", "in_progress"].includes(status.status)) {
    leave(status.call_sid, row);
  }
  showCount();
  tick();
}

function newRow(status) {
  const row = el("tr", "call-row");
  row.dataset.callSid = status.call_sid;
  const link = el("a", "number", status.from_number || "–");
  link.href = callUrl.replace("CALLSID", encodeURIComponent(status.call_sid));
  const caller = el("td");
  caller.append(link);
  row.append(
    caller,
    el("td", "profile"),
    el("td", "duration"),
    el("td", "state"),
    el("td", "num interruptions"),
    el("td", "num latency"),
  );
  return row;
}

function leave(callSid, row) {
  row.classList.add("leaving");
  row.dataset.state = "ended";
  row.querySelector(".state").textContent = labels.states.ended;
  setTimeout(() => {
    if (rows.get(callSid) === row) {
      row.remove();
      rows.delete(callSid);
      showCount();
    }
  }, LEAVE_AFTER_MS);
  socket.requestResync(TOTALS_REFRESH_MS); // today's totals changed
}

function showCount() {
  const live = [...rows.values()].filter((row) => !row.classList.contains("leaving")).length;
  document.getElementById("no-calls").hidden = live > 0;
  document.querySelector("#kpi-live .value").textContent = live;
}

function tickClock() {
  const now = Date.now();
  document.getElementById("clock").textContent = `${dateFormat.format(now)} ${clockFormat.format(now)}`;
  const updated = document.getElementById("updated");
  const stale = updatedAt !== null && now - updatedAt > STALE_AFTER_MS;
  updated.classList.toggle("stale", stale);
  updated.title = stale ? labels.stale : "";
}

function tick() {
  for (const row of rows.values()) {
    if (!row.classList.contains("leaving")) {
      row.querySelector(".duration").textContent = formatDuration(secondsSince(row.dataset.started));
    }
  }
}

showKpis(JSON.parse(document.getElementById("kpis").textContent));
tickClock();
setInterval(() => {
  tick();
  tickClock();
}, 1000);
setInterval(() => socket.requestResync(), KPI_REFRESH_MS);
socket.start();
