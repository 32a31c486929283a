/**
 * Supervisor voice on the call page: listen in ("듣기"), take the call over ("직접 응대"), hand
 * it back ("AI에게 돌려주기"). Audio arrives on the monitor socket as binary frames and plays in
 * an AudioWorklet (voice_player_worklet.js) at 8 kHz; while holding the call, the microphone is
 * captured with getUserMedia, turned into 20 ms frames of 8 kHz mu-law by another AudioWorklet
 * (voice_mic_worklet.js) and sent up the same socket with the same 9-byte header (channel 2).
 */

const SUPERVISOR_CHANNEL = 2;
const HEADER_BYTES = 9;
const CHANNEL_NAMES = ["caller", "agent", "supervisor"];

export class VoicePanel {
  constructor(root, { socket, callSid, labels, onStatus }) {
    this.root = root;
    this.socket = socket;
    this.callSid = callSid;
    this.labels = labels;
    this.say = onStatus;
    this.listening = false;
    this.holding = false;
    this.player = null;
    this.microphone = null;
    this.seq = 0;
    this.startedAt = performance.now();
    this.meter = root.querySelector("#voice-meter");
    this.buttons = {
      listen: root.querySelector("#listen"),
      takeOver: root.querySelector("#take-over"),
      handBack: root.querySelector("#hand-back"),
    };
    this.note = root.querySelector("#hand-back-note");
    this.buttons.listen?.addEventListener("click", () => this.toggleListening());
    this.buttons.takeOver?.addEventListener("click", () => this.takeOver());
    this.buttons.handBack?.addEventListener("click", () => this.handBack());
  }

  /** Binary frame from the socket: audio of the call this page listens to. */
  audio(buffer) {
    if (this.player) this.player.port.postMessage(buffer, [buffer]);
  }

  /** A JSON message about voice (voice.listening, voice.stopped, voice.reply). */
  message(message) {
    if (message.type === "voice.stopped") return this.stopPlayer();
    if (message.type !== "voice.reply") return;
    if (message.op === "take_over") {
      if (message.ok) return this.startHolding();
      this.say(this.refusal(message), true);
      return this.showHolder(message.holder || "");
    }
    if (message.op === "hand_back" && message.ok) return this.stopHolding(this.labels.voice.handed_back);
    if (message.op === "hand_back") this.say(this.refusal(message), true);
  }

  /** A timeline entry: who holds the call, live for every page. */
  timeline(event) {
    if (event.kind === "supervisor_take_over") this.showHolder(event.data?.actor_name || "");
    if (event.kind === "supervisor_hand_back") {
      this.showHolder("");
      if (this.holding) this.stopHolding(this.labels.voice.returned[event.data?.reason] || "");
    }
  }

  refusal(message) {
    const errors = this.labels.voice.errors;
    if (message.code === "held") return errors.held.replace("%(name)s", message.holder);
    return errors[message.code] || message.code;
  }

  showHolder(name) {
    const holder = this.root.querySelector("#voice-holder");
    holder.textContent = name ? this.labels.voice.held_by.replace("%(name)s", name) : "";
    holder.dataset.holder = name;
  }

  async toggleListening() {
    if (this.listening) {
      this.socket.send({ action: "unlisten", call_sid: this.callSid });
      return this.stopPlayer();
    }
    await this.startPlayer();
    if (!this.socket.send({ action: "listen", call_sid: this.callSid })) {
      this.say(this.labels.reconnecting, true);
    }
  }

  async startPlayer() {
    if (this.player) return;
    const context = new AudioContext({ sampleRate: 8000, latencyHint: "interactive" });
    await context.audioWorklet.addModule(this.root.dataset.playerWorklet);
    this.player = new AudioWorkletNode(context, "ulaw-player", { outputChannelCount: [1] });
    this.player.port.onmessage = (event) => this.showMeter(event.data);
    this.player.connect(context.destination);
    await context.resume();
    this.player.port.postMessage({ mute: this.holding });
    this.listening = true;
    this.buttons.listen.textContent = this.labels.voice.stop_listening;
    this.buttons.listen.setAttribute("aria-pressed", "true");
    this.say(this.labels.voice.listening);
  }

  stopPlayer() {
    if (!this.player) return;
    this.player.context.close();
    this.player = null;
    this.listening = false;
    this.buttons.listen.textContent = this.labels.voice.listen;
    this.buttons.listen.setAttribute("aria-pressed", "false");
  }

  showMeter(channels) {
    channels.forEach((stats, index) => {
      const name = CHANNEL_NAMES[index];
      this.meter.dataset[`${name}Frames`] = stats.frames;
      this.meter.dataset[`${name}Hz`] = stats.hz;
      const cell = this.meter.querySelector(`[data-channel="${name}"]`);
      if (cell) cell.textContent = stats.frames ? `${stats.hz} Hz · ${stats.buffered_ms} ms` : "–";
    });
  }

  takeOver() {
    if (!window.confirm(this.labels.voice.confirm_take_over)) return;
    if (!this.socket.send({ action: "take_over", call_sid: this.callSid })) {
      this.say(this.labels.reconnecting, true);
    }
  }

  async startHolding() {
    this.holding = true;
    this.buttons.takeOver.disabled = true;
    this.buttons.handBack.disabled = false;
    if (!this.listening) await this.toggleListening();
    this.player?.port.postMessage({ mute: true }); // never play our own voice back to us
    try {
      await this.startMicrophone();
      this.say(this.labels.voice.holding);
    } catch (error) {
      this.say(`${this.labels.voice.errors.microphone} (${error.name})`, true);
    }
  }

  async startMicrophone() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
    });
    const context = new AudioContext({ latencyHint: "interactive" });
    await context.audioWorklet.addModule(this.root.dataset.micWorklet);
    const node = new AudioWorkletNode(context, "ulaw-microphone", { numberOfOutputs: 0 });
    node.port.onmessage = (event) => this.sendMicrophone(event.data);
    context.createMediaStreamSource(stream).connect(node);
    await context.resume();
    this.microphone = { context, stream, node };
  }

  sendMicrophone(ulaw) {
    if (!this.holding) return;
    const frame = new Uint8Array(HEADER_BYTES + ulaw.byteLength);
    const view = new DataView(frame.buffer);
    this.seq = (this.seq + 1) >>> 0;
    view.setUint8(0, SUPERVISOR_CHANNEL);
    view.setUint32(1, this.seq);
    view.setUint32(5, Math.round(performance.now() - this.startedAt) >>> 0);
    frame.set(new Uint8Array(ulaw), HEADER_BYTES);
    this.socket.sendBinary(frame.buffer);
    this.meter.dataset.microphoneFrames = this.seq;
  }

  handBack() {
    this.socket.send({ action: "hand_back", call_sid: this.callSid, text: this.note?.value || "" });
  }

  stopHolding(text) {
    this.holding = false;
    if (this.microphone) {
      this.microphone.stream.getTracks().forEach((track) => track.stop());
      this.microphone.context.close();
      this.microphone = null;
    }
    this.player?.port.postMessage({ mute: false });
    this.buttons.takeOver.disabled = false;
    this.buttons.handBack.disabled = true;
    if (this.note) this.note.value = "";
    if (text) this.say(text);
  }

  /** The call ended: nothing more to hear or say. */
  end() {
    if (this.holding) this.stopHolding("");
    this.stopPlayer();
    this.root.querySelectorAll("button, input").forEach((control) => {
      control.disabled = true;
    });
  }
}
