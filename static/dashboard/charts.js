/** Hand-drawn SVG charts for the wallboard: calls and containment per hour, calls by category. */

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (and text, never HTML). */
function svg(tag, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** A round upper bound for an axis of four equal steps (each 1, 2 or 5 × 10^n, at least 1). */
function niceMax(value) {
  const step = Math.max(1, value / 4);
  const power = 10 ** Math.floor(Math.log10(step));
  return 4 * [1, 2, 5, 10].map((m) => m * power).find((m) => m >= step);
}

/** Bars of calls per hour and a line of the containment rate (%), on two axes. */
export function drawHourly(chart, hours, labels) {
  const width = 960;
  const height = 300;
  const pad = { left: 48, right: 52, top: 16, bottom: 32 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const top = niceMax(Math.max(0, ...hours.map((h) => h.calls)));
  const slot = plotW / hours.length;
  const nodes = [];
  for (let i = 0; i <= 4; i += 1) {
    const y = pad.top + plotH - (plotH * i) / 4;
    nodes.push(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    nodes.push(svg("text", { x: pad.left - 8, y: y + 5, class: "axis", "text-anchor": "end" }, String(Math.round((top * i) / 4))));
    nodes.push(svg("text", { x: width - pad.right + 8, y: y + 5, class: "axis" }, `${25 * i}%`));
  }
  const points = [];
  hours.forEach((hour, i) => {
    const x = pad.left + i * slot;
    const barH = (plotH * hour.calls) / top;
    const bar = svg("rect", { x: x + slot * 0.15, y: pad.top + plotH - barH, width: slot * 0.7, height: barH, class: "bar" });
    bar.append(svg("title", {}, `${hour.label}시 · ${labels.calls_per_hour}: ${hour.calls}`));
    nodes.push(bar);
    if (i % 3 === 0 || i === hours.length - 1) {
      nodes.push(svg("text", { x: x + slot / 2, y: height - 10, class: "axis", "text-anchor": "middle" }, hour.label));
    }
    if (hour.calls > 0) {
      const rate = (100 * hour.contained) / hour.calls;
      points.push(`${x + slot / 2},${pad.top + plotH - (plotH * rate) / 100}`);
    }
  });
  if (points.length) {
    nodes.push(svg("polyline", { points: points.join(" "), class: "rate-line" }));
    for (const point of points) {
      const [cx, cy] = point.split(",");
      nodes.push(svg("circle", { cx, cy, r: 4, class: "rate-dot" }));
    }
  }
  chart.replaceChildren(...nodes);
}

/** Horizontal bars of today's ended calls per category, largest first. */
export function drawCategories(chart, categories, labels) {
  const width = 480;
  const rowH = 36;
  const labelW = 150;
  const rows = categories.slice(0, 8);
  const height = Math.max(300, rows.length * rowH + 16);
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const top = Math.max(1, ...rows.map((row) => row.calls));
  const nodes = [];
  if (!rows.length) {
    nodes.push(svg("text", { x: width / 2, y: height / 2, class: "axis", "text-anchor": "middle" }, "–"));
  }
  rows.forEach((row, i) => {
    const y = 8 + i * rowH;
    const barW = ((width - labelW - 60) * row.calls) / top;
    nodes.push(svg("text", { x: labelW - 10, y: y + 22, class: "cat-label", "text-anchor": "end" }, row.category || labels.uncategorised));
    nodes.push(svg("rect", { x: labelW, y: y + 4, width: Math.max(2, barW), height: rowH - 12, class: "cat-bar" }));
    nodes.push(svg("text", { x: labelW + barW + 8, y: y + 22, class: "cat-count" }, String(row.calls)));
  });
  chart.replaceChildren(...nodes);
}
