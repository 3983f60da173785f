// warden play: the page of the rule author's playground. It talks to the
// server that serves it (POST /api/check, /api/decide, /api/explain,
// /api/verify, /api/test) and needs nothing else.
"use strict";

// Editor is a textarea with a gutter of line numbers and a backdrop that
// marks the problems: the line in the gutter and the backdrop, the column
// underlined, the message at the end of the line.
class Editor {
  constructor(root, onInput) {
    this.root = root;
    this.gutter = el("div", "gutter");
    const area = el("div", "area");
    this.backdrop = el("div", "backdrop");
    this.backdrop.setAttribute("aria-hidden", "true");
    this.text = document.createElement("textarea");
    this.text.spellcheck = false;
    this.text.wrap = "off";
    this.text.setAttribute("autocapitalize", "off");
    this.text.setAttribute("aria-label", root.dataset.label + " editor");
    area.append(this.backdrop, this.text);
    root.append(this.gutter, area);
    this.problems = [];
    this.text.addEventListener("input", () => { this.render(); onInput && onInput(); });
    this.text.addEventListener("scroll", () => this.sync());
    this.text.addEventListener("keydown", (ev) => {
      if (ev.key === "Tab" && !ev.ctrlKey && !ev.altKey) {
        ev.preventDefault();
        document.execCommand("insertText", false, "  ");
      }
    });
  }
  get value() { return this.text.value; }
  set value(v) { this.text.value = v; this.text.scrollTop = 0; this.render(); }
  // mark shows problems, each {line, column, message}, lines counted from 1.
  mark(problems) { this.problems = problems || []; this.render(); }
  render() {
    const lines = this.text.value.split("\n");
    const byLine = new Map();
    for (const p of this.problems) {
      const n = Math.min(Math.max(p.line || 1, 1), lines.length);
      if (!byLine.has(n)) byLine.set(n, []);
      byLine.get(n).push(p);
    }
    const gutter = document.createDocumentFragment();
    const back = document.createDocumentFragment();
    lines.forEach((text, i) => {
      const n = i + 1, ps = byLine.get(n);
      const g = el("div", ps ? "error" : "", String(n));
      g.dataset.line = n;
      const b = el("div", ps ? "error" : "");
      b.dataset.line = n;
      if (ps) {
        g.title = ps.map((p) => p.message).join("\n");
        const col = Math.min(Math.max((ps[0].column || 1) - 1, 0), text.length);
        const word = /^[\w.\-]*/.exec(text.slice(col))[0] || text.slice(col, col + 1);
        b.append(text.slice(0, col), el("mark", "", word || " "), text.slice(col + word.length));
        b.append(el("span", "lens", ps.map((p) => p.message).join("; ")));
      } else {
        b.textContent = text || " ";
      }
      gutter.append(g);
      back.append(b);
    });
    this.gutter.replaceChildren(gutter);
    this.backdrop.replaceChildren(back);
    this.sync();
  }
  sync() {
    this.gutter.scrollTop = this.text.scrollTop;
    this.backdrop.scrollTop = this.text.scrollTop;
    this.backdrop.scrollLeft = this.text.scrollLeft;
  }
  // reveal puts the caret at a line and column and scrolls to it.
  reveal(line, column) {
    const lines = this.text.value.split("\n");
    let at = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) at += lines[i].length + 1;
    at += Math.max((column || 1) - 1, 0);
    this.text.focus();
    this.text.setSelectionRange(at, at);
    const lh = parseFloat(getComputedStyle(this.text).lineHeight) || 19;
    this.text.scrollTop = Math.max(0, (line - 5) * lh);
    this.sync();
  }
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function debounce(f, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => f(...args), ms); };
}

async function post(path, body) {
  let res;
  try {
    res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (err) {
    return { refused: "the server cannot be reached: " + err.message };
  }
  const data = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) return { refused: data.error || res.statusText };
  return data;
}

// listProblems fills a list with the problems, each a link to its place.
function listProblems(ul, editor, problems, file) {
  ul.replaceChildren(...problems.map((p) => {
    const where = p.line ? `${file}:${p.line}:${p.column || 1}` : file;
    const li = el("li", "", `${where}: ${p.code ? p.code + ": " : ""}${p.message}`);
    li.dataset.line = p.line || 0;
    li.tabIndex = 0;
    li.addEventListener("click", () => editor.reveal(p.line || 1, p.column));
    return li;
  }));
}

const severe = new Set(["ban", "close", "suspend"]);
const mild = new Set(["restrict", "warn"]);

function penaltyBadge(d) {
  const cls = severe.has(d.penalty) ? "severe" : mild.has(d.penalty) ? "mild" : "";
  return el("span", "penalty " + cls, d.penalty + (d.duration ? " " + d.duration : ""));
}

function decisionCard(d) {
  const card = el("article", "decision");
  card.dataset.target = d.target;
  card.dataset.subject = d.subject;
  card.dataset.penalty = d.penalty;
  const h = el("h3");
  h.append(el("span", "", `${d.target} ${d.subject}${d.role ? " (" + d.role + ")" : ""}`), penaltyBadge(d));
  card.append(h);
  const dl = el("dl");
  const row = (k, v, cls) => { if (v === undefined || v === "") return; dl.append(el("dt", "", k)); dl.append(el("dd", cls || "", v)); };
  row("rule", d.rule ? `${d.rule} for violation ${d.violation} (${d.category})` : "none");
  if (d.rule) {
    // The rule's name leads to its definition in the policy editor.
    const dd = dl.lastElementChild;
    dd.classList.add("rule-link");
    dd.title = "show the rule in the policy";
    dd.addEventListener("click", () => revealRule(d.rule));
  }
  row("reason", d.reason);
  const matches = (d.matches || []).map((m) => `${m.rule} on ${m.violation}: asks ${m.asked}${m.ladder ? ` (step ${m.step} of ${m.ladder})` : ""}, gets ${m.penalty}`);
  row("rules matched", matches.length ? matches.join("; ") : "none", "matched");
  const guards = (d.guards || []).map((g) => `${g.guard} ${g.action} ${g.from}${g.action === "lowered" ? " to " + g.to : ""}: ${g.reason}`);
  row("guard notes", guards.length ? guards.join("; ") : "none", "guards");
  row("pending review", d.pending_review ? "yes" : "no", "pending");
  if (d.appeal && d.appeal.route) row("appeal", `${d.appeal.route}, within ${d.appeal.window}`);
  const errs = (d.errors || []).map((e) => `${e.rule} on ${e.violation}: ${e.message}`);
  if (errs.length) row("rule errors", errs.join("; "), "refused");
  card.append(dl);
  return card;
}

// revealRule puts the policy editor's caret on the rule's id.
function revealRule(id) {
  const lines = policyEd.value.split("\n");
  const quoted = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^\\s*-?\\s*\\{?\\s*id:\\s*["']?${quoted}["']?\\s*([,}#]|$)`);
  const i = lines.findIndex((l) => re.test(l));
  if (i >= 0) policyEd.reveal(i + 1, lines[i].indexOf("id:") + 1);
}

const state = { start: null, policyOK: false };
let policyEd, caseEd, fixtureEd;

function showPolicy(resp) {
  const status = document.getElementById("policy-status");
  if (resp.refused) {
    status.textContent = resp.refused;
    status.className = "status bad";
    return;
  }
  const errors = resp.errors || [];
  policyEd.mark(errors);
  listProblems(document.getElementById("policy-problems"), policyEd, errors, "policy.yaml");
  state.policyOK = !!resp.ok;
  if (resp.ok) {
    const p = resp.policy;
    status.textContent = `ok: policy ${p.name} ${p.version}, ${resp.categories} categories, ${resp.rules} rules, sha256 ${p.digest.slice(0, 12)}`;
    status.className = "status ok";
  } else {
    const first = errors[0];
    status.textContent = `${errors.length} ${errors.length === 1 ? "error" : "errors"} in the policy` +
      (first ? `; line ${first.line}, column ${first.column}: ${first.message}` : "");
    status.className = "status bad";
  }
}

// checkPolicy checks the policy 300 ms after the last keystroke; an answer
// that comes back after a later check was sent is dropped.
let checks = 0;
const checkPolicy = debounce(async () => {
  const seq = ++checks;
  const resp = await post("/api/check", { policy: policyEd.value });
  if (seq === checks) showPolicy(resp);
}, 300);

// showInput marks the problems of the case or fixture editor; it returns
// false when the answer carries no result to show.
function showInput(resp, editor, listId, file, out) {
  const problems = resp.input_errors || [];
  editor.mark(problems);
  listProblems(document.getElementById(listId), editor, problems, file);
  if (resp.refused) { out.replaceChildren(el("p", "refused", resp.refused)); return false; }
  if (resp.errors && resp.errors.length) {
    showPolicy(resp);
    out.replaceChildren(el("p", "refused", "the policy has errors: fix them first"));
    return false;
  }
  if (problems.length) { out.replaceChildren(el("p", "refused", `the ${file} has ${problems.length === 1 ? "an error" : "errors"}`)); return false; }
  return true;
}

async function decide() {
  const out = document.getElementById("output");
  const resp = await post("/api/decide", { policy: policyEd.value, case: caseEd.value });
  if (!showInput(resp, caseEd, "case-problems", "case.yaml", out)) return;
  out.replaceChildren(...resp.decisions.map(decisionCard));
}

async function explain() {
  const out = document.getElementById("output");
  const resp = await post("/api/explain", { policy: policyEd.value, case: caseEd.value });
  if (!showInput(resp, caseEd, "case-problems", "case.yaml", out)) return;
  const pre = el("pre", "trace", resp.text);
  out.replaceChildren(pre);
}

// verify shows what warden verify prints for the policy in the editor:
// its properties over every cell of its case space and every pair of cells
// that can be the two violations of one case.
async function verify() {
  const out = document.getElementById("output");
  out.replaceChildren(el("p", "summary", "verifying…"));
  const resp = await post("/api/verify", { policy: policyEd.value });
  if (!showInput(resp, caseEd, "case-problems", "properties", out)) return;
  out.replaceChildren(el("pre", "trace verification", resp.text));
}

async function runFixtures() {
  const list = document.getElementById("fixture-results");
  const summary = document.getElementById("fixture-summary");
  summary.className = "summary";
  summary.textContent = "running…";
  list.replaceChildren();
  const resp = await post("/api/test", { policy: policyEd.value, fixtures: fixtureEd.value });
  if (!showInput(resp, fixtureEd, "fixture-problems", "fixtures.yaml", summary)) {
    summary.className = "summary bad";
    return;
  }
  const results = resp.cases || [];
  list.replaceChildren(...results.map((r) => {
    const li = el("li", r.passed ? "pass" : "fail");
    li.dataset.line = r.line;
    li.append(el("span", "verdict", r.passed ? "PASS" : "FAIL"), el("span", "name", r.name));
    li.addEventListener("click", () => fixtureEd.reveal(r.line, 1));
    for (const d of r.diffs || []) li.append(el("div", "diff", d));
    return li;
  }));
  const total = resp.ran || 0, failed = resp.failed || 0;
  summary.textContent = failed ? `FAIL: ${failed} of ${total} cases failed` : `PASS: ${total} cases`;
  summary.className = "summary " + (failed ? "bad" : "ok");
}

function fillSelect(select, samples, editor) {
  select.replaceChildren(...samples.map((s, i) => { const o = el("option", "", s.name); o.value = i; return o; }));
  select.addEventListener("change", () => { editor.value = samples[select.value].source; editor.mark([]); });
  if (samples.length) editor.value = samples[0].source;
}

function selectTab(which) {
  for (const t of ["case", "fixtures"]) {
    document.getElementById("tab-" + t).setAttribute("aria-selected", String(t === which));
    document.getElementById("panel-" + t).hidden = t !== which;
  }
}

async function main() {
  policyEd = new Editor(document.getElementById("policy-editor"), checkPolicy);
  caseEd = new Editor(document.getElementById("case-editor"));
  fixtureEd = new Editor(document.getElementById("fixture-editor"));
  const res = await fetch("/api/start");
  const start = state.start = await res.json();
  document.getElementById("policy-name").textContent = start.policy.name;
  document.getElementById("limits").textContent =
    `requests up to ${Math.round(start.limits.max_body / 1024)} KiB, ${start.limits.timeout} each, CEL cost limit ${start.limits.cost_limit}`;
  policyEd.value = start.policy.source;
  fillSelect(document.getElementById("case-sample"), start.cases, caseEd);
  fillSelect(document.getElementById("fixture-sample"), start.fixtures, fixtureEd);
  document.getElementById("reset-policy").addEventListener("click", () => { policyEd.value = start.policy.source; checkPolicy(); });
  document.getElementById("decide").addEventListener("click", decide);
  document.getElementById("explain").addEventListener("click", explain);
  document.getElementById("verify").addEventListener("click", verify);
  document.getElementById("run-fixtures").addEventListener("click", runFixtures);
  document.getElementById("tab-case").addEventListener("click", () => selectTab("case"));
  document.getElementById("tab-fixtures").addEventListener("click", () => selectTab("fixtures"));
  checkPolicy();
}

main();
