// Rendering: task list, conversation messages, subtask details, device tiles.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function pill(status) {
  return h("span", { class: `pill ${status}` }, status);
}

export function tier(name) {
  return h("span", { class: `tier ${name}` }, name);
}

export function money(usd) {
  return `$${(usd || 0).toFixed(usd >= 0.01 || !usd ? 2 : 4)}`;
}

function ago(ts) {
  const s = Math.max(0, Date.now() / 1000 - ts);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ts * 1000).toLocaleDateString();
}

export function renderTaskList(list, tasks, selectedId, onSelect) {
  list.replaceChildren(...[...tasks].reverse().map((t) => h("li", {
    class: t.id === selectedId ? "selected" : "", "data-task": t.id, onclick: () => onSelect(t.id),
  }, h("div", { class: "req" }, t.request), h("div", { class: "meta" }, pill(t.status), ago(t.updated)))));
  if (!tasks.length) list.append(h("li", { class: "muted" }, "No tasks yet."));
}

// `extra_s`: seconds since the detail was fetched, so a running task's clock keeps going.
export function stats(detail, extra_s = 0) {
  const steps = detail.steps.length;
  const tiers = Object.entries(detail.tiers).map(([k, v]) => `${v} ${k}`).join(", ");
  return `${steps} step${steps === 1 ? "" : "s"}${tiers ? ` (${tiers})` : ""} · ${detail.tokens} tokens · ` +
    `${money(detail.cost_usd)} · ${(detail.elapsed_s + extra_s).toFixed(1)} s`;
}

function outputsList(outputs) {
  const items = Object.entries(outputs).flatMap(([sid, named]) =>
    Object.entries(named).map(([k, v]) => h("li", {}, h("code", {}, `${sid}.${k}`), " ", String(v))));
  return items.length ? h("ul", { class: "outputs" }, items) : null;
}

// The conversation entries for an event (none for events the conversation does not show).
// `answer(question, text)` posts an answer; pending questions get inline controls.
export function messageFor(event, answer) {
  const d = event.data;
  switch (event.kind) {
    case "graph_created": {
      const n = d.subtasks.length;
      return [
        h("div", { class: "msg user" }, d.request),
        h("div", { class: "msg agent" }, h("div", { class: "who" }, "planner"),
          `Planned ${n} subtask${n === 1 ? "" : "s"}:`,
          h("ol", { class: "plan" }, d.subtasks.map((s) => h("li", {}, h("b", {}, s.id), " ", s.goal)))),
      ];
    }
    case "graph_patched":
      return h("div", { class: "msg note" }, `Plan changed (version ${d.version})${d.reason ? ": " + d.reason : ""}`);
    case "question":
      return questionMessage(d, answer);
    case "answered":
      return h("div", { class: "msg user" }, d.text);
    case "subtask_state":
      if (d.status === "failed") return h("div", { class: "msg note" }, `${d.subtask} failed: ${d.result?.error || ""}`);
      if (d.status === "succeeded") return h("div", { class: "msg note" }, `${d.subtask} done on ${d.device}`);
      return null;
    case "log":
      return d.message ? h("div", { class: "msg note" }, d.subtask ? `${d.subtask}: ${d.message}` : d.message) : null;
    case "task_finished": {
      const s = d.summary || {};
      return h("div", { class: `msg agent result ${d.status}` }, h("div", { class: "who" }, "result"),
        d.status === "succeeded" ? "Done." : `Task ${d.status}${d.error ? ": " + d.error : "."}`,
        outputsList(s.outputs || {}),
        h("div", { class: "muted" }, `${s.steps ?? 0} steps · ${money(s.cost_usd)} · ${(s.elapsed_s ?? 0).toFixed(1)} s`));
    }
    default:
      return null;
  }
}

function questionMessage(q, answer) {
  const actions = h("div", { class: "actions" });
  const send = (text) => answer(q, text);
  if (q.kind === "confirm") {
    actions.append(h("button", { class: "primary", onclick: () => send("yes") }, "Yes"),
      h("button", { onclick: () => send("no") }, "No"));
  } else if (q.kind === "choice" && q.options.length) {
    actions.append(...q.options.map((o) => h("button", { onclick: () => send(o) }, o)));
  } else {
    // A password or PIN is typed hidden, and the browser neither offers nor keeps it.
    const input = q.secret
      ? h("input", { type: "password", autocomplete: "off", placeholder: "Password or PIN", "aria-label": "Answer" })
      : h("input", { placeholder: "Your answer", "aria-label": "Answer" });
    const go = () => input.value.trim() && send(input.value.trim());
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
    actions.append(input, h("button", { class: "primary", onclick: go }, "Answer"));
  }
  return h("div", { class: "msg agent question", "data-question": q.id },
    h("div", { class: "who" }, `${q.subtask} asks`), q.question, actions);
}

// A question nobody can answer any more (answered, or its subtask ended) loses its controls.
export function closeQuestion(node) {
  node.classList.add("done");
  node.querySelector(".actions")?.remove();
}

export function renderSubtask(panel, detail, sid) {
  const node = detail.graph.nodes.find((n) => n.id === sid);
  if (!node) {
    panel.hidden = true;
    return;
  }
  const inputs = Object.entries(node.inputs).map(([k, v]) => {
    if (typeof v === "string") return `${k} = ${v}`;
    const value = detail.outputs[v.from]?.[v.output]; // filled in once the upstream subtask succeeds
    return `${k} = ${v.from}.outputs.${v.output}${value === undefined ? "" : ` (${value})`}`;
  }).join("\n") || "none";
  const outputs = node.result?.outputs ? Object.entries(node.result.outputs).map(([k, v]) => `${k} = ${v}`) : [];
  const steps = detail.steps.filter((s) => s.subtask === sid);
  panel.hidden = false;
  panel.replaceChildren(
    h("h3", {}, node.id, pill(node.status)),
    h("div", {}, node.goal),
    h("dl", {},
      h("dt", {}, "device"), h("dd", {}, node.device_id || "not yet assigned"),
      h("dt", {}, "attempts"), h("dd", {}, `${node.attempts} of ${node.max_attempts}`),
      h("dt", {}, "inputs"), h("dd", {}, inputs),
      h("dt", {}, "outputs"), h("dd", {}, outputs.join("\n") || (node.outputs.length ? `${node.outputs.join(", ")} (pending)` : "none")),
      node.result?.summary ? [h("dt", {}, "summary"), h("dd", {}, node.result.summary)] : null,
      node.result?.error ? [h("dt", {}, "error"), h("dd", {}, node.result.error)] : null),
    h("div", { class: "muted" }, steps.length ? `${steps.length} steps` : "No steps yet."),
    h("ol", { class: "steps" }, steps.map((s) => h("li", {},
      h("span", { class: "muted" }, `${s.step}.`), tier(s.tier), h("span", {}, s.summary || s.action.kind),
      s.subgoal ? h("span", { class: "muted" }, ` (for: ${s.subgoal})`) : null,
      s.why ? h("span", { class: "why" }, s.why) : null))),
  );
}

export function renderDevices(container, devices) {
  if (!devices.length) {
    const agent = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/agent`;
    container.replaceChildren(h("div", { class: "hint" }, "No devices attached yet. Attach virtual phones with",
      h("code", {}, `fleetmind device virtual --connect ${agent} --count 2`)));
    return;
  }
  container.replaceChildren(...devices.map((d) => {
    const latest = d.latest;
    const screen = d.thumbnail_png_b64
      ? h("div", { class: "screen" }, h("img", { src: `data:image/png;base64,${d.thumbnail_png_b64}`, alt: `${d.id} screen` }))
      : h("div", { class: "screen empty" }, "no screenshot yet");
    return h("div", { class: `device${d.busy ? " busy" : ""}${d.online ? "" : " offline"}`, "data-device": d.id },
      h("div", { class: "name" }, d.id, pill(!d.online ? "offline" : d.busy ? "running" : "idle")),
      screen,
      h("div", { class: "muted" }, d.busy ? `on ${d.busy}` : `${d.kind}${d.platform ? " · " + d.platform : ""}`),
      latest ? h("div", { class: "step" }, tier(latest.tier), ` ${latest.step}. ${latest.summary}`) : null,
      latest?.subgoal ? h("div", { class: "muted" }, `for: ${latest.subgoal}`) : null,
      latest?.why ? h("div", { class: "why" }, latest.why) : null);
  }));
}
