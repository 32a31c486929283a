/** One live call: transcript, timeline, metrics and supervisor actions over the monitor socket. */

import { formatDuration, formatMs, readLabels, secondsSince } from "./format.js";
import { MonitorSocket, SeqTracker, showConnection } from "./monitor_socket.js";
import { Timeline } from "./timeline.js";
import { Transcript } from "./transcript.js";
import { VoicePanel } from "./voice.js";

const script = document.querySelector("script[data-call-sid]");
const callSid = script.dataset.callSid;
const labels = readLabels();
const transcript = new Transcript(document.getElementById("transcript"), labels);
const timeline = new Timeline(document.getElementById("timeline"), labels);
const badge = document.getElementById("call-state");
const duration = document.getElementById("call-duration");
const actionStatus = document.getElementById("action-status");
const seqs = new SeqTracker();
let ended = false;
let finalLoaded = false;

const socket = new MonitorSocket(
  script.dataset.socket,
  { target: "call", call_sid: callSid },
  {
    onMessage: handle,
    onStatus: (status) => showConnection(status, labels),
    onAudio: (buffer) => voice?.audio(buffer),
  },
);
const voiceRoot = document.getElementById("voice");
const voice = voiceRoot
  ? new VoicePanel(voiceRoot, { socket, callSid, labels, onStatus: sayVoice })
  : null;

/** Route one server message. */
function handle(message) {
  if (message.type === "snapshot") return loadSnapshot(message);
  if (message.type === "action.sent") return say(labels.sent[message.action]);
  if (message.type.startsWith("voice.")) return voice?.message(message);
  if (message.type === "error" && voiceActions.has(message.action)) {
    return sayVoice(labels.voice.errors[message.code] || message.code, true);
  }
  if (message.type === "error") return say(labels.errors[message.code] || message.code, true);
  if (message.call_sid !== callSid) return;
  const order = seqs.check(callSid, message.seq);
  if (order === "stale") return;
  if (order === "gap") socket.requestResync();
  if (message.type === "call.status") showStatus(message);
  else if (message.type === "call.transcript") transcript.delta(message);
  else if (message.type === "call.utterance") transcript.final(message);
  else if (message.type === "call.event") {
    timeline.add(message);
    voice?.timeline(message);
  }
  else if (message.type === "call.metrics") transcript.metrics(message);
}

function loadSnapshot(snapshot) {
  if (snapshot.target !== "call") return;
  seqs.reset();
  transcript.load(snapshot.utterances);
  timeline.load(snapshot.events);
  snapshot.events.forEach((event) => voice?.timeline(event));
  showStatus(snapshot.call);
  if (!snapshot.live) {
    finalLoaded = true;
    markEnded(snapshot.call);
  }
}

function showStatus(status) {
  const live = status.status === "ringing" || status.status === "in_progress";
  if (!live || status.state === "ended") {
    markEnded(status);
    return;
  }
  badge.textContent = labels.states[status.state] || status.state;
  badge.dataset.state = status.state;
  document.getElementById("metric-interruptions").textContent = status.interruptions;
  document.getElementById("metric-latency").textContent = formatMs(status.last_latency_ms);
}

function markEnded(status) {
  ended = true;
  badge.textContent = labels.states.ended;
  badge.dataset.state = "ended";
  badge.classList.remove("live");
  if (status.end_reason) {
    document.getElementById("end-reason").textContent =
      labels.end_reasons[status.end_reason] || status.end_reason;
  }
  document.querySelectorAll("#actions button, #actions input").forEach((c) => {
    c.disabled = true;
  });
  voice?.end();
  if (actionStatus && !actionStatus.textContent) say(labels.call_ended);
  if (!finalLoaded) {
    finalLoaded = true;
    socket.requestResync(1500); // the stored record is complete shortly after the end
  }
}

const voiceActions = new Set(["listen", "unlisten", "take_over", "hand_back"]);

function sayVoice(text, isError = false) {
  const status = document.getElementById("voice-status");
  status.textContent = text || "";
  status.classList.toggle("error", isError);
}

function say(text, isError = false) {
  if (!actionStatus) return;
  actionStatus.textContent = text || "";
  actionStatus.classList.toggle("error", isError);
}

function act(action, text = "") {
  if (action === "hangup" && !window.confirm(labels.confirm_hangup)) return;
  if (action === "transfer" && !window.confirm(labels.confirm_transfer)) return;
  if (!socket.send({ action, call_sid: callSid, text })) say(labels.reconnecting, true);
}

document.querySelectorAll("#actions button[data-action]").forEach((button) => {
  if (button.dataset.action === "coach") return;
  button.addEventListener("click", () => act(button.dataset.action));
});
document.getElementById("coach-form")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  if (!input.value.trim()) return say(labels.errors.empty_text, true);
  act("coach", input.value);
  input.value = "";
});

if (script.dataset.live === "1") {
  const tick = () => {
    if (!ended) duration.textContent = formatDuration(secondsSince(duration.dataset.started));
  };
  tick();
  setInterval(tick, 1000);
  socket.start();
} else {
  // A finished call: the stored record, rendered by the same code as a live one.
  ended = true;
  timeline.load(JSON.parse(document.getElementById("call-events").textContent));
}
