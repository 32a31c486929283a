/** The wallboard's KPI tiles: formatted values for today and the last hour, threshold colours. */

import { formatDuration } from "./format.js";

/** A KPI value as the tile shows it (format: count, percent, duration, ms, money). */
export function formatKpi(value, format, currency) {
  if (value === null || value === undefined) return "–";
  if (format === "percent") return `${Number(value).toFixed(1)}%`;
  if (format === "duration") return formatDuration(value);
  if (format === "ms") return `${Math.round(value).toLocaleString("ko-KR")} ms`;
  if (format === "money") {
    const digits = currency === "KRW" ? 0 : 2;
    return new Intl.NumberFormat("ko-KR", {
      style: "currency",
      currency: currency || "USD",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  }
  return Math.round(value).toLocaleString("ko-KR");
}

/** "ok", "warning" or "alert" for a value under a threshold; "" when there is none. */
export function levelOf(value, threshold) {
  if (!threshold || value === null || value === undefined) return "";
  const worse = threshold.higher_is_worse
    ? (limit) => limit !== null && value >= limit
    : (limit) => limit !== null && value <= limit;
  if (worse(threshold.alert_at)) return "alert";
  if (worse(threshold.warning_at)) return "warning";
  return "ok";
}

/** Fill every tile from the server's figures (`kpis` of the wallboard snapshot). */
export function showTiles(kpis) {
  const currency = kpis.today.cost_currency;
  for (const tile of document.querySelectorAll(".kpi[data-kpi]")) {
    const key = tile.dataset.kpi;
    const format = tile.dataset.format;
    const today = kpis.today[key];
    tile.querySelector(".value").textContent = formatKpi(today, format, currency);
    const hour = key === "live" ? null : kpis.last_hour[key];
    tile.querySelector(".hour").hidden = key === "live";
    tile.querySelector(".hour-value").textContent = formatKpi(hour, format, currency);
    tile.dataset.level = levelOf(today, kpis.thresholds[key]);
  }
}
