/** The supervisors' socket: subscribes on every (re)connect, reconnects with backoff, resyncs. */

const FORBIDDEN = 4403;
const MAX_DELAY_MS = 30000;
const RESYNC_SPACING_MS = 1000;

export class MonitorSocket {
  /** path: "/ws/monitor/"; subscription: {target, call_sid?}; handlers: onMessage, onStatus,
   * onAudio (binary frames: a listened call's audio). */
  constructor(path, subscription, { onMessage, onStatus = () => {}, onAudio = () => {} }) {
    this.path = path;
    this.subscription = subscription;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onAudio = onAudio;
    this.attempt = 0;
    this.lastResync = 0;
    this.resyncTimer = null;
  }

  /** Open the socket (and keep it open). */
  start() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.ws = new WebSocket(`${scheme}//${location.host}${this.path}`);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => {
      this.attempt = 0;
      this.onStatus("open");
      this.resync();
    };
    this.ws.onmessage = (event) => {
      if (typeof event.data === "string") this.onMessage(JSON.parse(event.data));
      else this.onAudio(event.data);
    };
    this.ws.onclose = (event) => {
      if (event.code === FORBIDDEN) {
        this.onStatus("forbidden");
        return;
      }
      this.onStatus("reconnecting");
      const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      setTimeout(() => this.start(), delay);
    };
  }

  /** Ask for a fresh snapshot now (after a reconnect, or when a gap was seen). */
  resync() {
    this.lastResync = Date.now();
    this.send({ action: "subscribe", ...this.subscription });
  }

  /** Resync soon, at most once a second however many gaps are seen. */
  requestResync(delayMs = 0) {
    if (this.resyncTimer) return;
    const wait = Math.max(delayMs, this.lastResync + RESYNC_SPACING_MS - Date.now(), 0);
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      this.resync();
    }, wait);
  }

  /** Send a binary frame (the microphone); false when the socket is not open. */
  sendBinary(buffer) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(buffer);
    return true;
  }

  /** Send a JSON message; false when the socket is not open. */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }
}

/** Per-call sequence numbers: says whether an event is new, stale (seen) or after a gap. */
export class SeqTracker {
  constructor() {
    this.last = new Map();
  }

  reset() {
    this.last.clear();
  }

  check(callSid, seq) {
    if (seq === null || seq === undefined) return "new";
    const last = this.last.get(callSid);
    if (last !== undefined && seq <= last) return "stale";
    this.last.set(callSid, seq);
    return last !== undefined && seq > last + 1 ? "gap" : "new";
  }
}

/** Show the socket's state in the page header. */
export function showConnection(status, labels) {
  const badge = document.getElementById("connection");
  if (!badge) return;
  badge.hidden = status === "open";
  badge.textContent = status === "forbidden" ? labels.forbidden : labels.reconnecting;
  badge.className = `connection ${status}`;
}
