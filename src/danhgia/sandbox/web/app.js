/* danhgia — the local chat page of `danhgia demo` and `danhgia sandbox`.
 *
 * Looks and behaves like a Telegram chat: pick a person on the side and chat with the bot as that person.
 * Everything lives on the sandbox server (the private chat id is the user id); this page only renders it and
 * long-polls /sandbox/api/wait for changes. The bot's Telegram HTML is rendered by building DOM nodes from a
 * small tokenizer (never innerHTML), allowing only Telegram's tags and only http(s)/tg links.
 * No build step, no external resources.
 */
'use strict';

(() => {
  const API = '/sandbox/api';
  const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  const AVATAR_COLOURS = 7;
  const PRESS_TIMEOUT_MS = 15000;
  const STORAGE_KEY = `danhgia-demo-read:${location.host}`;

  const state = {
    demo: null, // what GET /sandbox/api/demo describes, or null under `danhgia sandbox`
    people: [], // {id, name, position, unit, roles}
    bot: { name: 'Bot', username: '' },
    current: null, // the user id whose chat is open
    version: 0,
    chats: new Map(), // user id -> {messages, callbacks}
    lastRead: loadLastRead(), // user id -> the highest bot message_id read
    pending: new Map(), // callback_query_id -> {userId, messageId, row, col, at}
    handledCallbacks: new Set(),
    rendered: new Map(), // message_id -> {el, sig} for the open chat
    unreadMarker: null, // message_id before which the "unread" divider stands
    newBelow: 0, // bot messages that arrived while the chat was scrolled up
    menu: { items: [], active: -1, typed: false },
    refreshing: null,
    refreshAgain: false,
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  // -- talking to the sandbox ---------------------------------------------------------------------------

  async function api(path, body) {
    const init = { method: 'GET', headers: {} };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && data.error) || response.statusText || String(response.status));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function loadLastRead() {
    try {
      const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
      return new Map(Object.entries(raw).map(([k, v]) => [Number(k), Number(v)]));
    } catch (_) {
      return new Map();
    }
  }

  function saveLastRead() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(state.lastRead)));
    } catch (_) {
      /* private mode: unread counts simply do not survive a reload */
    }
  }

  // -- people ------------------------------------------------------------------------------------------------

  // The demo's cast and first tour: in the sidebar (folded on a phone) and in the empty chat on a desktop.
  function tourNodes(tour) {
    const cast = el('ul', 'tour-cast');
    tour.cast.forEach((c) => {
      const item = el('li');
      item.append(el('strong', '', c.who), document.createTextNode(` — ${c.what}`));
      cast.append(item);
    });
    const steps = el('ol', 'tour-steps');
    tour.steps.forEach((step) => steps.append(el('li', '', step)));
    return [el('h3', '', 'Ai là ai'), cast, el('h3', '', 'Thử theo các bước'), steps];
  }

  function renderTour(tour) {
    if (!tour) return;
    const details = $('tour');
    $('tour-body').replaceChildren(...tourNodes(tour));
    details.hidden = false;
    if (!state.tourShown) {
      details.open = isPhone(); // on a desktop the empty chat shows it
      state.tourShown = true;
    }
    const empty = $('chat-empty');
    const hint = el('p', '', 'Chọn một người ở danh sách bên trái để trò chuyện với bot với tư cách người đó.');
    const guide = el('div', 'tour tour-empty');
    guide.append(...tourNodes(tour));
    empty.replaceChildren(hint, guide);
  }

  function applyDemo(described) {
    state.demo = described;
    state.bot = { name: described.bot.name, username: described.bot.username };
    state.people = described.people.map((p) => ({
      id: p.user_id,
      name: p.name,
      position: p.position,
      unit: p.unit,
      roles: p.roles || [],
    }));
    $('now-label').textContent = described.now_label;
    renderTour(described.tour);
    const select = $('jump');
    const chosen = select.value;
    select.replaceChildren(
      ...described.jumps.map((jump) => {
        const option = el('option', '', jump.label);
        option.value = jump.id;
        return option;
      }),
    );
    if (described.jumps.some((j) => j.id === chosen)) select.value = chosen;
    select.disabled = described.jumps.length === 0;
    $('jump-go').disabled = described.jumps.length === 0;
    $('clock').hidden = false;
    $('add-user').hidden = true;
    $('mode-label').textContent = 'Bản chạy thử — không cần Telegram';
  }

  function applySandbox(sandboxState) {
    state.demo = null;
    const bot = sandboxState.bot || {};
    state.bot = { name: bot.first_name || 'Bot', username: bot.username || '' };
    state.people = (sandboxState.users || []).map((u) => ({
      id: u.id,
      name: [u.last_name, u.first_name].filter(Boolean).join(' '),
      position: u.username ? `@${u.username}` : 'Người dùng thử',
      unit: '',
      roles: [],
    }));
    $('clock').hidden = true;
    $('add-user').hidden = false;
    $('mode-label').textContent = 'Máy chủ thử (sandbox)';
  }

  async function loadPeople() {
    try {
      applyDemo(await api('/demo'));
    } catch (error) {
      if (error.status !== 404) throw error;
      applySandbox(await api('/state'));
    }
    $('bot-name').textContent = state.bot.name;
  }

  function person(id) {
    return state.people.find((p) => p.id === id) || null;
  }

  function initials(name) {
    const words = name.split(/\s+/).filter(Boolean);
    if (words.length === 0) return '?';
    const first = words[0][0];
    const last = words.length > 1 ? words[words.length - 1][0] : '';
    return (first + last).toLocaleUpperCase('vi');
  }

  function avatar(p, extra) {
    const node = el('span', `avatar avatar-c${Math.abs(p.id) % AVATAR_COLOURS}${extra ? ` ${extra}` : ''}`, initials(p.name));
    node.setAttribute('aria-hidden', 'true');
    return node;
  }

  function botMessages(userId) {
    const chat = state.chats.get(userId);
    return chat ? chat.messages.filter((m) => m.from_bot) : [];
  }

  function lastReadOf(userId) {
    const chat = state.chats.get(userId);
    const stored = state.lastRead.get(userId) || 0;
    const highest = chat && chat.messages.length ? Math.max(...chat.messages.map((m) => m.message_id)) : 0;
    if (chat && stored > highest) {
      // The chat was reset or the server restarted: its message ids begin again.
      state.lastRead.set(userId, 0);
      saveLastRead();
      return 0;
    }
    return stored;
  }

  function unreadCount(userId) {
    const read = lastReadOf(userId);
    return botMessages(userId).filter((m) => m.message_id > read).length;
  }

  function markRead(userId) {
    const ids = botMessages(userId).map((m) => m.message_id);
    const highest = ids.length ? Math.max(...ids) : 0;
    if (state.lastRead.get(userId) !== highest) {
      state.lastRead.set(userId, highest);
      saveLastRead();
    }
  }

  function lastMessage(userId) {
    const chat = state.chats.get(userId);
    return chat && chat.messages.length ? chat.messages[chat.messages.length - 1] : null;
  }

  // The rows stay the same elements (only what changed inside is redrawn), so that a click in progress or the
  // keyboard focus survives the live updates.
  const rows = new Map(); // user id -> {el, sig}
  let peopleShape = '';

  function renderPeople() {
    const nav = $('people');
    const shape = JSON.stringify(state.people.map((p) => [p.id, p.unit]));
    if (shape !== peopleShape) {
      peopleShape = shape;
      rows.clear();
      const nodes = [];
      let unit = null;
      for (const p of state.people) {
        if (p.unit && p.unit !== unit) {
          unit = p.unit;
          nodes.push(el('h3', 'people-group', unit));
        }
        const row = el('button', 'person');
        row.type = 'button';
        row.dataset.userId = String(p.id);
        row.addEventListener('click', () => openChat(p.id, true));
        rows.set(p.id, { el: row, sig: '' });
        nodes.push(row);
      }
      if (state.people.length === 0) nodes.push(el('p', 'people-empty', 'Chưa có người dùng thử nào.'));
      nav.replaceChildren(...nodes);
    }
    for (const p of state.people) {
      const entry = rows.get(p.id);
      const current = p.id === state.current;
      const unread = current ? 0 : unreadCount(p.id);
      const last = lastMessage(p.id);
      const sig = JSON.stringify([p.name, p.position, p.unit, current, unread, last ? last.date : null]);
      if (entry.sig === sig) continue;
      entry.sig = sig;
      const row = entry.el;
      if (current) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
      const main = el('span', 'person-main');
      const top = el('span', 'person-top');
      top.append(el('span', 'person-name', p.name));
      if (last) top.append(el('time', 'person-time', clockTime(last.date)));
      const bottom = el('span', 'person-bottom');
      bottom.append(el('span', 'person-sub', p.position));
      if (unread > 0) bottom.append(el('span', 'badge', String(unread)));
      main.append(top, bottom);
      row.replaceChildren(avatar(p), main);
      const parts = [p.name, p.position, p.unit].filter(Boolean);
      if (unread > 0) parts.push(`${unread} tin nhắn chưa đọc`);
      row.setAttribute('aria-label', parts.join(', '));
      row.title = [p.position, p.unit].filter(Boolean).join(' — ');
    }
  }

  // -- time ----------------------------------------------------------------------------------------------

  const pad = (n) => String(n).padStart(2, '0');

  function clockTime(unix) {
    const d = new Date(unix * 1000);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function dayKey(unix) {
    const d = new Date(unix * 1000);
    return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  }

  function dayLabel(unix) {
    const d = new Date(unix * 1000);
    const today = state.demo ? new Date(state.demo.now) : new Date(); // "today" is the demo clock's day
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(unix) === dayKey(today.getTime() / 1000)) return 'Hôm nay';
    if (dayKey(unix) === dayKey(yesterday.getTime() / 1000)) return 'Hôm qua';
    const label = `${WEEKDAYS[d.getDay()]}, ${d.getDate()} tháng ${d.getMonth() + 1}`;
    return d.getFullYear() === today.getFullYear() ? label : `${label}, ${d.getFullYear()}`;
  }

  // -- Telegram HTML, rendered safely ------------------------------------------------------------------------

  const TAGS = {
    b: 'strong', strong: 'strong', i: 'em', em: 'em', u: 'u', ins: 'u', s: 's', strike: 's', del: 's',
    code: 'code', pre: 'pre', a: 'a', blockquote: 'blockquote', 'tg-spoiler': 'span', span: 'span',
    'tg-emoji': 'span', 'tg-time': 'span',
  };
  const TAG_RE = /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*\/?>/g;
  const ATTR_RE = /([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"' };

  function decodeEntities(text) {
    return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);/g, (whole, ref) => {
      if (ref[0] === '#') {
        const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        try {
          return String.fromCodePoint(code);
        } catch (_) {
          return whole;
        }
      }
      return Object.prototype.hasOwnProperty.call(NAMED, ref) ? NAMED[ref] : whole;
    });
  }

  function parseAttrs(raw) {
    const attrs = {};
    for (const m of raw.matchAll(ATTR_RE)) {
      attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
    }
    return attrs;
  }

  function safeHref(href) {
    const value = (href || '').trim();
    return /^(https?:\/\/|tg:)/i.test(value) ? value : null;
  }

  const COMMAND_OR_URL = /(^|[\s(«"'“])(\/[A-Za-z][A-Za-z0-9_]{0,31}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])|(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)»”])/g;

  // Text of the bot's messages: bot commands and web addresses become tappable, as in Telegram.
  function appendText(parent, text, linkify) {
    if (!text) return;
    if (!linkify) {
      parent.append(document.createTextNode(text));
      return;
    }
    let last = 0;
    for (const m of text.matchAll(COMMAND_OR_URL)) {
      const start = m.index + (m[1] ? m[1].length : 0);
      if (start > last) parent.append(document.createTextNode(text.slice(last, start)));
      if (m[2]) {
        const command = el('a', 'bot-command', m[2]);
        command.href = '#';
        command.dataset.command = m[2];
        parent.append(command);
      } else {
        parent.append(makeLink(m[3], m[3]));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  function makeLink(href, text) {
    const url = safeHref(href);
    if (!url) return el('span', 'link-dead', text);
    const link = el('a', 'link', text);
    link.href = url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.dataset.url = url;
    return link;
  }

  function renderTelegramHtml(markup, parent, linkify) {
    const stack = [{ tag: null, node: parent }];
    const plainInside = () => stack.some((s) => s.tag === 'code' || s.tag === 'pre' || s.tag === 'a');
    let last = 0;
    for (const m of markup.matchAll(TAG_RE)) {
      if (m.index > last) appendText(stack[stack.length - 1].node, decodeEntities(markup.slice(last, m.index)), linkify && !plainInside());
      last = m.index + m[0].length;
      const tag = m[2].toLowerCase();
      if (!Object.prototype.hasOwnProperty.call(TAGS, tag)) continue; // not Telegram's: drop the tag, keep its text
      if (m[1] === '/') {
        for (let i = stack.length - 1; i > 0; i--) {
          if (stack[i].tag === tag) {
            stack.length = i;
            break;
          }
        }
        continue;
      }
      const attrs = parseAttrs(m[3] || '');
      let node;
      if (tag === 'a') {
        const url = safeHref(attrs.href);
        node = url ? makeLink(url, '') : el('span', 'link-dead');
      } else if (tag === 'tg-spoiler' || (tag === 'span' && attrs.class === 'tg-spoiler')) {
        node = el('span', 'spoiler');
        node.tabIndex = 0;
        node.setAttribute('role', 'button');
        node.setAttribute('aria-label', 'Nội dung ẩn — bấm để xem');
      } else if (tag === 'blockquote') {
        node = el('blockquote', 'expandable' in attrs ? 'expandable' : '');
      } else if (tag === 'code') {
        node = el('code');
        const language = /^language-([\w+#.-]+)$/.exec(attrs.class || '');
        if (language) node.dataset.language = language[1];
      } else {
        node = el(TAGS[tag]);
      }
      stack[stack.length - 1].node.append(node);
      stack.push({ tag, node });
    }
    if (last < markup.length) appendText(stack[stack.length - 1].node, decodeEntities(markup.slice(last)), linkify && !plainInside());
  }

  // -- messages ------------------------------------------------------------------------------------------

  function signature(m) {
    return JSON.stringify([m.markup, m.text, m.caption, m.buttons, m.edited, m.date, m.document]);
  }

  function checkIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 20 12');
    svg.setAttribute('width', '18');
    svg.setAttribute('height', '11');
    svg.setAttribute('class', 'ticks');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M1 6.5l3.5 3.5L11 2.5M8.5 9.5l1 .8L17 2.5');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', '1.6');
    path.setAttribute('stroke-linecap', 'round');
    path.setAttribute('stroke-linejoin', 'round');
    svg.append(path);
    return svg;
  }

  function metaOf(m) {
    const meta = el('span', 'meta');
    if (m.edited) meta.append(el('span', 'edited', 'đã sửa'));
    const time = el('time', '', clockTime(m.date));
    time.dateTime = new Date(m.date * 1000).toISOString();
    meta.append(time);
    if (!m.from_bot) meta.append(checkIcon());
    return meta;
  }

  // Room for the time at the end of the last line (drawn by CSS from a data attribute: it adds no text).
  function metaRoom(m) {
    const room = el('span', 'meta-room');
    room.setAttribute('aria-hidden', 'true');
    room.dataset.meta = `${m.edited ? 'đã sửa ' : ''}${clockTime(m.date)}`;
    return room;
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace('.', ',')} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
  }

  function fillMessage(wrapper, m) {
    const nodes = [];
    const bubble = el('div', 'bubble');
    if (m.document) {
      const doc = el('a', 'doc');
      doc.href = `${API}/files/${encodeURIComponent(m.document.file_id)}`;
      doc.setAttribute('download', m.document.file_name || 'tep');
      if (m.document.kind === 'photo') {  // a chart: shown inline, a tap downloads it
        const img = el('img', 'photo');
        img.src = doc.href;
        img.alt = m.document.file_name || 'Ảnh';
        doc.classList.add('doc-photo');
        doc.append(img);
      } else {
        const icon = el('span', 'doc-icon', '📄');
        icon.setAttribute('aria-hidden', 'true');
        const info = el('span', 'doc-info');
        info.append(el('span', 'doc-name', m.document.file_name || 'Tệp'), el('span', 'doc-size', formatSize(m.document.file_size || 0)));
        doc.append(icon, info);
      }
      bubble.append(doc);
    }
    const body = m.text ?? m.caption;
    const text = el('div', 'text');
    if (m.markup && (m.parse_mode || '').toUpperCase() === 'HTML') {
      renderTelegramHtml(m.markup, text, m.from_bot);
    } else if (body) {
      appendText(text, body, m.from_bot);
    } else if (!m.document) {
      text.append(el('span', 'muted', 'Nhãn dán'));
    }
    text.append(metaRoom(m));
    bubble.append(text, metaOf(m));
    nodes.push(bubble);
    if (m.buttons && m.buttons.length) {
      const keyboard = el('div', 'keyboard');
      m.buttons.forEach((row, r) => {
        const line = el('div', 'kb-row');
        row.forEach((button, c) => line.append(keyboardButton(m, button, r, c)));
        keyboard.append(line);
      });
      nodes.push(keyboard);
    }
    wrapper.classList.toggle('has-kb', Boolean(m.buttons && m.buttons.length));
    wrapper.replaceChildren(...nodes);
  }

  function keyboardButton(m, button, r, c) {
    const node = el('button', 'kb-btn');
    node.type = 'button';
    node.dataset.row = String(r);
    node.dataset.col = String(c);
    node.append(el('span', 'kb-label', button.text));
    if (button.url !== undefined) {
      node.classList.add('kb-url');
      node.title = button.url;
      const arrow = el('span', 'kb-corner', '↗');
      arrow.setAttribute('aria-hidden', 'true');
      node.append(arrow);
      node.addEventListener('click', () => openUrl(button.url));
    } else if (button.callback_data !== undefined) {
      node.addEventListener('click', () => press(m, button.callback_data, r, c, node));
    } else if (button.copy_text !== undefined) {
      node.addEventListener('click', () => copyText(button.copy_text.text || ''));
    } else {
      node.addEventListener('click', () => toast('Bản thử chưa hỗ trợ loại nút này.'));
    }
    return node;
  }

  function renderChat(opening) {
    const userId = state.current;
    const box = $('messages');
    if (userId === null) return;
    const chat = state.chats.get(userId) || { messages: [], callbacks: [] };
    const atBottom = opening || isAtBottom(box);
    const active = document.activeElement;
    const activeMsg = active && box.contains(active) ? active.closest('.msg') : null;
    const activeKey = activeMsg && active.dataset.row !== undefined ? [Number(activeMsg.dataset.id), active.dataset.row, active.dataset.col] : null;

    if (opening) {
      const read = lastReadOf(userId);
      const firstUnread = chat.messages.find((m) => m.from_bot && m.message_id > read);
      state.unreadMarker = firstUnread && read > 0 ? firstUnread.message_id : null;
    }

    const desired = [];
    const alive = new Set();
    let previous = null;
    chat.messages.forEach((m, index) => {
      if (!previous || dayKey(previous.date) !== dayKey(m.date)) desired.push(dayChip(m.date));
      if (state.unreadMarker === m.message_id) desired.push(fixed.divider);
      alive.add(m.message_id);
      let entry = state.rendered.get(m.message_id);
      const sig = signature(m);
      if (!entry && !opening && !atBottom && m.from_bot) state.newBelow += 1;
      if (!entry) {
        entry = { el: el('div', 'msg'), sig: '' };
        entry.el.dataset.id = String(m.message_id);
        state.rendered.set(m.message_id, entry);
      }
      if (entry.sig !== sig) {
        fillMessage(entry.el, m);
        entry.sig = sig;
      }
      const next = chat.messages[index + 1];
      const sameAsPrevious = previous && previous.from_bot === m.from_bot && dayKey(previous.date) === dayKey(m.date);
      const sameAsNext = next && next.from_bot === m.from_bot && dayKey(next.date) === dayKey(m.date);
      entry.el.className = [
        'msg',
        m.from_bot ? 'in' : 'out',
        sameAsPrevious ? '' : 'first',
        sameAsNext ? '' : 'last',
        m.buttons && m.buttons.length ? 'has-kb' : '',
      ].filter(Boolean).join(' ');
      for (const button of entry.el.querySelectorAll('.kb-btn')) {
        const busy = pendingFor(userId, m.message_id, Number(button.dataset.row), Number(button.dataset.col));
        button.classList.toggle('loading', busy);
        if (busy) button.setAttribute('aria-busy', 'true');
        else button.removeAttribute('aria-busy');
      }
      desired.push(entry.el);
      previous = m;
    });
    if (chat.messages.length === 0) desired.push(fixed.intro);
    for (const id of [...state.rendered.keys()]) if (!alive.has(id)) state.rendered.delete(id);

    reconcile(box, desired);

    if (activeKey && document.activeElement !== active) {
      const again = box.querySelector(`.msg[data-id="${activeKey[0]}"] .kb-btn[data-row="${activeKey[1]}"][data-col="${activeKey[2]}"]`)
        || box.querySelector(`.msg[data-id="${activeKey[0]}"] .kb-btn`);
      if (again) again.focus({ preventScroll: true });
    }

    if (opening) {
      const divider = box.querySelector('.unread-divider');
      if (divider) divider.scrollIntoView({ block: 'start' });
      else box.scrollTop = box.scrollHeight;
    } else if (atBottom) {
      box.scrollTop = box.scrollHeight;
    }
    if (document.visibilityState === 'visible') markRead(userId);
    updateScrollButton();
  }

  // The day chips, the "unread" divider and the empty chat's hint are kept too, so that a live update moves
  // nothing that has not changed (focus, scrolling and screen readers stay calm).
  const chips = new Map(); // day key -> element, for the open chat
  const fixed = (() => {
    const divider = el('div', 'unread-divider');
    divider.append(el('span', '', 'Tin nhắn chưa đọc'));
    const intro = el('div', 'intro');
    intro.append(
      el('strong', '', 'Chưa có tin nhắn nào'),
      el('span', '', 'Gõ /start hoặc bấm nút «/» bên dưới để xem các lệnh của bot.'),
    );
    return { divider, intro };
  })();

  function dayChip(unix) {
    const key = dayKey(unix);
    const label = dayLabel(unix);
    let chip = chips.get(key);
    if (!chip) {
      chip = el('div', 'day');
      chip.append(el('span', '', label));
      chips.set(key, chip);
    } else if (chip.textContent !== label) {
      chip.firstChild.textContent = label; // "Hôm nay" becomes "Hôm qua" after midnight
    }
    return chip;
  }

  function reconcile(box, desired) {
    desired.forEach((node, i) => {
      const current = box.children[i];
      if (current !== node) box.insertBefore(node, current || null);
    });
    while (box.children.length > desired.length) box.lastElementChild.remove();
  }

  function isAtBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function updateScrollButton() {
    const box = $('messages');
    const show = state.current !== null && !box.hidden && !isAtBottom(box);
    if (!show) state.newBelow = 0;
    $('scroll-down').hidden = !show;
    const count = $('scroll-down-count');
    count.hidden = state.newBelow === 0;
    count.textContent = String(state.newBelow);
  }

  // -- acting as the person --------------------------------------------------------------------------

  function pendingFor(userId, messageId, row, col) {
    for (const p of state.pending.values()) {
      if (p.userId === userId && p.messageId === messageId && p.row === row && p.col === col) return true;
    }
    return false;
  }

  async function press(m, data, row, col, node) {
    const userId = state.current;
    if (node.classList.contains('loading')) return; // a double tap: the first press is on its way, ignore quietly
    node.classList.add('loading');
    node.setAttribute('aria-busy', 'true');
    try {
      const answer = await api(`/users/${userId}/press`, { chat_id: m.chat_id, message_id: m.message_id, data });
      state.pending.set(answer.callback_query_id, { userId, messageId: m.message_id, row, col, at: Date.now() });
      handleCallbacks();
      window.setTimeout(() => {
        if (state.pending.delete(answer.callback_query_id) && state.current === userId) renderChat(false);
      }, PRESS_TIMEOUT_MS);
    } catch (error) {
      node.classList.remove('loading');
      node.removeAttribute('aria-busy');
      // The message changed (or went) since it was drawn: show it as it is now, and say so plainly.
      toast('Tin nhắn này vừa thay đổi. Xin xem nội dung mới rồi bấm lại.');
      refresh();
    }
  }

  function handleCallbacks() {
    for (const [userId, chat] of state.chats) {
      for (const callback of chat.callbacks || []) {
        if (!callback.answered || state.handledCallbacks.has(callback.id)) continue;
        const pending = state.pending.get(callback.id);
        if (!pending) continue;
        state.handledCallbacks.add(callback.id);
        state.pending.delete(callback.id);
        if (callback.text) {
          if (callback.alert) showAlert(callback.text);
          else toast(callback.text);
        }
        if (userId === state.current) renderChat(false);
      }
    }
  }

  async function sendText(text) {
    const userId = state.current;
    const clean = text.replace(/\s+$/, '');
    if (!clean.trim() || userId === null) return;
    try {
      const message = await api(`/users/${userId}/send`, { text: clean });
      const chat = state.chats.get(userId) || { messages: [], callbacks: [] };
      if (!chat.messages.some((m) => m.message_id === message.message_id)) chat.messages.push(message);
      state.chats.set(userId, chat);
      if (state.current === userId) {
        renderChat(false);
        const box = $('messages');
        box.scrollTop = box.scrollHeight;
      }
    } catch (error) {
      toast(`Không gửi được tin nhắn: ${error.message}`);
    }
  }

  function deepLinkPayload(url) {
    try {
      const parsed = new URL(url);
      const host = parsed.hostname.toLowerCase();
      if (host !== 't.me' && host !== 'telegram.me') return null;
      const name = parsed.pathname.replace(/^\/+|\/+$/g, '');
      return state.bot.username && name.toLowerCase() === state.bot.username.toLowerCase() ? parsed : null;
    } catch (_) {
      return null;
    }
  }

  async function openUrl(url) {
    if (deepLinkPayload(url)) {
      try {
        await api(`/users/${state.current}/open_link`, { url });
        await refresh();
      } catch (error) {
        toast(`Không mở được liên kết: ${error.message}`);
      }
      return;
    }
    const safe = safeHref(url);
    if (!safe) {
      toast('Liên kết này không mở được.');
      return;
    }
    if (/^tg:/i.test(safe)) {
      toast('Liên kết Telegram (tg://) không mở được trong bản chạy thử.');
      return;
    }
    window.open(safe, '_blank', 'noopener,noreferrer');
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      toast('Đã sao chép.');
    } catch (_) {
      toast(text);
    }
  }

  // -- opening chats, the phone layout -----------------------------------------------------------------

  function openChat(userId, push) {
    const p = person(userId);
    if (!p) return;
    const changed = state.current !== userId;
    state.current = userId;
    if (changed) {
      state.rendered.clear();
      chips.clear();
      state.newBelow = 0;
      $('messages').replaceChildren();
      $('text').value = '';
      autoGrow();
      closeMenu();
    }
    $('chat-empty').hidden = true;
    $('chat-head').hidden = false;
    $('messages').hidden = false;
    $('composer').hidden = false;
    $('head-avatar').replaceWith(Object.assign(avatar(p), { id: 'head-avatar' }));
    $('head-name').textContent = p.name;
    $('head-sub').textContent = [p.position, p.unit].filter(Boolean).join(' · ');
    $('text').placeholder = isPhone() ? 'Tin nhắn' : `Nhắn với tư cách ${p.name}…`;
    $('app').dataset.view = 'chat';
    placeClock();
    if (push && location.hash !== `#u${userId}`) history.pushState({ user: userId }, '', `#u${userId}`);
    renderChat(true);
    renderPeople();
    if (!isPhone()) $('text').focus({ preventScroll: true });
    refresh();
  }

  function showList(focusRow) {
    $('app').dataset.view = 'list';
    placeClock();
    if (isPhone() && state.current !== null) {
      const previous = state.current;
      state.current = null;
      $('chat-empty').hidden = false;
      $('chat-head').hidden = true;
      $('messages').hidden = true;
      $('composer').hidden = true;
      $('scroll-down').hidden = true;
      closeMenu();
      renderPeople();
      const row = document.querySelector(`.person[data-user-id="${previous}"]`);
      if (row && focusRow) row.focus({ preventScroll: true });
    }
  }

  function isPhone() {
    return window.matchMedia('(max-width: 720px)').matches;
  }

  // On a phone the list and the chat are separate screens: the demo clock goes where the person is, so that
  // reminders can be seen arriving after a jump made from inside a chat.
  function placeClock() {
    const clock = $('clock');
    const inChat = isPhone() && $('app').dataset.view === 'chat';
    if (inChat && clock.parentElement !== $('chat')) $('chat').insertBefore(clock, $('offline'));
    if (!inChat && clock.parentElement === $('chat')) $('tour').before(clock);
  }

  function routeFromHash() {
    const match = /^#u(-?\d+)$/.exec(location.hash);
    if (match && person(Number(match[1]))) openChat(Number(match[1]), false);
    else showList(true);
  }

  // -- the command menu ---------------------------------------------------------------------------------

  async function loadCommands() {
    const userId = state.current;
    try {
      const data = await api(`/users/${userId}/commands`);
      return data.commands || [];
    } catch (_) {
      return [];
    }
  }

  async function toggleMenu() {
    if (!$('cmd-menu').hidden && !state.menu.typed) {
      closeMenu();
      return;
    }
    const commands = await loadCommands();
    showMenu(commands, false);
  }

  function showMenu(commands, typed) {
    const menu = $('cmd-menu');
    state.menu = { items: commands, active: typed && commands.length ? 0 : -1, typed };
    if (commands.length === 0) {
      if (typed) {
        closeMenu();
        return;
      }
      menu.replaceChildren(el('p', 'cmd-empty', 'Bot chưa đặt danh sách lệnh cho người này.'));
    } else {
      menu.replaceChildren(
        ...commands.map((c, i) => {
          const item = el('button', 'cmd-item');
          item.type = 'button';
          item.id = `cmd-${i}`;
          item.setAttribute('role', 'option');
          item.append(el('span', 'cmd-name', `/${c.command}`), el('span', 'cmd-desc', c.description));
          item.addEventListener('click', () => {
            closeMenu();
            $('text').value = '';
            autoGrow();
            sendText(`/${c.command}`);
            $('text').focus({ preventScroll: true });
          });
          return item;
        }),
      );
    }
    menu.hidden = false;
    $('menu-btn').setAttribute('aria-expanded', 'true');
    highlightMenu();
  }

  function highlightMenu() {
    const items = $('cmd-menu').querySelectorAll('.cmd-item');
    items.forEach((item, i) => item.setAttribute('aria-selected', String(i === state.menu.active)));
    const active = items[state.menu.active];
    if (active) {
      active.scrollIntoView({ block: 'nearest' });
      $('text').setAttribute('aria-activedescendant', active.id);
    } else {
      $('text').removeAttribute('aria-activedescendant');
    }
  }

  function closeMenu() {
    $('cmd-menu').hidden = true;
    $('menu-btn').setAttribute('aria-expanded', 'false');
    $('text').removeAttribute('aria-activedescendant');
    state.menu = { items: [], active: -1, typed: false };
  }

  let commandCache = { userId: null, commands: [], at: 0 };

  async function suggestCommands() {
    const value = $('text').value;
    const match = /^\/([A-Za-z0-9_]*)$/.exec(value);
    if (!match) {
      if (state.menu.typed) closeMenu();
      return;
    }
    if (commandCache.userId !== state.current || Date.now() - commandCache.at > 5000) {
      commandCache = { userId: state.current, commands: await loadCommands(), at: Date.now() };
    }
    const prefix = match[1].toLowerCase();
    const found = commandCache.commands.filter((c) => c.command.toLowerCase().startsWith(prefix));
    if ($('text').value !== value) return;
    showMenu(found, true);
  }

  // -- composer -----------------------------------------------------------------------------------------

  function autoGrow() {
    const text = $('text');
    text.style.height = 'auto';
    text.style.height = `${Math.min(text.scrollHeight, 160)}px`;
  }

  function submitComposer() {
    const text = $('text');
    const value = text.value;
    if (!value.trim()) return;
    text.value = '';
    autoGrow();
    closeMenu();
    sendText(value);
  }

  function onComposerKey(event) {
    const menuOpen = !$('cmd-menu').hidden && state.menu.items.length > 0;
    if (menuOpen && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const n = state.menu.items.length;
      state.menu.active = (state.menu.active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
      highlightMenu();
      return;
    }
    if (event.key === 'Escape' && !$('cmd-menu').hidden) {
      event.preventDefault();
      closeMenu();
      return;
    }
    if (menuOpen && event.key === 'Tab' && state.menu.active >= 0) {
      event.preventDefault();
      $('text').value = `/${state.menu.items[state.menu.active].command} `;
      closeMenu();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (menuOpen && state.menu.active >= 0) {
        const chosen = state.menu.items[state.menu.active];
        $('text').value = '';
        autoGrow();
        closeMenu();
        sendText(`/${chosen.command}`);
        return;
      }
      submitComposer();
    }
  }

  // -- the demo clock -------------------------------------------------------------------------------------

  async function jump() {
    const target = $('jump').value;
    if (!target) return;
    const button = $('jump-go');
    button.disabled = true;
    button.classList.add('loading');
    try {
      applyDemo(await api('/demo/clock', { jump: target }));
      toast(`Đồng hồ bản chạy thử: ${state.demo.now_label}`);
    } catch (error) {
      toast(`Không chuyển được đồng hồ: ${error.message}`);
    } finally {
      button.classList.remove('loading');
      button.disabled = !state.demo || state.demo.jumps.length === 0;
    }
    refresh();
  }

  function askReset() {
    const dialog = $('confirm-reset');
    dialog.returnValue = '';
    dialog.showModal();
  }

  async function reset() {
    const button = $('reset');
    button.disabled = true;
    try {
      const described = await api('/demo/reset', {});
      state.lastRead.clear();
      saveLastRead();
      state.pending.clear();
      state.handledCallbacks.clear();
      state.rendered.clear();
      chips.clear();
      state.chats.clear();
      $('messages').replaceChildren();
      applyDemo(described);
      await refresh();
      toast('Đã đặt lại bản chạy thử về trạng thái ban đầu.');
    } catch (error) {
      toast(`Không đặt lại được: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // -- under `danhgia sandbox`: new users -------------------------------------------------------------------

  async function addUser(event) {
    event.preventDefault();
    const input = $('add-user-name');
    const words = input.value.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const firstName = words.pop();
    try {
      const user = await api('/users', { first_name: firstName, last_name: words.join(' ') || null, language_code: 'vi' });
      input.value = '';
      await refresh();
      openChat(user.id, true);
    } catch (error) {
      toast(`Không thêm được người dùng: ${error.message}`);
    }
  }

  // -- toasts and alerts -----------------------------------------------------------------------------------

  let toastTimer = 0;

  function toast(text) {
    const node = $('toast');
    node.textContent = text;
    node.hidden = false;
    node.classList.remove('show');
    void node.offsetWidth; // restart the fade-in
    node.classList.add('show');
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => {
      node.classList.remove('show');
      toastTimer = window.setTimeout(() => { node.hidden = true; }, 250);
    }, Math.min(6000, 2200 + text.length * 40));
  }

  function showAlert(text) {
    const dialog = $('alert');
    $('alert-text').textContent = text;
    if (!dialog.open) dialog.showModal();
  }

  // -- live updates ----------------------------------------------------------------------------------------

  async function refreshOnce() {
    if (!state.demo) {
      try {
        const known = state.people.map((p) => p.id).join(',');
        applySandbox(await api('/state'));
        if (state.people.map((p) => p.id).join(',') !== known) renderPeople();
      } catch (_) {
        /* the next poll tries again */
      }
    } else {
      try {
        applyDemo(await api('/demo'));
      } catch (_) {
        /* the demo may be restarting (reset) */
      }
    }
    const ids = state.people.map((p) => p.id);
    const answers = await Promise.all(ids.map((id) => api(`/chats/${id}/messages`).catch(() => null)));
    ids.forEach((id, i) => {
      if (answers[i]) state.chats.set(id, { messages: answers[i].messages || [], callbacks: answers[i].callbacks || [] });
    });
    handleCallbacks();
    if (state.current !== null) renderChat(false);
    renderPeople();
  }

  // One refresh at a time; a change seen meanwhile asks for one more.
  function refresh() {
    if (state.refreshing) {
      state.refreshAgain = true;
      return state.refreshing;
    }
    state.refreshing = (async () => {
      try {
        do {
          state.refreshAgain = false;
          await refreshOnce();
        } while (state.refreshAgain);
      } finally {
        state.refreshing = null;
      }
    })();
    return state.refreshing;
  }

  async function poll() {
    for (;;) {
      try {
        const answer = await api(`/wait?since=${state.version}&timeout=25`);
        $('offline').hidden = true;
        if (answer.version !== state.version) {
          state.version = answer.version;
          await refresh();
        }
      } catch (_) {
        $('offline').hidden = false;
        await new Promise((resolve) => window.setTimeout(resolve, 2000));
      }
    }
  }

  // -- the switch to the Zalo page -------------------------------------------------------------------

  /** `?switch=<url>` (the demo passes the Zalo page's address): show "Chuyển sang Zalo" linking there. */
  function setUpSwitch() {
    const target = new URLSearchParams(location.search).get('switch');
    let safe = null;
    if (target) {
      try {
        const url = new URL(target, location.href);
        if (url.protocol === 'http:' || url.protocol === 'https:') safe = url.href;
      } catch (_) {
        safe = null;
      }
    }
    $('switch').hidden = safe === null;
    if (safe !== null) $('switch').href = safe;
  }

  // -- start ------------------------------------------------------------------------------------------

  async function start() {
    setUpSwitch();
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      submitComposer();
      $('text').focus({ preventScroll: true });
    });
    $('text').addEventListener('keydown', onComposerKey);
    $('text').addEventListener('input', () => {
      autoGrow();
      suggestCommands();
    });
    $('menu-btn').addEventListener('click', toggleMenu);
    $('back').addEventListener('click', () => {
      if (history.state && history.state.user) history.back();
      else {
        history.replaceState(null, '', location.pathname + location.search);
        showList(true);
      }
    });
    $('jump-go').addEventListener('click', jump);
    $('add-user').addEventListener('submit', addUser);
    $('reset').addEventListener('click', askReset);
    $('confirm-reset').addEventListener('close', () => {
      if ($('confirm-reset').returnValue === 'ok') reset();
    });
    $('messages').addEventListener('scroll', updateScrollButton, { passive: true });
    $('scroll-down').addEventListener('click', () => {
      const box = $('messages');
      box.scrollTo({ top: box.scrollHeight, behavior: 'smooth' });
    });
    $('messages').addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      const command = target.closest('a.bot-command');
      if (command) {
        event.preventDefault();
        sendText(command.dataset.command);
        return;
      }
      const link = target.closest('a.link');
      if (link && deepLinkPayload(link.dataset.url)) {
        event.preventDefault();
        openUrl(link.dataset.url);
        return;
      }
      if (link && /^tg:/i.test(link.dataset.url)) {
        event.preventDefault();
        openUrl(link.dataset.url);
        return;
      }
      const spoiler = target.closest('.spoiler');
      if (spoiler) spoiler.classList.add('revealed');
      const quote = target.closest('blockquote.expandable');
      if (quote) quote.classList.toggle('open');
    });
    $('messages').addEventListener('keydown', (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (target && target.classList.contains('spoiler') && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        target.classList.add('revealed');
      }
    });
    document.addEventListener('click', (event) => {
      const menu = $('cmd-menu');
      if (!menu.hidden && !menu.contains(event.target) && !$('menu-btn').contains(event.target) && event.target !== $('text')) closeMenu();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && state.current !== null) {
        markRead(state.current);
        renderPeople();
      }
    });
    window.addEventListener('popstate', routeFromHash);
    window.matchMedia('(max-width: 720px)').addEventListener('change', () => {
      if (!isPhone() && state.current !== null) $('app').dataset.view = 'chat';
      placeClock();
    });

    try {
      await loadPeople();
      const sandboxState = await api('/state');
      state.version = sandboxState.version;
    } catch (error) {
      $('offline').hidden = false;
      $('offline').textContent = `Không tải được bản chạy thử: ${error.message}`;
      return;
    }
    renderPeople();
    await refresh();
    const match = /^#u(-?\d+)$/.exec(location.hash);
    if (match && person(Number(match[1]))) openChat(Number(match[1]), false);
    document.body.dataset.ready = 'true';
    poll();
  }

  start();
})();
