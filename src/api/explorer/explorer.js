// The request explorer: polls /api/requests and renders one row per request. No build step, no framework.
"use strict";

const REFRESH_MS = 1000;
const body = document.body;
const rows = document.getElementById("requests");
const updated = document.getElementById("updated");
const errorBox = document.getElementById("error");

function short(hex) {
  return hex ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : "";
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function badge(status) {
  const td = document.createElement("td");
  if (status) {
    const span = document.createElement("span");
    span.className = `status ${status}`;
    span.textContent = status;
    td.appendChild(span);
  }
  return td;
}

function stages(s) {
  const ms = (v) => (v === null || v === undefined ? "–" : `${v} ms`);
  return `${ms(s.signed_ms)} / ${ms(s.answered_ms)} / ${ms(s.relay_mined_ms)}`;
}

function row(lifecycle) {
  const r = lifecycle.responder || {};
  const relay = lifecycle.relay;
  const tr = document.createElement("tr");
  tr.dataset.requestId = String(lifecycle.request_id);
  tr.dataset.kind = r.kind || "";
  tr.dataset.status = r.status || "";
  tr.dataset.relay = relay ? relay.status : "";
  tr.appendChild(cell(lifecycle.request_id));
  tr.appendChild(cell(r.kind));
  tr.appendChild(cell(short(r.requester), "hash"));
  tr.appendChild(badge(r.status));
  tr.appendChild(cell(short(r.answer_tx), "hash"));
  tr.appendChild(badge(relay ? relay.status : ""));
  const tx = cell(relay ? short(relay.tx_hash) : "", "hash");
  if (relay) tx.title = relay.tx_hash;
  tr.appendChild(tx);
  tr.appendChild(cell(stages(lifecycle.stages)));
  return tr;
}

async function refresh() {
  try {
    const response = await fetch("/api/requests?limit=100", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const list = await response.json();
    rows.replaceChildren(...list.map(row));
    updated.textContent = `${list.length} requests, updated ${new Date().toLocaleTimeString()}`;
    errorBox.textContent = "";
    body.dataset.loaded = "true";
  } catch (e) {
    errorBox.textContent = `refresh failed: ${e.message}`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
