"use strict";
// The analyst page: fetches the JSON API with the key typed in (kept in this tab only).
const $ = (id) => document.getElementById(id);
const fmt = (v, d = 1) => (v === null || v === undefined ? "–" : (v > 0 ? "+" : "") + v.toFixed(d));
const SVG = "http://www.w3.org/2000/svg";

async function api(path) {
  const response = await fetch(path, { headers: { "X-API-Key": sessionStorage.getItem("insightKey") || "" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function drawImpact(topics) {
  const rows = topics.filter((t) => t.impact !== null && t.topic_id >= 0)
    .sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact)).slice(0, 15);
  const svg = $("impact-chart");
  svg.replaceChildren();
  const labelW = 260, w = 760, rowH = 24, height = rows.length * rowH + 30;
  svg.setAttribute("viewBox", `0 0 ${w} ${height}`);
  svg.setAttribute("width", "100%");
  const extent = Math.max(1, ...rows.map((t) => Math.max(Math.abs(t.impact_ci[0]), Math.abs(t.impact_ci[1]))));
  const x = (v) => labelW + ((v + extent) / (2 * extent)) * (w - labelW - 20);
  svg.appendChild(svgEl("line", { x1: x(0), x2: x(0), y1: 0, y2: height - 20, stroke: "#999" }));
  rows.forEach((t, i) => {
    const y = i * rowH + 4;
    svg.appendChild(svgEl("text", { x: labelW - 8, y: y + 14, "text-anchor": "end" }, t.label.slice(0, 38)));
    const left = Math.min(x(0), x(t.impact));
    svg.appendChild(svgEl("rect", {
      class: "bar", x: left, y: y + 3, height: rowH - 8, width: Math.max(1, Math.abs(x(t.impact) - x(0))),
      fill: t.impact < 0 ? "#d9534f" : "#3c9d5d", "data-topic": t.topic_id,
    }));
    svg.appendChild(svgEl("line", {
      x1: x(t.impact_ci[0]), x2: x(t.impact_ci[1]), y1: y + 11, y2: y + 11, stroke: "#333",
    }));
  });
  svg.appendChild(svgEl("text", { x: x(-extent), y: height - 4 }, fmt(-extent)));
  svg.appendChild(svgEl("text", { x: x(extent), y: height - 4, "text-anchor": "end" }, fmt(extent)));
}

function fillTable(topics) {
  const body = $("topics").querySelector("tbody");
  body.replaceChildren();
  for (const t of topics) {
    const tr = document.createElement("tr");
    tr.dataset.topic = t.topic_id;
    const ci = t.impact_ci ? ` [${fmt(t.impact_ci[0])}, ${fmt(t.impact_ci[1])}]` : "";
    const cells = [
      (t.pinned ? "📌 " : "") + t.label,
      String(t.comments),
      t.nps ? t.nps.nps.toFixed(0) : "–",
      fmt(t.impact) + ci,
      side(t.complaints),
      side(t.praise),
      t.negative_share === null ? "–" : (100 * t.negative_share).toFixed(0) + "%",
      emotionLine(t.emotions),
      t.keywords.slice(0, 5).join(", "),
    ];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 3 && t.impact !== null) td.className = t.impact < 0 ? "neg" : "pos";
      const sided = i === 4 ? t.complaints : i === 5 ? t.praise : null;
      if (sided) td.className = sided.effect < 0 ? "neg" : "pos";
      tr.appendChild(td);
    });
    tr.addEventListener("click", () => showTopic(t));
    body.appendChild(tr);
  }
}

// the topic's leading emotions: "anger 41% · annoyance 12%" (at most two, each at least 5%)
function emotionLine(shares) {
  const top = Object.entries(shares || {}).filter(([, v]) => v >= 0.05).slice(0, 2);
  return top.map(([e, v]) => `${e} ${(100 * v).toFixed(0)}%`).join(" · ") || "–";
}

// a topic's complaints or praise as a driver: effect in NPS points and how many comments
function side(s) {
  return s ? `${fmt(s.effect)} (${s.comments})` : "–";
}

async function showTopic(topic) {
  $("detail").hidden = false;
  $("detail-title").textContent = topic.label;
  const list = $("verbatims");
  list.replaceChildren();
  try {
    const detail = await api(`/v1/topics/${topic.topic_id}?limit=10&level=${$("level").value}`);
    for (const v of detail.verbatims) {
      const li = document.createElement("li");
      li.textContent = `“${v.comment}” — score ${v.score ?? "–"}, ${v.channel ?? ""} (${v.sentiment ?? "?"})`;
      list.appendChild(li);
    }
  } catch (error) {
    const li = document.createElement("li");
    li.textContent = `Verbatims need an analyst key: ${error.message}`;
    list.appendChild(li);
  }
}

async function load(event) {
  if (event) event.preventDefault();
  const typed = $("key").value.trim();
  if (typed) sessionStorage.setItem("insightKey", typed);
  status("Loading…");
  try {
    const level = $("level").value;
    const report = await api(`/v1/topics?level=${level}`);
    if (level === "subtopic") {  // name each subtopic's theme: "Delivery › Late parcel"
      const themes = await api("/v1/topics");
      const names = Object.fromEntries(themes.topics.map((t) => [t.topic_id, t.label]));
      for (const t of report.topics) if (t.parent !== null) t.label = `${names[t.parent] ?? t.parent} › ${t.label}`;
    }
    document.querySelectorAll(".metric").forEach((el) => { el.textContent = report.metric; });
    $("nps").textContent = report.overall ? report.overall.nps.toFixed(1) : "–";
    $("nps-ci").textContent = report.overall
      ? `95% CI ${report.overall.ci_low.toFixed(1)} to ${report.overall.ci_high.toFixed(1)}` : "";
    $("comments").textContent = report.comments.toLocaleString();
    $("topic-count").textContent = report.topics.filter((t) => t.topic_id >= 0).length;
    $("coverage").textContent = (100 * report.coverage).toFixed(0) + "%";
    drawImpact(report.topics);
    fillTable(report.topics);
    for (const id of ["summary", "charts", "table"]) $(id).hidden = false;
    status(`Model ${report.model_id}: ${report.topics.length} rows.`);
  } catch (error) {
    // never leave an earlier key's data on screen after a failed load
    for (const id of ["summary", "charts", "table", "detail"]) $(id).hidden = true;
    sessionStorage.removeItem("insightKey");
    status(`Could not load the report: ${error.message}`, true);
  }
}

$("login").addEventListener("submit", load);
$("level").addEventListener("change", () => { if (sessionStorage.getItem("insightKey")) load(); });
if (sessionStorage.getItem("insightKey")) load();
