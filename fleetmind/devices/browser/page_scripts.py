"""Small scripts the browser device runs inside pages, besides the element walk.

`PAGE_HOOKS_JS` is installed in every document before the page's own scripts.
It lets the device know, right after an input, whether the page is about to be
replaced (a cross-document navigation it started) or is about to open a tab,
so the device waits for exactly that instead of guessing with a sleep.
"""

from __future__ import annotations

__all__ = [
    "AFTER_INPUT_JS",
    "FOCUSED_EDITABLE_JS",
    "FOCUS_POINT_JS",
    "NAVIGATION_DONE_JS",
    "PAGE_HOOKS_JS",
    "RESET_NAVIGATION_JS",
    "SCROLL_ELEMENT_JS",
    "SCROLL_PAGE_JS",
    "SCROLL_SETTLE_JS",
    "SCROLL_STATE_JS",
    "SELECT_INFO_JS",
]

PAGE_HOOKS_JS = """
(() => {
  if (window !== window.top) return;
  // True from the moment this document starts replacing itself (link, form, location = ...);
  // the next document starts with false.
  window.__fmNav = false;
  if (window.navigation) {
    window.navigation.addEventListener('navigate', (e) => {
      // A link with a `download` attribute saves a file and never replaces the page.
      if (e.downloadRequest !== null && e.downloadRequest !== undefined) window.__fmDownload = true;
      else if (!e.destination.sameDocument) window.__fmNav = true;
    });
  }
  // A tab is about to open: window.open succeeded, or a click or submit aimed at _blank
  // whose default action the page did not prevent (checked later, once dispatch ended).
  window.__fmPopup = false;
  window.__fmBlankEvents = [];
  const open = window.open;
  window.open = function (url, target, features) {
    const w = open.apply(this, arguments);
    const named = typeof target === 'string' && ['_self', '_parent', '_top'].includes(target.toLowerCase());
    if (!named && (w || /noopener|noreferrer/i.test(String(features || '')))) window.__fmPopup = true;
    return w;
  };
  window.addEventListener('click', (e) => {
    const a = e.composedPath().find((n) => n instanceof Element && n.matches('a[href], area[href]'));
    if (a && (a.getAttribute('target') || '').toLowerCase() === '_blank') window.__fmBlankEvents.push(e);
  }, true);
  window.addEventListener('submit', (e) => {
    const target = (e.submitter && e.submitter.getAttribute('formtarget')) || e.target.getAttribute('target') || '';
    if (target.toLowerCase() === '_blank') window.__fmBlankEvents.push(e);
  }, true);
})();
"""

NAVIGATION_DONE_JS = "() => !window.__fmNav"
RESET_NAVIGATION_JS = "() => { window.__fmNav = false; }"

# Two frames for the page to react, then: is a new tab or a download on its way? (Consumes the signals.)
AFTER_INPUT_JS = """
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const events = window.__fmBlankEvents || [];
  const popup = !!window.__fmPopup || events.some((e) => !e.defaultPrevented);
  const download = !!window.__fmDownload;
  window.__fmPopup = false;
  window.__fmDownload = false;
  window.__fmBlankEvents = [];
  return {popup, download};
}
"""

# Scroll offsets of the window and of every scroll container under a point.
SCROLL_STATE_JS = """
([x, y]) => {
  const out = [window.scrollX, window.scrollY];
  for (let el = document.elementFromPoint(x, y); el; el = el.parentElement) out.push(el.scrollLeft, el.scrollTop);
  return out.join(',');
}
"""

# Resolves once the scroll offsets under a point held still for three frames (or after 1 s).
SCROLL_SETTLE_JS = """
async ([x, y]) => {
  const state = () => {
    const out = [window.scrollX, window.scrollY];
    for (let el = document.elementFromPoint(x, y); el; el = el.parentElement) out.push(el.scrollLeft, el.scrollTop);
    return out.join(',');
  };
  const start = performance.now();
  let last = state(), still = 0;
  while (still < 3 && performance.now() - start < 1000) {
    await new Promise((r) => requestAnimationFrame(r));
    const now = state();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}
"""

# Whether the focused element takes text; puts the caret at its end when asked.
FOCUSED_EDITABLE_JS = """
(caretToEnd) => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return false;
  const typed = (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image',
    'range', 'color', 'hidden'].includes((el.type || '').toLowerCase())) || el.tagName === 'TEXTAREA';
  if (!typed && !el.isContentEditable) return false;
  if (caretToEnd) {
    if (typed) {
      try { el.setSelectionRange(el.value.length, el.value.length); } catch (e) { /* email/number inputs */ }
    } else {
      const range = document.createRange();
      range.selectNodeContents(el);
      range.collapse(false);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
  }
  return true;
}
"""

# Scrolls `el`'s nearest scroll container (itself included) that can still move that way, by
# `fraction` of the container's own size; without `el`, the page, or else the largest visible
# container that can move. Returns what moved ("the page by 480 px", "#list by 96 px") or ''.
_SCROLL_CORE = """
function fmScroll(el, dir, fraction) {
  const doc = el ? el.ownerDocument : document;
  const win = doc.defaultView;
  const root = doc.scrollingElement || doc.documentElement;
  const vert = dir === 'up' || dir === 'down';
  const sign = dir === 'down' || dir === 'right' ? 1 : -1;
  const pos = (s) => (vert ? s.scrollTop : s.scrollLeft);
  const room = (s) => {
    const end = vert ? s.scrollHeight - s.clientHeight : s.scrollWidth - s.clientWidth;
    return sign > 0 ? end - pos(s) : pos(s);
  };
  const scrolls = (s) => {
    if (s === root) return true;
    const st = win.getComputedStyle(s), o = vert ? st.overflowY : st.overflowX;
    return o === 'auto' || o === 'scroll' || o === 'overlay';
  };
  const size = (s) => (s === root ? (vert ? win.innerHeight : win.innerWidth)
    : (vert ? s.clientHeight : s.clientWidth));
  const name = (s) => {
    if (s === root) return 'the page';
    if (s.id) return '#' + s.id;
    const cls = typeof s.className === 'string' ? s.className.trim().split(/\\s+/)[0] : '';
    return s.tagName.toLowerCase() + (cls ? '.' + cls : '');
  };
  let chosen = null;
  if (el) {
    for (let s = el; s && !chosen; s = s.parentElement || s.getRootNode().host || null) {
      if (s !== root && scrolls(s) && room(s) >= 1) chosen = s;
    }
    if (!chosen && room(root) >= 1) chosen = root;
  } else if (room(root) >= 1) {
    chosen = root;
  } else {
    let best = 0;
    for (const s of doc.querySelectorAll('*')) {
      if (!scrolls(s) || room(s) < 1) continue;
      const r = s.getBoundingClientRect(), a = Math.max(0, r.width) * Math.max(0, r.height);
      if (a > best && s.checkVisibility()) { best = a; chosen = s; }
    }
  }
  if (!chosen) return '';
  const before = pos(chosen);
  const by = sign * Math.max(40, Math.round(size(chosen) * fraction));
  chosen.scrollBy({[vert ? 'top' : 'left']: by, behavior: 'instant'});
  const moved = Math.abs(pos(chosen) - before);
  return moved >= 1 ? `${name(chosen)} by ${Math.round(moved)} px` : '';
}
"""
SCROLL_ELEMENT_JS = "(el, [dir, fraction]) => {" + _SCROLL_CORE + "return fmScroll(el, dir, fraction); }"
SCROLL_PAGE_JS = (
    "([x, y, dir, fraction]) => {"
    + _SCROLL_CORE
    + "return fmScroll(x === null ? null : document.elementFromPoint(x, y), dir, fraction); }"
)

# Focuses the focusable element at a point (or its nearest focusable ancestor); what it is, or ''.
FOCUS_POINT_JS = """
([x, y]) => {
  let el = document.elementFromPoint(x, y);
  while (el && el.shadowRoot && el.shadowRoot.elementFromPoint) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  for (; el; el = el.parentElement) {
    if (el.tabIndex >= 0 || el.isContentEditable) {
      el.focus();
      return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    }
  }
  return '';
}
"""

# What `select_option` needs to know about its target: a native select's options, or not a select.
SELECT_INFO_JS = """
(el) => el.tagName === 'SELECT'
  ? {select: true, multiple: el.multiple, options: Array.from(el.options).map((o) => [o.text, o.value, o.disabled]),
    selected: Array.from(el.options).map((o) => o.selected)}
  : {select: false, multiple: false, options: [], selected: []}
"""
