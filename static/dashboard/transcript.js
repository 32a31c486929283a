/** A live transcript: partial lines while a turn is spoken, final lines, interrupted turns. */

import { el, formatMs } from "./format.js";

export class Transcript {
  constructor(list, labels) {
    this.list = list;
    this.labels = labels;
    this.lines = new Map();
    this.anonymous = 0;
  }

  /** Replace everything with the stored utterances of a snapshot. */
  load(utterances) {
    this.list.replaceChildren();
    this.lines.clear();
    utterances.forEach((u) => this.final(u));
  }

  /** Partial text of a turn in progress (`call.transcript`: text so far). */
  delta(event) {
    const line = this.line(event.item_id, event.speaker, null);
    if (line.dataset.final === "1") return;
    line.classList.add("partial");
    line.querySelector(".text").textContent = event.text;
    this.scroll();
  }

  /** A finished turn (`call.utterance`), possibly interrupted. */
  final(event) {
    const line = this.line(event.item_id, event.speaker, event.started_ms);
    line.dataset.final = "1";
    line.classList.remove("partial");
    line.classList.toggle("interrupted", Boolean(event.interrupted));
    line.querySelector(".text").textContent = event.interrupted
      ? event.heard_text || "…"
      : event.text;
    line.querySelector(".generated")?.remove();
    if (event.interrupted) {
      const generated = el("span", "generated");
      generated.append(el("span", "tag", this.labels.generated), ` ${event.text}`);
      line.querySelector(".text").after(generated);
    }
    if (event.latency_ms !== null && event.latency_ms !== undefined) {
      line.querySelector(".latency").textContent = formatMs(event.latency_ms);
    }
    this.scroll();
  }

  /** Latencies of an agent turn (`call.metrics`). */
  metrics(event) {
    const line = this.lines.get(event.item_id);
    if (!line || event.first_audio_from_ai_ms === null) return;
    line.querySelector(".latency").title =
      `${this.labels.first_audio}: ${formatMs(event.first_audio_from_ai_ms)}`;
    if (!line.querySelector(".latency").textContent) {
      line.querySelector(".latency").textContent = formatMs(event.first_audio_from_ai_ms);
    }
  }

  /** The line of an item, created in start-time order when new. */
  line(itemId, speaker, startedMs) {
    const key = itemId || `anonymous-${this.anonymous++}`;
    let line = this.lines.get(key);
    if (line) return line;
    line = el("li", `line ${speaker}`);
    line.dataset.item = key;
    if (startedMs !== null && startedMs !== undefined) line.dataset.started = startedMs;
    line.append(
      el("span", "speaker", this.labels.speakers[speaker] || speaker),
      el("span", "text"),
      el("span", "latency"),
    );
    const later = [...this.list.children].find(
      (other) => other.dataset.started !== undefined && Number(other.dataset.started) > startedMs,
    );
    this.list.insertBefore(line, startedMs === null || startedMs === undefined ? null : later || null);
    this.lines.set(key, line);
    return line;
  }

  scroll() {
    this.list.lastElementChild?.scrollIntoView({ block: "nearest" });
  }
}
