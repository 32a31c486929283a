/** Small formatting and DOM helpers shared by the dashboard pages. */

/** The translated labels the server put in the page. */
export function readLabels() {
  return JSON.parse(document.getElementById("labels").textContent);
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds) {
  if (totalSeconds === null || totalSeconds === undefined || Number.isNaN(totalSeconds)) return "–";
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Seconds since an ISO time (to another ISO time, or now). */
export function secondsSince(iso, untilIso) {
  if (!iso) return null;
  const end = untilIso ? Date.parse(untilIso) : Date.now();
  return (end - Date.parse(iso)) / 1000;
}

/** A milliseconds figure, or a dash. */
export function formatMs(ms) {
  return ms === null || ms === undefined ? "–" : `${ms} ms`;
}

/** Create an element with a class and text (text, never HTML: transcripts are untrusted). */
export function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
