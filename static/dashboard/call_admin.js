/** The admin page of a live call: its transcript, streaming over the monitor socket. */

import { readLabels } from "./format.js";
import { MonitorSocket, SeqTracker } from "./monitor_socket.js";
import { Transcript } from "./transcript.js";

const script = document.querySelector("script[data-call-sid]");
const callSid = script.dataset.callSid;
const labels = readLabels();
const transcript = new Transcript(document.getElementById("transcript"), labels);
const state = document.getElementById("live-state");
const seqs = new SeqTracker();

const socket = new MonitorSocket(
  script.dataset.socket,
  { target: "call", call_sid: callSid },
  {
    onMessage(message) {
      if (message.type === "snapshot") {
        seqs.reset();
        transcript.load(message.utterances);
        state.textContent = message.live ? labels.live : labels.states.ended;
        return;
      }
      if (message.call_sid !== callSid) return;
      const order = seqs.check(callSid, message.seq);
      if (order === "stale") return;
      if (order === "gap") socket.requestResync();
      if (message.type === "call.transcript") transcript.delta(message);
      else if (message.type === "call.utterance") transcript.final(message);
      else if (message.type === "call.status") {
        state.textContent = labels.states[message.state] || message.state;
      }
    },
    onStatus(status) {
      if (status !== "open") state.textContent = labels.reconnecting;
    },
  },
);
socket.start();
