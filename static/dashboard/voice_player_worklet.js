/**
 * AudioWorklet: plays a listened call. Frames (see calls/live/protocol/listen_audio.py) arrive on
 * the port as ArrayBuffers: 1 byte channel, 4 bytes sequence, 4 bytes timestamp, then mu-law
 * 8 kHz. Each channel has its own small jitter buffer: playback starts once TARGET_MS is queued,
 * a channel that runs dry waits for TARGET_MS again, and one that falls more than MAX_MS behind
 * drops its oldest audio. The channels are mixed; a muted channel (the holder's own voice) is
 * counted but not played. The context runs at 8 kHz, so no resampling is needed here.
 * Every REPORT_MS the worklet reports, per channel, frames received and the pitch of the voiced
 * audio it received (zero crossings), for the page's meter.
 */

const RATE = 8000;
const TARGET_MS = 60;
const MAX_MS = 300;
const REPORT_MS = 250;
const VOICED_RMS = 0.01;

function ulawTable() {
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    let sample = ((mantissa << 3) + 0x84) << exponent;
    sample -= 0x84;
    table[i] = (sign ? -sample : sample) / 32768;
  }
  return table;
}

const DECODE = ulawTable();

class ChannelBuffer {
  constructor() {
    this.chunks = [];
    this.offset = 0; // into chunks[0]
    this.queued = 0; // samples
    this.playing = false;
    this.frames = 0;
    this.lastSeq = -1;
    this.crossings = 0;
    this.voicedSamples = 0;
    this.hz = 0;
    this.muted = false;
  }

  push(samples, seq) {
    this.frames += 1;
    this.lastSeq = seq;
    this.measure(samples);
    this.chunks.push(samples);
    this.queued += samples.length;
    const max = (MAX_MS * RATE) / 1000;
    while (this.queued > max && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.queued -= dropped.length - this.offset;
      this.offset = 0;
    }
  }

  measure(samples) {
    let energy = 0;
    let crossings = 0;
    for (let i = 0; i < samples.length; i++) {
      energy += samples[i] * samples[i];
      if (i && (samples[i - 1] < 0) !== (samples[i] < 0)) crossings += 1;
    }
    if (Math.sqrt(energy / samples.length) < VOICED_RMS) return;
    this.crossings += crossings;
    this.voicedSamples += samples.length;
  }

  /** Add this channel's next samples into out (mixing). */
  mixInto(out) {
    if (!this.playing) {
      if (this.queued < (TARGET_MS * RATE) / 1000) return;
      this.playing = true;
    }
    let i = 0;
    while (i < out.length && this.chunks.length) {
      const chunk = this.chunks[0];
      const n = Math.min(out.length - i, chunk.length - this.offset);
      if (!this.muted) for (let k = 0; k < n; k++) out[i + k] += chunk[this.offset + k];
      i += n;
      this.offset += n;
      this.queued -= n;
      if (this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    if (i < out.length) this.playing = false; // ran dry: buffer again before playing
  }

  report() {
    if (this.voicedSamples >= RATE / 20) {
      this.hz = Math.round(this.crossings / 2 / (this.voicedSamples / RATE));
      this.crossings = 0;
      this.voicedSamples = 0;
    }
    return { frames: this.frames, hz: this.hz, buffered_ms: Math.round(this.queued / 8) };
  }
}

class UlawPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.channels = [new ChannelBuffer(), new ChannelBuffer(), new ChannelBuffer()];
    this.sinceReport = 0;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  receive(data) {
    if (data && data.mute !== undefined) {
      this.channels[2].muted = Boolean(data.mute);
      return;
    }
    const bytes = new Uint8Array(data);
    if (bytes.length <= 9) return;
    const channel = this.channels[bytes[0]];
    if (!channel) return;
    const view = new DataView(data);
    const samples = new Float32Array(bytes.length - 9);
    for (let i = 9; i < bytes.length; i++) samples[i - 9] = DECODE[bytes[i]];
    channel.push(samples, view.getUint32(1));
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    out.fill(0);
    for (const channel of this.channels) channel.mixInto(out);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i]));
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.sinceReport += out.length;
    if (this.sinceReport >= (REPORT_MS * RATE) / 1000) {
      this.sinceReport = 0;
      this.port.postMessage(this.channels.map((channel) => channel.report()));
    }
    return true;
  }
}

registerProcessor("ulaw-player", UlawPlayer);
