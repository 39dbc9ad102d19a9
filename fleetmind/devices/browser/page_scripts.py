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
    "NAVIGATION_DONE_JS",
    "PAGE_HOOKS_JS",
    "RESET_NAVIGATION_JS",
    "SCROLL_SETTLE_JS",
    "SCROLL_STATE_JS",
]

PAGE_HOOKS_JS = """
(() => {
  if (window !== window.top) return;
  // True from the moment this document starts replacing itself (link, form, location = ...);
  // the next document starts with false.
  window.__fmNav = false;
  if (window.navigation) {
    window.navigation.addEventListener('navigate', (e) => {
      if (!e.destination.sameDocument) window.__fmNav = true;
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

# Two frames for the page to react, then: is a new tab on its way? (Consumes the signals.)
AFTER_INPUT_JS = """
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const events = window.__fmBlankEvents || [];
  const popup = !!window.__fmPopup || events.some((e) => !e.defaultPrevented);
  window.__fmPopup = false;
  window.__fmBlankEvents = [];
  return popup;
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
