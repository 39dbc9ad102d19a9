"""The element walk the browser device runs inside a page (`SNAPSHOT_JS`); `snapshot.py` parses its JSON.

It walks what a person sees, not only what HTML marks as controls:

- the DOM, open shadow roots, and same-origin iframes (bounds offset to the top
  page, clipped to the frame); a cross-origin iframe is one element, counted in a note;
- SVG shapes and text (a shape without a name is described by its colour and
  kind, "red circle"), and canvases, whose drawing only the screenshot shows;
- elements clickable through JavaScript: an `onclick` attribute or property, a
  click/mousedown/pointerdown listener (marked by `LISTENER_HOOKS_JS`, which
  the device installs before the page's scripts), the element where
  `cursor: pointer` starts, `tabindex` >= 0, and text inside a small container
  that listens for clicks on its children (delegation);
- a drop-down's options, a slider's value and range, checkbox, radio and
  toggle-button state, and static text (prices, counts, dates).

Each kept node is stamped with `data-fm-id="eN"`; the previous walk's stamps are
removed first, so only the latest observation's ids resolve.
"""

from __future__ import annotations

__all__ = ["LISTENER_HOOKS_JS", "SNAPSHOT_JS"]

# Runs in every frame before the page's own scripts: remembers the elements that
# got a pointer listener (DevTools' getEventListeners is not available to pages).
LISTENER_HOOKS_JS = """
(() => {
  if (window.__fmListened) return;
  const KINDS = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'touchstart', 'dblclick',
    'contextmenu']);
  const marked = new WeakSet();
  Object.defineProperty(window, '__fmListened', {value: marked});
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function addEventListener(type, listener, options) {
    if (KINDS.has(type) && this instanceof Element) marked.add(this);
    return add.call(this, type, listener, options);
  };
})();
"""

SNAPSHOT_JS = r"""
({maxElements, attr, walkBudget}) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  for (const el of (window.__fmMarked || [])) el.removeAttribute(attr);
  const marked = [];
  window.__fmMarked = marked;

  const deepActive = (doc) => {
    let a = doc.activeElement;
    for (;;) {
      if (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      else if (a && (a.tagName === 'IFRAME' || a.tagName === 'FRAME') && a.contentDocument
        && a.contentDocument.activeElement) a = a.contentDocument.activeElement;
      else return a;
    }
  };
  const active = deepActive(document);

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'TITLE', 'OPTION',
    'OPTGROUP']);
  const SVG_SKIP = new Set(['defs', 'clippath', 'mask', 'marker', 'pattern', 'symbol', 'lineargradient',
    'radialgradient', 'filter', 'style', 'script', 'title', 'desc', 'metadata', 'tspan']);
  const SVG_SHAPES = new Set(['circle', 'ellipse', 'rect', 'polygon', 'polyline', 'path', 'line', 'image', 'use']);
  const CONTROL_ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox',
    'menuitemradio', 'option', 'textbox', 'searchbox', 'combobox', 'slider', 'spinbutton', 'listbox', 'treeitem']);
  const CHECKABLE_ROLES = new Set(['checkbox', 'radio', 'switch', 'menuitemcheckbox', 'menuitemradio']);
  const SHOWN_ROLES = new Set(['heading', 'img', 'alert', 'status', 'tooltip']);
  const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'time',
    'datetime-local', 'month', 'week', '']);
  const NAMED_TYPES = new Set(['date', 'time', 'datetime-local', 'month', 'week', 'email', 'tel', 'url']);
  const INPUT_ROLES = {checkbox: 'checkbox', radio: 'radio', button: 'button', submit: 'button', reset: 'button',
    image: 'button', file: 'button', color: 'button', range: 'slider', number: 'spinbutton', search: 'searchbox'};
  const CLICK_ATTRS = ['onclick', 'onmousedown', 'onmouseup', 'onpointerdown', 'ng-click', 'data-ng-click',
    'jsaction', 'data-action', 'data-toggle', 'data-bs-toggle', 'data-href'];
  const COLORS = [['black', 0, 0, 0], ['white', 255, 255, 255], ['gray', 128, 128, 128], ['silver', 192, 192, 192],
    ['red', 255, 0, 0], ['maroon', 128, 0, 0], ['orange', 255, 165, 0], ['yellow', 255, 255, 0],
    ['olive', 128, 128, 0], ['lime', 0, 255, 0], ['green', 0, 128, 0], ['aqua', 0, 255, 255], ['teal', 0, 128, 128],
    ['blue', 0, 0, 255], ['navy', 0, 0, 128], ['magenta', 255, 0, 255], ['purple', 128, 0, 128],
    ['pink', 255, 192, 203], ['brown', 165, 42, 42]];
  const norm = (s, n = 300) => (s || '').replace(/\s+/g, ' ').trim().slice(0, n);
  const styleOf = (el) => (el.ownerDocument.defaultView || window).getComputedStyle(el);
  const isSvg = (el) => el.namespaceURI === SVG_NS;
  const colorName = (css) => {
    const m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?/.exec(css || '');
    if (!m || m[4] === '0') return '';
    const [r, g, b] = [+m[1], +m[2], +m[3]];
    let best = '', dist = Infinity;
    for (const [name, cr, cg, cb] of COLORS) {
      const d = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
      if (d < dist) { best = name; dist = d; }
    }
    return best;
  };

  const inputType = (el) => (el.getAttribute('type') || 'text').toLowerCase();
  const roleOf = (el) => {
    const r = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
    if (r && r !== 'presentation' && r !== 'none') return r;
    const tag = el.tagName;
    if (isSvg(el)) return el.localName === 'a' ? 'link' : '';
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
    return !!el.isContentEditable;
  };
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const root = el.getRootNode().getElementById ? el.getRootNode() : el.ownerDocument;
      const s = by.split(/\s+/).map((id) => root.getElementById(id)).filter(Boolean)
        .map((e) => e.innerText || e.textContent).join(' ');
      if (norm(s)) return norm(s);
    }
    const aria = norm(el.getAttribute('aria-label'));
    if (aria) return aria;
    if (el.labels && el.labels.length) {
      const s = norm(Array.from(el.labels).map((l) => l.innerText).join(' ')).replace(/\s*:$/, '');
      if (s) return s;  // "Name:" names the field Name
    }
    if (isSvg(el)) {
      const t = Array.from(el.children).find((c) => c.localName === 'title');
      if (t) return norm(t.textContent);
    }
    const given = norm(el.getAttribute('placeholder') || el.getAttribute('title') || el.getAttribute('alt'));
    if (given || !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) return given;
    // A label written just before the field without `for` ("<label>Username</label><input>"), as people read it.
    const prev = el.previousElementSibling;
    if (prev && prev.tagName === 'LABEL' && !prev.htmlFor && !prev.querySelector('input, select, textarea')) {
      const said = norm(prev.innerText).replace(/\s*:$/, '');
      if (said) return said;
    }
    // A date or time field with no name shows its kind (mm/dd/yyyy, --:-- --): call it that.
    return el.tagName === 'INPUT' && NAMED_TYPES.has(inputType(el)) ? inputType(el) : '';
  };
  const textOf = (el, editable) => {
    const tag = el.tagName;
    if (isSvg(el)) return el.localName === 'text' || el.localName === 'a' ? norm(el.textContent) : '';
    if (tag === 'INPUT' && inputType(el) === 'password') return el.value ? '\u2022'.repeat(8) : '';
    if (tag === 'INPUT' && ['button', 'submit', 'reset'].includes(inputType(el))) return norm(el.value);
    if (tag === 'INPUT' && ['checkbox', 'radio'].includes(inputType(el))) return '';
    if (tag === 'INPUT' || tag === 'TEXTAREA') return (el.value || '').slice(0, 1000);  // as typed: spaces are data
    if (tag === 'SELECT') return norm(Array.from(el.selectedOptions).map((o) => o.text).join(', '));
    if (el.getAttribute('role') === 'slider') return norm(el.getAttribute('aria-valuetext')
      || el.getAttribute('aria-valuenow') || el.innerText);
    if (editable) return norm(el.innerText, 1000);
    return norm(el.innerText);
  };
  const rangeOf = (el) => {
    if (el.tagName === 'INPUT' && inputType(el) === 'range') {
      const min = parseFloat(el.min), max = parseFloat(el.max);
      return [isNaN(min) ? 0 : min, isNaN(max) ? 100 : max];
    }
    if (el.getAttribute('role') === 'slider') {
      const min = parseFloat(el.getAttribute('aria-valuemin')), max = parseFloat(el.getAttribute('aria-valuemax'));
      if (!isNaN(min) && !isNaN(max)) return [min, max];
    }
    return null;
  };
  const listened = (el) => {
    const marks = (el.ownerDocument.defaultView || window).__fmListened;
    return (marks && marks.has(el)) || typeof el.onclick === 'function' || typeof el.onmousedown === 'function'
      || CLICK_ATTRS.some((a) => el.hasAttribute(a));
  };
  const hasListeningChild = (el) => {
    for (const c of el.children) if (listened(c)) return true;
    return false;
  };
  const iconName = (el) => {
    // An icon drawn by CSS (<span class="trash">, <i class="fa fa-star">) is known by its class.
    // Framework classes (ui-widget, ui-corner-all, js-...) and state or size classes say nothing of it.
    const words = Array.from(el.classList || []).map((c) => c.toLowerCase())
      .filter((c) => !/^(?:ui|ng|js|is|has|css|sc|mat|mdc|v|el|ant)[-_]/.test(c)
        && !/corner|widget|state|helper|default|clearfix|wrapper|container|inner|outer|content/.test(c))
      .map((c) => c.replace(/^(?:fa|fas|far|bi|glyphicon|icon|icons|material-icons|mdi|ion|ti)(?:-|$)/, '')
        .replace(/[-_]+/g, ' ').trim())
      .filter((w) => w && !/^(?:fa|icon|btn|button|clicked|active|selected|disabled|hidden|lg|sm|xs|\d.*)$/.test(w));
    return words.length && words.length <= 2 ? norm(words.join(' '), 40) : '';
  };
  const hasDirectText = (el) => {
    for (const n of el.childNodes) if (n.nodeType === 3 && n.data.trim()) return true;
    return false;
  };
  const directText = (el) => norm(
    Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.data).join(' '));
  const onlyInlineChildren = (el) => {
    for (const c of el.children) if (!styleOf(c).display.startsWith('inline')) return false;
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
  const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);

  const viewport = {left: 0, top: 0, right: vw, bottom: vh};
  const TOP = {covered: false, delegated: false, svgBox: null, cursor: '', inControl: false};
  const smallArea = vw * vh / 4;  // a click listener on anything bigger is a page-wide catch-all
  const out = [];
  let total = 0, visited = 0, iframes = 0, canvases = 0, budgetHit = false;

  // frame: {dx, dy, view}: offset of the frame's viewport in the top page, and its visible part.
  // ctx: {covered, delegated, svgBox, cursor, inControl}: text already in an ancestor's label; clicks on
  // children handled by an ancestor; the box of the enclosing <svg>; the parent's cursor; inside a control.
  const visit = (el, clip, ctx, frame) => {
    const tag = el.tagName, svg = isSvg(el), local = el.localName.toLowerCase();
    if (svg ? SVG_SKIP.has(local) : SKIP.has(tag)) return;
    if (++visited > walkBudget) { budgetHit = true; return; }
    if (el.checkVisibility && !el.checkVisibility()) return;  // display:none prunes the subtree
    const style = styleOf(el);
    if (style.position === 'fixed') clip = frame.view;
    const r = el.getBoundingClientRect();
    const rect = {left: r.left + frame.dx, top: r.top + frame.dy, right: r.right + frame.dx,
      bottom: r.bottom + frame.dy};
    const box = clipBy(clip, rect);
    const onScreen = box.right - box.left >= 1 && box.bottom - box.top >= 1
      && (!el.checkVisibility || el.checkVisibility({opacityProperty: true, visibilityProperty: true}));

    const role = roleOf(el);
    const editable = isEditable(el);
    let nameMemo = null;
    const name = () => (nameMemo === null ? (nameMemo = nameOf(el)) : nameMemo);
    const isFrame = tag === 'IFRAME' || tag === 'FRAME';
    const doc = isFrame ? el.contentDocument : null;  // null when cross-origin
    const strong = (tag === 'A' && el.hasAttribute('href'))
      || ['BUTTON', 'INPUT', 'TEXTAREA', 'SELECT', 'SUMMARY', 'LABEL'].includes(tag)
      || CONTROL_ROLES.has(role) || (role === 'textbox' && el.isContentEditable);
    const small = area(rect) <= smallArea;
    const pointerStarts = style.cursor === 'pointer' && ctx.cursor !== 'pointer';
    const hears = tag !== 'BODY' && tag !== 'HTML' && listened(el);
    // Inside a control, a listener or a pointer is part of that control (a tab's inner link), not another one.
    const weak = !strong && !ctx.inControl && small
      && (hears || pointerStarts || (el.tabIndex >= 0 && el.hasAttribute('tabindex')));
    const control = strong || weak;
    let shown = (SHOWN_ROLES.has(role) && (role !== 'img' || name())) || (isFrame && !doc) || tag === 'CANVAS';
    let svgShape = false;
    if (svg) {
      const big = ctx.svgBox && area(rect) >= 0.9 * area(ctx.svgBox);
      svgShape = SVG_SHAPES.has(local) && (!big || !!name() || control);
      if (local === 'svg' || local === 'g') shown = shown || !!name();
      else if (local === 'text' || svgShape) shown = true;
    }
    if (tag === 'CANVAS') canvases++;
    if (isFrame && !doc) iframes++;
    const scrollable = !svg && scrollsItself(el, style);
    let textLeaf = false;
    if (!control && !shown && !ctx.covered && !svg && hasDirectText(el)) textLeaf = true;
    const inlineOnly = (textLeaf || weak) && onlyInlineChildren(el);

    if (onScreen && (control || shown || scrollable || textLeaf)) {
      total++;
      if (out.length < maxElements) {
        const id = 'e' + (out.length + 1);
        marked.push(el);
        let text = '';
        if (textLeaf) text = inlineOnly ? norm(el.innerText) : directText(el);
        else if (weak && !inlineOnly) {
          text = directText(el);
          const inner = text ? '' : norm(el.innerText);
          if (inner.length <= 40) text = text || inner;  // an icon button whose word sits in a child ("Reply")
        }
        else if (control || shown) text = textOf(el, editable);
        let label = name();
        if (svgShape && !label) label = norm(`${colorName(style.fill) || colorName(style.stroke)} ${local}`);
        if (!label && !text && !svg && (control || pointerStarts) && !editable && !el.id) label = iconName(el);
        const type = tag === 'INPUT' ? inputType(el) : '';
        const checkable = type === 'checkbox' || type === 'radio' || CHECKABLE_ROLES.has(role)
          || el.hasAttribute('aria-checked') || el.hasAttribute('aria-pressed');
        out.push({
          id, role: role || (textLeaf ? 'text' : svg ? local : tag.toLowerCase()),
          text, name: label === text ? '' : label,
          resource_id: el.id || el.getAttribute('name') || '',
          bounds: [Math.floor(box.left), Math.floor(box.top), Math.ceil(box.right), Math.ceil(box.bottom)],
          clickable: control || pointerStarts || style.cursor === 'pointer' || (ctx.delegated && !editable),
          editable, checkable,
          checked: el.checked === true || el.getAttribute('aria-checked') === 'true'
            || el.getAttribute('aria-pressed') === 'true',
          focused: el === active,
          scrollable,
          password: type === 'password',
          enabled: !el.disabled && el.getAttribute('aria-disabled') !== 'true',
          options: tag === 'SELECT' ? Array.from(el.options).slice(0, 100).map((o) => norm(o.text || o.value, 80)) : [],
          range: rangeOf(el),
        });
      }
    }
    if (isFrame) {
      if (doc && doc.body) {
        const dx = rect.left + el.clientLeft + parseFloat(style.paddingLeft);
        const dy = rect.top + el.clientTop + parseFloat(style.paddingTop);
        const view = clipBy(clip, {left: dx, top: dy, right: dx + el.clientWidth, bottom: dy + el.clientHeight});
        visit(doc.body, view, {...TOP, cursor: ''}, {dx, dy, view});
      }
      return;
    }
    if (tag === 'CANVAS' || (svg && (local === 'text' || svgShape))) return;
    const next = {
      covered: ctx.covered || strong || shown || (textLeaf && inlineOnly) || (weak && inlineOnly),
      delegated: ctx.delegated || (hears && small),
      svgBox: local === 'svg' ? rect : ctx.svgBox,
      cursor: style.cursor,
      // A box that only shows a pointer does not own its children's own click handlers ("Reply", "Forward").
      inControl: ctx.inControl || strong || (weak && (hears || !hasListeningChild(el))),
    };
    let childClip = clip;
    if (!svg && (style.overflowX !== 'visible' || style.overflowY !== 'visible')) childClip = clipBy(clip, rect);
    if (el.shadowRoot) for (const c of el.shadowRoot.children) visit(c, childClip, next, frame);
    for (const c of el.children) visit(c, childClip, next, frame);
  };
  if (document.body) {
    visit(document.body, viewport, TOP, {dx: 0, dy: 0, view: viewport});
  }
  // Stamp only after every read: each attribute write invalidates style, and a
  // getComputedStyle after it would recompute style once per element.
  marked.forEach((el, i) => el.setAttribute(attr, 'e' + (i + 1)));

  const pwFocused = !!(active && active.tagName === 'INPUT' && inputType(active) === 'password');
  // One JSON string: Playwright's per-value serialization of hundreds of objects
  // costs ~5x the walk itself.
  return JSON.stringify({
    elements: out, total, iframes, canvases, budgetHit, title: document.title, passwordFocused: pwFocused,
  });
}
"""
