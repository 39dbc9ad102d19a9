// The client side of the fleetmind API: token handling, JSON requests, the event stream.

const TOKEN_KEY = "fleetmind.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

// A token in the page's address (#token=...), as `fleetmind serve` prints it, is kept
// for this tab and removed from the address bar.
export function adoptTokenFromUrl() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

let asking = null;

// Ask for the token once, however many requests were refused meanwhile.
function askToken(why) {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  document.getElementById("token-why").textContent = why;
  input.value = "";
  asking = new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      asking = null;
      resolve();
    }, { once: true });
  });
  dialog.showModal();
  input.focus();
  return asking;
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// A JSON request; a 401 asks for the token and tries again.
export async function api(path, { method = "GET", body } = {}) {
  for (;;) {
    const headers = { Accept: "application/json" };
    const sent = token();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (sent) headers.Authorization = `Bearer ${sent}`;
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) {
      // refused for a token already replaced meanwhile: try the new one before asking again
      if (token() === sent) await askToken(`${data.detail || "This orchestrator asks for a token."}`);
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, data.detail || `${res.status} ${res.statusText}`);
    return data;
  }
}

// Every event as it happens, resuming after the last one seen when the socket drops.
export function streamEvents(onEvent, onState) {
  let last = null;
  let retry = 500;
  const open = () => {
    const params = new URLSearchParams();
    const sent = token();
    if (last !== null) params.set("after", last);
    if (sent) params.set("token", sent);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/events?${params}`);
    ws.onopen = () => { retry = 500; onState("live"); };
    ws.onmessage = (msg) => {
      const event = JSON.parse(msg.data);
      last = event.seq;
      onEvent(event);
    };
    ws.onclose = async (e) => {
      onState("down");
      if (e.code === 4001 && token() === sent) await askToken(e.reason || "This orchestrator asks for a token.");
      setTimeout(open, e.code === 4001 ? 0 : retry);
      retry = Math.min(retry * 2, 8000);
    };
  };
  open();
}
