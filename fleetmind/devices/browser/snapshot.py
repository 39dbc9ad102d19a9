"""What a page shows, as `UIElement`s: the in-page walk and its pure parser.

`SNAPSHOT_JS` runs in the page. It walks the DOM (open shadow roots too, not
iframes), keeps what a user can see and use (controls, links, headings, images
with alt text, scroll containers, and text leaves), computes bounds clipped to
the viewport and to scrolling/overflow-hidden ancestors, and stamps each kept
node with `data-fm-id="eN"` so an action can find it again with a CSS
selector. The previous observation's stamps are removed first, so only ids of
the latest observation resolve.

`parse_snapshot` turns the walk's JSON into `UIElement`s; it has no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fleetmind.devices.base import Bounds, UIElement

__all__ = ["ELEMENT_ATTR", "SNAPSHOT_JS", "PageSnapshot", "parse_snapshot"]

ELEMENT_ATTR = "data-fm-id"

# The walk visits at most this many nodes, so a pathological page cannot stall observe().
WALK_BUDGET = 20_000

SNAPSHOT_JS = r"""
({maxElements, attr, walkBudget}) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  for (const el of (window.__fmMarked || [])) el.removeAttribute(attr);
  const marked = [];
  window.__fmMarked = marked;

  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;

  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'TITLE', 'OPTION',
    'OPTGROUP']);
  const CONTROL_ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox',
    'menuitemradio', 'option', 'textbox', 'searchbox', 'combobox', 'slider', 'spinbutton', 'listbox', 'treeitem']);
  const CHECKABLE_ROLES = new Set(['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio']);
  const SHOWN_ROLES = new Set(['heading', 'img', 'alert', 'status', 'tooltip']);
  const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'time',
    'datetime-local', 'month', 'week', '']);
  const INPUT_ROLES = {checkbox: 'checkbox', radio: 'radio', button: 'button', submit: 'button', reset: 'button',
    image: 'button', file: 'button', color: 'button', range: 'slider', number: 'spinbutton', search: 'searchbox'};
  const norm = (s, n = 300) => (s || '').replace(/\s+/g, ' ').trim().slice(0, n);

  const inputType = (el) => (el.getAttribute('type') || 'text').toLowerCase();
  const roleOf = (el) => {
    const r = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
    if (r) return r;
    const tag = el.tagName;
    if (tag === 'A') return el.hasAttribute('href') ? 'link' : '';
    if (tag === 'BUTTON' || tag === 'SUMMARY') return 'button';
    if (tag === 'INPUT') return INPUT_ROLES[inputType(el)] || 'textbox';
    if (tag === 'TEXTAREA') return 'textbox';
    if (tag === 'SELECT') return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
    if (tag === 'IMG') return 'img';
    if (tag === 'LABEL') return 'label';
    if (/^H[1-6]$/.test(tag)) return 'heading';
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return 'textbox';
    return '';
  };
  const isEditable = (el) => {
    if (el.disabled || el.readOnly) return false;
    if (el.tagName === 'TEXTAREA') return true;
    if (el.tagName === 'INPUT') return TEXT_INPUTS.has(inputType(el));
    return el.isContentEditable;
  };
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const s = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
        .map((e) => e.innerText || e.textContent).join(' ');
      if (norm(s)) return norm(s);
    }
    const aria = norm(el.getAttribute('aria-label'));
    if (aria) return aria;
    if (el.labels && el.labels.length) {
      const s = norm(Array.from(el.labels).map((l) => l.innerText).join(' '));
      if (s) return s;
    }
    return norm(el.getAttribute('placeholder') || el.getAttribute('title') || el.getAttribute('alt'));
  };
  const textOf = (el, role, editable) => {
    const tag = el.tagName;
    if (tag === 'INPUT' && inputType(el) === 'password') return el.value ? '\u2022'.repeat(8) : '';
    if (tag === 'INPUT' && ['button', 'submit', 'reset'].includes(inputType(el))) return norm(el.value);
    if (tag === 'INPUT' && ['checkbox', 'radio'].includes(inputType(el))) return '';
    if (tag === 'INPUT' || tag === 'TEXTAREA') return norm(el.value, 1000);
    if (tag === 'SELECT') return norm(Array.from(el.selectedOptions).map((o) => o.text).join(', '));
    if (editable) return norm(el.innerText, 1000);
    return norm(el.innerText);
  };
  const hasDirectText = (el) => {
    for (const n of el.childNodes) if (n.nodeType === 3 && n.data.trim()) return true;
    return false;
  };
  const directText = (el) => norm(
    Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.data).join(' '));
  const onlyInlineChildren = (el) => {
    for (const c of el.children) if (!getComputedStyle(c).display.startsWith('inline')) return false;
    return true;
  };
  const scrollsItself = (el, style) => {
    const oy = style.overflowY, ox = style.overflowX;
    return ((oy === 'auto' || oy === 'scroll') && el.scrollHeight > el.clientHeight + 1)
      || ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1);
  };
  const clipBy = (clip, r) => ({
    left: Math.max(clip.left, r.left), top: Math.max(clip.top, r.top),
    right: Math.min(clip.right, r.right), bottom: Math.min(clip.bottom, r.bottom),
  });

  const viewport = {left: 0, top: 0, right: vw, bottom: vh};
  const out = [];
  let total = 0, visited = 0, iframes = 0, budgetHit = false;

  const visit = (el, clip, covered) => {
    if (SKIP.has(el.tagName)) return;
    if (++visited > walkBudget) { budgetHit = true; return; }
    if (el.checkVisibility && !el.checkVisibility()) return;  // display:none prunes the subtree
    if (el.tagName === 'IFRAME' || el.tagName === 'FRAME') { iframes++; }
    const style = getComputedStyle(el);
    if (style.position === 'fixed') clip = viewport;
    const rect = el.getBoundingClientRect();
    const box = clipBy(clip, rect);
    const onScreen = box.right - box.left >= 1 && box.bottom - box.top >= 1
      && (!el.checkVisibility || el.checkVisibility({opacityProperty: true, visibilityProperty: true}));

    const role = roleOf(el);
    const editable = isEditable(el);
    const control = (el.tagName === 'A' && el.hasAttribute('href'))
      || ['BUTTON', 'INPUT', 'TEXTAREA', 'SELECT', 'SUMMARY', 'LABEL'].includes(el.tagName)
      || CONTROL_ROLES.has(role) || el.hasAttribute('onclick') || (role === 'textbox' && el.isContentEditable)
      || (el.tabIndex >= 0 && el.hasAttribute('tabindex'));
    const shown = SHOWN_ROLES.has(role) && (role !== 'img' || nameOf(el));
    const scrollable = scrollsItself(el, style);
    let textLeaf = false, inlineOnly = false;
    if (!control && !shown && !covered && hasDirectText(el)) { textLeaf = true; inlineOnly = onlyInlineChildren(el); }

    if (onScreen && (control || shown || scrollable || textLeaf)) {
      total++;
      if (out.length < maxElements) {
        const id = 'e' + (out.length + 1);
        marked.push(el);
        const name = nameOf(el);
        let text = '';
        if (textLeaf) text = inlineOnly ? norm(el.innerText) : directText(el);
        else if (control || shown) text = textOf(el, role, editable);
        const type = el.tagName === 'INPUT' ? inputType(el) : '';
        const checkable = type === 'checkbox' || type === 'radio' || CHECKABLE_ROLES.has(role)
          || el.hasAttribute('aria-checked');
        out.push({
          id, role: role || (textLeaf ? 'text' : el.tagName.toLowerCase()),
          text, name: name === text ? '' : name,
          resource_id: el.id || el.getAttribute('name') || '',
          bounds: [Math.floor(box.left), Math.floor(box.top), Math.ceil(box.right), Math.ceil(box.bottom)],
          clickable: control || style.cursor === 'pointer',
          editable, checkable,
          checked: el.checked === true || el.getAttribute('aria-checked') === 'true',
          focused: el === active,
          scrollable,
          password: type === 'password',
          enabled: !el.disabled && el.getAttribute('aria-disabled') !== 'true',
        });
      }
    }
    if (el.tagName === 'svg' || el.tagName === 'SVG' || el.tagName === 'IFRAME' || el.tagName === 'FRAME') return;
    const childCovered = covered || control || shown || (textLeaf && inlineOnly);
    let childClip = clip;
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') childClip = clipBy(clip, rect);
    if (el.shadowRoot) for (const c of el.shadowRoot.children) visit(c, childClip, childCovered);
    for (const c of el.children) visit(c, childClip, childCovered);
  };
  if (document.body) visit(document.body, viewport, false);
  // Stamp only after every read: each attribute write invalidates style, and a
  // getComputedStyle after it would recompute style once per element.
  marked.forEach((el, i) => el.setAttribute(attr, 'e' + (i + 1)));

  const pwFocused = !!(active && active.tagName === 'INPUT' && inputType(active) === 'password');
  // One JSON string: Playwright's per-value serialization of hundreds of objects
  // costs ~5x the walk itself.
  return JSON.stringify({
    elements: out, total, iframes, budgetHit, title: document.title,
    passwordFocused: pwFocused,
  });
}
"""


@dataclass
class PageSnapshot:
    """One walk of a page: its elements and the facts observe() reports beside them."""

    elements: list[UIElement]
    title: str = ""
    password_focused: bool = False
    notes: list[str] = field(default_factory=list)


def parse_snapshot(text: str, *, max_elements: int) -> PageSnapshot:
    """Turn `SNAPSHOT_JS`'s JSON into `UIElement`s and notes on what was left out."""
    raw: dict[str, Any] = json.loads(text)
    elements = [
        UIElement(
            id=item["id"],
            cls=item["role"],
            text=item["text"],
            description=item["name"],
            resource_id=item["resource_id"],
            bounds=Bounds(
                left=item["bounds"][0], top=item["bounds"][1], right=item["bounds"][2], bottom=item["bounds"][3]
            ),
            clickable=item["clickable"],
            editable=item["editable"],
            checkable=item["checkable"],
            checked=item["checked"],
            focused=item["focused"],
            scrollable=item["scrollable"],
            password=item["password"],
            enabled=item["enabled"],
        )
        for item in raw["elements"]
    ]
    notes: list[str] = []
    if raw["total"] > len(elements):
        notes.append(
            f"element list truncated: {len(elements)} of {raw['total']} visible elements kept "
            f"(max_elements={max_elements}); scroll or zoom in to reach the rest"
        )
    if raw["budgetHit"]:
        notes.append(f"page walk stopped after {WALK_BUDGET} DOM nodes; later elements are missing")
    if raw["iframes"]:
        notes.append(f"{raw['iframes']} iframe(s) not inspected: their contents appear only in the screenshot")
    return PageSnapshot(
        elements=elements,
        title=raw["title"],
        password_focused=raw["passwordFocused"],
        notes=notes,
    )
