/** The wallboard: every live call, ticking durations, states, and today's totals. */

import { el, formatDuration, formatMs, readLabels, secondsSince } from "./format.js";
import { MonitorSocket, SeqTracker, showConnection } from "./monitor_socket.js";

const LEAVE_AFTER_MS = 4000;
const TOTALS_REFRESH_MS = 2000;

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
  showTotals(snapshot.totals);
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

function showTotals(totals) {
  document.getElementById("total-calls").textContent = totals.calls;
  document.getElementById("total-average").textContent = formatDuration(totals.average_seconds);
  document.getElementById("total-transfers").textContent = totals.transfers;
  document.getElementById("total-failures").textContent = totals.failures;
}

function showCount() {
  const live = [...rows.values()].filter((row) => !row.classList.contains("leaving")).length;
  document.getElementById("total-live").textContent = live;
  document.getElementById("no-calls").hidden = live > 0;
}

function tick() {
  for (const row of rows.values()) {
    if (!row.classList.contains("leaving")) {
      row.querySelector(".duration").textContent = formatDuration(secondsSince(row.dataset.started));
    }
  }
}

const average = document.getElementById("total-average");
average.textContent = formatDuration(average.dataset.seconds === "" ? null : Number(average.dataset.seconds));
setInterval(tick, 1000);
socket.start();
