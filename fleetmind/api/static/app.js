// The fleetmind chat page: state, wiring, and live updates from the event stream.

import { adoptTokenFromUrl, api, streamEvents } from "./api.js";
import { drawDag } from "./dag.js";
import {
  closeQuestion, h, messageFor, pill, renderDevices, renderSubtask, renderTaskList, stats,
} from "./view.js";

const $ = (id) => document.getElementById(id);
const state = {
  tasks: [],
  current: null, // id of the task shown
  detail: null, // its TaskDetail
  events: new Map(), // task id -> Map(seq -> event), from the stream and the event log
  shown: new Set(), // seqs of the current task already in the conversation
  subtask: null, // selected subtask id
};

function later(fn, ms) {
  let timer = null;
  return () => {
    if (timer === null) timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}

const refreshTasks = later(async () => {
  state.tasks = (await api("/api/tasks")).tasks;
  renderTaskList($("task-list"), state.tasks, state.current, select);
}, 100);

// A subtask that runs in a blink (a rule step or two) still shows its device busy this long,
// so the tile says what ran there instead of flicking from idle to idle.
const SHOW_BUSY_MS = 800;
const startedOn = new Map(); // device id -> { subtask, until } from the event stream

const refreshDevices = later(async () => {
  const now = Date.now();
  const devices = (await api("/api/devices")).devices.map((d) => {
    const started = startedOn.get(d.id);
    return !d.busy && started && started.until > now ? { ...d, busy: started.subtask } : d;
  });
  renderDevices($("devices"), devices);
  const busy = devices.filter((d) => d.busy).length;
  $("device-count").textContent = devices.length ? `${devices.length} attached · ${busy} busy` : "";
}, 100);

const refreshDetail = later(async () => {
  if (!state.current) return;
  const id = state.current;
  const detail = await api(`/api/tasks/${encodeURIComponent(id)}`);
  if (id === state.current) showDetail(detail);
}, 80);

function remember(event) {
  if (!state.events.has(event.task_id)) state.events.set(event.task_id, new Map());
  state.events.get(event.task_id).set(event.seq, event);
}

function onEvent(event) {
  remember(event);
  const d = event.data || {};
  if (event.kind === "subtask_state" && d.status === "running" && d.device) {
    startedOn.set(d.device, { subtask: d.subtask, until: Date.now() + SHOW_BUSY_MS });
    setTimeout(refreshDevices, SHOW_BUSY_MS + 50); // and then shows what the device does now
  }
  if (event.kind === "graph_created" || event.kind === "task_finished") refreshTasks();
  if (event.kind === "step_progress" || event.kind === "subtask_state" || event.kind === "task_finished") {
    refreshDevices();
  }
  if (event.task_id === state.current) {
    appendConversation();
    refreshDetail();
  }
}

async function answer(question, text) {
  try {
    await api(`/api/tasks/${encodeURIComponent(state.current)}/answer`, {
      method: "POST", body: { question_id: question.id, text },
    });
  } catch (err) {
    note(`Could not answer: ${err.message}`);
  }
  refreshDetail();
}

function note(text) {
  $("conversation").append(h("div", { class: "msg note" }, text));
}

// Add the current task's events not yet shown, in order.
function appendConversation() {
  const events = [...(state.events.get(state.current)?.values() || [])].sort((a, b) => a.seq - b.seq);
  const box = $("conversation");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  for (const event of events) {
    if (state.shown.has(event.seq)) continue;
    state.shown.add(event.seq);
    const nodes = [messageFor(event, answer)].flat().filter(Boolean);
    // Keep the conversation in event order, whichever way an event arrived (stream or log).
    const next = [...box.children].find((c) => Number(c.dataset.seq) > event.seq) || null;
    for (const node of nodes) {
      node.dataset.seq = event.seq;
      box.insertBefore(node, next);
    }
  }
  syncQuestions();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// Close the questions the latest task detail says nobody can answer any more. A detail
// older than a question (its last_seq is lower) knows nothing of it yet: leave those open.
function syncQuestions() {
  const detail = state.detail;
  if (!detail) return;
  const pending = new Set(detail.questions.map((q) => q.id));
  for (const node of $("conversation").querySelectorAll(".msg.question:not(.done)")) {
    const known = detail.last_seq >= Number(node.dataset.seq);
    if (!detail.live || (known && !pending.has(node.dataset.question))) closeQuestion(node);
  }
}

function showDetail(detail) {
  state.detail = detail;
  state.fetchedAt = performance.now();
  const listed = state.tasks.find((t) => t.id === detail.id);
  if (listed && listed.status !== detail.status) {
    listed.status = detail.status;
    renderTaskList($("task-list"), state.tasks, state.current, select);
  }
  $("task-bar").hidden = false;
  $("task-status").replaceWith(Object.assign(pill(detail.status), { id: "task-status" }));
  $("task-stats").textContent = stats(detail);
  $("cancel").hidden = !detail.live;
  const m = detail.graph.metrics;
  $("graph-meta").textContent = `v${detail.graph.version} · ${detail.graph.nodes.length} subtasks` +
    (m ? ` · width ${m.width}` : "");
  drawDag($("dag"), detail.graph, state.subtask, selectSubtask);
  if (state.subtask) renderSubtask($("subtask"), detail, state.subtask);
  syncQuestions();
}

function selectSubtask(sid) {
  state.subtask = state.subtask === sid ? null : sid;
  if (state.detail) {
    drawDag($("dag"), state.detail.graph, state.subtask, selectSubtask);
    if (state.subtask) renderSubtask($("subtask"), state.detail, state.subtask);
    else $("subtask").hidden = true;
  }
}

async function select(id) {
  state.current = id;
  state.detail = null;
  state.subtask = null;
  state.shown = new Set();
  $("subtask").hidden = true;
  $("conversation").replaceChildren();
  renderTaskList($("task-list"), state.tasks, id, select);
  const detail = await api(`/api/tasks/${encodeURIComponent(id)}`);
  if (id !== state.current) return;
  let after = 0;
  for (;;) { // the whole event log, page by page
    const page = await api(`/api/tasks/${encodeURIComponent(id)}/events?after=${after}`);
    page.events.forEach(remember);
    if (!page.more || !page.events.length) break;
    after = page.events[page.events.length - 1].seq;
  }
  if (id !== state.current) return;
  showDetail(detail);
  appendConversation();
  $("conversation").scrollTop = $("conversation").scrollHeight;
}

function newTask() {
  state.current = null;
  state.detail = null;
  $("task-bar").hidden = true;
  $("subtask").hidden = true;
  $("graph-meta").textContent = "";
  $("dag").replaceChildren(h("p", { class: "muted" }, "The task graph appears here."));
  $("conversation").replaceChildren($("welcome-template").content.cloneNode(true));
  wireExamples();
  renderTaskList($("task-list"), state.tasks, null, select);
  $("request").focus();
}

async function submit(event) {
  event?.preventDefault();
  const text = $("request").value.trim();
  if (!text) return;
  $("send").disabled = true;
  try {
    const detail = await api("/api/tasks", {
      method: "POST",
      body: { text, policy: $("policy").value, confirm: $("confirm").checked ? "ask" : "allow" },
    });
    $("request").value = "";
    state.tasks.push({ id: detail.id, request: detail.request, status: detail.status, updated: Date.now() / 1000 });
    await select(detail.id);
    refreshTasks();
  } catch (err) {
    note(`Could not submit: ${err.message}`);
  } finally {
    $("send").disabled = false;
  }
}

function wireExamples() {
  for (const b of document.querySelectorAll(".example")) {
    b.addEventListener("click", () => { $("request").value = b.textContent; $("request").focus(); });
  }
}

function start() {
  adoptTokenFromUrl();
  const template = document.createElement("template");
  template.id = "welcome-template";
  template.content.append($("welcome").cloneNode(true));
  document.body.append(template);
  wireExamples();
  $("composer").addEventListener("submit", submit);
  $("request").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) submit(e);
  });
  $("new-task").addEventListener("click", newTask);
  $("cancel").addEventListener("click", async () => {
    try {
      showDetail(await api(`/api/tasks/${encodeURIComponent(state.current)}/cancel`, { method: "POST" }));
    } catch (err) {
      note(`Could not cancel: ${err.message}`);
    }
  });
  streamEvents(onEvent, (s) => {
    $("conn").className = `conn ${s}`;
    $("conn").textContent = s === "live" ? "live" : "reconnecting…";
  });
  refreshTasks();
  refreshDevices();
  setInterval(refreshDevices, 2000); // devices come and go without task events
  setInterval(() => { // a running task's clock ticks between events
    if (state.detail?.live) {
      $("task-stats").textContent = stats(state.detail, (performance.now() - state.fetchedAt) / 1000);
    }
  }, 1000);
}

start();
