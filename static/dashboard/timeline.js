/** One timeline renderer for live and finished calls: Korean labels, formatted details. */

import { el, formatDuration } from "./format.js";

/** Milliseconds into the call as m:ss. */
export function formatOffset(ms) {
  return ms === null || ms === undefined ? "" : formatDuration(ms / 1000);
}

/** A length in milliseconds as seconds with one decimal ("2.3초"). */
function seconds(ms, unit) {
  return ms === null || ms === undefined ? "–" : `${(ms / 1000).toFixed(1)}${unit}`;
}

/** A short readable form of a value (tool results can be objects). */
function brief(value) {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** The detail parts of one event, as "label value" strings. */
export function describe(event, labels) {
  const d = event.data || {};
  const w = labels.details;
  switch (event.kind) {
    case "barge_in":
      return [
        `${w.heard} ${seconds(d.played_ms, w.seconds)}`,
        `${w.generated} ${seconds(d.generated_ms, w.seconds)}`,
      ];
    case "dtmf":
      return [String(d.digit ?? "")];
    case "tool_result": {
      const parts = [String(d.label || d.name || "")];
      if (d.latency_ms !== undefined && d.latency_ms !== null) parts.push(`${d.latency_ms} ms`);
      parts.push((w.outcomes || {})[d.outcome] || d.outcome || "");
      if (d.status) parts.push(`HTTP ${d.status}`);
      if (d.outcome !== "ok" && d.result !== undefined) parts.push(`${w.result} ${brief(d.result)}`);
      return parts;
    }
    case "tool_filler":
    case "notice_given":
      return [d.text ? `“${d.text}”` : ""];
    case "caller_idle":
      return [`${d.count ?? "–"}${w.count}`];
    case "greeting_cached":
      return [];
    case "tool_call": {
      const parts = [String(d.name || "")];
      if (d.latency_ms !== undefined) parts.push(`${w.latency} ${d.latency_ms} ms`);
      if (d.ok !== undefined) parts.push(d.ok ? w.ok : w.failed);
      if (d.result !== undefined) parts.push(`${w.result} ${brief(d.result)}`);
      else if (d.error) parts.push(`${w.reason} ${brief(d.error)}`);
      else if (d.arguments !== undefined) parts.push(`${w.arguments} ${brief(d.arguments)}`);
      return parts;
    }
    case "reconnect":
      return [`${w.silence} ${seconds(d.gap_ms, w.seconds)}`, `${w.attempt} ${d.attempt ?? "–"}`];
    case "supervisor_hangup":
    case "supervisor_transfer":
    case "supervisor_coach":
    case "supervisor_listen":
    case "supervisor_listen_stop":
    case "supervisor_take_over":
    case "supervisor_hand_back": {
      const note = d.text || d.note;
      const parts = [`${w.by} ${event.actor || d.actor_name || "–"}`];
      if (d.reason && d.reason !== "supervisor") parts.push(`${w.reason} ${d.reason}`);
      return [...parts, ...(note ? [`“${note}”`] : [])];
    }
    case "summary":
      return [
        d.summary || "",
        `${w.category} ${d.category || "–"}`,
        d.resolved ? w.resolved : w.unresolved,
        `${w.sentiment} ${d.sentiment || "–"}`,
      ];
    case "summary_failed":
      return [`${w.reason} ${d.reason || "–"}`];
    case "call_ended": {
      const parts = [labels.end_reasons[d.reason] || d.reason || ""];
      if (d.by) parts.push(`${w.by} ${d.by}`);
      if (d.source) parts.push(`${w.source} ${d.source}`);
      return parts;
    }
    case "ai_error":
      return [[d.code, d.message].filter(Boolean).join(": ")];
    default:
      return Object.entries(d).map(([key, value]) => `${key} ${brief(value)}`);
  }
}

/** The list item of one event (text only: event data is untrusted). */
export function timelineItem(event, labels) {
  const item = el("li", `event kind-${event.kind}`);
  item.dataset.kind = event.kind;
  item.append(
    el("span", "offset", formatOffset(event.offset_ms)),
    el("span", "kind", labels.events[event.kind] || event.kind),
  );
  const details = el("span", "details");
  for (const part of describe(event, labels).filter(Boolean)) details.append(el("span", "part", part));
  item.append(details);
  return item;
}

/** Renders a call's timeline into a list, in offset order, live events included. */
export class Timeline {
  constructor(list, labels) {
    this.list = list;
    this.labels = labels;
  }

  /** Replace everything with the events of a snapshot or the stored record. */
  load(events) {
    this.list.replaceChildren();
    events.forEach((event) => this.add(event));
  }

  /** Add one event where its offset puts it. */
  add(event) {
    const item = timelineItem(event, this.labels);
    const offset = event.offset_ms ?? Number.MAX_SAFE_INTEGER;
    item.dataset.offset = offset;
    const later = [...this.list.children].find((other) => Number(other.dataset.offset) > offset);
    this.list.insertBefore(item, later || null);
    item.scrollIntoView({ block: "nearest" });
  }
}
