/**
 * AudioWorklet: the supervisor's microphone as 20 ms frames of 8 kHz mu-law.
 * The input runs at the context's rate (often 48 kHz): a 4th-order Butterworth low-pass at
 * 3.4 kHz (two biquads) keeps what a phone line carries, then a fractional resampler with
 * linear interpolation picks 8000 samples a second, and G.711 mu-law encodes them. Each full
 * frame of 160 bytes is posted to the page as an ArrayBuffer (transferred, not copied).
 */

const OUT_RATE = 8000;
const FRAME = 160;
const CUTOFF = 3400;

function biquadLowPass(rate, q) {
  const w = (2 * Math.PI * CUTOFF) / rate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 - cos) / 2 / a0,
    b1: (1 - cos) / a0,
    b2: (1 - cos) / 2 / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha) / a0,
    x1: 0,
    x2: 0,
    y1: 0,
    y2: 0,
  };
}

function filter(f, x) {
  const y = f.b0 * x + f.b1 * f.x1 + f.b2 * f.x2 - f.a1 * f.y1 - f.a2 * f.y2;
  f.x2 = f.x1;
  f.x1 = x;
  f.y2 = f.y1;
  f.y1 = y;
  return y;
}

function ulawEncode(sample) {
  let pcm = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
  const sign = pcm < 0 ? 0x80 : 0;
  if (sign) pcm = -pcm;
  pcm += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

class UlawMicrophone extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / OUT_RATE; // input samples per output sample
    this.filters = [biquadLowPass(sampleRate, 0.5412), biquadLowPass(sampleRate, 1.3066)];
    this.position = 0; // where the next output sample falls, relative to the current input
    this.previous = 0;
    this.frame = new Uint8Array(FRAME);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      const current = filter(this.filters[1], filter(this.filters[0], input[i]));
      while (this.position <= 1) {
        const sample = this.previous + (current - this.previous) * this.position;
        this.frame[this.filled++] = ulawEncode(sample);
        if (this.filled === FRAME) {
          const full = this.frame.buffer;
          this.port.postMessage(full, [full]);
          this.frame = new Uint8Array(FRAME);
          this.filled = 0;
        }
        this.position += this.step;
      }
      this.position -= 1;
      this.previous = current;
    }
    return true;
  }
}

registerProcessor("ulaw-microphone", UlawMicrophone);
